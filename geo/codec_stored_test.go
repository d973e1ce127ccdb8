package geo_test

import (
	"bytes"
	"cmp"
	"runtime"
	"slices"
	"testing"
	"unsafe"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/geo/synth"
)

// TestIndexKeepsNoStoredForm decodes the synthetic workload from its stored
// forms, indexes it, and checks that no string of an indexed record still
// points into a stored form: one that did (an empty actor ID once did)
// would keep every record's whole text alive beside the index's packed
// copy, nearly doubling the heap of a store loaded at start-up. The same
// holds after DetachStrings, which a store's loader runs on each batch it
// decodes, and the records are unchanged by it.
func TestIndexKeepsNoStoredForm(t *testing.T) {
	detachers := map[string]func(t *testing.T, incs []geo.Incident){
		"NewIndex": func(t *testing.T, incs []geo.Incident) {
			if _, err := geo.NewIndex(&geo.Dataset{Incidents: incs}); err != nil {
				t.Fatal(err)
			}
		},
		"DetachStrings": func(t *testing.T, incs []geo.Incident) {
			seen := map[string]string{}
			for lo := 0; lo < len(incs); lo += 1000 {
				geo.DetachStrings(incs[lo:min(lo+1000, len(incs))], seen)
			}
		},
	}
	for name, detach := range detachers {
		t.Run(name, func(t *testing.T) {
			src := synth.Incidents(50_000, 1)
			incs := make([]geo.Incident, len(src))
			stored := make([][]byte, len(src))
			type span struct{ lo, hi uintptr }
			var spans []span
			// keep holds each decoded record's text alive, so that memory
			// freed and reused since cannot pass for it.
			keep := make([]geo.IncidentID, len(src))
			for i := range src {
				b, err := src[i].AppendBinary(nil)
				if err != nil {
					t.Fatal(err)
				}
				if err := incs[i].UnmarshalBinary(b); err != nil {
					t.Fatal(err)
				}
				stored[i] = b
				keep[i] = incs[i].ID
				p := uintptr(unsafe.Pointer(unsafe.StringData(string(incs[i].ID))))
				// The ID is the stored form's second field, after its format
				// byte and its one-byte length.
				spans = append(spans, span{p - 2, p - 2 + uintptr(len(b))})
			}
			slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.lo, b.lo) })
			inStored := func(s string) bool {
				p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
				k, _ := slices.BinarySearchFunc(spans, p, func(sp span, p uintptr) int {
					if sp.hi <= p {
						return -1
					}
					return 1
				})
				return p != 0 && k < len(spans) && spans[k].lo <= p
			}
			detach(t, incs)
			for i := range incs {
				in := &incs[i]
				strs := []string{string(in.ID), string(in.DatePrecision), string(in.Type), string(in.SubType), in.Place,
					in.Governorate, in.Description, string(in.Status), in.Origin.Dataset, in.Origin.ID}
				for _, a := range in.Actors {
					strs = append(strs, string(a.Actor), a.Name, string(a.Role))
				}
				for _, s := range in.Sources {
					strs = append(strs, s.Publisher, s.Title, s.URL, s.Note)
				}
				for _, s := range strs {
					if inStored(s) {
						t.Fatalf("incident %s: %q (length %d) points into its stored form", in.ID, s, len(s))
					}
				}
			}
			if name != "DetachStrings" {
				runtime.KeepAlive(keep)
				return
			}
			for i := range incs {
				b, err := incs[i].AppendBinary(nil)
				if err != nil || !bytes.Equal(b, stored[i]) {
					t.Fatalf("incident %s changed when detached: %v", incs[i].ID, err)
				}
			}
			runtime.KeepAlive(keep)
		})
	}
}
