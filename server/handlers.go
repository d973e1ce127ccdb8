package server

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/frontline-maps/frontline/geo"
)

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, contentTypeJSON, map[string]string{"status": "ok", "version": s.cfg.Version})
}

// handleZones answers every zone as a GeoJSON FeatureCollection. Issue #4
// replaces it with the OGC API – Features items endpoint.
func (s *Server) handleZones(w http.ResponseWriter, r *http.Request) error {
	zones := s.catalog.Zones()
	if zones == nil {
		zones = []geo.Zone{}
	}
	return writeJSON(w, contentTypeGeoJSON, struct {
		Type     string     `json:"type"`
		Features []geo.Zone `json:"features"`
	}{"FeatureCollection", zones})
}

// handleStatic serves the web map's files; a missing file is a problem+json
// 404 like every other miss, never a plain-text page.
func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) error {
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name == "" {
		name = "."
	}
	if _, err := fs.Stat(s.assets, name); err != nil {
		return errNotFoundRoute
	}
	http.FileServerFS(s.assets).ServeHTTP(w, r)
	return nil
}

func writeJSON(w http.ResponseWriter, contentType string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", contentType)
	_, err = w.Write(append(b, '\n'))
	return err
}
