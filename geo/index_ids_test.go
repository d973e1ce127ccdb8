package geo

import (
	"fmt"
	"testing"
	"unsafe"

	"github.com/paulmach/orb"
)

// TestIDKeysOwnTheirText: the index's ID table keys are copies. An ID the
// codec decodes is a substring of its record's whole text; a key sharing
// it would keep that text alive after NewIndex repacked the record (at 1M
// incidents, 264 MB of a 650 MB heap).
func TestIDKeysOwnTheirText(t *testing.T) {
	incs := make([]Incident, 5000)
	texts := make([]string, len(incs)) // the decoded texts, kept alive
	for i := range incs {
		day := DateOf(2025, 1, 1) + Day(i%300)
		src := Incident{ID: IncidentID(fmt.Sprintf("inc-%05d", i)), Date: day, DateEnd: day, DatePrecision: PrecisionDay,
			Type: Battles, Location: orb.Point{36 + float64(i%97)/50, 33 + float64(i%89)/40}, Status: Reported,
			Origin: Origin{Dataset: OriginSynthetic}}
		b, err := src.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := incs[i].UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		texts[i] = string(incs[i].ID)
	}
	ix, err := NewIndex(&Dataset{Incidents: incs})
	if err != nil {
		t.Fatal(err)
	}
	shared := map[*byte]bool{}
	for _, s := range texts {
		shared[unsafe.StringData(s)] = true
	}
	for _, m := range ix.Snapshot().incIDs.shards {
		for id := range m {
			if shared[unsafe.StringData(string(id))] {
				t.Fatalf("the ID table's key %q shares its record's decoded text", id)
			}
		}
	}
}
