package geo

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Index holds zones and sites in R-trees (tidwall/rtree), incidents in a
// static quadtree with R-trees of the changes made since it was built, and
// answers every query of the package through a Snapshot.
//
// Concurrency: an Index is safe for concurrent use. Readers take a Snapshot,
// an immutable view that never blocks and never sees a half-applied update.
// Writers (Update and the Insert/Replace/Delete shorthands) serialise on a
// mutex, change copy-on-write copies of the trees and tables, and publish a
// new Snapshot atomically when they commit. A Snapshot costs nothing to hold
// beyond the memory of the records and structures it keeps alive (an old
// snapshot may keep a replaced incident quadtree, about 40 bytes per
// incident).
type Index struct {
	mu  sync.Mutex // serialises writers
	cur atomic.Pointer[Snapshot]
	// w is the writers' own state: trees that are never published, so that
	// copy-on-write never touches a tree a reader is walking.
	w writerState
}

// writerState is what a writer changes; every field is owned by the writer
// holding Index.mu.
type writerState struct {
	zoneTree *rtree.RTreeG[zoneItem]
	siteTree *rtree.RTreeG[SiteID]
	incDelta *rtree.RTreeG[incItem]
	incDead  *rtree.RTreeG[deadItem]
	// nextHandle is the first incident handle never used; freeHandles are
	// handles of deleted incidents, reused by later inserts.
	nextHandle  uint32
	freeHandles []uint32
}

// Snapshot is an immutable view of an Index at one version. All queries run
// on a Snapshot, so a page of results and its numberMatched, or several
// queries behind one HTTP response, agree with each other. A Snapshot is
// safe for concurrent use. Records it returns are shared with the index and
// must not be modified.
type Snapshot struct {
	version uint64
	// versionSet says version was given (Tx.SetVersion), not counted.
	versionSet bool

	zoneTree *rtree.RTreeG[zoneItem]
	zones    map[ZoneID]*zoneEntry

	// The incidents are the static quadtree incQuad, less the entries in
	// incDead, plus the items of incDelta: incidents inserted or replaced
	// since incQuad was built, and the quadtree entries they deleted or
	// replaced. Update rebuilds incQuad when the two trees grow large.
	incQuad  *pointQuad
	incDelta *rtree.RTreeG[incItem]
	incDead  *rtree.RTreeG[deadItem]
	incIDs   *incidentIDs
	incs     *incidentTable
	nInc     int

	siteTree *rtree.RTreeG[SiteID]
	sites    map[SiteID]*Site

	// scratch pools the *scratch buffers of ordered queries; every
	// snapshot of an index shares one pool.
	scratch *sync.Pool
}

// zoneItem is what the zone tree holds: the ID and, inline, the validity that
// every zone query filters on first.
type zoneItem struct {
	id    ZoneID
	valid Interval
}

// zoneEntry is a stored zone with its prepared shape: exactly one of region
// and circle is set.
type zoneEntry struct {
	zone   Zone
	region *Region
}

// incItem is an incident as queries see it: a handle into the incident
// table, the first and last day, and the rank in (Date, ID) order of an
// entry of the quadtree, noRank for any other. The tree of changed
// incidents holds incItems with noRank, the point being the rectangle, so
// that time-filtered spatial queries never leave the tree's leaves.
type incItem struct {
	h        uint32
	from, to Day
	rank     uint32
}

// deadItem is what the tree of dead quadtree entries holds: the entry's
// index in pointQuad.entries and, inline, its days; its point is the
// rectangle.
type deadItem struct {
	pos      uint32
	from, to Day
}

// incidentChunkBits sets the size of the incident table's chunks (512
// records): an update copies one chunk and the chunk directory, not the
// whole table.
const (
	incidentChunkBits = 9
	incidentChunkSize = 1 << incidentChunkBits
	incidentChunkMask = incidentChunkSize - 1
)

// incidentTable maps handles to records. Chunks are never modified once
// published; writers copy the chunks they change.
type incidentTable struct {
	chunks [][]Incident
}

func (t *incidentTable) get(h uint32) *Incident {
	return &t.chunks[h>>incidentChunkBits][h&incidentChunkMask]
}

// incidentIDShards is the number of shards of the ID table; an update copies
// one shard (about 4,000 entries at a million incidents).
const incidentIDShards = 256

// incidentIDs maps incident IDs to handles, sharded by an FNV-1a hash of the
// ID so that writers copy one small map rather than all of them.
type incidentIDs struct {
	shards [incidentIDShards]map[IncidentID]uint32
}

func idShard(id IncidentID) int {
	// FNV-1a, 32 bit.
	h := uint32(2166136261)
	for i := 0; i < len(id); i++ {
		h ^= uint32(id[i])
		h *= 16777619
	}
	return int(h % incidentIDShards)
}

func (m *incidentIDs) get(id IncidentID) (uint32, bool) {
	h, ok := m.shards[idShard(id)][id]
	return h, ok
}

func pointRect(p orb.Point) [2]float64 { return [2]float64{p[0], p[1]} }

// NewIndex validates ds and builds an Index over its zones, incidents and
// sites; actors, boundaries and statistics are not indexed. Zones are
// normalised (ring orientation) in place.
//
// NewIndex takes ownership of ds.Zones, ds.Incidents and ds.Sites: it keeps
// the incidents' backing array rather than copying a million records, so the
// caller must not modify those slices afterwards. When it succeeds it
// reorders ds.Incidents in place, in the spatial order of the index (by
// date within cells of up to 16,384 records), so that the records of one
// area share cache lines and pages, and moves the bytes
// of their strings and their Actors and Sources arrays into memory laid out
// in that order (a few blocks per 512 records): each such field is replaced
// by an equal value, so the records read the same, but the arrays the
// caller's records pointed to are no longer theirs (NewIndex never writes
// them). On an error it leaves the order and the fields as they were.
//
// It returns a *ValidationError naming the first invalid record, for example
// Field "incidents[12].date_end", or a duplicate ID ("zones[3].id").
func NewIndex(ds *Dataset) (*Index, error) {
	if err := validateIncidents(ds.Incidents); err != nil {
		return nil, err
	}
	ix := &Index{}
	ix.w = writerState{
		zoneTree: &rtree.RTreeG[zoneItem]{},
		siteTree: &rtree.RTreeG[SiteID]{},
		incDelta: &rtree.RTreeG[incItem]{},
		incDead:  &rtree.RTreeG[deadItem]{},
	}
	s := &Snapshot{
		zones:   make(map[ZoneID]*zoneEntry, len(ds.Zones)),
		sites:   make(map[SiteID]*Site, len(ds.Sites)),
		scratch: &sync.Pool{New: func() any { return new(scratch) }},
	}

	for i := range ds.Zones {
		e, err := prepareZone(ds.Zones[i])
		if err != nil {
			return nil, prefixField(fmt.Sprintf("zones[%d]", i), err)
		}
		if _, dup := s.zones[e.zone.ID]; dup {
			return nil, invalid(fmt.Sprintf("zones[%d].id", i), "duplicate id %q", e.zone.ID)
		}
		ds.Zones[i] = e.zone
		s.zones[e.zone.ID] = e
		b := e.zone.Bound()
		ix.w.zoneTree.Insert(b.Min, b.Max, zoneItem{id: e.zone.ID, valid: e.zone.Valid})
	}

	for i := range ds.Sites {
		st := &ds.Sites[i]
		if err := st.Validate(); err != nil {
			return nil, prefixField(fmt.Sprintf("sites[%d]", i), err)
		}
		if _, dup := s.sites[st.ID]; dup {
			return nil, invalid(fmt.Sprintf("sites[%d].id", i), "duplicate id %q", st.ID)
		}
		s.sites[st.ID] = st
		r := pointRect(st.Location)
		ix.w.siteTree.Insert(r, r, st.ID)
	}

	incs := ds.Incidents
	if uint64(len(incs)) >= 1<<32 {
		return nil, invalid("incidents", "more than 2^32-1 incidents")
	}
	s.incs = &incidentTable{}
	for lo := 0; lo < len(incs); lo += incidentChunkSize {
		hi := min(lo+incidentChunkSize, len(incs))
		// The full slice expression caps the chunk, so a later insert into
		// the last chunk copies it instead of writing into ds.Incidents.
		s.incs.chunks = append(s.incs.chunks, incs[lo:hi:hi])
	}
	// The ID table and the quadtree are independent: build them at once.
	var ids *incidentIDs
	var err error
	var wg sync.WaitGroup
	wg.Go(func() { ids, err = buildIncidentIDs(incs) })
	s.incQuad = buildQuad(s.incs, uint32(len(incs)))
	wg.Wait()
	if err != nil {
		return nil, err
	}
	s.incQuad.renumber(incs, ids)
	// The sums read the records in the order renumber left them in, the
	// entries' order, while the strings are packed on another goroutine:
	// different fields of the same records.
	wg.Go(func() { s.incQuad.buildSums(s.incs) })
	packIncidents(incs)
	wg.Wait()
	s.incIDs = ids
	s.nInc = len(incs)
	ix.w.nextHandle = uint32(len(incs))

	ix.publish(s)
	return ix, nil
}

// validateIncidents validates every incident, on all CPUs because a bulk
// load of a million records is dominated by it otherwise.
func validateIncidents(incs []Incident) error {
	workers := min(runtime.GOMAXPROCS(0), max(1, len(incs)/4096))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(incs); i += workers {
				if err := incs[i].Validate(); err != nil {
					errs[w] = prefixField(fmt.Sprintf("incidents[%d]", i), err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// buildIncidentIDs fills the sharded ID table, sizing each shard first so
// that no map grows while a million IDs go in.
func buildIncidentIDs(incs []Incident) (*incidentIDs, error) {
	shardOf := make([]uint8, len(incs))
	var sizes [incidentIDShards]int
	for i := range incs {
		s := idShard(incs[i].ID)
		shardOf[i] = uint8(s)
		sizes[s]++
	}
	ids := &incidentIDs{}
	for s := range ids.shards {
		ids.shards[s] = make(map[IncidentID]uint32, sizes[s])
	}
	for i := range incs {
		m := ids.shards[shardOf[i]]
		id := incs[i].ID
		if _, dup := m[id]; dup {
			return nil, invalid(fmt.Sprintf("incidents[%d].id", i), "duplicate id %q", id)
		}
		// The key is a copy: the ID may be a substring of the record's
		// whole text (as the codec decodes it), which NewIndex repacks
		// after, and a key must not keep that text alive.
		m[IncidentID(strings.Clone(string(id)))] = uint32(i)
	}
	return ids, nil
}

// prepareZone normalises z and prepares its shape.
func prepareZone(z Zone) (*zoneEntry, error) {
	if err := z.Normalize(); err != nil {
		return nil, err
	}
	e := &zoneEntry{zone: z}
	if z.Circle == nil {
		r, err := PrepareRegion(z.Area)
		if err != nil {
			return nil, prefixField("geometry", err)
		}
		e.region = r
	}
	return e, nil
}

// publish makes s, built from the writer's trees, the current snapshot. The
// published trees are copies, so the writer's later changes copy nodes
// instead of modifying the ones readers walk.
func (ix *Index) publish(s *Snapshot) {
	s.zoneTree = ix.w.zoneTree.Copy()
	s.siteTree = ix.w.siteTree.Copy()
	s.incDelta = ix.w.incDelta.Copy()
	s.incDead = ix.w.incDead.Copy()
	switch old := ix.cur.Load(); {
	case s.versionSet:
		s.versionSet = false
	case old != nil:
		s.version = old.version + 1
	default:
		s.version = 1
	}
	ix.cur.Store(s)
}

// Snapshot returns the current view of the index. It never blocks.
func (ix *Index) Snapshot() *Snapshot { return ix.cur.Load() }

// Version counts the updates committed to the index since it was built,
// starting at 1, or is the version the update that made it gave
// (Tx.SetVersion). Two snapshots of one index with the same version hold
// the same records, so it can serve as a dataset version or ETag.
func (s *Snapshot) Version() uint64 { return s.version }

// Len returns how many zones, incidents and sites the snapshot holds.
func (s *Snapshot) Len() (zones, incidents, sites int) {
	return len(s.zones), s.nInc, len(s.sites)
}

// Zone returns the zone with the given ID, or ErrNotFound.
func (s *Snapshot) Zone(id ZoneID) (*Zone, error) {
	e, ok := s.zones[id]
	if !ok {
		return nil, fmt.Errorf("zone %q: %w", id, ErrNotFound)
	}
	return &e.zone, nil
}

// Incident returns the incident with the given ID, or ErrNotFound.
func (s *Snapshot) Incident(id IncidentID) (*Incident, error) {
	h, ok := s.incIDs.get(id)
	if !ok {
		return nil, fmt.Errorf("incident %q: %w", id, ErrNotFound)
	}
	return s.incs.get(h), nil
}

// Site returns the site with the given ID, or ErrNotFound.
func (s *Snapshot) Site(id SiteID) (*Site, error) {
	st, ok := s.sites[id]
	if !ok {
		return nil, fmt.Errorf("site %q: %w", id, ErrNotFound)
	}
	return st, nil
}
