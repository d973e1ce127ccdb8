package geo

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// TestSphereBand checks the prefilter's premise: a WGS84 distance lies
// within [sphereLo, sphereHi] times the haversine one, on random pairs
// anywhere and on pairs along meridians and the equator, where the ratio
// is at its extremes.
func TestSphereBand(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 2))
	check := func(p, q orb.Point) {
		h := havMeters(havA(p, q))
		d := DistanceMeters(p, q)
		if h == 0 {
			return
		}
		if k := d / h; k < sphereLo || k > sphereHi {
			t.Fatalf("%v–%v: WGS84 %.3f m over haversine %.3f m = %.6f, outside [%g, %g]", p, q, d, h, k, sphereLo, sphereHi)
		}
	}
	for range 100_000 {
		p := orb.Point{r.Float64()*360 - 180, r.Float64()*180 - 90}
		check(p, DestinationPoint(p, r.Float64()*360, r.Float64()*MaxRadiusMeters))
	}
	for lat := -89.0; lat <= 89; lat += 0.5 {
		check(orb.Point{10, lat}, orb.Point{10, lat + 0.01}) // meridian: M
		check(orb.Point{10, lat}, orb.Point{10.01, lat})     // parallel: N
		check(orb.Point{10, 0}, orb.Point{10 + lat/2, 0})    // equator
	}
}

// TestBoxDistanceMeters compares the box distance with the least distance
// to a dense sample of the box's edges.
func TestBoxDistanceMeters(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 3))
	for range 300 {
		p := orb.Point{35 + r.Float64()*8, 31 + r.Float64()*6}
		lo := orb.Point{35 + r.Float64()*8, 31 + r.Float64()*6}
		b := orb.Bound{Min: lo, Max: orb.Point{lo[0] + r.Float64(), lo[1] + r.Float64()}}
		got := boxDistanceMeters(p, b)
		if b.Contains(p) {
			if got != 0 {
				t.Fatalf("p %v in %v: %g", p, b, got)
			}
			continue
		}
		best := got + 1
		const n = 4000
		for i := 0; i <= n; i++ {
			f := float64(i) / n
			lon := b.Min[0] + f*(b.Max[0]-b.Min[0])
			lat := b.Min[1] + f*(b.Max[1]-b.Min[1])
			for _, q := range []orb.Point{{lon, b.Min[1]}, {lon, b.Max[1]}, {b.Min[0], lat}, {b.Max[0], lat}} {
				best = min(best, DistanceMeters(p, q))
			}
		}
		// The sample is at most ~30 m from the true nearest point, so it
		// may overshoot by a little, never undershoot.
		if got > best+1e-6 || best-got > 1 {
			t.Fatalf("boxDistanceMeters(%v, %v) = %.4f, sampled %.4f", p, b, got, best)
		}
	}
}

// TestSphereScaleInCircle checks the circles' tighter band: from a
// circle's centre to any point of its bound that is within its radius, the
// WGS84 distance lies within sphereScale of the bound's latitudes times
// the haversine one.
func TestSphereScaleInCircle(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 5))
	for range 2_000 {
		c := Circle{Center: orb.Point{r.Float64()*360 - 180, r.Float64()*160 - 80}, RadiusMeters: 1 + r.Float64()*MaxRadiusMeters/4}
		b := c.Bound()
		lo, hi := sphereScale(b.Min[1], b.Max[1])
		if lo < sphereLo || hi > sphereHi {
			t.Fatalf("sphereScale(%g, %g) = [%g, %g], wider than the global band", b.Min[1], b.Max[1], lo, hi)
		}
		for range 50 {
			q := DestinationPoint(c.Center, r.Float64()*360, r.Float64()*c.RadiusMeters)
			if !b.Contains(q) {
				t.Fatalf("%v at %.1f m from %v is outside the bound %v", q, DistanceMeters(c.Center, q), c.Center, b)
			}
			h := havMeters(havA(c.Center, q))
			if k := DistanceMeters(c.Center, q) / h; h > 0 && (k < lo || k > hi) {
				t.Fatalf("%v–%v: ratio %.9f outside [%.9f, %.9f]", c.Center, q, k, lo, hi)
			}
		}
	}
}
