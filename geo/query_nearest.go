package geo

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// nearHit is a candidate of a nearest-neighbour search.
type nearHit[T any] struct {
	it T
	a  float64 // haversine's a term from the query point
	m  float64 // metres
	id string
}

// nearest returns the k items of tr (a tree of points) nearest to p among
// those accept keeps, in haversine order, ties broken by id.
//
// It walks tr best-first (rtree's Nearby) with haversine's a term as the
// priority: exact for items, a safe lower bound for nodes (boxHavRange), so
// items come out in distance order. After the k-th item it keeps taking
// items at the same distance, so that ties are broken by ID rather than by
// the tree's layout.
func nearest[T any](tr *rtree.RTreeG[T], p orb.Point, k int, accept func(orb.Point, T) bool, id func(T) string) []nearHit[T] {
	if k <= 0 {
		return nil
	}
	cosLat := math.Cos(p[1] * math.Pi / 180.0)
	dist := func(min, max [2]float64, _ T, item bool) float64 {
		if item {
			return havA(p, min)
		}
		lo, _ := boxHavRange(p, cosLat, orb.Bound{Min: min, Max: max})
		// Shave the bound so that rounding never ranks a node after an item
		// it holds.
		return lo * (1 - 1e-12)
	}
	var hits []nearHit[T]
	kth := math.Inf(1)
	tr.Nearby(dist, func(min, _ [2]float64, it T, a float64) bool {
		if a > kth {
			return false
		}
		if !accept(min, it) {
			return true
		}
		hits = append(hits, nearHit[T]{it: it, a: a, m: havMeters(a), id: id(it)})
		if len(hits) == k {
			kth = a
		}
		return true
	})
	slices.SortFunc(hits, func(x, y nearHit[T]) int {
		if c := cmp.Compare(x.m, y.m); c != 0 {
			return c
		}
		return strings.Compare(x.id, y.id)
	})
	return hits[:min(k, len(hits))]
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
