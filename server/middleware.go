package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/cors"
)

// compressibleTypes are the media types negotiateEncoding's compressor
// gzips: every document the server writes, but not images or fonts.
var compressibleTypes = []string{
	contentTypeJSON, contentTypeGeoJSON, contentTypeProblem, "application/vnd.oai.openapi+json",
	"text/html", "text/css", "text/javascript", "application/javascript", "text/plain", "image/svg+xml",
}

// gzipLevel trades CPU for size: level 5 is close to level 9's size on
// GeoJSON at about half its cost.
const gzipLevel = 5

// cors lets browsers on other origins read responses: every origin unless
// Config.CORSOrigins restricts them. It answers preflight requests itself
// and exposes the headers a client needs to reproduce a response.
func (s *Server) cors() func(http.Handler) http.Handler {
	origins := s.cfg.CORSOrigins
	if len(origins) == 0 {
		origins = []string{"*"}
	}
	return cors.Handler(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
		AllowedHeaders: []string{"Accept", "Accept-Encoding", "Authorization", "Content-Type", "If-Match", "If-None-Match"},
		ExposedHeaders: []string{"ETag", "Location", "Retry-After", headerDatasetVersion, headerRequestID, headerView},
		MaxAge:         600,
	})
}

// valueGzip is the Accept-Encoding negotiateEncoding hands on, shared and
// never modified.
var valueGzip = []string{"gzip"}[:1:1]

// negotiateEncoding decides once whether the response is gzipped and hands
// the decision on as the request's Accept-Encoding: "gzip" or absent. The
// compressor then sees a plain answer, and the ETag (a hash that includes
// Accept-Encoding) differs exactly when the bytes may. RFC 9110 §12.5.3:
// gzip (or x-gzip, or *) with a q-value above 0. A response that will not
// be gzipped says Vary: Accept-Encoding here; the compressor says it on the
// ones it gzips.
func negotiateEncoding(next http.Handler) http.Handler {
	compress := middleware.NewCompressor(gzipLevel, compressibleTypes...)
	compressed := compress.Handler(next)
	// The header names are canonical, so the maps are used directly:
	// Header's methods would canonicalize them at every request.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if acceptsGzip(r.Header["Accept-Encoding"]) {
			r.Header["Accept-Encoding"] = valueGzip
			compressed.ServeHTTP(w, r)
			return
		}
		delete(r.Header, "Accept-Encoding")
		h := w.Header()
		h["Vary"] = append(h["Vary"], "Accept-Encoding")
		next.ServeHTTP(w, r)
	})
}

// acceptsGzip reports whether the Accept-Encoding header values accept
// gzip: listed as gzip, x-gzip or * with a q-value above zero, and not
// refused by name with q=0.
func acceptsGzip(values []string) bool {
	gzip, star := -1.0, -1.0
	for _, v := range values {
		for item := range strings.SplitSeq(v, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(item), ";")
			q := 1.0
			if k, val, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
					q = f
				}
			}
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "gzip", "x-gzip":
				gzip = q
			case "*":
				star = q
			}
		}
	}
	if gzip >= 0 {
		return gzip > 0
	}
	return star > 0
}

// limitBody answers 413 to a request whose declared Content-Length is over
// Config.MaxBodyBytes (Config.MaxImportBytes for /api/import), and cuts
// any other body at that size so a handler's read fails with
// *http.MaxBytesError, which writeError also answers 413. It also gives
// the body a deadline, Config.BodyTimeout (Config.ImportBodyTimeout for
// /api/import): a read past it fails with os.ErrDeadlineExceeded, which
// writeError answers 408, so a client that trickles its body holds a
// connection for that long at most.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, timeout := s.cfg.MaxBodyBytes, s.cfg.BodyTimeout
		if r.URL.Path == "/api/import" {
			limit, timeout = s.cfg.MaxImportBytes, s.cfg.ImportBodyTimeout
		}
		if r.ContentLength > limit {
			s.writeError(w, r, &http.MaxBytesError{Limit: limit})
			return
		}
		if r.Body != http.NoBody {
			// Not every ResponseWriter has deadlines (httptest's recorder
			// has not); the size limit holds either way. Once the body
			// has arrived whole, net/http lifts the deadline itself.
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(timeout))
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}
