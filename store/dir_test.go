package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/frontline-maps/frontline/geo"
)

const actorsJSON = `[
  {"id": "sdf", "name": "Syrian Democratic Forces", "short_name": "SDF", "aliases": ["SDF", "قسد"], "colour": "#e69f00", "kind": "non_state"},
  {"id": "isis", "name": "Islamic State", "aliases": ["IS", "ISIL"], "colour": "#000000", "kind": "non_state"}
]`

const zonesGeoJSON = `{"type": "FeatureCollection", "features": [
{"type": "Feature", "id": "sdf-2026-01", "geometry": {"type": "Polygon", "coordinates": [[[40,36],[41,36],[41,37],[40,37],[40,36]]]},
 "properties": {"actor": "sdf", "status": "control", "valid_from": "2026-01-01", "valid_to": null, "approximate": true, "sources": [{"publisher": "Reuters"}]}}
]}`

const incidentsGeoJSON = `{"type": "FeatureCollection", "features": [
{"type": "Feature", "id": "shaddadi-2026-01", "geometry": {"type": "Point", "coordinates": [40.73, 36.06]},
 "properties": {"date": "2026-01-20", "date_precision": "day", "type": "strategic_developments", "sub_type": "prison_break",
  "actors": [{"actor": "isis", "role": "perpetrator"}], "precision_m": 1000, "fatalities_low": 0, "fatalities_best": 0,
  "fatalities_high": 0, "fatalities_civilians": 0, "sources": [{"publisher": "AP"}], "status": "disputed", "origin": "frontline"}}
]}`

const ucdpGeoJSON = `{"type": "FeatureCollection", "features": [
{"type": "Feature", "id": "ucdp-186940", "geometry": {"type": "Point", "coordinates": [36.732381, 34.926532]},
 "properties": {"date": "2011-10-02", "date_precision": "day", "type": "battles", "actors": [{"name": "Syrian insurgents", "role": "target"}],
  "precision_m": 0, "fatalities_low": 24, "fatalities_best": 24, "fatalities_high": 100, "fatalities_civilians": 24,
  "sources": [{"publisher": "UCDP GED 23.1"}], "status": "confirmed", "origin": "ucdp", "origin_id": "186940"}}
]}`

const boundariesGeoJSON = `{"type": "FeatureCollection", "features": [
{"type": "Feature", "id": "SY08", "geometry": {"type": "Polygon", "coordinates": [[[40,35],[42,35],[42,37.5],[40,37.5],[40,35]]]},
 "properties": {"name": "Al-Hasakeh", "level": "governorate"}}
]}`

func goodFS() fstest.MapFS {
	return fstest.MapFS{
		"actors.json":                     {Data: []byte(actorsJSON)},
		"zones.geojson":                   {Data: []byte(zonesGeoJSON)},
		"incidents.geojson":               {Data: []byte(incidentsGeoJSON)},
		"incidents-ucdp.geojson":          {Data: []byte(ucdpGeoJSON)},
		"statistics.json":                 {Data: []byte(`[{"id": "isis-attacks-2021", "subject": "ISIS attacks", "value": 97, "unit": "attacks", "period_from": "2021-01-01", "period_to": "2021-12-31", "sources": [{"publisher": "COAR"}]}]`)},
		"boundaries/governorates.geojson": {Data: []byte(boundariesGeoJSON)},
		"README.md":                       {Data: []byte("ignored")},
	}
}

func TestReadDir(t *testing.T) {
	ds, err := ReadDir(goodFS())
	if err != nil {
		t.Fatal(err)
	}
	if got := []int{len(ds.Actors), len(ds.Zones), len(ds.Incidents), len(ds.Sites), len(ds.Statistics), len(ds.Boundaries)}; !reflect.DeepEqual(got, []int{2, 1, 2, 0, 1, 1}) {
		t.Fatalf("counts actors, zones, incidents, sites, statistics, boundaries = %v", got)
	}
	if ds.Incidents[0].ID != "shaddadi-2026-01" || ds.Incidents[1].ID != "ucdp-186940" {
		t.Errorf("incidents not in file order: %s, %s", ds.Incidents[0].ID, ds.Incidents[1].ID)
	}
	if ds.Actors[0].Aliases[1] != "قسد" {
		t.Errorf("alias = %q", ds.Actors[0].Aliases[1])
	}
	if ds.Zones[0].Valid.To != geo.OpenEnd {
		t.Errorf("open valid_to read as %v", ds.Zones[0].Valid.To)
	}
}

func TestReadDirProblems(t *testing.T) {
	tests := []struct {
		name   string
		change func(fstest.MapFS)
		want   []string // one substring per expected problem
	}{
		{"missing actors", func(m fstest.MapFS) { delete(m, "actors.json") }, []string{"actors.json: required file is missing"}},
		{"actors not an array", func(m fstest.MapFS) { m["actors.json"].Data = []byte(`{"id": "x"}`) }, []string{"actors.json: not a JSON array"}},
		{"malformed zones", func(m fstest.MapFS) {
			m["zones.geojson"].Data = []byte(`{"type": "FeatureCollection", "features": [{"type": `)
		}, []string{"zones.geojson: features[0]: unexpected end of input"}},
		{"unknown property", func(m fstest.MapFS) {
			m["incidents-ucdp.geojson"].Data = []byte(strings.Replace(ucdpGeoJSON, `"precision_m"`, `"precission_m"`, 1))
		}, []string{"incidents-ucdp.geojson: ucdp-186940: properties.precission_m: unknown property"}},
		{"bad date in two files", func(m fstest.MapFS) {
			m["incidents.geojson"].Data = []byte(strings.Replace(incidentsGeoJSON, "2026-01-20", "20 Jan 2026", 1))
			m["zones.geojson"].Data = []byte(strings.Replace(zonesGeoJSON, `"id": "sdf-2026-01", `, "", 1))
		}, []string{
			"zones.geojson: features[0] (line 2): id: a feature needs a string id",
			`incidents.geojson: shaddadi-2026-01: properties.date: "20 Jan 2026" is not a date`,
		}},
		{"statistic with a typo", func(m fstest.MapFS) {
			m["statistics.json"].Data = []byte(`[{"id": "s", "valeu": 3}]`)
		}, []string{`statistics.json: s: valeu: unknown property`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := goodFS()
			tc.change(m)
			ds, err := ReadDir(m)
			if err == nil {
				t.Fatalf("no error; dataset %+v", ds)
			}
			var list []error
			if u, ok := err.(interface{ Unwrap() []error }); ok {
				list = u.Unwrap()
			}
			if len(list) != len(tc.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(list), len(tc.want), err)
			}
			for i, w := range tc.want {
				if !strings.Contains(list[i].Error(), w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, list[i], w)
				}
				var p geo.Problem
				if !errors.As(list[i], &p) {
					t.Errorf("problem %d is %T, not geo.Problem", i, list[i])
				}
			}
		})
	}
}

func TestWriteDirRoundTrip(t *testing.T) {
	ds, err := ReadDir(goodFS())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := WriteDir(dir, ds); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"actors.json", "zones.geojson", "incidents.geojson", "incidents-ucdp.geojson", "statistics.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s not written: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, GovernoratesFile)); err == nil {
		t.Errorf("boundaries were written")
	}
	back, err := ReadDir(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	ds.Boundaries = nil
	ds.Actors[0], ds.Actors[1] = ds.Actors[1], ds.Actors[0] // written in ID order
	for i, z := range ds.Zones {
		if z.Circle == nil {
			ds.Zones[i].Area = z.Geometry() // written as a MultiPolygon
		}
	}
	if !reflect.DeepEqual(back, ds) {
		t.Errorf("round trip differs:\n got %+v\nwant %+v", back, ds)
	}
	zones, _ := os.ReadFile(filepath.Join(dir, "zones.geojson"))
	if lines := strings.Count(string(zones), "\n"); lines != 3 {
		t.Errorf("zones.geojson has %d lines, want header, one feature, footer:\n%s", lines, zones)
	}
}

func TestWriteDirTouchesOnlyChangedFiles(t *testing.T) {
	ds, err := ReadDir(goodFS())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := WriteDir(dir, ds); err != nil {
		t.Fatal(err)
	}
	// A hand-formatted file that WriteDir would format differently.
	zones := filepath.Join(dir, "zones.geojson")
	if err := os.WriteFile(zones, []byte(zonesGeoJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	before := stat(t, dir)
	ucdpOnly := &geo.Dataset{Incidents: ds.Incidents[1:]}
	ucdpOnly.Incidents[0].Fatalities.Best = 30
	ucdpOnly.Incidents[0].Fatalities.High = 100
	if err := WriteDir(dir, ucdpOnly); err != nil {
		t.Fatal(err)
	}
	after := stat(t, dir)
	for name, b := range before {
		changed := after[name] != b
		if changed != (name == "incidents-ucdp.geojson") {
			t.Errorf("%s changed = %v", name, changed)
		}
	}
	if got, _ := os.ReadFile(zones); string(got) != zonesGeoJSON {
		t.Errorf("zones.geojson rewritten")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// stat returns each file's content, to see which ones a write changed.
func stat(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

func TestIncidentFile(t *testing.T) {
	for dataset, want := range map[string]string{"": "incidents.geojson", "frontline": "incidents.geojson", "ucdp": "incidents-ucdp.geojson", "acled": "incidents-acled.geojson"} {
		if got := IncidentFile(dataset); got != want {
			t.Errorf("IncidentFile(%q) = %q, want %q", dataset, got, want)
		}
	}
}

func TestFileOf(t *testing.T) {
	tests := []struct {
		rec  any
		want string
	}{
		{geo.Actor{}, "actors.json"},
		{geo.Zone{}, "zones.geojson"},
		{geo.Site{}, "sites.geojson"},
		{geo.Incident{Origin: geo.Origin{Dataset: "ucdp"}}, "incidents-ucdp.geojson"},
		{geo.Incident{}, "incidents.geojson"},
		{geo.Statistic{}, "statistics.json"},
		{geo.Boundary{Level: geo.LevelGovernorate}, "boundaries/governorates.geojson"},
		{geo.Boundary{Level: geo.LevelCountry}, "boundaries/country.geojson"},
		{42, ""},
	}
	for _, tc := range tests {
		if got := FileOf(tc.rec); got != tc.want {
			t.Errorf("FileOf(%T) = %q, want %q", tc.rec, got, tc.want)
		}
	}
}

// TestReadDirLargeCollections reads incident files of a few thousand
// features whose first batch is much longer, or much shorter, than the
// rest, so that decodeCollection's estimate of the count falls short (the
// rest is appended) or goes over (the slice is cut): the incidents come
// back whole and in file order either way, after those of the file before.
func TestReadDirLargeCollections(t *testing.T) {
	feature := func(i int, note string) string {
		return fmt.Sprintf(`{"type": "Feature", "id": "inc-%05d", "geometry": {"type": "Point", "coordinates": [40.%d, 36.06]},
 "properties": {"date": "2026-01-20", "date_precision": "day", "type": "battles", "actors": [], "precision_m": 0,
  "fatalities_low": 0, "fatalities_best": 0, "fatalities_high": 0, "fatalities_civilians": 0,
  "description": %q, "sources": [{"publisher": "AP"}], "status": "reported", "origin": "ucdp", "origin_id": "%d"}}`, i, i, note, i)
	}
	collection := func(n int, long func(i int) bool) (string, []string) {
		var feats, ids []string
		for i := range n {
			note := "short"
			if long(i) {
				note = strings.Repeat("long ", 200)
			}
			feats = append(feats, feature(i, note))
			ids = append(ids, fmt.Sprintf("inc-%05d", i))
		}
		return `{"type": "FeatureCollection", "features": [` + strings.Join(feats, ",\n") + "]}", ids
	}
	for name, long := range map[string]func(int) bool{
		"estimate short": func(i int) bool { return i < 1024 },
		"estimate over":  func(i int) bool { return i >= 1024 },
	} {
		t.Run(name, func(t *testing.T) {
			fsys := goodFS()
			text, ids := collection(3000, long)
			fsys["incidents-ucdp.geojson"] = &fstest.MapFile{Data: []byte(text)}
			ds, err := ReadDir(fsys)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, in := range ds.Incidents {
				got = append(got, string(in.ID))
			}
			want := append([]string{"shaddadi-2026-01"}, ids...)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("incidents %d, want %d, or out of order", len(got), len(want))
			}
			wantLast := "short"
			if long(2999) {
				wantLast = strings.Repeat("long ", 200)
			}
			if d := ds.Incidents[len(ds.Incidents)-1].Description; d != wantLast {
				t.Errorf("last incident's description %.20q, want %.20q", d, wantLast)
			}
		})
	}
}
