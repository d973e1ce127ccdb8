package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/internal/fuzzguard"
)

// mixedCollection holds one of each kind and four bad features, one per line
// from line 2.
const mixedCollection = `{"type": "FeatureCollection", "features": [
{"type": "Feature", "id": "sdf-2026-01", "geometry": {"type": "Polygon", "coordinates": [[[40,36],[40,37],[41,37],[41,36],[40,36]]]}, "properties": {"actor": "sdf", "status": "control", "valid_from": "2026-01-01", "valid_to": null, "approximate": true, "sources": [{"publisher": "Reuters"}]}},
{"type": "Feature", "id": "tanf-55km", "geometry": null, "properties": {"actor": "us-coalition", "status": "deconfliction", "valid_from": "2016-01-01", "circle": {"center": [38.63, 33.5], "radius_m": 55000}, "approximate": false, "sources": [{"publisher": "CENTCOM"}]}},
{"type": "Feature", "id": "shaddadi", "geometry": {"type": "Point", "coordinates": [40.73, 36.06]}, "properties": {"date": "2026-01-20", "date_precision": "day", "type": "strategic_developments", "sub_type": "prison_break", "actors": [], "precision_m": 1000, "fatalities_low": 0, "fatalities_best": 0, "fatalities_high": 0, "fatalities_civilians": 0, "sources": [{"publisher": "AP"}], "status": "disputed"}},
{"type": "Feature", "id": "al-tanf-base", "geometry": {"type": "Point", "coordinates": [38.63, 33.5]}, "properties": {"name": "Al-Tanf garrison", "kind": "base", "sources": [{"publisher": "CENTCOM"}]}},
{"type": "Feature", "id": "bad-lat", "geometry": {"type": "Point", "coordinates": [40.73, 96.06]}, "properties": {"name": "Nowhere", "kind": "town", "sources": [{"publisher": "X"}]}},
{"type": "Feature", "id": "bad-date", "geometry": {"type": "Point", "coordinates": [40.73, 36.06]}, "properties": {"date": "2026-13-01", "date_precision": "day", "type": "battles", "actors": [], "precision_m": 0, "fatalities_low": 0, "fatalities_best": 0, "fatalities_high": 0, "fatalities_civilians": 0, "sources": [{"publisher": "AP"}], "status": "reported"}},
{"type": "Feature", "id": "open-ring", "geometry": {"type": "Polygon", "coordinates": [[[40,36],[40,37],[41,37],[41,36]]]}, "properties": {"actor": "sdf", "status": "control", "valid_from": "2026-01-01", "approximate": true, "sources": [{"publisher": "Reuters"}]}},
{"type": "Feature", "id": "what", "geometry": null, "properties": {"name": "no kind"}}
]}`

func TestReadGeoJSON(t *testing.T) {
	var got []Record
	rep, err := ReadGeoJSON(context.Background(), strings.NewReader(mixedCollection), Options{}, func(r Record) error {
		got = append(got, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Accepted != 4 || len(got) != 4 {
		t.Fatalf("accepted %d, want 4; rejections %v", rep.Accepted, rep.Rows)
	}
	if got[0].Zone == nil || got[1].Zone == nil || got[1].Zone.Circle == nil || got[2].Incident == nil || got[3].Site == nil {
		t.Errorf("kinds wrong: %+v", got)
	}
	if got[0].Line != 2 || got[3].Line != 5 {
		t.Errorf("lines %d, %d; want 2, 5", got[0].Line, got[3].Line)
	}
	// The zone's clockwise exterior ring comes out counter-clockwise.
	if p, ok := got[0].Zone.Area.(orb.MultiPolygon); !ok || p[0][0].Orientation() != orb.CCW {
		t.Errorf("zone not normalised: %v", got[0].Zone.Area)
	}
	want := []Rejection{
		{6, "geometry", "latitude 96.06 is outside [-90, 90]"},
		{7, "properties.date", `"2026-13-01" is not a date of the form YYYY-MM-DD`},
		{8, "geometry.coordinates[0]", "ring is not closed: first and last positions differ"},
		{9, "properties", `cannot tell the kind of record: an incident has "date", a zone "valid_from", a site "kind"`},
	}
	if !reflect.DeepEqual(rep.Rows, want) {
		t.Errorf("rejections\n%v\nwant\n%v", rep.Rows, want)
	}
}

func TestReadGeoJSONMalformed(t *testing.T) {
	in := mixedCollection[:strings.Index(mixedCollection, `{"type": "Feature", "id": "al-tanf-base"`)+30]
	var n int
	rep, err := ReadGeoJSON(context.Background(), strings.NewReader(in), Options{}, func(Record) error { n++; return nil })
	if err == nil {
		t.Fatal("no error for truncated JSON")
	}
	if n != 3 || rep.Accepted != 3 {
		t.Errorf("emitted %d before the error, want 3", n)
	}
	if _, err := ReadGeoJSON(context.Background(), strings.NewReader(`{"type": "Feature"}`), Options{}, func(Record) error { return nil }); err == nil {
		t.Error("a lone Feature was accepted as a collection")
	}
}

// TestReadGeoJSONRoundTrip reads what the geo codec writes.
func TestReadGeoJSONRoundTrip(t *testing.T) {
	var recs []Record
	if _, err := ReadGeoJSON(context.Background(), strings.NewReader(mixedCollection), Options{}, func(r Record) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.WriteString(`{"type":"FeatureCollection","features":[`)
	for i, r := range recs {
		if i > 0 {
			buf.WriteString(",\n")
		}
		var b []byte
		switch {
		case r.Zone != nil:
			b, _ = json.Marshal(r.Zone)
		case r.Incident != nil:
			b, _ = json.Marshal(r.Incident)
		case r.Site != nil:
			b, _ = json.Marshal(r.Site)
		}
		buf.Write(b)
	}
	buf.WriteString("]}")
	var again []Record
	rep, err := ReadGeoJSON(context.Background(), &buf, Options{}, func(r Record) error { r.Line = 0; again = append(again, r); return nil })
	if err != nil || rep.Rejected != 0 {
		t.Fatalf("re-reading: %v %v", err, rep.Rows)
	}
	for i := range recs {
		recs[i].Line = 0
	}
	if !reflect.DeepEqual(again, recs) {
		t.Errorf("round trip differs")
	}
}

// FuzzGeoJSONReader: any input, never a panic, and every record emitted is
// valid.
func FuzzGeoJSONReader(f *testing.F) {
	f.Add(mixedCollection)
	f.Add(`{"features": [], "type": "FeatureCollection", "bbox": [1, 2, 3]}`)
	f.Add(`{"type": "FeatureCollection", "features": [{"type": "Feature", "id": "z", "geometry": {"type": "MultiPolygon", "coordinates": []}, "properties": {"valid_from": null}}]}`)
	f.Add(`{"type": "FeatureCollection", "features": [{"type": "Feature", "id": "z", "geometry": {"type": "Polygon", "coordinates": [[]]}, "properties": {"circle": {"center": [1e400, 0], "radius_m": -1}}}]}`)
	f.Add(`{"type": "FeatureCollection", "features": [null, 1, "x", {"properties": null}]}`)
	f.Add(`[`)
	f.Fuzz(func(t *testing.T, s string) {
		defer fuzzguard.Start(t)()
		ReadGeoJSON(context.Background(), strings.NewReader(s), Options{}, func(r Record) error {
			var err error
			switch {
			case r.Zone != nil:
				err = r.Zone.Validate()
			case r.Incident != nil:
				err = r.Incident.Validate()
			case r.Site != nil:
				err = r.Site.Validate()
			default:
				t.Fatal("empty record emitted")
			}
			if err != nil {
				t.Fatalf("emitted an invalid record: %v", err)
			}
			return nil
		})
	})
}

func TestMergeIncidentsReimport(t *testing.T) {
	data := []byte(ucdpHeader +
		"1,2020,1,IS,SDF,1,,36.5,40.7,1,2020-01-02,2020-01-02,0,3,2,4\n" +
		"2,2020,3,IS,Civilians,1,,36.5,40.7,1,2020-01-03,2020-01-03,1,1,1,1\n")
	first, _, _ := readAll(t, readUCDP, data, Options{})
	curated := geo.Incident{ID: "shaddadi", Origin: geo.Origin{Dataset: "frontline"}}
	merged, st := MergeIncidents([]geo.Incident{curated}, first)
	if len(merged) != 3 || st != (MergeStats{Added: 2}) {
		t.Fatalf("first import: %d incidents, %+v", len(merged), st)
	}
	// The same file again, with a corrected figure: updated, not added.
	data = bytes.Replace(data, []byte("0,3,2,4\n"), []byte("0,3,3,4\n"), 1)
	second, _, _ := readAll(t, readUCDP, data, Options{})
	merged, st = MergeIncidents(merged, second)
	if len(merged) != 3 || st != (MergeStats{Updated: 2}) {
		t.Fatalf("re-import: %d incidents, %+v", len(merged), st)
	}
	if merged[0].ID != "shaddadi" || merged[1].Fatalities.Low != 3 {
		t.Errorf("re-import did not update in place: %+v", merged[1].Fatalities)
	}
	zones, zst := MergeZones([]geo.Zone{{ID: "a"}}, []geo.Zone{{ID: "a", Name: "new"}, {ID: "b"}})
	if len(zones) != 2 || zones[0].Name != "new" || zst != (MergeStats{Added: 1, Updated: 1}) {
		t.Errorf("MergeZones: %+v %+v", zones, zst)
	}
	sites, sst := MergeSites(nil, []geo.Site{{ID: "a"}, {ID: "a"}})
	if len(sites) != 1 || sst != (MergeStats{Added: 1, Updated: 1}) {
		t.Errorf("MergeSites: %+v %+v", sites, sst)
	}
}

// TestReportIsBounded: however many rows are rejected, the report lists
// the first MaxListed and counts the rest by column.
func TestReportIsBounded(t *testing.T) {
	n := MaxListed*4 + 7
	in := `{"type": "FeatureCollection", "features": [` + strings.Repeat(`{},`, n-1) + `{}]}`
	rep, err := ReadGeoJSON(context.Background(), strings.NewReader(in), Options{}, func(Record) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rejected != n || len(rep.Rows) != MaxListed {
		t.Fatalf("rejected %d, listed %d; want %d, %d", rep.Rejected, len(rep.Rows), n, MaxListed)
	}
	unlisted := 0
	for _, c := range rep.Unlisted {
		unlisted += c
	}
	if unlisted != n-MaxListed {
		t.Errorf("unlisted counts %v sum to %d, want %d", rep.Unlisted, unlisted, n-MaxListed)
	}

	// A reason quoting a huge CSV field is cut, on a character boundary.
	long := ucdpHeader + "1,2020,1,IS,SDF,1,,36.5,40.7,1," + strings.Repeat("é", 100_000) + ",2020-01-02,0,3,2,4\n"
	rep, err = ReadUCDP(context.Background(), strings.NewReader(long), Options{}, func(Record) error { return nil })
	if err != nil || len(rep.Rows) != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	if r := rep.Rows[0].Reason; len(r) > maxReasonBytes+len("…") || !utf8.ValidString(r) {
		t.Errorf("a reason of %d bytes (valid UTF-8: %v)", len(r), utf8.ValidString(r))
	}
}

// TestReadStopsWhenCancelled: a cancelled context stops a reader at the
// next row or feature, rejected ones included, with the context's error.
func TestReadStopsWhenCancelled(t *testing.T) {
	good := strings.Split(mixedCollection, "\n")[3] // the incident "shaddadi"
	inputs := map[Format]string{
		GeoJSON: `{"type": "FeatureCollection", "features": [` + strings.TrimSuffix(good, ",") + strings.Repeat(`, {}`, 10_000) + `]}`,
		UCDP:    ucdpHeader + "1,2020,1,IS,SDF,1,,36.5,40.7,1,2020-01-02,2020-01-02,0,3,2,4\n" + strings.Repeat("x\n", 10_000),
	}
	for f, in := range inputs {
		ctx, cancel := context.WithCancel(context.Background())
		rep, err := Read(ctx, f, strings.NewReader(in), Options{}, func(Record) error { cancel(); return nil })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: error %v, want context.Canceled", f, err)
		}
		if rep == nil || rep.Accepted != 1 || rep.Rejected != 0 {
			t.Errorf("%s: report %+v, want the one accepted record and nothing after it", f, rep)
		}
	}
}

// TestReadGeoJSONKnownActors: with KnownActors, a zone or incident naming
// an actor ID not among Actors is rejected with its line and field.
func TestReadGeoJSONKnownActors(t *testing.T) {
	opts := Options{Actors: []geo.Actor{{ID: "sdf"}}, KnownActors: true}
	rep, err := ReadGeoJSON(context.Background(), strings.NewReader(mixedCollection), opts, func(Record) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	want := Rejection{Line: 3, Column: "properties.actor", Reason: `actor "us-coalition" does not exist`}
	if rep.Accepted != 3 || rep.Rows[0] != want {
		t.Errorf("accepted %d, first rejection %+v; want 3, %+v", rep.Accepted, rep.Rows[0], want)
	}
}
