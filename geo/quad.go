package geo

import (
	"cmp"
	"math/bits"
	"slices"
	"strings"
	"sync"

	"github.com/paulmach/orb"
)

// pointQuad is the static part of the incident index: a bucket point-region
// quadtree (Finkel and Bentley, "Quad trees: a data structure for retrieval
// on composite keys", Acta Informatica 4, 1974; the bucket variant, which
// splits a node only when it holds more than a few points, is Samet's, "The
// Design and Analysis of Spatial Data Structures", 1990, §2.8) laid out flat.
//
// The incidents are partitioned in place, quadrant by quadrant, in one array,
// so that every node's points are one contiguous run of it (the array is in
// the quadtree's Z-like order down to the leaves). A node wholly inside a
// query is counted as the length of its run, and listed by reading the run,
// without a per-point test; only the leaves that a query's boundary crosses
// test their points. Within a leaf the entries are sorted by first day, so a
// time window is a few binary searches per leaf, never a scan of the leaf.
//
// Each entry also carries its rank in (Date, ID) order, so that results are
// put in the API's order by an integer sort that touches no record.
//
// A pointQuad is built once (by NewIndex, and again by an Update when enough
// changes have piled up beside it) and never modified, so snapshots share it.
type pointQuad struct {
	entries []quadEntry
	nodes   []quadNode // nodes[0] is the root, unless there are no entries
	leaves  []quadLeaf // in the order of entries
	// pos is each handle's index in entries; meaningless for a handle that
	// was free when the quadtree was built.
	pos []uint32
	// byRank is the handle of each rank.
	byRank []uint32
	// sums are the prefix sums of Clusters over entries (buildSums).
	sums []prefixSums
}

// quadEntry is one incident in a pointQuad: its point, first and last day,
// handle and rank in (Date, ID) order among the entries.
type quadEntry struct {
	p        orb.Point
	from, to Day
	h        uint32
	rank     uint32
}

// quadNode is one node of a pointQuad. box is the bound of the node's points
// (tight, so that a query relates it as Within or Disjoint as early as
// possible), entries[lo:hi] are the points and leaves[l0:l1] the leaves
// below it. child is the first of the four children, in the order SW, SE,
// NW, NE; 0 marks a leaf, since the root is no one's child.
type quadNode struct {
	box            orb.Bound
	lo, hi, l0, l1 uint32
	child          uint32
}

// quadLeaf is a run of entries sorted by first day, and the longest span
// (DateEnd - Date, in days) among them.
type quadLeaf struct {
	lo, hi  uint32
	maxSpan int64
}

// quadLeafSize is the most points a node holds before it is split. Leaves
// that a query's boundary crosses test each of their points, interior nodes
// cost a Relate each, and a time window costs binary searches per leaf.
// Measured on the benchmarks at a million incidents, 16 is as fast as 32 on
// Q1 to Q4 but 60% slower on Q5 (twice the leaves to search by day), and 64
// a few percent slower on the Q1 and Q2 counts.
const quadLeafSize = 32

// quadMaxDepth stops splitting where halving no longer separates points
// (after about 50 halvings float64 midpoints stop moving); a leaf there may
// hold more than quadLeafSize points, all at one location or nearly.
const quadMaxDepth = 48

// noRank marks an incident that is not in the quadtree, and so has no rank.
const noRank = ^uint32(0)

// buildQuad builds the quadtree of the live incidents (those with an ID) of
// t among handles [0, nHandles). It ranks them in (Date, ID) order on
// another goroutine while it partitions.
func buildQuad(t *incidentTable, nHandles uint32) *pointQuad {
	q := &pointQuad{pos: make([]uint32, nHandles), entries: make([]quadEntry, 0, nHandles)}
	days := make([]dayHandle, 0, nHandles)
	for c, chunk := range t.chunks {
		for i := range chunk {
			h := uint32(c)<<incidentChunkBits | uint32(i)
			if h >= nHandles {
				break
			}
			in := &chunk[i]
			if in.ID == "" {
				continue
			}
			q.entries = append(q.entries, quadEntry{p: in.Location, from: in.Date, to: in.DateEnd, h: h})
			days = append(days, dayHandle{in.Date, h})
		}
	}
	if len(q.entries) == 0 {
		return q
	}
	var ranks []uint32
	var wg sync.WaitGroup
	wg.Go(func() { ranks, q.byRank = rankByDateID(t, days, nHandles) })
	q.nodes = append(q.nodes, quadNode{hi: uint32(len(q.entries))})
	q.split(0, 0)
	wg.Wait()
	for i := range q.entries {
		e := &q.entries[i]
		e.rank = ranks[e.h]
		q.pos[e.h] = uint32(i)
	}
	return q
}

// renumber moves the records of incs, every one of them live and the
// handles [0, len(incs)) of q and ids, into the order in which pages read
// them, and renumbers the handles to match. Queries read records a page at
// a time, in (Date, ID) order within the area the query covers, and a
// million records in the caller's order put neighbours a cache miss apart,
// often a TLB miss (a page walk, which on a virtual machine is several
// memory reads).
//
// The order is the quadtree's down to cells of at most quadCellSize
// entries (the largest nodes that small), and (Date, ID) within a cell: a
// cell is one stretch of records, as a node's run of entries is, so a
// query of one area reads few stretches; and the earliest records of a
// cell, which a page of a larger area or of the whole layer reads first,
// are next to each other rather than spread over the whole cell. Measured
// on the HTTP GeoJSON benchmarks at a million incidents, the quadtree's
// order alone halved the time to read a page of 10,000 features from the
// caller's order; ordering cells by date then took Q1 (a large area) from
// about 570 to 490 serve-ns/feature and HTTPStream100k (the whole layer)
// from about 480 to 350 ns/feature (medians of interleaved runs), leaving
// Q2 and Q3 (small areas) as they were.
//
// The permutation is done in place by following its cycles (each record is
// moved once, with one swap): the records are the caller's.
func (q *pointQuad) renumber(incs []Incident, ids *incidentIDs) {
	if len(q.entries) != len(incs) || len(incs) == 0 {
		return // free handles, which NewIndex never has; keep the order
	}
	// to[e] is the new handle of entry e: the next free slot of its cell,
	// cells filled in rank order.
	to := make([]uint32, len(q.entries))
	var next []uint32
	q.cells(0, func(lo, hi uint32) {
		for e := lo; e < hi; e++ {
			to[e] = uint32(len(next))
		}
		next = append(next, lo)
	})
	for _, h := range q.byRank {
		e := q.pos[h]
		c := to[e]
		to[e] = next[c]
		next[c]++
	}
	// pos becomes the new handle of each old handle; the ID table and the
	// ranks are remapped through it on one goroutine while the records
	// move on another, which leaves pos the identity.
	for h, e := range q.pos {
		q.pos[h] = to[e]
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for _, m := range ids.shards {
			for id, h := range m {
				m[id] = q.pos[h]
			}
		}
	})
	for r, h := range q.byRank {
		q.byRank[r] = q.pos[h]
	}
	for e := range q.entries {
		q.entries[e].h = to[e]
	}
	wg.Wait()
	pos := q.pos
	for i := range pos {
		for j := pos[i]; j != uint32(i); j = pos[i] {
			incs[i], incs[j] = incs[j], incs[i]
			pos[i], pos[j] = pos[j], j
		}
	}
	for e, h := range to {
		pos[h] = uint32(e)
	}
}

// quadCellSize is the most entries of a cell of renumber's order: records
// in (Date, ID) order within it, 4.5 MB of them at most. Cells of 1,024
// gained less on Q1 and the whole layer; cells of 65,536 slowed Q3 and Q5.
const quadCellSize = 16384

// cells calls fn with the run of entries [lo, hi) of each of the largest
// nodes at or below node ni that hold at most quadCellSize entries (or are
// leaves), in the order of the entries.
func (q *pointQuad) cells(ni uint32, fn func(lo, hi uint32)) {
	n := &q.nodes[ni]
	if n.hi-n.lo <= quadCellSize || n.child == 0 {
		fn(n.lo, n.hi)
		return
	}
	for k := range uint32(4) {
		if ch := n.child + k; q.nodes[ch].lo < q.nodes[ch].hi {
			q.cells(ch, fn)
		}
	}
}

// dayHandle is an incident's first day and handle, the key that ranks sort.
type dayHandle struct {
	from Day
	h    uint32
}

// rankByDateID returns the rank in (Date, ID) order of each incident of
// keys, indexed by handle, and the handle of each rank: a sort by day of
// the flat keys, then a sort by ID of each run of equal days, so that only
// ties read records. keys may be reordered.
func rankByDateID(t *incidentTable, keys []dayHandle, nHandles uint32) (ranks, byRank []uint32) {
	lo, hi := keys[0].from, keys[0].from
	for _, k := range keys {
		lo, hi = min(lo, k.from), max(hi, k.from)
	}
	if span := int64(hi) - int64(lo); span > 4*int64(len(keys))+4096 {
		slices.SortFunc(keys, func(a, b dayHandle) int { return cmp.Compare(a.from, b.from) })
	} else {
		// A counting sort (Knuth, TAOCP vol. 3, §5.2) over the few
		// thousand days that records span in practice.
		starts := make([]int, int(hi-lo)+2)
		for _, k := range keys {
			starts[k.from-lo+1]++
		}
		for d := 1; d < len(starts); d++ {
			starts[d] += starts[d-1]
		}
		sorted := make([]dayHandle, len(keys))
		for _, k := range keys {
			sorted[starts[k.from-lo]] = k
			starts[k.from-lo]++
		}
		keys = sorted
	}
	type keyed struct {
		id string
		h  uint32
	}
	var run []keyed
	ranks = make([]uint32, nHandles)
	byRank = make([]uint32, len(keys))
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j].from == keys[i].from {
			j++
		}
		run = run[:0]
		for _, k := range keys[i:j] {
			run = append(run, keyed{string(t.get(k.h).ID), k.h})
		}
		slices.SortFunc(run, func(a, b keyed) int { return strings.Compare(a.id, b.id) })
		for k, r := range run {
			ranks[r.h] = uint32(i + k)
			byRank[i+k] = r.h
		}
		i = j
	}
	return ranks, byRank
}

// split makes node ni, whose entries are set, a leaf or the parent of four
// children, recursively. The split is at the middle of the node's tight
// bound; a point on a dividing line goes east or north, by exact
// comparison, so each child's bound holds its points exactly.
func (q *pointQuad) split(ni uint32, depth int) {
	lo, hi := q.nodes[ni].lo, q.nodes[ni].hi
	es := q.entries[lo:hi]
	b := entryBound(es)
	q.nodes[ni].box = b
	q.nodes[ni].l0 = uint32(len(q.leaves))
	if len(es) <= quadLeafSize || depth == quadMaxDepth || b.Min == b.Max {
		slices.SortFunc(es, func(a, b quadEntry) int { return cmp.Compare(a.from, b.from) })
		var span int64
		for _, e := range es {
			span = max(span, int64(e.to)-int64(e.from))
		}
		q.leaves = append(q.leaves, quadLeaf{lo: lo, hi: hi, maxSpan: span})
		q.nodes[ni].l1 = uint32(len(q.leaves))
		return
	}
	mx, my := (b.Min[0]+b.Max[0])/2, (b.Min[1]+b.Max[1])/2
	south := partition(es, 1, my)
	sw := partition(es[:south], 0, mx)
	nw := south + partition(es[south:], 0, mx)
	cuts := [5]uint32{lo, lo + uint32(sw), lo + uint32(south), lo + uint32(nw), hi}
	child := uint32(len(q.nodes))
	q.nodes[ni].child = child
	for k := range 4 {
		q.nodes = append(q.nodes, quadNode{lo: cuts[k], hi: cuts[k+1]})
	}
	for k := range uint32(4) {
		if cuts[k] < cuts[k+1] {
			q.split(child+k, depth+1)
		}
	}
	q.nodes[ni].l1 = uint32(len(q.leaves))
}

// entryBound returns the bound of the points of es, which is not empty.
func entryBound(es []quadEntry) orb.Bound {
	b := orb.Bound{Min: es[0].p, Max: es[0].p}
	for i := range es {
		p := es[i].p
		if p[0] < b.Min[0] {
			b.Min[0] = p[0]
		} else if p[0] > b.Max[0] {
			b.Max[0] = p[0]
		}
		if p[1] < b.Min[1] {
			b.Min[1] = p[1]
		} else if p[1] > b.Max[1] {
			b.Max[1] = p[1]
		}
	}
	return b
}

// partition moves the entries whose coordinate axis (0: lon, 1: lat) is
// below v to the front of es and returns how many there are (Hoare's
// scheme, with v for pivot).
func partition(es []quadEntry, axis int, v float64) int {
	i, j := 0, len(es)-1
	for {
		for i <= j && es[i].p[axis] < v {
			i++
		}
		for i <= j && es[j].p[axis] >= v {
			j--
		}
		if i >= j {
			return i
		}
		es[i], es[j] = es[j], es[i]
		i++
		j--
	}
}

// bound returns the bound of every entry, and false when there are none.
func (q *pointQuad) bound() (orb.Bound, bool) {
	if len(q.entries) == 0 {
		return orb.Bound{}, false
	}
	return q.nodes[0].box, true
}

// windowRange returns the entries of leaf lf whose days may overlap w:
// those in [a, c) may, and those in [b, c) surely do, since they start
// within w. An entry that starts before w overlaps it when it ends in it, so
// it starts at most maxSpan days before w.
func (q *pointQuad) windowRange(lf quadLeaf, w Interval) (a, b, c uint32) {
	es := q.entries[lf.lo:lf.hi]
	from := int64(w.From)
	// a <= b <= c: each search needs only the entries after the last.
	ib := firstFrom(es, from)
	ia := ib
	if lf.maxSpan > 0 {
		ia = firstFrom(es[:ib], from-lf.maxSpan)
	}
	ic := ib + firstFrom(es[ib:], int64(w.To)+1)
	return lf.lo + ia, lf.lo + ib, lf.lo + ic
}

// firstFrom returns the index of the first entry of es (sorted by first
// day) starting on day d or later.
func firstFrom(es []quadEntry, d int64) uint32 {
	lo, hi := 0, len(es)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if int64(es[m].from) < d {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return uint32(lo)
}

// count returns how many entries have their point in sh (nil: everywhere)
// and days overlapping w: the entries of search's runs.
func (q *pointQuad) count(sh shape, w Interval) int {
	c := 0
	q.search(sh, w, func(lo, hi uint32) bool {
		c += int(hi - lo)
		return true
	})
	return c
}

// search calls fn with every run [lo, hi) of consecutive entries whose
// points are in sh (nil: everywhere) and whose days overlap w, in
// increasing order, until fn returns false. It reports whether it ran to
// the end. A node wholly inside sh is one run, or a few per leaf with a
// window, so most matches cost no call at all.
func (q *pointQuad) search(sh shape, w Interval, fn func(lo, hi uint32) bool) bool {
	if len(q.entries) == 0 {
		return true
	}
	return q.searchNode(0, sh, w, fn)
}

func (q *pointQuad) searchNode(ni uint32, sh shape, w Interval, fn func(lo, hi uint32) bool) bool {
	n := &q.nodes[ni]
	rel := Within
	if sh != nil {
		rel = sh.relate(n.box)
	}
	switch {
	case rel == Disjoint:
		return true
	case rel == Within && w == Always:
		return fn(n.lo, n.hi)
	case rel == Within:
		for _, lf := range q.leaves[n.l0:n.l1] {
			a, _, end := q.windowRange(lf, w)
			if !q.runs(a, end, nil, w, fn) {
				return false
			}
		}
		return true
	case n.child == 0:
		a, end := n.lo, n.hi
		if w != Always {
			a, _, end = q.windowRange(q.leaves[n.l0], w)
		}
		return q.runs(a, end, sh, w, fn)
	}
	for k := range uint32(4) {
		if ch := n.child + k; q.nodes[ch].lo < q.nodes[ch].hi && !q.searchNode(ch, sh, w, fn) {
			return false
		}
	}
	return true
}

// runs calls fn with the runs of entries in [lo, hi) whose days overlap w
// and, when sh is not nil, whose points are in sh, as search does.
func (q *pointQuad) runs(lo, hi uint32, sh shape, w Interval, fn func(lo, hi uint32) bool) bool {
	start := lo
	for i := lo; i < hi; i++ {
		e := &q.entries[i]
		if e.to >= w.From && e.from <= w.To && (sh == nil || sh.contains(e.p)) {
			continue
		}
		if start < i && !fn(start, i) {
			return false
		}
		start = i + 1
	}
	return start == hi || fn(start, hi)
}

// bitmapSort sorts keys (rankKeys of entries) by rank, as radixSort does,
// when they are many for the number of ranks: it marks each rank in a
// bitmap and reads the marks back in order, taking the handles from byRank.
// It is a counting sort (Knuth, TAOCP vol. 3, §5.2) with one-bit counters,
// which distinct ranks allow. It uses buf, all zero, as the bitmap, growing
// it if needed, and returns it all zero again for reuse.
func (q *pointQuad) bitmapSort(keys, buf []uint64) []uint64 {
	words := (len(q.entries) + 63) / 64
	if cap(buf) < words {
		buf = make([]uint64, words)
	}
	marks := buf[:words]
	for _, k := range keys {
		r := k >> 32
		marks[r>>6] |= 1 << (r & 63)
	}
	n := 0
	for i, w := range marks {
		if w == 0 {
			continue
		}
		marks[i] = 0
		for ; w != 0; w &= w - 1 {
			r := uint32(i<<6 | bits.TrailingZeros64(w))
			keys[n] = rankKey(r, q.byRank[r])
			n++
		}
	}
	return buf
}

// holdsAll reports whether every entry's point is in sh (nil: everywhere),
// and there is at least one entry.
func (q *pointQuad) holdsAll(sh shape) bool {
	return len(q.entries) > 0 && (sh == nil || sh.relate(q.nodes[0].box) == Within)
}
