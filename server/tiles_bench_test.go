package server

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/frontline-maps/frontline/geo/synth"
)

// BenchmarkTiles serves the tour's 500 incident tiles over 1M synthetic
// incidents, without and with a one-year datetime, and reports the
// latency percentiles of one pass (each tile once, as a page asks for
// it): p50-ms and p99-ms, issue 14's targets (5 and 20 ms).
func BenchmarkTiles(b *testing.B) {
	for _, filter := range []struct{ name, q string }{{"all", ""}, {"year", "?datetime=2025-01-01/2025-12-31"}} {
		b.Run(fmt.Sprintf("%s/n=1000000", filter.name), func(b *testing.B) {
			if testing.Short() {
				b.Skip("1M incidents skipped in -short mode")
			}
			w := workloadHTTP(b, 1_000_000)
			tour := synth.TileTour()
			var lat []time.Duration
			for b.Loop() {
				lat = lat[:0]
				for _, t := range tour {
					req := newBenchRequest(http.MethodGet, fmt.Sprintf("/api/collections/incidents/tiles/WebMercatorQuad/%d/%d/%d%s", t.Z, t.Y, t.X, filter.q), "")
					rec := &discardResponse{header: http.Header{}}
					start := time.Now()
					w.h.ServeHTTP(rec, req.next())
					lat = append(lat, time.Since(start))
					if rec.status != http.StatusOK && rec.status != http.StatusNoContent {
						b.Fatalf("tile %v: status %d", t, rec.status)
					}
				}
			}
			slices.Sort(lat)
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
			b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
			b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
		})
	}
}
