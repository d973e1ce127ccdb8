package server

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/frontline-maps/frontline/geo"
)

// reproducible are URLs whose answers must be the same bytes each time on
// the same dataset version.
var reproducible = []string{
	"/api", "/api/conformance", "/api/openapi.json", "/api/collections", "/api/collections/zones",
	"/api/collections/incidents/items?limit=3", "/api/collections/zones/items?as_of=2025-01-01",
	"/api/collections/incidents/items/tanf-drone", "/api/collections/sites/queryables", "/",
}

// TestSameURLSameBytes checks that the same URL on the same dataset version
// gives the same bytes and ETag, that different URLs give different ETags,
// and that a new dataset version changes ETag and X-Dataset-Version.
func TestSameURLSameBytes(t *testing.T) {
	h, cat := newOGCServer(t, Config{})
	etags := map[string]string{}
	for _, target := range reproducible {
		a, b := ogcGet(h, target), ogcGet(h, target)
		if a.Code != http.StatusOK || !bytes.Equal(a.Body.Bytes(), b.Body.Bytes()) {
			t.Errorf("%s: status %d, bodies equal %v", target, a.Code, bytes.Equal(a.Body.Bytes(), b.Body.Bytes()))
		}
		etag := a.Header().Get("ETag")
		if etag == "" || etag != b.Header().Get("ETag") || strings.HasPrefix(etag, "W/") {
			t.Errorf("%s: ETags %q and %q, want one strong ETag", target, etag, b.Header().Get("ETag"))
		}
		if other, dup := etags[etag]; dup {
			t.Errorf("%s and %s share ETag %s", target, other, etag)
		}
		etags[etag] = target
		if v := a.Header().Get(headerDatasetVersion); v != "ogctest.1" {
			t.Errorf("%s: %s %q, want ogctest.1", target, headerDatasetVersion, v)
		}
	}
	before := ogcGet(h, "/api/collections/incidents/items?limit=3")
	if err := cat.ix.Update(func(tx *geo.Tx) error { return tx.DeleteIncident("raqqa-arrest") }); err != nil {
		t.Fatal(err)
	}
	after := ogcGet(h, "/api/collections/incidents/items?limit=3")
	if after.Header().Get(headerDatasetVersion) != "ogctest.2" || after.Header().Get("ETag") == before.Header().Get("ETag") {
		t.Errorf("after an update: version %q, ETag %q (before %q)", after.Header().Get(headerDatasetVersion), after.Header().Get("ETag"), before.Header().Get("ETag"))
	}
	if fc := decode(t, after); fc["datasetVersion"] != "ogctest.2" || fc["numberMatched"] != float64(6) {
		t.Errorf("after an update: datasetVersion %v numberMatched %v, want ogctest.2 and 6", fc["datasetVersion"], fc["numberMatched"])
	}
}

// TestConditionalGet checks If-None-Match: the current ETag (also weak or
// in a list) gives 304 with no body and the ETag and Cache-Control of the
// 200, another gives 200, and errors carry no ETag.
func TestConditionalGet(t *testing.T) {
	h, _ := newOGCServer(t, Config{})
	const target = "/api/collections/incidents/items?limit=2"
	etag := ogcGet(h, target).Header().Get("ETag")
	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
		rec := ogcGet(h, target, "If-None-Match", inm)
		if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 || rec.Header().Get("ETag") != etag || rec.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("If-None-Match %s: status %d, %d bytes, ETag %q, Cache-Control %q; want 304, empty, %s, no-cache",
				inm, rec.Code, rec.Body.Len(), rec.Header().Get("ETag"), rec.Header().Get("Cache-Control"), etag)
		}
	}
	if rec := ogcGet(h, target, "If-None-Match", `"stale"`); rec.Code != http.StatusOK {
		t.Errorf("stale If-None-Match: status %d, want 200", rec.Code)
	}
	if rec := ogcGet(h, "/api/collections/incidents/items?limit=0"); rec.Header().Get("ETag") != "" {
		t.Errorf("a 400 carries ETag %q", rec.Header().Get("ETag"))
	}
}

// TestGzip checks that a client accepting gzip gets the same document
// gzipped, with its own ETag and Vary, and one refusing it does not.
func TestGzip(t *testing.T) {
	h, _ := newOGCServer(t, Config{})
	const target = "/api/collections/incidents/items"
	plain := ogcGet(h, target)
	gz := ogcGet(h, target, "Accept-Encoding", "br;q=1.0, gzip;q=0.8")
	if gz.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(strings.Join(gz.Header().Values("Vary"), ","), "Accept-Encoding") {
		t.Fatalf("headers %v, want Content-Encoding gzip and Vary: Accept-Encoding", gz.Header())
	}
	zr, err := gzip.NewReader(gz.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(body, plain.Body.Bytes()) {
		t.Errorf("gunzipped body differs from the plain one (err %v)", err)
	}
	if gz.Header().Get("ETag") == plain.Header().Get("ETag") {
		t.Error("gzip and identity responses share an ETag")
	}
	if !strings.Contains(strings.Join(plain.Header().Values("Vary"), ","), "Accept-Encoding") {
		t.Errorf("identity response lacks Vary: Accept-Encoding: %v", plain.Header())
	}
	for _, ae := range []string{"gzip;q=0", "identity", "deflate", "*;q=0.5, gzip;q=0"} {
		if rec := ogcGet(h, target, "Accept-Encoding", ae); rec.Header().Get("Content-Encoding") != "" {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want none", ae, rec.Header().Get("Content-Encoding"))
		}
	}
	if rec := ogcGet(h, target, "Accept-Encoding", "*"); rec.Header().Get("Content-Encoding") != "gzip" {
		t.Errorf("Accept-Encoding *: Content-Encoding %q, want gzip", rec.Header().Get("Content-Encoding"))
	}
}

// TestCORS checks open reads by default and a restricted origin list.
func TestCORS(t *testing.T) {
	open, _ := newOGCServer(t, Config{})
	rec := ogcGet(open, "/api/collections", "Origin", "https://anywhere.example")
	if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("default Access-Control-Allow-Origin %q, want *", got)
	}
	if got := rec.Header().Get("Access-Control-Expose-Headers"); !strings.Contains(got, "Etag") && !strings.Contains(got, "ETag") {
		t.Errorf("Access-Control-Expose-Headers %q lacks ETag", got)
	}
	req := httptest.NewRequest(http.MethodOptions, "/api/collections", nil)
	req.Header.Set("Origin", "https://anywhere.example")
	req.Header.Set("Access-Control-Request-Method", http.MethodGet)
	pre := httptest.NewRecorder()
	open.ServeHTTP(pre, req)
	if pre.Code >= 300 || pre.Header().Get("Access-Control-Allow-Methods") == "" {
		t.Errorf("preflight: status %d, headers %v", pre.Code, pre.Header())
	}

	closed, _ := newOGCServer(t, Config{CORSOrigins: []string{"https://maps.example.org"}})
	if got := ogcGet(closed, "/api", "Origin", "https://maps.example.org").Header().Get("Access-Control-Allow-Origin"); got != "https://maps.example.org" {
		t.Errorf("allowed origin: Access-Control-Allow-Origin %q", got)
	}
	if got := ogcGet(closed, "/api", "Origin", "https://evil.example").Header().Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("other origin: Access-Control-Allow-Origin %q, want none", got)
	}
}

// TestRequestID checks that the X-Request-Id header is the problem's
// request_id, so a user can quote either.
func TestRequestID(t *testing.T) {
	h, _ := newOGCServer(t, Config{})
	rec := ogcGet(h, "/api/collections/tanks")
	var p problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if id := rec.Header().Get("X-Request-Id"); id == "" || id != p.RequestID {
		t.Errorf("X-Request-Id %q, problem request_id %q", id, p.RequestID)
	}
}

// TestReadyAndMetrics checks /readyz and that /metrics counts requests by
// route pattern and status and reports the index sizes.
func TestReadyAndMetrics(t *testing.T) {
	h, _ := newOGCServer(t, Config{})
	ready := decode(t, ogcGet(h, "/readyz"))
	if ready["status"] != "ready" || ready["incidents"] != float64(7) {
		t.Errorf("/readyz %v", ready)
	}
	ogcGet(h, "/api/collections/incidents/items")
	ogcGet(h, "/api/collections/incidents/items?limit=0")
	ogcGet(h, "/no/such/file")
	etag := ogcGet(h, "/api/collections").Header().Get("ETag")
	ogcGet(h, "/api/collections", "If-None-Match", etag)
	ogcGet(h, "/api/tanks")
	for _, method := range []string{http.MethodHead, "BREW"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, "/api/conformance", nil))
	}
	rec := ogcGet(h, "/metrics")
	for _, want := range []string{
		`frontline_http_requests_total{method="GET",route="/api/collections/{collectionId}/items",status="200"} 1`,
		`frontline_http_requests_total{method="GET",route="/api/collections/{collectionId}/items",status="400"} 1`,
		`frontline_http_request_duration_seconds_bucket{route="/api/collections/{collectionId}/items",le="+Inf"} 2`,
		`frontline_http_requests_total{method="GET",route="/api/collections",status="304"} 1`,
		`frontline_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`frontline_http_requests_total{method="HEAD",route="/api/conformance",status="200"} 1`,
		`frontline_http_requests_total{method="OTHER",route="unmatched",status="405"} 1`,
		`frontline_http_requests_total{method="POST",route="/api/search",status="200"} 0`, // every route, from the start
		`frontline_index_records{collection="incidents"} 7`,
		`frontline_index_records{collection="zones"} 4`,
		`frontline_index_records{collection="sites"} 2`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestStatic checks the web map's files: served with an ETag, a missing one
// a problem+json 404.
func TestStatic(t *testing.T) {
	h, _ := newOGCServer(t, Config{})
	rec := ogcGet(h, "/")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Frontline") || rec.Header().Get("ETag") == "" {
		t.Errorf("/: %d %v", rec.Code, rec.Header())
	}
	checkProblem(t, ogcGet(h, "/missing.js"), http.StatusNotFound, problemNotFound, "")
}
