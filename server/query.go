package server

import "net/http"

var (
	opControl        = operation{ID: "getControl", Summary: "Who controls a point on a date"}
	opControlHistory = operation{ID: "getControlHistory", Summary: "Control history at a point"}
	opControlDiff    = operation{ID: "getControlDiff", Summary: "Change of control between two dates"}
	opSearch         = operation{ID: "search", Summary: "Incidents in a geometry, zone or radius"}
	opStats          = operation{ID: "getStats", Summary: "Incident counts and fatalities by group"}
	opGrid           = operation{ID: "getGrid", Summary: "Incident density on a square grid"}
	opActors         = operation{ID: "getActors", Summary: "Actors with names and colours"}
	opStatistics     = operation{ID: "getStatistics", Summary: "Cited aggregate statistics"}
)

func (s *Server) handleControl(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}
func (s *Server) handleControlHistory(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}
func (s *Server) handleControlDiff(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }
func (s *Server) handleStats(w http.ResponseWriter, r *http.Request) error  { return errNotImplemented }
func (s *Server) handleGrid(w http.ResponseWriter, r *http.Request) error   { return errNotImplemented }
func (s *Server) handleActors(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }
func (s *Server) handleStatistics(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}
