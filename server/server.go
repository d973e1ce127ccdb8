// Package server is Frontline's HTTP layer: the routes, thin handlers that
// parse, ask the catalog and respond, application/problem+json errors, and
// the static web map. It declares the small interfaces it consumes and never
// touches storage directly.
package server

import (
	"io/fs"
	"log/slog"
	"net/http"

	"github.com/frontline-maps/frontline/geo"
)

// Catalog is what the HTTP layer reads. Implementations must be safe for
// concurrent use; the records they return are shared and must not be
// modified.
type Catalog interface {
	// Snapshot returns the current immutable view of zones, incidents and
	// sites. One request uses one snapshot, so its parts agree.
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
	// Version is the build version reported by /healthz.
	Version string
}

// Server handles HTTP requests. Create it with New.
type Server struct {
	cfg     Config
	catalog Catalog
	assets  fs.FS
	log     *slog.Logger
	mux     http.Handler
}

// New returns the HTTP handler for the API under /api, /healthz and the web
// map's static files from assets at /.
func New(cfg Config, catalog Catalog, assets fs.FS, log *slog.Logger) http.Handler {
	s := &Server{cfg: cfg, catalog: catalog, assets: assets, log: log}
	s.mux = s.routes()
	return s.mux
}
