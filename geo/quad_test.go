package geo

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/paulmach/orb"
)

// quadSeed returns the seed of the quadtree's randomised tests:
// FRONTLINE_SEED if set, otherwise a fresh one; it is logged either way.
func quadSeed(t *testing.T) uint64 {
	t.Helper()
	seed := rand.Uint64()
	if s := os.Getenv("FRONTLINE_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("FRONTLINE_SEED=%q: %v", s, err)
		}
	}
	t.Logf("seed %d (set FRONTLINE_SEED=%d to replay)", seed, seed)
	return seed
}

// quadWorld draws random incidents and queries. Points fall on a coarse
// lattice half of the time, so that many share a location or lie on the
// lines a quadtree splits at; spans are zero to a year.
type quadWorld struct {
	r *rand.Rand
}

func (g quadWorld) point() orb.Point {
	if g.r.IntN(2) == 0 {
		return orb.Point{36 + float64(g.r.IntN(49))/8, 32 + float64(g.r.IntN(41))/8}
	}
	return orb.Point{36 + 6*g.r.Float64(), 32 + 5*g.r.Float64()}
}

func (g quadWorld) incident(id string) Incident {
	d := DateOf(2020, 1, 1) + Day(g.r.IntN(600))
	return Incident{
		ID: IncidentID(id), Date: d, DateEnd: d + Day([]int{0, 0, 0, 3, 40, 365}[g.r.IntN(6)]),
		DatePrecision: PrecisionDay, Type: Battles, Location: g.point(),
		Status: IncidentStatuses[g.r.IntN(len(IncidentStatuses))],
		Origin: Origin{Dataset: OriginSynthetic, ID: id},
	}
}

// where draws a place: everywhere, a box, a circle or a polygon with a
// hole.
func (g quadWorld) where() Where {
	switch g.r.IntN(4) {
	case 1:
		a, b := g.point(), g.point()
		return InBound(orb.Bound{Min: orb.Point{min(a[0], b[0]), min(a[1], b[1])}, Max: orb.Point{max(a[0], b[0]), max(a[1], b[1])}})
	case 2:
		return InCircle(Circle{Center: g.point(), RadiusMeters: 1000 + 200_000*g.r.Float64()})
	case 3:
		c := g.point()
		w, h := 0.5+2*g.r.Float64(), 0.5+2*g.r.Float64()
		outer := orb.Ring{{c[0] - w, c[1] - h}, {c[0] + w, c[1] - h}, {c[0] + w/3, c[1]}, {c[0] + w, c[1] + h}, {c[0] - w, c[1] + h}, {c[0] - w, c[1] - h}}
		hole := orb.Ring{{c[0] - w/2, c[1] - h/2}, {c[0] - w/2, c[1] + h/2}, {c[0] - w/4, c[1] + h/2}, {c[0] - w/4, c[1] - h/2}, {c[0] - w/2, c[1] - h/2}}
		r, err := PrepareRegion(orb.Polygon{outer, hole})
		if err != nil {
			panic(err)
		}
		return InRegion(r)
	}
	return Where{}
}

func (g quadWorld) window() Interval {
	switch g.r.IntN(4) {
	case 0:
		return Always
	case 1:
		return Interval{From: OpenStart, To: DateOf(2020, 1, 1) + Day(g.r.IntN(700))}
	}
	from := DateOf(2020, 1, 1) + Day(g.r.IntN(700)) - 50
	return Interval{From: from, To: from + Day(g.r.IntN(120))}
}

// TestPointQuad compares the quadtree's count and search with a scan of
// its entries through the same exact predicate.
func TestPointQuad(t *testing.T) {
	g := quadWorld{rand.New(rand.NewPCG(quadSeed(t), 1))}
	for _, n := range []int{1, 40, 3000} {
		incs := make([]Incident, n)
		for i := range incs {
			incs[i] = g.incident(fmt.Sprintf("i%05d", i))
		}
		ix, err := NewIndex(&Dataset{Incidents: incs})
		if err != nil {
			t.Fatal(err)
		}
		s := ix.Snapshot()
		q := s.incQuad
		for i, e := range q.entries {
			if q.pos[e.h] != uint32(i) || q.byRank[e.rank] != e.h {
				t.Fatalf("n=%d: entry %d: pos %d, byRank %d", n, i, q.pos[e.h], q.byRank[e.rank])
			}
		}
		for round := range 200 {
			sh, err := s.resolve(g.where())
			if err != nil {
				t.Fatal(err)
			}
			w := g.window()
			var want []uint32
			for i, e := range q.entries {
				if (sh == nil || sh.contains(e.p)) && e.from <= w.To && w.From <= e.to {
					want = append(want, uint32(i))
				}
			}
			var got []uint32
			q.search(sh, w, func(lo, hi uint32) bool {
				if lo >= hi || len(got) > 0 && lo <= got[len(got)-1] {
					t.Fatalf("n=%d round %d: run [%d, %d) after %v", n, round, lo, hi, got)
				}
				for i := lo; i < hi; i++ {
					got = append(got, i)
				}
				return true
			})
			if !slices.Equal(got, want) {
				t.Fatalf("n=%d round %d: search found %d entries, want %d", n, round, len(got), len(want))
			}
			if c := q.count(sh, w); c != len(want) {
				t.Fatalf("n=%d round %d: count %d, want %d", n, round, c, len(want))
			}
		}
	}
}

// TestIncidentChanges runs inserts, replaces and deletes through enough
// updates that the quadtree is rebuilt several times, and compares counts,
// ordered pages and nearest neighbours with brute force after each, and
// with the snapshot before it, which must not change.
func TestIncidentChanges(t *testing.T) {
	g := quadWorld{rand.New(rand.NewPCG(quadSeed(t), 2))}
	live := map[IncidentID]Incident{}
	var incs []Incident
	for i := range 300 {
		in := g.incident(fmt.Sprintf("i%05d", i))
		incs = append(incs, in)
		live[in.ID] = in
	}
	ix, err := NewIndex(&Dataset{Incidents: slices.Clone(incs)})
	if err != nil {
		t.Fatal(err)
	}
	next := len(incs)
	check := func(s *Snapshot, live map[IncidentID]Incident, step int) {
		t.Helper()
		for round := range 30 {
			q := IncidentQuery{Where: g.where()}
			if w := g.window(); w != Always {
				q.Window = &w
			}
			if g.r.IntN(4) == 0 {
				q.Statuses = []IncidentStatus{IncidentStatuses[g.r.IntN(len(IncidentStatuses))]}
			}
			sh, err := s.resolve(q.Where)
			if err != nil {
				t.Fatal(err)
			}
			var want []*Incident
			for _, in := range live {
				if (sh == nil || sh.contains(in.Location)) && (q.Window == nil || in.Span().Overlaps(*q.Window)) &&
					(q.Statuses == nil || in.Status == q.Statuses[0]) {
					want = append(want, &in)
				}
			}
			slices.SortFunc(want, func(a, b *Incident) int { return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(a.ID, b.ID)) })
			n, err := s.CountIncidents(q)
			if err != nil {
				t.Fatal(err)
			}
			q.Offset, q.Limit = g.r.IntN(len(want)+1), []int{0, 1, 5, 1000}[g.r.IntN(4)]
			page, err := s.Incidents(q)
			if err != nil {
				t.Fatal(err)
			}
			end := len(want)
			if q.Limit > 0 {
				end = min(end, q.Offset+q.Limit)
			}
			if n != len(want) || page.Matched != len(want) || !samePage(page.Incidents, want[q.Offset:end]) {
				t.Fatalf("step %d round %d: count %d, matched %d, page of %d; brute force %d, page of %d",
					step, round, n, page.Matched, len(page.Incidents), len(want), end-q.Offset)
			}
			p, k := g.point(), 1+g.r.IntN(12)
			slices.SortFunc(want, func(a, b *Incident) int {
				return cmp.Or(cmp.Compare(DistanceMeters(p, a.Location), DistanceMeters(p, b.Location)), cmp.Compare(a.ID, b.ID))
			})
			q.Offset, q.Limit = 0, k
			near, err := s.NearestIncidents(p, q)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]*Incident, len(near))
			for i, nb := range near {
				got[i] = nb.Record
			}
			if !samePage(got, want[:min(k, len(want))]) {
				t.Fatalf("step %d round %d: %d nearest differ from brute force", step, round, k)
			}
		}
	}
	for step := range 12 {
		before, beforeLive := ix.Snapshot(), maps.Clone(live)
		// Every third update inserts enough to rebuild the quadtree.
		ops, inserts := 30, 0
		if step%3 == 2 {
			inserts = maxIncidentChanges(len(live)) + 1
			ops += inserts
		}
		// Sorted, so that draws replay; those deleted in this update are
		// skipped.
		ids := slices.Sorted(maps.Keys(live))
		pick := func() IncidentID {
			for {
				if id := ids[g.r.IntN(len(ids))]; live[id].ID != "" {
					return id
				}
			}
		}
		err := ix.Update(func(tx *Tx) error {
			for op := range ops {
				switch k := g.r.IntN(3); {
				case op < inserts || k == 0 || len(live) < 50:
					in := g.incident(fmt.Sprintf("i%05d", next))
					next++
					live[in.ID] = in
					if err := tx.InsertIncident(in); err != nil {
						return err
					}
				case k == 1:
					in := g.incident(string(pick()))
					live[in.ID] = in
					if err := tx.ReplaceIncident(in); err != nil {
						return err
					}
				default:
					id := pick()
					delete(live, id)
					if err := tx.DeleteIncident(id); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		s := ix.Snapshot()
		if _, n, _ := s.Len(); n != len(live) {
			t.Fatalf("step %d: Len %d, want %d", step, n, len(live))
		}
		if step%3 == 2 && s.incDelta.Len()+s.incDead.Len() != 0 {
			t.Fatalf("step %d: no rebuild after %d changes", step, ops)
		}
		check(s, live, step)
		check(before, beforeLive, step)
	}
}

func samePage(got, want []*Incident) bool {
	return slices.EqualFunc(got, want, func(a, b *Incident) bool { return a.ID == b.ID && a.Location == b.Location })
}

// TestRankSorts checks radixSort and bitmapSort against slices.Sort on
// random distinct ranks, reusing their buffers from one list to the next
// as walkPage does.
func TestRankSorts(t *testing.T) {
	r := rand.New(rand.NewPCG(quadSeed(t), 3))
	// Widths of 11, 13 and 32 bits take one, two and three radix passes.
	for _, c := range []struct{ ranks, width int }{{2000, 11}, {5000, 13}, {5000, 32}} {
		q := &pointQuad{entries: make([]quadEntry, c.ranks), byRank: make([]uint32, c.ranks)}
		for i, h := range r.Perm(c.ranks) {
			q.byRank[i] = uint32(h)
		}
		var tmp, marks []uint64
		for _, n := range []int{0, 1, 255, 256, 1000, c.ranks, 300} {
			keys := make([]uint64, n)
			for i, rank := range r.Perm(c.ranks)[:n] {
				keys[i] = rankKey(uint32(rank), q.byRank[rank])
			}
			want := slices.Sorted(slices.Values(keys))
			radix, bitmap := slices.Clone(keys), slices.Clone(keys)
			tmp = radixSort(radix, tmp, c.width)
			marks = q.bitmapSort(bitmap, marks)
			if !slices.Equal(radix, want) || !slices.Equal(bitmap, want) {
				t.Fatalf("%d of %d ranks: radixSort or bitmapSort differs from slices.Sort", n, c.ranks)
			}
		}
	}
}
