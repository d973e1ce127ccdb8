package server

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/frontline-maps/frontline/geo"
)

// checkProblem asserts that rec is an application/problem+json document
// with status and type, and, when field is not "", an errors entry naming
// field.
func checkProblem(t *testing.T, rec *httptest.ResponseRecorder, status int, typ, field string) {
	t.Helper()
	if rec.Code != status {
		t.Errorf("status %d, want %d: %s", rec.Code, status, rec.Body)
	}
	if got := rec.Header().Get("Content-Type"); got != contentTypeProblem {
		t.Errorf("Content-Type %q, want %q", got, contentTypeProblem)
	}
	var p problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("body is not a problem: %v\n%s", err, rec.Body)
	}
	if p.Type != typ || p.Status != status || p.Title == "" || p.Instance == "" {
		t.Errorf("problem %+v, want type %s status %d with a title and instance", p, typ, status)
	}
	if field != "" && !slices.ContainsFunc(p.Errors, func(e fieldError) bool { return e.Field == field && e.Reason != "" }) {
		t.Errorf("errors %+v name no %q", p.Errors, field)
	}
}

// TestOGCErrors is the error contract of the OGC routes: every bad request
// is a problem+json naming what is wrong.
func TestOGCErrors(t *testing.T) {
	h, _ := newOGCServer(t, Config{})
	const items = "/api/collections/incidents/items"
	tests := []struct {
		name, method, target string
		status               int
		typ, field           string
	}{
		{"reversed bbox", "GET", items + "?bbox=41,34,38,36", 400, problemInvalidParameter, "bbox"},
		{"reversed bbox latitudes", "GET", items + "?bbox=38,36,41,34", 400, problemInvalidParameter, "bbox"},
		{"bbox lat over 90", "GET", items + "?bbox=38,34,41,91", 400, problemInvalidParameter, "bbox"},
		{"bbox not numbers", "GET", items + "?bbox=a,b,c,d", 400, problemInvalidParameter, "bbox"},
		{"bbox 3 numbers", "GET", items + "?bbox=1,2,3", 400, problemInvalidParameter, "bbox"},
		{"point lat over 90", "GET", items + "?point=38,91&radius=10", 400, problemInvalidParameter, "point"},
		{"limit 10001", "GET", items + "?limit=10001", 400, problemInvalidParameter, "limit"},
		{"limit 0", "GET", items + "?limit=0", 400, problemInvalidParameter, "limit"},
		{"limit twice", "GET", items + "?limit=1&limit=2", 400, problemInvalidParameter, "limit"},
		{"offset negative", "GET", items + "?offset=-1", 400, problemInvalidParameter, "offset"},
		{"bad datetime", "GET", items + "?datetime=2025-13-01", 400, problemInvalidParameter, "datetime"},
		{"datetime end before start", "GET", items + "?datetime=2025-02-01/2025-01-01", 400, problemInvalidParameter, "datetime"},
		{"unknown parameter", "GET", items + "?colour=red", 400, problemInvalidParameter, "colour"},
		{"parameter of another collection", "GET", "/api/collections/sites/items?datetime=2025-01-01", 400, problemInvalidParameter, "datetime"},
		{"unknown zone filter", "GET", items + "?zone=nowhere", 400, problemInvalidParameter, "zone"},
		{"bbox and zone", "GET", items + "?bbox=38,34,41,36&zone=sdf-ne", 400, problemInvalidParameter, "zone"},
		{"point without radius", "GET", items + "?point=38,34", 400, problemInvalidParameter, "radius"},
		{"radius too large", "GET", items + "?point=38,34&radius=1e9", 400, problemInvalidParameter, "radius"},
		{"unknown type", "GET", items + "?type=duel", 400, problemInvalidParameter, "type"},
		{"sub_type of another type", "GET", items + "?type=battles&sub_type=ied", 400, problemInvalidParameter, "sub_type"},
		{"unknown actor", "GET", items + "?actor=nobody", 400, problemInvalidParameter, "actor"},
		{"unknown governorate", "GET", items + "?governorate=Atlantis", 400, problemInvalidParameter, "governorate"},
		{"min_fatalities not a number", "GET", items + "?min_fatalities=many", 400, problemInvalidParameter, "min_fatalities"},
		{"zone status for incidents", "GET", items + "?status=control", 400, problemInvalidParameter, "status"},
		{"bad resultType", "GET", items + "?resultType=count", 400, problemInvalidParameter, "resultType"},
		{"format html", "GET", items + "?f=html", 400, problemInvalidParameter, "f"},
		{"as_of with datetime", "GET", "/api/collections/zones/items?as_of=2025-01-01&datetime=2025-01-01", 400, problemInvalidParameter, "as_of"},
		{"as_of not a date", "GET", "/api/collections/zones/items?as_of=yesterday", 400, problemInvalidParameter, "as_of"},
		{"unknown site kind", "GET", "/api/collections/sites/items?kind=castle", 400, problemInvalidParameter, "kind"},
		{"unknown parameter on landing", "GET", "/api?lang=fr", 400, problemInvalidParameter, "lang"},
		{"unknown parameter on collections", "GET", "/api/collections?bbox=1,2,3,4", 400, problemInvalidParameter, "bbox"},
		{"unknown collection", "GET", "/api/collections/tanks", 404, problemNotFound, "collectionId"},
		{"unknown collection items", "GET", "/api/collections/tanks/items", 404, problemNotFound, "collectionId"},
		{"unknown collection queryables", "GET", "/api/collections/tanks/queryables", 404, problemNotFound, "collectionId"},
		{"unknown feature id", "GET", items + "/no-such-incident", 404, problemNotFound, "featureId"},
		{"unknown zone id", "GET", "/api/collections/zones/items/no-such-zone", 404, problemNotFound, "featureId"},
		{"unknown governorate id", "GET", "/api/collections/governorates/items/SY99", 404, problemNotFound, "featureId"},
		{"unknown route", "GET", "/api/tanks", 404, problemNotFound, ""},
		{"method not allowed", "POST", "/api/collections", 405, problemMethod, ""},
		{"delete an item on a read-only server", "DELETE", items + "/tanf-drone", 405, "/problems/read-only", ""},
		{"put the items", "PUT", items, 405, problemMethod, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.target, nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			checkProblem(t, rec, tt.status, tt.typ, tt.field)
		})
	}
}

// TestEveryBadParameterReported checks that one response names every bad
// parameter, not only the first.
func TestEveryBadParameterReported(t *testing.T) {
	h, _ := newOGCServer(t, Config{})
	rec := ogcGet(h, "/api/collections/incidents/items?bbox=41,34,38,36&limit=10001&datetime=soon&colour=red")
	for _, field := range []string{"bbox", "limit", "datetime", "colour"} {
		checkProblem(t, rec, 400, problemInvalidParameter, field)
	}
}

// TestBodyTooLarge checks the 413 for a body over Config.MaxBodyBytes,
// declared or not.
func TestBodyTooLarge(t *testing.T) {
	h, _ := newOGCServer(t, Config{MaxBodyBytes: 64})
	body := `{"geometry":` + strings.Repeat(" ", 100) + `null}`
	req := httptest.NewRequest(http.MethodPost, "/api/search", strings.NewReader(body))
	req.Header.Set("Content-Type", contentTypeJSON)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	checkProblem(t, rec, http.StatusRequestEntityTooLarge, problemTooLarge, "")
}

// loadingCatalog is a catalog whose dataset has not loaded.
type loadingCatalog struct{}

// Snapshot implements Catalog: nil, still loading.
func (loadingCatalog) Snapshot() *geo.Snapshot { return nil }

// Actors implements Catalog.
func (loadingCatalog) Actors() []geo.Actor { return nil }

// Governorates implements Catalog.
func (loadingCatalog) Governorates() []geo.Boundary { return nil }

// Statistics implements Catalog.
func (loadingCatalog) Statistics() []geo.Statistic { return nil }

// DatasetID implements Catalog.
func (loadingCatalog) DatasetID() string { return "" }

// TestNotReady checks that while the catalog loads /healthz is up, /readyz
// and every API route answer 503, and metrics still serve.
func TestNotReady(t *testing.T) {
	h := New(Config{}, loadingCatalog{}, fstest.MapFS{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if rec := ogcGet(h, "/healthz"); rec.Code != http.StatusOK {
		t.Errorf("/healthz %d, want 200", rec.Code)
	}
	for _, target := range []string{"/readyz", "/api", "/api/collections/incidents/items"} {
		rec := ogcGet(h, target)
		checkProblem(t, rec, http.StatusServiceUnavailable, problemUnavailable, "")
		if target != "/readyz" && rec.Header().Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After", target)
		}
	}
	if rec := ogcGet(h, "/metrics"); rec.Code != http.StatusOK {
		t.Errorf("/metrics %d, want 200", rec.Code)
	}
}

// TestNotRouted checks the answers to requests no route takes: 405 with
// the methods the path has as Allow (HEAD with GET), or 404 without Allow,
// under /api and for the web map alike.
func TestNotRouted(t *testing.T) {
	h, _ := newOGCServer(t, Config{})
	items := "/api/collections/incidents/items"
	tests := []struct {
		method, target string
		status         int
		allow          string
	}{
		{"GET", "/api/search", 405, "POST"},
		{"HEAD", "/api/search", 405, "POST"},
		{"POST", "/api/collections", 405, "GET, HEAD"},
		{"PUT", items, 405, "GET, HEAD, POST"},
		{"GET", items + "/x/versions/3/restore", 405, "POST"},
		{"POST", "/healthz", 405, "GET, HEAD"},
		{"POST", "/index.html", 405, "GET, HEAD"},
		{"GET", "/api/tanks", 404, ""},
		{"GET", "/api/collections/", 404, ""},
		{"POST", "/api/tanks", 404, ""},
		{"GET", "/api", 200, ""},
		{"GET", "/api/", 200, ""},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(tt.method, tt.target, nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tt.status || rec.Header().Get("Allow") != tt.allow {
			t.Errorf("%s %s: %d, Allow %q; want %d, Allow %q", tt.method, tt.target, rec.Code, rec.Header().Get("Allow"), tt.status, tt.allow)
		}
		if tt.status != 200 && tt.method != "HEAD" {
			typ := problemNotFound
			if tt.status == 405 {
				typ = problemMethod
			}
			checkProblem(t, rec, tt.status, typ, "")
		}
	}
}
