package catalog

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/ingest/dedup"
	"github.com/frontline-maps/frontline/store"
	"github.com/paulmach/orb"
)

// TestMatchChunks: matching an import chunk by chunk (here 3 chunks of
// imported incidents, and once with more stored incidents than a chunk)
// finds exactly the pairs of one dedup.Between over all of them, in its
// order.
func TestMatchChunks(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 19))
	incident := func(id string, dataset string) geo.Incident {
		d := geo.DateOf(2020, 1, 1) + geo.Day(r.IntN(20))
		return geo.Incident{
			ID: geo.IncidentID(id), Date: d, DateEnd: d + geo.Day(r.IntN(2)),
			Location:        orb.Point{38 + r.Float64()*0.5, 35 + r.Float64()*0.5},
			PrecisionMeters: 2000, Type: geo.Battles,
			Fatalities: geo.Fatalities{Low: 0, Best: 1, High: 2},
			Origin:     geo.Origin{Dataset: dataset, ID: id},
		}
	}
	for _, sizes := range [][2]int{{2*matchChunk + 100, 60}, {200, matchChunk + 10}} {
		recs := []store.Record{geo.Site{ID: "not-an-incident"}}
		var unmatched []int
		var all []*geo.Incident
		for i := range sizes[0] {
			in := incident(fmt.Sprintf("new-%05d", i), "acled")
			unmatched = append(unmatched, len(recs))
			recs = append(recs, in)
			all = append(all, &in)
		}
		var others []*geo.Incident
		for i := range sizes[1] {
			in := incident(fmt.Sprintf("old-%05d", i), "ucdp")
			others = append(others, &in)
		}
		got := matchChunks(recs, unmatched, others)
		want := dedup.Between(all, others)
		if len(want) == 0 {
			t.Fatalf("%v: the random data makes no pairs; the test tests nothing", sizes)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%d imported, %d stored: %d pairs by chunks, %d by one Between", sizes[0], sizes[1], len(got), len(want))
		}
	}
}
