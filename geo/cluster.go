package geo

import (
	"cmp"
	"slices"

	"github.com/paulmach/orb"
)

// Cluster is the incidents matching a query that fall in one cell of a
// caller's grid: how many, their fatalities summed, and where they are on
// average.
type Cluster struct {
	// X and Y are the cell, as the caller's cell function numbered it.
	X, Y int
	// Count is the number of incidents in the cell; never sampled.
	Count int
	// Fatalities sums the incidents' low, best and high estimates and
	// civilians.
	Fatalities Fatalities
	// Center is the mean of the incidents' locations, [lon, lat] in
	// degrees: inside the cell, where the incidents are.
	Center orb.Point
	// Bound is the bound of the incidents' locations.
	Bound orb.Bound
}

// Clusters groups the incidents matching q by the cell cell puts each
// location in, exactly: every matching incident counts in one cell, so
// the clusters' counts add up to CountIncidents(q). Clusters are ordered
// by X, then Y; q.Offset and q.Limit are ignored. It returns a
// *ValidationError for an invalid query and ErrNotFound for an unknown
// zone in q.Where.
func (s *Snapshot) Clusters(q IncidentQuery, cell func(orb.Point) (x, y int)) ([]Cluster, error) {
	f, err := s.compile(&q)
	if err != nil {
		return nil, err
	}
	type key struct{ x, y int }
	type sum struct {
		c        Cluster
		lon, lat float64
		first    bool
	}
	cells := map[key]*sum{}
	s.each(f, func(p orb.Point, it incItem) bool {
		x, y := cell(p)
		c := cells[key{x, y}]
		if c == nil {
			c = &sum{c: Cluster{X: x, Y: y, Bound: orb.Bound{Min: p, Max: p}}}
			cells[key{x, y}] = c
		}
		in := s.incs.get(it.h)
		c.c.Count++
		c.c.Fatalities.Low += in.Fatalities.Low
		c.c.Fatalities.Best += in.Fatalities.Best
		c.c.Fatalities.High += in.Fatalities.High
		c.c.Fatalities.Civilians += in.Fatalities.Civilians
		c.c.Bound = c.c.Bound.Extend(p)
		c.lon += p[0]
		c.lat += p[1]
		return true
	})
	out := make([]Cluster, 0, len(cells))
	for _, c := range cells {
		n := float64(c.c.Count)
		c.c.Center = orb.Point{c.lon / n, c.lat / n}
		out = append(out, c.c)
	}
	slices.SortFunc(out, func(a, b Cluster) int { return cmp.Or(cmp.Compare(a.X, b.X), cmp.Compare(a.Y, b.Y)) })
	return out, nil
}
