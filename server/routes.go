package server

import (
	"net/http"

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
		// Questions beyond the standard (query.go).
		{http.MethodGet, "/control", s.handleControl, opControl},
		{http.MethodGet, "/control/history", s.handleControlHistory, opControlHistory},
		{http.MethodGet, "/control/diff", s.handleControlDiff, opControlDiff},
		{http.MethodPost, "/search", s.handleSearch, opSearch},
		{http.MethodGet, "/stats", s.handleStats, opStats},
		{http.MethodGet, "/grid", s.handleGrid, opGrid},
		{http.MethodGet, "/nearest", s.handleNearest, opNearest},
		{http.MethodGet, "/actors", s.handleActors, opActors},
		{http.MethodGet, "/statistics", s.handleStatistics, opStatistics},
		// Writes (OGC API – Features Part 4) and history (edit.go).
		{http.MethodPost, "/collections/{collectionId}/items", s.handleCreate, opCreate},
		{http.MethodPut, "/collections/{collectionId}/items/{featureId}", s.handleReplace, opReplace},
		{http.MethodPatch, "/collections/{collectionId}/items/{featureId}", s.handlePatch, opPatch},
		{http.MethodDelete, "/collections/{collectionId}/items/{featureId}", s.handleDelete, opDelete},
		{http.MethodGet, "/collections/{collectionId}/items/{featureId}/versions", s.handleVersions, opVersions},
		{http.MethodPost, "/collections/{collectionId}/items/{featureId}/versions/{version}/restore", s.handleRestore, opRestore},
		// Import, export and the audit log (transfer.go).
		{http.MethodPost, "/import", s.handleImport, opImport},
		{http.MethodGet, "/export", s.handleExport, opExport},
		{http.MethodGet, "/audit", s.handleAudit, opAudit},
	}
}

// routes builds the router: every route and the middleware in the order it
// runs. Operational routes (/healthz, /readyz, /metrics) stay out of /api
// and out of the OpenAPI document.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.serveExchange)
	r.Use(s.cors())
	r.Use(negotiateEncoding)
	r.Use(s.limitBody)
	r.Use(middleware.GetHead)
	r.NotFound(s.wrap(func(w http.ResponseWriter, r *http.Request) error { return errNotFoundRoute }))
	r.MethodNotAllowed(s.wrap(func(w http.ResponseWriter, r *http.Request) error { return errMethodNotAllowed }))

	r.With(routeNamed("/healthz")).Get("/healthz", s.wrap(s.handleHealth))
	r.With(routeNamed("/readyz")).Get("/readyz", s.wrap(s.handleReady))
	r.With(routeNamed("/metrics")).Method(http.MethodGet, "/metrics", s.metrics.handler())
	r.Route("/api", func(r chi.Router) {
		// Inline middleware runs after routing, so a 304 or 503 is logged
		// and counted under its route's pattern. Access is checked before
		// a 304 can answer.
		for _, rt := range s.apiRoutes() {
			r.With(routeNamed("/api"+rt.pattern), s.requireReady, s.guard(rt.op.Auth), s.conditional).Method(rt.method, rt.pattern, s.wrap(rt.handle))
		}
	})
	r.With(routeNamed("/*"), s.conditional).Get("/*", s.wrap(s.handleStatic))
	return r
}
