package server

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/frontline-maps/frontline/geo"
)

// headerRequestID names the request id header: read from a request (a
// proxy's id is kept), written on every response.
const headerRequestID = "X-Request-Id"

// exchange is one request and its response as the outermost middleware,
// serveExchange, keeps them: the request id, the snapshot the request
// answers from, the status and size written, and the ETag conditional
// chose. It is the http.ResponseWriter every later handler writes through
// (wrapping the connection's), and the one value the request's context
// carries, so the per-request bookkeeping of every route costs one
// allocation and one context.
type exchange struct {
	http.ResponseWriter
	start time.Time
	id    string
	// snap is the catalog's snapshot when the request arrived, nil while
	// the catalog loads.
	snap *geo.Snapshot
	// published marks a read of the published view (publication.go),
	// whose snapshot snap then is, at generation.
	published  bool
	generation uint64
	// route is the route that matched, as routeNamed set it; nil when
	// none did.
	route *matchedRoute
	// base is baseURL's answer, once asked for.
	base string
	// etag is the strong ETag conditional computed, written on a 200 that
	// set none of its own; "" for none.
	etag   string
	status int   // the status written, 0 before the header
	bytes  int64 // body bytes written
	// values back the one-element value slices of the headers the exchange
	// sets: X-Request-Id, X-Dataset-Version and ETag.
	values [3]string
}

// exchangeKey is the request context key of the request's *exchange.
type exchangeKey struct{}

// exchangeOf returns the exchange serveExchange made for r, or nil for a
// request that did not come through it.
func exchangeOf(r *http.Request) *exchange {
	x, _ := r.Context().Value(exchangeKey{}).(*exchange)
	return x
}

// requestID returns the id of r, "" for a request that did not come
// through serveExchange.
func requestID(r *http.Request) string {
	if x := exchangeOf(r); x != nil {
		return x.id
	}
	return ""
}

// Shared header values, never modified: net/http only reads a header's
// values, and Header.Add to a key holding one of these full slices copies
// it before appending.
var (
	valueCSPAPI   = []string{cspAPI}[:1:1]
	valueCSPPage  = []string{cspPage}[:1:1]
	valueNosniff  = []string{"nosniff"}[:1:1]
	valueReferrer = []string{"strict-origin-when-cross-origin"}[:1:1]
	valueDeny     = []string{"DENY"}[:1:1]
	valueNoCache  = []string{"no-cache"}[:1:1]
)

// serveExchange is the outermost middleware. Before the request is routed
// it gives the request its id (X-Request-Id), takes the catalog's current
// snapshot (X-Dataset-Version) and sets the security headers: nosniff and
// a Content-Security-Policy, the API's allowing nothing to load and no
// framing. The web map's pages also get no referrer to other origins and
// X-Frame-Options: DENY. API documents load nothing and cannot be framed,
// so those two, which act on HTML (OWASP's REST Security Cheat Sheet),
// would only lengthen every response; eight headers also keep an API
// response's header map to one group, which a ninth would grow. It turns
// a panic in a handler into a logged 500 problem, so one bad request never
// takes the server down. After the response it records the request in the
// metrics and writes one structured log line (logRequest).
func (s *Server) serveExchange(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := &exchange{ResponseWriter: w, start: time.Now(), id: s.ids.of(r), snap: s.catalog.Snapshot()}
		h := w.Header()
		x.values[0] = x.id
		h[headerRequestID] = x.values[0:1:1]
		if x.snap != nil {
			x.values[1] = s.datasetVersion(x.snap)
			h[headerDatasetVersion] = x.values[1:2:2]
		}
		h["X-Content-Type-Options"] = valueNosniff
		if r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/api/") {
			h["Content-Security-Policy"] = valueCSPAPI
		} else {
			h["Content-Security-Policy"] = valueCSPPage
			h["Referrer-Policy"] = valueReferrer
			h["X-Frame-Options"] = valueDeny
		}
		r = r.WithContext(context.WithValue(r.Context(), exchangeKey{}, x))
		s.serveRecovering(next, x, r)
		elapsed := time.Since(x.start)
		status := x.status
		if status == 0 {
			status = http.StatusOK // net/http's answer to a handler that wrote nothing
		}
		var series *routeSeries
		if x.route != nil {
			series = x.route.series
		}
		s.metrics.observe(series, r.Method, status, elapsed)
		s.logRequest(r, x, status, elapsed)
	})
}

// logRequest writes the request's log line at Info: route pattern
// ("" when none matched), method, path, query, status, body bytes,
// duration in milliseconds and request id. The record goes to the
// handler directly, with typed attributes and no source position:
// Logger.LogAttrs would also walk the stack for the caller's program
// counter, which an access log line has no use for.
func (s *Server) logRequest(r *http.Request, x *exchange, status int, elapsed time.Duration) {
	h := s.log.Handler()
	if x.route != nil {
		h = x.route.log
	}
	if !h.Enabled(r.Context(), slog.LevelInfo) {
		return
	}
	rec := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
	if x.route == nil {
		rec.AddAttrs(slog.String("route", ""))
	}
	rec.AddAttrs(slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.String("query", r.URL.RawQuery), slog.Int("status", status), slog.Int64("bytes", x.bytes),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
		slog.String("request_id", x.id))
	_ = h.Handle(r.Context(), rec) // a log that cannot be written cannot report it either
}

// matchedRoute is a route as the exchange records its requests, resolved
// when the route is registered: its metric series, and the server's log
// handler with the route attribute already formatted, as a line's first.
type matchedRoute struct {
	series *routeSeries
	log    slog.Handler
}

// routeNamed is the first inline middleware of the route pattern for
// method: it gives the request's exchange the route, the "route" of its
// log line and metrics. (chi's RouteContext.RoutePattern would join the
// pattern anew at every request.)
func (s *Server) routeNamed(method, pattern string) func(http.Handler) http.Handler {
	rt := &matchedRoute{
		series: s.metrics.route(method, pattern),
		log:    s.log.Handler().WithAttrs([]slog.Attr{slog.String("route", pattern)}),
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if x := exchangeOf(r); x != nil {
				x.route = rt
			}
			next.ServeHTTP(w, r)
		})
	}
}

// serveRecovering serves r with next, answering a panic other than
// http.ErrAbortHandler (which net/http uses to abort a response on purpose)
// with a 500 problem.
func (s *Server) serveRecovering(next http.Handler, x *exchange, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.writeError(x, r, fmt.Errorf("panic: %v", v))
		}
	}()
	next.ServeHTTP(x, r)
}

// WriteHeader records the status and writes the header. On a 200 or a 304
// it first sets the ETag conditional chose, unless the handler set its own
// (a feature's version), and Cache-Control: no-cache, so clients revalidate
// with If-None-Match (RFC 9110 §15.4.5: a 304 carries the ETag and
// Cache-Control a 200 would); an answer the handler marked no-store gets
// neither. Informational (1xx) headers, and a second call, pass through
// unrecorded.
func (x *exchange) WriteHeader(code int) {
	if code >= 100 && code < 200 {
		x.ResponseWriter.WriteHeader(code)
		return
	}
	if x.status != 0 {
		x.ResponseWriter.WriteHeader(code) // a handler's mistake, which net/http logs
		return
	}
	x.status = code
	if (code == http.StatusOK || code == http.StatusNotModified) && x.etag != "" && !noStore(x.Header()) {
		h := x.Header()
		if _, ok := h["Etag"]; !ok {
			x.values[2] = x.etag
			h["Etag"] = x.values[2:3:3]
		}
		h["Cache-Control"] = valueNoCache
	}
	x.ResponseWriter.WriteHeader(code)
}

// noStore reports whether a handler marked its answer Cache-Control:
// no-store (one that must not be kept, such as who a token is): it gets no
// ETag to revalidate.
func noStore(h http.Header) bool {
	cc := h["Cache-Control"]
	return len(cc) == 1 && cc[0] == "no-store"
}

// Write writes the 200 header first if none was written, and counts the
// bytes.
func (x *exchange) Write(b []byte) (int, error) {
	if x.status == 0 {
		x.WriteHeader(http.StatusOK)
	}
	n, err := x.ResponseWriter.Write(b)
	x.bytes += int64(n)
	return n, err
}

// Flush writes the 200 header if none was written and flushes the
// connection, so streamed features reach the client.
func (x *exchange) Flush() {
	if x.status == 0 {
		x.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(x.ResponseWriter).Flush()
}

// Unwrap returns the connection's writer, for http.ResponseController.
func (x *exchange) Unwrap() http.ResponseWriter { return x.ResponseWriter }

// requestIDs gives requests their ids.
type requestIDs struct {
	// prefix is unique to the process: the host name and ten random
	// characters, as chi's middleware.RequestID makes it.
	prefix string
	n      atomic.Uint64
}

// newRequestIDs returns a requestIDs with a fresh prefix.
func newRequestIDs() *requestIDs {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return &requestIDs{prefix: host + "/" + rand.Text()[:10]}
}

// maxClientRequestID is the longest X-Request-Id kept from a request.
const maxClientRequestID = 128

// of returns r's id: the request's X-Request-Id when a proxy set one (at
// most maxClientRequestID printable ASCII characters, no spaces, so it is
// safe in logs and headers), and otherwise the next "PREFIX-NNNNNN".
func (g *requestIDs) of(r *http.Request) string {
	if v := r.Header.Get(headerRequestID); v != "" && len(v) <= maxClientRequestID && printableToken(v) {
		return v
	}
	var b [96]byte
	buf := append(append(b[:0], g.prefix...), '-')
	n := g.n.Add(1)
	for p := uint64(100000); p > 1 && n < p; p /= 10 {
		buf = append(buf, '0') // zero-padded to six digits, as chi's
	}
	return string(strconv.AppendUint(buf, n, 10))
}

// printableToken reports whether s is only printable ASCII other than the
// space.
func printableToken(s string) bool {
	for i := range len(s) {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
