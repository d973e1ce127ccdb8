package store_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
	"github.com/frontline-maps/frontline/store/gpkg"
	"github.com/paulmach/orb"
)

// TestImportChunksMatchOneByOne: a batch looked up a few records at a time
// (Write.Import's chunks, made small here) stores what the same records
// imported one per batch store, on random batches whose IDs and origins
// repeat within chunks and across them and meet stored, updated and deleted
// records: the same counts, the same current records, the same history.
func TestImportChunksMatchOneByOne(t *testing.T) {
	defer store.SetImportChunk(7)()
	for seed := range uint64(3) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 2026))
			prior := make([]store.Record, 20)
			for i := range prior {
				prior[i] = randomIncident(r, fmt.Sprint("r-", i), i%2 == 0)
			}
			var batch []store.Record
			for range 150 {
				batch = append(batch, randomIncident(r, fmt.Sprint("r-", r.IntN(40)), r.IntN(5) < 3))
			}
			chunked, oneByOne := openWithPrior(t, prior), openWithPrior(t, prior)
			got, err := chunked.ImportBatch(t.Context(), batch, "importer")
			if err != nil {
				t.Fatal(err)
			}
			var want store.ImportResult
			for _, rec := range batch {
				res, err := oneByOne.ImportBatch(t.Context(), []store.Record{rec}, "importer")
				if err != nil {
					t.Fatal(err)
				}
				want.Created, want.Updated = want.Created+res.Created, want.Updated+res.Updated
				want.Unchanged, want.Skipped = want.Unchanged+res.Unchanged, want.Skipped+res.Skipped
			}
			got.DatasetVersion = 0
			if got != want {
				t.Errorf("one batch: %+v; one record a batch: %+v", got, want)
			}
			if g, w := stored(t, chunked), stored(t, oneByOne); !slices.Equal(g, w) {
				t.Errorf("one batch stored\n%s\none record a batch stored\n%s", g, w)
			}
		})
	}
}

// randomIncident is an incident with ID id, a place of three, and, when
// withOrigin, one of 40 UCDP origins.
func randomIncident(r *rand.Rand, id string, withOrigin bool) geo.Incident {
	in := geo.Incident{
		ID: geo.IncidentID(id), Date: geo.DateOf(2026, 1, 19), DateEnd: geo.DateOf(2026, 1, 19), DatePrecision: geo.PrecisionDay,
		Type: geo.StrategicDevelopments, Actors: []geo.IncidentActor{{Name: "Unidentified armed group", Role: geo.RolePerpetrator}},
		Location: orb.Point{40.5, 36.1}, Place: []string{"a", "b", "c"}[r.IntN(3)], Status: geo.Reported,
		Sources: []geo.Source{{Publisher: "UCDP", URL: "https://ucdp.uu.se/", Published: geo.DateOf(2026, 1, 20)}},
	}
	if withOrigin {
		in.Origin = geo.Origin{Dataset: "ucdp", ID: fmt.Sprint(r.IntN(40))}
	}
	return in
}

// openWithPrior opens a new store holding prior, imported one at a time,
// with every third of them deleted.
func openWithPrior(t *testing.T, prior []store.Record) *gpkg.Store {
	t.Helper()
	s, err := gpkg.Open(t.Context(), filepath.Join(t.TempDir(), "s.gpkg"), gpkg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for i, rec := range prior {
		res, err := s.ImportBatch(t.Context(), []store.Record{rec}, "prior")
		if err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 && res.Created == 1 {
			if _, err := s.Delete(t.Context(), store.KindIncident, store.IDOf(rec), 1, "prior"); err != nil {
				t.Fatal(err)
			}
		}
	}
	return s
}

// stored lists every version s holds, by kind, ID and number, with its
// record.
func stored(t *testing.T, s *gpkg.Store) []string {
	t.Helper()
	var out []string
	err := s.EachVersion(t.Context(), func(v store.Version) error {
		b, err := json.Marshal(v.Record)
		out = append(out, fmt.Sprintf("%s %s %d deleted=%t %s", v.Kind, v.ID, v.Number, v.Deleted, b))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}
