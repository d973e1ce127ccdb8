package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// Distances on the sphere, the prefilter of the WGS84 ones (wgs84.go), in the
// form the index compares them: haversine's a term, sin²(Δφ/2) + cos φ1 cos
// φ2 sin²(Δλ/2), which is monotone in the distance and needs no inverse
// trigonometry. havA mirrors orbgeo.DistanceHaversine operation for
// operation (sphere of radius orb.EarthRadius, WGS84's a).

// havA returns haversine's a term between p1 and p2 (orbgeo's argument order).
func havA(p1, p2 orb.Point) float64 {
	dLat := (p1[1] - p2[1]) * math.Pi / 180.0
	dLon := (p1[0] - p2[0]) * math.Pi / 180.0
	s1 := math.Sin(dLat / 2)
	s2 := math.Sin(dLon / 2)
	return s1*s1 + math.Cos(p2[1]*math.Pi/180.0)*math.Cos(p1[1]*math.Pi/180.0)*s2*s2
}

// havAcos is havA(p1, p2) with cos(p1's latitude) precomputed as cosLat1;
// the result is bit-identical.
func havAcos(p1 orb.Point, cosLat1 float64, p2 orb.Point) float64 {
	dLat := (p1[1] - p2[1]) * math.Pi / 180.0
	dLon := (p1[0] - p2[0]) * math.Pi / 180.0
	s1 := math.Sin(dLat / 2)
	s2 := math.Sin(dLon / 2)
	return s1*s1 + math.Cos(p2[1]*math.Pi/180.0)*cosLat1*s2*s2
}

// havMeters turns an a term into metres exactly as orbgeo.DistanceHaversine.
func havMeters(a float64) float64 {
	return 2.0 * orb.EarthRadius * math.Atan2(math.Sqrt(a), math.Sqrt(1-a))
}

// metersHavA is the a term of a distance in metres.
func metersHavA(m float64) float64 {
	s := math.Sin(m / orb.EarthRadius / 2)
	return s * s
}

// lonGaps returns the smallest and largest angular difference, in degrees
// within [0, 180], between longitude lon and the longitudes of [lo, hi].
func lonGaps(lon, lo, hi float64) (minGap, maxGap float64) {
	d1, d2 := lo-lon, hi-lon
	wrap := func(d float64) float64 { return math.Abs(d - 360*math.Round(d/360)) }
	g1, g2 := wrap(d1), wrap(d2)
	minGap, maxGap = math.Min(g1, g2), math.Max(g1, g2)
	if math.Ceil(d1/360) <= math.Floor(d2/360) {
		minGap = 0 // [d1, d2] holds a multiple of 360: the same meridian
	}
	if math.Ceil((d1-180)/360) <= math.Floor((d2-180)/360) {
		maxGap = 180 // it holds an odd multiple of 180: the antimeridian
	}
	return minGap, maxGap
}

// boxHavRange returns a lower and an upper bound of havA(p, q) over every q
// in b. The bounds are not tight (the two terms of a are bounded separately)
// but they are safe, which is all a prefilter needs.
func boxHavRange(p orb.Point, cosLat float64, b orb.Bound) (lo, hi float64) {
	latMin := math.Max(0, math.Max(b.Min[1]-p[1], p[1]-b.Max[1]))
	latMax := math.Max(math.Abs(b.Min[1]-p[1]), math.Abs(b.Max[1]-p[1]))
	lonMin, lonMax := lonGaps(p[0], b.Min[0], b.Max[0])
	c1, c2 := math.Cos(b.Min[1]*math.Pi/180), math.Cos(b.Max[1]*math.Pi/180)
	cMin, cMax := math.Min(c1, c2), math.Max(c1, c2)
	if b.Min[1] <= 0 && 0 <= b.Max[1] {
		cMax = 1
	}
	sq := func(deg float64) float64 { s := math.Sin(deg * math.Pi / 360); return s * s }
	lo = sq(latMin) + cosLat*math.Max(cMin, 0)*sq(lonMin)
	hi = math.Min(1, sq(latMax)+cosLat*cMax*sq(lonMax))
	return lo, hi
}

// boxDistanceMeters returns the WGS84 distance from p to the nearest point
// of b, 0 when p is in b. The nearest point lies at a corner, on a parallel
// edge at p's longitude (distance along a parallel grows with the
// difference in longitude), or on a meridian edge, where the distance has
// one minimum in latitude that a golden-section search finds to well under
// a millimetre.
func boxDistanceMeters(p orb.Point, b orb.Bound) float64 {
	if b.Contains(p) {
		return 0
	}
	best := math.Inf(1)
	try := func(lon, lat float64) { best = math.Min(best, DistanceMeters(p, orb.Point{lon, lat})) }
	for _, lon := range [2]float64{b.Min[0], b.Max[0]} {
		try(lon, b.Min[1])
		try(lon, b.Max[1])
		try(lon, meridianNearest(p, lon, b.Min[1], b.Max[1]))
	}
	if p[0] >= b.Min[0] && p[0] <= b.Max[0] {
		try(p[0], b.Min[1])
		try(p[0], b.Max[1])
	}
	return best
}

// meridianNearest returns the latitude in [lo, hi] of the point of meridian
// lon nearest to p, by golden-section search on DistanceMeters.
func meridianNearest(p orb.Point, lon, lo, hi float64) float64 {
	const inv = 0.6180339887498949 // 1/φ
	d := func(lat float64) float64 { return DistanceMeters(p, orb.Point{lon, lat}) }
	x1, x2 := hi-inv*(hi-lo), lo+inv*(hi-lo)
	f1, f2 := d(x1), d(x2)
	for hi-lo > 1e-9 { // degrees: 0.1 mm
		if f1 < f2 {
			hi, x2, f2 = x2, x1, f1
			x1 = hi - inv*(hi-lo)
			f1 = d(x1)
		} else {
			lo, x1, f1 = x1, x2, f2
			x2 = lo + inv*(hi-lo)
			f2 = d(x2)
		}
	}
	return (lo + hi) / 2
}
