package catalog

import (
	"container/heap"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/frontline-maps/frontline/catalog/publish"
	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
)

// The published view: what readers without the editor role read. With a
// publication policy (SetPolicy), or once any incident carries an editor's
// "coarse" or "withheld", the catalog keeps a second index beside the
// store's: the same zones and sites, and each incident as the policy
// publishes it now (publish.Publisher.Decide): left out while embargoed
// or withheld, its position coarsened, properties withheld. It is kept in
// step with the first in commit order, at the same dataset versions, and
// an incident whose publication changes with time alone (an embargo ends,
// an age limit passes) is applied again when that time comes, at the
// next read of the view. Without either, there is no second index, and
// the view is the index itself.

// SetPolicy makes p the publication policy (nil: none). It must be called
// before Load or LoadDataset.
func (c *Catalog) SetPolicy(p *publish.Policy) { c.policy = p }

// Policy returns the publication policy, nil for none.
func (c *Catalog) Policy() *publish.Policy { return c.policy }

// Published returns the published view's current snapshot, and its
// generation: a count, within this process, of the view's changes, which
// grows when its content changes at the same dataset version (an embargo
// ends). Without a published view it is Snapshot's, and 0; nil before
// Load.
func (c *Catalog) Published() (*geo.Snapshot, uint64) {
	v, raw := c.view.Load(), c.Snapshot()
	if v == nil || raw == nil {
		return raw, 0
	}
	if now := c.clock(); now.UnixNano() >= v.next.Load() {
		v.release(now, raw)
	}
	cur := v.cur.Load()
	return cur.snap, cur.gen
}

// Publishing reports whether the catalog keeps a published view apart
// from its index: reads of non-editors then differ from editors'.
func (c *Catalog) Publishing() bool { return c.view.Load() != nil }

// PublishedChanged returns a channel closed when the published view's
// content next changes (a write that changes what is published, or an
// embargo that ends), or Changed when there is no published view.
func (c *Catalog) PublishedChanged() <-chan struct{} {
	v := c.view.Load()
	if v == nil {
		return c.Changed()
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.changed
}

// view is the published view's state.
type view struct {
	pub *publish.Publisher
	// maxEmbargo is the policy's longest embargo: recordings older than
	// it embargo nothing.
	maxEmbargo time.Duration
	index      *geo.Index
	// mu serialises changes of the index and guards what follows.
	mu sync.Mutex
	// recorded holds when each incident recorded within maxEmbargo was
	// first committed; pruned is when it was last pruned.
	recorded map[geo.IncidentID]time.Time
	pruned   time.Time
	due      dueQueue
	changed  chan struct{}
	// next is the UnixNano of the earliest due entry, MaxInt64 for none.
	next atomic.Int64
	// past builds and keeps the published past states of as_of reads; it
	// is replaced when the view changes with time.
	past atomic.Pointer[PastStates]
	// cur is the index's snapshot and its generation, set together after
	// each change under mu.
	cur atomic.Pointer[generation]
}

// generation is a snapshot of the published view and its count.
type generation struct {
	snap *geo.Snapshot
	gen  uint64
}

// due is an incident whose publication changes at at.
type due struct {
	at time.Time
	id geo.IncidentID
}

// dueQueue is a min-heap of due entries by time.
type dueQueue []due

func (q dueQueue) Len() int           { return len(q) }
func (q dueQueue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q dueQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *dueQueue) Push(x any)        { *q = append(*q, x.(due)) }
func (q *dueQueue) Pop() any {
	old := *q
	d := old[len(old)-1]
	*q = old[:len(old)-1]
	return d
}

// needsView reports whether the catalog must keep a published view of
// incidents ins: a policy is set, or one of them is coarse or withheld by
// an editor.
func (c *Catalog) needsView(ins []geo.Incident) bool {
	if c.policy != nil {
		return true
	}
	for i := range ins {
		if p := ins[i].Publish; p == geo.PublishCoarse || p == geo.PublishWithheld {
			return true
		}
	}
	return false
}

// openView builds the published view of ds, the state at dataset version
// version, with recordings read from the store. The caller holds mu.
func (c *Catalog) openView(ctx context.Context, ds *geo.Dataset, version int64) error {
	now := c.clock()
	v := &view{pub: publish.New(c.policy, ds.Boundaries), maxEmbargo: c.policy.MaxEmbargo(),
		recorded: map[geo.IncidentID]time.Time{}, changed: make(chan struct{}), pruned: now}
	v.next.Store(math.MaxInt64)
	if err := c.readRecordings(ctx, v, now); err != nil {
		return fmt.Errorf("the published view: %w", err)
	}
	pds := &geo.Dataset{Zones: ds.Zones, Sites: ds.Sites, Boundaries: ds.Boundaries, Incidents: make([]geo.Incident, 0, len(ds.Incidents))}
	for _, in := range ds.Incidents {
		if d := v.decide(in, now); d.Published {
			pds.Incidents = append(pds.Incidents, d.Incident)
		}
	}
	ix, err := geo.NewIndex(pds)
	if err == nil {
		err = ix.Update(func(tx *geo.Tx) error { tx.SetVersion(uint64(version)); return nil })
	}
	if err != nil {
		return fmt.Errorf("the published view: %w", err)
	}
	v.index = ix
	v.cur.Store(&generation{snap: ix.Snapshot(), gen: 1})
	v.past.Store(NewPastStates(c.publishedStateAt, pastBuilds, pastBudget, pastTimeout))
	c.view.Store(v)
	return nil
}

// readRecordings fills v.recorded with the incidents first committed
// within v.maxEmbargo of now, from the store's change feed. A catalog of
// no store has no recordings; its embargoes count from the incidents'
// dates.
func (c *Catalog) readRecordings(ctx context.Context, v *view, now time.Time) error {
	if c.store == nil || v.maxEmbargo == 0 {
		return nil
	}
	since, err := c.store.VersionAt(ctx, now.Add(-v.maxEmbargo))
	if err != nil {
		return err
	}
	const page = 10_000
	for offset := 0; ; offset += page {
		vs, err := c.store.ChangesPage(ctx, since, offset, page)
		if err != nil {
			return err
		}
		for _, sv := range vs {
			if sv.Kind == store.KindIncident && sv.Number == 1 {
				v.recorded[geo.IncidentID(sv.ID)] = sv.ValidFrom
			}
		}
		if len(vs) < page {
			return nil
		}
	}
}

// decide is v's publisher's decision on in at now, with in's recording
// if v knows it. The caller holds mu, or is building v.
func (v *view) decide(in geo.Incident, now time.Time) publish.Decision {
	d := v.pub.Decide(in, v.recorded[in.ID], now)
	if !d.Until.IsZero() {
		heap.Push(&v.due, due{at: d.Until, id: in.ID})
		v.next.Store(v.due[0].at.UnixNano())
	}
	return d
}

// apply brings the view to dataset version last with changes, the
// versions the index has just taken. The caller holds the catalog's mu.
func (v *view) apply(changes []store.Version, last int64, now time.Time) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	changed := false
	err := v.index.Update(func(tx *geo.Tx) error {
		tx.SetVersion(uint64(last))
		for _, sv := range changes {
			if sv.Kind == store.KindIncident && sv.Number == 1 && v.maxEmbargo > 0 {
				v.recorded[geo.IncidentID(sv.ID)] = sv.ValidFrom
			}
			c, err := v.applyVersion(tx, sv, now)
			if err != nil {
				return fmt.Errorf("publishing %s %s version %d: %w", sv.Kind, sv.ID, sv.Number, err)
			}
			changed = changed || c
		}
		return nil
	})
	if err != nil {
		return err
	}
	v.notify(changed)
	return nil
}

// applyVersion puts sv in the view: an incident as published now (or
// left out), anything else as it is. It reports whether the view's
// content changed: an incident published neither before nor now leaves
// it as it was.
func (v *view) applyVersion(tx *geo.Tx, sv store.Version, now time.Time) (bool, error) {
	if sv.Kind != store.KindIncident {
		return true, applyVersion(tx, sv)
	}
	if !sv.Deleted {
		in := sv.Record.(geo.Incident)
		if d := v.decide(in, now); d.Published {
			return true, upsert(d.Incident, tx.ReplaceIncident, tx.InsertIncident)
		}
	}
	err := tx.DeleteIncident(geo.IncidentID(sv.ID))
	if errors.Is(err, geo.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// prepareView opens the published view, from the index's state before
// changes, when the catalog has none and changes give an incident an
// editor's "coarse" or "withheld": before the index takes them, so that no
// reader finds such an incident in the index for want of a view. The
// caller holds mu and then applies changes to both.
func (c *Catalog) prepareView(ctx context.Context, changes []store.Version) error {
	if c.view.Load() != nil {
		return nil
	}
	var ins []geo.Incident
	for _, sv := range changes {
		if in, ok := sv.Record.(geo.Incident); ok && !sv.Deleted {
			ins = append(ins, in)
		}
	}
	if !c.needsView(ins) {
		return nil
	}
	snap := c.Snapshot()
	zs, err := snap.Zones(geo.ZoneQuery{})
	if err != nil {
		return err
	}
	is, err := snap.Incidents(geo.IncidentQuery{})
	if err != nil {
		return err
	}
	ss, err := snap.Sites(geo.SiteQuery{})
	if err != nil {
		return err
	}
	ds := &geo.Dataset{Boundaries: c.Governorates()}
	for _, z := range zs.Zones {
		ds.Zones = append(ds.Zones, *z)
	}
	for _, in := range is.Incidents {
		ds.Incidents = append(ds.Incidents, *in)
	}
	for _, s := range ss.Sites {
		ds.Sites = append(ds.Sites, *s)
	}
	return c.openView(ctx, ds, c.applied)
}

// notify publishes the index's new snapshot as the next generation and,
// when changed says its content changed, wakes whoever waits on
// PublishedChanged. The caller holds mu.
func (v *view) notify(changed bool) {
	v.cur.Store(&generation{snap: v.index.Snapshot(), gen: v.cur.Load().gen + 1})
	if changed {
		close(v.changed)
		v.changed = make(chan struct{})
	}
}

// release applies again, from raw (the index's current snapshot), every
// incident whose publication was due to change by now.
func (v *view) release(now time.Time, raw *geo.Snapshot) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.due) == 0 || v.due[0].at.After(now) {
		return // another reader released them first
	}
	var ids []geo.IncidentID
	for len(v.due) > 0 && !v.due[0].at.After(now) {
		ids = append(ids, heap.Pop(&v.due).(due).id)
	}
	v.next.Store(math.MaxInt64)
	if len(v.due) > 0 {
		v.next.Store(v.due[0].at.UnixNano())
	}
	changed := false
	err := v.index.Update(func(tx *geo.Tx) error {
		for _, id := range ids {
			sv := store.Version{Kind: store.KindIncident, ID: string(id), Deleted: true}
			if in, err := raw.Incident(id); err == nil {
				sv.Record, sv.Deleted = *in, false
			}
			c, err := v.applyVersion(tx, sv, now)
			if err != nil {
				return err
			}
			changed = changed || c
		}
		return nil
	})
	if err != nil {
		// Only an invalid published record fails, which Decide never
		// makes of a valid one; try again at the next read.
		for _, id := range ids {
			heap.Push(&v.due, due{at: now, id: id})
		}
		v.next.Store(now.UnixNano())
		return
	}
	if now.Sub(v.pruned) > time.Minute {
		for id, t := range v.recorded {
			if now.Sub(t) > v.maxEmbargo {
				delete(v.recorded, id)
			}
		}
		v.pruned = now
	}
	v.past.Store(NewPastStates(v.past.Load().build, pastBuilds, pastBudget, pastTimeout))
	v.notify(changed)
}

// publishedStateAt builds the published state at dataset version v as
// stateAt builds the index's: the published view forked, with each record
// changed since v put back as it was at v and published now. Far from
// the current state it publishes the whole state at v.
func (c *Catalog) publishedStateAt(ctx context.Context, v int64) (*geo.Snapshot, int64, error) {
	pv := c.view.Load()
	now := c.clock()
	c.mu.Lock()
	pv.mu.Lock()
	tx, applied := pv.index.Fork(), c.applied
	pv.mu.Unlock()
	c.mu.Unlock()
	since := min(v, applied)
	changed, err := c.store.ChangedSince(ctx, since)
	if err != nil {
		return nil, 0, err
	}
	decide := func(in geo.Incident) publish.Decision {
		pv.mu.Lock()
		defer pv.mu.Unlock()
		return pv.pub.Decide(in, pv.recorded[in.ID], now)
	}
	if z, in, st := pv.index.Snapshot().Len(); changed > (z+in+st)/4 {
		ds, err := c.store.DatasetAt(ctx, v)
		if err != nil {
			return nil, 0, err
		}
		pds := &geo.Dataset{Zones: ds.Zones, Sites: ds.Sites}
		for _, in := range ds.Incidents {
			if d := decide(in); d.Published {
				pds.Incidents = append(pds.Incidents, d.Incident)
			}
		}
		return indexWhole(pds, v)
	}
	changes, err := c.store.StateAt(ctx, v, since)
	if err != nil {
		return nil, 0, err
	}
	tx.SetVersion(uint64(v))
	for _, ch := range changes {
		err := applyVersion(tx, ch)
		if ch.Kind == store.KindIncident && !ch.Deleted {
			if d := decide(ch.Record.(geo.Incident)); d.Published {
				err = upsert(d.Incident, tx.ReplaceIncident, tx.InsertIncident)
			} else {
				err = absentOK(tx.DeleteIncident(geo.IncidentID(ch.ID)))
			}
		}
		if err != nil {
			return nil, 0, fmt.Errorf("the published state at %d: %s %s: %w", v, ch.Kind, ch.ID, err)
		}
	}
	snap, size := tx.Result()
	return snap, size, nil
}

// PublishedAsOf is AsOf of the published view: the state at the last
// write committed at or before t, each incident as published now.
func (c *Catalog) PublishedAsOf(ctx context.Context, t time.Time) (*geo.Snapshot, error) {
	pv := c.view.Load()
	if pv == nil {
		return c.AsOf(ctx, t)
	}
	if c.store == nil {
		return nil, ErrReadOnly
	}
	v, err := c.store.VersionAt(ctx, t)
	if err != nil {
		return nil, err
	}
	return pv.past.Load().Get(ctx, v)
}

// PublishVersions returns the versions of a feature (Versions' answer) as
// the published view shows them: an incident's, each as published now,
// without those not published; geo.ErrNotFound when its current version,
// or every version, is not published. Other features' pass unchanged.
func (c *Catalog) PublishVersions(collection string, vs []Version) ([]Version, error) {
	pv := c.view.Load()
	if pv == nil || kindOf(collection) != store.KindIncident || len(vs) == 0 {
		return vs, nil
	}
	var recorded time.Time
	if vs[0].Number == 1 {
		recorded = vs[0].Committed
	}
	now := c.clock()
	out := make([]Version, 0, len(vs))
	for i, v := range vs {
		if v.Deleted {
			out = append(out, v)
			continue
		}
		d := pv.pub.Decide(v.Feature.(geo.Incident), recorded, now)
		if !d.Published {
			if i == len(vs)-1 {
				return nil, fmt.Errorf("incident: %w", geo.ErrNotFound)
			}
			continue
		}
		v.Feature = d.Incident
		out = append(out, v)
	}
	if !slices.ContainsFunc(out, func(v Version) bool { return !v.Deleted }) {
		return nil, fmt.Errorf("incident: %w", geo.ErrNotFound)
	}
	return out, nil
}

// PublishChanges returns the entries of a page of the change feed as the
// published view shows them: an incident each as published now, or left
// out when it is not published.
func (c *Catalog) PublishChanges(page []Change) []Change {
	pv := c.view.Load()
	if pv == nil {
		return page
	}
	now := c.clock()
	out := make([]Change, 0, len(page))
	for _, ch := range page {
		if ch.Kind == string(store.KindIncident) && !ch.Deleted {
			in := ch.Record.(geo.Incident)
			recorded := ch.Committed // the first version's commit is the recording
			if ch.Number != 1 {
				pv.mu.Lock()
				recorded = pv.recorded[in.ID]
				pv.mu.Unlock()
			}
			d := pv.pub.Decide(in, recorded, now)
			if !d.Published {
				continue
			}
			ch.Record, ch.Feature = d.Incident, d.Incident
		}
		out = append(out, ch)
	}
	return out
}

// PublishedFeedEnd returns the last dataset version of the change feed
// that readers of the published view may read: with an embargo, the
// version current the longest embargo and a day ago (every incident
// recorded by then has waited out its embargo, but for one dated after
// its recording); without, the current one.
func (c *Catalog) PublishedFeedEnd(ctx context.Context) (int64, error) {
	pv := c.view.Load()
	if pv == nil || pv.maxEmbargo == 0 || c.store == nil {
		return math.MaxInt64, nil
	}
	return c.store.VersionAt(ctx, c.clock().Add(-pv.maxEmbargo-24*time.Hour))
}

// PolicyDigest identifies a publication policy in the audit log:
// "sha256:" and the first 16 bytes of the SHA-256 of its JSON, in hex;
// store.NoPolicy for none.
func PolicyDigest(p *publish.Policy) string {
	if p == nil {
		return store.NoPolicy
	}
	sum := sha256.Sum256(p.JSON())
	return "sha256:" + hex.EncodeToString(sum[:16])
}

// AuditPolicy records the catalog's publication policy in the store's
// audit log, by who, when it differs from the one the log last recorded
// (a server started with a new policy, or without its old one); it
// reports whether it did.
func (c *Catalog) AuditPolicy(ctx context.Context, who string) (bool, error) {
	if c.store == nil {
		return false, ErrReadOnly
	}
	return c.store.AuditPolicy(ctx, PolicyDigest(c.policy), who)
}
