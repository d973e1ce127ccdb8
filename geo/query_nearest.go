package geo

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/paulmach/orb"
)

// nearHit is a candidate of a nearest-neighbour search.
type nearHit[T any] struct {
	it T
	a  float64 // haversine's a term from the query point
	m  float64 // metres
	id string
}

// nearest returns the k items nearest to p among those accept keeps, in
// haversine order, ties broken by id. The items are n points within the
// box all, and search(b, fn) calls fn with each item in box b.
//
// It searches a box around p that grows until it provably holds the
// answer: the k-th smallest haversine term among the accepted items in the
// box is below a lower bound of the term for every point outside it
// (outsideHavBound). The first box is sized to hold about one item at the
// items' mean density, and each miss doubles its sides. A plain box search
// per round is several times cheaper than a best-first walk with a priority
// queue (rtree's Nearby) for the small k of map clicks and APIs.
func nearest[T any](all orb.Bound, n int, search func(b orb.Bound, fn func(orb.Point, T) bool),
	p orb.Point, k int, accept func(orb.Point, T) bool, id func(T) string) []nearHit[T] {
	if k <= 0 || n == 0 {
		return nil
	}
	tmin, tmax := all.Min, all.Max
	cosLat := math.Cos(p[1] * math.Pi / 180.0)
	// Half the side, in degrees of latitude, of a square holding one item
	// at mean density; at least 1 m, so that a tree of one point works.
	area := math.Max((tmax[0]-tmin[0])*(tmax[1]-tmin[1]), 1e-18)
	half := math.Max(math.Sqrt(area/float64(n))/2, 1e-5)

	hits := make([]nearHit[T], 0, 4*k)
	byA := func(x, y nearHit[T]) int { return cmp.Compare(x.a, y.a) }
	for {
		b, outside := searchBox(p, cosLat, half)
		hits = hits[:0]
		search(b, func(pt orb.Point, it T) bool {
			if accept(pt, it) {
				hits = append(hits, nearHit[T]{it: it, a: havAcos(p, cosLat, pt)})
			}
			return true
		})
		if b.Contains(all.Min) && b.Contains(all.Max) {
			slices.SortFunc(hits, byA)
			break
		}
		if len(hits) >= k {
			slices.SortFunc(hits, byA)
			// Strictly below: a point outside at exactly the k-th
			// distance would be a tie that must be seen.
			if hits[k-1].a < outside {
				break
			}
		}
		half *= 2
	}
	if len(hits) > k {
		// Keep every item tied with the k-th, for the ID order below.
		last := k
		for last < len(hits) && hits[last].a == hits[k-1].a {
			last++
		}
		hits = hits[:last]
	}
	for i := range hits {
		hits[i].m = havMeters(hits[i].a)
		hits[i].id = id(hits[i].it)
	}
	slices.SortFunc(hits, func(x, y nearHit[T]) int {
		if c := cmp.Compare(x.m, y.m); c != 0 {
			return c
		}
		return strings.Compare(x.id, y.id)
	})
	return hits[:min(k, len(hits))]
}

// searchBox returns the box around p reaching half degrees north and south
// and as many metres east and west, and a lower bound of haversine's a term
// from p to any point outside it. A box that would cross the antimeridian
// spans every longitude instead, and one past a pole stops at it.
//
// Outside the box a point is either beyond its latitude band, so a >=
// sin²(half/2), or within the band but beyond its longitudes, so a >=
// cos φp · cos φ · sin²(w/2) with cos φ smallest at the band's edge farthest
// from the equator.
func searchBox(p orb.Point, cosLat, half float64) (orb.Bound, float64) {
	latLo, latHi := p[1]-half, p[1]+half
	sq := func(deg float64) float64 { s := math.Sin(deg * math.Pi / 360); return s * s }
	outside := math.Inf(1)
	if latLo > -90 || latHi < 90 {
		outside = sq(half)
	}
	b := orb.Bound{Min: orb.Point{-180, math.Max(latLo, -90)}, Max: orb.Point{180, math.Min(latHi, 90)}}
	farLat := math.Min(math.Max(math.Abs(latLo), math.Abs(latHi)), 90)
	cosFar := math.Max(0, math.Cos(farLat*math.Pi/180))
	if cosFar > 0 {
		w := half / cosFar // degrees of longitude spanning half degrees of arc at farLat
		if w < 180 && p[0]-w >= -180 && p[0]+w <= 180 {
			b.Min[0], b.Max[0] = p[0]-w, p[0]+w
			outside = math.Min(outside, cosLat*cosFar*sq(w))
		}
	}
	// Shave the bound so that rounding never lifts it above a term
	// computed by havA.
	return b, outside * (1 - 1e-12)
}

// neighbors turns hits into Neighbors after skipping offset of them.
func neighbors[T, R any](hits []nearHit[T], offset int, rec func(T) *R) []Neighbor[R] {
	if offset >= len(hits) {
		return nil
	}
	out := make([]Neighbor[R], 0, len(hits)-offset)
	for _, h := range hits[offset:] {
		out = append(out, Neighbor[R]{Record: rec(h.it), DistanceMeters: h.m})
	}
	return out
}
