package geo

import (
	"math"
	"slices"
	"sort"

	"github.com/paulmach/orb"
)

// Grid is a grid of cells in [lon, lat] degrees: columns between the
// increasing longitudes Lons, rows between the increasing latitudes Lats.
// Cell (x, y) is [Lons[x], Lons[x+1]) × [Lats[y], Lats[y+1]), the last
// column and row closed, so that every point of the grid's bound lies in
// exactly one cell. A map tile's cells are the tiles a few zooms below it:
// their edges are such lines.
type Grid struct {
	Lons, Lats []float64
}

// maxGridCells bounds a grid: a tile has 64 cells.
const maxGridCells = 1 << 16

// validate returns the *ValidationError (field "grid") of a grid without
// two edges each way, with edges not finite and increasing, or with more
// than maxGridCells cells.
func (g Grid) validate() error {
	for _, edges := range [][]float64{g.Lons, g.Lats} {
		if len(edges) < 2 {
			return invalid("grid", "needs at least two edges each way")
		}
		for i, e := range edges {
			if math.IsNaN(e) || math.IsInf(e, 0) || (i > 0 && e <= edges[i-1]) {
				return invalid("grid", "edges must be finite and increasing")
			}
		}
	}
	if (len(g.Lons)-1)*(len(g.Lats)-1) > maxGridCells {
		return invalid("grid", "more than %d cells", maxGridCells)
	}
	return nil
}

// Bound is the grid's bound.
func (g Grid) Bound() orb.Bound {
	return orb.Bound{Min: orb.Point{g.Lons[0], g.Lats[0]}, Max: orb.Point{g.Lons[len(g.Lons)-1], g.Lats[len(g.Lats)-1]}}
}

// cell returns the cell holding p, or ok false when p is outside the grid.
func (g Grid) cell(p orb.Point) (x, y int, ok bool) {
	x, okx := edgeIndex(g.Lons, p[0])
	y, oky := edgeIndex(g.Lats, p[1])
	return x, y, okx && oky
}

// edgeIndex is the interval of edges holding v: i with edges[i] <= v <
// edges[i+1], the last interval closed.
func edgeIndex(edges []float64, v float64) (int, bool) {
	n := len(edges) - 1
	if !(v >= edges[0] && v <= edges[n]) {
		return 0, false
	}
	i := sort.SearchFloat64s(edges, v) // the first edge >= v
	if i < len(edges) && edges[i] == v {
		return min(i, n-1), true
	}
	return i - 1, true
}

// Cluster is the incidents matching a query that fall in one cell of a
// grid: how many, their fatalities summed, and where they are on average.
type Cluster struct {
	// X and Y are the cell: column and row of the Grid.
	X, Y int
	// Count is the number of incidents in the cell; never sampled.
	Count int
	// Fatalities sums the incidents' low, best and high estimates and
	// civilians.
	Fatalities Fatalities
	// Center is the centre of Bound, [lon, lat] in degrees: where a map
	// draws the cluster.
	Center orb.Point
	// Bound holds the incidents' locations and lies in the cell; it may be
	// larger than their tight bound (it is a quadtree node's where the
	// node lies in one cell).
	Bound orb.Bound
}

// clusterAcc accumulates one cell.
type clusterAcc struct {
	sums    entrySums
	n       int
	bound   orb.Bound
	bounded bool // bound holds something
}

func (a *clusterAcc) extend(b orb.Bound) {
	switch {
	case !a.bounded:
		a.bound, a.bounded = b, true
	case a.bound != b: // a node's runs extend by its box again and again
		a.bound = a.bound.Union(b)
	}
}

// Clusters counts the incidents matching q in each cell of g, exactly:
// every matching incident in g's bound counts in one cell, so the
// clusters' counts add up to CountIncidents of q over g.Bound(). q.Where
// must be everywhere (the zero Where): the grid is the place. Clusters are
// the non-empty cells, ordered by X, then Y; q.Offset and q.Limit are
// ignored. It returns a *ValidationError for an invalid query or grid.
//
// Without attribute conditions (type, actor, status, fatalities) it reads
// the quadtree: a node lying in one cell adds its run of entries at once,
// from prefix sums over the entries (entrySums, built with the quadtree),
// and only leaves that cells' edges cross are read
// entry by entry; entries changed since the quadtree was built are taken
// off and their current records added. With attribute conditions every
// candidate record is read.
func (s *Snapshot) Clusters(q IncidentQuery, g Grid) ([]Cluster, error) {
	if err := g.validate(); err != nil {
		return nil, err
	}
	if q.Where != (Where{}) {
		return nil, invalid("where", "clusters take their place from the grid")
	}
	q.Where = InBound(g.Bound())
	f, err := s.compile(&q)
	if err != nil {
		return nil, err
	}
	nx := len(g.Lons) - 1
	acc := make([]clusterAcc, nx*(len(g.Lats)-1))
	addRecord := func(p orb.Point, in *Incident, sign int) {
		x, y, ok := g.cell(p)
		if !ok {
			return
		}
		a := &acc[y*nx+x]
		a.sums.add(entrySumsOf(in), sign)
		a.n += sign
		if sign > 0 {
			a.extend(orb.Bound{Min: p, Max: p})
		}
	}
	if f.attrs || s.incQuad.sums == nil {
		s.each(f, func(p orb.Point, it incItem) bool {
			addRecord(p, s.incs.get(it.h), 1)
			return true
		})
	} else {
		q := s.incQuad
		sums := q.sums
		addRun := func(x, y int, lo, hi uint32, b orb.Bound) {
			a := &acc[y*nx+x]
			a.sums.addRange(sums, lo, hi, 1)
			a.n += int(hi - lo)
			a.extend(b)
		}
		if len(q.entries) > 0 {
			q.clusterNode(0, g, f.window, addRun)
		}
		w := f.window
		searchPoints(s.incDead, f.sh, func(p orb.Point, d deadItem) bool {
			if x, y, ok := g.cell(p); ok && d.to >= w.From && d.from <= w.To {
				a := &acc[y*nx+x]
				a.sums.addRange(sums, d.pos, d.pos+1, -1)
				a.n--
			}
			return true
		})
		searchPoints(s.incDelta, f.sh, func(p orb.Point, it incItem) bool {
			if it.to >= w.From && it.from <= w.To {
				addRecord(p, s.incs.get(it.h), 1)
			}
			return true
		})
	}
	var out []Cluster
	for i, a := range acc {
		if a.n <= 0 {
			continue
		}
		out = append(out, Cluster{X: i % nx, Y: i / nx, Count: a.n,
			Fatalities: Fatalities{Low: int(a.sums.low), Best: int(a.sums.best), High: int(a.sums.high), Civilians: int(a.sums.civ)},
			Center:     a.bound.Center(),
			Bound:      a.bound})
	}
	slices.SortFunc(out, func(a, b Cluster) int {
		if a.X != b.X {
			return a.X - b.X
		}
		return a.Y - b.Y
	})
	return out, nil
}

// clusterNode adds to the cells of g the entries below node ni whose days
// overlap w: a node whose box lies in one cell as runs, through addRun with
// the node's box; a leaf across cells entry by entry, as runs of one.
func (q *pointQuad) clusterNode(ni uint32, g Grid, w Interval, addRun func(x, y int, lo, hi uint32, b orb.Bound)) {
	n := &q.nodes[ni]
	if !n.box.Intersects(g.Bound()) {
		return
	}
	x0, y0, ok0 := g.cell(n.box.Min)
	x1, y1, ok1 := g.cell(n.box.Max)
	if ok0 && ok1 && x0 == x1 && y0 == y1 {
		if w == Always {
			addRun(x0, y0, n.lo, n.hi, n.box)
			return
		}
		for _, lf := range q.leaves[n.l0:n.l1] {
			// Entries [b, c) start within w, so overlap it: one run.
			// Those of [a, b) started before w and overlap it if they
			// last into it.
			a, b, c := q.windowRange(lf, w)
			q.runs(a, b, nil, w, func(lo, hi uint32) bool { addRun(x0, y0, lo, hi, n.box); return true })
			if b < c {
				addRun(x0, y0, b, c, n.box)
			}
		}
		return
	}
	if n.child == 0 {
		a, end := n.lo, n.hi
		if w != Always {
			a, _, end = q.windowRange(q.leaves[n.l0], w)
		}
		for e := a; e < end; e++ {
			en := &q.entries[e]
			if en.to < w.From || en.from > w.To {
				continue
			}
			if x, y, ok := g.cell(en.p); ok {
				addRun(x, y, e, e+1, orb.Bound{Min: en.p, Max: en.p})
			}
		}
		return
	}
	for k := range uint32(4) {
		if ch := n.child + k; q.nodes[ch].lo < q.nodes[ch].hi {
			q.clusterNode(ch, g, w, addRun)
		}
	}
}

// entrySums are the fatality sums clusters report of a run of entries.
type entrySums struct {
	low, best, high, civ int64
}

func entrySumsOf(in *Incident) entrySums {
	return entrySums{low: int64(in.Fatalities.Low), best: int64(in.Fatalities.Best), high: int64(in.Fatalities.High),
		civ: int64(in.Fatalities.Civilians)}
}

// add adds e to s, or takes it off with sign -1.
func (s *entrySums) add(e entrySums, sign int) {
	k := int64(sign)
	s.low += k * e.low
	s.best += k * e.best
	s.high += k * e.high
	s.civ += k * e.civ
}

// addRange adds the sums of entries [lo, hi) from the prefix sums ps, or
// takes them off with sign -1.
func (s *entrySums) addRange(ps []prefixSums, lo, hi uint32, sign int) {
	a, b := ps[lo], ps[hi]
	s.add(entrySums{low: int64(b.low - a.low), best: int64(b.best - a.best), high: int64(b.high - a.high),
		civ: int64(b.civ - a.civ)}, sign)
}

// prefixSums are the fatality sums of the entries before one, in 32 bits
// (16 bytes an incident): the totals of a dataset fit, and buildSums
// leaves a quadtree whose totals would not without them, for Clusters to
// read records instead.
type prefixSums struct {
	low, best, high, civ uint32
}

// buildSums sets q.sums: q.sums[i] are the sums of entries [0, i), read
// from t, the table q was built from (NewIndex and rebuildQuad call it
// right after building q), whose records are the entries' as long as they
// live in q. A snapshot whose record of an entry has changed since lists
// it as dead, and Clusters takes the entry's sum off again.
func (q *pointQuad) buildSums(t *incidentTable) {
	ps := make([]prefixSums, len(q.entries)+1)
	var total entrySums
	for i := range q.entries {
		total.add(entrySumsOf(t.get(q.entries[i].h)), 1)
		if max(total.low, total.best, total.high, total.civ) > math.MaxUint32 || min(total.low, total.best, total.high, total.civ) < 0 {
			q.sums = nil
			return
		}
		ps[i+1] = prefixSums{uint32(total.low), uint32(total.best), uint32(total.high), uint32(total.civ)}
	}
	q.sums = ps
}
