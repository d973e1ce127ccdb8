package geo_test

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
)

// This file checks every query of the Index against brute force: plain
// loops over all records with the obvious predicate, on seeded random data
// built to hit the hard cases — points on edges and vertices, holes,
// multipolygons, reversed rings, points a hair inside and outside circles,
// open-ended intervals and dates on interval bounds. The seed is logged;
// set FRONTLINE_SEED to replay a failure.

// oracleSeed returns the seed of the randomised tests: FRONTLINE_SEED if set,
// otherwise a fresh one. It is always logged.
func oracleSeed(t *testing.T) uint64 {
	t.Helper()
	seed := rand.Uint64()
	if s := os.Getenv("FRONTLINE_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("FRONTLINE_SEED=%q: %v", s, err)
		}
		seed = v
	}
	t.Logf("seed %d (set FRONTLINE_SEED=%d to replay)", seed, seed)
	return seed
}

// ---- the brute-force predicates ----

// oracleInArea is point-in-polygon by even-odd ray casting, with every edge
// (holes' edges too) counted as inside.
func oracleInArea(g orb.Geometry, p orb.Point) bool {
	var polys []orb.Polygon
	switch g := g.(type) {
	case orb.Polygon:
		polys = []orb.Polygon{g}
	case orb.MultiPolygon:
		polys = g
	}
	for _, poly := range polys {
		if !oracleOnRing(poly[0], p) && !oracleRayInside(poly[0], p) {
			continue
		}
		inHole := false
		for _, h := range poly[1:] {
			if !oracleOnRing(h, p) && oracleRayInside(h, p) {
				inHole = true
			}
		}
		if !inHole {
			return true
		}
	}
	return false
}

func oracleRayInside(r orb.Ring, p orb.Point) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a[1] > p[1]) != (b[1] > p[1]) &&
			p[0] < (b[0]-a[0])*(p[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

func oracleOnRing(r orb.Ring, p orb.Point) bool {
	for i := 0; i+1 < len(r); i++ {
		if oracleOnSegment(r[i], r[i+1], p) {
			return true
		}
	}
	return false
}

func oracleOnSegment(a, b, p orb.Point) bool {
	cross := (b[0]-a[0])*(p[1]-a[1]) - (b[1]-a[1])*(p[0]-a[0])
	return cross == 0 &&
		p[0] >= min(a[0], b[0]) && p[0] <= max(a[0], b[0]) &&
		p[1] >= min(a[1], b[1]) && p[1] <= max(a[1], b[1])
}

func oracleZoneContains(z *geo.Zone, p orb.Point) bool {
	if z.Circle != nil {
		return geo.DistanceMeters(z.Circle.Center, p) <= z.Circle.RadiusMeters
	}
	return oracleInArea(z.Area, p)
}

// oracleWhere is the brute-force form of a query's place.
type oracleWhere func(p orb.Point) bool

func oracleMatch(q *geo.IncidentQuery, in *geo.Incident) bool {
	if q.Window != nil && (in.DateEnd < q.Window.From || in.Date > q.Window.To) {
		return false
	}
	if len(q.Types) > 0 && !slices.Contains(q.Types, in.Type) {
		return false
	}
	if len(q.SubTypes) > 0 && !slices.Contains(q.SubTypes, in.SubType) {
		return false
	}
	if len(q.Statuses) > 0 && !slices.Contains(q.Statuses, in.Status) {
		return false
	}
	if in.Fatalities.Best < q.MinFatalities {
		return false
	}
	if len(q.Actors) > 0 {
		found := false
		for _, a := range in.Actors {
			if a.Actor != "" && slices.Contains(q.Actors, a.Actor) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func statusRank(s geo.ZoneStatus) int { return slices.Index(geo.ZoneStatuses, s) }

// oracleZonesOn lists the IDs of zones valid on d containing p, ordered by
// status rank then ID.
func oracleZonesOn(zones []geo.Zone, p orb.Point, d geo.Day) []string {
	var hit []*geo.Zone
	for i := range zones {
		z := &zones[i]
		if z.Valid.From <= d && d <= z.Valid.To && oracleZoneContains(z, p) {
			hit = append(hit, z)
		}
	}
	slices.SortFunc(hit, func(a, b *geo.Zone) int {
		if statusRank(a.Status) != statusRank(b.Status) {
			return statusRank(a.Status) - statusRank(b.Status)
		}
		return strings.Compare(string(a.ID), string(b.ID))
	})
	ids := make([]string, len(hit))
	for i, z := range hit {
		ids[i] = string(z.ID)
	}
	return ids
}

func sortByDateID(incs []geo.Incident, ids []string) []string {
	date := map[string]geo.Day{}
	for _, in := range incs {
		date[string(in.ID)] = in.Date
	}
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b string) int {
		if date[a] != date[b] {
			return cmp.Compare(date[a], date[b])
		}
		return strings.Compare(a, b)
	})
	return out
}

func oracleNearest(incs []geo.Incident, p orb.Point, k int, keep func(*geo.Incident) bool) []string {
	type hit struct {
		id string
		d  float64
	}
	var hits []hit
	for i := range incs {
		if keep(&incs[i]) {
			hits = append(hits, hit{string(incs[i].ID), geo.DistanceMeters(p, incs[i].Location)})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if a.d != b.d {
			return cmp.Compare(a.d, b.d)
		}
		return strings.Compare(a.id, b.id)
	})
	var ids []string
	for _, h := range hits[:min(k, len(hits))] {
		ids = append(ids, h.id)
	}
	return ids
}

func pageIDs(incs []*geo.Incident) []string {
	ids := make([]string, len(incs))
	for i, in := range incs {
		ids[i] = string(in.ID)
	}
	return ids
}

func neighborIDs[T geo.Incident | geo.Site](ns []geo.Neighbor[T]) []string {
	ids := make([]string, len(ns))
	for i, n := range ns {
		switch r := any(n.Record).(type) {
		case *geo.Incident:
			ids[i] = string(r.ID)
		case *geo.Site:
			ids[i] = string(r.ID)
		}
	}
	return ids
}

func zoneIDs(zs []*geo.Zone) []string {
	ids := make([]string, len(zs))
	for i, z := range zs {
		ids[i] = string(z.ID)
	}
	return ids
}

// ---- random worlds ----

// world is the records an index was built from, kept for the oracles.
type world struct {
	zones     []geo.Zone
	incidents []geo.Incident
	sites     []geo.Site
}

// gen draws random records in lon 36..42, lat 32..37. Polygon vertices sit
// on a 0.25° lattice and a share of points on a 0.125° one, so that points
// fall exactly on vertices and edges.
type worldGen struct {
	r     *rand.Rand
	day0  geo.Day
	zones []geo.Zone // for points placed on zone edges
}

var testSource = []geo.Source{{Publisher: "test"}}

func newGen(seed uint64) *worldGen {
	return &worldGen{r: rand.New(rand.NewPCG(seed, 42)), day0: geo.DateOf(2020, 1, 1)}
}

func (g *worldGen) snap(v, step float64) float64 { return math.Round(v/step) * step }

func (g *worldGen) lattice(step float64) orb.Point {
	return orb.Point{g.snap(36+6*g.r.Float64(), step), g.snap(32+5*g.r.Float64(), step)}
}

// ring is a star-shaped ring around c: vertices at increasing angles, so
// it is simple before snapping; snapping may make it touch itself, which
// the even-odd rule handles.
func (g *worldGen) ring(c orb.Point, minR, maxR float64) orb.Ring {
	n := 3 + g.r.IntN(7)
	angles := make([]float64, n)
	for i := range angles {
		angles[i] = g.r.Float64() * 2 * math.Pi
	}
	slices.Sort(angles)
	var r orb.Ring
	for _, a := range angles {
		rad := minR + (maxR-minR)*g.r.Float64()
		p := orb.Point{g.snap(c[0]+rad*math.Cos(a), 0.25), g.snap(c[1]+rad*math.Sin(a), 0.25)}
		if len(r) == 0 || r[len(r)-1] != p {
			r = append(r, p)
		}
	}
	if len(r) < 3 {
		return nil
	}
	r = append(r, r[0])
	if g.r.IntN(2) == 0 {
		slices.Reverse(r) // normalisation must fix orientation
	}
	return r
}

func (g *worldGen) polygon() orb.Polygon {
	for {
		c := g.lattice(0.25)
		outer := g.ring(c, 0.5, 2)
		if outer == nil {
			continue
		}
		p := orb.Polygon{outer}
		if g.r.IntN(2) == 0 {
			if h := g.ring(c, 0.2, 0.45); h != nil && holeFits(outer, h) {
				p = append(p, h)
			}
		}
		if _, err := geo.NormalizeArea(p); err == nil {
			return p
		}
	}
}

// holeFits reports whether hole h lies strictly inside ring outer, as a
// valid polygon's holes do: what a hole poking out of its shell means is
// not defined.
func holeFits(outer, h orb.Ring) bool {
	for _, p := range h {
		if oracleOnRing(outer, p) || !oracleRayInside(outer, p) {
			return false
		}
	}
	for i := 0; i+1 < len(h); i++ {
		for j := 0; j+1 < len(outer); j++ {
			if oracleSegmentsMeet(h[i], h[i+1], outer[j], outer[j+1]) {
				return false
			}
		}
	}
	return true
}

func (g *worldGen) area() orb.Geometry {
	if g.r.IntN(3) == 0 {
		mp := orb.MultiPolygon{g.polygon(), g.polygon()}
		if g.r.IntN(2) == 0 {
			mp = append(mp, g.polygon())
		}
		return mp
	}
	return g.polygon()
}

func (g *worldGen) circle() geo.Circle {
	return geo.Circle{Center: g.lattice(0.125), RadiusMeters: 20_000 + 180_000*g.r.Float64()}
}

func (g *worldGen) interval() geo.Interval {
	a, b := g.day0+geo.Day(g.r.IntN(400)), g.day0+geo.Day(g.r.IntN(400))
	iv := geo.Interval{From: min(a, b), To: max(a, b)}
	if g.r.IntN(5) == 0 {
		iv.From = geo.OpenStart
	}
	if g.r.IntN(5) == 0 {
		iv.To = geo.OpenEnd
	}
	return iv
}

var testActors = []geo.ActorID{"a1", "a2", "a3", "a4"}

func (g *worldGen) zone(i int) geo.Zone {
	z := geo.Zone{
		ID:      geo.ZoneID(fmt.Sprintf("z%03d", i)),
		Actor:   testActors[g.r.IntN(len(testActors))],
		Status:  geo.ZoneStatuses[g.r.IntN(len(geo.ZoneStatuses))],
		Valid:   g.interval(),
		Sources: testSource,
	}
	if g.r.IntN(4) == 0 {
		c := g.circle()
		z.Circle = &c
	} else {
		z.Area = g.area()
	}
	return z
}

// point is uniform, on the lattice, on a zone's edge or vertex, or a hair
// inside or outside a circle zone.
func (g *worldGen) point() orb.Point {
	switch k := g.r.IntN(10); {
	case k < 4 || len(g.zones) == 0:
		return orb.Point{36 + 6*g.r.Float64(), 32 + 5*g.r.Float64()}
	case k < 7:
		return g.lattice(0.125)
	default:
		z := g.zones[g.r.IntN(len(g.zones))]
		if z.Circle != nil {
			d := z.Circle.RadiusMeters * (1 + (g.r.Float64()-0.5)*2e-6)
			return geo.DestinationPoint(z.Circle.Center, 360*g.r.Float64(), d)
		}
		var rings []orb.Ring
		switch a := z.Area.(type) {
		case orb.Polygon:
			rings = a
		case orb.MultiPolygon:
			for _, p := range a {
				rings = append(rings, p...)
			}
		}
		r := rings[g.r.IntN(len(rings))]
		i := g.r.IntN(len(r) - 1)
		t := []float64{0, 0.25, 0.5}[g.r.IntN(3)]
		return orb.Point{r[i][0] + t*(r[i+1][0]-r[i][0]), r[i][1] + t*(r[i+1][1]-r[i][1])}
	}
}

var testGovernorates = []string{"", "Deir-ez-Zor", "Homs", "Ar-Raqqa"}

func (g *worldGen) incident(i int) geo.Incident {
	t := geo.EventTypes[g.r.IntN(len(geo.EventTypes))]
	in := geo.Incident{
		ID:            geo.IncidentID(fmt.Sprintf("i%05d", i)),
		Date:          g.day0 + geo.Day(g.r.IntN(400)),
		DatePrecision: geo.PrecisionDay,
		Type:          t,
		Location:      g.point(),
		Governorate:   testGovernorates[g.r.IntN(len(testGovernorates))],
		Status:        geo.IncidentStatuses[g.r.IntN(len(geo.IncidentStatuses))],
		Origin:        geo.Origin{Dataset: geo.OriginSynthetic, ID: strconv.Itoa(i)},
	}
	in.DateEnd = in.Date + geo.Day([]int{0, 0, 0, 6, 30}[g.r.IntN(5)])
	if subs := geo.SubTypesOf(t); len(subs) > 0 && g.r.IntN(2) == 0 {
		in.SubType = subs[g.r.IntN(len(subs))]
	}
	for range g.r.IntN(3) {
		a := geo.IncidentActor{Actor: testActors[g.r.IntN(len(testActors))], Role: geo.RolePerpetrator}
		if g.r.IntN(5) == 0 {
			a = geo.IncidentActor{Name: "unknown gunmen", Role: geo.RolePerpetrator}
		}
		in.Actors = append(in.Actors, a)
	}
	best := g.r.IntN(10)
	in.Fatalities = geo.Fatalities{Low: best / 2, Best: best, High: best * 2, Civilians: best / 3}
	return in
}

func (g *worldGen) site(i int) geo.Site {
	return geo.Site{
		ID:       geo.SiteID(fmt.Sprintf("s%04d", i)),
		Name:     "site",
		Kind:     geo.SiteKinds[g.r.IntN(4)],
		Location: g.point(),
		Sources:  testSource,
	}
}

func (g *worldGen) world(zones, incidents, sites int) *world {
	w := &world{}
	for i := range zones {
		w.zones = append(w.zones, g.zone(i))
	}
	g.zones = w.zones
	for i := range incidents {
		w.incidents = append(w.incidents, g.incident(i))
	}
	// Duplicate locations and dates make ties for nearest and ordering.
	for i := 0; i+1 < len(w.incidents); i += 17 {
		w.incidents[i+1].Location = w.incidents[i].Location
		w.incidents[i+1].Date = w.incidents[i].Date
		w.incidents[i+1].DateEnd = w.incidents[i].DateEnd
	}
	for i := range sites {
		w.sites = append(w.sites, g.site(i))
	}
	return w
}

// buildIndex builds an index over copies of w's records, so that w stays
// the oracle's own.
func buildIndex(t *testing.T, w *world) *geo.Index {
	t.Helper()
	ix, err := geo.NewIndex(&geo.Dataset{
		Zones:     slices.Clone(w.zones),
		Incidents: slices.Clone(w.incidents),
		Sites:     slices.Clone(w.sites),
	})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// query draws a random incident query; where is its brute-force place.
func (g *worldGen) query(w *world) (geo.IncidentQuery, oracleWhere) {
	var q geo.IncidentQuery
	where := oracleWhere(func(orb.Point) bool { return true })
	switch g.r.IntN(5) {
	case 1:
		a, b := g.lattice(0.125), g.lattice(0.125)
		bd := orb.Bound{Min: orb.Point{min(a[0], b[0]), min(a[1], b[1])}, Max: orb.Point{max(a[0], b[0]), max(a[1], b[1])}}
		q.Where = geo.InBound(bd)
		where = bd.Contains
	case 2:
		area := g.area()
		r, err := geo.PrepareRegion(area)
		if err != nil {
			panic(err)
		}
		q.Where = geo.InRegion(r)
		where = func(p orb.Point) bool { return oracleInArea(area, p) }
	case 3:
		z := &w.zones[g.r.IntN(len(w.zones))]
		q.Where = geo.InZone(z.ID)
		where = func(p orb.Point) bool { return oracleZoneContains(z, p) }
	case 4:
		c := g.circle()
		q.Where = geo.InCircle(c)
		where = func(p orb.Point) bool { return geo.DistanceMeters(c.Center, p) <= c.RadiusMeters }
	}
	if g.r.IntN(2) == 0 {
		// Half the windows start or end on a day some incident starts or
		// ends, to hit the bounds.
		iv := g.interval()
		if in := w.incidents[g.r.IntN(len(w.incidents))]; g.r.IntN(2) == 0 {
			iv.From = in.DateEnd
		} else if g.r.IntN(2) == 0 {
			iv.To = in.Date
		}
		if iv.From > iv.To {
			iv.From, iv.To = iv.To, iv.From
		}
		q.Window = &iv
	}
	if g.r.IntN(4) == 0 {
		q.Types = []geo.EventType{geo.EventTypes[g.r.IntN(6)], geo.EventTypes[g.r.IntN(6)]}
	}
	if g.r.IntN(6) == 0 {
		q.SubTypes = []geo.SubType{geo.SubTypesOf(geo.Battles)[0], "attack"}
	}
	if g.r.IntN(4) == 0 {
		q.Statuses = []geo.IncidentStatus{geo.IncidentStatuses[g.r.IntN(3)]}
	}
	if g.r.IntN(4) == 0 {
		q.Actors = []geo.ActorID{testActors[g.r.IntN(4)]}
	}
	if g.r.IntN(4) == 0 {
		q.MinFatalities = g.r.IntN(8)
	}
	return q, where
}

// ---- the checks ----

// checkClusters compares Clusters with brute-force grouping on random
// queries (their place replaced by a grid) and random grids of uneven
// cells on the world's lattice, so that points fall on cell edges: every
// matching incident of the grid's bound in exactly one cell (half-open,
// the last column and row closed), with its cell's count, fatality sums
// and mean, inside the cluster's bound, which lies in the cell; and the
// counts adding up to CountIncidents over the grid's bound.
func checkClusters(t *testing.T, g *worldGen, s *geo.Snapshot, w *world, rounds int) {
	t.Helper()
	for round := range rounds {
		q, _ := g.query(w)
		q.Where = geo.Where{}
		edges := func(lo, hi float64) []float64 {
			n := 2 + g.r.IntN(10)
			out := []float64{g.snap(lo+g.r.Float64()*(hi-lo)/2, 0.125)}
			for len(out) < n {
				out = append(out, out[len(out)-1]+0.125*float64(1+g.r.IntN(16)))
			}
			return out
		}
		b := incidentBound(w.incidents)
		grid := geo.Grid{Lons: edges(b.Min[0], b.Max[0]), Lats: edges(b.Min[1], b.Max[1])}
		got, err := s.Clusters(q, grid)
		if err != nil {
			t.Fatal(err)
		}
		cellOf := func(edges []float64, v float64) int {
			for i := 0; i+1 < len(edges); i++ {
				if v >= edges[i] && (v < edges[i+1] || (i+2 == len(edges) && v == edges[i+1])) {
					return i
				}
			}
			return -1
		}
		type key struct{ x, y int }
		type acc struct{ c geo.Cluster }
		want := map[key]*acc{}
		total := 0
		for i := range w.incidents {
			in := &w.incidents[i]
			x, y := cellOf(grid.Lons, in.Location[0]), cellOf(grid.Lats, in.Location[1])
			if x < 0 || y < 0 || !oracleMatch(&q, in) {
				continue
			}
			total++
			a := want[key{x, y}]
			if a == nil {
				a = &acc{c: geo.Cluster{X: x, Y: y, Bound: orb.Bound{Min: in.Location, Max: in.Location}}}
				want[key{x, y}] = a
			}
			a.c.Count++
			a.c.Fatalities.Low += in.Fatalities.Low
			a.c.Fatalities.Best += in.Fatalities.Best
			a.c.Fatalities.High += in.Fatalities.High
			a.c.Fatalities.Civilians += in.Fatalities.Civilians
			a.c.Bound = a.c.Bound.Extend(in.Location)
		}
		n := 0
		for i, c := range got {
			n += c.Count
			if i > 0 && cmp.Or(cmp.Compare(got[i-1].X, c.X), cmp.Compare(got[i-1].Y, c.Y)) >= 0 {
				t.Fatalf("round %d: clusters out of order at %d", round, i)
			}
			o := want[key{c.X, c.Y}]
			if o == nil {
				t.Fatalf("round %d: cluster %d,%d that brute force has not", round, c.X, c.Y)
			}
			cell := orb.Bound{Min: orb.Point{grid.Lons[c.X], grid.Lats[c.Y]}, Max: orb.Point{grid.Lons[c.X+1], grid.Lats[c.Y+1]}}
			if c.Count != o.c.Count || c.Fatalities != o.c.Fatalities || c.Center != c.Bound.Center() ||
				!c.Bound.Contains(o.c.Bound.Min) || !c.Bound.Contains(o.c.Bound.Max) ||
				!cell.Contains(c.Bound.Min) || !cell.Contains(c.Bound.Max) {
				t.Fatalf("round %d: cluster %d,%d = %+v, brute force %+v (cell %v)", round, c.X, c.Y, c, o.c, cell)
			}
		}
		if len(got) != len(want) || n != total {
			t.Fatalf("round %d (%+v): %d clusters of %d incidents, brute force %d of %d", round, q, len(got), n, len(want), total)
		}
		q.Where = geo.InBound(grid.Bound())
		if c, err := s.CountIncidents(q); err != nil || c != n {
			t.Fatalf("round %d: clusters hold %d incidents, CountIncidents over the grid's bound %d (%v)", round, n, c, err)
		}
	}
}

// checkIncidentQueries compares Count, Incidents (order and paging) and
// NearestIncidents with brute force on random queries.
func checkIncidentQueries(t *testing.T, g *worldGen, s *geo.Snapshot, w *world, rounds int) {
	t.Helper()
	for round := range rounds {
		q, where := g.query(w)
		var want []string
		keep := func(in *geo.Incident) bool { return where(in.Location) && oracleMatch(&q, in) }
		for i := range w.incidents {
			if keep(&w.incidents[i]) {
				want = append(want, string(w.incidents[i].ID))
			}
		}
		want = sortByDateID(w.incidents, want)

		n, err := s.CountIncidents(q)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(want) {
			t.Errorf("round %d: CountIncidents(%+v) = %d, brute force %d", round, q, n, len(want))
		}
		page, err := s.Incidents(q)
		if err != nil {
			t.Fatal(err)
		}
		if got := pageIDs(page.Incidents); !slices.Equal(got, want) || page.Matched != len(want) {
			t.Errorf("round %d: Incidents(%+v): %d IDs, brute force %d\n got %v\nwant %v", round, q, len(got), len(want), got, want)
		}

		q.Offset, q.Limit = g.r.IntN(len(want)+2), 1+g.r.IntN(max(1, len(want)/3))
		page, err = s.Incidents(q)
		if err != nil {
			t.Fatal(err)
		}
		lo := min(q.Offset, len(want))
		wantPage := want[lo:min(lo+q.Limit, len(want))]
		if got := pageIDs(page.Incidents); !slices.Equal(got, wantPage) || page.Matched != len(want) {
			t.Errorf("round %d: page offset %d limit %d: got %v (matched %d), want %v (matched %d)", round, q.Offset, q.Limit, got, page.Matched, wantPage, len(want))
		}

		p := g.point()
		q.Offset, q.Limit = g.r.IntN(3), 1+g.r.IntN(12)
		nn, err := s.NearestIncidents(p, q)
		if err != nil {
			t.Fatal(err)
		}
		wantNN := oracleNearest(w.incidents, p, q.Offset+q.Limit, keep)
		wantNN = wantNN[min(q.Offset, len(wantNN)):]
		if got := neighborIDs(nn); !slices.Equal(got, wantNN) {
			t.Errorf("round %d: NearestIncidents(%v, %+v) = %v, brute force %v", round, p, q, got, wantNN)
		}
		for _, h := range nn {
			if d := geo.DistanceMeters(p, h.Record.Location); d != h.DistanceMeters {
				t.Errorf("round %d: %s reported at %g m, haversine says %g m", round, h.Record.ID, h.DistanceMeters, d)
			}
		}
	}
}

// checkControl compares ControlAt and ControlHistory with brute force over
// every day around the zones' bounds.
func checkControl(t *testing.T, g *worldGen, s *geo.Snapshot, w *world, points int) {
	t.Helper()
	first, last := g.day0-2, g.day0+402
	for range points {
		p := g.point()
		for range 5 {
			d := first + geo.Day(g.r.IntN(int(last-first)))
			if g.r.IntN(2) == 0 { // a validity bound, or the day after one
				z := w.zones[g.r.IntN(len(w.zones))]
				d = []geo.Day{z.Valid.From, z.Valid.To, z.Valid.To + 1, z.Valid.From - 1}[g.r.IntN(4)]
				if d.IsOpen() { // an open bound, or one past it wrapped round
					d = g.day0
				}
			}
			got, err := s.ControlAt(p, d)
			if err != nil {
				t.Fatal(err)
			}
			if want := oracleZonesOn(w.zones, p, d); !slices.Equal(zoneIDs(got), want) {
				t.Errorf("ControlAt(%v, %s) = %v, brute force %v", p, d, zoneIDs(got), want)
			}
		}

		hist, err := s.ControlHistory(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) == 0 || hist[0].Interval.From != geo.OpenStart || hist[len(hist)-1].Interval.To != geo.OpenEnd {
			t.Fatalf("ControlHistory(%v) does not cover all days: %v", p, hist)
		}
		for i := 1; i < len(hist); i++ {
			if hist[i].Interval.From != hist[i-1].Interval.To+1 {
				t.Errorf("ControlHistory(%v): period %d starts %s after %s", p, i, hist[i].Interval.From, hist[i-1].Interval.To)
			}
			if slices.Equal(zoneIDs(hist[i].Zones), zoneIDs(hist[i-1].Zones)) {
				t.Errorf("ControlHistory(%v): periods %d and %d hold the same zones", p, i-1, i)
			}
		}
		days := []geo.Day{geo.OpenStart, geo.OpenEnd}
		for d := first; d <= last; d++ {
			days = append(days, d)
		}
		for _, d := range days {
			var got []string
			for _, per := range hist {
				if per.Interval.Contains(d) {
					got = zoneIDs(per.Zones)
				}
			}
			if want := oracleZonesOn(w.zones, p, d); !slices.Equal(got, want) {
				t.Errorf("ControlHistory(%v) on %s: %v, brute force %v", p, d, got, want)
			}
		}
	}
}

// checkJoinAggregate compares Join and every Aggregate grouping with brute
// force.
func checkJoinAggregate(t *testing.T, g *worldGen, s *geo.Snapshot, w *world, rounds int) {
	t.Helper()
	for round := range rounds {
		q, where := g.query(w)
		var matched []*geo.Incident
		for i := range w.incidents {
			if in := &w.incidents[i]; where(in.Location) && oracleMatch(&q, in) {
				matched = append(matched, in)
			}
		}
		slices.SortFunc(matched, func(a, b *geo.Incident) int {
			return cmp.Or(cmp.Compare(a.Date, b.Date), strings.Compare(string(a.ID), string(b.ID)))
		})

		var got, want []string
		if err := s.Join(q, func(in *geo.Incident, zones []*geo.Zone) bool {
			got = append(got, string(in.ID)+"@"+strings.Join(zoneIDs(zones), ","))
			return true
		}); err != nil {
			t.Fatal(err)
		}
		for _, in := range matched {
			want = append(want, string(in.ID)+"@"+strings.Join(oracleZonesOn(w.zones, in.Location, in.Date), ","))
		}
		if !slices.Equal(got, want) {
			t.Errorf("round %d: Join(%+v):\n got %v\nwant %v", round, q, got, want)
		}

		for _, by := range geo.GroupBys {
			cell := 0.25 * float64(1+g.r.IntN(8))
			groups, err := s.Aggregate(q, geo.Grouping{By: by, CellDegrees: cell})
			if err != nil {
				t.Fatal(err)
			}
			type acc struct {
				n int
				f geo.Fatalities
			}
			oracle := map[string]*acc{}
			add := func(k string, in *geo.Incident) {
				a := oracle[k]
				if a == nil {
					a = &acc{}
					oracle[k] = a
				}
				a.n++
				a.f.Low += in.Fatalities.Low
				a.f.Best += in.Fatalities.Best
				a.f.High += in.Fatalities.High
				a.f.Civilians += in.Fatalities.Civilians
			}
			for _, in := range matched {
				var keys []string
				switch by {
				case geo.ByZone:
					keys = oracleZonesOn(w.zones, in.Location, in.Date)
				case geo.ByActor:
					for _, a := range in.Actors {
						if !slices.Contains(keys, string(a.Actor)) {
							keys = append(keys, string(a.Actor))
						}
					}
				case geo.ByType:
					keys = []string{string(in.Type)}
				case geo.ByMonth:
					keys = []string{in.Date.String()[:7]}
				case geo.ByGovernorate:
					keys = []string{in.Governorate}
				case geo.ByGrid:
					col := int(math.Floor((in.Location[0] + 180) / cell))
					row := int(math.Floor((in.Location[1] + 90) / cell))
					keys = []string{fmt.Sprintf("%d,%d", col, row)}
				}
				if len(keys) == 0 {
					keys = []string{""}
				}
				for _, k := range keys {
					add(k, in)
				}
			}
			if len(groups) != len(oracle) {
				t.Errorf("round %d: Aggregate by %s: %d groups, brute force %d", round, by, len(groups), len(oracle))
			}
			for i, gr := range groups {
				a := oracle[gr.Key]
				if a == nil || a.n != gr.Count || a.f != gr.Fatalities {
					t.Errorf("round %d: Aggregate by %s, group %q: %d %+v, brute force %+v", round, by, gr.Key, gr.Count, gr.Fatalities, a)
				}
				if by == geo.ByGrid {
					c := gr.Cell
					if c == nil || fmt.Sprintf("%d,%d", c.Column, c.Row) != gr.Key || math.Abs(c.Bound.Max[0]-c.Bound.Min[0]-cell) > 1e-9 {
						t.Errorf("round %d: grid group %q has cell %+v", round, gr.Key, c)
					}
				}
				if i > 0 && by != geo.ByGrid && groups[i-1].Key >= gr.Key {
					t.Errorf("round %d: Aggregate by %s out of order: %q before %q", round, by, groups[i-1].Key, gr.Key)
				}
			}
		}
	}
}

// checkSitesZones compares the site and zone listings with brute force.
func checkSitesZones(t *testing.T, g *worldGen, s *geo.Snapshot, w *world, rounds int) {
	t.Helper()
	for round := range rounds {
		q, where := g.query(w)
		sq := geo.SiteQuery{Where: q.Where}
		if g.r.IntN(2) == 0 {
			sq.Kinds = []geo.SiteKind{geo.SiteKinds[g.r.IntN(4)]}
		}
		keep := func(st *geo.Site) bool {
			return where(st.Location) && (len(sq.Kinds) == 0 || slices.Contains(sq.Kinds, st.Kind))
		}
		var want []string
		for i := range w.sites {
			if keep(&w.sites[i]) {
				want = append(want, string(w.sites[i].ID))
			}
		}
		slices.Sort(want)
		page, err := s.Sites(sq)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, st := range page.Sites {
			got = append(got, string(st.ID))
		}
		if !slices.Equal(got, want) {
			t.Errorf("round %d: Sites: %v, brute force %v", round, got, want)
		}

		p := g.point()
		sq.Limit = 1 + g.r.IntN(6)
		nn, err := s.NearestSites(p, sq)
		if err != nil {
			t.Fatal(err)
		}
		type hit struct {
			id string
			d  float64
		}
		var hits []hit
		for i := range w.sites {
			if keep(&w.sites[i]) {
				hits = append(hits, hit{string(w.sites[i].ID), geo.DistanceMeters(p, w.sites[i].Location)})
			}
		}
		slices.SortFunc(hits, func(a, b hit) int { return cmp.Or(cmp.Compare(a.d, b.d), strings.Compare(a.id, b.id)) })
		var wantNN []string
		for _, h := range hits[:min(sq.Limit, len(hits))] {
			wantNN = append(wantNN, h.id)
		}
		if got := neighborIDs(nn); !slices.Equal(got, wantNN) {
			t.Errorf("round %d: NearestSites(%v) = %v, brute force %v", round, p, got, wantNN)
		}

		checkZoneListing(t, g, s, w)
	}
}

// checkZoneListing compares Zones (bbox, window, actor, status) with brute
// force. A zone meets a box when a corner of the box is in it, or an edge
// of the zone crosses or touches an edge of the box, or a vertex of the zone
// is in the box; a circle zone when the box holds its centre or a sampled
// point of the box's outline within the radius (with sampling slack).
func checkZoneListing(t *testing.T, g *worldGen, s *geo.Snapshot, w *world) {
	t.Helper()
	var zq geo.ZoneQuery
	a, b := g.lattice(0.125), g.lattice(0.125)
	bd := orb.Bound{Min: orb.Point{min(a[0], b[0]), min(a[1], b[1])}, Max: orb.Point{max(a[0], b[0]), max(a[1], b[1])}}
	if g.r.IntN(4) > 0 {
		zq.Bound = &bd
	}
	if g.r.IntN(2) == 0 {
		d := g.day0 + geo.Day(g.r.IntN(400))
		zq.Window = &geo.Interval{From: d, To: d}
	}
	if g.r.IntN(3) == 0 {
		zq.Statuses = []geo.ZoneStatus{geo.ZoneStatuses[g.r.IntN(6)]}
	}
	if g.r.IntN(3) == 0 {
		zq.Actors = []geo.ActorID{testActors[g.r.IntN(4)]}
	}
	page, err := s.Zones(zq)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, z := range page.Zones {
		got[string(z.ID)] = true
	}
	for i := range w.zones {
		z := &w.zones[i]
		want := (zq.Window == nil || z.Valid.Overlaps(*zq.Window)) &&
			(len(zq.Statuses) == 0 || slices.Contains(zq.Statuses, z.Status)) &&
			(len(zq.Actors) == 0 || slices.Contains(zq.Actors, z.Actor))
		if want && zq.Bound != nil {
			meets, sure := oracleZoneMeetsBox(z, bd)
			if !sure {
				continue
			}
			want = meets
		}
		if got[string(z.ID)] != want {
			t.Errorf("Zones(%+v): %s listed %v, brute force %v", zq, z.ID, got[string(z.ID)], want)
		}
	}
}

func oracleZoneMeetsBox(z *geo.Zone, b orb.Bound) (meets, sure bool) {
	corners := []orb.Point{b.Min, {b.Max[0], b.Min[1]}, b.Max, {b.Min[0], b.Max[1]}, b.Min}
	if z.Circle != nil {
		if b.Contains(z.Circle.Center) {
			return true, true
		}
		best := math.Inf(1)
		const steps = 400
		var step float64
		for i := range 4 {
			p, q := corners[i], corners[i+1]
			step = max(step, geo.DistanceMeters(p, q)/steps)
			for k := 0; k <= steps; k++ {
				t := float64(k) / steps
				best = min(best, geo.DistanceMeters(z.Circle.Center, orb.Point{p[0] + t*(q[0]-p[0]), p[1] + t*(q[1]-p[1])}))
			}
		}
		if best <= z.Circle.RadiusMeters {
			return true, true
		}
		return false, best > z.Circle.RadiusMeters+step
	}
	for _, c := range corners[:4] {
		if oracleInArea(z.Area, c) {
			return true, true
		}
	}
	var rings []orb.Ring
	switch a := z.Area.(type) {
	case orb.Polygon:
		rings = a
	case orb.MultiPolygon:
		for _, p := range a {
			rings = append(rings, p...)
		}
	}
	for _, r := range rings {
		for i := 0; i+1 < len(r); i++ {
			if b.Contains(r[i]) {
				return true, true
			}
			for k := range 4 {
				if oracleSegmentsMeet(r[i], r[i+1], corners[k], corners[k+1]) {
					return true, true
				}
			}
		}
	}
	return false, true
}

func oracleSegmentsMeet(a, b, c, d orb.Point) bool {
	orient := func(p, q, r orb.Point) float64 {
		return (q[0]-p[0])*(r[1]-p[1]) - (q[1]-p[1])*(r[0]-p[0])
	}
	d1, d2, d3, d4 := orient(c, d, a), orient(c, d, b), orient(a, b, c), orient(a, b, d)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return d1 == 0 && oracleOnSegment(c, d, a) || d2 == 0 && oracleOnSegment(c, d, b) ||
		d3 == 0 && oracleOnSegment(a, b, c) || d4 == 0 && oracleOnSegment(a, b, d)
}

// mutate applies a random batch of inserts, replaces and deletes to ix and
// to w alike.
func mutate(t *testing.T, g *worldGen, update func(func(*geo.Tx) error) error, w *world, next *int) {
	t.Helper()
	err := update(func(tx *geo.Tx) error {
		for range 40 {
			switch g.r.IntN(9) {
			case 0, 1:
				*next++
				in := g.incident(100000 + *next)
				w.incidents = append(w.incidents, in)
				if err := tx.InsertIncident(in); err != nil {
					return err
				}
			case 2, 3:
				i := g.r.IntN(len(w.incidents))
				in := g.incident(0)
				in.ID = w.incidents[i].ID
				w.incidents[i] = in
				if err := tx.ReplaceIncident(in); err != nil {
					return err
				}
			case 4, 5:
				i := g.r.IntN(len(w.incidents))
				if err := tx.DeleteIncident(w.incidents[i].ID); err != nil {
					return err
				}
				w.incidents = slices.Delete(w.incidents, i, i+1)
			case 6:
				i := g.r.IntN(len(w.zones))
				z := g.zone(0)
				z.ID = w.zones[i].ID
				w.zones[i] = z
				if err := tx.ReplaceZone(z); err != nil {
					return err
				}
			case 7:
				*next++
				z := g.zone(1000 + *next)
				w.zones = append(w.zones, z)
				if err := tx.InsertZone(z); err != nil {
					return err
				}
				i := g.r.IntN(len(w.zones))
				if err := tx.DeleteZone(w.zones[i].ID); err != nil {
					return err
				}
				w.zones = slices.Delete(w.zones, i, i+1)
			case 8:
				i := g.r.IntN(len(w.sites))
				st := g.site(0)
				st.ID = w.sites[i].ID
				w.sites[i] = st
				if err := tx.ReplaceSite(st); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// checkWholeLayer compares with brute force the pages of queries whose
// place holds every incident the index was built with (no place, a box
// around all of them, the bound of those incidents, which incidents
// inserted later may fall outside) and no other condition: Incidents
// answers those from the quadtree's rank order, merging in the changes.
func checkWholeLayer(t *testing.T, g *worldGen, s *geo.Snapshot, w *world, built orb.Bound) {
	t.Helper()
	places := []struct {
		name  string
		where geo.Where
		in    func(orb.Point) bool
	}{
		{"everywhere", geo.Where{}, func(orb.Point) bool { return true }},
		{"box", geo.InBound(orb.Bound{Min: orb.Point{30, 30}, Max: orb.Point{45, 40}}), func(orb.Point) bool { return true }},
		{"built", geo.InBound(built), built.Contains},
	}
	for _, pl := range places {
		var want []string
		for i := range w.incidents {
			if pl.in(w.incidents[i].Location) {
				want = append(want, string(w.incidents[i].ID))
			}
		}
		want = sortByDateID(w.incidents, want)
		pages := [][2]int{{0, 0}, {0, 1}, {len(want) - 1, 5}, {len(want), 1}, {len(want) + 3, 2}}
		for range 12 {
			pages = append(pages, [2]int{g.r.IntN(len(want) + 1), g.r.IntN(max(1, len(want)/3))})
		}
		for _, pg := range pages {
			q := geo.IncidentQuery{Where: pl.where, Offset: max(pg[0], 0), Limit: pg[1]}
			page, err := s.Incidents(q)
			if err != nil {
				t.Fatal(err)
			}
			lo := min(q.Offset, len(want))
			hi := len(want)
			if q.Limit > 0 {
				hi = min(lo+q.Limit, hi)
			}
			if got := pageIDs(page.Incidents); !slices.Equal(got, want[lo:hi]) || page.Matched != len(want) {
				t.Errorf("%s offset %d limit %d: got %v (matched %d), want %v (matched %d)", pl.name, q.Offset, q.Limit, got, page.Matched, want[lo:hi], len(want))
			}
		}
	}
}

// incidentBound returns the bound of the incidents' locations.
func incidentBound(incs []geo.Incident) orb.Bound {
	b := orb.Bound{Min: incs[0].Location, Max: incs[0].Location}
	for _, in := range incs {
		b = b.Extend(in.Location)
	}
	return b
}

// TestIndexOracle runs every query type against brute force on a random
// world, then again after random batches of updates.
func TestIndexOracle(t *testing.T) {
	g := newGen(oracleSeed(t))
	w := g.world(40, 1500, 150)
	ix := buildIndex(t, w)
	built := incidentBound(w.incidents)
	next := 0
	for step := range 3 {
		s := ix.Snapshot()
		t.Run(fmt.Sprintf("step%d/whole-layer", step), func(t *testing.T) { checkWholeLayer(t, g, s, w, built) })
		t.Run(fmt.Sprintf("step%d/incidents", step), func(t *testing.T) { checkIncidentQueries(t, g, s, w, 40) })
		t.Run(fmt.Sprintf("step%d/control", step), func(t *testing.T) { checkControl(t, g, s, w, 25) })
		t.Run(fmt.Sprintf("step%d/join-aggregate", step), func(t *testing.T) { checkJoinAggregate(t, g, s, w, 6) })
		t.Run(fmt.Sprintf("step%d/clusters", step), func(t *testing.T) { checkClusters(t, g, s, w, 20) })
		t.Run(fmt.Sprintf("step%d/sites-zones", step), func(t *testing.T) { checkSitesZones(t, g, s, w, 20) })
		if t.Failed() {
			return
		}
		g.zones = w.zones
		mutate(t, g, ix.Update, w, &next)
	}
}

// TestForkOracle changes a fork of an index as updates would, past the
// point where an update would rebuild the quadtree, and then updates the
// index itself: the fork answers every query as brute force does over its
// changed records, and the index over its own, so neither sees the
// other's changes.
func TestForkOracle(t *testing.T) {
	g := newGen(oracleSeed(t))
	w := g.world(40, 1500, 150)
	ix := buildIndex(t, w)
	next := 0
	mutate(t, g, ix.Update, w, &next) // the base has changes beside its quadtree
	forked := &world{zones: slices.Clone(w.zones), incidents: slices.Clone(w.incidents), sites: slices.Clone(w.sites)}
	tx := ix.Fork()
	g.zones = forked.zones
	for range 3 {
		mutate(t, g, func(fn func(*geo.Tx) error) error { return fn(tx) }, forked, &next)
	}
	snap, bytes := tx.Result()
	g.zones = w.zones
	mutate(t, g, ix.Update, w, &next)
	if bytes <= 0 {
		t.Errorf("a fork with 120 changes estimates its own memory at %d bytes", bytes)
	}
	for name, c := range map[string]struct {
		s *geo.Snapshot
		w *world
	}{"fork": {snap, forked}, "index": {ix.Snapshot(), w}} {
		g.zones = c.w.zones
		t.Run(name+"/incidents", func(t *testing.T) { checkIncidentQueries(t, g, c.s, c.w, 40) })
		t.Run(name+"/clusters", func(t *testing.T) { checkClusters(t, g, c.s, c.w, 10) })
		t.Run(name+"/control", func(t *testing.T) { checkControl(t, g, c.s, c.w, 25) })
		t.Run(name+"/sites-zones", func(t *testing.T) { checkSitesZones(t, g, c.s, c.w, 20) })
		t.Run(name+"/zone-listing", func(t *testing.T) { checkZoneListing(t, g, c.s, c.w) })
	}
}

// TestWholeLayerAcrossRebuilds pages through whole-layer queries while
// updates pile up past the point where the index rebuilds its quadtree,
// whose handles then have gaps and whose records are in insertion order.
func TestWholeLayerAcrossRebuilds(t *testing.T) {
	g := newGen(oracleSeed(t))
	w := g.world(5, 300, 5)
	ix := buildIndex(t, w)
	built := incidentBound(w.incidents)
	next := 0
	for step := range 60 {
		if step%6 == 0 {
			checkWholeLayer(t, g, ix.Snapshot(), w, built)
			if t.Failed() {
				t.Fatalf("after %d updates", step)
			}
		}
		mutate(t, g, ix.Update, w, &next)
	}
}
