package geo_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/frontline-maps/frontline/geo"
)

// deepCopy returns incs with their Actors and Sources arrays copied, so that
// a later write to the originals' arrays would show as a difference.
func deepCopy(incs []geo.Incident) []geo.Incident {
	out := slices.Clone(incs)
	for i := range out {
		out[i].Actors = slices.Clone(out[i].Actors)
		out[i].Sources = slices.Clone(out[i].Sources)
	}
	return out
}

// TestNewIndexPacksRecordsEqual checks that the records NewIndex reorders
// and repacks read exactly as before, field by field, that it leaves the
// arrays the caller's records pointed to alone, and that a repacked
// record's Actors and Sources have no spare capacity to append into.
func TestNewIndexPacksRecordsEqual(t *testing.T) {
	g := newGen(oracleSeed(t))
	w := g.world(2, 1300, 1)
	for i := range w.incidents {
		in := &w.incidents[i]
		switch i % 4 {
		case 0:
			// Sources shared by many records, as a loader might share them.
			in.Sources = testSource
		case 1:
			in.Sources = []geo.Source{{Publisher: "Pub " + string(in.ID), Title: "a <title> & \"quotes\"", URL: "https://example.org/" + string(in.ID), Note: "note"}}
			in.Place = strings.Repeat("place ", i%7)
			in.Description = "description of " + string(in.ID)
		case 2:
			in.Actors = []geo.IncidentActor{} // empty, not nil, stays so
		}
	}
	// Many records share one actors array, as synth's and a decoder's do.
	shared := make([]geo.IncidentActor, 0, 2*len(w.incidents))
	for i := range w.incidents {
		in := &w.incidents[i]
		if len(in.Actors) > 0 {
			shared = append(shared, in.Actors...)
			in.Actors = shared[len(shared)-len(in.Actors) : len(shared)]
		}
	}
	want := deepCopy(w.incidents)
	ds := &geo.Dataset{Incidents: slices.Clone(w.incidents)}
	if _, err := geo.NewIndex(ds); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(w.incidents, want) {
		t.Fatal("NewIndex wrote into the arrays the caller's records pointed to")
	}
	got := slices.Clone(ds.Incidents)
	byID := func(a, b geo.Incident) int { return strings.Compare(string(a.ID), string(b.ID)) }
	slices.SortFunc(got, byID)
	slices.SortFunc(want, byID)
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("record %s changed:\n got %+v\nwant %+v", want[i].ID, got[i], want[i])
		}
		if (got[i].Actors == nil) != (want[i].Actors == nil) {
			t.Errorf("record %s: Actors nil %v, was %v", want[i].ID, got[i].Actors == nil, want[i].Actors == nil)
		}
		if cap(got[i].Actors) != len(got[i].Actors) || cap(got[i].Sources) != len(got[i].Sources) {
			t.Errorf("record %s: Actors or Sources have spare capacity after NewIndex", want[i].ID)
		}
	}
}
