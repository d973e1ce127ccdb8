package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/internal/fuzzguard"
)

// queryCatalog is a Catalog over a small hand-made dataset (queryDataset),
// for the handler tests of query.go.
type queryCatalog struct {
	ix     *geo.Index
	actors []geo.Actor
	stats  []geo.Statistic
}

// Snapshot, Actors, Governorates, Statistics and DatasetID implement
// Catalog; there are no governorate boundaries.
func (c *queryCatalog) Snapshot() *geo.Snapshot      { return c.ix.Snapshot() }
func (c *queryCatalog) Actors() []geo.Actor          { return c.actors }
func (c *queryCatalog) Governorates() []geo.Boundary { return nil }
func (c *queryCatalog) Statistics() []geo.Statistic  { return c.stats }
func (c *queryCatalog) DatasetID() string            { return "querytest" }

// day is the Day of a calendar date.
func day(y, m, d int) geo.Day { return geo.DateOf(y, time.Month(m), d) }

// qbox is the closed [lon, lat] ring of a box, counter-clockwise.
func qbox(minLon, minLat, maxLon, maxLat float64) orb.Ring {
	return orb.Bound{Min: orb.Point{minLon, minLat}, Max: orb.Point{maxLon, maxLat}}.ToRing()
}

// queryDataset is the test world, [lon, lat]:
//
//   - gov-west: gov control over lon 36..38, lat 33..36, 2017-01-01 to
//     2024-12-07; then interim-west, interim control over the same box from
//     2024-12-08 on. Before 2017 no zone holds it (a gap).
//   - sdf-ne: sdf control over lon 39..42, lat 35..37 from 2019-01-01, with a
//     hole lon 40.5..41, lat 35.5..36 that gov-pocket (gov control) fills
//     from 2019-01-01 to 2024-12-07.
//   - isis-badiya: isis presence, a MultiPolygon (lon 37..39.5, lat
//     34..35.5 and lon 40..41, lat 34..34.8) from 2020-01-01: it overlaps
//     gov-west and interim-west.
//   - tanf: us deconfliction, a 55 km circle around Al-Tanf (38.63, 33.5).
//
// Incidents are placed in each of these, on edges, in the hole, in
// overlaps and in no zone, on dates inside and outside the zones' validity.
func queryDataset() *geo.Dataset {
	src := []geo.Source{{Publisher: "Test"}}
	actor := func(id, name, short, colour string) geo.Actor {
		return geo.Actor{ID: geo.ActorID(id), Name: name, ShortName: short, Colour: colour, Kind: geo.KindNonState, Sources: src}
	}
	zone := func(id, actor string, st geo.ZoneStatus, from, to geo.Day, area orb.Geometry) geo.Zone {
		return geo.Zone{ID: geo.ZoneID(id), Name: id + " zone", Actor: geo.ActorID(actor), Status: st, Area: area,
			Valid: geo.Interval{From: from, To: to}, Approximate: true, UncertaintyMeters: 5000, Sources: src}
	}
	inc := func(id string, d geo.Day, lon, lat float64, typ geo.EventType, sub geo.SubType, actors []string, low, best, high, civ int, gov string) geo.Incident {
		in := geo.Incident{ID: geo.IncidentID(id), Date: d, DateEnd: d, DatePrecision: geo.PrecisionDay, Type: typ, SubType: sub,
			Location: orb.Point{lon, lat}, Governorate: gov, Fatalities: geo.Fatalities{Low: low, Best: best, High: high, Civilians: civ},
			Sources: src, Status: geo.Reported, Actors: []geo.IncidentActor{}}
		for i, a := range actors {
			role := geo.RolePerpetrator
			if i > 0 {
				role = geo.RoleTarget
			}
			in.Actors = append(in.Actors, geo.IncidentActor{Actor: geo.ActorID(a), Role: role})
		}
		return in
	}
	endGov := day(2024, 12, 7)
	return &geo.Dataset{
		Actors: []geo.Actor{
			actor("gov", "Government of Syria", "GoS", "#CC6677"),
			actor("interim", "Interim government", "", "#117733"),
			actor("isis", "Islamic State", "ISIS", "#000000"),
			actor("sdf", "Syrian Democratic Forces", "SDF", "#E69F00"),
			actor("us", "US-led coalition", "", "#0072B2"),
		},
		Zones: []geo.Zone{
			zone("gov-west", "gov", geo.StatusControl, day(2017, 1, 1), endGov, orb.Polygon{qbox(36, 33, 38, 36)}),
			zone("interim-west", "interim", geo.StatusControl, day(2024, 12, 8), geo.OpenEnd, orb.Polygon{qbox(36, 33, 38, 36)}),
			zone("sdf-ne", "sdf", geo.StatusControl, day(2019, 1, 1), geo.OpenEnd, orb.Polygon{qbox(39, 35, 42, 37), qbox(40.5, 35.5, 41, 36)}),
			zone("gov-pocket", "gov", geo.StatusControl, day(2019, 1, 1), endGov, orb.Polygon{qbox(40.5, 35.5, 41, 36)}),
			zone("isis-badiya", "isis", geo.StatusPresence, day(2020, 1, 1), geo.OpenEnd,
				orb.MultiPolygon{{qbox(37, 34, 39.5, 35.5)}, {qbox(40, 34, 41, 34.8)}}),
			{ID: "tanf", Name: "Al-Tanf deconfliction zone", Actor: "us", Status: geo.StatusDeconfliction,
				Circle: &geo.Circle{Center: orb.Point{38.63, 33.5}, RadiusMeters: 55_000},
				Valid:  geo.Interval{From: day(2016, 1, 1), To: geo.OpenEnd}, Sources: src},
		},
		Incidents: []geo.Incident{
			inc("i01", day(2018, 3, 1), 37, 35, geo.Battles, "armed_clash", []string{"gov", "isis"}, 3, 5, 8, 1, "Hama"),
			inc("i02", day(2021, 6, 10), 37.5, 34.5, geo.RemoteViolence, "ied", []string{"isis"}, 1, 2, 2, 0, "Homs"),
			inc("i03", day(2025, 2, 1), 37.5, 34.5, geo.Battles, "armed_clash", []string{"isis", "interim"}, 4, 6, 10, 2, "Homs"),
			inc("i04", day(2023, 5, 5), 40, 36, geo.StrategicDevelopments, "arrest", []string{"sdf"}, 0, 0, 0, 0, "Deir-ez-Zor"),
			inc("i05", day(2022, 1, 20), 40.75, 35.75, geo.ViolenceAgainstCivils, "attack", []string{"gov"}, 2, 3, 4, 3, "Deir-ez-Zor"),
			inc("i06", day(2026, 1, 19), 40.75, 35.75, geo.StrategicDevelopments, "prison_break", []string{"isis"}, 0, 0, 0, 0, "Deir-ez-Zor"),
			inc("i07", day(2024, 6, 1), 38.63, 33.9, geo.RemoteViolence, "air_drone_strike", []string{"us"}, 1, 1, 1, 0, "Homs"),
			inc("i08", day(2017, 2, 1), 42.3, 32.5, geo.Protests, "peaceful_protest", nil, 0, 0, 0, 0, ""),
			inc("i09", day(2019, 1, 1), 39, 35, geo.Battles, "armed_clash", []string{"sdf", "isis"}, 5, 7, 9, 0, "Deir-ez-Zor"),
			inc("i10", day(2025, 12, 31), 41.5, 36.5, geo.RemoteViolence, "shelling_artillery_missile", nil, 0, 1, 2, 0, "Al-Hasakeh"),
			inc("i11", day(2016, 6, 1), 37, 35, geo.Battles, "armed_clash", []string{"gov"}, 10, 12, 20, 4, "Hama"),
			inc("i12", day(2024, 12, 8), 37, 35, geo.ViolenceAgainstCivils, "abduction", []string{"isis"}, 0, 0, 0, 0, "Hama"),
		},
		Statistics: []geo.Statistic{{ID: "isis-attacks-2021", Subject: "ISIS attacks", Value: 97, Unit: "attacks",
			From: day(2021, 1, 1), To: day(2021, 12, 31), Area: "Deir-ez-Zor", Sources: src}},
	}
}

// newQueryServer returns the handler of server.New over queryDataset and
// the dataset (whose records the index owns; read, do not modify).
func newQueryServer(t testing.TB) (http.Handler, *geo.Dataset) {
	t.Helper()
	ds := queryDataset()
	ix, err := geo.NewIndex(ds)
	if err != nil {
		t.Fatal(err)
	}
	cat := &queryCatalog{ix: ix, actors: ds.Actors, stats: ds.Statistics}
	return New(Config{}, cat, fstest.MapFS{}, slog.New(slog.NewTextHandler(io.Discard, nil))), ds
}

// serve sends one request to h; contentType "" sends none.
func serve(h http.Handler, method, target, contentType, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestQueryGolden checks whole responses of the query routes against
// testdata/query_<name>.golden (status, Content-Type, body); -update
// rewrites them.
func TestQueryGolden(t *testing.T) {
	h, _ := newQueryServer(t)
	const js = contentTypeJSON
	tests := []struct {
		name, method, target, body string
	}{
		{"control_overlap", "GET", "/api/control?point=37.5,34.5&date=2021-06-10", ""},
		{"control_edge_first_day", "GET", "/api/control?point=39,35&date=2019-01-01", ""},
		{"control_hole", "GET", "/api/control?point=40.75,35.75&date=2022-01-20", ""},
		{"control_circle", "GET", "/api/control?point=38.63,33.9&date=2024-06-01", ""},
		{"control_none", "GET", "/api/control?point=42.3,32.5&date=2017-02-01", ""},
		{"history_west", "GET", "/api/control/history?point=37.5,34.5", ""},
		{"history_nowhere", "GET", "/api/control/history?point=10,10", ""},
		{"actors", "GET", "/api/actors", ""},
		{"statistics", "GET", "/api/statistics", ""},
		{"search_polygon", "POST", "/api/search", `{"geometry":{"type":"Polygon","coordinates":[[[36,33],[38,33],[38,36],[36,36],[36,33]]]},"datetime":"2018-01-01/..","limit":2}`},
		{"search_circle_hits", "POST", "/api/search", `{"geometry":{"type":"Point","coordinates":[38.63,33.5]},"radius":55000,"resultType":"hits"}`},
		{"search_zone", "POST", "/api/search", `{"zone":"sdf-ne","type":"battles"}`},
		{"stats_zone", "GET", "/api/stats?group=zone", ""},
		{"stats_actor", "GET", "/api/stats?group=actor&datetime=2020-01-01/..", ""},
		{"stats_type", "GET", "/api/stats?group=type&bbox=36,33,38,36", ""},
		{"stats_month", "GET", "/api/stats?group=month&min_fatalities=1", ""},
		{"stats_governorate", "GET", "/api/stats?group=governorate&point=38.63,33.5&radius=100000", ""},
		{"grid", "GET", "/api/grid?bbox=36,33,42,37&cell=1", ""},
		{"grid_filtered", "GET", "/api/grid?bbox=36,33,38,36&cell=0.5&type=battles", ""},
		{"diff", "GET", "/api/control/diff?from=2024-01-01&to=2025-06-01", ""},
		{"diff_bbox", "GET", "/api/control/diff?from=2018-01-01&to=2020-01-01&bbox=38,34,41,36", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := ""
			if tt.method == "POST" {
				ct = js
			}
			rec := serve(h, tt.method, tt.target, ct, tt.body)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200: %s", rec.Code, rec.Body)
			}
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("body is not JSON: %s", rec.Body)
			}
			got := fmt.Sprintf("%d %s\n%s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			golden := filepath.Join("testdata", "query_"+tt.name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("response differs from %s (run with -update if intended)\ngot:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
}

// TestQueryErrors checks the error contract of the query routes: status,
// problem+json, and for a 400 an errors entry naming each bad field.
func TestQueryErrors(t *testing.T) {
	h, _ := newQueryServer(t)
	const js = contentTypeJSON
	poly := `{"type":"Polygon","coordinates":[[[36,33],[38,33],[38,36],[36,36],[36,33]]]}`
	tests := []struct {
		name, method, target, contentType, body string
		status                                  int
		fields                                  []string
	}{
		{"control missing point", "GET", "/api/control?date=2021-01-01", "", "", 400, []string{"point"}},
		{"control missing date", "GET", "/api/control?point=37,35", "", "", 400, []string{"date"}},
		{"control missing both", "GET", "/api/control", "", "", 400, []string{"point", "date"}},
		{"control lat 91", "GET", "/api/control?point=37,91&date=2021-01-01", "", "", 400, []string{"point"}},
		{"control bad date", "GET", "/api/control?point=37,35&date=2021-13-01", "", "", 400, []string{"date"}},
		{"control unknown parameter", "GET", "/api/control?point=37,35&date=2021-01-01&at=x", "", "", 400, []string{"at"}},
		{"history missing point", "GET", "/api/control/history", "", "", 400, []string{"point"}},
		{"history lat 91", "GET", "/api/control/history?point=37,91", "", "", 400, []string{"point"}},
		{"diff from after to", "GET", "/api/control/diff?from=2025-01-01&to=2024-01-01", "", "", 400, []string{"to"}},
		{"diff missing dates", "GET", "/api/control/diff", "", "", 400, []string{"from", "to"}},
		{"diff bad bbox", "GET", "/api/control/diff?from=2024-01-01&to=2025-01-01&bbox=1,2,3", "", "", 400, []string{"bbox"}},
		{"stats unknown group", "GET", "/api/stats?group=colour", "", "", 400, []string{"group"}},
		{"stats missing group", "GET", "/api/stats", "", "", 400, []string{"group"}},
		{"stats unknown zone", "GET", "/api/stats?group=type&zone=nowhere", "", "", 400, []string{"zone"}},
		{"stats two places", "GET", "/api/stats?group=type&zone=tanf&bbox=36,33,38,36", "", "", 400, []string{"zone"}},
		{"stats radius without point", "GET", "/api/stats?group=type&radius=1000", "", "", 400, []string{"point"}},
		{"stats every bad filter", "GET", "/api/stats?group=type&type=x&actor=y&status=z&min_fatalities=-1&datetime=2020-02-30", "", "", 400,
			[]string{"datetime", "type", "actor", "status", "min_fatalities"}},
		{"grid cell too small for bbox", "GET", "/api/grid?bbox=-180,-90,180,90&cell=0.01", "", "", 400, []string{"cell"}},
		{"grid missing bbox", "GET", "/api/grid?cell=1", "", "", 400, []string{"bbox"}},
		{"grid cell out of range", "GET", "/api/grid?bbox=36,33,38,36&cell=0", "", "", 400, []string{"cell"}},
		{"grid zone is not a grid parameter", "GET", "/api/grid?bbox=36,33,38,36&zone=tanf", "", "", 400, []string{"zone"}},
		{"actors unknown parameter", "GET", "/api/actors?x=1", "", "", 400, []string{"x"}},
		{"statistics unknown parameter", "GET", "/api/statistics?x=1", "", "", 400, []string{"x"}},
		{"search body too big", "POST", "/api/search", js, `{"zone":"tanf","datetime":"` + strings.Repeat("x", maxSearchBodyBytes) + `"}`, 413, nil},
		{"search wrong content type", "POST", "/api/search", "text/plain", `{"zone":"tanf"}`, 415, nil},
		{"search no content type", "POST", "/api/search", "", `{"zone":"tanf"}`, 415, nil},
		{"search malformed JSON", "POST", "/api/search", js, `{"zone":`, 400, []string{"body"}},
		{"search not an object", "POST", "/api/search", js, `[1,2]`, 400, []string{"body"}},
		{"search empty body", "POST", "/api/search", js, ``, 400, []string{"body"}},
		{"search null body", "POST", "/api/search", js, `null`, 400, []string{"body"}},
		{"search trailing data", "POST", "/api/search", js, `{"zone":"tanf"} {}`, 400, []string{"body"}},
		{"search unknown fields", "POST", "/api/search", js, `{"zone":"tanf","colour":"red","bbox":[1,2,3,4]}`, 400, []string{"bbox", "colour"}},
		{"search invalid ring", "POST", "/api/search", js, `{"geometry":{"type":"Polygon","coordinates":[[[36,33],[38,33],[38,36],[36,36]]]}}`, 400, []string{"geometry.coordinates[0]"}},
		{"search lat 91 in ring", "POST", "/api/search", js, `{"geometry":{"type":"Polygon","coordinates":[[[36,33],[38,33],[38,91],[36,33]]]}}`, 400, []string{"geometry.coordinates[0][2]"}},
		{"search empty polygon", "POST", "/api/search", js, `{"geometry":{"type":"Polygon","coordinates":[]}}`, 400, []string{"geometry.coordinates"}},
		{"search geometry and zone", "POST", "/api/search", js, `{"geometry":` + poly + `,"zone":"tanf"}`, 400, []string{"zone"}},
		{"search neither geometry nor zone", "POST", "/api/search", js, `{"type":"battles"}`, 400, []string{"geometry"}},
		{"search point without radius", "POST", "/api/search", js, `{"geometry":{"type":"Point","coordinates":[38,33]}}`, 400, []string{"radius"}},
		{"search radius with polygon", "POST", "/api/search", js, `{"geometry":` + poly + `,"radius":5}`, 400, []string{"radius"}},
		{"search radius without geometry", "POST", "/api/search", js, `{"zone":"tanf","radius":5}`, 400, []string{"radius"}},
		{"search point lat 91", "POST", "/api/search", js, `{"geometry":{"type":"Point","coordinates":[38,91]},"radius":1000}`, 400, []string{"geometry.coordinates"}},
		{"search line geometry", "POST", "/api/search", js, `{"geometry":{"type":"LineString","coordinates":[[36,33],[38,33]]}}`, 400, []string{"geometry.type"}},
		{"search geometry not an object", "POST", "/api/search", js, `{"geometry":[1,2]}`, 400, []string{"geometry"}},
		{"search unknown geometry type", "POST", "/api/search", js, `{"geometry":{"type":"Blob"}}`, 400, []string{"geometry.type"}},
		{"search coordinates not numbers", "POST", "/api/search", js, `{"geometry":{"type":"Polygon","coordinates":[[["a",1]]]}}`, 400, []string{"geometry.coordinates"}},
		{"search position of one number", "POST", "/api/search", js, `{"geometry":{"type":"Point","coordinates":[1]},"radius":5}`, 400, []string{"geometry.coordinates"}},
		{"search unknown zone", "POST", "/api/search", js, `{"zone":"nowhere"}`, 400, []string{"zone"}},
		{"search wrong member types", "POST", "/api/search", js, `{"zone":"tanf","limit":"10","type":3}`, 400, []string{"limit", "type"}},
		{"search limit over maximum", "POST", "/api/search", js, `{"zone":"tanf","limit":10001,"offset":-1}`, 400, []string{"limit", "offset"}},
		{"search bad filters", "POST", "/api/search", js, `{"zone":"tanf","datetime":"yesterday","resultType":"all","sub_type":"ied","type":"battles"}`, 400,
			[]string{"datetime", "sub_type", "resultType"}},
		{"search GET is not allowed", "GET", "/api/search", "", "", 405, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(h, tt.method, tt.target, tt.contentType, tt.body)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != contentTypeProblem {
				t.Errorf("Content-Type %q, want %q", ct, contentTypeProblem)
			}
			var p problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Fatalf("body is not a problem document: %v: %s", err, rec.Body)
			}
			if p.Status != tt.status || p.Type == "" || p.Title == "" {
				t.Errorf("problem %+v lacks type, title or status %d", p, tt.status)
			}
			var fields []string
			for _, e := range p.Errors {
				fields = append(fields, e.Field)
				if e.Reason == "" {
					t.Errorf("errors entry for %q has no reason", e.Field)
				}
			}
			slices.Sort(fields)
			want := slices.Sorted(slices.Values(tt.fields))
			if !slices.Equal(fields, want) {
				t.Errorf("errors name %q, want %q: %s", fields, want, rec.Body)
			}
		})
	}
}

// statsDoc decodes an /api/stats answer.
func statsDoc(t *testing.T, h http.Handler, target string) statsDocument {
	t.Helper()
	rec := serve(h, "GET", target, "", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("%s: status %d: %s", target, rec.Code, rec.Body)
	}
	var doc statsDocument
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// bruteContains is the oracle's containment: planar point in polygon (edges
// included) or haversine distance for circles.
func bruteContains(z *geo.Zone, p orb.Point) bool {
	if z.Circle != nil {
		return z.Circle.Contains(p)
	}
	onEdge := func(r orb.Ring) bool {
		for i := 1; i < len(r); i++ {
			if d := planar.DistanceFromSegmentSquared(r[i-1], r[i], p); d < 1e-18 {
				return true
			}
		}
		return false
	}
	var polys orb.MultiPolygon
	switch a := z.Area.(type) {
	case orb.Polygon:
		polys = orb.MultiPolygon{a}
	case orb.MultiPolygon:
		polys = a
	}
	for _, poly := range polys {
		if slices.ContainsFunc(poly, onEdge) || planar.PolygonContains(poly, p) {
			return true
		}
	}
	return false
}

// TestStatsZoneIsTheJoin checks group=zone against a brute-force time-aware
// join over the dataset: every incident counted in every zone valid on its
// date that contains it, and the rest as ungrouped.
func TestStatsZoneIsTheJoin(t *testing.T) {
	h, ds := newQueryServer(t)
	for _, tc := range []struct {
		query  string
		window geo.Interval
	}{
		{"", geo.Always},
		{"&datetime=2020-01-01/2025-12-31", geo.Interval{From: day(2020, 1, 1), To: day(2025, 12, 31)}},
	} {
		doc := statsDoc(t, h, "/api/stats?group=zone"+tc.query)
		want := map[string]statsCounts{}
		var ungrouped statsCounts
		matched := 0
		add := func(c *statsCounts, in *geo.Incident) {
			c.Count++
			c.Fatalities.Low += in.Fatalities.Low
			c.Fatalities.Best += in.Fatalities.Best
			c.Fatalities.High += in.Fatalities.High
			c.Fatalities.Civilians += in.Fatalities.Civilians
		}
		for i := range ds.Incidents {
			in := &ds.Incidents[i]
			if !tc.window.Overlaps(in.Span()) {
				continue
			}
			matched++
			held := false
			for j := range ds.Zones {
				z := &ds.Zones[j]
				if z.Valid.Contains(in.Date) && bruteContains(z, in.Location) {
					c := want[string(z.ID)]
					add(&c, in)
					want[string(z.ID)] = c
					held = true
				}
			}
			if !held {
				add(&ungrouped, in)
			}
		}
		got := map[string]statsCounts{}
		for _, g := range doc.Groups {
			got[g.Key] = g.statsCounts
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: groups\n%v\nwant\n%v", tc.query, got, want)
		}
		if doc.Ungrouped != ungrouped || doc.NumberMatched != matched {
			t.Errorf("%s: ungrouped %+v matched %d, want %+v and %d", tc.query, doc.Ungrouped, doc.NumberMatched, ungrouped, matched)
		}
		if tc.query == "" && (ungrouped.Count == 0 || len(want) < 4) {
			t.Errorf("%s: the dataset should have incidents in no zone and in several zones", tc.query)
		}
	}
}

// TestSearchCountMatchesItems checks that POST /api/search with a polygon
// equal to a bbox counts what GET items with that bbox counts.
func TestSearchCountMatchesItems(t *testing.T) {
	h, _ := newQueryServer(t)
	for _, b := range [][4]float64{{36, 33, 38, 36}, {39, 35, 42, 37}, {37, 34, 41, 36}, {0, 0, 1, 1}} {
		ring := qbox(b[0], b[1], b[2], b[3])
		geom, _ := json.Marshal(map[string]any{"type": "Polygon", "coordinates": [][][2]float64{ringCoords(ring)}})
		search := serve(h, "POST", "/api/search", contentTypeJSON, `{"resultType":"hits","geometry":`+string(geom)+`}`)
		items := serve(h, "GET", fmt.Sprintf("/api/collections/incidents/items?resultType=hits&bbox=%g,%g,%g,%g", b[0], b[1], b[2], b[3]), "", "")
		if search.Code != 200 || items.Code != 200 {
			t.Fatalf("bbox %v: statuses %d and %d: %s %s", b, search.Code, items.Code, search.Body, items.Body)
		}
		var s, i struct{ NumberMatched int }
		if err := json.Unmarshal(search.Body.Bytes(), &s); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(items.Body.Bytes(), &i); err != nil {
			t.Fatal(err)
		}
		if s.NumberMatched != i.NumberMatched {
			t.Errorf("bbox %v: search counts %d, items %d", b, s.NumberMatched, i.NumberMatched)
		}
	}
}

// ringCoords returns r's positions as GeoJSON coordinates.
func ringCoords(r orb.Ring) [][2]float64 {
	out := make([][2]float64, len(r))
	for i, p := range r {
		out[i] = p
	}
	return out
}

// TestSearchPagesAgree checks that paging a search returns, page by page,
// the unpaged list, with the same numberMatched on every page.
func TestSearchPagesAgree(t *testing.T) {
	h, _ := newQueryServer(t)
	ids := func(body string) ([]string, int) {
		rec := serve(h, "POST", "/api/search", contentTypeJSON, body)
		if rec.Code != 200 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		var fc struct {
			NumberMatched, NumberReturned int
			Features                      []struct{ ID string }
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &fc); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range fc.Features {
			out = append(out, f.ID)
		}
		if fc.NumberReturned != len(out) {
			t.Errorf("numberReturned %d, %d features", fc.NumberReturned, len(out))
		}
		return out, fc.NumberMatched
	}
	const place = `"geometry":{"type":"MultiPolygon","coordinates":[[[[36,32],[43,32],[43,38],[36,38],[36,32]]]]}`
	all, n := ids(`{` + place + `}`)
	var paged []string
	for off := 0; off < n; off += 5 {
		page, m := ids(fmt.Sprintf(`{%s,"limit":5,"offset":%d}`, place, off))
		if m != n {
			t.Errorf("offset %d: numberMatched %d, want %d", off, m, n)
		}
		paged = append(paged, page...)
	}
	if !slices.Equal(all, paged) || n != len(all) || n == 0 {
		t.Errorf("paged %v, unpaged %v (numberMatched %d)", paged, all, n)
	}
}

// FuzzSearchBody sends arbitrary bodies to POST /api/search: the server
// must never panic and never answer 5xx, and every 400 names a field.
func FuzzSearchBody(f *testing.F) {
	for _, seed := range []string{
		`{"zone":"tanf"}`,
		`{"geometry":{"type":"Polygon","coordinates":[[[36,33],[38,33],[38,36],[36,36],[36,33]]]},"datetime":"2020-01-01/..","limit":3}`,
		`{"geometry":{"type":"MultiPolygon","coordinates":[[[[36,33],[38,33],[38,36],[36,33]]],[]]}}`,
		`{"geometry":{"type":"Point","coordinates":[38.63,33.5]},"radius":55000,"resultType":"hits"}`,
		`{"geometry":{"type":"Point","coordinates":[]},"radius":1e308}`,
		`{"geometry":{"type":"Polygon","coordinates":[[[0,0],[0,0],[0,0],[0,0]]]}}`,
		`{"geometry":{"type":"GeometryCollection","geometries":[]}}`,
		`{"zone":"sdf-ne","type":"battles","sub_type":"ied","actor":"isis","status":"reported","min_fatalities":1.5,"offset":1e9}`,
		`{"geometry":null,"zone":null}`,
		`{"a":1}`, `[]`, `"x"`, `{`, ``,
	} {
		f.Add([]byte(seed))
	}
	h, _ := newQueryServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		defer fuzzguard.Start(t)()
		req := httptest.NewRequest("POST", "/api/search", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentTypeJSON)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
		if rec.Code == http.StatusBadRequest {
			var p problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || len(p.Errors) == 0 || p.Errors[0].Field == "" {
				t.Fatalf("400 without a named field for %q: %s", body, rec.Body)
			}
		}
	})
}
