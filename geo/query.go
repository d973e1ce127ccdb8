package geo

import (
	"cmp"
	"slices"
	"strings"

	"github.com/paulmach/orb"
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
	for _, t := range q.Types {
		if !t.Valid() {
			return nil, invalid("type", "%q is not one of %v", t, EventTypes)
		}
	}
	for _, st := range q.SubTypes {
		if _, ok := st.Type(); !ok {
			return nil, invalid("sub_type", "%q is not a known sub-type", st)
		}
	}
	for _, st := range q.Statuses {
		if !st.Valid() {
			return nil, invalid("status", "%q is not one of %v", st, IncidentStatuses)
		}
	}
	for _, a := range q.Actors {
		if err := checkID("actor", string(a)); err != nil {
			return nil, err
		}
	}
	switch {
	case q.MinFatalities < 0:
		return nil, invalid("min_fatalities", "must not be negative")
	case q.Offset < 0:
		return nil, invalid("offset", "must not be negative")
	case q.Limit < 0:
		return nil, invalid("limit", "must not be negative")
	}
	f.attrs = len(q.Types) > 0 || len(q.SubTypes) > 0 || len(q.Statuses) > 0 ||
		len(q.Actors) > 0 || q.MinFatalities > 0
	return f, nil
}

// matchItem applies the conditions the tree item carries inline.
func (f *incFilter) matchItem(it incItem) bool {
	return it.from <= f.window.To && f.window.From <= it.to
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
	if len(q.Actors) > 0 {
		return slices.ContainsFunc(in.Actors, func(a IncidentActor) bool {
			return a.Actor != "" && slices.Contains(q.Actors, a.Actor)
		})
	}
	return true
}

// each calls fn for every matching incident in no particular order until fn
// returns false.
func (s *Snapshot) each(f *incFilter, fn func(p orb.Point, it incItem) bool) {
	switch {
	case f.attrs:
		searchPoints(s.incTree, f.sh, func(p orb.Point, it incItem) bool {
			if !f.matchItem(it) || !f.matchRecord(s.incs.get(it.h)) {
				return true
			}
			return fn(p, it)
		})
	case f.window != Always:
		searchPoints(s.incTree, f.sh, func(p orb.Point, it incItem) bool {
			if !f.matchItem(it) {
				return true
			}
			return fn(p, it)
		})
	default:
		searchPoints(s.incTree, f.sh, fn)
	}
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
	if !f.attrs {
		// The hot path of counts: the window test inline in the one
		// callback, rather than a filter wrapping a counter.
		w := f.window
		searchPoints(s.incTree, f.sh, func(_ orb.Point, it incItem) bool {
			if it.from <= w.To && w.From <= it.to {
				n++
			}
			return true
		})
		return n, nil
	}
	s.each(f, func(orb.Point, incItem) bool { n++; return true })
	return n, nil
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
	var items []incItem
	s.each(f, func(_ orb.Point, it incItem) bool { items = append(items, it); return true })
	page := s.orderPage(items, q.Offset, q.Limit)
	out := IncidentPage{Matched: len(items), Incidents: make([]*Incident, len(page))}
	for i, it := range page {
		out.Incidents[i] = s.incs.get(it.h)
	}
	return out, nil
}

// byDateID orders incidents by their first day, then ID.
func (s *Snapshot) byDateID(a, b incItem) int {
	if c := cmp.Compare(a.from, b.from); c != 0 {
		return c
	}
	return strings.Compare(string(s.incs.get(a.h).ID), string(s.incs.get(b.h).ID))
}

// orderPage returns items[offset:offset+limit] of items sorted by byDateID.
// A small page of a large set is selected with a bounded heap in
// O(n log k); otherwise items are sorted whole (sortByDateID). items is
// reordered either way.
func (s *Snapshot) orderPage(items []incItem, offset, limit int) []incItem {
	if offset >= len(items) {
		return nil
	}
	k := len(items)
	if limit > 0 && limit < len(items)-offset {
		k = offset + limit
	}
	if k*8 < len(items) {
		items = smallest(items, k, s.byDateID)
	} else {
		s.sortByDateID(items)
		items = items[:k]
	}
	return items[offset:]
}

// sortByDateID sorts items by byDateID. Days come from the tree items, so a
// counting sort orders them without touching a record when their span is
// small (it is a few thousand days in practice); only runs of equal days
// then look up IDs.
func (s *Snapshot) sortByDateID(items []incItem) {
	if len(items) < 2 {
		return
	}
	lo, hi := items[0].from, items[0].from
	for _, it := range items {
		lo, hi = min(lo, it.from), max(hi, it.from)
	}
	if span := int64(hi) - int64(lo); span > 4*int64(len(items))+4096 {
		slices.SortFunc(items, s.byDateID)
		return
	}
	counts := make([]int32, int(hi-lo)+2)
	for _, it := range items {
		counts[it.from-lo+1]++
	}
	for i := 1; i < len(counts); i++ {
		counts[i] += counts[i-1]
	}
	sorted := make([]incItem, len(items))
	for _, it := range items {
		sorted[counts[it.from-lo]] = it
		counts[it.from-lo]++
	}
	type keyed struct {
		id string
		it incItem
	}
	var run []keyed
	for i := 0; i < len(sorted); {
		j := i + 1
		for j < len(sorted) && sorted[j].from == sorted[i].from {
			j++
		}
		if j-i > 1 {
			run = run[:0]
			for _, it := range sorted[i:j] {
				run = append(run, keyed{string(s.incs.get(it.h).ID), it})
			}
			slices.SortFunc(run, func(a, b keyed) int { return strings.Compare(a.id, b.id) })
			for k, r := range run {
				sorted[i+k] = r.it
			}
		}
		i = j
	}
	copy(items, sorted)
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

// Neighbor is a record found by a nearest-neighbour query and its
// haversine distance in metres from the query point.
type Neighbor[T any] struct {
	Record         *T
	DistanceMeters float64
}

// NearestIncidents returns the q.Limit incidents matching q that are nearest
// to p ([lon, lat]) by haversine distance, nearest first, ties broken by ID;
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
	accept := func(pt orb.Point, it incItem) bool {
		return f.matchItem(it) && (f.sh == nil || f.sh.contains(pt)) &&
			(!f.attrs || f.matchRecord(s.incs.get(it.h)))
	}
	id := func(it incItem) string { return string(s.incs.get(it.h).ID) }
	hits := nearest(s.incTree, p, q.Offset+q.Limit, accept, id)
	return neighbors(hits, q.Offset, func(it incItem) *Incident { return s.incs.get(it.h) }), nil
}
