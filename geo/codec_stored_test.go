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

// TestVocabularyConstants decodes incidents from both encodings and checks
// that a vocabulary field (type, status, an actor's role, ...) holds the
// vocabulary's one copy of a known value and a copy of its own of any
// other: neither points into the decoded text, so a store's loader and
// NewIndex need not copy them, and a million records share a few strings.
func TestVocabularyConstants(t *testing.T) {
	in := synth.Incidents(1, 7)[0]
	in.Type, in.SubType, in.Status = geo.Battles, "", geo.Confirmed
	in.Actors = []geo.IncidentActor{{Name: "A", Role: geo.RoleTarget}, {Name: "B", Role: "not-a-role"}}
	stored, err := in.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	js := in.AppendGeoJSON(nil)
	// The slow path decodes what the fast one does not take: here, an
	// escaped surrogate pair.
	slow := bytes.Replace(js, []byte(`"description":"`), []byte(`"description":"\ud83d\ude00`), 1)
	if bytes.Equal(slow, js) {
		t.Fatal("the synthetic incident has no description")
	}
	data := func(s string) uintptr { return uintptr(unsafe.Pointer(unsafe.StringData(s))) }
	for name, decode := range map[string]func(*geo.Incident) (input []byte, err error){
		"stored":       func(d *geo.Incident) ([]byte, error) { return stored, d.UnmarshalBinary(stored) },
		"GeoJSON":      func(d *geo.Incident) ([]byte, error) { return js, d.UnmarshalJSON(js) },
		"GeoJSON-slow": func(d *geo.Incident) ([]byte, error) { return slow, d.UnmarshalJSON(slow) },
	} {
		var a, b geo.Incident
		input, err := decode(&a)
		if err == nil {
			_, err = decode(&b)
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if a.Type != geo.Battles || a.Status != geo.Confirmed || a.Actors[0].Role != geo.RoleTarget || a.Actors[1].Role != "not-a-role" {
			t.Fatalf("%s: decoded %+v", name, a)
		}
		lo, hi := data(string(input)), data(string(input))+uintptr(len(input))
		for _, s := range []string{string(a.Type), string(a.Status), string(a.DatePrecision), string(a.Actors[0].Role), string(a.Actors[1].Role)} {
			if p := data(s); p >= lo && p < hi {
				t.Errorf("%s: %q points into the decoded text", name, s)
			}
		}
		if data(string(a.Type)) != data(string(b.Type)) || data(string(a.Actors[0].Role)) != data(string(b.Actors[0].Role)) {
			t.Errorf("%s: two decodings hold two copies of a vocabulary value", name)
		}
		if data(string(a.Actors[1].Role)) == data(string(b.Actors[1].Role)) {
			t.Errorf("%s: a value outside the vocabulary is shared", name)
		}
	}
}
