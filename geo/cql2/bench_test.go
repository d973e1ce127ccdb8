package cql2

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/geo/synth"
)

// BenchmarkFilter counts the synthetic incidents matching a polygon, a
// year and an attribute twice per iteration: through a CQL2 filter (parsed,
// planned and run) and through the native query it amounts to (the
// polygon prepared, as POST /api/search prepares its geometry, and run). It
// reports both times and their ratio (x-native), the target of issue 17
// (at most 1.5); ns/op is the two together.
func BenchmarkFilter(b *testing.B) {
	const n = 1_000_000
	ix, err := geo.NewIndex(&geo.Dataset{Incidents: synth.Incidents(n, 1)})
	if err != nil {
		b.Fatal(err)
	}
	snap := ix.Snapshot()
	poly := synth.Q1Polygon(1)
	var ring []string
	for _, p := range poly[0] {
		ring = append(ring, fmt.Sprintf("%v %v", p[0], p[1]))
	}
	year := geo.Interval{From: geo.DateOf(2023, 1, 1), To: geo.DateOf(2023, 12, 31)}
	filter := "S_INTERSECTS(geometry, POLYGON((" + strings.Join(ring, ", ") + "))) AND " +
		"T_INTERSECTS(date, INTERVAL('2023-01-01', '2023-12-31')) AND type = 'battles'"
	b.Run(fmt.Sprintf("polygon+year+type/n=%d", n), func(b *testing.B) {
		var tNative, tFilter time.Duration
		var want, got int
		for b.Loop() {
			t0 := time.Now()
			region, err := geo.PrepareRegion(poly)
			if err != nil {
				b.Fatal(err)
			}
			native := geo.IncidentQuery{Where: geo.InRegion(region), Window: &year, Types: []geo.EventType{geo.Battles}}
			if want, err = snap.CountIncidents(native); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			e, err := ParseText(filter)
			if err != nil {
				b.Fatal(err)
			}
			p, err := PlanIncidents(e, geo.IncidentQuery{})
			if err != nil {
				b.Fatal(err)
			}
			if got, err = snap.CountIncidents(p.Query); err != nil {
				b.Fatal(err)
			}
			t2 := time.Now()
			tNative += t1.Sub(t0)
			tFilter += t2.Sub(t1)
		}
		if got != want {
			b.Fatalf("the filter counts %d, the native query %d", got, want)
		}
		b.ReportMetric(float64(tNative.Nanoseconds())/float64(b.N), "native-ns/op")
		b.ReportMetric(float64(tFilter.Nanoseconds())/float64(b.N), "cql2-ns/op")
		b.ReportMetric(float64(tFilter)/float64(tNative), "x-native")
		b.ReportMetric(float64(want), "matches")
	})
}
