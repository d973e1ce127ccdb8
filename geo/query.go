package geo

import (
	"cmp"
	"math/bits"
	"slices"
	"sort"
	"strings"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// IncidentQuery selects incidents. Every field is optional; the zero value
// matches every incident. Conditions combine with AND; the values of one
// list field combine with OR.
type IncidentQuery struct {
	// Where is the place; the zero Where is everywhere.
	Where Where
	// Window keeps incidents whose days [Date, DateEnd] overlap it, bounds
	// included; nil means all dates.
	Window *Interval
	// Types, SubTypes, Statuses: the incident has one of these values.
	Types    []EventType
	SubTypes []SubType
	Statuses []IncidentStatus
	// Actors: the incident involves one of these actors, in any role.
	Actors []ActorID
	// MinFatalities keeps incidents whose best fatality estimate is at least
	// this; 0 keeps all.
	MinFatalities int
	// Keep, when not nil, is a last record-level condition, checked on the
	// incidents that pass every other (a CQL2 filter's residue, geo/cql2).
	// It must be safe for concurrent use and must not keep the pointer.
	Keep func(*Incident) bool
	// Offset skips that many results of the ordered list, Limit caps how
	// many are returned (0: no cap). Count and Aggregate ignore both;
	// Nearest reads Limit as k.
	Offset, Limit int
}

// incFilter is a validated IncidentQuery, ready to run.
type incFilter struct {
	sh     shape
	window Interval
	// attrs says a record-level condition is set, so candidates that pass
	// the tree-level checks must be looked up.
	attrs bool
	q     *IncidentQuery
}

// CheckAttributes validates q's record-level conditions (Types, SubTypes,
// Statuses, Actors, MinFatalities): a *ValidationError naming the field
// ("type", "sub_type", "status", "actor", "min_fatalities"), or nil.
func (q *IncidentQuery) CheckAttributes() error {
	for _, t := range q.Types {
		if !t.Valid() {
			return invalid("type", "%q is not one of %v", t, EventTypes)
		}
	}
	for _, st := range q.SubTypes {
		if _, ok := st.Type(); !ok {
			return invalid("sub_type", "%q is not a known sub-type", st)
		}
	}
	for _, st := range q.Statuses {
		if !st.Valid() {
			return invalid("status", "%q is not one of %v", st, IncidentStatuses)
		}
	}
	for _, a := range q.Actors {
		if err := checkID("actor", string(a)); err != nil {
			return err
		}
	}
	if q.MinFatalities < 0 {
		return invalid("min_fatalities", "must not be negative")
	}
	return nil
}

// MatchAttributes reports whether in meets q's record-level conditions,
// ignoring Where, Window, Offset and Limit; q must be valid
// (CheckAttributes).
func (q *IncidentQuery) MatchAttributes(in *Incident) bool {
	return (&incFilter{q: q}).matchRecord(in)
}

// compile validates q against s.
func (s *Snapshot) compile(q *IncidentQuery) (*incFilter, error) {
	sh, err := s.resolve(q.Where)
	if err != nil {
		return nil, err
	}
	f := &incFilter{sh: sh, window: Always, q: q}
	if q.Window != nil {
		if err := q.Window.Validate(); err != nil {
			return nil, prefixField("window", err)
		}
		f.window = *q.Window
	}
	if err := q.CheckAttributes(); err != nil {
		return nil, err
	}
	switch {
	case q.Offset < 0:
		return nil, invalid("offset", "must not be negative")
	case q.Limit < 0:
		return nil, invalid("limit", "must not be negative")
	}
	f.attrs = len(q.Types) > 0 || len(q.SubTypes) > 0 || len(q.Statuses) > 0 ||
		len(q.Actors) > 0 || q.MinFatalities > 0 || q.Keep != nil
	return f, nil
}

// matchRecord applies the record-level conditions.
func (f *incFilter) matchRecord(in *Incident) bool {
	q := f.q
	if len(q.Types) > 0 && !slices.Contains(q.Types, in.Type) ||
		len(q.SubTypes) > 0 && !slices.Contains(q.SubTypes, in.SubType) ||
		len(q.Statuses) > 0 && !slices.Contains(q.Statuses, in.Status) ||
		in.Fatalities.Best < q.MinFatalities {
		return false
	}
	if len(q.Actors) > 0 && !slices.ContainsFunc(in.Actors, func(a IncidentActor) bool {
		return a.Actor != "" && slices.Contains(q.Actors, a.Actor)
	}) {
		return false
	}
	return q.Keep == nil || q.Keep(in)
}

// eachItem calls fn for every incident whose point is in sh (nil: everywhere)
// and whose days overlap w, in no particular order, until fn returns false.
// It reports whether it ran to the end.
//
// The incidents are the quadtree's live entries (searchLive) plus the tree
// of changes.
func (s *Snapshot) eachItem(sh shape, w Interval, fn func(p orb.Point, it incItem) bool) bool {
	q := s.incQuad
	visit := func(lo, hi uint32) bool {
		for i := lo; i < hi; i++ {
			e := &q.entries[i]
			if !fn(e.p, incItem{h: e.h, from: e.from, to: e.to, rank: e.rank}) {
				return false
			}
		}
		return true
	}
	if done := s.searchLive(sh, w, visit); !done || s.incDelta.Len() == 0 {
		return done
	}
	return searchPoints(s.incDelta, sh, func(p orb.Point, it incItem) bool {
		if it.from > w.To || w.From > it.to {
			return true
		}
		return fn(p, it)
	})
}

// searchLive is the quadtree's search less its dead entries. The dead
// entries that the query meets are found first in their own tree; the
// quadtree's runs come in increasing position, so the sorted positions of
// the dead are walked alongside and the runs cut around them.
func (s *Snapshot) searchLive(sh shape, w Interval, fn func(lo, hi uint32) bool) bool {
	if s.incDead.Len() == 0 {
		return s.incQuad.search(sh, w, fn)
	}
	var dead []uint32
	searchPoints(s.incDead, sh, func(_ orb.Point, d deadItem) bool {
		if d.from <= w.To && w.From <= d.to {
			dead = append(dead, d.pos)
		}
		return true
	})
	slices.Sort(dead)
	return s.incQuad.search(sh, w, func(lo, hi uint32) bool {
		for len(dead) > 0 && dead[0] < hi {
			if d := dead[0]; d >= lo {
				if lo < d && !fn(lo, d) {
					return false
				}
				lo = d + 1
			}
			dead = dead[1:]
		}
		return lo >= hi || fn(lo, hi)
	})
}

// each calls fn for every incident matching f in no particular order until
// fn returns false.
func (s *Snapshot) each(f *incFilter, fn func(p orb.Point, it incItem) bool) {
	if !f.attrs {
		s.eachItem(f.sh, f.window, fn)
		return
	}
	s.eachItem(f.sh, f.window, func(p orb.Point, it incItem) bool {
		if !f.matchRecord(s.incs.get(it.h)) {
			return true
		}
		return fn(p, it)
	})
}

// CountIncidents returns how many incidents match q, without materialising
// them; q.Offset and q.Limit are ignored. It returns a *ValidationError for
// an invalid query and ErrNotFound for an unknown zone in q.Where.
func (s *Snapshot) CountIncidents(q IncidentQuery) (int, error) {
	f, err := s.compile(&q)
	if err != nil {
		return 0, err
	}
	n := 0
	if f.attrs {
		s.each(f, func(orb.Point, incItem) bool { n++; return true })
		return n, nil
	}
	// The quadtree counts whole nodes at once; the dead entries it counted
	// are taken off again, and the changed incidents added.
	n = s.incQuad.count(f.sh, f.window)
	n -= countIn(s.incDead, f.sh, f.window, func(d deadItem) (Day, Day) { return d.from, d.to })
	n += countIn(s.incDelta, f.sh, f.window, func(it incItem) (Day, Day) { return it.from, it.to })
	return n, nil
}

// countIn returns how many items of tr (a tree of points) are in sh and
// have days, as span reads them, overlapping w.
func countIn[T any](tr *rtree.RTreeG[T], sh shape, w Interval, span func(T) (from, to Day)) int {
	if tr.Len() == 0 {
		return 0
	}
	n := 0
	searchPoints(tr, sh, func(_ orb.Point, it T) bool {
		if from, to := span(it); from <= w.To && w.From <= to {
			n++
		}
		return true
	})
	return n
}

// IncidentPage is one page of a query's results.
type IncidentPage struct {
	// Matched is how many incidents match, ignoring Offset and Limit (OGC
	// API's numberMatched).
	Matched int
	// Incidents are the page, ordered by Date then ID. They are shared with
	// the index and must not be modified.
	Incidents []*Incident
}

// Incidents returns the page of incidents matching q, ordered by Date (the
// first day) then ID, after q.Offset, at most q.Limit of them (all when 0).
// It returns a *ValidationError for an invalid query and ErrNotFound for an
// unknown zone in q.Where.
func (s *Snapshot) Incidents(q IncidentQuery) (IncidentPage, error) {
	f, err := s.compile(&q)
	if err != nil {
		return IncidentPage{}, err
	}
	if !f.attrs && f.window == Always && s.incQuad.holdsAll(f.sh) {
		return s.rankPage(f.sh, q.Offset, q.Limit), nil
	}
	sc := s.scratch.Get().(*scratch)
	defer s.scratch.Put(sc)
	keys, changed := sc.keys[:0], []incItem(nil)
	if !f.attrs {
		// Read the quadtree's runs directly, which saves a call per match.
		es := s.incQuad.entries
		s.searchLive(f.sh, f.window, func(lo, hi uint32) bool {
			for i := lo; i < hi; i++ {
				keys = append(keys, rankKey(es[i].rank, es[i].h))
			}
			return true
		})
		if s.incDelta.Len() > 0 {
			searchPoints(s.incDelta, f.sh, func(_ orb.Point, it incItem) bool {
				if it.from <= f.window.To && f.window.From <= it.to {
					changed = append(changed, it)
				}
				return true
			})
		}
	} else {
		s.each(f, func(_ orb.Point, it incItem) bool {
			if it.rank != noRank {
				keys = append(keys, rankKey(it.rank, it.h))
			} else {
				changed = append(changed, it)
			}
			return true
		})
	}
	sc.keys = keys
	n := len(keys) + len(changed)
	size := max(n-q.Offset, 0)
	if q.Limit > 0 {
		size = min(size, q.Limit)
	}
	page := IncidentPage{Matched: n, Incidents: make([]*Incident, 0, size)}
	s.walkPage(sc, changed, q.Offset, q.Limit, func(h, _ uint32) {
		page.Incidents = append(page.Incidents, s.incs.get(h))
	})
	return page, nil
}

// rankPage returns the page [offset, offset+limit) (limit 0: no cap) of
// the incidents in sh when every entry of the quadtree is in sh and no
// other condition applies, as Incidents would, without ordering the
// matches: the quadtree's entries in (Date, ID) order are its byRank
// table, so a page is a slice of it, in O(limit) for an index without
// changes, rather than a sort of every match. This is a whole layer read
// page by page, as GDAL's ogr2ogr reads one.
//
// With changes, the live entries are byRank less the dead ranks, and the
// changed incidents in sh are merged in: the number of them before the
// page is found by a binary search on their positions in the merged order,
// each position a binary search of byRank.
func (s *Snapshot) rankPage(sh shape, offset, limit int) IncidentPage {
	q := s.incQuad
	var dead []uint32
	if s.incDead.Len() > 0 {
		dead = make([]uint32, 0, s.incDead.Len())
		s.incDead.Scan(func(_, _ [2]float64, d deadItem) bool {
			dead = append(dead, q.entries[d.pos].rank)
			return true
		})
		slices.Sort(dead)
	}
	var changed []incItem
	searchPoints(s.incDelta, sh, func(_ orb.Point, it incItem) bool {
		changed = append(changed, it)
		return true
	})
	slices.SortFunc(changed, s.byDateID)
	n := len(q.byRank) - len(dead) + len(changed)
	page := IncidentPage{Matched: n}
	if offset >= n {
		return page
	}
	k := n - offset
	if limit > 0 {
		k = min(k, limit)
	}
	page.Incidents = make([]*Incident, 0, k)
	rankItem := func(r int) incItem { return s.keyItem(rankKey(uint32(r), q.byRank[r])) }
	// liveBefore is how many live entries precede the changed incident it.
	// Only live ranks are compared: the handle of a dead one may hold
	// another record by now. A dead rank r is judged by the first live
	// rank after it, which keeps the search's predicate monotone.
	liveBefore := func(it incItem) int {
		r := sort.Search(len(q.byRank), func(r int) bool {
			for i := sort.Search(len(dead), func(i int) bool { return int(dead[i]) >= r }); i < len(dead) && int(dead[i]) == r; i++ {
				r++
			}
			return r == len(q.byRank) || s.byDateID(rankItem(r), it) > 0
		})
		return r - sort.Search(len(dead), func(i int) bool { return int(dead[i]) >= r })
	}
	j := sort.Search(len(changed), func(j int) bool { return j+liveBefore(changed[j]) >= offset })
	// r is the rank of the (offset-j)th live entry, d the dead ranks below it.
	r, d := offset-j, 0
	for d < len(dead) && int(dead[d]) <= r {
		r++
		d++
	}
	changed = changed[j:]
	for len(page.Incidents) < k {
		for d < len(dead) && int(dead[d]) == r {
			r++
			d++
		}
		if r < len(q.byRank) && (len(changed) == 0 || s.byDateID(rankItem(r), changed[0]) < 0) {
			page.Incidents = append(page.Incidents, s.incs.get(q.byRank[r]))
			r++
		} else {
			page.Incidents = append(page.Incidents, s.incs.get(changed[0].h))
			changed = changed[1:]
		}
	}
	return page
}

// scratch holds the buffers of one ordered query, reused through
// Snapshot.scratch so that a large result costs the garbage collector only
// the page it returns.
type scratch struct {
	keys, tmp []uint64
	// marks is bitmapSort's bitmap, all zero between uses.
	marks []uint64
}

// rankKey packs the rank of a quadtree entry, in the high half, with its
// handle, so that sorting keys sorts by rank and keeps the handle.
func rankKey(rank, h uint32) uint64 { return uint64(rank)<<32 | uint64(h) }

// walkPage calls emit, in byDateID order, with the handles and ranks of the page
// [offset, offset+limit) (limit 0: no cap) of the union of the quadtree
// entries in sc.keys and the incidents changed. Both are reordered.
//
// The first offset+limit of the union are among the first offset+limit
// keys. Keys that are at least 1/128 of the ranks are sorted whole by
// bitmapSort, one pass over the keys and one over the bitmap, which beats a
// bounded heap even for a page of 100 of a million keys (4 ms against 9 ms
// here) and by far for deep pages, where the heap's k = offset+limit makes
// every key cost some 17 comparisons. Sparser keys are selected with a
// bounded heap in O(n log k) when the page is small, or else sorted by
// radixSort. The changed incidents, few, are sorted by comparison and
// merged in.
func (s *Snapshot) walkPage(sc *scratch, changed []incItem, offset, limit int, emit func(h, rank uint32)) {
	keys := sc.keys
	n := len(keys) + len(changed)
	if offset >= n {
		return
	}
	k := n
	if limit > 0 && limit < n-offset {
		k = offset + limit
	}
	switch ranks := len(s.incQuad.entries); {
	case len(keys)*128 >= ranks:
		sc.marks = s.incQuad.bitmapSort(keys, sc.marks)
	case k*8 < len(keys):
		keys = smallest(keys, k, cmp.Compare[uint64])
	default:
		sc.tmp = radixSort(keys, sc.tmp, bits.Len(uint(ranks)))
	}
	slices.SortFunc(changed, s.byDateID)
	for i := range k {
		h, rank := noRank, noRank
		if len(changed) > 0 && (len(keys) == 0 || s.byDateID(s.keyItem(keys[0]), changed[0]) > 0) {
			h, changed = changed[0].h, changed[1:]
		} else {
			h, rank, keys = uint32(keys[0]), uint32(keys[0]>>32), keys[1:]
		}
		if i >= offset {
			emit(h, rank)
		}
	}
}

// keyItem returns the incItem of the quadtree entry of key k.
func (s *Snapshot) keyItem(k uint64) incItem {
	h := uint32(k)
	in := s.incs.get(h)
	return incItem{h: h, from: in.Date, to: in.DateEnd, rank: uint32(k >> 32)}
}

// byDateID orders incidents by their first day, then ID. Two entries of the
// quadtree compare by rank, which is that order.
func (s *Snapshot) byDateID(a, b incItem) int {
	if a.rank != noRank && b.rank != noRank {
		return cmp.Compare(a.rank, b.rank)
	}
	if c := cmp.Compare(a.from, b.from); c != 0 {
		return c
	}
	return strings.Compare(string(s.incs.get(a.h).ID), string(s.incs.get(b.h).ID))
}

// orderPage returns items[offset:offset+limit] of items sorted by byDateID
// (limit 0: no cap), as walkPage orders them. items is reordered.
func (s *Snapshot) orderPage(items []incItem, offset, limit int) []incItem {
	sc := s.scratch.Get().(*scratch)
	defer s.scratch.Put(sc)
	sc.keys = sc.keys[:0]
	changed := 0
	for _, it := range items {
		if it.rank != noRank {
			sc.keys = append(sc.keys, rankKey(it.rank, it.h))
		} else {
			items[changed] = it
			changed++
		}
	}
	var page []incItem
	s.walkPage(sc, items[:changed:changed], offset, limit, func(h, rank uint32) {
		in := s.incs.get(h)
		page = append(page, incItem{h: h, from: in.Date, to: in.DateEnd, rank: rank})
	})
	return page
}

// smallest returns the k smallest elements of xs by cmp, sorted, using a
// max-heap of size k held in xs[:k].
func smallest[T any](xs []T, k int, cmp func(a, b T) int) []T {
	h := xs[:k]
	down := func(i int) {
		for {
			l, big := 2*i+1, i
			if l < k && cmp(h[l], h[big]) > 0 {
				big = l
			}
			if r := l + 1; r < k && cmp(h[r], h[big]) > 0 {
				big = r
			}
			if big == i {
				return
			}
			h[i], h[big] = h[big], h[i]
			i = big
		}
	}
	for i := k/2 - 1; i >= 0; i-- {
		down(i)
	}
	for _, x := range xs[k:] {
		if k > 0 && cmp(x, h[0]) < 0 {
			h[0] = x
			down(0)
		}
	}
	slices.SortFunc(h, cmp)
	return h
}

// radixBits is the digit of radixSort: 2,048 counters fit in L1 cache, and
// two passes sort the ranks of four million incidents.
const radixBits = 11

// radixSort sorts keys by their high halves, which are distinct and below
// 1<<width, with a least-significant-digit radix sort (Knuth, The Art of
// Computer Programming, vol. 3, §5.2.5): one pass counts every digit, then
// one pass per digit moves the keys. A short list is sorted by comparison.
// It uses tmp as its buffer, growing it if needed, and returns it for
// reuse.
func radixSort(keys, tmp []uint64, width int) []uint64 {
	if len(keys) < 256 {
		slices.Sort(keys)
		return tmp
	}
	if cap(tmp) < len(keys) {
		tmp = make([]uint64, len(keys))
	}
	const digits = (32 + radixBits - 1) / radixBits
	passes := (width + radixBits - 1) / radixBits
	var counts [digits][1 << radixBits]uint32
	for _, k := range keys {
		for d := range passes {
			counts[d][k>>(32+d*radixBits)&(1<<radixBits-1)]++
		}
	}
	src, dst := keys, tmp[:len(keys)]
	for d := range passes {
		c := &counts[d]
		var sum uint32
		for i, n := range c {
			c[i] = sum
			sum += n
		}
		shift := 32 + d*radixBits
		for _, k := range src {
			j := k >> shift & (1<<radixBits - 1)
			dst[c[j]] = k
			c[j]++
		}
		src, dst = dst, src
	}
	if passes%2 == 1 {
		copy(keys, src)
	}
	return tmp
}

// Neighbor is a record found by a nearest-neighbour query and its
// WGS84 distance in metres from the query point.
type Neighbor[T any] struct {
	Record         *T
	DistanceMeters float64
}

// NearestIncidents returns the q.Limit incidents matching q that are nearest
// to p ([lon, lat]) by WGS84 distance, nearest first, ties broken by ID;
// q.Offset skips that many of them first. It returns a *ValidationError
// when p is not a valid point or q.Limit is not positive, and ErrNotFound for
// an unknown zone in q.Where.
func (s *Snapshot) NearestIncidents(p orb.Point, q IncidentQuery) ([]Neighbor[Incident], error) {
	if err := ValidatePoint(p); err != nil {
		return nil, prefixField("point", err)
	}
	if q.Limit <= 0 {
		return nil, invalid("limit", "a nearest query needs a limit of at least 1")
	}
	f, err := s.compile(&q)
	if err != nil {
		return nil, err
	}
	bound, ok := s.incQuad.bound()
	if s.incDelta.Len() > 0 {
		min, max := s.incDelta.Bounds()
		if !ok {
			bound = orb.Bound{Min: min, Max: max}
		}
		bound = bound.Union(orb.Bound{Min: min, Max: max})
	}
	search := func(b orb.Bound, fn func(orb.Point, incItem) bool) {
		s.eachItem(boxShape(b), f.window, fn)
	}
	accept := func(pt orb.Point, it incItem) bool {
		return (f.sh == nil || f.sh.contains(pt)) && (!f.attrs || f.matchRecord(s.incs.get(it.h)))
	}
	id := func(it incItem) string { return string(s.incs.get(it.h).ID) }
	hits := nearest(bound, s.nInc, search, p, q.Offset+q.Limit, accept, id)
	return neighbors(hits, q.Offset, func(it incItem) *Incident { return s.incs.get(it.h) }), nil
}
