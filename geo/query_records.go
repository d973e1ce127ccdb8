package geo

import (
	"cmp"
	"slices"

	"github.com/paulmach/orb"
)

// SiteQuery selects sites. The zero value matches every site.
type SiteQuery struct {
	// Where is the place; the zero Where is everywhere.
	Where Where
	// Kinds: the site is of one of these kinds; empty keeps all.
	Kinds []SiteKind
	// Keep, when not nil, is a last condition on each site (a CQL2
	// filter, geo/cql2); it must not keep the pointer.
	Keep func(*Site) bool
	// Offset and Limit page the ordered results (Limit 0: no cap);
	// NearestSites reads Limit as k.
	Offset, Limit int
}

// SitePage is one page of sites.
type SitePage struct {
	Matched int     // matches ignoring Offset and Limit
	Sites   []*Site // ordered by ID; shared with the index, do not modify
}

func (s *Snapshot) compileSites(q *SiteQuery) (shape, error) {
	sh, err := s.resolve(q.Where)
	if err != nil {
		return nil, err
	}
	for _, k := range q.Kinds {
		if !k.Valid() {
			return nil, invalid("kind", "%q is not one of %v", k, SiteKinds)
		}
	}
	if err := checkPage(q.Offset, q.Limit); err != nil {
		return nil, err
	}
	return sh, nil
}

func checkPage(offset, limit int) error {
	switch {
	case offset < 0:
		return invalid("offset", "must not be negative")
	case limit < 0:
		return invalid("limit", "must not be negative")
	}
	return nil
}

func (q *SiteQuery) keep(st *Site) bool {
	return (len(q.Kinds) == 0 || slices.Contains(q.Kinds, st.Kind)) && (q.Keep == nil || q.Keep(st))
}

// Sites returns the page of sites matching q, ordered by ID. It returns a
// *ValidationError for an invalid query and ErrNotFound for an unknown zone
// in q.Where.
func (s *Snapshot) Sites(q SiteQuery) (SitePage, error) {
	sh, err := s.compileSites(&q)
	if err != nil {
		return SitePage{}, err
	}
	var out []*Site
	searchPoints(s.siteTree, sh, func(_ orb.Point, id SiteID) bool {
		if st := s.sites[id]; q.keep(st) {
			out = append(out, st)
		}
		return true
	})
	slices.SortFunc(out, func(a, b *Site) int { return cmp.Compare(a.ID, b.ID) })
	return SitePage{Matched: len(out), Sites: paginate(out, q.Offset, q.Limit)}, nil
}

// NearestSites returns the q.Limit sites matching q nearest to p ([lon,
// lat]) by WGS84 distance, nearest first, ties broken by ID, after
// skipping q.Offset. It returns a *ValidationError when p is invalid or
// q.Limit is not positive.
func (s *Snapshot) NearestSites(p orb.Point, q SiteQuery) ([]Neighbor[Site], error) {
	if err := ValidatePoint(p); err != nil {
		return nil, prefixField("point", err)
	}
	if q.Limit <= 0 {
		return nil, invalid("limit", "a nearest query needs a limit of at least 1")
	}
	sh, err := s.compileSites(&q)
	if err != nil {
		return nil, err
	}
	accept := func(pt orb.Point, id SiteID) bool {
		return (sh == nil || sh.contains(pt)) && q.keep(s.sites[id])
	}
	tmin, tmax := s.siteTree.Bounds()
	search := func(b orb.Bound, fn func(orb.Point, SiteID) bool) {
		s.siteTree.Search(b.Min, b.Max, func(min, _ [2]float64, id SiteID) bool { return fn(min, id) })
	}
	hits := nearest(orb.Bound{Min: tmin, Max: tmax}, s.siteTree.Len(), search, p, q.Offset+q.Limit, accept,
		func(id SiteID) string { return string(id) })
	return neighbors(hits, q.Offset, func(id SiteID) *Site { return s.sites[id] }), nil
}

// paginate returns xs[offset:offset+limit], limit 0 meaning no cap.
func paginate[T any](xs []T, offset, limit int) []T {
	if offset >= len(xs) {
		return nil
	}
	xs = xs[offset:]
	if limit > 0 && limit < len(xs) {
		xs = xs[:limit]
	}
	return xs
}

// ZoneQuery selects zones. The zero value matches every zone. "The map as
// of day D" is ZoneQuery{Window: &Interval{From: D, To: D}}.
type ZoneQuery struct {
	// Bound keeps zones whose shape (not merely its bounding box) shares at
	// least a point with the [lon, lat] box, edges included; nil: anywhere.
	Bound *orb.Bound
	// Window keeps zones whose validity overlaps it, bounds included; nil:
	// any validity.
	Window *Interval
	// Actors and Statuses: the zone's actor or status is one of these.
	Actors   []ActorID
	Statuses []ZoneStatus
	// Keep, when not nil, is a last condition on each zone (a CQL2
	// filter, geo/cql2); it must not keep the pointer.
	Keep func(*Zone) bool
	// Offset and Limit page the results, ordered by ID (Limit 0: no cap).
	Offset, Limit int
}

// ZonePage is one page of zones.
type ZonePage struct {
	Matched int     // matches ignoring Offset and Limit
	Zones   []*Zone // ordered by ID; shared with the index, do not modify
}

// Zones returns the page of zones matching q, ordered by ID. It returns a
// *ValidationError for an invalid query.
func (s *Snapshot) Zones(q ZoneQuery) (ZonePage, error) {
	window := Always
	if q.Window != nil {
		if err := q.Window.Validate(); err != nil {
			return ZonePage{}, prefixField("window", err)
		}
		window = *q.Window
	}
	for _, st := range q.Statuses {
		if !st.Valid() {
			return ZonePage{}, invalid("status", "%q is not one of %v", st, ZoneStatuses)
		}
	}
	if err := checkPage(q.Offset, q.Limit); err != nil {
		return ZonePage{}, err
	}
	keep := func(it zoneItem) bool {
		if !it.valid.Overlaps(window) {
			return false
		}
		e := s.zones[it.id]
		return (len(q.Actors) == 0 || slices.Contains(q.Actors, e.zone.Actor)) &&
			(len(q.Statuses) == 0 || slices.Contains(q.Statuses, e.zone.Status)) &&
			(q.Bound == nil || e.intersects(*q.Bound)) &&
			(q.Keep == nil || q.Keep(&e.zone))
	}
	var out []*Zone
	visit := func(_, _ [2]float64, it zoneItem) bool {
		if keep(it) {
			out = append(out, &s.zones[it.id].zone)
		}
		return true
	}
	if q.Bound != nil {
		if err := validateBound(*q.Bound); err != nil {
			return ZonePage{}, err
		}
		s.zoneTree.Search(q.Bound.Min, q.Bound.Max, visit)
	} else {
		s.zoneTree.Scan(visit)
	}
	slices.SortFunc(out, func(a, b *Zone) int { return cmp.Compare(a.ID, b.ID) })
	return ZonePage{Matched: len(out), Zones: paginate(out, q.Offset, q.Limit)}, nil
}

// intersects reports whether the zone's shape and box b share a point. A
// box meets a polygon when a corner of the box is inside it or an edge of
// the polygon (holes included) meets the box; otherwise the box lies wholly
// in the exterior or in a hole. A box meets a circle when its nearest point
// is within the radius.
func (e *zoneEntry) intersects(b orb.Bound) bool {
	if e.region == nil {
		return boxDistanceMeters(e.zone.Circle.Center, b) <= e.zone.Circle.RadiusMeters
	}
	switch e.region.Relate(b) {
	case Disjoint:
		return false
	case Within:
		return true
	}
	for _, c := range [4]orb.Point{b.Min, b.Max, {b.Min[0], b.Max[1]}, {b.Max[0], b.Min[1]}} {
		if e.region.Contains(c) {
			return true
		}
	}
	var polys orb.MultiPolygon
	switch g := e.region.Geometry().(type) {
	case orb.Polygon:
		polys = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		polys = g
	}
	for _, poly := range polys {
		for _, ring := range poly {
			for i := 0; i+1 < len(ring); i++ {
				if segmentMeetsBox(ring[i], ring[i+1], b) {
					return true
				}
			}
		}
	}
	return false
}

// segmentMeetsBox reports whether segment ab shares a point with box b,
// by Liang–Barsky clipping of the segment's parameter range to the box.
func segmentMeetsBox(a, c orb.Point, b orb.Bound) bool {
	t0, t1 := 0.0, 1.0
	for axis := range 2 {
		d := c[axis] - a[axis]
		lo, hi := b.Min[axis]-a[axis], b.Max[axis]-a[axis]
		if d == 0 {
			if lo > 0 || hi < 0 {
				return false
			}
			continue
		}
		u, v := lo/d, hi/d
		if u > v {
			u, v = v, u
		}
		t0, t1 = max(t0, u), min(t1, v)
		if t0 > t1 {
			return false
		}
	}
	return true
}
