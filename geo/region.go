package geo

import (
	"math"
	"math/big"
	"strconv"
	"sync"

	"github.com/paulmach/orb"
)

// Relation is how a box relates to a Region.
type Relation int

// The relations of a box to a region.
const (
	// Disjoint: no point of the box is in the region.
	Disjoint Relation = iota
	// Within: every point of the box is in the region.
	Within
	// Crosses: the box may hold points both in and out of the region; test
	// each point with Contains.
	Crosses
)

// String returns "Disjoint", "Within" or "Crosses".
func (rel Relation) String() string {
	switch rel {
	case Disjoint:
		return "Disjoint"
	case Within:
		return "Within"
	case Crosses:
		return "Crosses"
	}
	return "Relation(" + strconv.Itoa(int(rel)) + ")"
}

// Region is a validated, prepared Polygon or MultiPolygon that answers
// point containment quickly. Coordinates are [lon, lat]. A Region is
// immutable and safe for concurrent use.
//
// Boundary semantics: a point on an edge or a vertex, of an exterior ring or
// of a hole, is inside; a point in a hole's interior is outside; the
// polygons of a MultiPolygon combine by union. Precisely, a point is in a
// polygon when it is on the exterior ring, or inside the exterior ring and
// in the interior of none of the holes, where "inside a ring" follows the
// even-odd rule (so a self-crossing ring is well defined). The answers are
// exact for every input: orientation is decided by an adaptive exact
// predicate, not by rounded arithmetic.
//
// The preparation is a uniform grid over the bounding box, after the grid
// method of Haines, "Point in Polygon Strategies" (Graphics Gems IV, 1994)
// and Žalik and Kolingerová, "A cell-based point-in-polygon algorithm
// suitable for large sets of points" (Computers & Geosciences 27, 2001).
// Each cell that no edge touches is wholly inside or wholly outside and
// answers in O(1). A cell that edges touch keeps them, and a point there is
// decided by casting a ray to +x: crossings with the cell's own edges are
// tested, while the edges of the same row further east, which such a ray
// crosses exactly when their span of latitudes contains the point's, are
// folded into a short sorted list of latitudes at which their parity flips.
type Region struct {
	area  orb.Geometry
	bound orb.Bound
	edges []segment
	rings []ringInfo

	// nx columns and ny rows of cells. xs[i] and xs[i+1] are the west and
	// east borders of column i, xs[0] and xs[nx] those of the bound; ys
	// likewise for rows. Cells are closed: a point on a border belongs to
	// both cells, and either answers correctly.
	nx, ny     int
	xs, ys     []float64
	invW, invH float64 // cells per degree, for a first guess of a column or row
	cells      []gridCell
	parts      []cellPart
	cellEdges  []int32   // indices into edges, per part
	steps      []float64 // latitudes, per part; -Inf for flips below the row

	// notIn and notOut are summed-area tables (ny+1 by nx+1) counting cells
	// that are not wholly inside, and not wholly outside, so Relate finds
	// in O(1) whether a box meets any cell that edges touch.
	notIn, notOut []int32
}

// segment is one edge of a ring, from a to b; ring indexes Region.rings.
type segment struct {
	a, b orb.Point
	ring int32
}

// ringInfo says which polygon a ring belongs to and whether it is that
// polygon's exterior. Rings are numbered polygon by polygon, exterior first.
type ringInfo struct {
	poly     int32
	exterior bool
}

// gridCell is one cell of the grid. When no edge touches the cell, first ==
// last and inside says whether the whole closed cell is in the region.
// Otherwise parts[first:last] hold the cell's data, one part per ring, in
// ring order.
type gridCell struct {
	first, last uint32
	inside      bool
}

// cellPart is what one ring contributes to a cell: the edges touching the
// cell and the sorted latitudes at which the crossing parity of the ring's
// edges east of the cell flips.
type cellPart struct {
	ring                int32
	edgeFirst, edgeLast uint32
	stepFirst, stepLast uint32
}

// cellsPerEdge sets the grid size: about this many cells per edge keeps most
// cells empty of edges while the tables stay a few bytes per vertex.
const cellsPerEdge = 8

// maxCells bounds the grid so that preparing a huge polygon stays within a
// few tens of megabytes.
const maxCells = 1 << 20

// polygonsOf returns the polygons of an area, a Polygon or a MultiPolygon
// (nil for any other geometry).
func polygonsOf(a orb.Geometry) []orb.Polygon {
	switch a := a.(type) {
	case orb.Polygon:
		return []orb.Polygon{a}
	case orb.MultiPolygon:
		return a
	}
	return nil
}

// PrepareRegion validates g with NormalizeArea and prepares it. Coordinates
// are [lon, lat]. It returns a *ValidationError when g is not a valid
// Polygon or MultiPolygon. Preparation takes time and memory linear in the
// number of vertices for typical boundaries.
func PrepareRegion(g orb.Geometry) (*Region, error) {
	a, err := NormalizeArea(g)
	if err != nil {
		return nil, err
	}
	polys := polygonsOf(a)
	// orb's bound is that of the exterior rings, outside which nothing is
	// in the region.
	r := &Region{area: a, bound: a.Bound()}
	b := r.bound
	for k, p := range polys {
		for h, ring := range p {
			ri := int32(len(r.rings))
			r.rings = append(r.rings, ringInfo{poly: int32(k), exterior: h == 0})
			for i := 0; i+1 < len(ring); i++ {
				e := segment{ring[i], ring[i+1], ri}
				// A zero-length edge crosses no ray, and a point on it is on
				// its neighbours' shared vertex. Parts of a hole west, north
				// or south of the bound meet no point of the bound or ray
				// from one; parts east of it may be crossed, so they stay.
				if e.a == e.b || max(e.a[0], e.b[0]) < b.Min[0] ||
					max(e.a[1], e.b[1]) < b.Min[1] || min(e.a[1], e.b[1]) > b.Max[1] {
					continue
				}
				r.edges = append(r.edges, e)
			}
		}
	}
	r.build()
	return r, nil
}

// Geometry returns the normalised Polygon or MultiPolygon. Callers must not
// modify it.
func (r *Region) Geometry() orb.Geometry { return r.area }

// Bound returns the region's [lon, lat] bounding box.
func (r *Region) Bound() orb.Bound { return r.bound }

// Contains reports whether p ([lon, lat]) is in the region, edges and
// vertices included. A point with a NaN coordinate is never inside.
func (r *Region) Contains(p orb.Point) bool {
	// Written so that NaN fails: orb.Bound.Contains accepts NaN.
	b := r.bound
	if !(p[0] >= b.Min[0] && p[0] <= b.Max[0] && p[1] >= b.Min[1] && p[1] <= b.Max[1]) {
		return false
	}
	i := locate(r.xs, r.invW, p[0])
	j := locate(r.ys, r.invH, p[1])
	c := r.cells[j*r.nx+i]
	if c.first == c.last {
		return c.inside
	}
	// Parts come in ring order, so each polygon's exterior before its holes.
	poly, in := int32(-1), false
	for _, pt := range r.parts[c.first:c.last] {
		ri := r.rings[pt.ring]
		if ri.poly != poly {
			if in {
				return true
			}
			poly, in = ri.poly, false
		}
		odd, on := r.parity(pt, p)
		switch {
		case on && ri.exterior:
			return true
		case ri.exterior:
			in = odd
		case odd && !on:
			in = false // in the hole's interior
		}
	}
	return in
}

// parity returns whether ring pt.ring is crossed an odd number of times by
// the ray from p to +x, and whether p is on one of its edges (then the
// parity is meaningless). p must lie in the cell that holds pt.
func (r *Region) parity(pt cellPart, p orb.Point) (odd, on bool) {
	for _, y := range r.steps[pt.stepFirst:pt.stepLast] {
		if y > p[1] {
			break
		}
		odd = !odd
	}
	for _, e := range r.cellEdges[pt.edgeFirst:pt.edgeLast] {
		on, cross := r.edges[e].classify(p)
		if on {
			return false, true
		}
		if cross {
			odd = !odd
		}
	}
	return odd, false
}

// Relate says whether the closed box b ([lon, lat]) is Disjoint from, Within
// or Crosses the region. It may answer Crosses when the truth is Within or
// Disjoint, never the reverse, so callers stay exact by testing the points
// of a Crosses box with Contains. A box that no edge touches is Within or
// Disjoint whenever it meets at most a few grid cells that edges touch; a
// larger box is decided from the grid alone. An empty box (Min > Max) or
// one with a NaN is Disjoint. It costs O(1) plus, for a small box near the
// boundary, a test of the few edges nearby.
func (r *Region) Relate(b orb.Bound) Relation {
	if !(b.Min[0] <= b.Max[0] && b.Min[1] <= b.Max[1]) || !r.bound.Intersects(b) {
		return Disjoint
	}
	i0 := locate(r.xs, r.invW, max(b.Min[0], r.bound.Min[0]))
	i1 := locate(r.xs, r.invW, min(b.Max[0], r.bound.Max[0]))
	j0 := locate(r.ys, r.invH, max(b.Min[1], r.bound.Min[1]))
	j1 := locate(r.ys, r.invH, min(b.Max[1], r.bound.Max[1]))
	notOut := r.boxSum(r.notOut, i0, i1, j0, j1)
	if notOut == 0 {
		return Disjoint
	}
	inBound := r.bound.Contains(b.Min) && r.bound.Contains(b.Max)
	notIn := r.boxSum(r.notIn, i0, i1, j0, j1)
	if notIn == 0 && inBound {
		return Within
	}
	// Cells edges touch are counted in both tables, uniform ones in one.
	area := int32((i1 - i0 + 1) * (j1 - j0 + 1))
	if notIn+notOut-area > maxRelateCells || r.touchesEdge(b, i0, i1, j0, j1) {
		return Crosses
	}
	// No edge meets the box, so the boundary does not either and the
	// connected box is all in or all out: any of its points decides.
	if r.Contains(b.Min) {
		return Within
	}
	return Disjoint
}

// maxRelateCells bounds the cells that edges touch which Relate examines
// edge by edge before settling for Crosses, to keep Relate cheap on big
// boxes.
const maxRelateCells = 8

// touchesEdge reports whether any edge in the cells of columns i0..i1 and
// rows j0..j1 meets the closed box b.
func (r *Region) touchesEdge(b orb.Bound, i0, i1, j0, j1 int) bool {
	for j := j0; j <= j1; j++ {
		for _, c := range r.cells[j*r.nx+i0 : j*r.nx+i1+1] {
			for _, pt := range r.parts[c.first:c.last] {
				for _, e := range r.cellEdges[pt.edgeFirst:pt.edgeLast] {
					if r.edges[e].meets(b) {
						return true
					}
				}
			}
		}
	}
	return false
}

// meets reports whether segment s and the closed box b share a point,
// exactly: their bounds overlap and the box's corners are not all strictly
// on one side of the segment's line (the separating axis test).
func (s segment) meets(b orb.Bound) bool {
	a, c := s.a, s.b
	if max(a[0], c[0]) < b.Min[0] || min(a[0], c[0]) > b.Max[0] ||
		max(a[1], c[1]) < b.Min[1] || min(a[1], c[1]) > b.Max[1] {
		return false
	}
	side := orient(a, c, b.Min)
	for _, q := range [3]orb.Point{{b.Max[0], b.Min[1]}, b.Max, {b.Min[0], b.Max[1]}} {
		if o := orient(a, c, q); o != side || o == 0 {
			return true
		}
	}
	return false
}

// boxSum returns the sum of a summed-area table over columns i0..i1 and rows
// j0..j1, inclusive.
func (r *Region) boxSum(t []int32, i0, i1, j0, j1 int) int32 {
	w := r.nx + 1
	return t[(j1+1)*w+i1+1] - t[j0*w+i1+1] - t[(j1+1)*w+i0] + t[j0*w+i0]
}

// classify reports whether p is on segment s, and whether a ray from p
// towards +x crosses s under the half-open rule (an edge counts when one end
// is above p's latitude and the other is at or below it), the rule of the
// classic crossing test (W. R. Franklin, PNPOLY) that counts a ray through a
// shared vertex once. Both answers are exact.
func (s segment) classify(p orb.Point) (on, cross bool) {
	a, b := s.a, s.b
	if p[1] < min(a[1], b[1]) || p[1] > max(a[1], b[1]) || p[0] > max(a[0], b[0]) {
		return false, false
	}
	spans := (a[1] > p[1]) != (b[1] > p[1])
	if p[0] < min(a[0], b[0]) {
		return false, spans
	}
	o := orient(a, b, p)
	if o == 0 {
		return true, false
	}
	// An upward edge is crossed when p is to its left, a downward one when
	// p is to its right.
	return false, spans && (o > 0) == (b[1] > a[1])
}

// ccwErrBoundA is Shewchuk's error bound for the floating-point orientation
// determinant: when |det| exceeds it times the sum of the magnitudes of its
// two products, the sign of det is exact. From J. R. Shewchuk, "Adaptive
// Precision Floating-Point Arithmetic and Fast Robust Geometric Predicates"
// (Discrete & Computational Geometry 18, 1997), predicates.c.
const ccwErrBoundA = (3 + 16*0x1p-53) * 0x1p-53

// minFilterSum keeps the filter away from underflow, where the bound above
// does not hold; below it orient computes exactly.
const minFilterSum = 0x1p-900

// orient returns +1 when p is to the left of the directed line a->b
// (counter-clockwise), -1 when to the right and 0 when the three points are
// collinear, exactly for all finite inputs.
func orient(a, b, p orb.Point) int {
	// The float64 conversions forbid fused multiply-add, which the error
	// bound does not describe.
	detLeft := float64((a[0] - p[0]) * (b[1] - p[1]))
	detRight := float64((a[1] - p[1]) * (b[0] - p[0]))
	det := detLeft - detRight
	sum := math.Abs(detLeft) + math.Abs(detRight)
	if bound := ccwErrBoundA * sum; sum > minFilterSum {
		switch {
		case det > bound:
			return 1
		case -det > bound:
			return -1
		}
	}
	return orientExact(a, b, p)
}

// orientExact is orient in rational arithmetic: slow, allocating, and only
// reached for nearly collinear points.
func orientExact(a, b, p orb.Point) int {
	rat := func(v float64) *big.Rat { return new(big.Rat).SetFloat64(v) }
	px, py := rat(p[0]), rat(p[1])
	ax := new(big.Rat).Sub(rat(a[0]), px)
	ay := new(big.Rat).Sub(rat(a[1]), py)
	bx := new(big.Rat).Sub(rat(b[0]), px)
	by := new(big.Rat).Sub(rat(b[1]), py)
	return ax.Mul(ax, by).Cmp(ay.Mul(ay, bx))
}

// locate returns the index of the interval of borders bs holding v: the i
// with bs[i] <= v < bs[i+1], the last interval for v at or beyond its end
// and the first for v before bs[0] or NaN. inv is the number of intervals
// per unit, for a first guess that the loops then correct, so the result
// depends only on exact comparisons.
func locate(bs []float64, inv, v float64) int {
	n := len(bs) - 1
	i := 0
	if f := (v - bs[0]) * inv; f >= float64(n) {
		i = n - 1
	} else if f > 0 {
		i = int(f)
	}
	for i > 0 && v < bs[i] {
		i--
	}
	for i < n-1 && v >= bs[i+1] {
		i++
	}
	return i
}

// borders returns n+1 strictly increasing borders from lo to hi, fewer when
// the span is too small for n distinct floats.
func borders(lo, hi float64, n int) []float64 {
	for {
		bs := make([]float64, n+1)
		ok := true
		for i := range bs {
			bs[i] = lo + (hi-lo)*float64(i)/float64(n)
			if i > 0 && bs[i] <= bs[i-1] {
				ok = false
			}
		}
		bs[n] = hi
		if ok && bs[n] > bs[n-1] || n == 1 {
			return bs
		}
		n /= 2
	}
}

// gridSize picks about cellsPerEdge cells per edge, roughly square in
// degrees, within maxCells. Long edges cross many cells and each crossing
// costs memory, so when the edges would make more than maxCellsPerEdge
// cell entries per edge on average, the grid is coarsened to fit.
func gridSize(edges []segment, w, h float64) (nx, ny int) {
	cells := float64(min(max(cellsPerEdge*len(edges), 16), maxCells))
	nx = int(math.Round(math.Sqrt(cells * w / h)))
	nx = min(max(nx, 1), int(cells))
	ny = min(max(int(cells)/nx, 1), maxCells/nx)
	// A segment spanning dx and dy degrees meets about dx/cellW + dy/cellH
	// + 1 cells.
	var sx, sy float64
	for _, e := range edges {
		sx += math.Abs(e.b[0] - e.a[0])
		sy += math.Abs(e.b[1] - e.a[1])
	}
	n := float64(len(edges))
	entries := sx*float64(nx)/w + sy*float64(ny)/h + n
	if budget := maxCellsPerEdge * n; entries > budget {
		f := (budget - n) / (entries - n)
		nx = max(int(float64(nx)*f), 1)
		ny = max(int(float64(ny)*f), 1)
	}
	return nx, ny
}

// maxCellsPerEdge bounds the average number of cells an edge is listed in.
const maxCellsPerEdge = 16

// span is the run of cells, columns i0..i1 of row j, that an edge touches.
type span struct {
	edge      int32
	j, i0, i1 int32
}

// flip is one latitude at which the crossing parity of ring's edges east of
// a cell changes; y is -Inf for a flip at or below the cell's row.
type flip struct {
	ring int32
	y    float64
}

func (r *Region) build() {
	b := r.bound
	r.nx, r.ny = gridSize(r.edges, b.Max[0]-b.Min[0], b.Max[1]-b.Min[1])
	r.xs = borders(b.Min[0], b.Max[0], r.nx)
	r.ys = borders(b.Min[1], b.Max[1], r.ny)
	r.nx, r.ny = len(r.xs)-1, len(r.ys)-1
	r.invW = float64(r.nx) / (b.Max[0] - b.Min[0])
	r.invH = float64(r.ny) / (b.Max[1] - b.Min[1])
	nc := r.nx * r.ny

	// The temporaries are reused from build to build: a query's polygon is
	// prepared per request, and their megabytes would otherwise be garbage
	// each time (a full GC cycle sooner for every few hundred requests).
	sc := buildScratchPool.Get().(*buildScratch)
	defer buildScratchPool.Put(sc)

	// Pass 1: the cells each edge touches in each row it crosses, and the
	// flips it contributes to the cells of that row west of them.
	spans, regs := sc.spans[:0], sc.regs[:0]
	defer func() { sc.spans, sc.regs = spans[:0], regs[:0] }()
	for k, e := range r.edges {
		minY, maxY := min(e.a[1], e.b[1]), max(e.a[1], e.b[1])
		j0 := locate(r.ys, r.invH, minY)
		if j0 > 0 && r.ys[j0] == minY {
			j0-- // the edge touches the row below's top border
		}
		j1 := locate(r.ys, r.invH, maxY)
		for j := j0; j <= j1; j++ {
			xlo, xhi := e.xRange(max(minY, r.ys[j]), min(maxY, r.ys[j+1]))
			i0 := locate(r.xs, r.invW, xlo)
			if i0 > 0 && r.xs[i0] == xlo {
				i0--
			}
			i1 := locate(r.xs, r.invW, xhi)
			spans = append(spans, span{int32(k), int32(j), int32(i0), int32(i1)})
			if i0 == 0 {
				continue
			}
			// For the cells west of i0 in this row the edge lies wholly
			// east, so a ray from any of their points crosses it exactly
			// when the point's latitude is in [minY, maxY): a flip at each.
			cell := int32(j*r.nx + i0 - 1)
			for _, y := range [2]float64{minY, maxY} {
				switch {
				case y <= r.ys[j]:
					regs = append(regs, flipReg{cell, flip{e.ring, math.Inf(-1)}})
				case y <= r.ys[j+1]:
					regs = append(regs, flipReg{cell, flip{e.ring, y}})
				}
			}
		}
	}

	// Bucket edges and flip registrations by cell, keeping edge order so
	// that each cell's edges stay grouped by ring.
	edgeStart := sc.edgeStart.zeroed(nc + 1)
	for _, s := range spans {
		for i := s.i0; i <= s.i1; i++ {
			edgeStart[int(s.j)*r.nx+int(i)+1]++
		}
	}
	withEdges := 0 // cells that edges touch: each is at least one part
	for c := range nc {
		if edgeStart[c+1] > 0 {
			withEdges++
		}
		edgeStart[c+1] += edgeStart[c]
	}
	cellEdges := sc.cellEdges.sized(int(edgeStart[nc]))
	fill := sc.fill.sized(nc)
	copy(fill, edgeStart[:nc])
	for _, s := range spans {
		for i := s.i0; i <= s.i1; i++ {
			c := int(s.j)*r.nx + int(i)
			cellEdges[fill[c]] = s.edge
			fill[c]++
		}
	}
	regStart := sc.regStart.zeroed(nc + 1)
	for _, g := range regs {
		regStart[g.cell+1]++
	}
	for c := range nc {
		regStart[c+1] += regStart[c]
	}
	regByCell := sc.regByCell.sized(len(regs))
	copy(fill, regStart[:nc])
	for _, g := range regs {
		regByCell[fill[g.cell]] = g.f
		fill[g.cell]++
	}

	// Pass 2: sweep each row from east to west, accumulating flips (equal
	// pairs cancel, so only those next to the cell's own edges survive),
	// and emit each cell.
	r.cells = make([]gridCell, nc)
	r.cellEdges = make([]int32, 0, len(cellEdges))
	r.parts = make([]cellPart, 0, withEdges+withEdges/4)
	r.steps = make([]float64, 0, len(regs))
	active := sc.active[:0]
	defer func() { sc.active = active[:0] }()
	for j := range r.ny {
		active = active[:0]
		// Most cells have no edges and the same flips as their eastern
		// neighbour; they share its uniform answer.
		uniform, inside := true, false
		for i := r.nx - 1; i >= 0; i-- {
			c := j*r.nx + i
			if regs := regByCell[regStart[c]:regStart[c+1]]; len(regs) > 0 {
				for _, f := range regs {
					active = toggle(active, f)
				}
				uniform, inside = r.uniform(active)
			}
			es := cellEdges[edgeStart[c]:edgeStart[c+1]]
			if uniform && len(es) == 0 {
				r.cells[c] = gridCell{inside: inside}
				continue
			}
			r.cells[c] = r.emit(es, active)
		}
	}
	r.buildTables()
}

// buildScratch holds the temporaries of Region.build, kept for the next
// build by buildScratchPool.
type buildScratch struct {
	spans                                []span
	regs                                 []flipReg
	edgeStart, fill, regStart, cellEdges buffer[int32]
	regByCell                            buffer[flip]
	active                               []flip
}

var buildScratchPool = sync.Pool{New: func() any { return new(buildScratch) }}

// buffer is a reusable slice.
type buffer[T any] struct{ s []T }

// zeroed returns b's slice resized to n elements, all zero, reallocating
// only when it is too small.
func (b *buffer[T]) zeroed(n int) []T {
	clear(b.sized(n))
	return b.s
}

// sized returns b's slice resized to n elements, for a caller that writes
// every one: they hold what the last build left.
func (b *buffer[T]) sized(n int) []T {
	if cap(b.s) < n {
		b.s = make([]T, n)
	}
	b.s = b.s[:n]
	return b.s
}

// flipReg is a flip registered at the easternmost cell it applies to; it
// applies to every cell west of there in the row too.
type flipReg struct {
	cell int32
	f    flip
}

// toggle adds f to the set fs, sorted by ring then latitude, or removes it
// if present: two flips at one latitude cancel.
func toggle(fs []flip, f flip) []flip {
	i := 0
	for i < len(fs) && (fs[i].ring < f.ring || fs[i].ring == f.ring && fs[i].y < f.y) {
		i++
	}
	if i < len(fs) && fs[i] == f {
		return append(fs[:i], fs[i+1:]...)
	}
	fs = append(fs, flip{})
	copy(fs[i+1:], fs[i:])
	fs[i] = f
	return fs
}

// emit builds a cell that edges touch, or whose flips are not all below
// its row. es are its edges (grouped by ring, in ring order) and fs its
// active flips (sorted by ring, then latitude).
func (r *Region) emit(es []int32, fs []flip) gridCell {
	c := gridCell{first: uint32(len(r.parts))}
	for len(es) > 0 || len(fs) > 0 {
		ring := int32(math.MaxInt32)
		if len(es) > 0 {
			ring = r.edges[es[0]].ring
		}
		if len(fs) > 0 {
			ring = min(ring, fs[0].ring)
		}
		pt := cellPart{ring: ring, edgeFirst: uint32(len(r.cellEdges)), stepFirst: uint32(len(r.steps))}
		for len(es) > 0 && r.edges[es[0]].ring == ring {
			r.cellEdges = append(r.cellEdges, es[0])
			es = es[1:]
		}
		for len(fs) > 0 && fs[0].ring == ring {
			r.steps = append(r.steps, fs[0].y)
			fs = fs[1:]
		}
		pt.edgeLast, pt.stepLast = uint32(len(r.cellEdges)), uint32(len(r.steps))
		r.parts = append(r.parts, pt)
	}
	c.last = uint32(len(r.parts))
	return c
}

// uniform reports whether the flips fs are all at -Inf, so that they say
// the same for every point of a cell, and if so whether that is inside:
// after cancelling, a ring with a flip holds the whole cell and one without
// holds none of it.
func (r *Region) uniform(fs []flip) (uniform, inside bool) {
	poly, in := int32(-1), false
	for _, f := range fs {
		if !math.IsInf(f.y, -1) {
			return false, false
		}
		ri := r.rings[f.ring]
		if ri.poly != poly {
			inside = inside || in
			poly = ri.poly
		}
		// The exterior comes first; a hole then takes the cell back out.
		in = ri.exterior
	}
	return true, inside || in
}

// buildTables fills the summed-area tables that Relate reads.
func (r *Region) buildTables() {
	w := r.nx + 1
	r.notIn = make([]int32, w*(r.ny+1))
	r.notOut = make([]int32, w*(r.ny+1))
	for j := range r.ny {
		for i := range r.nx {
			c := r.cells[j*r.nx+i]
			var in, out int32
			if c.first != c.last || !c.inside {
				in = 1
			}
			if c.first != c.last || c.inside {
				out = 1
			}
			k := (j+1)*w + i + 1
			r.notIn[k] = in + r.notIn[k-1] + r.notIn[k-w] - r.notIn[k-w-1]
			r.notOut[k] = out + r.notOut[k-1] + r.notOut[k-w] - r.notOut[k-w-1]
		}
	}
}

// xRange returns longitudes that bracket the part of s with latitudes in
// [ylo, yhi]. Interpolation rounds, so the range is widened by far more than
// the rounding error and then clipped to the segment's own extent; a range
// a little too wide only costs a spare edge test.
func (s segment) xRange(ylo, yhi float64) (float64, float64) {
	a, b := s.a, s.b
	minX, maxX := min(a[0], b[0]), max(a[0], b[0])
	if a[1] == b[1] {
		return minX, maxX
	}
	at := func(y float64) float64 {
		switch y {
		case a[1]:
			return a[0]
		case b[1]:
			return b[0]
		}
		return a[0] + (y-a[1])*(b[0]-a[0])/(b[1]-a[1])
	}
	x1, x2 := at(ylo), at(yhi)
	m := 1e-9*(math.Abs(a[0])+math.Abs(b[0])) + 1e-300
	return max(minX, min(x1, x2)-m), min(maxX, max(x1, x2)+m)
}
