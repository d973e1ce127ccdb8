package server

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

// tileLayers decodes a 200 tile.
func tileLayers(t *testing.T, body []byte) map[string]mvt.Layer {
	t.Helper()
	layers, err := mvt.Unmarshal(body)
	if err != nil {
		t.Fatalf("the tile does not decode: %v", err)
	}
	out := map[string]mvt.Layer{}
	for _, l := range layers {
		out[l.Name] = *l
	}
	return out
}

// numberMatchedOf answers numberMatched of a GET of items.
func numberMatchedOf(t *testing.T, h http.Handler, target string) int {
	t.Helper()
	rec := ogcGet(h, target)
	if rec.Code != 200 {
		t.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body)
	}
	var fc struct{ NumberMatched int }
	if err := json.Unmarshal(rec.Body.Bytes(), &fc); err != nil {
		t.Fatal(err)
	}
	return fc.NumberMatched
}

// TestTileClustersExact fetches random incident tiles of a synthetic
// dataset, with and without a year and a type filter: the incidents or
// clusters a tile carries add up to numberMatched of items over the
// tile's bounds with the same filters.
func TestTileClustersExact(t *testing.T) {
	h := synthServer(t, 20000)
	rng := rand.New(rand.NewPCG(5, 9))
	clustered, pointed := 0, 0
	for round := range 60 {
		z := maptile.Zoom(4 + rng.IntN(10))
		// A tile over Syria at zoom z: around (38.5, 35).
		center := maptile.At([2]float64{36 + rng.Float64()*5, 33 + rng.Float64()*4}, z)
		filter := ""
		switch round % 3 {
		case 1:
			filter = "&datetime=2024-01-01/2024-12-31"
		case 2:
			filter = "&type=battles"
		}
		target := fmt.Sprintf("/api/collections/incidents/tiles/WebMercatorQuad/%d/%d/%d?%s", z, center.Y, center.X, filter)
		rec := ogcGet(h, target)
		b := center.Bound()
		want := numberMatchedOf(t, h, fmt.Sprintf("/api/collections/incidents/items?resultType=hits&bbox=%.17g,%.17g,%.17g,%.17g%s",
			b.Min[0], b.Min[1], b.Max[0], b.Max[1], filter))
		if want == 0 {
			if rec.Code != http.StatusNoContent {
				t.Fatalf("%s: %d for a tile with no incident, want 204", target, rec.Code)
			}
			continue
		}
		if rec.Code != 200 || rec.Header().Get("Content-Type") != contentTypeMVT || rec.Header().Get("ETag") == "" {
			t.Fatalf("%s: %d %q ETag %q", target, rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("ETag"))
		}
		layers := tileLayers(t, rec.Body.Bytes())
		got := 0
		if l, ok := layers["clusters"]; ok {
			clustered++
			for _, f := range l.Features {
				n, _ := f.Properties["count"].(float64)
				got += int(n)
			}
			if len(l.Features) > clusterCells*clusterCells {
				t.Errorf("%s: %d clusters, more than the %d cells", target, len(l.Features), clusterCells*clusterCells)
			}
		} else {
			pointed++
			got = len(layers["incidents"].Features)
		}
		if got != want {
			t.Fatalf("%s: the tile carries %d incidents, items over its bounds match %d", target, got, want)
		}
	}
	if clustered == 0 || pointed == 0 {
		t.Errorf("the random tiles were %d clustered and %d of points: both kinds must be tried", clustered, pointed)
	}
}

func TestTileRequests(t *testing.T) {
	h, _ := newOGCServer(t, Config{})
	for _, tt := range []struct {
		target       string
		status       int
		field, ctype string
	}{
		{"/api/tileMatrixSets", 200, "", contentTypeJSON},
		{"/api/tileMatrixSets/WebMercatorQuad", 200, "", contentTypeJSON},
		{"/api/tileMatrixSets/WorldCRS84Quad", 404, "tileMatrixSetId", ""},
		{"/api/collections/incidents/tiles", 200, "", contentTypeJSON},
		{"/api/collections/zones/tiles/WebMercatorQuad", 200, "", contentTypeJSON},
		{"/api/collections/governorates/tiles", 404, "collectionId", ""},
		{"/api/collections/incidents/tiles/WebMercatorQuad/21/0/0", 404, "tileMatrix", ""},
		{"/api/collections/incidents/tiles/WebMercatorQuad/3/8/0", 404, "tileRow", ""},
		{"/api/collections/incidents/tiles/WebMercatorQuad/3/0/-1", 404, "tileCol", ""},
		{"/api/collections/incidents/tiles/WebMercatorQuad/x/0/0", 404, "tileMatrix", ""},
		{"/api/collections/incidents/tiles/Other/3/0/0", 404, "tileMatrixSetId", ""},
		{"/api/collections/incidents/tiles/WebMercatorQuad/3/3/4?bbox=1,2,3,4", 400, "bbox", ""},
		{"/api/collections/incidents/tiles/WebMercatorQuad/3/3/4?limit=5", 400, "limit", ""},
		{"/api/collections/incidents/tiles/WebMercatorQuad/3/3/4?type=nonsense", 400, "type", ""},
		{"/api/collections/incidents/tiles/WebMercatorQuad/0/0/0", 200, "", contentTypeMVT},
		{"/api/collections/zones/tiles/WebMercatorQuad/0/0/0", 200, "", contentTypeMVT},
		{"/api/collections/sites/tiles/WebMercatorQuad/0/0/0", 200, "", contentTypeMVT},
		// Antarctica has nothing.
		{"/api/collections/incidents/tiles/WebMercatorQuad/3/7/3", 204, "", ""},
	} {
		rec := ogcGet(h, tt.target)
		switch {
		case tt.field != "" && tt.status == 404:
			checkProblem(t, rec, tt.status, problemNotFound, tt.field)
		case tt.field != "":
			checkProblem(t, rec, tt.status, problemInvalidParameter, tt.field)
		case rec.Code != tt.status:
			t.Errorf("GET %s: %d %s, want %d", tt.target, rec.Code, rec.Body, tt.status)
		case tt.ctype != "" && rec.Header().Get("Content-Type") != tt.ctype:
			t.Errorf("GET %s: Content-Type %q, want %q", tt.target, rec.Header().Get("Content-Type"), tt.ctype)
		}
	}
	// A tile is cached by its ETag like any read.
	rec := ogcGet(h, "/api/collections/zones/tiles/WebMercatorQuad/0/0/0")
	if again := ogcGet(h, "/api/collections/zones/tiles/WebMercatorQuad/0/0/0", "If-None-Match", rec.Header().Get("ETag")); again.Code != http.StatusNotModified {
		t.Errorf("a tile's ETag again: %d, want 304", again.Code)
	}
	layers := tileLayers(t, rec.Body.Bytes())
	if l, ok := layers["zones"]; !ok || len(l.Features) == 0 || l.Features[0].Properties["id"] == nil {
		t.Errorf("the world tile of zones has layers %v", layers)
	}
	var conf struct{ ConformsTo []string }
	if err := json.Unmarshal(ogcGet(h, "/api/conformance").Body.Bytes(), &conf); err != nil {
		t.Fatal(err)
	}
	for _, c := range tilesConformance {
		found := false
		for _, x := range conf.ConformsTo {
			found = found || x == c
		}
		if !found {
			t.Errorf("/conformance lacks %s", c)
		}
	}
}

// TestAreaStats: POST /api/stats counts every match of a search body's
// place and filters, beyond a page, and equals POST /api/search's count.
func TestAreaStats(t *testing.T) {
	h := synthServer(t, 20000)
	poly := `{"type":"Polygon","coordinates":[[[35,32],[43,32],[43,38],[35,38],[35,32]]]}`
	for _, body := range []string{
		`{"geometry":` + poly + `,"group":"type"}`,
		`{"geometry":` + poly + `,"group":"month","datetime":"2024-01-01/2024-12-31"}`,
		`{"geometry":{"type":"Point","coordinates":[38.5,35]},"radius":150000,"group":"type"}`,
	} {
		rec := do(h, http.MethodPost, "/api/stats", body, "Content-Type", "application/json")
		if rec.Code != 200 {
			t.Fatalf("POST /api/stats %s: %d %s", body, rec.Code, rec.Body)
		}
		var doc statsDocument
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		var search map[string]any
		if err := json.Unmarshal([]byte(body), &search); err != nil {
			t.Fatal(err)
		}
		delete(search, "group")
		search["resultType"] = "hits"
		sb, _ := json.Marshal(search)
		hits := do(h, http.MethodPost, "/api/search", string(sb), "Content-Type", "application/json")
		var fc struct{ NumberMatched int }
		if err := json.Unmarshal(hits.Body.Bytes(), &fc); err != nil {
			t.Fatal(err)
		}
		sum := doc.Ungrouped.Count
		for _, g := range doc.Groups {
			sum += g.Count
		}
		if doc.NumberMatched != fc.NumberMatched || sum != doc.NumberMatched || doc.NumberMatched <= maxLimit && body == `{"geometry":`+poly+`,"group":"type"}` {
			t.Errorf("%s: numberMatched %d, groups add up to %d, search matches %d", body, doc.NumberMatched, sum, fc.NumberMatched)
		}
	}
	for _, tt := range []struct{ body, field string }{
		{`{"geometry":` + poly + `}`, "group"},
		{`{"geometry":` + poly + `,"group":"colour"}`, "group"},
		{`{"geometry":` + poly + `,"group":"type","limit":5}`, "limit"},
		{`{"group":"type"}`, "geometry"},
		{`{"geometry":` + poly + `,"group":7}`, "group"},
	} {
		checkProblem(t, do(h, http.MethodPost, "/api/stats", tt.body, "Content-Type", "application/json"), 400, problemInvalidParameter, tt.field)
	}
}

// TestClustersExact: GET /api/clusters over random views and zooms, with
// and without filters, adds up to items' numberMatched of the same box and
// filters, each cluster inside the box.
func TestClustersExact(t *testing.T) {
	h := synthServer(t, 20000)
	rng := rand.New(rand.NewPCG(8, 1))
	for round := range 40 {
		z := 5 + rng.IntN(10)
		w := 8 * 360 / float64(int(1)<<z) // a view of about 2,000 pixels
		lon, lat := 35.5+rng.Float64()*7, 32+rng.Float64()*5.5
		bbox := fmt.Sprintf("%.5f,%.5f,%.5f,%.5f", lon, lat, lon+w*rng.Float64(), lat+w*rng.Float64()/2)
		filter := []string{"", "&datetime=2024-01-01/2024-12-31", "&type=battles"}[round%3]
		rec := ogcGet(h, fmt.Sprintf("/api/clusters?bbox=%s&zoom=%d%s", bbox, z, filter))
		if rec.Code != 200 {
			t.Fatalf("clusters %s z%d: %d %s", bbox, z, rec.Code, rec.Body)
		}
		var fc struct {
			NumberMatched int
			Features      []struct {
				Geometry   struct{ Coordinates []float64 }
				Properties struct{ Count int }
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &fc); err != nil {
			t.Fatal(err)
		}
		sum := 0
		for _, f := range fc.Features {
			sum += f.Properties.Count
		}
		want := numberMatchedOf(t, h, "/api/collections/incidents/items?resultType=hits&bbox="+bbox+filter)
		if sum != want || fc.NumberMatched != want {
			t.Fatalf("clusters %s z%d%s: counts add up to %d (numberMatched %d), items match %d", bbox, z, filter, sum, fc.NumberMatched, want)
		}
	}
	for _, tt := range []struct{ target, field string }{
		{"/api/clusters?zoom=5", "bbox"},
		{"/api/clusters?bbox=35,32,43,38", "zoom"},
		{"/api/clusters?bbox=35,32,43,38&zoom=21", "zoom"},
		{"/api/clusters?bbox=-180,-80,180,80&zoom=16", "bbox"},
		{"/api/clusters?bbox=35,32,43,38&zoom=5&limit=3", "limit"},
	} {
		checkProblem(t, ogcGet(h, tt.target), 400, problemInvalidParameter, tt.field)
	}
}
