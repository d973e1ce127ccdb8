// Package overlay answers "how did control change between two dates": the
// area each actor held on each date, in km², and the areas it gained and
// lost, as geometry.
//
// It is a package of its own because it needs polygon overlay (union and
// difference), which orb does not have. The overlay comes from
// github.com/peterstace/simplefeatures (pure Go, a DCEL-based overlay in the
// style of JTS), which the architecture's import table keeps out of package
// geo; this package imports geo, orb and simplefeatures, converts orb ↔
// simplefeatures at its edge and speaks only orb and geo types. A grid
// method (counting cells of a raster) was the alternative: it is simpler,
// but its error depends on the cell size and it cannot return the gained
// and lost areas as polygons to draw.
//
// # Method
//
// For each date, the zones with status "control" valid on that date
// (validity bounds included) are grouped by actor and unioned, so an
// actor's overlapping zones count once; zones of different actors may
// overlap, and such ground counts for each of them. A circle zone takes
// part as its drawn polygon of geo.CirclePolygonVertices (64) vertices,
// whose area is 0.16% smaller than the disc's (a 55 km circle at 35° N has
// 9,492 km² here, π r² 9,503 km²; its vertices are placed on the WGS84
// ellipsoid, as geo measures radii). With a clip
// box, each union is first intersected with the box. Gained is the union on
// the later date minus the union on the earlier one, lost the reverse.
//
// Areas are those of the polygons with edges straight in [lon, lat] (as
// the web map draws them), on a sphere of the authalic radius 6,371,007.2
// m, whose surface equals the WGS84 ellipsoid's: orb/geo.Area (the formula
// of Chamberlain and Duquette, "Some algorithms for polygons on a sphere",
// JPL 2007) rescaled from orb's equatorial radius. Against the ellipsoid
// the error is below 0.1% at Syria's latitudes (+0.07% at 32° N, -0.04% at
// 37° N, from the ratio of the ellipsoid's area element to the sphere's);
// the approximation of the zones' own edges, often kilometres, dominates it
// by far.
package overlay

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/peterstace/simplefeatures/geom"

	"github.com/frontline-maps/frontline/geo"
)

// authalicRadiusMeters is the radius of the sphere with the surface area of
// the WGS84 ellipsoid (IUGG R2), in metres.
const authalicRadiusMeters = 6_371_007.2

// areaScale converts orb/geo.Area's square metres on a sphere of
// orb.EarthRadius to km² on the authalic sphere.
const areaScale = authalicRadiusMeters * authalicRadiusMeters / (orb.EarthRadius * orb.EarthRadius) / 1e6

// Change is how one actor's controlled ground changed between two dates.
type Change struct {
	Actor geo.ActorID
	// FromKm2 and ToKm2 are the areas held on the two dates, in km².
	FromKm2, ToKm2 float64
	// Gained is held on the later date and not the earlier, Lost the
	// reverse; [lon, lat], counter-clockwise exteriors, nil when empty.
	Gained, Lost orb.MultiPolygon
	// GainedKm2 and LostKm2 are their areas in km². ToKm2 - FromKm2 equals
	// GainedKm2 - LostKm2 up to rounding.
	GainedKm2, LostKm2 float64
}

// Diff computes the Change of every actor that held ground with status
// "control" on day from or day to, ordered by actor ID, over the zones of
// snapshot s, optionally clipped to the [lon, lat] box clip (nil: no
// clip). from may equal to (no change). It returns an error when the
// overlay fails on a zone's geometry (simplefeatures reports it; geo
// accepts self-crossing rings that an overlay cannot always resolve),
// naming the actor and date.
func Diff(s *geo.Snapshot, from, to geo.Day, clip *orb.Bound) ([]Change, error) {
	before, err := heldOn(s, from, clip)
	if err != nil {
		return nil, err
	}
	after, err := heldOn(s, to, clip)
	if err != nil {
		return nil, err
	}
	actors := slices.Sorted(func(yield func(geo.ActorID) bool) {
		for a := range before {
			if !yield(a) {
				return
			}
		}
		for a := range after {
			if _, dup := before[a]; !dup && !yield(a) {
				return
			}
		}
	})
	out := make([]Change, 0, len(actors))
	for _, a := range actors {
		b, aft := orEmpty(before[a]), orEmpty(after[a])
		gained, err := geom.Difference(aft, b)
		if err != nil {
			return nil, fmt.Errorf("overlay: ground gained by %s: %w", a, err)
		}
		lost, err := geom.Difference(b, aft)
		if err != nil {
			return nil, fmt.Errorf("overlay: ground lost by %s: %w", a, err)
		}
		c := Change{Actor: a, Gained: toOrb(gained), Lost: toOrb(lost)}
		c.FromKm2, c.ToKm2 = AreaKm2(toOrb(b)), AreaKm2(toOrb(aft))
		c.GainedKm2, c.LostKm2 = AreaKm2(c.Gained), AreaKm2(c.Lost)
		out = append(out, c)
	}
	return out, nil
}

// AreaKm2 returns the area of a [lon, lat] multipolygon in km², holes
// subtracted, by the method of the package comment; 0 for nil.
func AreaKm2(mp orb.MultiPolygon) float64 {
	if len(mp) == 0 {
		return 0
	}
	return orbgeo.Area(mp) * areaScale
}

// heldOn returns the union of each actor's control zones valid on day d,
// clipped to clip when it is not nil.
func heldOn(s *geo.Snapshot, d geo.Day, clip *orb.Bound) (map[geo.ActorID]geom.Geometry, error) {
	page, err := s.Zones(geo.ZoneQuery{Bound: clip, Window: &geo.Interval{From: d, To: d}, Statuses: []geo.ZoneStatus{geo.StatusControl}})
	if err != nil {
		return nil, err
	}
	parts := map[geo.ActorID][]geom.Geometry{}
	for _, z := range page.Zones {
		parts[z.Actor] = append(parts[z.Actor], toGeom(zoneArea(z)))
	}
	held := make(map[geo.ActorID]geom.Geometry, len(parts))
	for a, gs := range parts {
		u, err := geom.UnionMany(gs)
		if err != nil {
			return nil, fmt.Errorf("overlay: ground held by %s on %s: %w", a, d, err)
		}
		if clip != nil {
			if u, err = geom.Intersection(u, toGeom(orb.MultiPolygon{clip.ToPolygon()})); err != nil {
				return nil, fmt.Errorf("overlay: ground held by %s on %s, clipped: %w", a, d, err)
			}
		}
		held[a] = u
	}
	return held, nil
}

// orEmpty returns g, or an empty geometry for the zero Geometry of an
// actor that held nothing on a date.
func orEmpty(g geom.Geometry) geom.Geometry {
	if g.IsEmpty() {
		return geom.MultiPolygon{}.AsGeometry()
	}
	return g
}

// toGeom converts a [lon, lat] multipolygon to simplefeatures, X = lon.
// zoneArea is a zone's shape, a MultiPolygon (zones with no shape are
// not indexed).
func zoneArea(z *geo.Zone) orb.MultiPolygon {
	mp, _ := z.Geometry().(orb.MultiPolygon)
	return mp
}

func toGeom(mp orb.MultiPolygon) geom.Geometry {
	polys := make([]geom.Polygon, len(mp))
	for i, p := range mp {
		rings := make([]geom.LineString, len(p))
		for j, r := range p {
			xy := make([]float64, 0, 2*len(r))
			for _, pt := range r {
				xy = append(xy, pt[0], pt[1])
			}
			rings[j] = geom.NewLineString(geom.NewSequence(xy, geom.DimXY))
		}
		polys[i] = geom.NewPolygon(rings)
	}
	return geom.NewMultiPolygon(polys).AsGeometry()
}

// toOrb converts the polygons of g (a Polygon, MultiPolygon, or the
// polygons of a GeometryCollection; lines and points of a degenerate
// result are dropped) to a [lon, lat] multipolygon with counter-clockwise
// exteriors and clockwise holes, ordered by their first vertex so the
// output is deterministic; nil when g has no polygon.
func toOrb(g geom.Geometry) orb.MultiPolygon {
	var mp orb.MultiPolygon
	for _, part := range g.Dump() {
		p, ok := part.AsPolygon()
		if !ok || p.IsEmpty() {
			continue
		}
		p = p.ForceCCW()
		poly := make(orb.Polygon, p.NumRings())
		for i := range poly {
			var seq geom.Sequence
			if i == 0 {
				seq = p.ExteriorRing().Coordinates()
			} else {
				seq = p.InteriorRingN(i - 1).Coordinates()
			}
			ring := make(orb.Ring, seq.Length())
			for k := range ring {
				xy := seq.GetXY(k)
				ring[k] = orb.Point{xy.X, xy.Y}
			}
			poly[i] = ring
		}
		mp = append(mp, poly)
	}
	slices.SortFunc(mp, func(a, b orb.Polygon) int {
		return cmp.Or(cmp.Compare(a[0][0][0], b[0][0][0]), cmp.Compare(a[0][0][1], b[0][0][1]))
	})
	return mp
}

// Relate reports whether the DE-9IM predicate op holds between two [lon,
// lat] geometries of any kind (an orb.Bound as its polygon), as
// simplefeatures decides it: "intersects", "within" (a is inside b),
// "contains", "equals", "touches" (their boundaries meet, their interiors
// do not), "overlaps" and "crosses". Edges are straight in [lon, lat]. It
// returns an error for another op or for geometry simplefeatures cannot
// read.
func Relate(op string, a, b orb.Geometry) (bool, error) {
	ga, err := anyGeom(a)
	if err != nil {
		return false, err
	}
	gb, err := anyGeom(b)
	if err != nil {
		return false, err
	}
	switch op {
	case "intersects":
		return geom.Intersects(ga, gb), nil
	case "within":
		return geom.Within(ga, gb)
	case "contains":
		return geom.Contains(ga, gb)
	case "equals":
		return geom.Equals(ga, gb)
	case "touches":
		return geom.Touches(ga, gb)
	case "overlaps":
		return geom.Overlaps(ga, gb)
	case "crosses":
		return geom.Crosses(ga, gb)
	}
	return false, fmt.Errorf("overlay: %q is not a predicate Relate knows", op)
}

// anyGeom converts a [lon, lat] geometry to simplefeatures: polygons
// directly, the rest through WKB.
func anyGeom(g orb.Geometry) (geom.Geometry, error) {
	switch g := g.(type) {
	case orb.MultiPolygon:
		return toGeom(g), nil
	case orb.Polygon:
		return toGeom(orb.MultiPolygon{g}), nil
	case orb.Bound:
		return toGeom(orb.MultiPolygon{g.ToPolygon()}), nil
	}
	b, err := wkb.Marshal(g)
	if err != nil {
		return geom.Geometry{}, err
	}
	return geom.UnmarshalWKB(b)
}

// Intersects reports whether two [lon, lat] multipolygons share a point
// (touching edges count), as simplefeatures' Intersects decides it; edges
// are straight in [lon, lat], as everywhere in geo.
func Intersects(a, b orb.MultiPolygon) bool {
	if len(a) == 0 || len(b) == 0 || !a.Bound().Intersects(b.Bound()) {
		return false
	}
	return geom.Intersects(toGeom(a), toGeom(b))
}
