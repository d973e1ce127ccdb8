package server

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/frontline-maps/frontline/catalog"
	"github.com/go-chi/httprate"
)

// Authenticator checks API tokens. Implementations must be safe for
// concurrent use.
type Authenticator interface {
	// Authenticate returns the name and role of the valid token whose
	// secret this is, or an error wrapping ErrUnauthorized for an unknown
	// or revoked one.
	Authenticate(ctx context.Context, secret string) (name string, role catalog.Role, err error)
}

// Defaults of the rate limits, per client IP address and minute.
const (
	defaultWritesPerMinute       = 300
	defaultAuthFailuresPerMinute = 10
)

// The Content-Security-Policy of the web map, and of every other response.
// The page has no inline scripts, event handlers or style attributes
// (Leaflet positions its elements through the CSSOM, which style-src does
// not govern), so scripts and styles come from the server only; the
// optional online layer loads tiles from tile.openstreetmap.org
// (docs/web.md). The browser tests fail on any violation.
const (
	cspPage = "default-src 'self'; script-src 'self'; style-src 'self'; " +
		"img-src 'self' data: blob: https://tile.openstreetmap.org; connect-src 'self'; " +
		"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	cspAPI = "default-src 'none'; frame-ancestors 'none'"
)

// forbiddenError answers a valid token whose role is below the one needed
// (403).
type forbiddenError struct {
	name      string
	has, need catalog.Role
}

// Error says which role is needed.
func (e *forbiddenError) Error() string {
	return "this needs the " + string(e.need) + " role; the token " + quote(e.name) + " has " + string(e.has)
}

// principal is the token a request was authenticated with.
type principal struct {
	name string
	role catalog.Role
}

// principalKey is the request context key of the request's *principal.
type principalKey struct{}

// author returns the name of the token r was authenticated with, which the
// store records as the author of a write; "" when there was none.
func author(r *http.Request) string {
	if p, ok := r.Context().Value(principalKey{}).(*principal); ok {
		return p.name
	}
	return ""
}

// limiters are the per-client rate limits of the server.
type limiters struct {
	writes, failures *httprate.RateLimiter
}

// newLimiters returns the rate limits of cfg: a negative limit is none, zero
// the default.
func newLimiters(cfg Config) limiters {
	var l limiters
	opts := []httprate.Option{httprate.WithResponseHeaders(httprate.ResponseHeaders{})}
	if n := cmpDefault(cfg.WritesPerMinute, defaultWritesPerMinute); n > 0 {
		l.writes = httprate.NewRateLimiter(n, time.Minute, opts...)
	}
	if n := cmpDefault(cfg.AuthFailuresPerMinute, defaultAuthFailuresPerMinute); n > 0 {
		l.failures = httprate.NewRateLimiter(n, time.Minute, opts...)
	}
	return l
}

// cmpDefault returns def for 0 and v otherwise.
func cmpDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// clientIP is the key of r's client in the rate limits: the IP address
// of r's peer, or, when the peer is one of Config.TrustedProxies, the
// address that proxy says it forwarded for: the right-most address of
// X-Forwarded-For that is not itself a trusted proxy (each proxy appends
// its peer, so the entries to its left are the client's to forge). With no
// trusted proxies the header is ignored, so no client can pick its key.
func (s *Server) clientIP(r *http.Request) string {
	peer := peerAddr(r.RemoteAddr)
	if !anyContains(s.cfg.TrustedProxies, peer) {
		return httprate.CanonicalizeIP(peer.String())
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		list := strings.Split(hops[i], ",")
		for j := len(list) - 1; j >= 0; j-- {
			addr, err := netip.ParseAddr(strings.TrimSpace(list[j]))
			if err != nil {
				return httprate.CanonicalizeIP(peer.String()) // a malformed chain: key by the proxy
			}
			if addr = addr.Unmap(); !anyContains(s.cfg.TrustedProxies, addr) {
				return httprate.CanonicalizeIP(addr.String())
			}
		}
	}
	return httprate.CanonicalizeIP(peer.String())
}

// peerAddr parses a net/http RemoteAddr, "ip:port"; the zero Addr when it
// is not one.
func peerAddr(remote string) netip.Addr {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		a, _ := netip.ParseAddr(remote)
		return a.Unmap()
	}
	return ap.Addr().Unmap()
}

// anyContains reports whether one of prefixes contains addr.
func anyContains(prefixes []netip.Prefix, addr netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// guard enforces an operation's access rule before its handler runs. need
// is the role the operation needs; "" is a read, public unless
// Config.PrivateRead, which needs a viewer token. A write (need not "")
// answers errReadOnly when there is no Editor and counts towards the
// client's write limit. A token, when given, must be valid even on a
// public read. The token's principal, if any, goes into the request's
// context.
func (s *Server) guard(need catalog.Role) func(http.Handler) http.Handler {
	return s.guardRead(need, s.cfg.PrivateRead)
}

// guardOp is guard for op: an Open operation needs no token even with
// Config.PrivateRead.
func (s *Server) guardOp(op operation) func(http.Handler) http.Handler {
	return s.guardRead(op.Auth, s.cfg.PrivateRead && !op.Open)
}

// guardRead is guard with reads private or not.
func (s *Server) guardRead(need catalog.Role, private bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := s.admit(w, r, need); err != nil {
				s.writeError(w, r, err)
				return
			}
			p, err := s.authenticate(w, r)
			if err == nil {
				err = authorize(p, need, private)
			}
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			if s.readsPublished(p) {
				s.usePublished(r)
			}
			if p != nil {
				// A request without a token has no principal; leaving the
				// context alone spares a copy of the request on every
				// public read.
				r = r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
			}
			next.ServeHTTP(w, r)
		})
	}
}

// admit turns a write away from a read-only server or a client over its
// write limit.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, need catalog.Role) error {
	switch {
	case need == "":
		return nil
	case s.cfg.Editor == nil:
		w.Header().Set("Allow", "GET, HEAD")
		return errReadOnly
	case r.Method != http.MethodGet && r.Method != http.MethodHead && s.limits.writes != nil && s.limits.writes.OnLimit(w, r, s.clientIP(r)):
		// Reads that need a token (the audit log, an export, a watch's
		// events) are not writes.
		return errTooMany
	}
	return nil
}

// authenticate returns the principal of r's bearer token, nil when r has
// none, ErrUnauthorized for a malformed, unknown or revoked token, and
// errTooMany for one while its client is over its limit of failed
// attempts. A valid token is always accepted: failures count against a
// client, and behind a proxy many users may share one address, so one of
// them guessing must not lock the others out. (Tokens are 256-bit random
// secrets; the limit is there to make guessing cost, not to hide a hit.)
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*principal, error) {
	header := r.Header.Get("Authorization")
	if header == "" {
		return nil, nil
	}
	scheme, secret, _ := strings.Cut(header, " ")
	var err error = ErrUnauthorized
	p := &principal{}
	if strings.EqualFold(scheme, "Bearer") && secret != "" && s.cfg.Tokens != nil {
		p.name, p.role, err = s.cfg.Tokens.Authenticate(r.Context(), strings.TrimSpace(secret))
	}
	if errors.Is(err, ErrUnauthorized) && s.limits.failures != nil && s.limits.failures.OnLimit(w, r, s.clientIP(r)) {
		return nil, errTooMany
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// history is op, a read of the edit history, with the viewer role it
// needs unless Config.PublicHistory.
func (s *Server) history(op operation) operation {
	if !s.cfg.PublicHistory && op.Auth == "" {
		op.Auth = catalog.RoleViewer
	}
	return op
}

// authorizeHistory checks that r may read the edit history (as_of
// date-times): with a viewer token, unless Config.PublicHistory.
func (s *Server) authorizeHistory(r *http.Request) error {
	if s.cfg.PublicHistory {
		return nil
	}
	p, _ := r.Context().Value(principalKey{}).(*principal)
	return authorize(p, catalog.RoleViewer, true)
}

// authorize checks that p may do what needs role need: a read needs
// nothing unless private, when it needs a viewer.
func authorize(p *principal, need catalog.Role, privateRead bool) error {
	if need == "" && privateRead {
		need = catalog.RoleViewer
	}
	switch {
	case need == "":
		return nil
	case p == nil:
		return ErrUnauthorized
	case !p.role.Allows(need):
		return &forbiddenError{name: p.name, has: p.role, need: need}
	}
	return nil
}

// retryAfter is the Retry-After of a 429, in seconds: the limits' window.
const retryAfter = "60"
