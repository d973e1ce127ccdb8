package server

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// handleHealth answers that the process is up, whether or not the catalog
// has loaded: a liveness probe.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, contentTypeJSON, map[string]string{"status": "ok", "version": s.cfg.Version})
}

// handleReady answers 200 once the catalog has loaded and 503 problem+json
// before: a readiness probe, so a load balancer sends no traffic to an
// instance that would answer every API request with 503. With
// Config.PrivateRead it says only that, since the probe needs no token:
// the dataset version and the record counts are data too. Otherwise, with
// a store, its "store" member reports how the instance follows it: the
// connection, the notification listener and the lag in write transactions
// (the same as /metrics).
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) error {
	snap := s.snapshot(r)
	if snap == nil {
		return errNotReady
	}
	body := map[string]any{"status": "ready"}
	if s.cfg.PrivateRead {
		return writeJSON(w, contentTypeJSON, body)
	}
	if s.cfg.Sync != nil {
		st := s.cfg.Sync.SyncStatus(r.Context())
		store := map[string]any{"connected": st.Connected, "lag": st.Lag, "listening": st.Listening}
		if st.Error != "" {
			store["error"] = "the store did not answer, or a catch-up failed; see the server's log"
		}
		body["store"] = store
	}
	zones, incidents, sites := snap.Len()
	body["dataset_version"], body["zones"], body["incidents"], body["sites"] = s.datasetVersion(snap), zones, incidents, sites
	return writeJSON(w, contentTypeJSON, body)
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

// writeJSON writes v as JSON with a trailing newline and the given
// Content-Type.
func writeJSON(w http.ResponseWriter, contentType string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", contentType)
	_, err = w.Write(append(b, '\n'))
	return err
}
