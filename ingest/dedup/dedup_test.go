package dedup_test

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/ingest"
	"github.com/frontline-maps/frontline/ingest/dedup"
)

// readIncidents imports a file of the format with the curated actors.
func readIncidents(t *testing.T, format ingest.Format, path, release string) []*geo.Incident {
	t.Helper()
	b, err := os.ReadFile("../../data/actors.json")
	if err != nil {
		t.Fatal(err)
	}
	var actors []geo.Actor
	if err := json.Unmarshal(b, &actors); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []*geo.Incident
	rep, err := ingest.Read(context.Background(), format, f, ingest.Options{Actors: actors, Release: release}, func(r ingest.Record) error {
		out = append(out, r.Incident)
		return nil
	})
	if err != nil || rep.Rejected > 0 {
		t.Fatalf("%s: %v, %+v", path, err, rep)
	}
	return out
}

// TestHandCheckedPairs runs the matcher on the real UCDP GED 23.1 sample
// and a SYNTHETIC ACLED file whose rows mirror eight of its events and
// imitate seven others without being them (testdata/pairs.csv says which,
// and why). Every true pair must be found, no false pair, and no pair that
// the set does not list; precision and recall are logged.
func TestHandCheckedPairs(t *testing.T) {
	ucdp := readIncidents(t, ingest.UCDP, "../testdata/ucdp-ged-23.1-syria-sample.csv", "23.1")
	acled := readIncidents(t, ingest.ACLED, "testdata/acled-synthetic-overlap.csv", "")

	f, err := os.Open("testdata/pairs.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	truth := map[[2]geo.IncidentID]bool{}
	for _, r := range rows[1:] {
		truth[key("acled-"+r[0], "ucdp-"+r[1])] = r[2] == "true"
	}

	found := map[[2]geo.IncidentID]dedup.Pair{}
	for _, p := range dedup.Between(acled, ucdp) {
		found[key(string(p.A), string(p.B))] = p
	}
	var tp, fp, fn int
	for k, dup := range truth {
		p, ok := found[k]
		switch {
		case dup && ok:
			tp++
			t.Logf("found %s – %s, score %.3f: %v", k[0], k[1], p.Score, p.Reasons)
		case dup:
			fn++
			t.Errorf("missed the duplicate %s – %s", k[0], k[1])
		case ok:
			fp++
			t.Errorf("paired %s – %s, which are different events: %v", k[0], k[1], p.Reasons)
		}
	}
	for k, p := range found {
		if _, listed := truth[k]; !listed {
			fp++
			t.Errorf("paired %s – %s, which the set does not list: %v", k[0], k[1], p.Reasons)
		}
	}
	precision := float64(tp) / float64(max(1, tp+fp))
	recall := float64(tp) / float64(max(1, tp+fn))
	t.Logf("hand-checked set: %d true pairs, %d false; precision %.2f, recall %.2f", tp+fn, len(truth)-tp-fn, precision, recall)
}

func key(a, b string) [2]geo.IncidentID {
	if b < a {
		a, b = b, a
	}
	return [2]geo.IncidentID{geo.IncidentID(a), geo.IncidentID(b)}
}

// TestFindOracle compares Find with a brute-force Compare of every pair on
// random incidents of three datasets crowded into a small area and a few
// weeks, so that many pairs pass some tests and fail others.
func TestFindOracle(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 6))
	types := []geo.EventType{geo.Battles, geo.RemoteViolence, geo.ViolenceAgainstCivils, geo.Protests}
	actors := []geo.ActorID{"", "a", "b", "c"}
	for round := range 20 {
		incs := make([]*geo.Incident, 200)
		for i := range incs {
			d := geo.DateOf(2020, 1, 1) + geo.Day(r.IntN(30))
			low := r.IntN(5)
			in := geo.Incident{
				ID:              geo.IncidentID(fmt.Sprintf("i%d-%03d", round, i)),
				Date:            d,
				DateEnd:         d + geo.Day(r.IntN(3)*r.IntN(4)),
				Location:        orb.Point{38 + r.Float64()*0.3, 35 + r.Float64()*0.3},
				PrecisionMeters: float64(r.IntN(3) * 2000),
				Type:            types[r.IntN(len(types))],
				Fatalities:      geo.Fatalities{Low: low, Best: low + r.IntN(2), High: low + r.IntN(3) + 1},
				Origin:          geo.Origin{Dataset: []string{"ucdp", "acled", ""}[r.IntN(3)], ID: strconv.Itoa(i)},
			}
			in.Fatalities.Best = min(in.Fatalities.Best, in.Fatalities.High)
			for range r.IntN(3) {
				in.Actors = append(in.Actors, geo.IncidentActor{Actor: actors[r.IntN(len(actors))], Name: "n"})
			}
			incs[i] = &in
		}
		var want []dedup.Pair
		for i := range incs {
			for j := i + 1; j < len(incs); j++ {
				if p, ok := dedup.Compare(incs[i], incs[j]); ok {
					want = append(want, p)
				}
			}
		}
		got := dedup.Find(incs)
		sortPairs(want)
		sortPairs(got)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: Find gave %d pairs, brute force %d", round, len(got), len(want))
		}
		if round == 0 && len(want) == 0 {
			t.Fatal("the random data makes no pairs; the oracle tests nothing")
		}
	}
}

func sortPairs(ps []dedup.Pair) {
	slices.SortFunc(ps, func(p, q dedup.Pair) int { return cmp.Or(cmp.Compare(p.A, q.A), cmp.Compare(p.B, q.B)) })
}

// TestMergeFold: a merge keeps both origins and every source; folding a
// new version of either record into the merged one is idempotent and
// loses nothing.
func TestMergeFold(t *testing.T) {
	src := func(p string) geo.Source {
		return geo.Source{Publisher: p, Title: "t", URL: "https://example.org/" + p}
	}
	u := geo.Incident{ID: "ucdp-1", Origin: geo.Origin{Dataset: "ucdp", ID: "1"}, Sources: []geo.Source{src("UCDP GED 23.1"), src("SOHR")}, Place: "Morek"}
	a := geo.Incident{ID: "acled-SYR1", Origin: geo.Origin{Dataset: "acled", ID: "SYR1"}, Sources: []geo.Source{src("ACLED"), src("SOHR")}, Place: "Murak"}
	m := dedup.Merge(u, a)
	if m.ID != u.ID || m.Place != "Morek" || !reflect.DeepEqual(m.MergedOrigins, []geo.Origin{a.Origin}) {
		t.Fatalf("Merge = %+v", m)
	}
	if want := []geo.Source{src("UCDP GED 23.1"), src("SOHR"), src("ACLED")}; !reflect.DeepEqual(m.Sources, want) {
		t.Errorf("merged sources %v, want %v", m.Sources, want)
	}
	if again := dedup.Merge(m, a); !reflect.DeepEqual(again, m) {
		t.Errorf("merging twice changed the record: %+v", again)
	}

	// A new UCDP release of the kept record: its fields, every source.
	u2 := u
	u2.Place, u2.Sources = "Morek town", []geo.Source{src("UCDP GED 24.1"), src("SOHR")}
	f1 := dedup.Fold(m, u2)
	if f1.Place != "Morek town" || f1.ID != m.ID || !reflect.DeepEqual(f1.MergedOrigins, m.MergedOrigins) {
		t.Errorf("Fold(kept) = %+v", f1)
	}
	if want := []geo.Source{src("UCDP GED 24.1"), src("SOHR"), src("UCDP GED 23.1"), src("ACLED")}; !reflect.DeepEqual(f1.Sources, want) {
		t.Errorf("folded sources %v, want %v", f1.Sources, want)
	}
	if f2 := dedup.Fold(f1, u2); !reflect.DeepEqual(f2, f1) {
		t.Errorf("folding twice changed the record")
	}
	// A new version of the merged-in ACLED row adds its sources only.
	a2 := a
	a2.Sources = append(a2.Sources, src("Enab Baladi"))
	g1 := dedup.Fold(f1, a2)
	if g1.Place != f1.Place || len(g1.Sources) != len(f1.Sources)+1 {
		t.Errorf("Fold(merged-in) = %+v", g1)
	}
	if g2 := dedup.Fold(g1, a2); !reflect.DeepEqual(g2, g1) {
		t.Errorf("folding the merged-in row twice changed the record")
	}
}
