package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/frontline-maps/frontline/geo"
)

// newExchangeServer returns a Server over an empty index whose log lines
// go to logs, and the serveExchange middleware around h.
func newExchangeServer(t *testing.T, logs *bytes.Buffer, h http.HandlerFunc) http.Handler {
	t.Helper()
	ix, err := geo.NewIndex(&geo.Dataset{})
	if err != nil {
		t.Fatal(err)
	}
	cat := &queryCatalog{ix: ix}
	s := &Server{catalog: cat, log: slog.New(slog.NewJSONHandler(logs, nil)), metrics: newMetrics(cat, nil), ids: newRequestIDs()}
	return s.serveExchange(s.routeNamed(http.MethodGet, "/boom")(h))
}

// TestExchangePanic checks that a panicking handler answers a 500 problem
// naming the request id, and that the request is still logged once, with
// its route and the 500.
func TestExchangePanic(t *testing.T) {
	var logs bytes.Buffer
	h := newExchangeServer(t, &logs, func(http.ResponseWriter, *http.Request) { panic("boom") })
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/boom?x=1", nil))
	if rec.Code != http.StatusInternalServerError || rec.Header().Get("Content-Type") != contentTypeProblem {
		t.Fatalf("status %d, Content-Type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var p problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	id := rec.Header().Get(headerRequestID)
	if id == "" || p.RequestID != id || strings.Contains(p.Detail, "boom") {
		t.Errorf("X-Request-Id %q, problem %+v: want the id, and no panic value shown", id, p)
	}
	var line struct {
		Route, Path   string
		RequestID     string `json:"request_id"`
		Status, Bytes int
	}
	var requests int
	for l := range strings.Lines(logs.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		if m["msg"] == "request" {
			requests++
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatal(err)
			}
		}
	}
	if requests != 1 || line.Route != "/boom" || line.Path != "/boom" || line.Status != 500 || line.RequestID != id || line.Bytes != rec.Body.Len() {
		t.Errorf("%d request lines, last %+v; want one, route /boom, status 500, request_id %s, %d bytes", requests, line, id, rec.Body.Len())
	}
}

// TestExchangeRequestID checks that a proxy's X-Request-Id is kept when it
// is safe to log and echo, and replaced otherwise, and that generated ids
// differ.
func TestExchangeRequestID(t *testing.T) {
	var logs bytes.Buffer
	h := newExchangeServer(t, &logs, func(w http.ResponseWriter, r *http.Request) {})
	get := func(id string) string {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if id != "" {
			req.Header.Set(headerRequestID, id)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Header().Get(headerRequestID)
	}
	if got := get("proxy-7f3a/42"); got != "proxy-7f3a/42" {
		t.Errorf("safe id replaced by %q", got)
	}
	for _, bad := range []string{"two words", "tab\there", "é", strings.Repeat("x", maxClientRequestID+1)} {
		if got := get(bad); got == bad || got == "" {
			t.Errorf("id %q: echoed %q, want a generated one", bad, got)
		}
	}
	if a, b := get(""), get(""); a == b {
		t.Errorf("two requests were both given id %q", a)
	}
	a := get("")
	if n := a[strings.LastIndexByte(a, '-')+1:]; len(n) != 6 {
		t.Errorf("generated id %q: counter %q, want six digits", a, n)
	}
}
