package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/frontline-maps/frontline/catalog"
	"github.com/frontline-maps/frontline/data"
	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/ingest"
	"github.com/frontline-maps/frontline/store"
)

// importConfig is the command line of "frontline import".
type importConfig struct {
	Format     ingest.Format
	DryRun     bool
	JSON       bool
	Into       string // dataset directory to merge into; "" only reports
	DB         string // GeoPackage store to import into, one transaction per file
	Postgres   string // PostgreSQL store to import into instead; never logged
	ActorsFile string // JSON array of actors for name matching
	Release    string // UCDP GED release; "" reads it from each file name
	Partial    bool   // with DB: store a file's accepted rows when some are rejected
	Files      []string
}

func parseImportConfig(args []string, stderr io.Writer) (importConfig, error) {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: frontline import --format ucdp|acled|geojson [--dry-run] [--json] [--into DIR | --db PATH | --postgres URL] [--actors FILE] FILE...")
		fs.PrintDefaults()
	}
	var cfg importConfig
	format := fs.String("format", "", "input `format`: ucdp (UCDP GED CSV), acled (ACLED CSV) or geojson (Frontline GeoJSON)")
	fs.BoolVar(&cfg.DryRun, "dry-run", false, "read and validate, report, write nothing")
	fs.BoolVar(&cfg.JSON, "json", false, "print the report as JSON on stdout")
	fs.StringVar(&cfg.Into, "into", "", "merge the records into this dataset `directory` (atomically; re-imports update by origin id)")
	fs.StringVar(&cfg.DB, "db", "", "import into this GeoPackage store (created and seeded when missing), each file in one transaction: all its records, or none when a row is rejected (see --partial)")
	fs.StringVar(&cfg.Postgres, "postgres", "", "import into this PostgreSQL/PostGIS database (a libpq `URL` or keyword=value string, migrated with frontline migrate) instead, in the same way as --db")
	fs.BoolVar(&cfg.Partial, "partial", false, "with --db or --postgres, store the accepted rows of a file that has rejected ones")
	fs.StringVar(&cfg.ActorsFile, "actors", "", "JSON array of actors to match reported names against (default: DIR/actors.json with --into, else the embedded demo actors)")
	fs.StringVar(&cfg.Release, "release", "", "UCDP GED `release` cited in each incident's attribution, such as 23.1 (default: from the file name)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, err
		}
		return cfg, usageError{err.Error()}
	}
	cfg.Format = ingest.Format(*format)
	if !slices.Contains(ingest.Formats, cfg.Format) {
		return cfg, usageError{fmt.Sprintf("--format %q: want one of ucdp, acled, geojson", *format)}
	}
	cfg.Files = fs.Args()
	if len(cfg.Files) == 0 {
		return cfg, usageError{"import: no files given"}
	}
	if (cfg.Into != "" && (cfg.DB != "" || cfg.Postgres != "")) || (cfg.DB != "" && cfg.Postgres != "") {
		return cfg, usageError{"import: give one of --into DIR, --db PATH and --postgres URL"}
	}
	return cfg, nil
}

// fileReport is the outcome of one input file.
type fileReport struct {
	File string `json:"file"`
	*ingest.Report
	Error string `json:"error,omitempty"` // why the whole file was refused
	// With --db or --postgres: the stored incidents of other datasets the
	// file's incidents may duplicate (the first 1,000, MatchCount all),
	// how many merged incidents it updated, and the import's warnings.
	Matches    []catalog.ImportMatch `json:"matches,omitempty"`
	MatchCount int                   `json:"match_count,omitempty"`
	Folded     int                   `json:"folded,omitempty"`
	Warnings   []string              `json:"warnings,omitempty"`
}

// importReport is what "frontline import" prints, as text or with --json.
type importReport struct {
	Format   ingest.Format `json:"format"`
	DryRun   bool          `json:"dry_run"`
	Accepted int           `json:"accepted"`
	Rejected int           `json:"rejected"`
	Files    []fileReport  `json:"files"`
	Into     string        `json:"into,omitempty"` // the directory merged into, once merged
	DB       string        `json:"db,omitempty"`   // the store imported into
	ingest.MergeStats
	Written []string `json:"written"` // dataset files rewritten, relative to Into
}

// runImport reads each file with the chosen importer, reports accepted and
// rejected rows, and with --into merges the accepted records into a dataset
// directory. A file refused as a whole (a missing required column, malformed
// JSON, an unreadable file) makes the command fail and nothing is written.
func runImport(ctx context.Context, args []string, e env) error {
	cfg, err := parseImportConfig(args, e.stderr)
	if err != nil {
		return err
	}
	if cfg.DB != "" || cfg.Postgres != "" {
		return importIntoStore(ctx, cfg, e)
	}
	var ds *geo.Dataset
	if cfg.Into != "" {
		if ds, err = store.ReadDir(os.DirFS(cfg.Into)); err != nil {
			return fmt.Errorf("--into %s: %w", cfg.Into, err)
		}
	}
	actors, err := importActors(cfg, ds)
	if err != nil {
		return err
	}

	rep := importReport{Format: cfg.Format, DryRun: cfg.DryRun, Files: []fileReport{}, Written: []string{}}
	got := importedRecords{keep: cfg.Into != ""}
	failed := 0
	for _, name := range cfg.Files {
		fr := importFile(ctx, cfg, name, actors, &got, e.stderr)
		if fr.Error != "" {
			failed++
		}
		rep.Accepted += fr.Accepted
		rep.Rejected += fr.Rejected
		rep.Files = append(rep.Files, fr)
		if ctx.Err() != nil {
			break
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if failed == 0 && ds != nil {
		files, stats, err := mergeInto(cfg, ds, got)
		if err != nil {
			return err
		}
		rep.Into, rep.MergeStats, rep.Written = cfg.Into, stats, files
	}
	if err := printImportReport(e.stdout, rep, cfg.JSON); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("import: %d of %d files refused; nothing was written", failed, len(cfg.Files))
	}
	return nil
}

// importIntoStore imports each file into the store at cfg.DB through the
// catalog, as POST /api/import does: each file in one transaction, all of
// its records or, when a row is rejected (unless --partial) or the file is
// refused, none. Rejected rows are reported, as for --into. Incidents get
// their governorate from the store's boundaries; the audit log names the
// author "cli".
func importIntoStore(ctx context.Context, cfg importConfig, e env) error {
	flags := storeFlags{DB: cfg.DB, Postgres: cfg.Postgres}
	st, err := flags.open(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	// The whole index, not the tables alone: an import is matched against
	// the stored incidents (possible duplicates, merged incidents).
	cat := catalog.New(st)
	if err := cat.Load(ctx); err != nil {
		return err
	}
	rep := importReport{Format: cfg.Format, DryRun: cfg.DryRun, Files: []fileReport{}, Written: []string{}, DB: flags.describe()}
	failed := 0
	for i, name := range cfg.Files {
		var fr fileReport
		if cfg.DryRun {
			fr = importFile(ctx, cfg, name, cat.Actors(), &importedRecords{}, e.stderr)
		} else {
			fr = importFileInto(ctx, cat, cfg, name, i == len(cfg.Files)-1, &rep)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if fr.Error != "" {
			failed++
		}
		rep.Accepted += fr.Accepted
		rep.Rejected += fr.Rejected
		rep.Files = append(rep.Files, fr)
	}
	if err := printImportReport(e.stdout, rep, cfg.JSON); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("import: %d of %d files not imported", failed, len(cfg.Files))
	}
	return nil
}

// importFileInto imports the file name with cat.Import and adds what it
// stored to rep; last says no file follows (the catalog's index is then
// left behind the store). A file with rejected rows that is not stored (no
// --partial) is reported as refused.
func importFileInto(ctx context.Context, cat *catalog.Catalog, cfg importConfig, name string, last bool, rep *importReport) fileReport {
	fr, f := openInput(name)
	if f == nil {
		return fr
	}
	defer f.Close()
	req := catalog.ImportRequest{Format: string(cfg.Format), Release: releaseOf(cfg, name), Partial: cfg.Partial, Last: last}
	out, err := cat.Import(ctx, req, f, "cli")
	fr.Accepted, fr.Rejected, fr.Unlisted = out.Accepted, out.Rejected, out.Unlisted
	fr.Matches, fr.MatchCount, fr.Folded, fr.Warnings = out.Matches, out.MatchCount, out.Folded, out.Warnings
	for _, r := range out.Rows {
		fr.Rows = append(fr.Rows, ingest.Rejection(r))
	}
	switch {
	case err != nil:
		fr.Error = err.Error()
	case out.Error != "":
		fr.Error = out.Error
	case !out.Stored:
		fr.Error = fmt.Sprintf("%d rows rejected, so nothing of the file was imported (--partial imports the accepted rows)", out.Rejected)
	}
	rep.Added, rep.Updated = rep.Added+out.Added, rep.Updated+out.Updated
	return fr
}

// importActors loads the actors reported names are matched against.
func importActors(cfg importConfig, ds *geo.Dataset) ([]geo.Actor, error) {
	switch {
	case cfg.ActorsFile != "":
		b, err := os.ReadFile(cfg.ActorsFile)
		if err != nil {
			return nil, err
		}
		var actors []geo.Actor
		if err := json.Unmarshal(b, &actors); err != nil {
			return nil, fmt.Errorf("--actors %s: %w", cfg.ActorsFile, err)
		}
		return actors, nil
	case ds != nil:
		return ds.Actors, nil
	}
	b, err := fs.ReadFile(data.FS(), store.ActorsFile)
	if err != nil {
		return nil, fmt.Errorf("embedded actors: %w", err)
	}
	var actors []geo.Actor
	if err := json.Unmarshal(b, &actors); err != nil {
		return nil, fmt.Errorf("embedded actors: %w", err)
	}
	return actors, nil
}

// importedRecords collects accepted records when they are to be merged; a
// plain or dry run without --into keeps nothing, so any file size streams.
type importedRecords struct {
	keep      bool
	zones     []geo.Zone
	incidents []geo.Incident
	sites     []geo.Site
}

func (r *importedRecords) add(rec ingest.Record) {
	if !r.keep {
		return
	}
	switch {
	case rec.Zone != nil:
		r.zones = append(r.zones, *rec.Zone)
	case rec.Incident != nil:
		r.incidents = append(r.incidents, *rec.Incident)
	case rec.Site != nil:
		r.sites = append(r.sites, *rec.Site)
	}
}

// records returns the collected records as the store takes them.
func (r *importedRecords) records() []store.Record {
	return store.Records(&geo.Dataset{Zones: r.zones, Incidents: r.incidents, Sites: r.sites})
}

// releaseRE finds a GED release in a file name: "ged-23.1", "GEDEvent_v24_1".
var releaseRE = regexp.MustCompile(`(?i)ged\D*?(\d{2})[._](\d)`)

// releaseOf returns the UCDP GED release of the file name: --release, or
// one its name gives, or "".
func releaseOf(cfg importConfig, name string) string {
	if cfg.Release != "" {
		return cfg.Release
	}
	if m := releaseRE.FindStringSubmatch(filepath.Base(name)); m != nil {
		return m[1] + "." + m[2]
	}
	return ""
}

// openInput opens the file name for an import: its empty report and the
// file, or a report of why it cannot be opened and nil.
func openInput(name string) (fileReport, *os.File) {
	fr := fileReport{File: name, Report: &ingest.Report{Rows: []ingest.Rejection{}}}
	f, err := os.Open(name)
	if err != nil {
		fr.Error = err.Error()
		return fr, nil
	}
	return fr, f
}

func importFile(ctx context.Context, cfg importConfig, name string, actors []geo.Actor, got *importedRecords, stderr io.Writer) fileReport {
	fr, f := openInput(name)
	if f == nil {
		return fr
	}
	defer f.Close()
	opts := ingest.Options{Actors: actors, KnownActors: true, Release: releaseOf(cfg, name)}
	if isTerminal(stderr) {
		start := time.Now()
		opts.Progress = func(p ingest.Progress) {
			rate := float64(p.Rows) / max(time.Since(start).Seconds(), 1e-9)
			fmt.Fprintf(stderr, "\r%s: %d rows, %.0f rows/s, %d rejected ", filepath.Base(name), p.Rows, rate, p.Rejected)
		}
		defer fmt.Fprintln(stderr)
	}
	rep, err := ingest.Read(ctx, cfg.Format, f, opts, func(r ingest.Record) error {
		got.add(r)
		return nil
	})
	if rep != nil {
		fr.Report = rep
	}
	if err != nil {
		fr.Error = err.Error()
	}
	return fr
}

// isTerminal reports whether w is a terminal, where a progress line that
// rewrites itself is welcome; redirected output gets none.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// mergeInto merges got into ds by origin id (incidents) or id (zones,
// sites), assigns imported incidents their governorate from the dataset's
// boundaries, and unless this is a dry run writes the files that hold the
// imported kinds, and only those. It returns those files.
func mergeInto(cfg importConfig, ds *geo.Dataset, got importedRecords) ([]string, ingest.MergeStats, error) {
	govs, err := geo.NewGovernorates(ds.Boundaries)
	if err != nil {
		return nil, ingest.MergeStats{}, fmt.Errorf("%s: %w", store.GovernoratesFile, err)
	}
	govs.Assign(got.incidents)

	var total ingest.MergeStats
	sum := func(st ingest.MergeStats) {
		total.Added, total.Updated, total.KeptRelease = total.Added+st.Added, total.Updated+st.Updated, total.KeptRelease+st.KeptRelease
	}
	out := &geo.Dataset{}
	var st ingest.MergeStats
	if len(got.zones) > 0 {
		ds.Zones, st = ingest.MergeZones(ds.Zones, got.zones)
		out.Zones = ds.Zones
		sum(st)
	}
	if len(got.sites) > 0 {
		ds.Sites, st = ingest.MergeSites(ds.Sites, got.sites)
		out.Sites = ds.Sites
		sum(st)
	}
	if len(got.incidents) > 0 {
		ds.Incidents, st = ingest.MergeIncidents(ds.Incidents, got.incidents)
		sum(st)
		// Rewrite only the incident files the import touched, such as
		// incidents-ucdp.geojson; the curated incidents.geojson stays as is.
		touched := map[string]bool{}
		for _, in := range got.incidents {
			touched[store.IncidentFile(in.Origin.Dataset)] = true
		}
		for _, in := range ds.Incidents {
			if touched[store.IncidentFile(in.Origin.Dataset)] {
				out.Incidents = append(out.Incidents, in)
			}
		}
	}
	files := []string{}
	if len(out.Zones) > 0 {
		files = append(files, store.ZonesFile)
	}
	if len(out.Sites) > 0 {
		files = append(files, store.SitesFile)
	}
	seen := map[string]bool{}
	for _, in := range out.Incidents {
		if f := store.IncidentFile(in.Origin.Dataset); !seen[f] {
			seen[f] = true
			files = append(files, f)
		}
	}
	slices.Sort(files)
	if cfg.DryRun {
		return files, total, nil
	}
	if err := store.WriteDir(cfg.Into, out); err != nil {
		return nil, total, err
	}
	return files, total, nil
}

func printImportReport(w io.Writer, rep importReport, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	for _, f := range rep.Files {
		if f.Error != "" {
			fmt.Fprintf(w, "%s: refused: %s\n", f.File, f.Error)
		}
		fmt.Fprintf(w, "%s: %d accepted, %d rejected\n", f.File, f.Accepted, f.Rejected)
		for _, r := range f.Rows {
			col := r.Column
			if col == "" {
				col = "row"
			}
			fmt.Fprintf(w, "%s:%d: %s: %s\n", f.File, r.Line, col, r.Reason)
		}
		for _, col := range slices.Sorted(maps.Keys(f.Unlisted)) {
			fmt.Fprintf(w, "%s: %d more rejected in column %s\n", f.File, f.Unlisted[col], cmp.Or(col, "row"))
		}
		for _, wn := range f.Warnings {
			fmt.Fprintf(w, "%s: warning: %s\n", f.File, wn)
		}
		if f.Folded > 0 {
			fmt.Fprintf(w, "%s: %d incidents updated merged incidents (frontline dedup)\n", f.File, f.Folded)
		}
		for _, m := range f.Matches {
			fmt.Fprintf(w, "%s: %s may duplicate %s (score %.3f): %s\n", f.File, m.Incident, m.Matches, m.Score, strings.Join(m.Reasons, "; "))
		}
		if f.MatchCount > len(f.Matches) {
			fmt.Fprintf(w, "%s: %d more possible duplicates\n", f.File, f.MatchCount-len(f.Matches))
		}
	}
	if rep.DB != "" {
		verb := "imported into"
		if rep.DryRun {
			verb = "dry run, nothing imported into"
		}
		_, err := fmt.Fprintf(w, "%s %s: %d added, %d updated\n", verb, rep.DB, rep.Added, rep.Updated)
		return err
	}
	if rep.Into == "" {
		return nil
	}
	if rep.KeptRelease > 0 {
		fmt.Fprintf(w, "warning: no UCDP GED release given (--release, or one in the file name); %d incidents keep the release their existing versions cite\n", rep.KeptRelease)
	}
	verb := "merged into"
	if rep.DryRun {
		verb = "dry run, would merge into"
	}
	_, err := fmt.Fprintf(w, "%s %s: %d added, %d updated; files: %v\n", verb, rep.Into, rep.Added, rep.Updated, rep.Written)
	return err
}
