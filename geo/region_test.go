package geo_test

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/geo/synth"
)

// square returns the ring of the axis-aligned square [x0,x1] x [y0,y1],
// counter-clockwise.
func square(x0, y0, x1, y1 float64) orb.Ring {
	return orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

func reversed(r orb.Ring) orb.Ring {
	out := append(orb.Ring(nil), r...)
	out.Reverse()
	return out
}

func mustPrepareRegion(t testing.TB, g orb.Geometry) *geo.Region {
	t.Helper()
	r, err := geo.PrepareRegion(g)
	if err != nil {
		t.Fatalf("PrepareRegion: %v", err)
	}
	return r
}

// above returns the float just above v.
func above(v float64) float64 { return math.Nextafter(v, math.Inf(1)) }

// below returns the float just below v.
func below(v float64) float64 { return math.Nextafter(v, math.Inf(-1)) }

func TestRegionContains(t *testing.T) {
	withHole := orb.Polygon{square(0, 0, 4, 4), reversed(square(1, 1, 3, 3))}
	notch := orb.Polygon{{{0, 0}, {4, 0}, {4, 4}, {2, 2}, {0, 4}, {0, 0}}}
	diamond := orb.Polygon{{{0, 1}, {1, 0}, {2, 1}, {1, 2}, {0, 1}}}
	collinear := orb.Polygon{{{0, 0}, {1, 0}, {1, 0}, {2, 0}, {2, 2}, {1, 2}, {0, 2}, {0, 0}}}
	triangle := orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}
	type pointCase struct {
		name string
		p    orb.Point
		want bool
	}
	tests := []struct {
		name   string
		g      orb.Geometry
		points []pointCase
	}{
		{"polygon with a hole", withHole, []pointCase{
			{"interior", orb.Point{0.5, 0.5}, true},
			{"outer edge", orb.Point{2, 0}, true},
			{"outer vertex", orb.Point{0, 0}, true},
			{"opposite outer vertex", orb.Point{4, 4}, true},
			{"bound corner on a vertex", orb.Point{0, 4}, true},
			{"inside the hole", orb.Point{2, 2}, false},
			{"just inside the hole", orb.Point{above(1), 2}, false},
			{"on the hole edge", orb.Point{2, 1}, true},
			{"on a hole vertex", orb.Point{3, 3}, true},
			{"just outside the hole", orb.Point{below(1), 2}, true},
			{"outside", orb.Point{5, 5}, false},
			{"just west of the outer edge", orb.Point{below(0), 2}, false},
			{"just east of the outer edge", orb.Point{above(4), 2}, false},
			{"NaN", orb.Point{math.NaN(), 2}, false},
			{"+Inf", orb.Point{math.Inf(1), 2}, false},
		}},
		{"clockwise input rings", orb.Polygon{reversed(square(0, 0, 4, 4)), square(1, 1, 3, 3)}, []pointCase{
			{"interior", orb.Point{0.5, 3.5}, true},
			{"inside the hole", orb.Point{2, 2.5}, false},
			{"on the hole edge", orb.Point{3, 2}, true},
			{"outside", orb.Point{-1, 2}, false},
		}},
		{"ray through a notch vertex", notch, []pointCase{
			{"left of the notch", orb.Point{1, 2}, true},
			{"right of the notch", orb.Point{3, 2}, true},
			{"notch vertex", orb.Point{2, 2}, true},
			{"in the notch", orb.Point{2, 3}, false},
			{"on the notch edge", orb.Point{1, 3}, true},
			{"west of the polygon at the notch latitude", orb.Point{-1, 2}, false},
		}},
		{"ray through two vertices", diamond, []pointCase{
			{"west", orb.Point{-1, 1}, false},
			{"inside", orb.Point{0.5, 1}, true},
			{"centre", orb.Point{1, 1}, true},
			{"east", orb.Point{3, 1}, false},
			{"top vertex", orb.Point{1, 2}, true},
			{"above the top vertex", orb.Point{1, above(2)}, false},
		}},
		{"collinear and repeated vertices, horizontal edges", collinear, []pointCase{
			{"on a straight vertex", orb.Point{1, 0}, true},
			{"on the bottom edge", orb.Point{1.5, 0}, true},
			{"on the top edge", orb.Point{0.5, 2}, true},
			{"just below the bottom edge", orb.Point{1.5, below(0)}, false},
			{"just above the top edge", orb.Point{1.5, above(2)}, false},
			{"inside", orb.Point{1, 1}, true},
		}},
		{"exact diagonal", triangle, []pointCase{
			{"on the hypotenuse", orb.Point{0.5, 0.5}, true},
			{"one ulp above the hypotenuse", orb.Point{0.5, above(0.5)}, false},
			{"one ulp below the hypotenuse", orb.Point{0.5, below(0.5)}, true},
			{"tiny, on the hypotenuse", orb.Point{1e-300, 1e-300}, true},
			{"tiny, above the hypotenuse", orb.Point{1e-300, 2e-300}, false},
		}},
		{"grid cell borders", orb.Polygon{square(0, 0, 1, 1)}, []pointCase{
			{"quarter column border", orb.Point{0.25, 0.5}, true},
			{"quarter row border", orb.Point{0.5, 0.25}, true},
			{"cell corner", orb.Point{0.75, 0.75}, true},
			{"top edge at a border", orb.Point{0.5, 1}, true},
			{"east edge at a border", orb.Point{1, 0.25}, true},
		}},
		{"multipolygon", orb.MultiPolygon{{square(0, 0, 1, 1)}, {square(2, 0, 3, 1)}}, []pointCase{
			{"in the first", orb.Point{0.5, 0.5}, true},
			{"in the second", orb.Point{2.5, 0.5}, true},
			{"between them", orb.Point{1.5, 0.5}, false},
			{"on the second's west edge", orb.Point{2, 0.5}, true},
		}},
		{"overlapping multipolygon is a union", orb.MultiPolygon{{square(0, 0, 2, 2)}, {square(1, 1, 3, 3)}}, []pointCase{
			{"in both", orb.Point{1.5, 1.5}, true},
			{"only in the first", orb.Point{0.5, 0.5}, true},
			{"only in the second", orb.Point{2.5, 2.5}, true},
			{"in neither", orb.Point{2.5, 0.5}, false},
		}},
		{"polygon inside another's hole", orb.MultiPolygon{
			{square(0, 0, 6, 6), reversed(square(1, 1, 5, 5))},
			{square(2, 2, 4, 4)},
		}, []pointCase{
			{"in the ring", orb.Point{0.5, 3}, true},
			{"in the hole", orb.Point{1.5, 3}, false},
			{"in the island", orb.Point{3, 3}, true},
			{"on the island edge", orb.Point{2, 3}, true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustPrepareRegion(t, tt.g)
			for _, pc := range tt.points {
				if got := r.Contains(pc.p); got != pc.want {
					t.Errorf("%s: Contains(%v) = %v, want %v", pc.name, pc.p, got, pc.want)
				}
				if got := bruteContains(polygonsOf(tt.g), pc.p); got != pc.want {
					t.Errorf("%s: the oracle says %v for %v, want %v (bad test case)", pc.name, got, pc.p, pc.want)
				}
			}
		})
	}
}

func TestPrepareRegionRejects(t *testing.T) {
	tests := []struct {
		name string
		g    orb.Geometry
	}{
		{"nil", nil},
		{"point", orb.Point{1, 2}},
		{"empty polygon", orb.Polygon{}},
		{"empty multipolygon", orb.MultiPolygon{}},
		{"unclosed ring", orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}},
		{"NaN vertex", orb.Polygon{{{0, 0}, {math.NaN(), 0}, {1, 1}, {0, 0}}}},
		{"zero area", orb.Polygon{{{0, 0}, {1, 1}, {2, 2}, {0, 0}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := geo.PrepareRegion(tt.g)
			if err == nil {
				t.Fatalf("PrepareRegion(%v) = %v, want an error", tt.g, r)
			}
			var ve *geo.ValidationError
			if !errors.As(err, &ve) {
				t.Errorf("error %T %v, want *geo.ValidationError", err, err)
			}
		})
	}
}

func TestRegionRelate(t *testing.T) {
	withHole := orb.Polygon{square(0, 0, 40, 40), reversed(square(10, 10, 30, 30))}
	r := mustPrepareRegion(t, withHole)
	box := func(x0, y0, x1, y1 float64) orb.Bound {
		return orb.Bound{Min: orb.Point{x0, y0}, Max: orb.Point{x1, y1}}
	}
	tests := []struct {
		name string
		b    orb.Bound
		want geo.Relation
	}{
		{"far away", box(50, 50, 60, 60), geo.Disjoint},
		{"deep in the hole", box(18, 18, 22, 22), geo.Disjoint},
		{"deep in the ring", box(2, 15, 4, 25), geo.Within},
		{"a point deep in the ring", box(3, 20, 3, 20), geo.Within},
		{"across the hole edge", box(5, 15, 15, 25), geo.Crosses},
		{"across the outer edge", box(-5, 15, 5, 25), geo.Crosses},
		{"around everything", box(-100, -100, 100, 100), geo.Crosses},
		{"empty (reversed) box", box(5, 5, 1, 1), geo.Disjoint},
		{"NaN box", box(math.NaN(), 0, 1, 1), geo.Disjoint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.Relate(tt.b); got != tt.want {
				t.Errorf("Relate(%v) = %v, want %v", tt.b, got, tt.want)
			}
		})
	}
}

// testSeed returns FRONTLINE_SEED if set, else a fresh seed, and logs it so
// that a failure can be replayed.
func testSeed(t *testing.T) uint64 {
	t.Helper()
	seed := uint64(rand.Int64())
	if s := os.Getenv("FRONTLINE_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("FRONTLINE_SEED=%q: %v", s, err)
		}
		seed = v
	}
	t.Logf("seed %d (replay with FRONTLINE_SEED=%d)", seed, seed)
	return seed
}

// TestRegionMatchesOracle compares Contains with brute force on random
// polygons (with holes, multipolygons, self-intersecting and lattice-snapped
// ones full of horizontal, vertical and collinear edges) and random points,
// many of them on vertices and edges.
func TestRegionMatchesOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(testSeed(t), 1))
	cases := 100
	if testing.Short() {
		cases = 20
	}
	for c := range cases {
		g := randomArea(rng)
		r, err := geo.PrepareRegion(g)
		if err != nil {
			continue // a random ring may enclose no area
		}
		polys := polygonsOf(r.Geometry())
		for _, p := range randomProbes(rng, polys, 300) {
			if got, want := r.Contains(p), bruteContains(polys, p); got != want {
				t.Fatalf("case %d: Contains(%v) = %v, oracle %v\ngeometry: %v", c, p, got, want, g)
			}
		}
	}
}

// TestRegionConcurrentBuilds prepares random regions on several goroutines
// at once, as concurrent searches do, and checks each against brute force:
// the builds share pooled buffers, one after another, and none may see
// another's data (run it under -race).
func TestRegionConcurrentBuilds(t *testing.T) {
	seed := testSeed(t)
	var wg sync.WaitGroup
	for w := range uint64(4) {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, 10+w))
			for c := range 25 {
				g := randomArea(rng)
				r, err := geo.PrepareRegion(g)
				if err != nil {
					continue
				}
				polys := polygonsOf(r.Geometry())
				for _, p := range randomProbes(rng, polys, 100) {
					if got, want := r.Contains(p), bruteContains(polys, p); got != want {
						t.Errorf("worker %d case %d: Contains(%v) = %v, oracle %v", w, c, p, got, want)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

// TestRegionRelateMatchesOracle checks Relate against sampled points: a
// Within box has no sampled point outside, a Disjoint box none inside.
func TestRegionRelateMatchesOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(testSeed(t), 2))
	var within, disjoint int
	for c := range 40 {
		g := randomArea(rng)
		r, err := geo.PrepareRegion(g)
		if err != nil {
			continue
		}
		polys := polygonsOf(r.Geometry())
		b := r.Bound()
		for range 100 {
			bx := randomBox(rng, b)
			rel := r.Relate(bx)
			if rel == geo.Crosses {
				continue
			}
			if rel == geo.Within {
				within++
			} else {
				disjoint++
			}
			for _, p := range boxSamples(rng, bx) {
				if in := bruteContains(polys, p); in != (rel == geo.Within) {
					t.Fatalf("case %d: Relate(%v) = %v but the oracle says %v for %v\ngeometry: %v", c, bx, rel, in, p, g)
				}
			}
		}
	}
	if within == 0 || disjoint == 0 {
		t.Errorf("Relate answered Within %d and Disjoint %d times: not useful", within, disjoint)
	}
}

func TestRegionQ1MatchesOracle(t *testing.T) {
	q1 := synth.Q1Polygon(1)
	r := mustPrepareRegion(t, q1)
	polys := []orb.Polygon{q1}
	for _, p := range q1Points(3000) {
		got := r.Contains(p)
		if want := bruteContains(polys, p); got != want {
			t.Fatalf("Contains(%v) = %v, oracle %v", p, got, want)
		}
		if pl := planar.PolygonContains(q1, p); got != pl {
			t.Fatalf("Contains(%v) = %v, planar.PolygonContains %v", p, got, pl)
		}
	}
	// The centre of Q1 is deep inside, a corner of its bound outside.
	if got := r.Relate(orb.Bound{Min: orb.Point{40, 36}, Max: orb.Point{40.4, 36.3}}); got != geo.Within {
		t.Errorf("Relate(centre box) = %v, want Within", got)
	}
	if got := r.Relate(orb.Bound{Min: orb.Point{38, 35}, Max: orb.Point{38.1, 35.1}}); got != geo.Disjoint {
		t.Errorf("Relate(corner box) = %v, want Disjoint", got)
	}
}

// q1Points returns n points uniform over Q1's bound, the same every run.
func q1Points(n int) []orb.Point {
	b := synth.Q1Polygon(1).Bound()
	rng := rand.New(rand.NewPCG(7, 7))
	pts := make([]orb.Point, n)
	for i := range pts {
		pts[i] = orb.Point{
			b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]),
			b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1]),
		}
	}
	return pts
}

func BenchmarkRegionContains(b *testing.B) {
	q1 := synth.Q1Polygon(1)
	pts := q1Points(1 << 16)
	b.Run("region", func(b *testing.B) {
		r := mustPrepareRegion(b, q1)
		b.ReportAllocs()
		i, n := 0, 0
		for b.Loop() {
			if r.Contains(pts[i&(len(pts)-1)]) {
				n++
			}
			i++
		}
	})
	b.Run("planar", func(b *testing.B) {
		b.ReportAllocs()
		i, n := 0, 0
		for b.Loop() {
			if planar.PolygonContains(q1, pts[i&(len(pts)-1)]) {
				n++
			}
			i++
		}
	})
}

func BenchmarkPrepareRegion(b *testing.B) {
	cases := []struct {
		name string
		p    orb.Polygon
	}{
		{"jagged/vertices=2000", synth.Q1Polygon(1)},
		{"jagged/vertices=20000", jaggedPolygon(1, 20_000)},
		// Every edge a long spike: the worst case for a grid.
		{"spiky/vertices=20000", starPolygon(rand.New(rand.NewPCG(1, 1)), orb.Point{40, 36}, 2, 20_000)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := geo.PrepareRegion(c.p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// jaggedPolygon is synth.Q1Polygon's shape with n vertices and a third of
// its jitter: like a detailed administrative boundary.
func jaggedPolygon(seed uint64, n int) orb.Polygon {
	rng := rand.New(rand.NewPCG(seed, 3))
	ring := make(orb.Ring, n+1)
	for i := range n {
		th := 2 * math.Pi * float64(i) / float64(n)
		c, s := math.Cos(th), math.Sin(th)
		f := 1 - 0.025*(1+math.Sin(3*th)) - 0.015*(1+math.Sin(11*th)) - 0.013*rng.Float64()
		ring[i] = orb.Point{
			40.2 + f*2.2*math.Copysign(math.Sqrt(math.Abs(c)), c),
			36.15 + f*1.15*math.Copysign(math.Sqrt(math.Abs(s)), s),
		}
	}
	ring[n] = ring[0]
	return orb.Polygon{ring}
}

// The oracle: brute-force even-odd ray casting over every edge of each
// polygon, with an explicit on-segment test, written independently of the
// package's grid and predicate.

func polygonsOf(g orb.Geometry) []orb.Polygon {
	switch g := g.(type) {
	case orb.Polygon:
		return []orb.Polygon{g}
	case orb.MultiPolygon:
		return g
	}
	return nil
}

// bruteContains follows Region's rule: a point is in a polygon when it is
// on the exterior ring, or inside it (even-odd) and in the interior of no
// hole; a point on a hole's edge is not in that hole's interior.
func bruteContains(polys []orb.Polygon, p orb.Point) bool {
	if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
		return false
	}
	for _, poly := range polys {
		if bruteOnRing(poly[0], p) {
			return true
		}
		if !bruteInRing(poly[0], p) {
			continue
		}
		inHole := false
		for _, h := range poly[1:] {
			if !bruteOnRing(h, p) && bruteInRing(h, p) {
				inHole = true
			}
		}
		if !inHole {
			return true
		}
	}
	return false
}

func bruteOnRing(ring orb.Ring, p orb.Point) bool {
	for i := 0; i+1 < len(ring); i++ {
		if bruteOnSegment(ring[i], ring[i+1], p) {
			return true
		}
	}
	return false
}

// bruteInRing is even-odd ray casting towards +x with the half-open rule.
func bruteInRing(ring orb.Ring, p orb.Point) bool {
	odd := false
	for i := 0; i+1 < len(ring); i++ {
		a, b := ring[i], ring[i+1]
		if (a[1] > p[1]) != (b[1] > p[1]) && bruteCrossingEast(a, b, p) {
			odd = !odd
		}
	}
	return odd
}

func bruteOnSegment(a, b, p orb.Point) bool {
	return p[0] >= min(a[0], b[0]) && p[0] <= max(a[0], b[0]) &&
		p[1] >= min(a[1], b[1]) && p[1] <= max(a[1], b[1]) &&
		bruteOrient(a, b, p) == 0
}

// bruteCrossingEast reports whether edge ab, which spans p's latitude,
// crosses the ray from p to +x: whether its x at p's latitude is beyond p's.
func bruteCrossingEast(a, b, p orb.Point) bool {
	o := bruteOrient(a, b, p)
	if b[1] > a[1] {
		return o > 0
	}
	return o < 0
}

// bruteOrient is the sign of the cross product (b-a) x (p-a): exact, by
// rational arithmetic unless rounded arithmetic is far from any doubt.
func bruteOrient(a, b, p orb.Point) int {
	l := (b[0] - a[0]) * (p[1] - a[1])
	r := (b[1] - a[1]) * (p[0] - a[0])
	if d := l - r; math.Abs(d) > 1e-12*(math.Abs(l)+math.Abs(r)) && math.Abs(l)+math.Abs(r) > 1e-250 {
		if d > 0 {
			return 1
		}
		return -1
	}
	q := func(v float64) *big.Rat { return new(big.Rat).SetFloat64(v) }
	bx, by := new(big.Rat).Sub(q(b[0]), q(a[0])), new(big.Rat).Sub(q(b[1]), q(a[1]))
	px, py := new(big.Rat).Sub(q(p[0]), q(a[0])), new(big.Rat).Sub(q(p[1]), q(a[1]))
	return bx.Mul(bx, py).Cmp(by.Mul(by, px))
}

// Random geometry for the oracle tests.

// starPolygon returns a ring of n vertices at increasing angles around c with
// radii in [0.6, 1] times radius: simple, counter-clockwise.
func starPolygon(rng *rand.Rand, c orb.Point, radius float64, n int) orb.Polygon {
	ring := make(orb.Ring, n+1)
	for i := range n {
		th := 2 * math.Pi * (float64(i) + 0.8*rng.Float64()) / float64(n)
		rr := radius * (0.6 + 0.4*rng.Float64())
		ring[i] = orb.Point{c[0] + rr*math.Cos(th), c[1] + rr*math.Sin(th)}
	}
	ring[n] = ring[0]
	return orb.Polygon{ring}
}

// latticeRing returns a random closed ring of n vertices on the integer
// lattice [0, size]^2, scaled by step and offset: it may cross itself and
// has many horizontal, vertical and collinear edges.
func latticeRing(rng *rand.Rand, n, size int, off orb.Point, step float64) orb.Ring {
	ring := make(orb.Ring, n+1)
	for i := range n {
		ring[i] = orb.Point{off[0] + step*float64(rng.IntN(size+1)), off[1] + step*float64(rng.IntN(size+1))}
	}
	ring[n] = ring[0]
	return ring
}

func randomPolygon(rng *rand.Rand) orb.Polygon {
	switch rng.IntN(4) {
	case 0: // star with up to two holes
		c := orb.Point{rng.Float64()*20 - 10, rng.Float64()*20 - 10}
		p := starPolygon(rng, c, 5, 4+rng.IntN(60))
		for h := range rng.IntN(3) {
			hc := orb.Point{c[0] + float64(2*h-1)*1.5, c[1]}
			hole := starPolygon(rng, hc, 1.2, 3+rng.IntN(12))[0]
			hole.Reverse()
			p = append(p, hole)
		}
		return p
	case 1: // lattice rings, possibly crossing, with lattice holes
		off := orb.Point{float64(rng.IntN(7) - 3), float64(rng.IntN(7) - 3)}
		step := []float64{1, 0.5, 0.125, 0.1}[rng.IntN(4)]
		p := orb.Polygon{latticeRing(rng, 4+rng.IntN(12), 8, off, step)}
		for range rng.IntN(2) {
			p = append(p, latticeRing(rng, 3+rng.IntN(5), 8, off, step))
		}
		return p
	case 2: // geographic scale: a jagged star around a Syrian town
		return starPolygon(rng, orb.Point{38.0 + rng.Float64(), 35 + rng.Float64()}, 0.01+rng.Float64(), 8+rng.IntN(300))
	default: // tiny and near the antimeridian, where rounding is coarse
		return starPolygon(rng, orb.Point{179.9999, -89.9}, 1e-6, 5+rng.IntN(20))
	}
}

func randomArea(rng *rand.Rand) orb.Geometry {
	if rng.IntN(3) > 0 {
		return randomPolygon(rng)
	}
	mp := orb.MultiPolygon{randomPolygon(rng)}
	for range 1 + rng.IntN(3) {
		mp = append(mp, randomPolygon(rng))
	}
	return mp
}

// randomProbes returns n points around the polygons: uniform over a
// slightly padded bound, vertices, points snapped onto edges (exactly on
// them for lattice edges), on the bound's border, and nudged by one ulp.
func randomProbes(rng *rand.Rand, polys []orb.Polygon, n int) []orb.Point {
	var b orb.Bound
	var verts []orb.Point
	for i, p := range polys {
		if i == 0 {
			b = p.Bound()
		}
		b = b.Union(p.Bound())
		for _, r := range p {
			verts = append(verts, r...)
		}
	}
	w, h := b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]
	pts := make([]orb.Point, 0, n)
	for len(pts) < n {
		var p orb.Point
		switch rng.IntN(6) {
		case 0:
			p = orb.Point{b.Min[0] - 0.1*w + 1.2*w*rng.Float64(), b.Min[1] - 0.1*h + 1.2*h*rng.Float64()}
		case 1:
			p = verts[rng.IntN(len(verts))]
		case 2, 3:
			i := rng.IntN(len(verts) - 1)
			a, c := verts[i], verts[i+1]
			t := float64(rng.IntN(9)) / 8
			if rng.IntN(2) == 0 {
				t = rng.Float64()
			}
			p = orb.Point{a[0] + t*(c[0]-a[0]), a[1] + t*(c[1]-a[1])}
		case 4:
			// On a fraction of the bound: where grid borders fall.
			k := float64(int(1) << rng.IntN(7))
			p = orb.Point{b.Min[0] + w*float64(rng.IntN(int(k)+1))/k, b.Min[1] + h*float64(rng.IntN(int(k)+1))/k}
		default:
			v := verts[rng.IntN(len(verts))]
			p = orb.Point{math.Nextafter(v[0], v[0]+float64(rng.IntN(3)-1)), math.Nextafter(v[1], v[1]+float64(rng.IntN(3)-1))}
		}
		pts = append(pts, p)
	}
	return pts
}

// randomBox returns a box overlapping b: sometimes a point, sometimes
// larger than b, usually a small piece of it.
func randomBox(rng *rand.Rand, b orb.Bound) orb.Bound {
	w, h := b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]
	x := b.Min[0] - 0.1*w + 1.2*w*rng.Float64()
	y := b.Min[1] - 0.1*h + 1.2*h*rng.Float64()
	var s float64
	switch rng.IntN(4) {
	case 0:
		s = 0
	case 1:
		s = 1.5 * rng.Float64()
	default:
		s = 0.2 * rng.Float64()
	}
	return orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + s*w, y + s*h*rng.Float64()*2}}
}

// boxSamples returns the corners, edge midpoints and random points of b.
func boxSamples(rng *rand.Rand, b orb.Bound) []orb.Point {
	x0, y0, x1, y1 := b.Min[0], b.Min[1], b.Max[0], b.Max[1]
	pts := []orb.Point{{x0, y0}, {x1, y0}, {x0, y1}, {x1, y1}, {(x0 + x1) / 2, y0}, {x0, (y0 + y1) / 2}, {(x0 + x1) / 2, y1}, {x1, (y0 + y1) / 2}}
	for range 16 {
		pts = append(pts, orb.Point{x0 + (x1-x0)*rng.Float64(), y0 + (y1-y0)*rng.Float64()})
	}
	return pts
}
