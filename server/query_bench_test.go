package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/geo/synth"
)

// The core benchmarks of issue 2 over HTTP: the same synthetic workload
// (synth.Incidents with the geo benchmarks' seed) behind server.New, each
// query sent through the whole handler stack (router, middleware, parsing,
// query, encoding) to a ResponseWriter that discards the body. Q4, the 10
// nearest incidents, is GET /api/nearest (BenchmarkHTTPNearest10).
//
// Each count benchmark also times the request and the same query
// in-process on the same snapshot in alternating blocks (paired) and
// reports the median of the rounds' ratios as "x-in-process"; each GeoJSON
// benchmark reports "features/s" and "ns/feature" (2 million features/s is
// 500 ns/feature), query included, from the benchmark loop, and
// "serve-ns/feature", the median over rounds of the request time less the
// same page computed in-process: what HTTP and the streaming encoder add
// per feature. TestHTTPBenchQueries checks the same requests against the
// index at 10k incidents.

// httpBenchSeed is the seed of geo's benchmarks, so the figures compare.
const httpBenchSeed = 2026

var (
	// httpQ2Center is Al-Tanf, [lon, lat]; Q2 is 55 km around it.
	httpQ2Center = orb.Point{38.63, 33.50}
	// httpQ3Box is the 0.5° box around Raqqa of geo's Q3.
	httpQ3Box = orb.Bound{Min: orb.Point{38.76, 35.70}, Max: orb.Point{39.26, 36.20}}
	// httpQ5Year is the year Q5 restricts Q1 to.
	httpQ5Year = geo.Interval{From: geo.DateOf(2025, 1, 1), To: geo.DateOf(2025, 12, 31)}
)

// httpWorkload is one size of the workload behind a handler.
type httpWorkload struct {
	h    http.Handler
	snap *geo.Snapshot
	q1   *geo.Region // Q1's polygon, prepared, for the in-process figures
	// q1Geometry is Q1's polygon as GeoJSON, for search bodies.
	q1Geometry string
}

var (
	httpBenchMu    sync.Mutex
	httpBenchCache = map[int]*httpWorkload{}
)

// workloadHTTP builds (once per process and size) n synthetic incidents,
// their index and a server over them.
func workloadHTTP(tb testing.TB, n int) *httpWorkload {
	tb.Helper()
	httpBenchMu.Lock()
	defer httpBenchMu.Unlock()
	if w, ok := httpBenchCache[n]; ok {
		return w
	}
	ix, err := geo.NewIndex(&geo.Dataset{Incidents: synth.Incidents(n, httpBenchSeed)})
	if err != nil {
		tb.Fatal(err)
	}
	poly := synth.Q1Polygon(httpBenchSeed)
	q1, err := geo.PrepareRegion(poly)
	if err != nil {
		tb.Fatal(err)
	}
	geom, err := json.Marshal(map[string]any{"type": "Polygon", "coordinates": poly})
	if err != nil {
		tb.Fatal(err)
	}
	cat := &queryCatalog{ix: ix}
	w := &httpWorkload{
		h:    New(Config{}, cat, fstest.MapFS{}, slog.New(slog.NewTextHandler(io.Discard, nil))),
		snap: ix.Snapshot(), q1: q1, q1Geometry: string(geom),
	}
	// The first items request computes the collections' extents, once per
	// snapshot; make it here so no benchmark iteration pays for it.
	if rec := serve(w.h, http.MethodGet, "/api/collections/incidents/items?limit=1", "", ""); rec.Code != http.StatusOK {
		tb.Fatalf("warm-up: status %d: %s", rec.Code, rec.Body)
	}
	httpBenchCache[n] = w
	return w
}

// httpQuery is one benchmark query: its request, for a count (hits) or
// for GeoJSON (limit features), and the same query in-process.
type httpQuery struct {
	name string
	// request returns the method, target and JSON body ("" for none).
	request func(w *httpWorkload, hits bool, limit int) (method, target, body string)
	// inProcess is the query as geo runs it.
	inProcess func(w *httpWorkload) geo.IncidentQuery
}

// searchQ1 returns a POST /api/search for Q1's polygon, with extra
// members.
func searchQ1(w *httpWorkload, hits bool, limit int, extra string) (string, string, string) {
	body := fmt.Sprintf(`{"geometry":%s%s,"limit":%d`, w.q1Geometry, extra, limit)
	if hits {
		body += `,"resultType":"hits"`
	}
	return http.MethodPost, "/api/search", body + "}"
}

// itemsRequest returns a GET of incidents items with the given place.
func itemsRequest(place string, hits bool, limit int) (string, string, string) {
	target := fmt.Sprintf("/api/collections/incidents/items?%s&limit=%d", place, limit)
	if hits {
		target += "&resultType=hits"
	}
	return http.MethodGet, target, ""
}

var httpQueries = []httpQuery{
	{"Q1", func(w *httpWorkload, hits bool, limit int) (string, string, string) {
		return searchQ1(w, hits, limit, "")
	},
		func(w *httpWorkload) geo.IncidentQuery { return geo.IncidentQuery{Where: geo.InRegion(w.q1)} }},
	{"Q2", func(w *httpWorkload, hits bool, limit int) (string, string, string) {
		return itemsRequest(fmt.Sprintf("point=%g,%g&radius=55000", httpQ2Center[0], httpQ2Center[1]), hits, limit)
	}, func(w *httpWorkload) geo.IncidentQuery {
		return geo.IncidentQuery{Where: geo.InCircle(geo.Circle{Center: httpQ2Center, RadiusMeters: 55_000})}
	}},
	{"Q3", func(w *httpWorkload, hits bool, limit int) (string, string, string) {
		b := httpQ3Box
		return itemsRequest(fmt.Sprintf("bbox=%g,%g,%g,%g", b.Min[0], b.Min[1], b.Max[0], b.Max[1]), hits, limit)
	}, func(w *httpWorkload) geo.IncidentQuery { return geo.IncidentQuery{Where: geo.InBound(httpQ3Box)} }},
	{"Q5", func(w *httpWorkload, hits bool, limit int) (string, string, string) {
		return searchQ1(w, hits, limit, fmt.Sprintf(`,"datetime":"%s/%s"`, httpQ5Year.From, httpQ5Year.To))
	}, func(w *httpWorkload) geo.IncidentQuery {
		return geo.IncidentQuery{Where: geo.InRegion(w.q1), Window: &httpQ5Year}
	}},
}

// discardResponse is an http.ResponseWriter that counts and drops the body,
// so a benchmark measures the server and not a buffer's growth.
type discardResponse struct {
	header http.Header
	status int
	n      int64
}

// Header, WriteHeader and Write implement http.ResponseWriter; the first
// status written or implied is kept.
func (d *discardResponse) Header() http.Header { return d.header }
func (d *discardResponse) WriteHeader(code int) {
	if d.status == 0 {
		d.status = code
	}
}
func (d *discardResponse) Write(p []byte) (int, error) {
	if d.status == 0 {
		d.status = http.StatusOK
	}
	d.n += int64(len(p))
	return len(p), nil
}

// benchRequest makes the requests of a benchmark's iterations: each a
// clone of one request parsed up front, with a fresh body. That is what a
// handler is given by net/http, which parses a request from a buffer it
// reuses for the connection's next; httptest.NewRequest in the loop would
// add 1.9 µs and 5 KiB per request (a URL parse and a new 4 KiB reader)
// that serving does not spend. Reading requests from a connection is in
// the http-load figures.
type benchRequest struct {
	base *http.Request
	body string
}

// newBenchRequest parses the request of a benchmark.
func newBenchRequest(method, target, body string) benchRequest {
	r := httptest.NewRequest(method, target, nil)
	if body != "" {
		r.Header.Set("Content-Type", contentTypeJSON)
		r.ContentLength = int64(len(body))
	}
	return benchRequest{base: r, body: body}
}

// next returns a new request for one iteration. A request without a body
// has http.NoBody, as net/http gives a handler.
func (b benchRequest) next() *http.Request {
	r := b.base.Clone(context.Background())
	r.Body = http.NoBody
	if b.body != "" {
		r.Body = io.NopCloser(strings.NewReader(b.body))
	}
	return r
}

// httpBenchSizes are the workload sizes; 1M is skipped with -short.
var httpBenchSizes = []int{100_000, 1_000_000}

// BenchmarkHTTPCount sends each query with resultType=hits and reports its
// time against the same count in-process: as a ratio, and as the
// microseconds HTTP adds (issue 12's target: at most 50).
func BenchmarkHTTPCount(b *testing.B) {
	forHTTPSizes(b, func(b *testing.B, w *httpWorkload, q httpQuery) {
		req := newBenchRequest(q.request(w, true, defaultLimit))
		b.ReportAllocs()
		for b.Loop() {
			serveOK(b, w.h, req)
		}
		b.StopTimer()
		query := q.inProcess(w)
		rounds := paired(b, func() { serveOK(b, w.h, req) }, func() error { _, err := w.snap.CountIncidents(query); return err })
		b.ReportMetric(medianRound(rounds, pairRound.ratio), "x-in-process")
		b.ReportMetric(medianRound(rounds, func(r pairRound) float64 { return (r.serveNs - r.inProcessNs) / 1e3 }), "us-over-in-process")
	})
}

// httpQ4Point is Deir ez-Zor, [lon, lat]: geo's Q4 asks for the 10
// incidents nearest to it.
var httpQ4Point = orb.Point{40.14, 35.33}

// BenchmarkHTTPNearest10 is Q4 over HTTP: GET /api/nearest for the 10
// incidents nearest to httpQ4Point, as GeoJSON with their distances,
// against the same query in-process.
func BenchmarkHTTPNearest10(b *testing.B) {
	for _, n := range httpBenchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			if testing.Short() && n > 100_000 {
				b.Skip("1M incidents skipped in -short mode")
			}
			w := workloadHTTP(b, n)
			req := newBenchRequest(http.MethodGet, fmt.Sprintf("/api/nearest?point=%g,%g&k=10", httpQ4Point[0], httpQ4Point[1]), "")
			b.ReportAllocs()
			for b.Loop() {
				serveOK(b, w.h, req)
			}
			b.StopTimer()
			rounds := paired(b, func() { serveOK(b, w.h, req) }, func() error {
				_, err := w.snap.NearestIncidents(httpQ4Point, geo.IncidentQuery{Limit: 10})
				return err
			})
			b.ReportMetric(medianRound(rounds, pairRound.ratio), "x-in-process")
		})
	}
}

// BenchmarkHTTPGeoJSON sends each query for up to maxLimit (10,000)
// features, the most one response may carry, and reports the features
// streamed per second, query included.
func BenchmarkHTTPGeoJSON(b *testing.B) {
	forHTTPSizes(b, func(b *testing.B, w *httpWorkload, q httpQuery) {
		n, err := w.snap.CountIncidents(q.inProcess(w))
		if err != nil {
			b.Fatal(err)
		}
		features := min(n, maxLimit)
		req := newBenchRequest(q.request(w, false, maxLimit))
		b.ReportAllocs()
		var size int64
		for b.Loop() {
			rec := &discardResponse{header: http.Header{}}
			w.h.ServeHTTP(rec, req.next())
			if rec.status != http.StatusOK {
				b.Fatalf("status %d", rec.status)
			}
			size = rec.n
		}
		b.StopTimer()
		reportFeatureRate(b, features)
		b.ReportMetric(float64(size), "B/response")
		// What serving adds to the query: the request's time less the same
		// page computed in-process, per feature.
		page := q.inProcess(w)
		page.Limit = maxLimit
		rounds := paired(b, func() { serveOK(b, w.h, req) }, func() error { _, err := w.snap.Incidents(page); return err })
		b.ReportMetric(medianRound(rounds, func(r pairRound) float64 { return (r.serveNs - r.inProcessNs) / float64(features) }), "serve-ns/feature")
	})
}

// BenchmarkHTTPStream100k streams 100,000 incidents over HTTP as ten pages
// of 10,000 (the maximum limit), following offsets through every incident
// of a box holding more than 100,000, and reports features per second.
func BenchmarkHTTPStream100k(b *testing.B) {
	if testing.Short() {
		b.Skip("1M incidents skipped in -short mode")
	}
	w := workloadHTTP(b, 1_000_000)
	box := synth.Box()
	var pages []benchRequest
	for off := 0; off < 100_000; off += maxLimit {
		target := fmt.Sprintf("/api/collections/incidents/items?bbox=%g,%g,%g,%g&limit=%d&offset=%d", box.Min[0], box.Min[1], box.Max[0], box.Max[1], maxLimit, off)
		pages = append(pages, newBenchRequest(http.MethodGet, target, ""))
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, req := range pages {
			rec := &discardResponse{header: http.Header{}}
			w.h.ServeHTTP(rec, req.next())
			if rec.status != http.StatusOK {
				b.Fatalf("status %d", rec.status)
			}
		}
	}
	reportFeatureRate(b, 100_000)
}

// reportFeatureRate reports features/s and ns/feature for features per
// operation.
func reportFeatureRate(b *testing.B, features int) {
	perOp := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(features)/perOp, "features/s")
	b.ReportMetric(perOp*1e9/float64(features), "ns/feature")
}

// forHTTPSizes runs fn for each query at each size, as sub-benchmarks
// named QUERY/n=SIZE.
func forHTTPSizes(b *testing.B, fn func(b *testing.B, w *httpWorkload, q httpQuery)) {
	for _, q := range httpQueries {
		for _, n := range httpBenchSizes {
			b.Run(fmt.Sprintf("%s/n=%d", q.name, n), func(b *testing.B) {
				if testing.Short() && n > 100_000 {
					b.Skip("1M incidents skipped in -short mode")
				}
				fn(b, workloadHTTP(b, n), q)
			})
		}
	}
}

// serveOK serves one request of req with h to a discarding writer and
// fails b unless the answer is 200.
func serveOK(b *testing.B, h http.Handler, req benchRequest) {
	rec := &discardResponse{header: http.Header{}}
	h.ServeHTTP(rec, req.next())
	if rec.status != http.StatusOK {
		b.Fatalf("status %d", rec.status)
	}
}

// Paired timing: pairRounds rounds, each a block of at least pairBlock of
// the HTTP request then one of the in-process query.
const (
	pairRounds = 31
	pairBlock  = 15 * time.Millisecond
)

// pairRound is one round of paired: the mean time in nanoseconds of a call
// of serve and of inProcess.
type pairRound struct{ serveNs, inProcessNs float64 }

// paired times serve and inProcess in alternating blocks, so that both
// meet the same machine, and returns each round's means. On a shared VM
// the speed drifts from one second to the next by more than the
// differences measured: one figure taken after the other made the same
// code pass and fail a 2x target in successive runs, and a mean over all
// rounds still moved with a slow second. A figure is therefore the median
// over rounds (medianRound) of what each round's pair, 30 ms apart, says.
// Each in-process block is a hot loop, as geo's benchmarks time a query.
func paired(b *testing.B, serve func(), inProcess func() error) []pairRound {
	rounds := make([]pairRound, pairRounds)
	for i := range rounds {
		start := time.Now()
		n := 0
		for ; n < 5 || time.Since(start) < pairBlock; n++ {
			serve()
		}
		rounds[i].serveNs = float64(time.Since(start)) / float64(n)
		start = time.Now()
		for n = 0; n < 5 || time.Since(start) < pairBlock; n++ {
			if err := inProcess(); err != nil {
				b.Fatal(err)
			}
		}
		rounds[i].inProcessNs = float64(time.Since(start)) / float64(n)
	}
	return rounds
}

// medianRound is the median over rounds of f of a round.
func medianRound(rounds []pairRound, f func(pairRound) float64) float64 {
	v := make([]float64, len(rounds))
	for i, r := range rounds {
		v[i] = f(r)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// ratio is a round's request time over its in-process time.
func (r pairRound) ratio() float64 { return r.serveNs / r.inProcessNs }

// TestHTTPBenchQueries is the correctness test of the HTTP benchmarks, on
// the same workload at 10k incidents: each count request answers the
// index's count, and each GeoJSON request streams min(count, 10,000)
// features, the first ones of the index's order.
func TestHTTPBenchQueries(t *testing.T) {
	w := workloadHTTP(t, 10_000)
	for _, q := range httpQueries {
		t.Run(q.name, func(t *testing.T) {
			want, err := w.snap.Incidents(q.inProcess(w))
			if err != nil {
				t.Fatal(err)
			}
			if want.Matched == 0 {
				t.Fatal("the query matches nothing; the benchmark would measure nothing")
			}
			for _, hits := range []bool{true, false} {
				rec := httptest.NewRecorder()
				w.h.ServeHTTP(rec, newBenchRequest(q.request(w, hits, maxLimit)).next())
				if rec.Code != http.StatusOK {
					t.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
				var fc struct {
					NumberMatched, NumberReturned int
					Features                      []struct{ ID geo.IncidentID }
				}
				if err := json.NewDecoder(bytes.NewReader(rec.Body.Bytes())).Decode(&fc); err != nil {
					t.Fatal(err)
				}
				wantN := min(want.Matched, maxLimit)
				if hits {
					wantN = 0
				}
				if fc.NumberMatched != want.Matched || fc.NumberReturned != wantN || len(fc.Features) != wantN {
					t.Errorf("hits=%v: numberMatched %d, numberReturned %d, %d features; want %d, %d", hits, fc.NumberMatched, fc.NumberReturned, len(fc.Features), want.Matched, wantN)
				}
				for i, f := range fc.Features {
					if f.ID != want.Incidents[i].ID {
						t.Fatalf("feature %d is %s, want %s", i, f.ID, want.Incidents[i].ID)
					}
				}
			}
		})
	}
}
