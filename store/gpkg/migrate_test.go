package gpkg

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/frontline-maps/frontline/store"
)

// downgrade turns the store file at path into format 0, as Frontline
// wrote it before geo's stored form: no frontline_store table and every
// record column holding the record's GeoJSON as text.
func downgrade(t *testing.T, path string) {
	t.Helper()
	db := rawDB(t, path)
	defer db.Close()
	convert := func(table, kindColumn string, kindOf func(string) store.Kind) {
		rows, err := db.Query("SELECT fid, " + kindColumn + ", record FROM " + table + " WHERE record IS NOT NULL")
		if err != nil {
			t.Fatal(err)
		}
		type row struct {
			fid  int64
			text string
		}
		var out []row
		for rows.Next() {
			var (
				fid  int64
				kind string
				b    []byte
			)
			if err := rows.Scan(&fid, &kind, &b); err != nil {
				t.Fatal(err)
			}
			rec, err := store.Decode(kindOf(kind), b)
			if err != nil {
				t.Fatal(err)
			}
			j, err := json.Marshal(rec)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, row{fid, string(j)})
		}
		rows.Close()
		for _, r := range out {
			if _, err := db.Exec("UPDATE "+table+" SET record = ? WHERE fid = ?", r.text, r.fid); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, sp := range store.Tables {
		kind := sp.Kind
		convert(sp.Name, "''", func(string) store.Kind { return kind })
	}
	convert("versions", "kind", func(k string) store.Kind { return store.Kind(k) })
	for _, s := range []string{"DROP TABLE frontline_store", "DELETE FROM gpkg_contents WHERE table_name = 'frontline_store'"} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMigrateFormat0 opens a store of format 0: Open converts every record
// column, the records and their history read back the same, re-importing
// them changes nothing, and the store has an id from then on, kept across
// reopening.
func TestMigrateFormat0(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.gpkg")
	s, err := Open(t.Context(), path, Options{Seed: seedOf(testDataset())})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete(t.Context(), store.KindIncident, "ucdp-2", 1, "alice"); err != nil {
		t.Fatal(err)
	}
	want, wantVersion, err := s.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	wantHistory, err := s.History(t.Context(), store.KindIncident, "ucdp-2")
	if err != nil {
		t.Fatal(err)
	}
	oldID := s.ID()
	s.Close()
	downgrade(t, path)

	s, err = Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatalf("opening a format 0 store: %v", err)
	}
	defer s.Close()
	if s.ID() == "" || s.ID() == oldID {
		t.Errorf("migrated store id %q (before the downgrade %q): want a new one", s.ID(), oldID)
	}
	got, gotVersion, err := s.Load(t.Context())
	if err != nil || gotVersion != wantVersion || mustJSON(t, got) != mustJSON(t, want) {
		t.Fatalf("after migration Load = version %d, %v; want version %d and the same records", gotVersion, err, wantVersion)
	}
	history, err := s.History(t.Context(), store.KindIncident, "ucdp-2")
	if err != nil || mustJSON(t, history) != mustJSON(t, wantHistory) {
		t.Errorf("history after migration differs (%v):\n%s\n%s", err, mustJSON(t, history), mustJSON(t, wantHistory))
	}
	for _, table := range []string{"incidents", "zones", "actors", "versions"} {
		var b []byte
		if err := s.r.QueryRow("SELECT record FROM " + table + " WHERE record IS NOT NULL LIMIT 1").Scan(&b); err != nil || len(b) == 0 || b[0] != 1 {
			t.Errorf("%s: a record is still %.20q (%v), want the stored form", table, b, err)
		}
	}
	res, err := s.ImportBatch(t.Context(), store.Records(want), "bob")
	if err != nil || res.Created+res.Updated != 0 {
		t.Errorf("re-importing the same records after migration: %+v, %v; want nothing changed", res, err)
	}
	id := s.ID()
	s.Close()
	s, err = Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.ID() != id {
		t.Errorf("store id changed on reopening: %q, then %q", id, s.ID())
	}
	if len(s.ID()) != 32 {
		t.Errorf("store id %q is not 32 hex digits", s.ID())
	}
}
