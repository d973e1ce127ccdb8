// Package server is Frontline's HTTP layer: the routes, thin handlers that
// parse, ask the catalog and respond, application/problem+json errors, and
// the static web map. It declares the small interfaces it consumes and never
// touches storage directly.
package server

import (
	"cmp"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/frontline-maps/frontline/geo"
)

// Catalog is what the HTTP layer reads. Implementations must be safe for
// concurrent use; the records they return are shared and must not be
// modified.
type Catalog interface {
	// Snapshot returns the current immutable view of zones, incidents and
	// sites. One request uses one snapshot, so its parts agree. It returns
	// nil while the catalog is still loading: /readyz then answers 503, and
	// so does every API route.
	Snapshot() *geo.Snapshot
	// Actors returns every actor, ordered by ID.
	Actors() []geo.Actor
	// Governorates returns the governorate boundaries, ordered by ID.
	Governorates() []geo.Boundary
	// Statistics returns the cited aggregate statistics, ordered by ID.
	Statistics() []geo.Statistic
	// DatasetID identifies the content the catalog was loaded from (a
	// hash). With a snapshot's Version it forms the dataset version that
	// every response carries, so a URL can be reproduced.
	DatasetID() string
}

// Config holds the HTTP layer's settings. The zero value is usable.
type Config struct {
	// Version is the build version reported by /healthz and the OpenAPI
	// document.
	Version string
	// BaseURL is the public absolute URL of the server's root, such as
	// https://maps.example.org/frontline, used for the links in documents
	// (next pages, self). Empty uses the scheme and Host of each request;
	// set it behind a reverse proxy.
	BaseURL string
	// CORSOrigins are the origins browsers may read responses from;
	// empty is every origin ("*"), as reads are public.
	CORSOrigins []string
	// MaxBodyBytes bounds request bodies; a larger one is a 413. Zero is
	// defaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxImportBytes bounds the body of POST /api/import instead; zero is
	// defaultMaxImportBytes.
	MaxImportBytes int64
	// BodyTimeout bounds how long a request body may take to arrive once
	// its headers have (408 past it); zero is defaultBodyTimeout.
	BodyTimeout time.Duration
	// ImportBodyTimeout bounds the body of POST /api/import instead; zero
	// is defaultImportBodyTimeout.
	ImportBodyTimeout time.Duration
	// Editor is the writable store behind the write, import, history,
	// audit and GeoPackage export routes. Nil serves read-only: writes
	// answer 405, as_of date-times and format=gpkg a 400.
	Editor Editor
	// Tokens checks the API tokens of Authorization: Bearer; nil knows no
	// token, so every token is refused.
	Tokens Authenticator
	// Sync reports how the instance follows its store (other instances'
	// writes), for /readyz and /metrics; nil for a dataset without a store.
	Sync Syncer
	// PrivateRead requires a viewer token for every API read; the zero
	// value serves reads to anyone. Writes always need an editor token.
	PrivateRead bool
	// PublicHistory serves the edit history (as_of date-times and
	// /versions) to anyone who may read; the zero value needs a viewer
	// token for it even when other reads are public, since a past state
	// costs the server work to build and shows what editors withdrew.
	PublicHistory bool
	// WritesPerMinute bounds the writes of one client IP address per
	// minute (429 beyond); zero is 300, negative is no limit.
	WritesPerMinute int
	// AuthFailuresPerMinute bounds the failed token checks of one client
	// IP address per minute, after which its bad tokens are answered 429
	// until the rate drops (a valid token is always accepted); zero is 10,
	// negative is no limit.
	AuthFailuresPerMinute int
	// SeparateMetrics leaves /metrics out of the handler, for Server.Metrics
	// to serve on a listener of its own (an operator's network); the zero
	// value serves it at /metrics, to anyone unless PrivateRead.
	SeparateMetrics bool
	// MaxStreams bounds the change streams (GET /api/changes/stream) open
	// at once (503 beyond); zero is 2,000.
	MaxStreams int
	// Publication is the published view that readers without the editor
	// role read; nil serves every reader the dataset as stored.
	Publication Publication
	// Watches keeps the watches of the watch routes; nil answers them 400
	// (no store).
	Watches Watches
	// Webhooks reports the webhook dispatcher's attempts on /metrics; nil
	// reports none.
	Webhooks Webhooks
	// WebhookAllow lists the networks a webhook URL may name by address
	// although the webhook policy refuses them (webhook.Allowed), as the
	// dispatcher's own allow-list; a watch naming another such address is
	// refused at creation.
	WebhookAllow []netip.Prefix
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client of a request they forward, for the per-client limits;
	// empty trusts none, so the limits key on the peer's address.
	TrustedProxies []netip.Prefix
}

// Default bounds on request bodies: 4 MiB within 30 s, and for an import
// 256 MiB within 5 minutes (7 Mbit/s).
const (
	defaultMaxBodyBytes      = 4 << 20
	defaultMaxImportBytes    = 256 << 20
	defaultBodyTimeout       = 30 * time.Second
	defaultImportBodyTimeout = 5 * time.Minute
)

// Server handles HTTP requests. Create it with New.
type Server struct {
	cfg     Config
	catalog Catalog
	assets  fs.FS
	log     *slog.Logger
	mux     http.Handler
	// collections are the OGC API collections, built once by New.
	collections []collection
	// extents caches the collections' extents per snapshot version.
	extents *extentCache
	// publishedExtents are the published view's, by snapshot.
	publishedExtents *extentCache
	// metrics are served at /metrics.
	metrics *metrics
	// limits are the per-client rate limits.
	limits limiters
	// ids gives requests their ids.
	ids *requestIDs
	// version is the latest snapshot's datasetVersion.
	version atomic.Pointer[snapshotVersion]
	// writes, histories and transfers are cfg.Editor, as the handlers use
	// it; nil without one.
	writes    Writer
	histories History
	// pages shares the change feed's pages among the change streams.
	pages     pageCache
	transfers Transfer
	// streams are the open change streams (changes.go).
	streams streams
}

// New returns the server: an HTTP handler for the API under /api, /healthz,
// /readyz, /metrics and the web map's static files from assets at /.
func New(cfg Config, catalog Catalog, assets fs.FS, log *slog.Logger) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = defaultMaxBodyBytes
	}
	if cfg.MaxImportBytes <= 0 {
		cfg.MaxImportBytes = defaultMaxImportBytes
	}
	cfg.BodyTimeout = cmp.Or(cfg.BodyTimeout, defaultBodyTimeout)
	cfg.ImportBodyTimeout = cmp.Or(cfg.ImportBodyTimeout, defaultImportBodyTimeout)
	s := &Server{cfg: cfg, catalog: catalog, assets: assets, log: log, extents: &extentCache{}, publishedExtents: &extentCache{bySnapshot: true}, metrics: newMetricsWith(catalog, cfg.Publication, cfg.Sync, cfg.Watches, cfg.Webhooks), limits: newLimiters(cfg), ids: newRequestIDs(),
		streams: streams{max: cmp.Or(cfg.MaxStreams, defaultMaxStreams), done: make(chan struct{})}}
	if cfg.Editor != nil {
		s.writes, s.histories, s.transfers = cfg.Editor, cfg.Editor, cfg.Editor
	}
	s.collections = s.newCollections()
	s.mux = s.routes()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Metrics serves the server's metrics in Prometheus's text format, with
// no access check: for a listener of its own (Config.SeparateMetrics).
func (s *Server) Metrics() http.Handler { return s.metrics.handler() }
