package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/frontline-maps/frontline/catalog"
	"github.com/frontline-maps/frontline/geo"
)

// Editor is the writable store behind the write routes (OGC API – Features
// Part 4), the import route and the history routes, as the three small
// interfaces their handlers use: Writer, History and Transfer. Collections are
// "zones", "incidents" and "sites". Implementations must be safe for
// concurrent use, and a write that returns must be durable and visible to
// the Catalog's next snapshot.
//
// Errors: geo.ErrNotFound when the feature does not exist (or, for Versions
// and Restore, never existed), ErrPreconditionFailed when expected is not
// the current version, geo.ErrConflict when a create's ID (or an incident's
// origin) is taken, *geo.ValidationError for an invalid record; nothing is
// stored on error.
type Editor interface {
	Writer
	History
	Transfer
}

// Writer stores edits of features: the write routes.
type Writer interface {
	// Create stores f as a new feature.
	Create(ctx context.Context, f catalog.Feature, author string) (catalog.Version, error)
	// Replace stores f as the next version of the feature with its ID.
	Replace(ctx context.Context, f catalog.Feature, expected int64, author string) (catalog.Version, error)
	// Patch applies an RFC 7396 JSON merge patch to the feature's GeoJSON.
	Patch(ctx context.Context, collection, id string, patch []byte, expected int64, author string) (catalog.Version, error)
	// Delete stores a tombstone; the history stays.
	Delete(ctx context.Context, collection, id string, expected int64, author string) (catalog.Version, error)
	// Restore stores version number of a feature as its next version.
	Restore(ctx context.Context, collection, id string, number int64, author string) (catalog.Version, error)
	// Succeed ends zone id on the day before on and starts its successor,
	// the zone with patch merged in, on on, in one write.
	Succeed(ctx context.Context, id string, expected int64, on geo.Day, successorID string, patch []byte, author string) (closed, successor catalog.Version, err error)
}

// History reads what was: the history routes, as_of and a feature's ETag.
type History interface {
	// Get returns the current version of a live feature.
	Get(ctx context.Context, collection, id string) (catalog.Version, error)
	// Versions returns every version of a feature, oldest first.
	Versions(ctx context.Context, collection, id string) ([]catalog.Version, error)
	// AsOf returns the zones, incidents and sites as they were at t, or
	// catalog.ErrBusy when it is building as many past states as it may at
	// once.
	AsOf(ctx context.Context, t time.Time) (*geo.Snapshot, error)
	// Audit returns the most recent entries of the audit log matching f,
	// newest first.
	Audit(ctx context.Context, f catalog.AuditFilter) ([]catalog.AuditEntry, error)
	// Changes returns a page of the change feed: the changes committed
	// after dataset version since, less the first offset, at most limit.
	Changes(ctx context.Context, since int64, offset, limit int) ([]catalog.Change, error)
	// Changed returns a channel closed when the next changes are applied.
	Changed() <-chan struct{}
}

// Transfer moves data in and out whole: the import and export routes.
type Transfer interface {
	// Import reads body as req says and stores the accepted records in one
	// transaction, under catalog.Import's policy; a file it does not store
	// is a report with a nil error.
	Import(ctx context.Context, req catalog.ImportRequest, body io.Reader, author string) (catalog.ImportReport, error)
	// Backup writes a consistent snapshot of the whole store, history and
	// tokens included, as a GeoPackage file to w.
	Backup(ctx context.Context, w io.Writer) error
}

// postWrite sets X-Dataset-Version to the dataset version after a write,
// the state the writer's next read sees, rather than the request's
// snapshot from before it.
func (s *Server) postWrite(w http.ResponseWriter) {
	if snap := s.catalog.Snapshot(); snap != nil {
		w.Header().Set(headerDatasetVersion, s.datasetVersion(snap))
	}
}

// versionDoc is a version as GET .../versions lists it.
type versionDoc struct {
	Version        int64           `json:"version"`
	DatasetVersion int64           `json:"dataset_version"`
	Committed      time.Time       `json:"committed"`
	Author         string          `json:"author"`
	Deleted        bool            `json:"deleted"`
	Feature        json.RawMessage `json:"feature"`
}

// handleCreate stores the Feature in the body as a new feature of the
// collection: 201 with Location, ETag and the stored feature.
func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request) error {
	c, err := editableCollection(r)
	if err != nil {
		return err
	}
	f, err := readFeature(w, r, c, "", s.cfg.MaxBodyBytes)
	if err != nil {
		return err
	}
	v, err := s.writes.Create(r.Context(), f, author(r))
	if err == nil {
		s.postWrite(w)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", s.apiURL(r, "/collections/"+c+"/items/"+featureID(v.Feature)))
	return writeVersion(w, http.StatusCreated, v)
}

// handleReplace stores the Feature in the body as the next version of the
// feature named in the path, when If-Match names its current version.
func (s *Server) handleReplace(w http.ResponseWriter, r *http.Request) error {
	c, id, expected, err := parseWrite(r)
	if err != nil {
		return err
	}
	f, err := readFeature(w, r, c, id, s.cfg.MaxBodyBytes)
	if err != nil {
		return err
	}
	v, err := s.writes.Replace(r.Context(), f, expected, author(r))
	if err == nil {
		s.postWrite(w)
	}
	if err != nil {
		return err
	}
	return writeVersion(w, http.StatusOK, v)
}

// handlePatch merges the RFC 7396 merge patch in the body into the feature,
// when If-Match names its current version.
func (s *Server) handlePatch(w http.ResponseWriter, r *http.Request) error {
	c, id, expected, err := parseWrite(r)
	if err != nil {
		return err
	}
	patch, err := readMergePatch(w, r, s.cfg.MaxBodyBytes)
	if err != nil {
		return err
	}
	v, err := s.writes.Patch(r.Context(), c, id, patch, expected, author(r))
	if err == nil {
		s.postWrite(w)
	}
	if err != nil {
		return err
	}
	return writeVersion(w, http.StatusOK, v)
}

// handleDelete deletes the feature, when If-Match names its current
// version: a tombstone version, so its history stays. 204 with no body.
func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request) error {
	c, id, expected, err := parseWrite(r)
	if err != nil {
		return err
	}
	_, err = s.writes.Delete(r.Context(), c, id, expected, author(r))
	if err == nil {
		s.postWrite(w)
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleVersions lists every version of a feature, oldest first, deletions
// included.
func (s *Server) handleVersions(w http.ResponseWriter, r *http.Request) error {
	if err := parseDocument(r.URL.Query()); err != nil {
		return err
	}
	c, err := editableCollection(r)
	if err != nil {
		return err
	}
	if s.histories == nil {
		return errNoHistory
	}
	vs, err := s.histories.Versions(r.Context(), c, chi.URLParam(r, "featureId"))
	if err == nil && published(r) {
		vs, err = s.cfg.Publication.PublishVersions(c, vs)
	}
	if err != nil {
		return err
	}
	docs := make([]versionDoc, len(vs))
	for i, v := range vs {
		if docs[i], err = newVersionDoc(v); err != nil {
			return err
		}
	}
	return writeJSON(w, contentTypeJSON, map[string]any{"collection": c, "id": chi.URLParam(r, "featureId"), "versions": docs})
}

// handleRestore stores an old version of a feature as its next version
// (admin), whether the feature is live or deleted.
func (s *Server) handleRestore(w http.ResponseWriter, r *http.Request) error {
	c, err := editableCollection(r)
	if err != nil {
		return err
	}
	number, err := parseVersionNumber(r)
	if err != nil {
		return err
	}
	v, err := s.writes.Restore(r.Context(), c, chi.URLParam(r, "featureId"), number, author(r))
	if err == nil {
		s.postWrite(w)
	}
	if err != nil {
		return err
	}
	return writeVersion(w, http.StatusOK, v)
}

// handleSuccessor records that a zone's line moved on a date: the zone,
// when If-Match names its current version, ends the day before, and its
// successor (a copy with the request's patch merged in) starts on that
// day, in one write. 201 with the successor's Location and ETag, and both
// features with their ETags.
func (s *Server) handleSuccessor(w http.ResponseWriter, r *http.Request) error {
	if err := rejectUnknown(r.URL.Query()); err != nil {
		return err
	}
	id := chi.URLParam(r, "featureId")
	expected, err := parseIfMatch(r)
	if err != nil {
		return err
	}
	on, next, patch, err := readSuccessor(w, r, id, s.cfg.MaxBodyBytes)
	if err != nil {
		return err
	}
	closed, successor, err := s.writes.Succeed(r.Context(), id, expected, on, next, patch, author(r))
	if err != nil {
		return err
	}
	s.postWrite(w)
	doc := map[string]any{}
	for name, v := range map[string]catalog.Version{"closed": closed, "successor": successor} {
		b, err := v.Feature.MarshalJSON()
		if err != nil {
			return err
		}
		doc[name] = map[string]any{"etag": versionETag(v.Number), "feature": json.RawMessage(b)}
	}
	w.Header().Set("Location", s.apiURL(r, "/collections/zones/items/"+next))
	w.Header().Set("ETag", versionETag(successor.Number))
	w.Header().Set("Cache-Control", "no-store")
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", contentTypeJSON)
	w.WriteHeader(http.StatusCreated)
	_, err = w.Write(append(b, '\n'))
	return err
}

// writeVersion answers a feature's version: its GeoJSON with the version as
// ETag.
func writeVersion(w http.ResponseWriter, status int, v catalog.Version) error {
	b, err := v.Feature.MarshalJSON()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", contentTypeGeoJSON)
	w.Header().Set("ETag", versionETag(v.Number))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}

// newVersionDoc is v as the versions list writes it.
func newVersionDoc(v catalog.Version) (versionDoc, error) {
	d := versionDoc{Version: v.Number, DatasetVersion: v.DatasetVersion, Committed: v.Committed, Author: v.Author, Deleted: v.Deleted, Feature: json.RawMessage("null")}
	if v.Feature == nil {
		return d, nil
	}
	b, err := v.Feature.MarshalJSON()
	d.Feature = b
	return d, err
}

// versionETag is the strong entity tag of a feature's version number, the
// value If-Match takes.
func versionETag(n int64) string { return `"` + strconv.FormatInt(n, 10) + `"` }

// featureID returns the ID of an editable collection's feature.
func featureID(f catalog.Feature) string {
	switch f := f.(type) {
	case geo.Zone:
		return string(f.ID)
	case geo.Incident:
		return string(f.ID)
	case geo.Site:
		return string(f.ID)
	}
	return ""
}
