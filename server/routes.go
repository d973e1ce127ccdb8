package server

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// route is one operation of the API: its method, its path under /api, the
// handler, and its OpenAPI description. The OpenAPI document is generated
// from this table, so the two cannot drift apart.
type route struct {
	method  string
	pattern string
	handle  handlerFunc
	op      operation
}

// apiRoutes is every route under /api, in the order the OpenAPI document
// lists them.
func (s *Server) apiRoutes() []route {
	return []route{
		// OGC API – Features, Part 1 (ogc.go).
		{http.MethodGet, "/", s.handleLanding, opLanding},
		{http.MethodGet, "/conformance", s.handleConformance, opConformance},
		{http.MethodGet, "/openapi.json", s.handleOpenAPI, opOpenAPI},
		{http.MethodGet, "/collections", s.handleCollections, opCollections},
		{http.MethodGet, "/collections/{collectionId}", s.handleCollection, opCollection},
		{http.MethodGet, "/collections/{collectionId}/items", s.handleItems, opItems},
		{http.MethodGet, "/collections/{collectionId}/items/{featureId}", s.handleItem, opItem},
		{http.MethodGet, "/collections/{collectionId}/queryables", s.handleQueryables, opQueryables},
		// OGC API – Tiles (tiles.go).
		{http.MethodGet, "/tileMatrixSets", s.handleTileMatrixSets, opTileMatrixSets},
		{http.MethodGet, "/tileMatrixSets/{tileMatrixSetId}", s.handleTileMatrixSet, opTileMatrixSet},
		{http.MethodGet, "/collections/{collectionId}/tiles", s.handleTilesets, opTilesets},
		{http.MethodGet, "/collections/{collectionId}/tiles/{tileMatrixSetId}", s.handleTileset, opTileset},
		{http.MethodGet, "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}", s.handleTile, opTile},
		// Questions beyond the standard (query.go).
		{http.MethodGet, "/control", s.handleControl, opControl},
		{http.MethodGet, "/control/history", s.handleControlHistory, opControlHistory},
		{http.MethodGet, "/control/diff", s.handleControlDiff, opControlDiff},
		{http.MethodPost, "/search", s.handleSearch, opSearch},
		{http.MethodGet, "/stats", s.handleStats, opStats},
		{http.MethodPost, "/stats", s.handleAreaStats, opAreaStats},
		{http.MethodGet, "/grid", s.handleGrid, opGrid},
		{http.MethodGet, "/clusters", s.handleClusters, opClusters},
		{http.MethodGet, "/nearest", s.handleNearest, opNearest},
		{http.MethodGet, "/actors", s.handleActors, opActors},
		{http.MethodGet, "/statistics", s.handleStatistics, opStatistics},
		// Writes (OGC API – Features Part 4) and history (edit.go).
		{http.MethodPost, "/collections/{collectionId}/items", s.handleCreate, opCreate},
		{http.MethodPut, "/collections/{collectionId}/items/{featureId}", s.handleReplace, opReplace},
		{http.MethodPatch, "/collections/{collectionId}/items/{featureId}", s.handlePatch, opPatch},
		{http.MethodDelete, "/collections/{collectionId}/items/{featureId}", s.handleDelete, opDelete},
		{http.MethodGet, "/collections/{collectionId}/items/{featureId}/versions", s.handleVersions, s.history(opVersions)},
		{http.MethodPost, "/collections/{collectionId}/items/{featureId}/versions/{version}/restore", s.handleRestore, opRestore},
		{http.MethodPost, "/collections/zones/items/{featureId}/successor", s.handleSuccessor, opSuccessor},
		// Import, export and the audit log (transfer.go).
		{http.MethodPost, "/import", s.handleImport, opImport},
		{http.MethodGet, "/export", s.handleExport, opExport},
		{http.MethodGet, "/audit", s.handleAudit, opAudit},
		// The change feed (changes.go).
		{http.MethodGet, "/changes", s.handleChanges, s.history(opChanges)},
		{http.MethodGet, "/changes/stream", s.handleChangesStream, s.history(opChangesStream)},
		// The live stream (live.go).
		{http.MethodGet, "/live", s.handleLive, opLive},
		{http.MethodGet, "/session", s.handleSession, opSession},
		// Watches and their events (watches.go).
		{http.MethodPost, "/watches", s.handleCreateWatch, opCreateWatch},
		{http.MethodGet, "/watches", s.handleWatches, opWatches},
		{http.MethodGet, "/watches/{watchId}", s.handleWatch, opWatch},
		{http.MethodDelete, "/watches/{watchId}", s.handleDeleteWatch, opDeleteWatch},
		{http.MethodGet, "/watches/{watchId}/events", s.handleWatchEvents(false), opWatchEvents},
		{http.MethodGet, "/watches/{watchId}/deliveries", s.handleWatchEvents(true), opWatchDeliveries},
		{http.MethodGet, "/watches/{watchId}/stream", s.handleWatchStream, opWatchStream},
	}
}

// routes builds the router: every route and the middleware in the order it
// runs. Operational routes (/healthz, /readyz, /metrics) stay out of /api
// and out of the OpenAPI document; /metrics is left out with
// Config.SeparateMetrics, for Server.Metrics to serve elsewhere.
//
// The API's routes sit on the root router, not on a router mounted at
// /api: one tree walk per request instead of two. GET /api/* takes the
// GETs under /api that no API route does, which the web map's GET /*
// would otherwise answer, and gives them to notRouted, as chi gives it
// every request it cannot route.
func (s *Server) routes() *chi.Mux {
	r := chi.NewRouter()
	r.Use(s.serveExchange)
	r.Use(s.cors())
	r.Use(negotiateEncoding)
	r.Use(s.limitBody)
	r.Use(middleware.GetHead)
	notRouted := s.wrap(func(w http.ResponseWriter, req *http.Request) error { return notRouted(r, w, req) })
	r.NotFound(notRouted)
	r.MethodNotAllowed(notRouted)

	r.With(s.routeNamed(http.MethodGet, "/healthz")).Get("/healthz", s.wrap(s.handleHealth))
	r.With(s.routeNamed(http.MethodGet, "/readyz")).Get("/readyz", s.wrap(s.handleReady))
	if !s.cfg.SeparateMetrics {
		// A read like any other: a viewer token with Config.PrivateRead.
		r.With(s.routeNamed(http.MethodGet, "/metrics"), s.guard("")).Method(http.MethodGet, "/metrics", s.metrics.handler())
	}
	for _, rt := range s.apiRoutes() {
		// Inline middleware runs after routing, so a 304 or 503 is logged
		// and counted under its route's pattern. Access is checked before
		// a 304 can answer.
		h := r.With(s.routeNamed(rt.method, "/api"+rt.pattern), s.requireReady, s.guardOp(rt.op), s.conditional)
		h.Method(rt.method, "/api"+rt.pattern, s.wrap(rt.handle))
		if rt.pattern == "/" {
			h.Method(rt.method, "/api", s.wrap(rt.handle)) // the landing page, with or without its slash
		}
	}
	// A GET under /api that no API route takes, and not the web map's.
	r.Get("/api/*", notRouted)
	r.With(s.routeNamed(http.MethodGet, "/*"), s.conditional).Get("/*", s.wrap(s.handleStatic))
	return r
}

// notRouted is the error for a request no route of mux takes: 405 with
// the Allow header (RFC 9110 §15.5.6) when routes exist for its path with
// other methods, HEAD included with GET; 404 otherwise.
func notRouted(mux *chi.Mux, w http.ResponseWriter, r *http.Request) error {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		find := m
		if m == http.MethodHead {
			find = http.MethodGet // middleware.GetHead answers HEAD with the GET route
		}
		if p := mux.Find(chi.NewRouteContext(), find, r.URL.Path); p != "" && p != "/api/*" {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		return errNotFoundRoute
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	return errMethodNotAllowed
}
