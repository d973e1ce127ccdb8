package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// requireGDAL returns the paths of ogrinfo and ogr2ogr. Without them the
// test fails under CI=true, where .ci/deps installs them, and is skipped
// elsewhere with how to install them.
func requireGDAL(t *testing.T) (ogrinfo, ogr2ogr string) {
	t.Helper()
	var paths []string
	for _, tool := range []string{"ogrinfo", "ogr2ogr"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			msg := fmt.Sprintf("GDAL's %s is not installed; install it with: sudo apt-get install gdal-bin (or run bash .ci/deps)", tool)
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
		paths = append(paths, p)
	}
	return paths[0], paths[1]
}

// runGDAL runs a GDAL tool and returns its standard output, failing the
// test, with the server's log, if it fails.
func runGDAL(t *testing.T, logs fmt.Stringer, tool string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s\nserver log:\n%s", tool, strings.Join(args, " "), err, stderr.String(), logs)
	}
	return string(out)
}

// numberMatched asks the API how many features match a query.
func numberMatched(t *testing.T, url string) int {
	t.Helper()
	fc := getJSON(t, url, 200, "application/geo+json")
	n, ok := fc["numberMatched"].(float64)
	if !ok {
		t.Fatalf("GET %s: no numberMatched", url)
	}
	return int(n)
}

// featureCount parses a GeoJSON FeatureCollection written by ogr2ogr and
// returns its number of features and of distinct id properties.
func featureCount(t *testing.T, geojson string) (features, ids int) {
	t.Helper()
	var fc struct {
		Features []struct {
			Properties struct {
				ID string `json:"id"`
			} `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal([]byte(geojson), &fc); err != nil {
		t.Fatalf("ogr2ogr output is not GeoJSON: %v\n%.500s", err, geojson)
	}
	seen := map[string]bool{}
	for _, f := range fc.Features {
		seen[f.Properties.ID] = true
	}
	return len(fc.Features), len(seen)
}

// TestGDALReadsTheAPI checks that GDAL's OGC API – Features driver reads
// the real server on the demo data: it lists the collections, reads every
// incident through paging (ogr2ogr following next links 50 at a time),
// and a -spat read returns exactly the numberMatched the API gives for that
// bbox.
func TestGDALReadsTheAPI(t *testing.T) {
	ogrinfo, ogr2ogr := requireGDAL(t)
	base, logs := startServe(t)
	src := "OAPIF:" + base + "/api"

	listing := runGDAL(t, logs, ogrinfo, "-ro", src)
	for _, c := range []string{"zones", "incidents", "sites", "governorates"} {
		if !regexp.MustCompile(`(?m)^\d+: ` + c + ` `).MatchString(listing) {
			t.Errorf("ogrinfo does not list %s:\n%s", c, listing)
		}
	}
	// One geometry type for the zones layer: MultiPolygon, as they are.
	if !regexp.MustCompile(`(?m)^\d+: zones .*\(Multi Polygon\)$`).MatchString(listing) {
		t.Errorf("ogrinfo does not type zones as Multi Polygon:\n%s", listing)
	}

	all := numberMatched(t, base+"/api/collections/incidents/items?resultType=hits")
	summary := runGDAL(t, logs, ogrinfo, "-ro", "-so", src, "incidents")
	if !strings.Contains(summary, "Feature Count: "+strconv.Itoa(all)+"\n") {
		t.Errorf("ogrinfo -so does not report Feature Count: %d:\n%s", all, summary)
	}
	features, ids := featureCount(t, runGDAL(t, logs, ogr2ogr, "-f", "GeoJSON", "/vsistdout/", "-oo", "PAGE_SIZE=50", src, "incidents"))
	if features != all || ids != all {
		t.Errorf("ogr2ogr read %d incidents (%d distinct ids), the API has %d", features, ids, all)
	}
	if pages := strings.Count(logs.String(), "offset="); pages < all/50 {
		t.Errorf("GDAL followed %d next links for %d incidents 50 at a time, want at least %d", pages, all, all/50)
	}

	// GDAL sends a comparison on a documented parameter to the server, as
	// a CQL filter (the items take filter, filter-lang=cql-text); a
	// comparison on a field that is not a parameter
	// (date) it checks itself on the features, as the filter would (date >=
	// D: the first day on or after D).
	for _, f := range []struct{ layer, where, query string }{
		{"incidents", "status = 'disputed'", "status=disputed"},
		{"incidents", "type = 'battles' AND date >= '2024-12-08'", "filter=" + url.QueryEscape("type = 'battles' AND date >= '2024-12-08'")},
		{"zones", "actor = 'sdf'", "actor=sdf"},
		{"sites", "governorate = 'Deir-ez-Zor'", "governorate=Deir-ez-Zor"},
	} {
		want := numberMatched(t, base+"/api/collections/"+f.layer+"/items?resultType=hits&"+f.query)
		got, _ := featureCount(t, runGDAL(t, logs, ogr2ogr, "-f", "GeoJSON", "/vsistdout/", "-where", f.where, src, f.layer))
		if got != want || want == 0 {
			t.Errorf("%s -where %q: GDAL read %d features, the API's numberMatched for %s is %d", f.layer, f.where, got, f.query, want)
		}
	}

	// A comparison GDAL cannot send as a parameter goes to the server as a
	// filter (GDAL 3.6 names the encoding cql-text, the Part 3 draft's; it
	// finds fatalities_best among the items' parameters), with the count
	// the API gives for it.
	before := strings.Count(logs.String(), "filter=")
	want := numberMatched(t, base+"/api/collections/incidents/items?resultType=hits&filter="+url.QueryEscape("fatalities_best > 10"))
	got, _ := featureCount(t, runGDAL(t, logs, ogr2ogr, "-f", "GeoJSON", "/vsistdout/", "-where", "fatalities_best > 10", src, "incidents"))
	if got != want || want == 0 {
		t.Errorf(`-where "fatalities_best > 10": GDAL read %d incidents, the API's numberMatched is %d`, got, want)
	}
	if strings.Count(logs.String(), "filter=") <= before || !strings.Contains(logs.String(), "filter=fatalities_best") {
		t.Errorf(`-where "fatalities_best > 10": GDAL did not send the filter to the server:\n%s`, logs)
	}

	for _, box := range [][4]float64{{38, 34, 41, 37}, {36, 32.5, 37, 34}, {40.5, 35.5, 41, 36.5}} {
		spat := make([]string, 4)
		for i, v := range box {
			spat[i] = strconv.FormatFloat(v, 'f', -1, 64)
		}
		want := numberMatched(t, base+"/api/collections/incidents/items?resultType=hits&bbox="+strings.Join(spat, ","))
		args := append([]string{"-f", "GeoJSON", "/vsistdout/", "-oo", "PAGE_SIZE=50", "-spat"}, spat...)
		got, _ := featureCount(t, runGDAL(t, logs, ogr2ogr, append(args, src, "incidents")...))
		if got != want || want == 0 {
			t.Errorf("-spat %v: GDAL read %d incidents, the API's numberMatched is %d", box, got, want)
		}
	}
}

// TestGDALReadsTiles fetches random incident tiles of a synthetic dataset
// and reads them with GDAL's MVT driver: the incidents, or the clusters'
// counts, add up to the API's numberMatched for the tile's bounds and
// filters.
func TestGDALReadsTiles(t *testing.T) {
	ogrinfo, _ := requireGDAL(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "actors.json"), []byte("[]"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(data, "incidents-synthetic.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	if err := writeSynthetic(t.Context(), f, 20000, 3); err != nil {
		t.Fatal(err)
	}
	f.Close()
	base, logs := startServe(t, "--data", data)
	rng := rand.New(rand.NewPCG(3, 3))
	countRE := regexp.MustCompile(`(?m)^\s+count \(Integer\) = (\d+)$`)
	layerRE := regexp.MustCompile(`(?m)^Layer name: (\w+)$`)
	for round := range 8 {
		z := maptile.Zoom(5 + rng.IntN(8))
		tile := maptile.At(orb.Point{36 + rng.Float64()*5, 33 + rng.Float64()*4}, z)
		filter := ""
		if round%2 == 1 {
			filter = "datetime=2024-01-01/2024-12-31"
		}
		b := tile.Bound()
		want := numberMatched(t, fmt.Sprintf("%s/api/collections/incidents/items?resultType=hits&bbox=%.17g,%.17g,%.17g,%.17g&%s",
			base, b.Min[0], b.Min[1], b.Max[0], b.Max[1], filter))
		resp, err := http.Get(fmt.Sprintf("%s/api/collections/incidents/tiles/WebMercatorQuad/%d/%d/%d?%s", base, z, tile.Y, tile.X, filter))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want == 0 {
			if resp.StatusCode != http.StatusNoContent {
				t.Fatalf("tile %v: %d, want 204 for no incident", tile, resp.StatusCode)
			}
			continue
		}
		// GDAL takes the tile's z/x/y from its path.
		path := filepath.Join(dir, "tiles", strconv.Itoa(int(z)), strconv.Itoa(int(tile.X)), strconv.Itoa(int(tile.Y))+".pbf")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, body, 0o644); err != nil {
			t.Fatal(err)
		}
		out := runGDAL(t, logs, ogrinfo, "-ro", "-al", path)
		layers := layerRE.FindAllStringSubmatch(out, -1)
		if len(layers) != 1 {
			t.Fatalf("tile %v: GDAL lists layers %v", tile, layers)
		}
		got := 0
		switch layers[0][1] {
		case "clusters":
			for _, m := range countRE.FindAllStringSubmatch(out, -1) {
				n, _ := strconv.Atoi(m[1])
				got += n
			}
		case "incidents":
			got = strings.Count(out, "\nOGRFeature(incidents)")
		}
		if got != want {
			t.Errorf("tile %v (%s): GDAL reads %d incidents in layer %s, the API matches %d", tile, filter, got, layers[0][1], want)
		}
		t.Logf("tile %v %s: %d incidents in layer %s", tile, filter, got, layers[0][1])
	}
}
