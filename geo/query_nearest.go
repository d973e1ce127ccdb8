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
	pt orb.Point
	a  float64 // haversine's a term from the query point
	m  float64 // WGS84 metres from the query point, once measured
	id string
}

// nearest returns the k items nearest to p among those accept keeps, in
// order of WGS84 distance, ties broken by id. The items are n points within the
// box all, and search(b, fn) calls fn with each item in box b.
//
// It searches a box around p that grows until it provably holds the
// answer: the k-th smallest distance among the accepted items in the box is
// below a lower bound of the distance to every point outside it (a bound of
// haversine's term, turned into metres and scaled by sphereLo). The first
// box is sized to hold about one item at the items' mean density, and each
// miss doubles its sides. A plain box search
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
				hits = append(hits, nearHit[T]{it: it, pt: pt, a: havAcos(p, cosLat, pt)})
			}
			return true
		})
		if b.Contains(all.Min) && b.Contains(all.Max) {
			break
		}
		if len(hits) >= k {
			slices.SortFunc(hits, byA)
			// The k-th WGS84 distance is at most sphereHi times the k-th
			// haversine one. Strictly below: a point outside at exactly
			// the k-th distance would be a tie that must be seen.
			if sphereHi*havMeters(hits[k-1].a) < sphereLo*havMeters(math.Min(outside, 1)) {
				break
			}
		}
		half *= 2
	}
	hits = measureNearest(p, hits, k)
	if len(hits) > k {
		// Keep every item tied with the k-th, for the ID order below.
		last := k
		for last < len(hits) && hits[last].m == hits[k-1].m {
			last++
		}
		hits = hits[:last]
	}
	for i := range hits {
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

// measureNearest returns the hits that may be among the k nearest to p,
// measured in WGS84 metres and sorted by them. Haversine orders them first:
// the k-th smallest WGS84 distance is at most sphereHi times the k-th
// smallest haversine one, and a hit is at least sphereLo times its
// haversine distance away, so only the hits within sphereHi/sphereLo
// (1%) of the k-th haversine distance are measured with Vincenty's method.
func measureNearest[T any](p orb.Point, hits []nearHit[T], k int) []nearHit[T] {
	slices.SortFunc(hits, func(x, y nearHit[T]) int { return cmp.Compare(x.a, y.a) })
	if len(hits) > k {
		limit := sphereHi * havMeters(hits[k-1].a)
		keep := k
		for keep < len(hits) && sphereLo*havMeters(hits[keep].a) <= limit {
			keep++
		}
		hits = hits[:keep]
	}
	for i := range hits {
		hits[i].m = DistanceMeters(p, hits[i].pt)
	}
	slices.SortFunc(hits, func(x, y nearHit[T]) int { return cmp.Compare(x.m, y.m) })
	return hits
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
