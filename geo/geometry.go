package geo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
)

// MaxRadiusMeters is the largest radius a Circle or a radius query may have:
// 5,000 km, far beyond any region Frontline maps and well short of the
// distances where a spherical cap stops being a sensible "zone".
const MaxRadiusMeters = 5_000_000

// ValidatePoint checks that p is a WGS84 [lon, lat] position: finite numbers,
// lon in [-180, 180], lat in [-90, 90]. It returns a *ValidationError whose
// Field is empty; callers prefix the field.
func ValidatePoint(p orb.Point) error {
	switch {
	case math.IsNaN(p[0]) || math.IsInf(p[0], 0):
		return invalid("", "longitude is not a finite number")
	case math.IsNaN(p[1]) || math.IsInf(p[1], 0):
		return invalid("", "latitude is not a finite number")
	case p[0] < -180 || p[0] > 180:
		return invalid("", "longitude %g is outside [-180, 180]", p[0])
	case p[1] < -90 || p[1] > 90:
		return invalid("", "latitude %g is outside [-90, 90]", p[1])
	}
	return nil
}

// NormalizeArea validates a Polygon or MultiPolygon and returns a copy with
// RFC 7946 orientation: exterior rings counter-clockwise, holes clockwise.
// It rejects any other geometry type, empty polygons and multipolygons,
// rings that are not closed, have fewer than 4 positions or enclose no area,
// and positions that fail ValidatePoint. Errors are *ValidationError with a
// Field relative to the geometry, such as "coordinates[0][2]".
//
// Self-intersection is not checked: a bow-tie ring is accepted and its
// containment follows the even-odd rule.
func NormalizeArea(g orb.Geometry) (orb.Geometry, error) {
	switch g := g.(type) {
	case orb.Polygon:
		return normalizePolygon(g, "coordinates")
	case orb.MultiPolygon:
		if len(g) == 0 {
			return nil, invalid("coordinates", "a MultiPolygon needs at least one polygon")
		}
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			np, err := normalizePolygon(p, fmt.Sprintf("coordinates[%d]", i))
			if err != nil {
				return nil, err
			}
			out[i] = np
		}
		return out, nil
	case nil:
		return nil, invalid("type", "geometry is missing")
	default:
		return nil, invalid("type", "%s is not a Polygon or MultiPolygon", g.GeoJSONType())
	}
}

func normalizePolygon(p orb.Polygon, field string) (orb.Polygon, error) {
	if len(p) == 0 {
		return nil, invalid(field, "a Polygon needs at least one ring")
	}
	out := make(orb.Polygon, len(p))
	for i, r := range p {
		f := fmt.Sprintf("%s[%d]", field, i)
		if len(r) < 4 {
			return nil, invalid(f, "a ring needs at least 4 positions, got %d", len(r))
		}
		for j, pt := range r {
			if err := ValidatePoint(pt); err != nil {
				return nil, prefixField(fmt.Sprintf("%s[%d]", f, j), err)
			}
		}
		if r[0] != r[len(r)-1] {
			return nil, invalid(f, "ring is not closed: first and last positions differ")
		}
		a := planar.Area(r)
		if a == 0 || math.IsNaN(a) {
			return nil, invalid(f, "ring encloses no area")
		}
		nr := append(orb.Ring(nil), r...)
		// Ring 0 is the exterior (counter-clockwise), the rest are holes.
		if (i == 0) != (nr.Orientation() == orb.CCW) {
			nr.Reverse()
		}
		out[i] = nr
	}
	return out, nil
}

// Circle is a geodesic disc: every point whose distance on the WGS84
// ellipsoid (DistanceMeters) from Center is at most RadiusMeters. Center is
// [lon, lat].
type Circle struct {
	Center       orb.Point
	RadiusMeters float64
}

// Validate checks the centre and that 0 < RadiusMeters <= MaxRadiusMeters.
func (c Circle) Validate() error {
	if err := ValidatePoint(c.Center); err != nil {
		return prefixField("center", err)
	}
	if math.IsNaN(c.RadiusMeters) || math.IsInf(c.RadiusMeters, 0) {
		return invalid("radius_m", "radius is not a finite number")
	}
	if c.RadiusMeters <= 0 || c.RadiusMeters > MaxRadiusMeters {
		return invalid("radius_m", "radius %g m is outside (0, %d]", c.RadiusMeters, MaxRadiusMeters)
	}
	return nil
}

// Contains reports whether p is within the circle by WGS84 distance; a
// point exactly at the radius is inside.
func (c Circle) Contains(p orb.Point) bool {
	return DistanceMeters(c.Center, p) <= c.RadiusMeters
}

// Bound returns a [lon, lat] box that contains the whole circle. Near the
// poles or across the antimeridian it widens to every longitude rather than
// wrapping, so Min is always below Max.
func (c Circle) Bound() orb.Bound {
	// A WGS84 distance is at least sphereLo times the haversine one, so
	// the sphere's box around the radius over sphereLo holds the circle.
	b := orbgeo.NewBoundAroundPoint(c.Center, c.RadiusMeters/sphereLo)
	if b.Min[0] > b.Max[0] || b.Min[0] < -180 || b.Max[0] > 180 {
		b.Min[0], b.Max[0] = -180, 180
	}
	// Pad by ~1 mm so that rounding never drops a point that lies exactly on
	// the circle from the box prefilter.
	const pad = 1e-8
	b.Min = orb.Point{math.Max(b.Min[0]-pad, -180), math.Max(b.Min[1]-pad, -90)}
	b.Max = orb.Point{math.Min(b.Max[0]+pad, 180), math.Min(b.Max[1]+pad, 90)}
	return b
}

// Polygon returns an approximation of the circle with n vertices on its edge,
// counter-clockwise, for drawing. Queries never use it: they test true
// distance with Contains.
func (c Circle) Polygon(n int) orb.Polygon {
	if n < 8 {
		n = 8
	}
	r := make(orb.Ring, n+1)
	for i := 0; i < n; i++ {
		// Bearings run clockwise from north; walk them backwards for a
		// counter-clockwise ring.
		bearing := 360 - float64(i)*360/float64(n)
		r[i] = DestinationPoint(c.Center, bearing, c.RadiusMeters)
	}
	r[n] = r[0]
	return orb.Polygon{r}
}
