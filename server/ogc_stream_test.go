package server

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"testing/fstest"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/geo/synth"
)

// countingWriter is an http.ResponseWriter that counts and discards the
// body, so measuring a response's allocations does not count the body's
// bytes held by a recorder.
type countingWriter struct {
	header  http.Header
	status  int
	n       int
	flushes int
}

// Header implements http.ResponseWriter.
func (w *countingWriter) Header() http.Header { return w.header }

// WriteHeader records the status.
func (w *countingWriter) WriteHeader(code int) { w.status = code }

// Write counts b and drops it.
func (w *countingWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

// Flush counts flushes, as http.Flusher.
func (w *countingWriter) Flush() { w.flushes++ }

// synthServer serves n synthetic incidents.
func synthServer(t testing.TB, n int) http.Handler {
	t.Helper()
	ix, err := geo.NewIndex(&geo.Dataset{Incidents: synth.Incidents(n, 1)})
	if err != nil {
		t.Fatal(err)
	}
	cat := &ogcCatalog{ix: ix, ds: &geo.Dataset{}}
	return New(Config{}, cat, fstest.MapFS{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// allocatedBy serves GET target and returns the bytes allocated meanwhile
// and the response.
func allocatedBy(h http.Handler, target string) (uint64, *countingWriter) {
	w := &countingWriter{header: http.Header{}}
	req := httptest.NewRequest(http.MethodGet, target, nil)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	h.ServeHTTP(w, req)
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, w
}

// leastAllocatedBy is allocatedBy's smallest figure over three requests:
// geo refills a pool of query buffers now and then, and the megabytes that
// costs land on whichever request comes first after a GC, which says
// nothing about how that request streams.
func leastAllocatedBy(h http.Handler, target string) (uint64, *countingWriter) {
	least, w := allocatedBy(h, target)
	for range 2 {
		if n, ww := allocatedBy(h, target); n < least {
			least, w = n, ww
		}
	}
	return least, w
}

// TestItemsStreamInFlatMemory serves 10,000-feature pages of 200,000
// synthetic incidents and checks that the memory a request allocates does
// not grow with the features it writes: a page of 10,000 allocates about
// what a page of 10 does (the query's candidate list, the same for both),
// far less than the page's bytes, so the response is streamed and never
// built in memory. It also checks that streaming flushes as it goes.
func TestItemsStreamInFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 200,000-incident index")
	}
	h := synthServer(t, 200_000)
	const items = "/api/collections/incidents/items"
	allocatedBy(h, items+"?limit=10") // computes the extents once
	small, _ := leastAllocatedBy(h, items+"?limit=10&offset=190000")
	large, w := leastAllocatedBy(h, items+"?limit=10000&offset=190000")
	if w.status != http.StatusOK && w.status != 0 {
		t.Fatalf("status %d", w.status)
	}
	t.Logf("limit 10: %d B allocated; limit 10000: %d B allocated for a %d B response, %d flushes", small, large, w.n, w.flushes)
	if grow := int64(large) - int64(small); grow > int64(w.n)/8 {
		t.Errorf("a 10,000-feature page allocates %d B more than a 10-feature one; the response (%d B) is not streamed", grow, w.n)
	}
	if w.flushes < 10_000/flushEvery {
		t.Errorf("%d flushes for 10,000 features, want at least %d", w.flushes, 10_000/flushEvery)
	}
}

// TestItemsPageThroughEverything pages through 200,000 synthetic incidents
// 10,000 at a time by next links and checks every incident comes once.
func TestItemsPageThroughEverything(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 200,000-incident index")
	}
	const n = 200_000
	h := synthServer(t, n)
	seen := make(map[string]bool, n)
	target := "/api/collections/incidents/items?limit=10000&type=battles"
	matched := -1
	for target != "" {
		rec := ogcGet(h, target)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", target, rec.Code)
		}
		var fc struct {
			NumberMatched int    `json:"numberMatched"`
			Links         []link `json:"links"`
			Features      []struct {
				ID string `json:"id"`
			} `json:"features"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &fc); err != nil {
			t.Fatal(err)
		}
		matched = fc.NumberMatched
		for _, f := range fc.Features {
			if seen[f.ID] {
				t.Fatalf("%s seen twice", f.ID)
			}
			seen[f.ID] = true
		}
		target = ""
		for _, l := range fc.Links {
			if l.Rel == relNext {
				target = l.Href
			}
		}
	}
	if len(seen) != matched || matched == 0 {
		t.Errorf("paged %d incidents, numberMatched %d", len(seen), matched)
	}
}
