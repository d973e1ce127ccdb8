package server

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"

	"github.com/frontline-maps/frontline/geo"
)

// headerDatasetVersion names the response header that carries the dataset
// version: the catalog's DatasetID, a dot, and the snapshot's Version.
const headerDatasetVersion = "X-Dataset-Version"

// datasetVersion is the version of the data snap answers from, as the
// X-Dataset-Version header and collection documents write it. The string of
// the latest snapshot asked for is kept, so the requests of one version
// share it.
func (s *Server) datasetVersion(snap *geo.Snapshot) string {
	if v := s.version.Load(); v != nil && v.snap == snap {
		return v.s
	}
	v := &snapshotVersion{snap: snap, s: s.catalog.DatasetID() + "." + strconv.FormatUint(snap.Version(), 10)}
	s.version.Store(v)
	return v.s
}

// snapshotVersion is a snapshot and its datasetVersion.
type snapshotVersion struct {
	snap *geo.Snapshot
	s    string
}

// snapshot returns the snapshot serveExchange took for r, so that every
// part of one response (a page and its numberMatched, the header and the
// body) answers from one version. It is nil before the catalog has loaded,
// which requireReady keeps from API handlers.
func (s *Server) snapshot(r *http.Request) *geo.Snapshot {
	if x := exchangeOf(r); x != nil {
		return x.snap
	}
	return nil
}

// requireReady answers 503 problem+json, with Retry-After, to requests that
// arrive before the catalog has loaded.
func (s *Server) requireReady(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.snapshot(r) == nil {
			w.Header().Set("Retry-After", "5")
			s.writeError(w, r, errNotReady)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// conditional gives GET and HEAD responses a strong ETag and answers a
// matching If-None-Match with 304 Not Modified before the handler runs.
//
// The same URL on the same dataset version gives the same bytes, so the
// ETag is a hash of the dataset version, the public base URL (links in the
// body are absolute), the request URI and the content coding negotiated by
// negotiateEncoding (a gzip body is a different representation). Only 200
// responses carry it: an error response has no ETag, so a client can never
// hold one that matches a request whose answer was an error.
func (s *Server) conditional(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		snap := s.snapshot(r)
		if snap == nil || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			next.ServeHTTP(w, r)
			return
		}
		etag := s.etag(r, snap)
		if x := exchangeOf(r); x != nil {
			x.etag = etag // written by exchange.WriteHeader on a 200 or 304
		}
		if etagMatches(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// etag is the strong entity tag of the response to r on snap: the first 12
// bytes of the SHA-256 of its parts, each followed by a zero byte, in hex.
// The parts are hashed from one buffer on the stack, so a usual URL costs
// the tag's string and no other allocation.
func (s *Server) etag(r *http.Request, snap *geo.Snapshot) string {
	// The dataset version is appended as datasetVersion writes it, without
	// building its string.
	b := make([]byte, 0, 512)
	b = append(append(b, s.catalog.DatasetID()...), '.')
	b = append(strconv.AppendUint(b, snap.Version(), 10), 0)
	if x := exchangeOf(r); x != nil && x.published {
		// The published view changes at one dataset version as
		// embargoes end: its generation, in this process, tells.
		b = append(append(b, "published."+instanceID+"."...), 0)
		b = append(strconv.AppendUint(b, x.generation, 10), 0)
	}
	// The request-target as the client sent it: the same target gives the
	// same bytes. The token too: an answer may be the caller's own (their
	// watches), and a browser shared by two signed-in users must not
	// revalidate one's cached answer with the other's token.
	for _, part := range [...]string{s.baseURL(r), requestTarget(r), r.Header.Get("Accept-Encoding"), r.Header.Get("Authorization")} {
		b = append(append(b, part...), 0)
	}
	sum := sha256.Sum256(b)
	var tag [2 + 2*12]byte
	tag[0], tag[len(tag)-1] = '"', '"'
	hex.Encode(tag[1:len(tag)-1], sum[:12])
	return string(tag[:])
}

// etagMatches reports whether the If-None-Match header value header lists
// etag or is "*". Weak comparison, as RFC 9110 §13.1.2 asks for
// If-None-Match: a W/ prefix is ignored.
func etagMatches(header, etag string) bool {
	for tag := range strings.SplitSeq(header, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == "*" || tag == etag {
			return true
		}
	}
	return false
}
