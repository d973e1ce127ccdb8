package server

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/frontline-maps/frontline/geo"
)

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, contentTypeJSON, map[string]string{"status": "ok", "version": s.cfg.Version})
}

// handleItems is the OGC API – Features items endpoint. Until the full
// collection support lands it answers the zones layer only.
func (s *Server) handleItems(w http.ResponseWriter, r *http.Request) error {
	if chi.URLParam(r, "collectionId") != "zones" {
		return geo.ErrNotFound
	}
	page, err := s.catalog.Snapshot().Zones(geo.ZoneQuery{})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", contentTypeGeoJSON)
	fw := newFeatureWriter(w)
	if err := fw.Begin(collectionHeader{NumberMatched: page.Matched, NumberReturned: len(page.Zones)}); err != nil {
		return err
	}
	for _, z := range page.Zones {
		if err := fw.WriteZone(z); err != nil {
			return err
		}
	}
	return fw.Close()
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
