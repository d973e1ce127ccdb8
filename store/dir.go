// Package store persists Frontline datasets. This file reads and writes a
// dataset directory, the plain-file layout the curated data in data/ uses
// and `frontline serve --data DIR` loads; the embedded GeoPackage store will
// live beside it.
//
// # Dataset directory layout
//
// All paths are relative to the directory and use forward slashes:
//
//	actors.json                      JSON array of geo.Actor               required
//	zones.geojson                    FeatureCollection of geo.Zone         optional
//	sites.geojson                    FeatureCollection of geo.Site         optional
//	incidents.geojson                FeatureCollection of geo.Incident     optional (curated incidents)
//	incidents-*.geojson              FeatureCollection of geo.Incident     optional (one per imported dataset,
//	                                                                        e.g. incidents-ucdp.geojson)
//	statistics.json                  JSON array of geo.Statistic           optional
//	boundaries/governorates.geojson  FeatureCollection of geo.Boundary     optional
//	boundaries/country.geojson       FeatureCollection of geo.Boundary     optional
//	boundaries/neighbours.geojson    FeatureCollection of geo.Boundary     optional (basemap only)
//
// Features are decoded with the geo package's GeoJSON codec, which is strict
// about properties. Any other file is ignored, so a README or licence can sit
// beside the data.
//
// An incident's file is chosen by its origin dataset (IncidentFile):
// curated incidents (origin "" or "frontline") live in incidents.geojson and
// imported ones in incidents-<dataset>.geojson, so an import rewrites only
// its own file.
package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/frontline-maps/frontline/geo"
)

// The files of the dataset directory layout; see the package documentation.
const (
	ActorsFile       = "actors.json"
	ZonesFile        = "zones.geojson"
	SitesFile        = "sites.geojson"
	IncidentsFile    = "incidents.geojson"
	StatisticsFile   = "statistics.json"
	GovernoratesFile = "boundaries/governorates.geojson"
	CountryFile      = "boundaries/country.geojson"
	NeighboursFile   = "boundaries/neighbours.geojson"
)

// CuratedOrigin is the origin dataset of hand-curated records.
const CuratedOrigin = "frontline"

// IncidentFile returns the file of the layout that holds incidents from
// origin dataset: IncidentsFile for curated incidents (dataset "" or
// CuratedOrigin), "incidents-<dataset>.geojson" otherwise.
func IncidentFile(dataset string) string {
	if dataset == "" || dataset == CuratedOrigin {
		return IncidentsFile
	}
	return "incidents-" + dataset + ".geojson"
}

// FileOf returns the file of the layout that holds rec, a geo.Actor,
// geo.Zone, geo.Site, geo.Incident, geo.Statistic or geo.Boundary value, so
// that problems found by geo.Check can name it; "" for anything else.
// Country-level boundaries are named CountryFile although the neighbouring
// countries come from NeighboursFile.
func FileOf(rec any) string {
	switch r := rec.(type) {
	case geo.Actor:
		return ActorsFile
	case geo.Zone:
		return ZonesFile
	case geo.Site:
		return SitesFile
	case geo.Incident:
		return IncidentFile(r.Origin.Dataset)
	case geo.Statistic:
		return StatisticsFile
	case geo.Boundary:
		if r.Level == geo.LevelGovernorate {
			return GovernoratesFile
		}
		return CountryFile
	}
	return ""
}

// ReadDir reads a dataset directory laid out as the package documentation
// describes, from any fs.FS (os.DirFS, an embed.FS, a testing/fstest.MapFS).
// It decodes every record but does not validate them: geo.Check does, and
// reports every problem rather than the first.
//
// When a file is missing where required, is not well-formed JSON, or holds a
// record that cannot be decoded, ReadDir carries on with the other records
// and files and then returns a nil Dataset and an error joining one
// geo.Problem per failure (use errors.As, or Unwrap() []error to list them),
// each naming the file, the record's ID or position, the field and the
// reason.
func ReadDir(fsys fs.FS) (*geo.Dataset, error) {
	r := reader{fsys: fsys}
	ds := &geo.Dataset{}

	r.array(ActorsFile, true, func(raw json.RawMessage) error {
		var a geo.Actor
		err := a.UnmarshalJSON(raw)
		ds.Actors = append(ds.Actors, a)
		return err
	})
	r.collection(ZonesFile, func(raw json.RawMessage) error {
		var z geo.Zone
		err := z.UnmarshalJSON(raw)
		ds.Zones = append(ds.Zones, z)
		return err
	})
	r.collection(SitesFile, func(raw json.RawMessage) error {
		var s geo.Site
		err := s.UnmarshalJSON(raw)
		ds.Sites = append(ds.Sites, s)
		return err
	})
	for _, name := range incidentFiles(fsys) {
		decodeCollection(&r, name, &ds.Incidents)
	}
	r.array(StatisticsFile, false, func(raw json.RawMessage) error {
		var s geo.Statistic
		err := s.UnmarshalJSON(raw)
		ds.Statistics = append(ds.Statistics, s)
		return err
	})
	for _, name := range []string{GovernoratesFile, CountryFile, NeighboursFile} {
		r.collection(name, func(raw json.RawMessage) error {
			var b geo.Boundary
			err := b.UnmarshalJSON(raw)
			ds.Boundaries = append(ds.Boundaries, b)
			return err
		})
	}
	if len(r.problems) > 0 {
		return nil, errors.Join(r.problems...)
	}
	return ds, nil
}

// incidentFiles lists incidents.geojson and incidents-*.geojson in lexical
// order, so records always load in the same order.
func incidentFiles(fsys fs.FS) []string {
	names, _ := fs.Glob(fsys, "incidents-*.geojson") // the pattern is valid
	return append([]string{IncidentsFile}, names...)
}

// reader collects the problems found while reading one directory.
type reader struct {
	fsys     fs.FS
	problems []error
}

func (r *reader) add(p geo.Problem) { r.problems = append(r.problems, p) }

// open returns the named file, or nil when it does not exist (a problem when
// it is required).
func (r *reader) open(name string, required bool) io.ReadCloser {
	f, err := r.fsys.Open(name)
	if err == nil {
		return f
	}
	if errors.Is(err, fs.ErrNotExist) {
		if required {
			r.add(geo.Problem{File: name, Reason: "required file is missing"})
		}
		return nil
	}
	r.add(geo.Problem{File: name, Reason: err.Error()})
	return nil
}

// collection decodes each feature of a FeatureCollection file with decode.
func (r *reader) collection(name string, decode func(json.RawMessage) error) {
	r.features(name, func(i, line int, raw json.RawMessage) {
		if err := decode(raw); err != nil {
			r.add(recordProblem(name, fmt.Sprintf("features[%d] (line %d)", i, line), raw, err))
		}
	})
}

// features calls fn with each feature of the FeatureCollection file name,
// its index and its line, and records a problem for a file that is not a
// FeatureCollection. A missing file has no features.
func (r *reader) features(name string, fn func(i, line int, raw json.RawMessage)) {
	f := r.open(name, false)
	if f == nil {
		return
	}
	defer f.Close()
	err := geo.ReadFeatures(f, func(i, line int, raw json.RawMessage) error {
		fn(i, line, raw)
		return nil
	})
	if err != nil {
		r.add(recordProblem(name, "", nil, err))
	}
}

// decodeBatch is how many features decodeCollection hands a worker at once.
const decodeBatch = 1024

// decodeCollection decodes each feature of the FeatureCollection file name
// and appends it to *out, in file order, as collection does one at a time:
// the file is read here while the features are decoded on every core. Once
// the first batch is read, the file's size over the batch's bytes a
// feature estimates how many there are, *out grows by that once, and the
// features are decoded in place there; only those past the estimate are
// appended after. So a million incidents are neither decoded on one core
// nor copied from one slice to another (which held a second copy of every
// record at the end of the load).
func decodeCollection[T any, P interface {
	*T
	UnmarshalJSON([]byte) error
}](r *reader, name string, out *[]T) {
	type batch struct {
		raws  []json.RawMessage
		lines []int
		first int // index of raws[0] in the file
		dst   []T // where to decode in place, or nil
		recs  []T
		errs  []error
		done  chan struct{}
	}
	base := len(*out)
	var size int64
	if st, err := fs.Stat(r.fsys, name); err == nil {
		size = st.Size()
	}
	var place []T // (*out)[base:], the features decoded in place
	workers := runtime.GOMAXPROCS(0)
	work := make(chan *batch, workers)
	order := make(chan *batch, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			seen := map[string]string{}
			for b := range work {
				b.recs = b.dst
				if b.recs == nil {
					b.recs = make([]T, len(b.raws))
				}
				b.errs = make([]error, len(b.raws))
				for i, raw := range b.raws {
					b.errs[i] = P(&b.recs[i]).UnmarshalJSON(raw)
				}
				// Incidents decode in place, as substrings of the file's
				// text: copied out now, the text is freed as the load goes.
				if incs, ok := any(b.recs).([]geo.Incident); ok {
					geo.DetachStrings(incs, seen)
				}
				close(b.done)
			}
		})
	}
	var overflow []T
	placed := 0 // how many of place hold features: batches are in order
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for b := range order {
			<-b.done
			for i, err := range b.errs {
				if err != nil {
					r.add(recordProblem(name, fmt.Sprintf("features[%d] (line %d)", b.first+i, b.lines[i]), b.raws[i], err))
				}
			}
			if b.dst == nil {
				overflow = append(overflow, b.recs...)
			} else {
				placed = b.first + len(b.recs)
			}
		}
	}()
	b := &batch{done: make(chan struct{})}
	read := 0 // bytes of the features read
	send := func() {
		if place == nil && len(b.raws) == decodeBatch && size > 0 {
			// Two bytes a feature for the separator and line break, and a
			// tenth more: a short estimate appends the rest, and growing
			// the slice then copies every record, while capacity left over
			// costs only its zeroed pages (a tenth of the records').
			est := int(size/int64(read/len(b.raws)+2))*11/10 + decodeBatch
			*out = grown(*out, est)[:base+est] // written first: see grown
			place = (*out)[base:]
		}
		if end := b.first + len(b.raws); end <= len(place) {
			b.dst = place[b.first:end]
		}
		order <- b
		work <- b
	}
	r.features(name, func(i, line int, raw json.RawMessage) {
		if len(b.raws) == decodeBatch {
			send()
			b = &batch{first: i, done: make(chan struct{})}
		}
		b.raws, b.lines = append(b.raws, raw), append(b.lines, line)
		read += len(raw)
	})
	if len(b.raws) > 0 {
		send()
	}
	close(work)
	close(order)
	wg.Wait()
	<-collected
	*out = append((*out)[:base+placed], overflow...)
}

// array decodes each element of a JSON array file with decode, without
// holding more than one element.
func (r *reader) array(name string, required bool, decode func(json.RawMessage) error) {
	f := r.open(name, required)
	if f == nil {
		return
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	fail := func(err error) {
		r.add(geo.Problem{File: name, Reason: fmt.Sprintf("not a JSON array of records: %v", strings.TrimPrefix(err.Error(), "json: "))})
	}
	if t, err := dec.Token(); err != nil {
		fail(err)
		return
	} else if t != json.Delim('[') {
		fail(errors.New("does not start with '['"))
		return
	}
	for i := 0; dec.More(); i++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			fail(fmt.Errorf("element %d: %w", i, err))
			return
		}
		if err := decode(raw); err != nil {
			r.add(recordProblem(name, fmt.Sprintf("[%d]", i), raw, err))
		}
	}
	if _, err := dec.Token(); err != nil {
		fail(err)
	}
}

// recordProblem describes err, a decoding failure of the record raw at
// position pos in file, naming the record by its ID when it has a readable
// one.
func recordProblem(file, pos string, raw json.RawMessage, err error) geo.Problem {
	p := geo.Problem{File: file, ID: pos, Reason: strings.TrimPrefix(err.Error(), "json: ")}
	var head struct {
		ID any `json:"id"`
	}
	if json.Unmarshal(raw, &head) == nil {
		if id, ok := head.ID.(string); ok && id != "" {
			p.ID = id
		}
	}
	// geo's decoders name the field of what is wrong.
	var ve *geo.ValidationError
	if errors.As(err, &ve) {
		p.Field, p.Reason = ve.Field, ve.Reason
	}
	return p
}

// WriteDir writes the actors, zones, sites, incidents and statistics of ds
// into dir in the layout of the package documentation, creating dir if
// needed. Boundaries are reference data copied in by hand and are not
// written.
//
// Only the files ds has records for are written: a kind with no records
// leaves its file alone, so a Dataset holding only UCDP incidents rewrites
// incidents-ucdp.geojson and nothing else. A file whose content would not
// change is not rewritten. Output is deterministic: records sorted by ID,
// one feature per line in FeatureCollections and indented JSON arrays, so
// that diffs are reviewable.
//
// Each file is replaced atomically: it is written to a temporary file in the
// same directory, synced, and renamed over the old one only after every file
// has been written, then the directory is synced. A crash leaves each file
// either old or new and whole, never partial. WriteDir returns the first
// encoding or I/O error, after removing its temporary files.
func WriteDir(dir string, ds *geo.Dataset) error {
	files, err := encodeDataset(ds)
	if err != nil {
		return err
	}
	type pending struct{ tmp, dst string }
	var done []pending
	cleanup := func() {
		for _, p := range done {
			os.Remove(p.tmp)
		}
	}
	for _, name := range sortedKeys(files) {
		dst := filepath.Join(dir, filepath.FromSlash(name))
		if old, err := os.ReadFile(dst); err == nil && bytes.Equal(old, files[name]) {
			continue
		}
		tmp, err := writeTemp(dst, files[name])
		if err != nil {
			cleanup()
			return err
		}
		done = append(done, pending{tmp, dst})
	}
	for i, p := range done {
		if err := os.Rename(p.tmp, p.dst); err != nil {
			for _, q := range done[i:] {
				os.Remove(q.tmp)
			}
			return fmt.Errorf("store: %w", err)
		}
	}
	if len(done) > 0 {
		// The renames are durable only once the directory entry is synced.
		return syncDir(dir)
	}
	return nil
}

// writeTemp writes b to a new temporary file beside dst, synced to disk, and
// returns its name.
func writeTemp(dst string, b []byte) (string, error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", fmt.Errorf("store: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("store: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("store: writing %s: %w", dst, err)
	}
	return f.Name(), nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("store: syncing %s: %w", dir, err)
	}
	return nil
}

// encodeDataset renders the files WriteDir writes, keyed by layout path.
func encodeDataset(ds *geo.Dataset) (map[string][]byte, error) {
	files := map[string][]byte{}
	var err error
	add := func(name string, b []byte, e error) {
		if e != nil && err == nil {
			err = fmt.Errorf("store: encoding %s: %w", name, e)
		}
		files[name] = b
	}
	if len(ds.Actors) > 0 {
		b, e := encodeArray(sortedBy(ds.Actors, func(a geo.Actor) string { return string(a.ID) }))
		add(ActorsFile, b, e)
	}
	if len(ds.Statistics) > 0 {
		b, e := encodeArray(sortedBy(ds.Statistics, func(s geo.Statistic) string { return s.ID }))
		add(StatisticsFile, b, e)
	}
	if len(ds.Zones) > 0 {
		b, e := encodeCollection(sortedBy(ds.Zones, func(z geo.Zone) string { return string(z.ID) }))
		add(ZonesFile, b, e)
	}
	if len(ds.Sites) > 0 {
		b, e := encodeCollection(sortedBy(ds.Sites, func(s geo.Site) string { return string(s.ID) }))
		add(SitesFile, b, e)
	}
	byFile := map[string][]geo.Incident{}
	for _, in := range ds.Incidents {
		f := IncidentFile(in.Origin.Dataset)
		byFile[f] = append(byFile[f], in)
	}
	for name, ins := range byFile {
		b, e := encodeCollection(sortedBy(ins, func(in geo.Incident) string { return string(in.ID) }))
		add(name, b, e)
	}
	return files, err
}

// encodeArray writes records as an indented JSON array.
func encodeArray[T any](records []T) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("  ", "  ")
	buf.WriteString("[\n")
	for i, r := range records {
		buf.WriteString("  ")
		if err := enc.Encode(r); err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		if i < len(records)-1 {
			buf.Truncate(buf.Len() - 1) // Encode ends with a newline
			buf.WriteString(",\n")
		}
	}
	buf.WriteString("]\n")
	return buf.Bytes(), nil
}

// encodeCollection writes records as a FeatureCollection with one feature per
// line.
func encodeCollection[T json.Marshaler](records []T) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	buf.WriteString(`{"type":"FeatureCollection","features":[` + "\n")
	for i, r := range records {
		if err := enc.Encode(r); err != nil {
			return nil, fmt.Errorf("features[%d]: %w", i, err)
		}
		if i < len(records)-1 {
			buf.Truncate(buf.Len() - 1)
			buf.WriteString(",\n")
		}
	}
	buf.WriteString("]}\n")
	return buf.Bytes(), nil
}

// sortedBy returns a copy of records in ascending order of key, stable for
// equal keys.
func sortedBy[T any](records []T, key func(T) string) []T {
	out := slices.Clone(records)
	slices.SortStableFunc(out, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	return out
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
