package server

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
)

// ogcCatalog is the Catalog of the OGC API handler tests: a small
// hand-made dataset in a geo.Index.
type ogcCatalog struct {
	ix *geo.Index
	ds *geo.Dataset
}

// Snapshot implements Catalog.
func (c *ogcCatalog) Snapshot() *geo.Snapshot { return c.ix.Snapshot() }

// Actors implements Catalog.
func (c *ogcCatalog) Actors() []geo.Actor { return c.ds.Actors }

// Governorates implements Catalog: every boundary of the test data is a
// governorate.
func (c *ogcCatalog) Governorates() []geo.Boundary { return c.ds.Boundaries }

// Statistics implements Catalog.
func (c *ogcCatalog) Statistics() []geo.Statistic { return c.ds.Statistics }

// DatasetID implements Catalog.
func (c *ogcCatalog) DatasetID() string { return "ogctest" }

// ogcBox is the closed ring of the box minLon,minLat,maxLon,maxLat.
func ogcBox(minLon, minLat, maxLon, maxLat float64) orb.Polygon {
	return orb.Polygon{{{minLon, minLat}, {maxLon, minLat}, {maxLon, maxLat}, {minLon, maxLat}, {minLon, minLat}}}
}

// ogcDataset is a small Syria-shaped dataset: overlapping zones (one a
// circle), incidents of every kind of filter, one incident on a box edge,
// two sites and four governorates.
func ogcDataset() *geo.Dataset {
	src := []geo.Source{{Publisher: "Test"}}
	open := geo.OpenEnd
	incident := func(id string, p orb.Point, d geo.Day, t geo.EventType, st geo.SubType, actor geo.ActorID, gov string, status geo.IncidentStatus, best int) geo.Incident {
		return geo.Incident{
			ID: geo.IncidentID(id), Date: d, DateEnd: d, DatePrecision: geo.PrecisionDay, Type: t, SubType: st,
			Actors:   []geo.IncidentActor{{Actor: actor, Role: geo.RolePerpetrator}},
			Location: p, Governorate: gov, Status: status, Sources: src,
			Fatalities: geo.Fatalities{Low: best, Best: best, High: best},
		}
	}
	escape := incident("shaddadi-prison-break", orb.Point{40.73, 36.05}, geo.DateOf(2026, 1, 19), geo.StrategicDevelopments, "prison_break", "isis", "Al-Hasakeh", geo.Disputed, 5)
	escape.DateEnd = geo.DateOf(2026, 1, 21)
	return &geo.Dataset{
		Actors: []geo.Actor{
			{ID: "isis", Name: "Islamic State", Colour: "#000000", Kind: geo.KindNonState},
			{ID: "sdf", Name: "Syrian Democratic Forces", Colour: "#e69f00", Kind: geo.KindNonState},
			{ID: "syrian-government", Name: "Syrian government", Colour: "#d55e00", Kind: geo.KindState},
			{ID: "us-led-coalition", Name: "US-led coalition", Colour: "#0072b2", Kind: geo.KindCoalition},
		},
		Zones: []geo.Zone{
			{ID: "al-tanf-55km", Actor: "us-led-coalition", Status: geo.StatusDeconfliction,
				Circle: &geo.Circle{Center: orb.Point{38.63, 33.5}, RadiusMeters: 55_000},
				Valid:  geo.Interval{From: geo.DateOf(2016, 1, 1), To: open}, Sources: src},
			{ID: "gov-west", Actor: "syrian-government", Status: geo.StatusControl, Area: ogcBox(36, 32.5, 38, 35),
				Valid: geo.Interval{From: geo.DateOf(2024, 12, 8), To: open}, Sources: src},
			{ID: "isis-badiya", Actor: "isis", Status: geo.StatusPresence, Area: ogcBox(37, 34, 40.5, 35.5),
				Valid: geo.Interval{From: geo.DateOf(2019, 3, 23), To: open}, Sources: src},
			{ID: "sdf-ne", Actor: "sdf", Status: geo.StatusControl, Area: ogcBox(39.5, 35, 42, 37.3),
				Valid: geo.Interval{From: geo.DateOf(2019, 3, 23), To: geo.DateOf(2026, 1, 19)}, Sources: src},
		},
		Incidents: []geo.Incident{
			escape,
			incident("deir-ezzor-ied", orb.Point{40.14, 35.33}, geo.DateOf(2025, 11, 2), geo.RemoteViolence, "ied", "isis", "Deir-ez-Zor", geo.Reported, 3),
			incident("tanf-drone", orb.Point{38.70, 33.60}, geo.DateOf(2025, 12, 5), geo.RemoteViolence, "air_drone_strike", "us-led-coalition", "Homs", geo.Confirmed, 1),
			incident("palmyra-clash", orb.Point{38.27, 34.55}, geo.DateOf(2025, 6, 10), geo.Battles, "armed_clash", "syrian-government", "Homs", geo.Reported, 7),
			incident("damascus-protest", orb.Point{36.29, 33.51}, geo.DateOf(2025, 3, 1), geo.Protests, "peaceful_protest", "syrian-government", "Damascus", geo.Confirmed, 0),
			incident("raqqa-arrest", orb.Point{39.01, 35.95}, geo.DateOf(2024, 12, 20), geo.StrategicDevelopments, "arrest", "sdf", "Ar-Raqqa", geo.Reported, 0),
			incident("edge-clash", orb.Point{38, 34}, geo.DateOf(2025, 6, 10), geo.Battles, "armed_clash", "isis", "Homs", geo.Reported, 2),
		},
		Sites: []geo.Site{
			{ID: "al-tanf-base", Name: "Al-Tanf garrison", Kind: geo.SiteBase, Location: orb.Point{38.6167, 33.5}, Governorate: "Homs", Sources: src},
			{ID: "shaddadi-prison", Name: "al-Shaddadi prison", Kind: geo.SitePrison, Location: orb.Point{40.73, 36.06}, Governorate: "Al-Hasakeh", Sources: src},
		},
		Boundaries: []geo.Boundary{
			{ID: "SY01", Name: "Damascus", Level: geo.LevelGovernorate, Area: ogcBox(36, 33, 37, 34), Source: "Test"},
			{ID: "SY04", Name: "Homs", Level: geo.LevelGovernorate, Area: ogcBox(37, 33, 39.5, 35), Source: "Test"},
			{ID: "SY08", Name: "Al-Hasakeh", Level: geo.LevelGovernorate, Area: ogcBox(40, 35.5, 42, 37.5), Source: "Test"},
			{ID: "SY09", Name: "Deir-ez-Zor", Level: geo.LevelGovernorate, Area: ogcBox(39.5, 34, 41, 35.5), Source: "Test"},
			{ID: "SY11", Name: "Ar-Raqqa", Level: geo.LevelGovernorate, Area: ogcBox(38, 35.5, 40, 36.7), Source: "Test"},
		},
	}
}

// newOGCServer returns the handler over ogcDataset with cfg, and the
// catalog. Logs go to the test log only on failure.
func newOGCServer(t testing.TB, cfg Config) (http.Handler, *ogcCatalog) {
	t.Helper()
	ds := ogcDataset()
	ix, err := geo.NewIndex(ds)
	if err != nil {
		t.Fatal(err)
	}
	cat := &ogcCatalog{ix: ix, ds: ds}
	assets := fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>Frontline</title>\n")}}
	return New(cfg, cat, assets, slog.New(slog.NewTextHandler(io.Discard, nil))), cat
}

// ogcGet sends GET target to h with header pairs (name, value, ...).
func ogcGet(h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// decode parses rec's JSON body into a generic map.
func decode(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, rec.Body)
	}
	return v
}

// TestOGCGolden compares each response with its golden file under
// testdata (go test -run TestOGCGolden -update rewrites them), so a change
// to any document is visible in review.
func TestOGCGolden(t *testing.T) {
	h, _ := newOGCServer(t, Config{Version: "test"})
	tests := []struct {
		name, target, contentType string
	}{
		{"landing", "/api", contentTypeJSON},
		{"conformance", "/api/conformance", contentTypeJSON},
		{"collections", "/api/collections", contentTypeJSON},
		{"collection_incidents", "/api/collections/incidents", contentTypeJSON},
		{"queryables_incidents", "/api/collections/incidents/queryables", contentTypeJSON},
		{"queryables_zones", "/api/collections/zones/queryables?f=json", contentTypeJSON},
		{"items_incidents_page", "/api/collections/incidents/items?limit=2&offset=2", contentTypeGeoJSON},
		{"items_incidents_filtered", "/api/collections/incidents/items?type=battles&datetime=2025-01-01/..&min_fatalities=2", contentTypeGeoJSON},
		{"items_incidents_hits", "/api/collections/incidents/items?resultType=hits&bbox=38,33,41,36", contentTypeGeoJSON},
		{"items_zones_as_of", "/api/collections/zones/items?as_of=2026-01-20", contentTypeGeoJSON},
		{"items_sites_circle", "/api/collections/sites/items?point=38.63,33.5&radius=10000", contentTypeGeoJSON},
		{"items_governorates_bbox", "/api/collections/governorates/items?bbox=40.5,36,41,37", contentTypeGeoJSON},
		{"item_incident", "/api/collections/incidents/items/shaddadi-prison-break", contentTypeGeoJSON},
		{"item_zone_circle", "/api/collections/zones/items/al-tanf-55km", contentTypeGeoJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := ogcGet(h, "http://frontline.test"+tt.target)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200: %s", rec.Code, rec.Body)
			}
			if got := rec.Header().Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type %q, want %q", got, tt.contentType)
			}
			path := filepath.Join("testdata", "ogc_"+tt.name+".golden")
			if *update {
				if err := os.WriteFile(path, rec.Body.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestOGCGolden -update)", err)
			}
			if !bytes.Equal(rec.Body.Bytes(), want) {
				t.Errorf("body differs from %s (run with -update and review the diff):\n%s", path, rec.Body)
			}
		})
	}
}

// featureIDs returns the ids of a FeatureCollection's features, in order.
func featureIDs(t *testing.T, fc map[string]any) []string {
	t.Helper()
	features, ok := fc["features"].([]any)
	if !ok {
		t.Fatalf("no features array in %v", fc)
	}
	var ids []string
	for _, f := range features {
		ids = append(ids, f.(map[string]any)["id"].(string))
	}
	return ids
}

// linkHref returns the href of fc's link with relation rel, or "".
func linkHref(doc map[string]any, rel string) string {
	links, _ := doc["links"].([]any)
	for _, l := range links {
		if m := l.(map[string]any); m["rel"] == rel {
			return m["href"].(string)
		}
	}
	return ""
}

// TestItemsFilters checks each filter of the items endpoints against the
// answer worked out by hand from ogcDataset, and that numberMatched agrees
// with the features when everything fits in one page.
func TestItemsFilters(t *testing.T) {
	h, _ := newOGCServer(t, Config{})
	tests := []struct {
		name, target string
		want         []string
	}{
		{"all incidents by date then id", "/api/collections/incidents/items",
			[]string{"raqqa-arrest", "damascus-protest", "edge-clash", "palmyra-clash", "deir-ezzor-ied", "tanf-drone", "shaddadi-prison-break"}},
		{"bbox edge is inside", "/api/collections/incidents/items?bbox=37,33,38,34", []string{"edge-clash"}},
		{"bbox 6 numbers", "/api/collections/incidents/items?bbox=37,33,0,38,34,100", []string{"edge-clash"}},
		{"datetime instant overlaps a range", "/api/collections/incidents/items?datetime=2026-01-20", []string{"shaddadi-prison-break"}},
		{"datetime date-time", "/api/collections/incidents/items?datetime=2026-01-21T23:00:00Z", []string{"shaddadi-prison-break"}},
		{"datetime open start", "/api/collections/incidents/items?datetime=../2025-03-01", []string{"raqqa-arrest", "damascus-protest"}},
		{"type", "/api/collections/incidents/items?type=explosions_remote_violence", []string{"deir-ezzor-ied", "tanf-drone"}},
		{"sub_type", "/api/collections/incidents/items?sub_type=ied", []string{"deir-ezzor-ied"}},
		{"actor", "/api/collections/incidents/items?actor=isis", []string{"edge-clash", "deir-ezzor-ied", "shaddadi-prison-break"}},
		{"status", "/api/collections/incidents/items?status=confirmed", []string{"damascus-protest", "tanf-drone"}},
		{"governorate any case", "/api/collections/incidents/items?governorate=homs", []string{"edge-clash", "palmyra-clash", "tanf-drone"}},
		{"min_fatalities", "/api/collections/incidents/items?min_fatalities=5", []string{"palmyra-clash", "shaddadi-prison-break"}},
		{"zone polygon", "/api/collections/incidents/items?zone=sdf-ne", []string{"deir-ezzor-ied", "shaddadi-prison-break"}},
		{"zone circle by distance", "/api/collections/incidents/items?zone=al-tanf-55km", []string{"tanf-drone"}},
		{"point radius", "/api/collections/incidents/items?point=40.73,36.06&radius=2000", []string{"shaddadi-prison-break"}},
		{"zones as_of", "/api/collections/zones/items?as_of=2026-01-20", []string{"al-tanf-55km", "gov-west", "isis-badiya"}},
		{"zones as_of the last day", "/api/collections/zones/items?as_of=2026-01-19", []string{"al-tanf-55km", "gov-west", "isis-badiya", "sdf-ne"}},
		{"zones datetime overlap", "/api/collections/zones/items?datetime=2020-01-01/2024-12-07", []string{"al-tanf-55km", "isis-badiya", "sdf-ne"}},
		{"zones bbox meets shape", "/api/collections/zones/items?bbox=41,36,41.5,36.5", []string{"sdf-ne"}},
		{"zones actor status", "/api/collections/zones/items?actor=sdf&status=control", []string{"sdf-ne"}},
		{"datetime with a bare T, as GDAL writes", "/api/collections/incidents/items?datetime=2026-01-01T/..", []string{"shaddadi-prison-break"}},
		{"sites kind", "/api/collections/sites/items?kind=prison", []string{"shaddadi-prison"}},
		{"sites governorate", "/api/collections/sites/items?governorate=homs", []string{"al-tanf-base"}},
		{"sites in zone", "/api/collections/sites/items?zone=al-tanf-55km", []string{"al-tanf-base"}},
		{"governorates bbox", "/api/collections/governorates/items?bbox=36.5,33.5,36.6,33.6", []string{"SY01"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := ogcGet(h, tt.target)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			fc := decode(t, rec)
			ids := featureIDs(t, fc)
			if !slices.Equal(ids, tt.want) {
				t.Errorf("ids %v, want %v", ids, tt.want)
			}
			if fc["numberMatched"] != float64(len(tt.want)) {
				t.Errorf("numberMatched %v, want %d", fc["numberMatched"], len(tt.want))
			}
			if fc["numberReturned"] != float64(len(ids)) {
				t.Errorf("numberReturned %v, want %d", fc["numberReturned"], len(ids))
			}
		})
	}
}

// TestItemsPaging follows next links from the first page to the last and
// back by prev links: every feature once, in order, other parameters kept,
// and the links absolute.
func TestItemsPaging(t *testing.T) {
	for _, cfg := range []Config{{}, {BaseURL: "https://maps.example.org/frontline/"}} {
		h, _ := newOGCServer(t, cfg)
		all := featureIDs(t, decode(t, ogcGet(h, "/api/collections/incidents/items?type=battles&limit=100")))
		var got []string
		target := "http://frontline.test/api/collections/incidents/items?limit=1&type=battles"
		var pages []map[string]any
		for target != "" {
			rec := ogcGet(h, target)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body)
			}
			fc := decode(t, rec)
			pages = append(pages, fc)
			got = append(got, featureIDs(t, fc)...)
			next := linkHref(fc, "next")
			if next == "" {
				break
			}
			u, err := url.Parse(next)
			if err != nil || !u.IsAbs() {
				t.Fatalf("next link %q is not absolute", next)
			}
			if want := cmpBase(cfg); u.Scheme+"://"+u.Host != want {
				t.Errorf("next link %q does not start with %s", next, want)
			}
			if u.Query().Get("type") != "battles" || u.Query().Get("limit") != "1" {
				t.Errorf("next link %q lost a parameter", next)
			}
			target = "http://frontline.test" + "/api/collections/incidents/items?" + u.RawQuery
		}
		if !slices.Equal(got, all) || len(all) != 2 {
			t.Errorf("paged ids %v, want %v (2 battles)", got, all)
		}
		if prev := linkHref(pages[len(pages)-1], "prev"); prev == "" {
			t.Error("last page has no prev link")
		}
		if prev := linkHref(pages[0], "prev"); prev != "" {
			t.Errorf("first page has a prev link %q", prev)
		}
	}
}

// cmpBase is the scheme and host links must start with under cfg.
func cmpBase(cfg Config) string {
	if cfg.BaseURL != "" {
		u, _ := url.Parse(cfg.BaseURL)
		return u.Scheme + "://" + u.Host
	}
	return "http://frontline.test"
}

// TestItemsHits checks that resultType=hits gives numberMatched and no
// features for every collection, equal to the count of a full answer.
func TestItemsHits(t *testing.T) {
	h, _ := newOGCServer(t, Config{})
	for _, q := range []string{
		"incidents/items?bbox=38,33,41,36", "incidents/items?governorate=Homs", "zones/items?as_of=2026-01-20",
		"sites/items?kind=prison", "governorates/items?bbox=39,34,40,35",
	} {
		full := decode(t, ogcGet(h, "/api/collections/"+q))
		hits := decode(t, ogcGet(h, "/api/collections/"+q+"&resultType=hits"))
		if hits["numberMatched"] != full["numberMatched"] || hits["numberReturned"] != float64(0) || len(featureIDs(t, hits)) != 0 {
			t.Errorf("%s hits: numberMatched %v numberReturned %v, want %v and 0", q, hits["numberMatched"], hits["numberReturned"], full["numberMatched"])
		}
	}
}

// TestCollectionExtent checks the extents worked out from the data.
func TestCollectionExtent(t *testing.T) {
	h, _ := newOGCServer(t, Config{})
	doc := decode(t, ogcGet(h, "/api/collections/incidents"))
	ext := doc["extent"].(map[string]any)
	bbox := ext["spatial"].(map[string]any)["bbox"].([]any)[0]
	if got, want := bbox, []any{36.29, 33.51, 40.73, 36.05}; !slices.Equal(got.([]any), want) {
		t.Errorf("incidents bbox %v, want %v", got, want)
	}
	interval := ext["temporal"].(map[string]any)["interval"].([]any)[0]
	if got, want := interval, []any{"2024-12-20T00:00:00Z", "2026-01-21T23:59:59Z"}; !slices.Equal(got.([]any), want) {
		t.Errorf("incidents interval %v, want %v", got, want)
	}
	if doc["datasetVersion"] != "ogctest.1" {
		t.Errorf("datasetVersion %v, want ogctest.1", doc["datasetVersion"])
	}
	zones := decode(t, ogcGet(h, "/api/collections/zones"))
	zi := zones["extent"].(map[string]any)["temporal"].(map[string]any)["interval"].([]any)[0].([]any)
	if zi[0] != "2016-01-01T00:00:00Z" || zi[1] != nil {
		t.Errorf("zones interval %v, want [2016-01-01T00:00:00Z, null] (open end)", zi)
	}
	if sites := decode(t, ogcGet(h, "/api/collections/sites")); sites["extent"].(map[string]any)["temporal"] != nil {
		t.Errorf("sites have a temporal extent: %v", sites["extent"])
	}
}

// TestItemIsMarshalJSON checks that a single feature is geo's MarshalJSON
// of the record plus links, and that the same feature in items is the
// same bytes.
func TestItemIsMarshalJSON(t *testing.T) {
	h, cat := newOGCServer(t, Config{})
	in, err := cat.Snapshot().Incident("tanf-drone")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := in.MarshalJSON()
	rec := ogcGet(h, "/api/collections/incidents/items/tanf-drone")
	body := rec.Body.Bytes()
	if !bytes.HasPrefix(body, want[:len(want)-1]) || !bytes.Contains(body, []byte(`,"links":[`)) {
		t.Errorf("item is not MarshalJSON plus links:\n got %s\nwant %s", body, want)
	}
	items := ogcGet(h, "/api/collections/incidents/items?point=38.70,33.60&radius=1").Body.Bytes()
	if !bytes.Contains(items, want) {
		t.Errorf("items does not hold the feature's MarshalJSON bytes:\n%s", items)
	}
}

// TestOffsetBeyondEnd answers an empty page with numberMatched, and the
// last full page has no next link.
func TestOffsetBeyondEnd(t *testing.T) {
	h, _ := newOGCServer(t, Config{})
	fc := decode(t, ogcGet(h, "/api/collections/incidents/items?offset=50"))
	if fc["numberMatched"] != float64(7) || fc["numberReturned"] != float64(0) {
		t.Errorf("offset 50: matched %v returned %v, want 7 and 0", fc["numberMatched"], fc["numberReturned"])
	}
	fc = decode(t, ogcGet(h, "/api/collections/incidents/items?limit=7"))
	if next := linkHref(fc, "next"); next != "" {
		t.Errorf("a page holding every feature has next %q", next)
	}
	if got := linkHref(fc, "self"); got != "http://example.com/api/collections/incidents/items?limit=7" {
		t.Errorf("self %q", got)
	}
	// The governorate filter is applied and paged in the server.
	fc = decode(t, ogcGet(h, "/api/collections/incidents/items?governorate=Homs&offset=1&limit=1"))
	if ids := featureIDs(t, fc); !slices.Equal(ids, []string{"palmyra-clash"}) || fc["numberMatched"] != float64(3) {
		t.Errorf("governorate page: ids %v numberMatched %v, want [palmyra-clash] and 3", ids, fc["numberMatched"])
	}
}
