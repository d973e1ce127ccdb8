package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// routes lists every route and the middleware in the order it runs.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.RequestID)
	r.Use(s.logRequests)
	r.Use(s.recoverPanics)
	r.NotFound(s.wrap(func(w http.ResponseWriter, r *http.Request) error { return errNotFoundRoute }))
	r.MethodNotAllowed(s.wrap(func(w http.ResponseWriter, r *http.Request) error { return errMethodNotAllowed }))

	r.Get("/healthz", s.wrap(s.handleHealth))
	r.Route("/api", func(r chi.Router) {
		r.Get("/collections/zones/items", s.wrap(s.handleZones))
	})
	r.Get("/*", s.wrap(s.handleStatic))
	return r
}
