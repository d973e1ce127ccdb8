package geo

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/paulmach/orb"
)

// TestClustersWithoutSums: a quadtree without prefix sums (whose totals
// would not fit their 32 bits) clusters by reading records, with the same
// counts and fatalities as the sums give.
func TestClustersWithoutSums(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	var incs []Incident
	for i := range 3000 {
		d := DateOf(2020+rng.IntN(5), 1, 1+rng.IntN(28))
		incs = append(incs, Incident{ID: IncidentID(fmt.Sprintf("c%d", i)), Date: d, DateEnd: d, DatePrecision: PrecisionDay,
			Type: Battles, SubType: "armed_clash", Location: orb.Point{36 + rng.Float64()*4, 33 + rng.Float64()*3},
			Fatalities: Fatalities{Low: 0, Best: rng.IntN(9), High: 20, Civilians: rng.IntN(3)}, Status: Reported,
			Sources: []Source{{Publisher: "Test"}}})
	}
	ix, err := NewIndex(&Dataset{Incidents: incs})
	if err != nil {
		t.Fatal(err)
	}
	s := ix.Snapshot()
	grid := Grid{Lons: []float64{36, 37, 38.5, 40}, Lats: []float64{33, 34.25, 36}}
	w := Interval{From: DateOf(2021, 1, 1), To: DateOf(2022, 12, 31)}
	for _, q := range []IncidentQuery{{}, {Window: &w}} {
		fast, err := s.Clusters(q, grid)
		if err != nil {
			t.Fatal(err)
		}
		sums := s.incQuad.sums
		s.incQuad.sums = nil
		slow, err := s.Clusters(q, grid)
		s.incQuad.sums = sums
		if err != nil {
			t.Fatal(err)
		}
		strip := func(cs []Cluster) (out [][4]int) {
			for _, c := range cs {
				out = append(out, [4]int{c.X, c.Y, c.Count, c.Fatalities.Best + 1000*c.Fatalities.Civilians})
			}
			return out
		}
		if !reflect.DeepEqual(strip(fast), strip(slow)) || len(fast) == 0 {
			t.Errorf("window %v: with sums %v, without %v", q.Window, strip(fast), strip(slow))
		}
	}
}
