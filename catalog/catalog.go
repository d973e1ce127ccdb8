package catalog

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"

	"sync"
	"sync/atomic"
	"time"

	"github.com/frontline-maps/frontline/catalog/publish"
	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/ingest/dedup"
	"github.com/frontline-maps/frontline/store"
)

// Store is what the live dataset needs of a store of records (today
// store/gpkg's; a PostgreSQL store is to implement the same). Every method
// must be safe for concurrent use; a write that returns nil is durable.
// Errors: geo.ErrNotFound, geo.ErrConflict, *geo.ValidationError,
// store.ErrPreconditionFailed and store.ErrUnauthorized as the store
// packages document them.
type Store interface {
	// ID identifies the store, the same for every process that opens it.
	ID() string
	// DatasetVersion returns the store's current dataset version.
	DatasetVersion(ctx context.Context) (int64, error)
	// Load returns every current record and the dataset version they are
	// the state of.
	Load(ctx context.Context) (*geo.Dataset, int64, error)
	// Changes returns every version committed after dataset version since,
	// in commit order.
	Changes(ctx context.Context, since int64) ([]store.Version, error)
	// ChangesPage returns Changes(since) without its first offset
	// versions, at most limit of them.
	ChangesPage(ctx context.Context, since int64, offset, limit int) ([]store.Version, error)
	// VersionAt returns the dataset version current at t.
	VersionAt(ctx context.Context, t time.Time) (int64, error)
	// ChangedSince counts the records changed after dataset version v.
	ChangedSince(ctx context.Context, v int64) (int, error)
	// StateAt returns each record changed after since as it was at at.
	StateAt(ctx context.Context, at, since int64) ([]store.Version, error)
	// DatasetAt returns every record as it was at dataset version v.
	DatasetAt(ctx context.Context, v int64) (*geo.Dataset, error)

	Get(ctx context.Context, kind store.Kind, id string) (store.Version, error)
	History(ctx context.Context, kind store.Kind, id string) ([]store.Version, error)
	Create(ctx context.Context, rec store.Record, author string) (store.Version, error)
	Replace(ctx context.Context, rec store.Record, expected int64, author string) (store.Version, error)
	Patch(ctx context.Context, kind store.Kind, id string, patch []byte, expected int64, author string, derive func(store.Record) store.Record) (store.Version, error)
	Delete(ctx context.Context, kind store.Kind, id string, expected int64, author string) (store.Version, error)
	Restore(ctx context.Context, kind store.Kind, id string, number int64, author string) (store.Version, error)
	Succeed(ctx context.Context, id string, expected int64, on geo.Day, successorID string, patch []byte, author string) (closed, successor store.Version, err error)
	Merge(ctx context.Context, kept geo.Incident, keptExpected int64, otherID string, otherExpected int64, author string) (merged, deleted store.Version, err error)
	// ImportBatch stores records in one transaction: all or none.
	ImportBatch(ctx context.Context, records []store.Record, author string) (store.ImportResult, error)
	AuditLog(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error)
	// Backup writes a consistent copy of the whole store to w.
	Backup(ctx context.Context, w io.Writer) error
	Authenticate(ctx context.Context, secret string) (string, store.Role, error)
	// AuditPolicy records the publication policy of digest (NoPolicy for
	// none) in the audit log, unless its last policy entry is the same,
	// and reports whether it did.
	AuditPolicy(ctx context.Context, digest, who string) (bool, error)
}

// Catalog is the live dataset: the store, the in-memory index of its zones,
// incidents and sites, its actors, governorates and statistics, kept in
// step. Every write commits to the store first and then, under mu, applies
// the store's changes since the index's dataset version to the index in
// one geo.Index.Update, so the index applies writes in commit order, and
// readers, who use index snapshots, are never blocked and never see half of
// a write. Changes committed by another process (another instance on the
// same database, frontline import while the server runs) reach the index
// with the next write, or sooner under Follow (follow.go). A Catalog
// over no store (New(nil)) serves a dataset read-only.
//
// Until Load returns, Snapshot is nil and the other reads are empty. A
// Catalog is safe for concurrent use.
type Catalog struct {
	store Store // nil for a read-only dataset
	// state is the loaded dataset, nil until Load.
	state atomic.Pointer[loaded]
	// mu serialises writes; applied is the dataset version the index
	// holds, guarded by mu.
	mu      sync.Mutex
	applied int64
	// past builds and keeps the states that as_of reads ask for.
	past *PastStates
	// tablesOnly marks a catalog loaded by LoadTables: no index to keep.
	tablesOnly bool
	// follow is the state of Follow (follow.go).
	follow follow
	// changed is closed, and replaced, each time the index takes new
	// changes (Changed); guarded by changedMu.
	changedMu sync.Mutex
	changed   chan struct{}
	// policy is the publication policy, view the published view
	// (published.go), nil when there is none.
	policy *publish.Policy
	view   atomic.Pointer[view]
	// clock returns the time now; the tests' own.
	clock func() time.Time
}

// loaded is what Load reads: the index and the tables it does not hold.
type loaded struct {
	index        *geo.Index
	govs         *geo.Governorates
	actors       []geo.Actor
	governorates []geo.Boundary
	statistics   []geo.Statistic
	// id identifies the content: the store's id, or a hash of a read-only
	// dataset's files.
	id string
}

// Bounds of the past states a Catalog builds for as_of reads: two built
// at once, 256 MiB kept, and a minute for one build.
const (
	pastBuilds  = 2
	pastBudget  = 256 << 20
	pastTimeout = time.Minute
)

// New returns the catalog of st, not loaded yet: call Load (or, for st
// nil, LoadDataset).
func New(st Store) *Catalog {
	c := &Catalog{store: st, follow: follow{wake: make(chan struct{}, 1)}, changed: make(chan struct{}), clock: time.Now}
	c.past = NewPastStates(c.stateAt, pastBuilds, pastBudget, pastTimeout)
	return c
}

// LoadTables reads what an import needs, the store's actors, boundaries
// and statistics, and indexes none of its records: for a process that only
// imports (frontline import --db), which then neither holds the store's
// records nor applies its writes to an index.
func (c *Catalog) LoadTables(ctx context.Context) error {
	ds, version, err := c.store.Load(ctx)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	tables := &geo.Dataset{Actors: ds.Actors, Boundaries: ds.Boundaries, Statistics: ds.Statistics}
	if err := c.publish(tables, c.store.ID(), version); err != nil {
		return err
	}
	c.applied, c.tablesOnly = version, true
	return nil
}

// LoadDataset indexes ds, a read-only dataset whose content id identifies
// (a hash of its files), as Load does a store's. It is for a catalog of no
// store (New(nil)), whose writes fail with ErrReadOnly.
func (c *Catalog) LoadDataset(ds *geo.Dataset, id string) error {
	if c.needsView(ds.Incidents) {
		if err := c.openView(context.Background(), ds, 0); err != nil {
			return err
		}
	}
	if err := c.publish(ds, id, 0); err != nil {
		return err
	}
	debug.FreeOSMemory()
	return nil
}

// ErrReadOnly is returned by the writes of a catalog without a store.
var ErrReadOnly = errors.New("catalog: the dataset is read-only")

// Load reads every current record of the store and indexes it. It must
// return before any write; reads before it answer an empty, not ready
// catalog. Once indexed, the memory the load passed through is returned to
// the operating system, so a server's resident size is its index's.
func (c *Catalog) Load(ctx context.Context) error {
	ds, version, err := c.store.Load(ctx)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// The published view comes first: readers find the index ready only
	// once it is there, so none reads the index for want of a view.
	if c.needsView(ds.Incidents) {
		if err := c.openView(ctx, ds, version); err != nil {
			return err
		}
	}
	if err := c.publish(ds, c.store.ID(), version); err != nil {
		return err
	}
	c.applied = version
	debug.FreeOSMemory()
	return nil
}

// publish indexes ds, the state at store dataset version version, and
// makes it the catalog's state. The index's snapshot versions are the
// store's dataset versions from then on.
func (c *Catalog) publish(ds *geo.Dataset, id string, version int64) error {
	govs, err := geo.NewGovernorates(ds.Boundaries)
	if err != nil {
		return fmt.Errorf("governorates: %w", err)
	}
	ix, err := geo.NewIndex(ds)
	if err == nil && version > 0 {
		err = ix.Update(func(tx *geo.Tx) error { tx.SetVersion(uint64(version)); return nil })
	}
	if err != nil {
		return fmt.Errorf("indexing: %w", err)
	}
	l := &loaded{index: ix, govs: govs, id: id}
	l.actors = slices.SortedFunc(slices.Values(ds.Actors), func(a, b geo.Actor) int { return cmp.Compare(a.ID, b.ID) })
	for _, b := range ds.Boundaries {
		if b.Level == geo.LevelGovernorate {
			l.governorates = append(l.governorates, b)
		}
	}
	slices.SortFunc(l.governorates, func(a, b geo.Boundary) int { return cmp.Compare(a.ID, b.ID) })
	l.statistics = slices.SortedFunc(slices.Values(ds.Statistics), func(a, b geo.Statistic) int { return cmp.Compare(a.ID, b.ID) })
	c.state.Store(l)
	return nil
}

// Snapshot returns the current immutable view of zones, incidents and
// sites, or nil before Load.
func (c *Catalog) Snapshot() *geo.Snapshot {
	if l := c.state.Load(); l != nil {
		return l.index.Snapshot()
	}
	return nil
}

// Actors returns every actor, ordered by ID.
func (c *Catalog) Actors() []geo.Actor {
	if l := c.state.Load(); l != nil {
		return l.actors
	}
	return nil
}

// Governorates returns the governorate boundaries, ordered by ID.
func (c *Catalog) Governorates() []geo.Boundary {
	if l := c.state.Load(); l != nil {
		return l.governorates
	}
	return nil
}

// Statistics returns the cited statistics, ordered by ID.
func (c *Catalog) Statistics() []geo.Statistic {
	if l := c.state.Load(); l != nil {
		return l.statistics
	}
	return nil
}

// DatasetID identifies the content the catalog holds: the store's id (so
// the same on every process and across restarts), or a hash of a
// read-only dataset's files; "" before Load.
func (c *Catalog) DatasetID() string {
	if l := c.state.Load(); l != nil {
		return l.id
	}
	return ""
}

// write runs op, a store write, then brings the index up to date with the
// store, all under mu.
func (c *Catalog) write(ctx context.Context, op func() (store.Version, error)) (Version, error) {
	if c.store == nil {
		return Version{}, ErrReadOnly
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	v, err := op()
	if err != nil {
		return Version{}, err
	}
	if err := c.catchUp(context.WithoutCancel(ctx)); err != nil {
		return Version{}, err
	}
	return versionOf(v), nil
}

// catchUp applies every version committed after c.applied to the index in
// one update. The caller holds mu. On error the index keeps its state and
// c.applied, so the next write tries again; the store has the data either
// way, and a restart rebuilds the index from it. Before Load, and after
// LoadTables, there is no index to bring up to date.
func (c *Catalog) catchUp(ctx context.Context) error {
	l := c.state.Load()
	if l == nil || c.tablesOnly {
		return nil
	}
	changes, err := c.store.Changes(ctx, c.applied)
	if err != nil || len(changes) == 0 {
		return err
	}
	last := changes[len(changes)-1].DatasetVersion
	if err := c.prepareView(ctx, changes); err != nil {
		return err
	}
	err = l.index.Update(func(tx *geo.Tx) error {
		tx.SetVersion(uint64(last))
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
	// The view after the index: an embargo ending meanwhile is applied
	// from the index's new state, and the changes again over it.
	if v := c.view.Load(); v != nil {
		if err := v.apply(changes, last, c.clock()); err != nil {
			return err
		}
	}
	c.applied = last
	c.changedMu.Lock()
	close(c.changed)
	c.changed = make(chan struct{})
	c.changedMu.Unlock()
	return nil
}

// Changed returns a channel that is closed when the index next takes
// changes: a write of this process, or another's that Follow brings in.
// Whoever waits on it reads the changes from the store (Changes).
func (c *Catalog) Changed() <-chan struct{} {
	c.changedMu.Lock()
	defer c.changedMu.Unlock()
	return c.changed
}

// Changes returns a page of the change feed: the versions of every kind of
// record committed after dataset version since, in commit order, without
// the first offset, at most limit (1 or more). It returns ErrReadOnly for
// a catalog without a store.
func (c *Catalog) Changes(ctx context.Context, since int64, offset, limit int) ([]Change, error) {
	if c.store == nil {
		return nil, ErrReadOnly
	}
	vs, err := c.store.ChangesPage(ctx, since, offset, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Change, len(vs))
	for i, v := range vs {
		out[i] = Change{Kind: string(v.Kind), ID: v.ID, Version: versionOf(v)}
		if !v.Deleted {
			out[i].Record = v.Record
		}
	}
	return out, nil
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

// versionOf converts a store version for the API.
func versionOf(v store.Version) Version {
	sv := Version{Number: v.Number, DatasetVersion: v.DatasetVersion, Committed: v.ValidFrom, Author: v.Author, Deleted: v.Deleted}
	if f, ok := v.Record.(Feature); ok && !v.Deleted {
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
	case store.KindPolicy:
		return "policy"
	case store.KindBoundary:
		return "boundaries"
	case store.KindStatistic:
		return "statistics"
	}
	return string(k) + "s"
}

// locate sets an incident's governorate from the dataset's boundaries, as
// the importers' records get theirs; other records pass unchanged.
func (c *Catalog) locate(rec store.Record) store.Record {
	l := c.state.Load()
	if in, ok := rec.(geo.Incident); ok && l != nil {
		ins := []geo.Incident{in}
		l.govs.Assign(ins)
		return ins[0]
	}
	return rec
}

// Get returns the current version of a live feature.
func (c *Catalog) Get(ctx context.Context, collection, id string) (Version, error) {
	if c.store == nil {
		return Version{}, ErrReadOnly
	}
	v, err := c.store.Get(ctx, kindOf(collection), id)
	return versionOf(v), err
}

// Create stores f as a new feature, an incident with its governorate.
func (c *Catalog) Create(ctx context.Context, f Feature, author string) (Version, error) {
	return c.write(ctx, func() (store.Version, error) { return c.store.Create(ctx, c.locate(f), author) })
}

// Replace stores f as the next version of the feature with its ID.
func (c *Catalog) Replace(ctx context.Context, f Feature, expected int64, author string) (Version, error) {
	return c.write(ctx, func() (store.Version, error) { return c.store.Replace(ctx, c.locate(f), expected, author) })
}

// Patch applies an RFC 7396 JSON merge patch to the feature's GeoJSON. A
// patched incident's governorate is computed again from its point.
func (c *Catalog) Patch(ctx context.Context, collection, id string, patch []byte, expected int64, author string) (Version, error) {
	return c.write(ctx, func() (store.Version, error) {
		return c.store.Patch(ctx, kindOf(collection), id, patch, expected, author, c.locate)
	})
}

// Delete stores a tombstone; the history stays.
func (c *Catalog) Delete(ctx context.Context, collection, id string, expected int64, author string) (Version, error) {
	return c.write(ctx, func() (store.Version, error) {
		return c.store.Delete(ctx, kindOf(collection), id, expected, author)
	})
}

// Restore stores version number of a feature as its next version.
func (c *Catalog) Restore(ctx context.Context, collection, id string, number int64, author string) (Version, error) {
	return c.write(ctx, func() (store.Version, error) {
		return c.store.Restore(ctx, kindOf(collection), id, number, author)
	})
}

// Merge stores two incidents reported of one event as one, in one write
// (store.Writes.Merge, whose errors it returns): the incident keptID (at
// version keptExpected) becomes dedup.Merge of itself and otherID (at
// version otherExpected), which is deleted; its history stays, and an
// import of its origin updates the merged incident. It returns
// geo.ErrNotFound when either is not a live incident.
func (c *Catalog) Merge(ctx context.Context, keptID string, keptExpected int64, otherID string, otherExpected int64, author string) (merged Version, err error) {
	s := c.Snapshot()
	kept, err := s.Incident(geo.IncidentID(keptID))
	if err != nil {
		return Version{}, err
	}
	other, err := s.Incident(geo.IncidentID(otherID))
	if err != nil {
		return Version{}, err
	}
	m := dedup.Merge(*kept, *other)
	return c.write(ctx, func() (store.Version, error) {
		v, _, err := c.store.Merge(ctx, m, keptExpected, otherID, otherExpected, author)
		return v, err
	})
}

// Succeed records that zone id's line moved on day on, in one write: the
// zone (at version expected) ends the day before, and its successor, a
// copy with the merge patch applied, starts on on (store.Write.Succeed,
// whose errors it returns).
func (c *Catalog) Succeed(ctx context.Context, id string, expected int64, on geo.Day, successorID string, patch []byte, author string) (closed, successor Version, err error) {
	var next store.Version
	closed, err = c.write(ctx, func() (store.Version, error) {
		cv, sv, err := c.store.Succeed(ctx, id, expected, on, successorID, patch, author)
		next = sv
		return cv, err
	})
	if err != nil {
		return Version{}, Version{}, err
	}
	return closed, versionOf(next), nil
}

// Versions returns every version of a feature, oldest first.
func (c *Catalog) Versions(ctx context.Context, collection, id string) ([]Version, error) {
	if c.store == nil {
		return nil, ErrReadOnly
	}
	h, err := c.store.History(ctx, kindOf(collection), id)
	if err != nil {
		return nil, err
	}
	out := make([]Version, len(h))
	for i, v := range h {
		out[i] = versionOf(v)
	}
	return out, nil
}

// AsOf returns the state at the last write committed at or before t, from
// the past states, which build it with stateAt. It returns ErrBusy when as
// many states are being built as may be.
func (c *Catalog) AsOf(ctx context.Context, t time.Time) (*geo.Snapshot, error) {
	if c.store == nil {
		return nil, ErrReadOnly
	}
	v, err := c.store.VersionAt(ctx, t)
	if err != nil {
		return nil, err
	}
	return c.past.Get(ctx, v)
}

// stateAt builds the state at dataset version v the cheaper of two ways.
// Near the current state (few records changed since v, the common case) it
// forks the index and puts back each changed record as it was at v, which
// costs those changes. Far from it (more changed records than a quarter of
// the index holds, say before a bulk import) it reads the state at v whole
// and indexes it, which costs that state's size: then the smaller of the
// two.
func (c *Catalog) stateAt(ctx context.Context, v int64) (*geo.Snapshot, int64, error) {
	l := c.state.Load()
	c.mu.Lock()
	tx, applied := l.index.Fork(), c.applied
	c.mu.Unlock()
	since := min(v, applied)
	changed, err := c.store.ChangedSince(ctx, since)
	if err != nil {
		return nil, 0, err
	}
	if z, in, st := l.index.Snapshot().Len(); changed > (z+in+st)/4 {
		ds, err := c.store.DatasetAt(ctx, v)
		if err != nil {
			return nil, 0, err
		}
		return indexWhole(ds, v)
	}
	changes, err := c.store.StateAt(ctx, v, since)
	if err != nil {
		return nil, 0, err
	}
	tx.SetVersion(uint64(v))
	for _, ch := range changes {
		if err := applyVersion(tx, ch); err != nil {
			return nil, 0, fmt.Errorf("the state at %d: %s %s: %w", v, ch.Kind, ch.ID, err)
		}
	}
	snap, size := tx.Result()
	return snap, size, nil
}

// indexWhole indexes ds, the state at dataset version v, in an index of
// its own, and returns its snapshot and its weight for PastStates.
func indexWhole(ds *geo.Dataset, v int64) (*geo.Snapshot, int64, error) {
	ix, err := geo.NewIndex(ds)
	if err == nil {
		err = ix.Update(func(tx *geo.Tx) error { tx.SetVersion(uint64(v)); return nil })
	}
	if err != nil {
		return nil, 0, err
	}
	z, in, st := ix.Snapshot().Len()
	return ix.Snapshot(), int64(z+in+st) * indexedRecordBytes, nil
}

// indexedRecordBytes is about what one record takes in an index of its
// own (docs/benchmarks.md measures the heap per incident), for weighing a
// past state that stateAt indexed whole.
const indexedRecordBytes = 700

// Audit returns the most recent entries of the audit log matching f,
// newest first.
func (c *Catalog) Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	if c.store == nil {
		return nil, ErrReadOnly
	}
	var kind store.Kind
	if f.Collection != "" {
		kind = kindOf(f.Collection)
	}
	log, err := c.store.AuditLog(ctx, store.AuditFilter{Kind: kind, ID: f.ID, Limit: f.Limit})
	out := make([]AuditEntry, len(log))
	for i, a := range log {
		out[i] = AuditEntry{At: a.At, Who: a.Who, Action: a.Action, Collection: collectionOf(a.Kind), ID: a.ID,
			Before: a.Before, After: a.After, DatasetVersion: a.DatasetVersion}
	}
	return out, err
}

// Backup writes a consistent copy of the whole store, history and tokens
// included, to w.
func (c *Catalog) Backup(ctx context.Context, w io.Writer) error {
	if c.store == nil {
		return ErrReadOnly
	}
	return c.store.Backup(ctx, w)
}

// Authenticate returns the name and role of the valid token whose secret
// this is, or store.ErrUnauthorized.
func (c *Catalog) Authenticate(ctx context.Context, secret string) (string, store.Role, error) {
	if c.store == nil {
		return "", "", store.ErrUnauthorized
	}
	return c.store.Authenticate(ctx, secret)
}
