package server

import "net/http"

var (
	opLanding     = operation{ID: "getLandingPage", Summary: "Landing page"}
	opConformance = operation{ID: "getConformance", Summary: "Conformance classes"}
	opOpenAPI     = operation{ID: "getOpenAPI", Summary: "This OpenAPI document"}
	opCollections = operation{ID: "getCollections", Summary: "Feature collections"}
	opCollection  = operation{ID: "getCollection", Summary: "One feature collection"}
	opItems       = operation{ID: "getItems", Summary: "Features of a collection"}
	opItem        = operation{ID: "getItem", Summary: "One feature"}
	opQueryables  = operation{ID: "getQueryables", Summary: "Queryable properties"}
)

var errNotImplemented = &statusError{http.StatusNotImplemented, "/problems/not-implemented", "Not Implemented"}

func (s *Server) handleLanding(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}
func (s *Server) handleConformance(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}
func (s *Server) handleCollections(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}
func (s *Server) handleCollection(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}
func (s *Server) handleItem(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }
func (s *Server) handleQueryables(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}
