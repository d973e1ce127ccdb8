package geo_test

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/geo/synth"
)

// The benchmark workload of issue 2: synthetic incidents (synth.Incidents)
// and five queries. Each benchmark has a correctness test on the same
// workload at 10k incidents, against brute force.

const benchSeed = 2026

var benchSizes = []int{10_000, 100_000, 1_000_000}

var (
	tanfBase = orb.Point{38.63, 33.50}
	q2Circle = geo.Circle{Center: tanfBase, RadiusMeters: 55_000}
	// q3Box is 0.5° × 0.5° around Raqqa, one of the densest clusters.
	q3Box = orb.Bound{Min: orb.Point{38.76, 35.70}, Max: orb.Point{39.26, 36.20}}
	// q4Point is Deir ez-Zor, for the 10 nearest incidents.
	q4Point = orb.Point{40.14, 35.33}
	// q5Year restricts Q1 to 2025.
	q5Year = geo.Interval{From: geo.DateOf(2025, 1, 1), To: geo.DateOf(2025, 12, 31)}
)

// benchWorkload is one size of the workload, built once per process.
type benchWorkload struct {
	incidents []geo.Incident
	ix        *geo.Index
	q1        *geo.Region
	// changed is the index of changedIndex and changedIncs its records,
	// built on first use.
	changed     *geo.Index
	changedIncs []geo.Incident
}

var (
	benchMu    sync.Mutex
	benchCache = map[int]*benchWorkload{}
)

func workload(tb testing.TB, n int) *benchWorkload {
	tb.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	if w, ok := benchCache[n]; ok {
		return w
	}
	incs := synth.Incidents(n, benchSeed)
	ix, err := geo.NewIndex(&geo.Dataset{Incidents: incs})
	if err != nil {
		tb.Fatal(err)
	}
	q1, err := geo.PrepareRegion(synth.Q1Polygon(benchSeed))
	if err != nil {
		tb.Fatal(err)
	}
	w := &benchWorkload{incidents: incs, ix: ix, q1: q1}
	benchCache[n] = w
	return w
}

// changedIndex returns w's index after an update that replaced every 64th
// incident by a copy a day later and 0.02° east: just under the changes an index keeps
// beside its incident quadtree before rebuilding it (a replace counts
// twice, an old entry and a new one), so the slowest state a query meets
// between rebuilds.
func changedIndex(tb testing.TB, w *benchWorkload) (*geo.Index, []geo.Incident) {
	tb.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	if w.changed != nil {
		return w.changed, w.changedIncs
	}
	ix, err := geo.NewIndex(&geo.Dataset{Incidents: w.incidents})
	if err != nil {
		tb.Fatal(err)
	}
	incs := slices.Clone(w.incidents)
	err = ix.Update(func(tx *geo.Tx) error {
		for i := 0; i < len(incs) && i/64 < len(incs)/64-100; i += 64 {
			incs[i].Date++
			incs[i].DateEnd++
			incs[i].Location[0] += 0.02
			if err := tx.ReplaceIncident(incs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	w.changed, w.changedIncs = ix, incs
	return ix, incs
}

func forSizes(b *testing.B, fn func(b *testing.B, w *benchWorkload)) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			if testing.Short() && n > 100_000 {
				b.Skip("1M incidents skipped in -short mode")
			}
			fn(b, workload(b, n))
		})
	}
}

func q1Query(w *benchWorkload) geo.IncidentQuery { return geo.IncidentQuery{Where: geo.InRegion(w.q1)} }

func q5Query(w *benchWorkload) geo.IncidentQuery {
	return geo.IncidentQuery{Where: geo.InRegion(w.q1), Window: &q5Year}
}

func benchCount(b *testing.B, q func(*benchWorkload) geo.IncidentQuery) {
	forSizes(b, func(b *testing.B, w *benchWorkload) {
		s := w.ix.Snapshot()
		query := q(w)
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			var err error
			if n, err = s.CountIncidents(query); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n), "matches")
	})
}

func benchIDs(b *testing.B, q func(*benchWorkload) geo.IncidentQuery) {
	forSizes(b, func(b *testing.B, w *benchWorkload) {
		s := w.ix.Snapshot()
		query := q(w)
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			page, err := s.Incidents(query)
			if err != nil {
				b.Fatal(err)
			}
			n = len(page.Incidents)
		}
		b.ReportMetric(float64(n), "matches")
	})
}

// BenchmarkQ1Count counts incidents inside the 2,000-vertex Q1 polygon.
func BenchmarkQ1Count(b *testing.B) { benchCount(b, q1Query) }

// BenchmarkQ1IDs lists them, ordered by date then ID.
func BenchmarkQ1IDs(b *testing.B) { benchIDs(b, q1Query) }

// BenchmarkQ1Page100 returns the first page of 100 of them, the API's
// default page.
func BenchmarkQ1Page100(b *testing.B) {
	benchIDs(b, func(w *benchWorkload) geo.IncidentQuery {
		q := q1Query(w)
		q.Limit = 100
		return q
	})
}

// BenchmarkQ1CountChanged is Q1Count on the index of changedIndex.
func BenchmarkQ1CountChanged(b *testing.B) {
	forSizes(b, func(b *testing.B, w *benchWorkload) {
		ix, _ := changedIndex(b, w)
		s := ix.Snapshot()
		query := q1Query(w)
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			var err error
			if n, err = s.CountIncidents(query); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n), "matches")
	})
}

// BenchmarkQ2Count counts incidents within 55 km of Al-Tanf.
func BenchmarkQ2Count(b *testing.B) {
	benchCount(b, func(*benchWorkload) geo.IncidentQuery {
		return geo.IncidentQuery{Where: geo.InCircle(q2Circle)}
	})
}

// BenchmarkQ2IDs lists them.
func BenchmarkQ2IDs(b *testing.B) {
	benchIDs(b, func(*benchWorkload) geo.IncidentQuery {
		return geo.IncidentQuery{Where: geo.InCircle(q2Circle)}
	})
}

// BenchmarkQ3Count counts incidents in a 0.5° × 0.5° box.
func BenchmarkQ3Count(b *testing.B) {
	benchCount(b, func(*benchWorkload) geo.IncidentQuery {
		return geo.IncidentQuery{Where: geo.InBound(q3Box)}
	})
}

// BenchmarkQ3IDs lists them.
func BenchmarkQ3IDs(b *testing.B) {
	benchIDs(b, func(*benchWorkload) geo.IncidentQuery {
		return geo.IncidentQuery{Where: geo.InBound(q3Box)}
	})
}

// BenchmarkQ4Nearest10 finds the 10 incidents nearest to a point.
func BenchmarkQ4Nearest10(b *testing.B) {
	forSizes(b, func(b *testing.B, w *benchWorkload) {
		s := w.ix.Snapshot()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.NearestIncidents(q4Point, geo.IncidentQuery{Limit: 10}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkQ5Count is Q1 restricted to one year.
func BenchmarkQ5Count(b *testing.B) { benchCount(b, q5Query) }

// BenchmarkBuild builds the index from the records, and reports the heap
// the index adds per incident (the records themselves are the caller's and
// are shared, not copied).
func BenchmarkBuild(b *testing.B) {
	forSizes(b, func(b *testing.B, w *benchWorkload) {
		ds := &geo.Dataset{Incidents: w.incidents}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := geo.NewIndex(ds); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		b.ReportMetric(indexHeapPerIncident(b, ds), "heap-B/incident")
	})
}

// indexHeapPerIncident measures the live heap an index over ds adds.
func indexHeapPerIncident(tb testing.TB, ds *geo.Dataset) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ix, err := geo.NewIndex(ds)
	if err != nil {
		tb.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(ix)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(len(ds.Incidents))
}

// TestBenchmarkQueries checks the five benchmark queries at 10k incidents
// against brute force over the same records.
func TestBenchmarkQueries(t *testing.T) {
	w := workload(t, 10_000)
	s := w.ix.Snapshot()
	q1 := synth.Q1Polygon(benchSeed)
	inQ1 := func(in *geo.Incident) bool { return oracleInArea(q1, in.Location) }

	check := func(name string, q geo.IncidentQuery, keep func(*geo.Incident) bool) {
		t.Helper()
		var want []string
		for i := range w.incidents {
			if keep(&w.incidents[i]) {
				want = append(want, string(w.incidents[i].ID))
			}
		}

		n, err := s.CountIncidents(q)
		if err != nil {
			t.Fatal(err)
		}
		page, err := s.Incidents(q)
		if err != nil {
			t.Fatal(err)
		}
		got := pageIDs(page.Incidents)
		sortedWant := sortByDateID(w.incidents, want)
		if n != len(want) || !slices.Equal(got, sortedWant) {
			t.Errorf("%s: count %d, %d IDs; brute force %d", name, n, len(got), len(want))
		}
		if len(want) == 0 {
			t.Errorf("%s: the workload matches nothing; the benchmark would measure nothing", name)
		}
	}
	check("Q1", q1Query(w), inQ1)
	check("Q2", geo.IncidentQuery{Where: geo.InCircle(q2Circle)}, func(in *geo.Incident) bool {
		return geo.DistanceMeters(q2Circle.Center, in.Location) <= q2Circle.RadiusMeters
	})
	check("Q3", geo.IncidentQuery{Where: geo.InBound(q3Box)}, func(in *geo.Incident) bool {
		return q3Box.Contains(in.Location)
	})
	check("Q5", q5Query(w), func(in *geo.Incident) bool {
		return inQ1(in) && in.Span().Overlaps(q5Year)
	})

	q1Page := q1Query(w)
	q1Page.Limit = 100
	page, err := s.Incidents(q1Page)
	if err != nil {
		t.Fatal(err)
	}
	var inside []string
	for i := range w.incidents {
		if inQ1(&w.incidents[i]) {
			inside = append(inside, string(w.incidents[i].ID))
		}
	}
	if got := pageIDs(page.Incidents); !slices.Equal(got, sortByDateID(w.incidents, inside)[:100]) {
		t.Errorf("Q1Page100: the page differs from brute force")
	}

	ix, incs := changedIndex(t, w)
	if n, err := ix.Snapshot().CountIncidents(q1Query(w)); err != nil {
		t.Fatal(err)
	} else if want := countWhere(incs, inQ1); n != want {
		t.Errorf("Q1CountChanged: %d, brute force %d", n, want)
	}

	got, err := s.NearestIncidents(q4Point, geo.IncidentQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	want := oracleNearest(w.incidents, q4Point, 10, func(*geo.Incident) bool { return true })
	if !slices.Equal(neighborIDs(got), want) {
		t.Errorf("Q4: got %v, brute force %v", neighborIDs(got), want)
	}
}

// countWhere counts the incidents keep keeps.
func countWhere(incs []geo.Incident, keep func(*geo.Incident) bool) int {
	n := 0
	for i := range incs {
		if keep(&incs[i]) {
			n++
		}
	}
	return n
}

// TestQ1PlanarAgrees checks the test's own polygon oracle against orb's
// planar.PolygonContains on Q1, whose edges no synthetic point lies on.
func TestQ1PlanarAgrees(t *testing.T) {
	w := workload(t, 10_000)
	q1 := synth.Q1Polygon(benchSeed)
	for _, in := range w.incidents[:2000] {
		if oracleInArea(q1, in.Location) != planar.PolygonContains(q1, in.Location) {
			t.Fatalf("%s at %v: oracle and planar.PolygonContains disagree", in.ID, in.Location)
		}
	}
}
