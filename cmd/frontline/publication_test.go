package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/frontline-maps/frontline/catalog/publish"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// The publication test's incidents: one embargoed (a fresh report of
// violence against civilians, which the policy embargoes), one an editor
// withheld. Their markers must appear in no answer to an anonymous reader.
const (
	embargoedID   = "leak-embargoed"
	withheldID    = "leak-withheld"
	embargoMarker = "EMBARGO-MARKER"
	withheldMark  = "WITHHELD-MARKER"
)

var (
	embargoedAt = orb.Point{40.123456, 34.654321}
	withheldAt  = orb.Point{39.555551, 35.444449}
)

// publicationServer serves a seeded store under a policy file that
// embargoes violence against civilians for 72 h and --coarsen-km 10 over
// every incident, with public history, after an editor has written the
// two incidents above. It returns the base URL and the tokens.
func publicationServer(t *testing.T) (string, testTokens) {
	t.Helper()
	db, tokens := storeWithTokens(t)
	policy := filepath.Join(t.TempDir(), "policy.json")
	doc := `{"rules": [{"name": "fresh-violence", "types": ["violence_against_civilians"], "embargo": "72h", "withhold": ["source_urls"]}]}`
	if err := os.WriteFile(policy, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	base, _ := startServe(t, "--db", db, "--publication-policy", policy, "--coarsen-km", "10", "--public-history")
	today := time.Now().UTC().Format(time.DateOnly)
	for _, f := range []string{
		feature(embargoedID, embargoedAt, "violence_against_civilians", today, embargoMarker, ""),
		feature(withheldID, withheldAt, "battles", "2020-03-01", withheldMark, `,"publish":"withheld"`),
	} {
		if r := send(t, "POST", base+"/api/collections/incidents/items", tokens["editor"], f, "Content-Type", "application/geo+json"); r.StatusCode != 201 {
			t.Fatalf("creating an incident: %d %s", r.StatusCode, r.body)
		}
	}
	return base, tokens
}

func feature(id string, at orb.Point, typ, date, marker, extra string) string {
	return fmt.Sprintf(`{"type":"Feature","id":%q,"geometry":{"type":"Point","coordinates":[%v,%v]},"properties":{`+
		`"date":%q,"date_precision":"day","type":%q,"actors":[],"precision_m":0,"place":"%s-PLACE",`+
		`"fatalities_low":0,"fatalities_best":1,"fatalities_high":1,"fatalities_civilians":0,"description":%q,`+
		`"sources":[{"publisher":"Test","url":"https://example.org/%s"}],"status":"reported"%s}}`,
		id, at[0], at[1], date, typ, marker, marker, marker, extra)
}

// exactPositions returns every incident's stored position as an editor
// reads it, formatted "lon,lat" as the API writes coordinates.
func exactPositions(t *testing.T, base, token string) map[string]orb.Point {
	t.Helper()
	r := send(t, "GET", base+"/api/collections/incidents/items?limit=10000", token, "")
	var fc struct {
		Features []struct {
			ID       string `json:"id"`
			Geometry struct {
				Coordinates orb.Point `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(r.body, &fc); err != nil || r.StatusCode != 200 {
		t.Fatalf("an editor's items: %d %v", r.StatusCode, err)
	}
	out := map[string]orb.Point{}
	for _, f := range fc.Features {
		out[f.ID] = f.Geometry.Coordinates
	}
	return out
}

// TestPublicationNoRouteLeaks walks every GET route of the OpenAPI
// document, with each collection, the two hidden incidents' ids, tiles
// over them at every fourth zoom, and the query parameters that reach
// incidents (a point on them, a box around them, as_of), plus both event
// streams, as an anonymous client, and asserts that neither hidden
// incident appears in any form (its id, its markers, its position) and
// that every incident position served is the centre of its 10 km cell,
// never a stored exact one. The same reads by an editor see both.
func TestPublicationNoRouteLeaks(t *testing.T) {
	base, tokens := publicationServer(t)
	exact := exactPositions(t, base, tokens["editor"])
	if _, ok := exact[embargoedID]; !ok {
		t.Fatal("the editor does not read the embargoed incident")
	}
	if len(exact) < 10 {
		t.Fatalf("the editor reads %d incidents", len(exact))
	}
	// An exact position is forbidden, but for those a site or a zone also
	// has (an incident placed at a town's centre), which are public.
	public := string(send(t, "GET", base+"/api/collections/sites/items?limit=10000", "", "").body) +
		string(send(t, "GET", base+"/api/collections/zones/items?limit=10000", "", "").body) +
		string(send(t, "GET", base+"/api/collections/governorates/items?limit=10000", "", "").body)
	forbidden := []string{embargoMarker, withheldMark}
	for _, p := range exact {
		if !strings.Contains(public, coordText(p)) {
			forbidden = append(forbidden, coordText(p))
		}
	}
	ids := []string{embargoedID, withheldID}

	doc := getJSON(t, base+"/api/openapi.json", 200, "application/vnd.oai.openapi+json;version=3.0")
	var targets []string
	for path, item := range doc["paths"].(map[string]any) {
		if _, ok := item.(map[string]any)["get"]; !ok {
			continue
		}
		targets = append(targets, expand("/api"+path)...)
	}
	asOf := time.Now().UTC().Add(time.Minute).Format(time.RFC3339)
	for _, p := range []orb.Point{embargoedAt, withheldAt} {
		pt := fmt.Sprintf("%v,%v", p[0], p[1])
		box := fmt.Sprintf("%v,%v,%v,%v", p[0]-0.01, p[1]-0.01, p[0]+0.01, p[1]+0.01)
		targets = append(targets,
			"/api/collections/incidents/items?point="+pt+"&radius=1",
			"/api/collections/incidents/items?point="+pt+"&radius=500000&limit=10000",
			"/api/collections/incidents/items?bbox="+box,
			"/api/collections/incidents/items?as_of="+asOf+"&limit=10000",
			"/api/collections/incidents/items?datetime="+time.Now().UTC().Format(time.DateOnly)+"/..",
			"/api/nearest?point="+pt+"&k=50",
			"/api/control?point="+pt+"&date=2026-01-20",
			"/api/grid?cell=0.01&bbox="+box,
			"/api/clusters?bbox="+box+"&zoom=14",
			"/api/stats?group=type",
			"/api/stats?group=actor&bbox="+box,
			"/api/export?format=geojson",
			"/api/export?format=csv&collection=incidents",
			"/api/changes?since=0&limit=1000",
			"/api/collections/incidents/items/"+embargoedID+"/versions",
			"/api/collections/incidents/items/"+withheldID+"/versions",
		)
		for z := 2; z <= 18; z += 4 {
			tile := maptile.At(p, maptile.Zoom(z))
			targets = append(targets, fmt.Sprintf("/api/collections/incidents/tiles/WebMercatorQuad/%d/%d/%d", z, tile.Y, tile.X))
		}
	}
	served := 0
	for _, target := range targets {
		r := send(t, "GET", base+target, "", "")
		if r.StatusCode >= 500 {
			t.Errorf("GET %s: %d %s", target, r.StatusCode, r.body)
		}
		if r.StatusCode == 200 {
			served++
			// A problem document may repeat the id asked for, which
			// says no more than the request did.
			checkPublished(t, "GET "+target, r.body, ids)
		}
		// Nor does an answer that repeats the request's own point.
		checkPublished(t, "GET "+target, r.body, slices.DeleteFunc(slices.Clone(forbidden), func(f string) bool { return strings.Contains(target, f) }))
	}
	if served < 60 {
		t.Errorf("only %d of %d reads answered 200: the walk reaches too little", served, len(targets))
	}
	for _, stream := range []string{"/api/changes/stream?since=0", "/api/live"} {
		body := readStream(t, base+stream, "")
		if !bytes.Contains(body, []byte("\n")) && stream != "/api/live" {
			t.Errorf("%s sent nothing", stream)
		}
		checkPublished(t, "GET "+stream, body, append(forbidden, ids...))
	}

	// The same walk as an editor reads the data as stored: no answer is
	// the published view's, and those that reach the hidden incidents
	// hold them, exactly.
	for _, target := range targets {
		r := send(t, "GET", base+target, tokens["editor"], "")
		if r.StatusCode >= 500 || r.Header.Get("Frontline-View") != "" {
			t.Errorf("the editor's GET %s: %d, view %q", target, r.StatusCode, r.Header.Get("Frontline-View"))
		}
	}
	for _, target := range []string{
		"/api/collections/incidents/items/" + embargoedID,
		"/api/collections/incidents/items/" + withheldID,
		"/api/collections/incidents/items/" + embargoedID + "/versions",
		"/api/nearest?point=" + fmt.Sprintf("%v,%v", embargoedAt[0], embargoedAt[1]) + "&k=1",
		"/api/collections/incidents/items?as_of=" + asOf + "&limit=10000",
		"/api/changes?since=0&limit=1000",
		"/api/export?format=geojson",
		"/api/export?format=csv&collection=incidents",
	} {
		r := send(t, "GET", base+target, tokens["editor"], "")
		if r.StatusCode != 200 || !bytes.Contains(r.body, []byte(embargoMarker)) && !bytes.Contains(r.body, []byte(withheldMark)) {
			t.Errorf("the editor's GET %s: %d, without the hidden incidents\n%.300s", target, r.StatusCode, r.body)
		}
	}
	editorStream := readStream(t, base+"/api/changes/stream?since=0", tokens["editor"])
	if !bytes.Contains(editorStream, []byte(embargoMarker)) {
		t.Error("the editor's change stream lacks the embargoed incident")
	}
	// The audit log holds the policy the server started with and the
	// tokens' creation and revocation.
	audit := send(t, "GET", base+"/api/audit", tokens["admin"], "")
	for _, want := range []string{`"action":"policy"`, `"id":"sha256:`, `"action":"token.create"`, `"action":"token.revoke"`, `"id":"revoked"`} {
		if !bytes.Contains(audit.body, []byte(want)) {
			t.Errorf("the audit log lacks %s:\n%.600s", want, audit.body)
		}
	}
	// A viewer is not an editor: the published view.
	r := send(t, "GET", base+"/api/collections/incidents/items/"+embargoedID, tokens["viewer"], "")
	if r.StatusCode != 404 {
		t.Errorf("a viewer's read of the embargoed incident: %d", r.StatusCode)
	}
}

// coordText formats p as the API writes a position's numbers.
func coordText(p orb.Point) string {
	return strconv.FormatFloat(p[0], 'f', -1, 64) + "," + strconv.FormatFloat(p[1], 'f', -1, 64)
}

var templateParam = regexp.MustCompile(`\{[^}]+\}`)

// expand returns the targets of an OpenAPI path: each template parameter
// taken in turn from the test's values.
func expand(path string) []string {
	values := map[string][]string{
		"{collectionId}":    {"zones", "incidents", "sites", "governorates"},
		"{featureId}":       {embargoedID, withheldID},
		"{tileMatrixSetId}": {"WebMercatorQuad"},
		"{tileMatrix}":      {"7"},
		"{tileRow}":         {strconv.Itoa(int(maptile.At(embargoedAt, 7).Y))},
		"{tileCol}":         {strconv.Itoa(int(maptile.At(embargoedAt, 7).X))},
		"{watchId}":         {"1"},
		"{version}":         {"1"},
	}
	m := templateParam.FindString(path)
	if m == "" {
		if strings.HasSuffix(path, "/stream") || strings.HasSuffix(path, "/live") {
			return nil // read as streams
		}
		return []string{path}
	}
	var out []string
	for _, v := range values[m] {
		out = append(out, expand(strings.Replace(path, m, v, 1))...)
	}
	return out
}

// checkPublished fails when body holds any of forbidden, or a GeoJSON
// incident (a feature with fatalities) whose position is not the centre
// of its 10 km cell.
func checkPublished(t *testing.T, what string, body []byte, forbidden []string) {
	t.Helper()
	for _, f := range forbidden {
		if bytes.Contains(body, []byte(f)) {
			i := bytes.Index(body, []byte(f))
			t.Errorf("%s: the answer holds %q: …%s…", what, f, body[max(0, i-200):min(len(body), i+100)])
		}
	}
	var fc struct {
		Features []struct {
			Geometry struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if json.Unmarshal(body, &fc) != nil {
		return
	}
	for _, f := range fc.Features {
		if _, incident := f.Properties["fatalities_best"]; !incident || f.Geometry.Type != "Point" {
			continue
		}
		var p orb.Point
		if err := json.Unmarshal(f.Geometry.Coordinates, &p); err != nil {
			t.Fatal(err)
		}
		if c, _ := publish.Cell(p, 10); math.Abs(c[0]-p[0]) > 1e-9 || math.Abs(c[1]-p[1]) > 1e-9 {
			t.Errorf("%s: an incident at %v, not the centre %v of its 10 km cell", what, p, c)
		}
		if _, ok := f.Properties["publication"]; !ok {
			t.Errorf("%s: a coarsened incident without its publication", what)
		}
	}
}

// readStream reads an event stream for a second and a half.
func readStream(t *testing.T, url, token string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 1500*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	body, _ := io.ReadAll(resp.Body) // ends with the context's deadline
	return body
}

// TestPublicationTriangulation tries to locate coarsened incidents more
// finely than their cell: a 1 m radius around the true position finds
// nothing, and radius and nearest queries from many shifted centres
// answer exactly as the published point alone predicts (the distance
// nearest reports is to the published point), so no set of them narrows
// the position below the published cell.
func TestPublicationTriangulation(t *testing.T) {
	base, tokens := publicationServer(t)
	exact := exactPositions(t, base, tokens["editor"])
	public := map[string]orb.Point{}
	for id, p := range exactPositions(t, base, "") {
		public[id] = p
	}
	r := rand.New(rand.NewPCG(18, 3))
	tried := 0
	for id, truth := range exact {
		pub, ok := public[id]
		if !ok {
			continue // embargoed or withheld: the leak test's
		}
		if pub == truth {
			t.Fatalf("%s is published at its exact position", id)
		}
		if tried++; tried > 6 {
			break
		}
		one := send(t, "GET", base+fmt.Sprintf("/api/collections/incidents/items?point=%v,%v&radius=1", truth[0], truth[1]), "", "")
		if bytes.Contains(one.body, []byte(`"`+id+`"`)) {
			t.Errorf("a 1 m radius around %s's true position finds it", id)
		}
		for range 15 {
			c := orb.Point{truth[0] + (r.Float64()-0.5)*0.3, truth[1] + (r.Float64()-0.5)*0.3}
			radius := 2000 + r.Float64()*15000
			d := haversine(c, pub)
			if math.Abs(d-radius) < 5 {
				continue // too near the edge to call
			}
			got := send(t, "GET", base+fmt.Sprintf("/api/collections/incidents/items?point=%v,%v&radius=%v&limit=10000", c[0], c[1], radius), "", "")
			if found := bytes.Contains(got.body, []byte(`"`+id+`"`)); found != (d <= radius) {
				t.Errorf("%s: a %.0f m radius at %v found it %v; %.0f m from its published point says %v", id, radius, c, found, d, d <= radius)
			}
			near := send(t, "GET", base+fmt.Sprintf("/api/nearest?point=%v,%v&k=300", c[0], c[1]), "", "")
			var fc struct {
				Features []struct {
					ID       string  `json:"id"`
					Distance float64 `json:"distance_m"`
				} `json:"features"`
			}
			if err := json.Unmarshal(near.body, &fc); err != nil {
				t.Fatalf("nearest: %v %s", err, near.body)
			}
			for _, f := range fc.Features {
				if f.ID != id {
					continue
				}
				dist := f.Distance
				if math.Abs(dist-d) > 0.01*d+1 {
					t.Errorf("%s: nearest reports %.1f m from %v; the published point is %.1f m away", id, dist, c, d)
				}
			}
		}
	}
	if tried == 0 {
		t.Fatal("no coarsened incident to try")
	}
}

// haversine is the great-circle distance in metres, as the API measures
// radius (mean Earth radius 6,371,008.8 m).
func haversine(a, b orb.Point) float64 {
	const rad = math.Pi / 180
	dlat, dlon := (b[1]-a[1])*rad, (b[0]-a[0])*rad
	h := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(a[1]*rad)*math.Cos(b[1]*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * 6371008.8 * math.Asin(math.Sqrt(h))
}
