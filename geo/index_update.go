package geo

import (
	"fmt"
	"maps"
	"slices"
	"unsafe"

	"github.com/tidwall/rtree"
)

// Tx is a batch of changes to an Index, applied by Update. Its methods
// validate each record on the way in, so nothing invalid reaches a query. A
// Tx must not be used after its Update returns, nor from several goroutines.
type Tx struct {
	ix *Index
	s  *Snapshot // the snapshot being built: a shallow copy of the current one
	w  writerState

	// fork marks a Tx from Fork, whose state is never published;
	// baseChanges is the size of the delta trees it was forked with.
	fork        bool
	baseChanges int

	zonesOwned, sitesOwned, idsOwned, dirOwned bool
	shardOwned                                 [incidentIDShards]bool
	chunkOwned                                 map[uint32]bool
}

// Update runs fn with a Tx and, if fn returns nil, publishes all its changes
// at once as a new snapshot: readers see either none of them or all of them.
// If fn returns an error, nothing changes and Update returns that error.
// Writers are serialised; readers are never blocked. Once the incidents
// changed since the incident quadtree was built amount to about 1/32 of
// them, the Update that commits rebuilds it, which at a million
// incidents adds a few hundred milliseconds to it.
func (ix *Index) Update(fn func(tx *Tx) error) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	tx := ix.newTx()
	if err := fn(tx); err != nil {
		return err
	}
	if tx.w.incDelta.Len()+tx.w.incDead.Len() > maxIncidentChanges(tx.s.nInc) {
		tx.rebuildQuad()
	}
	ix.w = tx.w
	ix.publish(tx.s)
	return nil
}

// newTx returns a Tx over a copy-on-write copy of the current state. The
// caller holds mu.
func (ix *Index) newTx() *Tx {
	cur := *ix.cur.Load()
	return &Tx{
		ix: ix,
		s:  &cur,
		w: writerState{
			zoneTree:    ix.w.zoneTree.Copy(),
			siteTree:    ix.w.siteTree.Copy(),
			incDelta:    ix.w.incDelta.Copy(),
			incDead:     ix.w.incDead.Copy(),
			nextHandle:  ix.w.nextHandle,
			freeHandles: slices.Clip(ix.w.freeHandles),
		},
		chunkOwned: map[uint32]bool{},
	}
}

// Fork returns a Tx over a copy of the index's current state that the
// index never publishes: a state derived from the current one, such as a
// past state (the current one with the changes since undone). Apply the
// changes with the Tx's methods, then call Result. Forking costs next to
// nothing, as the Tx copies only the parts it changes; it does not block
// readers or Update, and later updates do not reach the fork. The Tx is for
// one goroutine.
func (ix *Index) Fork() *Tx {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	tx := ix.newTx()
	tx.fork, tx.baseChanges = true, tx.w.incDelta.Len()+tx.w.incDead.Len()
	// A Tx pops free handles and pushes others back in place, which is
	// safe when its writer state replaces the index's, not beside it.
	tx.w.freeHandles = slices.Clone(tx.w.freeHandles)
	return tx
}

// SetVersion gives the snapshot the transaction makes version v instead of
// the next count: the store's dataset version it reflects, say, so that
// every process holding the same state reports the same version.
func (tx *Tx) SetVersion(v uint64) {
	tx.s.version, tx.s.versionSet = v, true
}

// Result returns the snapshot a Tx from Fork has made, with the current
// snapshot's Version unless SetVersion gave another, and an estimate in
// bytes of the memory it holds
// apart from the state it was forked from (the parts the Tx copied, and
// the changes it keeps beside the quadtree), for a cache of derived states
// to weigh. The quadtree is never rebuilt: the changes stay in the delta
// trees, which queries read as well. Result panics for a Tx from Update,
// and the Tx must not be used after it.
func (tx *Tx) Result() (*Snapshot, int64) {
	if !tx.fork {
		panic("geo: Result of a Tx that Update publishes")
	}
	s := tx.s
	s.versionSet = false
	s.zoneTree, s.siteTree = tx.w.zoneTree, tx.w.siteTree
	s.incDelta, s.incDead = tx.w.incDelta, tx.w.incDead
	return s, tx.ownBytes()
}

// Approximate sizes, in bytes, of the parts a Tx copies, for ownBytes: a
// map entry of an ID map and an item of an R-tree (with its share of the
// tree's nodes).
const (
	mapEntryBytes = 48
	treeItemBytes = 64
)

// ownBytes estimates the memory the Tx's state holds that its base does
// not: the incident chunks, ID shards and maps it copied, and the items it
// added to the delta trees. Strings, and the nodes of the small zone and
// site trees, are not counted.
func (tx *Tx) ownBytes() int64 {
	n := int64(len(tx.chunkOwned)) * incidentChunkSize * int64(unsafe.Sizeof(Incident{}))
	if tx.dirOwned {
		n += int64(len(tx.s.incs.chunks)) * int64(unsafe.Sizeof([]Incident{}))
	}
	for _, owned := range tx.shardOwned {
		if owned {
			n += int64(tx.s.nInc/incidentIDShards+1) * mapEntryBytes
		}
	}
	if tx.zonesOwned {
		n += int64(len(tx.s.zones)) * mapEntryBytes
	}
	if tx.sitesOwned {
		n += int64(len(tx.s.sites)) * mapEntryBytes
	}
	return n + int64(max(0, tx.w.incDelta.Len()+tx.w.incDead.Len()-tx.baseChanges))*treeItemBytes
}

// InsertZone validates and normalises z and adds it. It returns a
// *ValidationError for an invalid zone and ErrConflict if the ID exists.
func (tx *Tx) InsertZone(z Zone) error {
	e, err := prepareZone(z)
	if err != nil {
		return err
	}
	if _, ok := tx.s.zones[e.zone.ID]; ok {
		return fmt.Errorf("zone %q: %w", e.zone.ID, ErrConflict)
	}
	tx.putZone(e)
	return nil
}

// ReplaceZone validates z and replaces the zone with the same ID. It returns
// a *ValidationError for an invalid zone and ErrNotFound if the ID is absent.
func (tx *Tx) ReplaceZone(z Zone) error {
	e, err := prepareZone(z)
	if err != nil {
		return err
	}
	if err := tx.DeleteZone(e.zone.ID); err != nil {
		return err
	}
	tx.putZone(e)
	return nil
}

// DeleteZone removes the zone with the given ID, or returns ErrNotFound.
func (tx *Tx) DeleteZone(id ZoneID) error {
	old, ok := tx.s.zones[id]
	if !ok {
		return fmt.Errorf("zone %q: %w", id, ErrNotFound)
	}
	tx.ownZones()
	delete(tx.s.zones, id)
	b := old.zone.Bound()
	tx.w.zoneTree.Delete(b.Min, b.Max, zoneItem{id: id, valid: old.zone.Valid})
	return nil
}

func (tx *Tx) putZone(e *zoneEntry) {
	tx.ownZones()
	tx.s.zones[e.zone.ID] = e
	b := e.zone.Bound()
	tx.w.zoneTree.Insert(b.Min, b.Max, zoneItem{id: e.zone.ID, valid: e.zone.Valid})
}

func (tx *Tx) ownZones() {
	if !tx.zonesOwned {
		tx.s.zones = maps.Clone(tx.s.zones)
		tx.zonesOwned = true
	}
}

// InsertSite validates s and adds it. It returns a *ValidationError for an
// invalid site and ErrConflict if the ID exists.
func (tx *Tx) InsertSite(s Site) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if _, ok := tx.s.sites[s.ID]; ok {
		return fmt.Errorf("site %q: %w", s.ID, ErrConflict)
	}
	tx.putSite(s)
	return nil
}

// ReplaceSite validates s and replaces the site with the same ID. It returns
// a *ValidationError for an invalid site and ErrNotFound if the ID is absent.
func (tx *Tx) ReplaceSite(s Site) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if err := tx.DeleteSite(s.ID); err != nil {
		return err
	}
	tx.putSite(s)
	return nil
}

// DeleteSite removes the site with the given ID, or returns ErrNotFound.
func (tx *Tx) DeleteSite(id SiteID) error {
	old, ok := tx.s.sites[id]
	if !ok {
		return fmt.Errorf("site %q: %w", id, ErrNotFound)
	}
	tx.ownSites()
	delete(tx.s.sites, id)
	r := pointRect(old.Location)
	tx.w.siteTree.Delete(r, r, id)
	return nil
}

func (tx *Tx) putSite(s Site) {
	tx.ownSites()
	tx.s.sites[s.ID] = &s
	r := pointRect(s.Location)
	tx.w.siteTree.Insert(r, r, s.ID)
}

func (tx *Tx) ownSites() {
	if !tx.sitesOwned {
		tx.s.sites = maps.Clone(tx.s.sites)
		tx.sitesOwned = true
	}
}

// InsertIncident validates in and adds it. It returns a *ValidationError for
// an invalid incident and ErrConflict if the ID exists.
func (tx *Tx) InsertIncident(in Incident) error {
	if err := in.Validate(); err != nil {
		return err
	}
	if _, ok := tx.s.incIDs.get(in.ID); ok {
		return fmt.Errorf("incident %q: %w", in.ID, ErrConflict)
	}
	var h uint32
	if n := len(tx.w.freeHandles); n > 0 {
		h = tx.w.freeHandles[n-1]
		tx.w.freeHandles = tx.w.freeHandles[:n-1]
	} else {
		if tx.w.nextHandle == 1<<32-1 {
			return invalid("id", "the index holds 2^32-1 incidents")
		}
		h = tx.w.nextHandle
		tx.w.nextHandle++
	}
	tx.ownShard(in.ID)[in.ID] = h
	tx.putIncident(h, in)
	tx.s.nInc++
	return nil
}

// ReplaceIncident validates in and replaces the incident with the same ID.
// It returns a *ValidationError for an invalid incident and ErrNotFound if
// the ID is absent.
func (tx *Tx) ReplaceIncident(in Incident) error {
	if err := in.Validate(); err != nil {
		return err
	}
	h, ok := tx.s.incIDs.get(in.ID)
	if !ok {
		return fmt.Errorf("incident %q: %w", in.ID, ErrNotFound)
	}
	tx.removeIncidentItem(h)
	tx.putIncident(h, in)
	return nil
}

// DeleteIncident removes the incident with the given ID, or returns
// ErrNotFound.
func (tx *Tx) DeleteIncident(id IncidentID) error {
	h, ok := tx.s.incIDs.get(id)
	if !ok {
		return fmt.Errorf("incident %q: %w", id, ErrNotFound)
	}
	tx.removeIncidentItem(h)
	delete(tx.ownShard(id), id)
	// Clear the slot so the record's strings can be collected once no
	// snapshot refers to the old chunk.
	*tx.ownSlot(h) = Incident{}
	tx.w.freeHandles = append(tx.w.freeHandles, h)
	tx.s.nInc--
	return nil
}

// removeIncidentItem takes the incident of handle h out of the spatial
// index. A live handle is either in the tree of changes or, unchanged since
// the quadtree was built, in the quadtree; there its entry is marked dead.
func (tx *Tx) removeIncidentItem(h uint32) {
	old := tx.s.incs.get(h)
	r := pointRect(old.Location)
	n := tx.w.incDelta.Len()
	tx.w.incDelta.Delete(r, r, incItem{h: h, from: old.Date, to: old.DateEnd, rank: noRank})
	if tx.w.incDelta.Len() == n {
		tx.w.incDead.Insert(r, r, deadItem{pos: tx.s.incQuad.pos[h], from: old.Date, to: old.DateEnd})
	}
}

func (tx *Tx) putIncident(h uint32, in Incident) {
	*tx.ownSlot(h) = in
	r := pointRect(in.Location)
	tx.w.incDelta.Insert(r, r, incItem{h: h, from: in.Date, to: in.DateEnd, rank: noRank})
}

// minIncidentChanges and incidentChangesDivisor set when an Update rebuilds
// the quadtree: when the trees of changes (incidents inserted or replaced
// since the last build, quadtree entries deleted or replaced) hold more
// than 1/32 as many items as there are incidents, or 1024 in a small index. A
// rebuild at a million incidents takes a few hundred milliseconds of CPU
// (BenchmarkBuild, less the ID table), so spread over 31,250 changes it
// adds about 10 µs to each, while the two trees of changes stay small
// enough that a query spends little time in them.
const (
	minIncidentChanges     = 1024
	incidentChangesDivisor = 32
)

// maxIncidentChanges is the number of changed incidents that an index of n
// incidents keeps beside its quadtree.
func maxIncidentChanges(n int) int {
	return max(minIncidentChanges, n/incidentChangesDivisor)
}

// rebuildQuad builds a new quadtree of every incident and empties the trees
// of changes. Snapshots already published keep the old ones.
func (tx *Tx) rebuildQuad() {
	tx.s.incQuad = buildQuad(tx.s.incs, tx.w.nextHandle)
	tx.s.incQuad.buildSums(tx.s.incs)
	tx.w.incDelta = &rtree.RTreeG[incItem]{}
	tx.w.incDead = &rtree.RTreeG[deadItem]{}
}

// ownSlot returns the table slot of handle h in a chunk this Tx owns,
// copying the chunk directory and the chunk the first time.
func (tx *Tx) ownSlot(h uint32) *Incident {
	if !tx.dirOwned {
		tx.s.incs = &incidentTable{chunks: slices.Clone(tx.s.incs.chunks)}
		tx.dirOwned = true
	}
	c := h >> incidentChunkBits
	chunks := tx.s.incs.chunks
	if int(c) == len(chunks) {
		tx.s.incs.chunks = append(chunks, make([]Incident, incidentChunkSize))
		tx.chunkOwned[c] = true
	}
	if !tx.chunkOwned[c] {
		// Bulk-loaded chunks may be short (the last one) and belong to the
		// caller's dataset; the copy is always full size.
		nc := make([]Incident, incidentChunkSize)
		copy(nc, tx.s.incs.chunks[c])
		tx.s.incs.chunks[c] = nc
		tx.chunkOwned[c] = true
	}
	return &tx.s.incs.chunks[c][h&incidentChunkMask]
}

// ownShard returns the ID table shard of id, copied the first time.
func (tx *Tx) ownShard(id IncidentID) map[IncidentID]uint32 {
	if !tx.idsOwned {
		ids := *tx.s.incIDs
		tx.s.incIDs = &ids
		tx.idsOwned = true
	}
	s := idShard(id)
	if !tx.shardOwned[s] {
		tx.s.incIDs.shards[s] = maps.Clone(tx.s.incIDs.shards[s])
		tx.shardOwned[s] = true
	}
	return tx.s.incIDs.shards[s]
}
