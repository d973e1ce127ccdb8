package geo

import (
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Relation is how a box relates to a Region.
type Relation int

// The relations of a box to a region.
const (
	// Disjoint: no point of the box is in the region.
	Disjoint Relation = iota
	// Within: every point of the box is in the region.
	Within
	// Crosses: the box may hold points both in and out of the region; test
	// each point with Contains.
	Crosses
)

// Region is a validated, prepared Polygon or MultiPolygon that answers
// point containment quickly. A Region is immutable and safe for concurrent
// use. Points on an edge or a vertex are inside; points in a hole (not on
// its edge) are outside.
type Region struct {
	area  orb.Geometry
	bound orb.Bound
}

// PrepareRegion validates g with NormalizeArea and prepares it. It returns a
// *ValidationError when g is not a valid Polygon or MultiPolygon.
func PrepareRegion(g orb.Geometry) (*Region, error) {
	a, err := NormalizeArea(g)
	if err != nil {
		return nil, err
	}
	return &Region{area: a, bound: a.Bound()}, nil
}

// Geometry returns the normalised Polygon or MultiPolygon. Callers must not
// modify it.
func (r *Region) Geometry() orb.Geometry { return r.area }

// Bound returns the region's [lon, lat] bounding box.
func (r *Region) Bound() orb.Bound { return r.bound }

// Contains reports whether p is in the region, edges included.
func (r *Region) Contains(p orb.Point) bool {
	if !r.bound.Contains(p) {
		return false
	}
	switch a := r.area.(type) {
	case orb.Polygon:
		return polygonContains(a, p)
	case orb.MultiPolygon:
		for _, poly := range a {
			if polygonContains(poly, p) {
				return true
			}
		}
	}
	return false
}

// polygonContains is planar.PolygonContains except that a point on a hole's
// edge counts as inside, as the package's boundary rule says.
func polygonContains(p orb.Polygon, pt orb.Point) bool {
	if !planar.RingContains(p[0], pt) {
		return false
	}
	for _, h := range p[1:] {
		if planar.RingContains(h, pt) && !onRing(h, pt) {
			return false
		}
	}
	return true
}

func onRing(r orb.Ring, p orb.Point) bool {
	for i := 0; i+1 < len(r); i++ {
		if onSegment(r[i], r[i+1], p) {
			return true
		}
	}
	return false
}

func onSegment(a, b, p orb.Point) bool {
	cross := (b[0]-a[0])*(p[1]-a[1]) - (b[1]-a[1])*(p[0]-a[0])
	if cross != 0 {
		return false
	}
	return p[0] >= min(a[0], b[0]) && p[0] <= max(a[0], b[0]) &&
		p[1] >= min(a[1], b[1]) && p[1] <= max(a[1], b[1])
}

// Relate says whether box b is Disjoint from, Within or Crosses the region.
// It may answer Crosses when the truth is Within or Disjoint, never the
// reverse, so callers stay exact by testing points of a Crosses box.
func (r *Region) Relate(b orb.Bound) Relation {
	if !r.bound.Intersects(b) {
		return Disjoint
	}
	return Crosses
}
