package geo

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Where restricts a query to a place. The zero Where is everywhere; build
// others with InBound, InRegion, InZone and InCircle. Coordinates are
// [lon, lat]. Boundaries are inside: a point on a box or polygon edge, on a
// hole's edge, or exactly at a circle's radius matches.
type Where struct {
	kind   whereKind
	bound  orb.Bound
	region *Region
	zone   ZoneID
	circle Circle
}

type whereKind int

const (
	whereAll whereKind = iota
	whereBound
	whereRegion
	whereZone
	whereCircle
)

// InBound is the box b, [lon, lat], edges included. Queries return a
// *ValidationError (field "bbox") when b is not finite, outside WGS84 or
// reversed (Min above Max).
func InBound(b orb.Bound) Where { return Where{kind: whereBound, bound: b} }

// InRegion is the prepared Polygon or MultiPolygon r, holes excluded, edges
// (holes' edges too) included. Prepare r once with PrepareRegion and reuse it.
func InRegion(r *Region) Where { return Where{kind: whereRegion, region: r} }

// InZone is the shape of the stored zone id, whatever its validity: a circle
// zone by geodesic distance, never its drawn polygon. Combine it with a
// time window, or use Join, for the zone's hold over time. Queries return
// ErrNotFound when no such zone exists.
func InZone(id ZoneID) Where { return Where{kind: whereZone, zone: id} }

// InCircle is every point within c.RadiusMeters of c.Center by WGS84
// distance, the radius included. Queries return a *ValidationError (field
// "circle...") unless 0 < RadiusMeters <= MaxRadiusMeters.
func InCircle(c Circle) Where { return Where{kind: whereCircle, circle: c} }

// shape is a resolved Where: a bound for the tree search, a conservative
// relation of boxes for skipping or accepting whole boxes, and the exact
// predicate.
type shape interface {
	bound() orb.Bound
	relate(b orb.Bound) Relation
	contains(p orb.Point) bool
}

// resolve validates w and returns its shape, or nil for everywhere.
func (s *Snapshot) resolve(w Where) (shape, error) {
	switch w.kind {
	case whereBound:
		if err := validateBound(w.bound); err != nil {
			return nil, err
		}
		return boxShape(w.bound), nil
	case whereRegion:
		if w.region == nil {
			return nil, invalid("region", "is nil")
		}
		return regionShape{w.region}, nil
	case whereZone:
		e, ok := s.zones[w.zone]
		if !ok {
			_, err := s.Zone(w.zone)
			return nil, err
		}
		return e.shape(), nil
	case whereCircle:
		if err := w.circle.Validate(); err != nil {
			return nil, prefixField("circle", err)
		}
		return newCircleShape(w.circle), nil
	}
	return nil, nil
}

// validateBound checks that b is a WGS84 box with Min at or below Max.
func validateBound(b orb.Bound) error {
	if err := ValidatePoint(b.Min); err != nil {
		return prefixField("bbox", err)
	}
	if err := ValidatePoint(b.Max); err != nil {
		return prefixField("bbox", err)
	}
	if b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1] {
		return invalid("bbox", "minimum %v is above maximum %v", b.Min, b.Max)
	}
	return nil
}

func (e *zoneEntry) shape() shape {
	if e.region != nil {
		return regionShape{e.region}
	}
	return newCircleShape(*e.zone.Circle)
}

func (e *zoneEntry) contains(p orb.Point) bool {
	if e.region != nil {
		return e.region.Contains(p)
	}
	return e.zone.Circle.Contains(p)
}

type boxShape orb.Bound

func (b boxShape) bound() orb.Bound { return orb.Bound(b) }

func (b boxShape) relate(o orb.Bound) Relation {
	q := orb.Bound(b)
	switch {
	case !q.Intersects(o):
		return Disjoint
	case q.Contains(o.Min) && q.Contains(o.Max):
		return Within
	}
	return Crosses
}

func (b boxShape) contains(p orb.Point) bool { return orb.Bound(b).Contains(p) }

type regionShape struct{ r *Region }

func (r regionShape) bound() orb.Bound            { return r.r.Bound() }
func (r regionShape) relate(b orb.Bound) Relation { return r.r.Relate(b) }
func (r regionShape) contains(p orb.Point) bool   { return r.r.Contains(p) }

// circleShape decides most points by haversine's a term and measures the
// WGS84 distance (Vincenty's iteration, several times dearer) only for the
// few in a thin band at the radius, so it agrees with Circle.Contains
// exactly. Within the circle's bound a WGS84 distance from the centre lies
// within [lo, hi] times the haversine one (sphereScale of the bound's
// latitudes), so a point whose haversine distance is below radius/hi is
// surely inside and one above radius/lo surely outside; the band between
// is about 0.5% of the radius wide at Syria's latitudes. The a-term
// thresholds are moved a further hair outwards for rounding. The cosine of
// the centre's latitude is computed once (havAcos, bit-identical to havA).
type circleShape struct {
	c        Circle
	cosLat   float64
	aIn      float64 // a below this: surely inside
	aOut     float64 // a above this: surely outside
	boundBox orb.Bound
}

func newCircleShape(c Circle) *circleShape {
	b := c.Bound()
	lo, hi := sphereScale(b.Min[1], b.Max[1])
	return &circleShape{
		c:        c,
		cosLat:   math.Cos(c.Center[1] * math.Pi / 180.0),
		aIn:      metersHavA(c.RadiusMeters/hi) * (1 - 1e-9),
		aOut:     metersHavA(c.RadiusMeters/lo) * (1 + 1e-9),
		boundBox: b,
	}
}

func (c *circleShape) bound() orb.Bound { return c.boundBox }

func (c *circleShape) relate(b orb.Bound) Relation {
	lo, hi := boxHavRange(c.c.Center, c.cosLat, b)
	switch {
	case lo > c.aOut:
		return Disjoint
	case hi < c.aIn:
		return Within
	}
	return Crosses
}

func (c *circleShape) contains(p orb.Point) bool {
	a := havAcos(c.c.Center, c.cosLat, p)
	switch {
	case a < c.aIn:
		return true
	case a > c.aOut:
		return false
	}
	return c.c.Contains(p)
}

// maxSplitDepth bounds the recursive split of a query box; at 12 levels a
// box over all of Syria is cut into cells of about 200 m.
const maxSplitDepth = 12

// minSplitItems stops splitting a box expected (at the tree's mean density)
// to hold fewer items than this: four more tree descents cost about as much
// as exact tests on half of that many points. Measured on the Q1 and Q2
// benchmarks, 256 beats 48 and 1024.
const minSplitItems = 256

// searchPoints calls fn for every item of tr (a tree of points) inside sh,
// each exactly once, in no particular order, until fn returns false. A nil
// sh matches everything. It reports whether the search ran to the end.
//
// It is the two-phase search of tile38 with a twist for large polygons: the
// query box is split recursively; sub-boxes the shape relates as Disjoint
// are skipped, Within ones are accepted without a per-point test, and only
// points in Crosses boxes are tested exactly. Split boxes are half-open on
// their inner edges, so a point on a shared edge is visited once.
func searchPoints[T any](tr *rtree.RTreeG[T], sh shape, fn func(p orb.Point, it T) bool) bool {
	n := tr.Len()
	if n == 0 {
		return true
	}
	if sh == nil {
		done := true
		tr.Scan(func(min, _ [2]float64, it T) bool {
			done = fn(min, it)
			return done
		})
		return done
	}
	tmin, tmax := tr.Bounds()
	root, ok := clipBound(sh.bound(), orb.Bound{Min: tmin, Max: tmax})
	if !ok {
		return true
	}
	area := (tmax[0] - tmin[0]) * (tmax[1] - tmin[1])
	ps := pointSearch[T]{tr: tr, sh: sh, fn: fn, density: float64(n) / math.Max(area, 1e-12)}
	return ps.box(root, true, true, 0)
}

type pointSearch[T any] struct {
	tr      *rtree.RTreeG[T]
	sh      shape
	fn      func(p orb.Point, it T) bool
	density float64 // items per square degree over the tree's bounds
}

// box searches b; closedX and closedY say whether its max edges belong to
// it (true only on the edges of the root box).
func (ps *pointSearch[T]) box(b orb.Bound, closedX, closedY bool, depth int) bool {
	rel := ps.sh.relate(b)
	switch {
	case rel == Disjoint:
		return true
	case rel == Within:
		return ps.scan(b, closedX, closedY, false)
	case depth >= maxSplitDepth || ps.density*(b.Max[0]-b.Min[0])*(b.Max[1]-b.Min[1]) < minSplitItems:
		return ps.scan(b, closedX, closedY, true)
	}
	mx, my := (b.Min[0]+b.Max[0])/2, (b.Min[1]+b.Max[1])/2
	return ps.box(orb.Bound{Min: b.Min, Max: orb.Point{mx, my}}, false, false, depth+1) &&
		ps.box(orb.Bound{Min: orb.Point{mx, b.Min[1]}, Max: orb.Point{b.Max[0], my}}, closedX, false, depth+1) &&
		ps.box(orb.Bound{Min: orb.Point{b.Min[0], my}, Max: orb.Point{mx, b.Max[1]}}, false, closedY, depth+1) &&
		ps.box(orb.Bound{Min: orb.Point{mx, my}, Max: b.Max}, closedX, closedY, depth+1)
}

func (ps *pointSearch[T]) scan(b orb.Bound, closedX, closedY, test bool) bool {
	done := true
	ps.tr.Search(b.Min, b.Max, func(min, _ [2]float64, it T) bool {
		if (!closedX && min[0] >= b.Max[0]) || (!closedY && min[1] >= b.Max[1]) {
			return true
		}
		if test && !ps.sh.contains(min) {
			return true
		}
		done = ps.fn(min, it)
		return done
	})
	return done
}

// clipBound returns the intersection of a and b, and false if they are
// disjoint.
func clipBound(a, b orb.Bound) (orb.Bound, bool) {
	if !a.Intersects(b) {
		return orb.Bound{}, false
	}
	return orb.Bound{
		Min: orb.Point{math.Max(a.Min[0], b.Min[0]), math.Max(a.Min[1], b.Min[1])},
		Max: orb.Point{math.Min(a.Max[0], b.Max[0]), math.Min(a.Max[1], b.Max[1])},
	}, true
}
