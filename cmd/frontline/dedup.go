package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/frontline-maps/frontline/catalog"
	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/ingest/dedup"
	"github.com/frontline-maps/frontline/store"
)

// dedupReport is what "frontline dedup" prints, as text or with --json.
type dedupReport struct {
	Source string       `json:"source"` // the directory or store read
	Pairs  []dedup.Pair `json:"pairs"`
	// Merged are the pairs merged (--merge): B merged into A or A into B,
	// as Kept says.
	Merged []dedupMerge `json:"merged"`
}

// dedupMerge is one merge --merge made.
type dedupMerge struct {
	Kept    string  `json:"kept"`
	Deleted string  `json:"deleted"`
	Score   float64 `json:"score"`
}

// runDedup lists the candidate pairs of incidents that two datasets report
// of one event (ingest/dedup), read from a dataset directory (--data) or a
// store (--db, --postgres); with --merge and a store it merges each pair
// scoring at least --min-score, best first, in one write each.
func runDedup(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("dedup", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var (
		dir      string
		flags    storeFlags
		asJSON   bool
		merge    bool
		minScore float64
	)
	fs.StringVar(&dir, "data", "", "read the dataset `DIR`ectory instead of a store")
	flags.register(fs, e.getenv, "read the GeoPackage store at this `path`", false)
	fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
	fs.BoolVar(&merge, "merge", false, "with a store, merge every pair scoring at least --min-score (best first; an incident is merged once per run)")
	fs.Float64Var(&minScore, "min-score", 0.8, "the least score --merge merges, in [0, 1]")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: frontline dedup [--data DIR | --db PATH | --postgres URL] [--json] [--merge [--min-score S]]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if err := flags.check(fs, e.getenv); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageError{fmt.Sprintf("dedup takes no arguments, got %q", fs.Args())}
	case dir != "" && (flags.dbGiven || flags.Postgres != ""):
		return usageError{"dedup reads --data DIR or a store (--db, --postgres): give one of them"}
	case merge && dir != "":
		return usageError{"--merge writes to a store, which keeps the merged record's history; a --data directory has none (frontline import --format geojson --db PATH loads one)"}
	case minScore < 0 || minScore > 1:
		return usageError{fmt.Sprintf("--min-score %g is outside [0, 1]", minScore)}
	}

	rep := dedupReport{Pairs: []dedup.Pair{}, Merged: []dedupMerge{}}
	var incs []*geo.Incident
	var cat *catalog.Catalog
	if dir != "" {
		ds, err := store.ReadDir(os.DirFS(dir))
		if err != nil {
			return fmt.Errorf("dedup: %s: %w", dir, err)
		}
		rep.Source = dir
		for i := range ds.Incidents {
			incs = append(incs, &ds.Incidents[i])
		}
	} else {
		if flags.Postgres == "" {
			// A typo in --db must not create an empty store and report no pairs.
			if _, err := os.Stat(flags.DB); err != nil {
				return fmt.Errorf("dedup: no store at %s: %w", flags.DB, err)
			}
		}
		st, err := flags.open(ctx, false)
		if err != nil {
			return err
		}
		defer st.Close()
		cat = catalog.New(st)
		if err := cat.Load(ctx); err != nil {
			return err
		}
		rep.Source = flags.describe()
		page, err := cat.Snapshot().Incidents(geo.IncidentQuery{})
		if err != nil {
			return err
		}
		incs = page.Incidents
	}
	rep.Pairs = append(rep.Pairs, dedup.Find(incs)...)

	if merge {
		done := map[geo.IncidentID]bool{}
		for _, p := range rep.Pairs {
			if p.Score < minScore || done[p.A] || done[p.B] {
				continue
			}
			kept, other, err := mergeOrder(ctx, cat, p)
			if err != nil {
				return err
			}
			if _, err := cat.Merge(ctx, kept.id, kept.number, other.id, other.number, "cli"); err != nil {
				return fmt.Errorf("dedup: merging %s into %s: %w", other.id, kept.id, err)
			}
			done[p.A], done[p.B] = true, true
			rep.Merged = append(rep.Merged, dedupMerge{Kept: kept.id, Deleted: other.id, Score: p.Score})
		}
	}
	return printDedup(e, rep, asJSON)
}

// mergeSide is one incident of a pair to merge, at its current version.
type mergeSide struct {
	id     string
	number int64
}

// mergeOrder returns the pair's incidents at their current versions, the
// one to keep first: the curated record over an imported one, UCDP's (open
// licence, fatality ranges) over others, then the smaller ID.
func mergeOrder(ctx context.Context, cat *catalog.Catalog, p dedup.Pair) (kept, other mergeSide, err error) {
	side := func(id geo.IncidentID) (mergeSide, int, error) {
		v, err := cat.Get(ctx, "incidents", string(id))
		if err != nil {
			return mergeSide{}, 0, err
		}
		in, err := cat.Snapshot().Incident(id)
		if err != nil {
			return mergeSide{}, 0, err
		}
		rank := 2
		switch in.Origin.Dataset {
		case "", "frontline":
			rank = 0
		case "ucdp":
			rank = 1
		}
		return mergeSide{string(id), v.Number}, rank, nil
	}
	a, ra, err := side(p.A)
	if err != nil {
		return kept, other, err
	}
	b, rb, err := side(p.B)
	if err != nil {
		return kept, other, err
	}
	if rb < ra {
		return b, a, nil
	}
	return a, b, nil
}

// printDedup prints the report: a line per pair with its reasons, and a
// line per merge.
func printDedup(e env, rep dedupReport, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	for _, p := range rep.Pairs {
		fmt.Fprintf(e.stdout, "%s %s score %.3f: %s\n", p.A, p.B, p.Score, strings.Join(p.Reasons, "; "))
	}
	for _, m := range rep.Merged {
		fmt.Fprintf(e.stdout, "merged %s into %s (score %.3f)\n", m.Deleted, m.Kept, m.Score)
	}
	_, err := fmt.Fprintf(e.stdout, "%s: %d candidate pairs, %d merged\n", rep.Source, len(rep.Pairs), len(rep.Merged))
	return err
}
