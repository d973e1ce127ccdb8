package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// Distances on the WGS84 ellipsoid, the ones every query answers by
// (circle zones, radius queries, nearest, S_DWITHIN), so that they agree
// with PostGIS's geography type (ST_Distance, ST_DWithin), which measures
// on the same ellipsoid.
//
// The method is Vincenty's: T. Vincenty, "Direct and inverse solutions of
// geodesics on the ellipsoid with application of nested equations", Survey
// Review 23(176), 1975, pp. 88–93. Its inverse converges to well under a
// millimetre for every pair of points that are not nearly antipodal; no Go
// implementation of Karney's method is served to this project's builds.

// The WGS84 ellipsoid: semi-major axis a in metres, flattening f, and
// semi-minor axis b = a(1 − f).
const (
	wgs84A = 6378137.0
	wgs84F = 1 / 298.257223563
	wgs84B = wgs84A * (1 - wgs84F)
)

// sphereLo and sphereHi bound the ratio of the WGS84 distance between two
// points to their haversine distance on orb's sphere (radius a), for every
// pair: along any path, the ellipsoid's length element over the sphere's
// lies between min(M, N)/a and max(M, N)/a, the meridian and prime-vertical
// radii of curvature over a, which range over [1 − e², 1/√(1 − e²)] =
// [0.993306, 1.003364]. The constants are rounded outwards. The queries use
// them to decide most points by haversine alone (see circleShape).
const (
	sphereLo = 0.9933
	sphereHi = 1.0034
)

// sphereScale returns bounds lo and hi of the ratio of the WGS84 length of
// a path to its length on orb's sphere when the path keeps to latitudes
// within [lat1, lat2] (degrees, lat1 <= lat2): the length elements' ratio
// lies between M/a and N/a, both of which grow with |latitude|. A
// geodesic from a circle's centre to a point within its radius stays in
// the circle, so for circles the latitudes of the circle's bound serve.
// The bounds are widened by a part in 10⁹ for rounding.
func sphereScale(lat1, lat2 float64) (lo, hi float64) {
	const rad = math.Pi / 180
	e2 := wgs84F * (2 - wgs84F)
	lowAbs, highAbs := math.Min(math.Abs(lat1), math.Abs(lat2)), math.Max(math.Abs(lat1), math.Abs(lat2))
	if lat1 <= 0 && lat2 >= 0 {
		lowAbs = 0
	}
	s1, s2 := math.Sin(lowAbs*rad), math.Sin(highAbs*rad)
	m := (1 - e2) / math.Pow(1-e2*s1*s1, 1.5) // M/a at the lowest |latitude|
	n := 1 / math.Sqrt(1-e2*s2*s2)            // N/a at the highest
	return m * (1 - 1e-9), n * (1 + 1e-9)
}

// maxVincentyIterations bounds the inverse method's iteration; it converges
// in under ten for every pair that is not nearly antipodal.
const maxVincentyIterations = 200

// DistanceMeters returns the length in metres of the shortest path on the
// WGS84 ellipsoid between p and q ([lon, lat], degrees), by Vincenty's
// inverse method. For nearly antipodal pairs (farther apart than about
// 19,900 km), where that method need not converge, it returns the
// great-circle distance on the sphere of WGS84's mean radius (within 0.5%);
// no circle (radius at most MaxRadiusMeters) reaches such a pair.
func DistanceMeters(p, q orb.Point) float64 {
	m, ok := vincentyInverse(p, q)
	if !ok {
		const meanRadius = (2*wgs84A + wgs84B) / 3
		return havMeters(havA(p, q)) * meanRadius / orb.EarthRadius
	}
	return m
}

// vincentyInverse returns the geodesic distance between p and q and
// whether the iteration converged.
func vincentyInverse(p, q orb.Point) (float64, bool) {
	const rad = math.Pi / 180
	L := (q[0] - p[0]) * rad
	L = math.Remainder(L, 2*math.Pi)
	sinU1, cosU1 := reducedLatitude(p[1] * rad)
	sinU2, cosU2 := reducedLatitude(q[1] * rad)

	lambda := L
	var sinSigma, cosSigma, sigma, cos2Alpha, cos2SigmaM float64
	for i := 0; ; i++ {
		if i == maxVincentyIterations {
			return 0, false
		}
		sinL, cosL := math.Sincos(lambda)
		x := cosU2 * sinL
		y := cosU1*sinU2 - sinU1*cosU2*cosL
		sinSigma = math.Sqrt(x*x + y*y)
		if sinSigma == 0 {
			return 0, true // the same point
		}
		cosSigma = sinU1*sinU2 + cosU1*cosU2*cosL
		sigma = math.Atan2(sinSigma, cosSigma)
		sinAlpha := cosU1 * cosU2 * sinL / sinSigma
		cos2Alpha = 1 - sinAlpha*sinAlpha
		cos2SigmaM = 0 // on the equator
		if cos2Alpha != 0 {
			cos2SigmaM = cosSigma - 2*sinU1*sinU2/cos2Alpha
		}
		c := wgs84F / 16 * cos2Alpha * (4 + wgs84F*(4-3*cos2Alpha))
		prev := lambda
		lambda = L + (1-c)*wgs84F*sinAlpha*
			(sigma+c*sinSigma*(cos2SigmaM+c*cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)))
		if math.Abs(lambda) > math.Pi {
			return 0, false // nearly antipodal: the iteration diverges
		}
		if math.Abs(lambda-prev) < 1e-12 {
			break
		}
	}
	uu := cos2Alpha * (wgs84A*wgs84A - wgs84B*wgs84B) / (wgs84B * wgs84B)
	A := 1 + uu/16384*(4096+uu*(-768+uu*(320-175*uu)))
	B := uu / 1024 * (256 + uu*(-128+uu*(74-47*uu)))
	deltaSigma := B * sinSigma * (cos2SigmaM + B/4*(cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)-
		B/6*cos2SigmaM*(-3+4*sinSigma*sinSigma)*(-3+4*cos2SigmaM*cos2SigmaM)))
	return wgs84B * A * (sigma - deltaSigma), true
}

// reducedLatitude returns the sine and cosine of the reduced latitude U of
// geodetic latitude phi (radians), tan U = (1 − f) tan phi.
func reducedLatitude(phi float64) (sinU, cosU float64) {
	s, c := math.Sincos(phi)
	y, x := (1-wgs84F)*s, c
	h := math.Hypot(x, y)
	return y / h, x / h
}

// DestinationPoint returns the point ([lon, lat]) reached from p by
// travelling meters along the WGS84 geodesic that leaves p at bearing
// degrees clockwise from north (Vincenty's direct method). Longitudes are
// wrapped into [-180, 180].
func DestinationPoint(p orb.Point, bearing, meters float64) orb.Point {
	const rad = math.Pi / 180
	sinA1, cosA1 := math.Sincos(bearing * rad)
	tanU1 := (1 - wgs84F) * math.Tan(p[1]*rad)
	cosU1 := 1 / math.Sqrt(1+tanU1*tanU1)
	sinU1 := tanU1 * cosU1
	sigma1 := math.Atan2(tanU1, cosA1)
	sinAlpha := cosU1 * sinA1
	cos2Alpha := 1 - sinAlpha*sinAlpha
	uu := cos2Alpha * (wgs84A*wgs84A - wgs84B*wgs84B) / (wgs84B * wgs84B)
	A := 1 + uu/16384*(4096+uu*(-768+uu*(320-175*uu)))
	B := uu / 1024 * (256 + uu*(-128+uu*(74-47*uu)))

	sigma := meters / (wgs84B * A)
	var sinSigma, cosSigma, cos2SigmaM float64
	for i := 0; i < maxVincentyIterations; i++ {
		cos2SigmaM = math.Cos(2*sigma1 + sigma)
		sinSigma, cosSigma = math.Sincos(sigma)
		deltaSigma := B * sinSigma * (cos2SigmaM + B/4*(cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)-
			B/6*cos2SigmaM*(-3+4*sinSigma*sinSigma)*(-3+4*cos2SigmaM*cos2SigmaM)))
		prev := sigma
		sigma = meters/(wgs84B*A) + deltaSigma
		if math.Abs(sigma-prev) < 1e-12 {
			break
		}
	}
	cos2SigmaM = math.Cos(2*sigma1 + sigma)
	sinSigma, cosSigma = math.Sincos(sigma)
	x := sinU1*sinSigma - cosU1*cosSigma*cosA1
	lat := math.Atan2(sinU1*cosSigma+cosU1*sinSigma*cosA1, (1-wgs84F)*math.Sqrt(sinAlpha*sinAlpha+x*x))
	lambda := math.Atan2(sinSigma*sinA1, cosU1*cosSigma-sinU1*sinSigma*cosA1)
	c := wgs84F / 16 * cos2Alpha * (4 + wgs84F*(4-3*cos2Alpha))
	L := lambda - (1-c)*wgs84F*sinAlpha*
		(sigma+c*sinSigma*(cos2SigmaM+c*cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)))
	lon := math.Remainder(p[0]*rad+L, 2*math.Pi)
	return orb.Point{lon / rad, lat / rad}
}
