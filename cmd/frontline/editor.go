package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/frontline-maps/frontline/catalog"
	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/ingest"
	"github.com/frontline-maps/frontline/server"
	"github.com/frontline-maps/frontline/store"
	"github.com/frontline-maps/frontline/store/gpkg"
)

// storeEditor serves a GeoPackage store to the HTTP layer: the in-memory
// index built from it (through its indexedData), its writes, history and
// export (server.Editor) and its tokens (server.Authenticator).
//
// Every write commits to the store first and then, under mu, applies the
// store's changes since the index's dataset version to the index in one
// geo.Index.Update, so the index applies writes in commit order, and
// readers, who use index snapshots, are never blocked and never see half
// of a write. Changes committed by another process (frontline import --db
// while the server runs) reach the index with the next write.
type storeEditor struct {
	*indexedData
	store *gpkg.Store
	govs  *geo.Governorates
	// mu serialises writes; applied is the dataset version the index
	// holds, guarded by mu.
	mu      sync.Mutex
	applied int64

	// past builds and keeps the states that as_of reads ask for: paging
	// through one as_of answer asks for the same state once per page, and
	// a past state never changes.
	past *catalog.PastStates
}

// Bounds of the past states a storeEditor builds for as_of reads: two
// built at once, 256 MiB kept, and a minute for one build.
const (
	pastBuilds  = 2
	pastBudget  = 256 << 20
	pastTimeout = time.Minute
)

var (
	_ server.Editor        = (*storeEditor)(nil)
	_ server.Authenticator = (*storeEditor)(nil)
	_ server.Catalog       = (*storeEditor)(nil)
)

// load reads every current record of the store and indexes it. path is
// the store's file, which with the dataset version identifies the data in
// X-Dataset-Version. It must finish before the data is published and
// any other method is called.
func (e *storeEditor) load(ctx context.Context, path string) error {
	ds, version, err := e.store.Load(ctx)
	if err != nil {
		return err
	}
	if e.govs, err = geo.NewGovernorates(ds.Boundaries); err != nil {
		return fmt.Errorf("governorates: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(abs))
	if e.indexedData, err = newCatalog(ds, fmt.Sprintf("gpkg-%s-%d", hex.EncodeToString(sum[:4]), version)); err != nil {
		return fmt.Errorf("indexing the store: %w", err)
	}
	e.applied = version
	e.past = catalog.NewPastStates(e.stateAt, pastBuilds, pastBudget, pastTimeout)
	return nil
}

// write runs op, a store write, then brings the index up to date with the
// store, all under mu. It maps the store's errors to the server's.
func (e *storeEditor) write(ctx context.Context, op func() (store.Version, error)) (server.Version, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	v, err := op()
	if errors.Is(err, store.ErrPreconditionFailed) {
		return server.Version{}, server.ErrPreconditionFailed
	} else if err != nil {
		return server.Version{}, err
	}
	if err := e.catchUp(context.WithoutCancel(ctx)); err != nil {
		return server.Version{}, err
	}
	return serverVersion(v), nil
}

// catchUp applies every version committed after e.applied to the index in
// one update. The caller holds mu. On error the index keeps its state and
// e.applied, so the next write tries again; the store has the data either
// way, and a restart rebuilds the index from it.
func (e *storeEditor) catchUp(ctx context.Context) error {
	changes, err := e.store.Changes(ctx, e.applied)
	if err != nil || len(changes) == 0 {
		return err
	}
	err = e.index.Update(func(tx *geo.Tx) error {
		for _, v := range changes {
			if err := applyVersion(tx, v); err != nil {
				return fmt.Errorf("indexing %s %s version %d: %w", v.Kind, v.ID, v.Number, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	e.applied = changes[len(changes)-1].DatasetVersion
	return nil
}

// applyVersion makes v current in the index: a deletion removes the
// record, anything else replaces it or, when new, inserts it. Kinds the
// index does not hold (actors, boundaries, statistics) are left alone.
func applyVersion(tx *geo.Tx, v store.Version) error {
	switch v.Kind {
	case store.KindZone:
		if v.Deleted {
			return absentOK(tx.DeleteZone(geo.ZoneID(v.ID)))
		}
		return upsert(v.Record.(geo.Zone), tx.ReplaceZone, tx.InsertZone)
	case store.KindIncident:
		if v.Deleted {
			return absentOK(tx.DeleteIncident(geo.IncidentID(v.ID)))
		}
		return upsert(v.Record.(geo.Incident), tx.ReplaceIncident, tx.InsertIncident)
	case store.KindSite:
		if v.Deleted {
			return absentOK(tx.DeleteSite(geo.SiteID(v.ID)))
		}
		return upsert(v.Record.(geo.Site), tx.ReplaceSite, tx.InsertSite)
	}
	return nil
}

// upsert replaces rec, or inserts it when the index does not have it.
func upsert[T any](rec T, replace, insert func(T) error) error {
	if err := replace(rec); !errors.Is(err, geo.ErrNotFound) {
		return err
	}
	return insert(rec)
}

// absentOK ignores geo.ErrNotFound: deleting what the index lacks.
func absentOK(err error) error {
	if errors.Is(err, geo.ErrNotFound) {
		return nil
	}
	return err
}

// serverVersion converts a store version for the HTTP layer.
func serverVersion(v store.Version) server.Version {
	sv := server.Version{Number: v.Number, DatasetVersion: v.DatasetVersion, Committed: v.ValidFrom, Author: v.Author, Deleted: v.Deleted}
	if f, ok := v.Record.(server.Feature); ok && !v.Deleted {
		sv.Feature = f
	}
	return sv
}

// kindOf returns the store kind of an editable collection.
func kindOf(collection string) store.Kind {
	switch collection {
	case "zones":
		return store.KindZone
	case "incidents":
		return store.KindIncident
	case "sites":
		return store.KindSite
	}
	return store.Kind(collection)
}

// collectionOf names a store kind as the API does: its collection.
func collectionOf(k store.Kind) string {
	switch k {
	case store.KindBoundary:
		return "boundaries"
	case store.KindStatistic:
		return "statistics"
	}
	return string(k) + "s"
}

// locate sets an incident's governorate from the store's boundaries, as
// the importers' records get theirs; other records pass unchanged.
func (e *storeEditor) locate(f server.Feature) server.Feature {
	if in, ok := f.(geo.Incident); ok {
		ins := []geo.Incident{in}
		e.govs.Assign(ins)
		return ins[0]
	}
	return f
}

// Get implements server.Editor.
func (e *storeEditor) Get(ctx context.Context, collection, id string) (server.Version, error) {
	v, err := e.store.Get(ctx, kindOf(collection), id)
	return serverVersion(v), err
}

// Create implements server.Editor.
func (e *storeEditor) Create(ctx context.Context, f server.Feature, author string) (server.Version, error) {
	return e.write(ctx, func() (store.Version, error) { return e.store.Create(ctx, e.locate(f), author) })
}

// Replace implements server.Editor.
func (e *storeEditor) Replace(ctx context.Context, f server.Feature, expected int64, author string) (server.Version, error) {
	return e.write(ctx, func() (store.Version, error) { return e.store.Replace(ctx, e.locate(f), expected, author) })
}

// Patch implements server.Editor. A patched incident's governorate is
// computed again from its point, as for a created or replaced one.
func (e *storeEditor) Patch(ctx context.Context, collection, id string, patch []byte, expected int64, author string) (server.Version, error) {
	derive := func(r store.Record) store.Record {
		if in, ok := r.(geo.Incident); ok {
			return e.locate(in)
		}
		return r
	}
	return e.write(ctx, func() (store.Version, error) {
		return e.store.Patch(ctx, kindOf(collection), id, patch, expected, author, derive)
	})
}

// Delete implements server.Editor.
func (e *storeEditor) Delete(ctx context.Context, collection, id string, expected int64, author string) (server.Version, error) {
	return e.write(ctx, func() (store.Version, error) {
		return e.store.Delete(ctx, kindOf(collection), id, expected, author)
	})
}

// Restore implements server.Editor.
func (e *storeEditor) Restore(ctx context.Context, collection, id string, number int64, author string) (server.Version, error) {
	return e.write(ctx, func() (store.Version, error) {
		return e.store.Restore(ctx, kindOf(collection), id, number, author)
	})
}

// Versions implements server.Editor.
func (e *storeEditor) Versions(ctx context.Context, collection, id string) ([]server.Version, error) {
	h, err := e.store.History(ctx, kindOf(collection), id)
	if err != nil {
		return nil, err
	}
	out := make([]server.Version, len(h))
	for i, v := range h {
		out[i] = serverVersion(v)
	}
	return out, nil
}

// Import implements server.Editor: it reads the whole body first, so the
// write lock is held only for the store's one transaction.
func (e *storeEditor) Import(ctx context.Context, req server.ImportRequest, body io.Reader, author string) (server.ImportReport, error) {
	out := server.ImportReport{Format: req.Format, Rows: []server.ImportRejection{}}
	var recs []store.Record
	opts := ingest.Options{Actors: e.Actors(), KnownActors: true, Release: req.Release}
	rep, err := ingest.Read(ctx, ingest.Format(req.Format), body, opts, func(r ingest.Record) error {
		recs = append(recs, e.recordOf(r))
		return nil
	})
	if rep != nil {
		out.Accepted, out.Rejected, out.Unlisted = rep.Accepted, rep.Rejected, rep.Unlisted
		for _, rj := range rep.Rows {
			out.Rows = append(out.Rows, server.ImportRejection(rj))
		}
	}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge) || ctx.Err() != nil:
		return out, errors.Join(err, ctx.Err())
	case err != nil:
		out.Error = err.Error()
		return out, nil
	case out.Rejected > 0:
		return out, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	res, err := e.store.ImportBatch(ctx, recs, author)
	if err != nil {
		return out, err
	}
	if err := e.catchUp(context.WithoutCancel(ctx)); err != nil {
		return out, err
	}
	out.Stored, out.DatasetVersion = true, res.DatasetVersion
	out.Added, out.Updated, out.Unchanged, out.Skipped = res.Created, res.Updated, res.Unchanged, res.Skipped
	return out, nil
}

// recordOf returns the record an importer accepted, an incident with its
// governorate.
func (e *storeEditor) recordOf(r ingest.Record) store.Record {
	switch {
	case r.Zone != nil:
		return *r.Zone
	case r.Site != nil:
		return *r.Site
	}
	return e.locate(*r.Incident)
}

// AsOf implements server.Editor: the state at the last write committed at
// or before t, from e.past, which builds it with stateAt. It returns
// server.ErrBusy when e.past is building as many states as it may.
func (e *storeEditor) AsOf(ctx context.Context, t time.Time) (*geo.Snapshot, error) {
	v, err := e.store.VersionAt(ctx, t)
	if err != nil {
		return nil, err
	}
	snap, err := e.past.Get(ctx, v)
	if errors.Is(err, catalog.ErrBusy) {
		return nil, server.ErrBusy
	}
	return snap, err
}

// stateAt builds the state at dataset version v the cheaper of two ways.
// Near the current state (few records changed since v, the common case) it
// forks the index and puts back each changed record as it was at v, which
// costs those changes. Far from it (more changed records than a quarter of
// the index holds, say before a bulk import) it reads the state at v whole
// and indexes it, which costs that state's size: then the smaller of the
// two.
func (e *storeEditor) stateAt(ctx context.Context, v int64) (*geo.Snapshot, int64, error) {
	e.mu.Lock()
	tx, applied := e.index.Fork(), e.applied
	e.mu.Unlock()
	since := min(v, applied)
	changed, err := e.store.ChangedSince(ctx, since)
	if err != nil {
		return nil, 0, err
	}
	if z, in, st := e.index.Snapshot().Len(); changed > (z+in+st)/4 {
		ds, err := e.store.DatasetAt(ctx, v)
		if err != nil {
			return nil, 0, err
		}
		ix, err := geo.NewIndex(ds)
		if err != nil {
			return nil, 0, err
		}
		z, in, st := ix.Snapshot().Len()
		return ix.Snapshot(), int64(z+in+st) * indexedRecordBytes, nil
	}
	changes, err := e.store.StateAt(ctx, v, since)
	if err != nil {
		return nil, 0, err
	}
	for _, c := range changes {
		if err := applyVersion(tx, c); err != nil {
			return nil, 0, fmt.Errorf("the state at %d: %s %s: %w", v, c.Kind, c.ID, err)
		}
	}
	snap, size := tx.Result()
	return snap, size, nil
}

// indexedRecordBytes is about what one record takes in an index of its
// own (docs/benchmarks.md measures the heap per incident), for weighing a
// past state that stateAt indexed whole.
const indexedRecordBytes = 700

// Audit implements server.Editor.
func (e *storeEditor) Audit(ctx context.Context, f server.AuditFilter) ([]server.AuditEntry, error) {
	var kind store.Kind
	if f.Collection != "" {
		kind = kindOf(f.Collection)
	}
	log, err := e.store.AuditLog(ctx, store.AuditFilter{Kind: kind, ID: f.ID, Limit: f.Limit})
	out := make([]server.AuditEntry, len(log))
	for i, a := range log {
		out[i] = server.AuditEntry{At: a.At, Who: a.Who, Action: a.Action, Collection: collectionOf(a.Kind), ID: a.ID,
			Before: a.Before, After: a.After, DatasetVersion: a.DatasetVersion}
	}
	return out, err
}

// Backup implements server.Editor: VACUUM INTO a temporary file, which is
// streamed to w and then removed.
func (e *storeEditor) Backup(ctx context.Context, w io.Writer) error {
	dir, err := os.MkdirTemp("", "frontline-export-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "frontline.gpkg")
	if err := e.store.BackupTo(ctx, path); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// Authenticate implements server.Authenticator.
func (e *storeEditor) Authenticate(ctx context.Context, secret string) (string, server.Role, error) {
	name, role, err := e.store.Authenticate(ctx, secret)
	if errors.Is(err, store.ErrUnauthorized) {
		return "", "", server.ErrUnauthorized
	}
	return name, server.Role(role), err
}
