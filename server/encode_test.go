package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/geo/synth"
)

// update rewrites the golden files under testdata instead of comparing with
// them. Every golden test of the package shares it.
var update = flag.Bool("update", false, "rewrite testdata golden files")

// goldenRecords are fixed records in the shape of the curated data: the
// Al-Tanf circle, a polygon with a hole, a multipolygon, and an incident
// with disagreeing sources and hostile text.
func goldenRecords() ([]geo.Zone, []geo.Incident, []geo.Site, []geo.Boundary) {
	ring := orb.Ring{{38.0, 34.0}, {39.0, 34.0}, {39.0, 35.0}, {38.0, 35.0}, {38.0, 34.0}}
	hole := orb.Ring{{38.2, 34.2}, {38.2, 34.4}, {38.4, 34.4}, {38.4, 34.2}, {38.2, 34.2}}
	zones := []geo.Zone{
		{
			ID: "al-tanf-deconfliction", Name: "Al-Tanf 55 km deconfliction zone", Actor: "us-led-coalition",
			Status: geo.StatusDeconfliction, Circle: &geo.Circle{Center: orb.Point{38.6167, 33.5}, RadiusMeters: 55000},
			Valid:       geo.Interval{From: geo.DateOf(2016, 3, 1), To: geo.OpenEnd},
			Approximate: true, UncertaintyMeters: 2500,
			Sources: []geo.Source{{Publisher: "Reuters", Title: "U.S. forces \"55-km\" zone <al-Tanf>", URL: "https://example.org/a?b=1&c=2", Published: geo.DateOf(2025, 12, 1)}},
		},
		{
			ID: "sdf-2026-01", Actor: "sdf", Status: geo.StatusControl, Area: orb.Polygon{ring, hole},
			Valid:   geo.Interval{From: geo.OpenStart, To: geo.DateOf(2026, 1, 31)},
			Sources: []geo.Source{{Publisher: "Frontline"}}, Notes: "approximate line\nfrom reports",
		},
		{
			ID: "badiya-presence", Actor: "isis", Status: geo.StatusPresence,
			Area:    orb.MultiPolygon{{ring}, {{{40, 34}, {41, 34}, {41, 35}, {40, 34}}}},
			Valid:   geo.Always,
			Sources: nil,
		},
	}
	incidents := []geo.Incident{
		{
			ID: "shaddadi-prison-escape-2026-01", Date: geo.DateOf(2026, 1, 19), DateEnd: geo.DateOf(2026, 1, 21),
			DatePrecision: geo.PrecisionDay, Type: geo.StrategicDevelopments, SubType: "prison_break",
			Actors: []geo.IncidentActor{
				{Actor: "isis", Name: "الدولة الإسلامية", Role: geo.RolePerpetrator},
				{Name: "prison guards", Role: geo.RoleTarget},
			},
			Location: orb.Point{40.5436, 36.0559}, PrecisionMeters: 1000, Place: "al-Shaddadi", Governorate: "Al-Hasakeh",
			Fatalities:  geo.Fatalities{Low: 3, Best: 5, High: 12, Civilians: 1},
			Description: "Detainees escaped; <b>figures</b> disagree & sources\u2028differ.",
			Sources: []geo.Source{
				{Publisher: "SOHR", Note: "says 12 killed"},
				{Publisher: "Reuters", URL: "https://example.org/x", Published: geo.DateOf(2026, 1, 20)},
			},
			Status: geo.Disputed, Origin: geo.Origin{Dataset: "frontline", ID: "2026-001"},
		},
		{
			ID: "ucdp-186940", Date: geo.DateOf(2017, 5, 2), DateEnd: geo.DateOf(2017, 5, 2),
			DatePrecision: geo.PrecisionDay, Type: geo.Battles, Location: orb.Point{-0.000001, 1e-7},
			Status: geo.Reported, Origin: geo.Origin{Dataset: "ucdp", ID: "186940"},
			Sources: []geo.Source{{Publisher: "UCDP GED 23.1"}},
		},
	}
	sites := []geo.Site{{
		ID: "al-tanf-base", Name: "Al-Tanf garrison", NameAR: "التنف", AltNames: []string{"At Tanf", "al-Tanf"},
		Kind: geo.SiteBase, Location: orb.Point{38.6167, 33.5}, Governorate: "Homs",
		Sources: []geo.Source{{Publisher: "Gazetteer"}},
	}}
	boundaries := []geo.Boundary{{
		ID: "SY09", Name: "Deir-ez-Zor", NameAR: "دير الزور", Level: geo.LevelGovernorate,
		Area: orb.Polygon{ring}, Source: "OCHA COD-AB",
	}}
	return zones, incidents, sites, boundaries
}

// TestEncodeGolden writes the fixed records as one collection and compares the document with the golden
// file, so a change to the output format is visible in review.
func TestEncodeGolden(t *testing.T) {
	zones, incidents, sites, boundaries := goldenRecords()

	var out bytes.Buffer
	fw := newFeatureWriter(&out)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// The circle zone is kept out of the golden file: its drawn vertices come from trigonometry, whose last digits may differ
	// on platforms that fuse multiply-adds.
	zones = zones[1:]
	must(fw.Begin(collectionHeader{
		NumberMatched:  42,
		NumberReturned: len(zones) + len(incidents) + len(sites) + len(boundaries),
		TimeStamp:      time.Date(2026, 1, 31, 12, 30, 15, 999, time.FixedZone("AST", 3*3600)),
		DatasetVersion: "v17-<abc>",
		Links: []link{
			{Href: "/api/collections/incidents/items?limit=10&offset=10", Rel: "next", Type: contentTypeGeoJSON, Title: "Next page"},
			{Href: "/api/collections/incidents/items?limit=10", Rel: "self"},
		},
	}))
	for i := range zones {
		must(fw.Write(&zones[i]))
	}
	for i := range incidents {
		must(fw.Write(&incidents[i]))
	}
	for i := range sites {
		must(fw.Write(&sites[i]))
	}
	for i := range boundaries {
		must(fw.Write(&boundaries[i]))
	}
	must(fw.Close())

	var doc struct {
		Type           string            `json:"type"`
		NumberMatched  int               `json:"numberMatched"`
		NumberReturned int               `json:"numberReturned"`
		TimeStamp      string            `json:"timeStamp"`
		DatasetVersion string            `json:"datasetVersion"`
		Links          []link            `json:"links"`
		Features       []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("collection is not JSON: %v\n%s", err, out.Bytes())
	}
	if doc.Type != "FeatureCollection" || doc.NumberMatched != 42 || doc.NumberReturned != 6 || len(doc.Features) != 6 ||
		doc.TimeStamp != "2026-01-31T09:30:15Z" || doc.DatasetVersion != "v17-<abc>" || len(doc.Links) != 2 || doc.Links[1].Type != "" {
		t.Errorf("collection members wrong: %+v", doc)
	}
	var in geo.Incident
	if err := json.Unmarshal(doc.Features[2], &in); err != nil || !reflect.DeepEqual(in, incidents[0]) {
		t.Errorf("incident does not decode back: %v\ngot  %+v\nwant %+v", err, in, incidents[0])
	}

	golden := filepath.Join("testdata", "encode_golden.geojson")
	if *update {
		must(os.MkdirAll("testdata", 0o755))
		must(os.WriteFile(golden, out.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	must(err)
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("output differs from %s (run with -update if the change is intended)\ngot:\n%s", golden, out.Bytes())
	}
}

// TestEncodeUnencodable: a number JSON cannot hold, which no store accepts
// (Validate refuses it), is written as null, so the document stays JSON.
func TestEncodeUnencodable(t *testing.T) {
	zones, incidents, _, _ := goldenRecords()
	nan := incidents[0]
	nan.PrecisionMeters = math.NaN()
	inf := zones[1]
	inf.UncertaintyMeters = math.Inf(1)
	bd := geo.Boundary{ID: "x", Area: orb.Polygon{{{1, 2}, {math.NaN(), 3}}}}
	for _, f := range []feature{&nan, &inf, &bd} {
		var out bytes.Buffer
		fw := newFeatureWriter(&out)
		if err := fw.Begin(collectionHeader{NumberMatched: -1, NumberReturned: 1}); err != nil {
			t.Fatal(err)
		}
		if err := fw.Write(f); err != nil {
			t.Fatal(err)
		}
		if err := fw.Close(); err != nil {
			t.Fatal(err)
		}
		if !json.Valid(out.Bytes()) || !strings.Contains(out.String(), "null") {
			t.Errorf("%T: not JSON with null for the number: %s", f, out.String())
		}
	}
}

func TestEncodeOrderAndCount(t *testing.T) {
	_, incidents, _, _ := goldenRecords()
	tests := []struct {
		name    string
		run     func(*featureWriter) error
		wantErr string
	}{
		{"feature before Begin", func(fw *featureWriter) error { return fw.Write(&incidents[0]) }, "out of order"},
		{"Close before Begin", func(fw *featureWriter) error { return fw.Close() }, "out of order"},
		{"Begin twice", func(fw *featureWriter) error {
			_ = fw.Begin(collectionHeader{})
			return fw.Begin(collectionHeader{})
		}, "out of order"},
		{"feature after Close", func(fw *featureWriter) error {
			_ = fw.Begin(collectionHeader{})
			_ = fw.Close()
			return fw.Write(&incidents[0])
		}, "out of order"},
		{"fewer than announced", func(fw *featureWriter) error {
			_ = fw.Begin(collectionHeader{NumberReturned: 2})
			_ = fw.Write(&incidents[0])
			return fw.Close()
		}, "wrote 1 features after announcing numberReturned 2"},
		{"hits: none announced, none written", func(fw *featureWriter) error {
			_ = fw.Begin(collectionHeader{NumberMatched: 1000})
			return fw.Close()
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(newFeatureWriter(&bytes.Buffer{}))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// errWriter fails every write, like a connection the client has closed.
type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

func TestEncodeWriteErrorIsSticky(t *testing.T) {
	broken := errors.New("connection reset")
	fw := newFeatureWriter(errWriter{broken})
	if err := fw.Begin(collectionHeader{}); err != nil {
		t.Fatal(err) // buffered, not yet written
	}
	if err := fw.Flush(); !errors.Is(err, broken) {
		t.Fatalf("Flush = %v, want %v", err, broken)
	}
	_, incidents, _, _ := goldenRecords()
	if err := fw.Write(&incidents[0]); !errors.Is(err, broken) {
		t.Errorf("Write after a failed write = %v", err)
	}
}

func TestEncodeFlushReachesClient(t *testing.T) {
	rec := httptest.NewRecorder()
	fw := newFeatureWriter(rec)
	_, incidents, _, _ := goldenRecords()
	if err := fw.Begin(collectionHeader{NumberReturned: 1}); err != nil {
		t.Fatal(err)
	}
	if err := fw.Write(&incidents[0]); err != nil {
		t.Fatal(err)
	}
	if rec.Body.Len() != 0 {
		t.Fatal("wrote before Flush; the buffer is not buffering")
	}
	if err := fw.Flush(); err != nil {
		t.Fatal(err)
	}
	if !rec.Flushed || !strings.Contains(rec.Body.String(), "shaddadi") {
		t.Errorf("Flush did not reach the client: flushed %v, body %q", rec.Flushed, rec.Body.String())
	}
}

// benchCollection is the collection json.Marshal writes for the benchmark's
// comparison; its fields are in featureWriter's order, so the two outputs
// are the same bytes.
type benchCollection struct {
	Type           string         `json:"type"`
	NumberMatched  int            `json:"numberMatched"`
	NumberReturned int            `json:"numberReturned"`
	Features       []geo.Incident `json:"features"`
}

// benchIncidents is the benchmark's data: the project's synthetic workload.
func benchIncidents(n int) []geo.Incident { return synth.Incidents(n, 1) }

func streamIncidents(w *bytes.Buffer, incs []geo.Incident) error {
	fw := newFeatureWriter(w)
	if err := fw.Begin(collectionHeader{NumberMatched: len(incs), NumberReturned: len(incs)}); err != nil {
		return err
	}
	for i := range incs {
		if err := fw.Write(&incs[i]); err != nil {
			return err
		}
	}
	return fw.Close()
}

// TestEncodeIncidentsLikeJSONMarshal is the correctness test for
// BenchmarkEncodeIncidents, on data from the same generator (a fifth as
// many, so that the race detector's run stays short): the whole streamed
// document is the bytes json.Marshal writes for it.
func TestEncodeIncidentsLikeJSONMarshal(t *testing.T) {
	n := 20_000
	if testing.Short() {
		n = 2_000
	}
	incs := benchIncidents(n)
	streamsLikeJSONMarshal(t, incs)
}

// streamsLikeJSONMarshal fails t unless incs streamed as one
// FeatureCollection are the bytes json.Marshal writes for it, naming the
// first byte that differs.
func streamsLikeJSONMarshal(t *testing.T, incs []geo.Incident) {
	t.Helper()
	var got bytes.Buffer
	if err := streamIncidents(&got, incs); err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(benchCollection{"FeatureCollection", len(incs), len(incs), incs})
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	if !bytes.Equal(got.Bytes(), want) {
		i := 0
		for i < min(got.Len(), len(want)) && got.Bytes()[i] == want[i] {
			i++
		}
		t.Fatalf("stream and json.Marshal differ at byte %d:\nstream:  %.200s\nmarshal: %.200s", i, got.Bytes()[i:], want[i:])
	}
}

func TestEncodeIncidentAllocatesNothing(t *testing.T) {
	incs := benchIncidents(1000)
	fw := newFeatureWriter(&discard{})
	if err := fw.Begin(collectionHeader{NumberMatched: -1}); err != nil {
		t.Fatal(err)
	}
	i := 0
	allocs := testing.AllocsPerRun(5000, func() {
		_ = fw.Write(&incs[i%len(incs)])
		i++
	})
	if allocs != 0 {
		t.Errorf("Write allocates %.2f times per incident, want 0", allocs)
	}
}

// discard is io.Discard without the ReaderFrom that would make bufio skip
// its buffer, so benchmarks measure the real path.
type discard struct{ n int64 }

func (d *discard) Write(p []byte) (int, error) {
	d.n += int64(len(p))
	return len(p), nil
}

// BenchmarkEncodeIncidents streams 100k synthetic incidents as one
// collection, against json.Marshal of the same collection. ns/op is per
// collection; features/s is the figure the 2 million target is
// about.
func BenchmarkEncodeIncidents(b *testing.B) {
	const n = 100_000
	incs := benchIncidents(n)
	var size bytes.Buffer
	if err := streamIncidents(&size, incs); err != nil {
		b.Fatal(err)
	}
	report := func(b *testing.B) {
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "features/s")
	}

	b.Run("stream", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(size.Len()))
		for b.Loop() {
			d := &discard{}
			fw := newFeatureWriter(d)
			if err := fw.Begin(collectionHeader{NumberMatched: n, NumberReturned: n}); err != nil {
				b.Fatal(err)
			}
			for i := range incs {
				if err := fw.Write(&incs[i]); err != nil {
					b.Fatal(err)
				}
			}
			if err := fw.Close(); err != nil {
				b.Fatal(err)
			}
		}
		report(b)
	})
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(size.Len()))
		for b.Loop() {
			out, err := json.Marshal(benchCollection{"FeatureCollection", n, n, incs})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := (&discard{}).Write(out); err != nil {
				b.Fatal(err)
			}
		}
		report(b)
	})
}

// TestEncodeReleasedWriterStartsClean checks that a writer released after
// a document, or after a failed write, writes the next document exactly as
// a fresh one: nothing of the last document, its state or its error is
// kept.
func TestEncodeReleasedWriterStartsClean(t *testing.T) {
	_, incidents, _, _ := goldenRecords()
	doc := func(fw *featureWriter, out io.Writer) []byte {
		var b bytes.Buffer
		fw.dst = &b
		if out != nil {
			fw.dst = out
		}
		_ = fw.Begin(collectionHeader{NumberMatched: len(incidents), NumberReturned: len(incidents), DatasetVersion: "v.1"})
		for i := range incidents {
			_ = fw.Write(&incidents[i])
		}
		if err := fw.Close(); err != nil && out == nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	want := doc(&featureWriter{}, nil)
	for round := range 3 {
		fw := newFeatureWriter(nil)
		if round == 1 {
			doc(fw, errWriter{errors.New("connection reset")})
			fw.release()
			fw = newFeatureWriter(nil)
		}
		if got := doc(fw, nil); !bytes.Equal(got, want) {
			t.Fatalf("round %d: a reused writer wrote\n%.300s\nwant\n%.300s", round, got, want)
		}
		fw.release()
	}
}
