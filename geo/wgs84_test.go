package geo_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/frontline-maps/frontline/geo"
	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// TestDistanceMetersReference checks published geodesics on WGS84.
func TestDistanceMetersReference(t *testing.T) {
	for _, tt := range []struct {
		name   string
		p, q   orb.Point
		meters float64
		tol    float64
	}{
		// GeographicLib's GeodSolve documentation: "40.6 -73.8 51.6 -0.5"
		// (JFK to LHR) is 5551759.400319 m.
		{"JFK-LHR", orb.Point{-73.8, 40.6}, orb.Point{-0.5, 51.6}, 5551759.400319, 0.001},
		// Geoscience Australia's worked example of Vincenty's method,
		// Flinders Peak to Buninyong: 54972.271 m.
		{"Flinders Peak-Buninyong",
			orb.Point{144 + 25/60.0 + 29.52440/3600, -(37 + 57/60.0 + 3.72030/3600)},
			orb.Point{143 + 55/60.0 + 35.38390/3600, -(37 + 39/60.0 + 10.15610/3600)}, 54972.271, 0.001},
		// One degree of the meridian from the equator: the meridian arc
		// length to 1°, 110574.389 m (Bowring's series).
		{"meridian degree at the equator", orb.Point{0, 0}, orb.Point{0, 1}, 110574.389, 0.001},
		// A quarter of the equator: πa/2.
		{"quarter equator", orb.Point{0, 0}, orb.Point{90, 0}, math.Pi * 6378137 / 2, 0.001},
		{"same point", orb.Point{38.6, 33.5}, orb.Point{38.6, 33.5}, 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := geo.DistanceMeters(tt.p, tt.q); math.Abs(got-tt.meters) > tt.tol {
				t.Errorf("DistanceMeters = %.4f m, want %.4f ± %g", got, tt.meters, tt.tol)
			}
			if got := geo.DistanceMeters(tt.q, tt.p); math.Abs(got-tt.meters) > tt.tol {
				t.Errorf("reversed: DistanceMeters = %.4f m, want %.4f", got, tt.meters)
			}
		})
	}
}

// TestAlTanfNorth is the case that a sphere got wrong: 54.9 km due north of
// the Al-Tanf base on the ellipsoid is inside the 55-km zone (haversine says
// 55.09 km), and 55.05 km is outside.
func TestAlTanfNorth(t *testing.T) {
	base := orb.Point{38.61778, 33.50583}
	zone := geo.Circle{Center: base, RadiusMeters: 55_000}
	in := geo.DestinationPoint(base, 0, 54_900)
	if in[0] != base[0] {
		t.Errorf("due north changed the longitude: %v", in)
	}
	if h := orbgeo.DistanceHaversine(base, in); h <= 55_000 {
		t.Fatalf("haversine says %.1f m: the case no longer shows the sphere's error", h)
	}
	if !zone.Contains(in) {
		t.Errorf("54.9 km due north (%v, %.1f m) is outside the 55-km zone", in, geo.DistanceMeters(base, in))
	}
	if out := geo.DestinationPoint(base, 0, 55_050); zone.Contains(out) {
		t.Errorf("55.05 km due north is inside the 55-km zone")
	}
}

// TestDestinationRoundTrip: the direct method's point is at the distance
// asked, by the inverse method, for random starts, bearings and distances
// up to MaxRadiusMeters.
func TestDestinationRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 1))
	for range 20_000 {
		p := orb.Point{r.Float64()*360 - 180, r.Float64()*170 - 85}
		m := r.Float64() * geo.MaxRadiusMeters
		q := geo.DestinationPoint(p, r.Float64()*360, m)
		if q[0] < -180 || q[0] > 180 || q[1] < -90 || q[1] > 90 {
			t.Fatalf("DestinationPoint(%v, …, %g) = %v, outside WGS84", p, m, q)
		}
		if d := geo.DistanceMeters(p, q); math.Abs(d-m) > 0.001 {
			t.Fatalf("DestinationPoint(%v, …, %.3f) = %v, which is %.4f m away", p, m, q, d)
		}
	}
}

// TestDistanceMetersAntipodal: nearly antipodal pairs, where Vincenty's
// iteration fails, still get a finite distance near half the meridian.
func TestDistanceMetersAntipodal(t *testing.T) {
	for _, q := range []orb.Point{{180, 0}, {179.7, 0.3}, {-179.9, -0.1}} {
		d := geo.DistanceMeters(orb.Point{0, 0}, q)
		if math.IsNaN(d) || d < 19_900_000 || d > 20_040_000 {
			t.Errorf("DistanceMeters({0 0}, %v) = %g", q, d)
		}
	}
}
