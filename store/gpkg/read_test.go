package gpkg

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
)

func TestSeedAndLoad(t *testing.T) {
	seed := testDataset()
	s, path := openTest(t, Options{Seed: seedOf(seed)})
	ds, v, err := s.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if v != 1 {
		t.Errorf("dataset version after the seed = %d, want 1 (one transaction)", v)
	}
	want := testDataset()
	for i := range want.Zones {
		if err := want.Zones[i].Normalize(); err != nil {
			t.Fatal(err)
		}
	}
	for i := range want.Boundaries {
		a, err := geo.NormalizeArea(want.Boundaries[i].Area)
		if err != nil {
			t.Fatal(err)
		}
		want.Boundaries[i].Area = a
	}
	// Load orders each kind by ID.
	want.Zones[0], want.Zones[1] = want.Zones[1], want.Zones[0]
	if got, w := mustJSON(t, ds), mustJSON(t, want); got != w {
		t.Errorf("Load = %s\nwant %s", got, w)
	}
	if n := count(t, s, "SELECT count(*) FROM audit WHERE action = 'import' AND who = ?", SeedAuthor); n != len(store.Records(seed)) {
		t.Errorf("%d audit rows for the seed, want %d", n, len(store.Records(seed)))
	}

	// Reopening with a seed does not seed again, nor read the seed.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(t.Context(), path, Options{Seed: func() (*geo.Dataset, error) {
		t.Error("the seed was read for a store with history")
		return seed, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if v, err := s2.DatasetVersion(t.Context()); err != nil || v != 1 {
		t.Errorf("dataset version after reopening = %d, %v; want 1", v, err)
	}
}

func TestSeedInvalid(t *testing.T) {
	seed := testDataset()
	seed.Sites[0].Location[0] = 200
	_, err := Open(t.Context(), t.TempDir()+"/x.gpkg", Options{Seed: seedOf(seed)})
	var be *store.BatchError
	var ve *geo.ValidationError
	if !errors.As(err, &be) || be.Kind != store.KindSite || !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a *BatchError for the site", err)
	}
}

func TestSeedError(t *testing.T) {
	path := t.TempDir() + "/x.gpkg"
	boom := errors.New("boom")
	if _, err := Open(t.Context(), path, Options{Seed: func() (*geo.Dataset, error) { return nil, boom }}); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the seed's error", err)
	}
	s, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.DatasetVersion(t.Context()); err != nil || v != 0 {
		t.Errorf("dataset version after a failed seed = %d, %v; want 0", v, err)
	}
}

func TestOpenAwkwardPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a b#c?d%20e")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "x.gpkg")
	s, err := Open(t.Context(), path, Options{Seed: seedOf(testDataset())})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the store is not at %s: %v", path, err)
	}
}

func TestOpenRejectsOtherFiles(t *testing.T) {
	path := t.TempDir() + "/other.sqlite"
	db := rawDB(t, path)
	if _, err := db.Exec("CREATE TABLE t (x)"); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(t.Context(), path, Options{}); err == nil {
		t.Error("Open accepted a SQLite file that is not a GeoPackage")
	}
}

// TestHistoryAsOfRestore walks one zone through create, replace, delete and
// restore, checking History, AsOf at every point in between, and Changes.
func TestHistoryAsOfRestore(t *testing.T) {
	s, _ := openTest(t, Options{})
	c := t.Context()
	before := tick()
	v1, err := s.Create(c, testZone("z"), "alice")
	if err != nil {
		t.Fatal(err)
	}
	t1 := tick()
	z := testZone("z")
	z.Name = "second"
	if _, err := s.Replace(c, z, 1, "bob"); err != nil {
		t.Fatal(err)
	}
	t2 := tick()
	if _, err := s.Delete(c, store.KindZone, "z", 2, "carol"); err != nil {
		t.Fatal(err)
	}
	t3 := tick()

	asOf := []struct {
		at      time.Time
		name    string // "" when the zone did not exist
		version int64
	}{
		{before, "", 0},
		{v1.ValidFrom, "Zone z", 1}, // a version is in effect from its own time
		{t1, "Zone z", 1},
		{t2, "second", 2},
		{t3, "", 3},
	}
	for _, tc := range asOf {
		ds, v, err := s.AsOf(c, tc.at)
		if err != nil {
			t.Fatal(err)
		}
		name := ""
		if len(ds.Zones) == 1 {
			name = ds.Zones[0].Name
		}
		if name != tc.name || len(ds.Zones) > 1 || v != tc.version {
			t.Errorf("AsOf(%s) = zones %v, version %d; want %q, %d", tc.at, ds.Zones, v, tc.name, tc.version)
		}
		if got, err := s.VersionAt(c, tc.at); err != nil || got != v {
			t.Errorf("VersionAt(%s) = %d, %v; want AsOf's version %d", tc.at, got, err, v)
		}
	}

	if _, err := s.Restore(c, store.KindZone, "z", 3, "dave"); err == nil {
		t.Error("restoring a tombstone succeeded")
	}
	if _, err := s.Restore(c, store.KindZone, "z", 9, "dave"); !errors.Is(err, geo.ErrNotFound) {
		t.Errorf("restoring a missing version: err = %v", err)
	}
	if _, err := s.Restore(c, store.KindZone, "nope", 1, "dave"); !errors.Is(err, geo.ErrNotFound) {
		t.Errorf("restoring a missing record: err = %v", err)
	}
	r, err := s.Restore(c, store.KindZone, "z", 1, "dave")
	if err != nil {
		t.Fatal(err)
	}
	if r.Number != 4 || r.Record.(geo.Zone).Name != "Zone z" {
		t.Errorf("Restore = %+v", r)
	}
	cur, err := s.Get(c, store.KindZone, "z")
	if err != nil || cur.Number != 4 || cur.Author != "dave" {
		t.Errorf("Get after Restore = %+v, %v", cur, err)
	}

	h, err := s.History(c, store.KindZone, "z")
	if err != nil {
		t.Fatal(err)
	}
	wantAuthors := []string{"alice", "bob", "carol", "dave"}
	if len(h) != len(wantAuthors) {
		t.Fatalf("History has %d versions, want %d", len(h), len(wantAuthors))
	}
	for i, v := range h {
		if v.Number != int64(i+1) || v.Author != wantAuthors[i] || v.Deleted != (i == 2) || v.DatasetVersion != int64(i+1) {
			t.Errorf("History[%d] = %+v", i, v)
		}
		if i > 0 && !v.ValidFrom.After(h[i-1].ValidFrom) {
			t.Errorf("History[%d] is not later than the version before", i)
		}
	}
	if _, err := s.History(c, store.KindZone, "nope"); !errors.Is(err, geo.ErrNotFound) {
		t.Errorf("History of a missing record: err = %v", err)
	}

	audit, err := s.Audit(c, store.KindZone, "z")
	if err != nil {
		t.Fatal(err)
	}
	wantActions := []string{store.ActionCreate, store.ActionReplace, store.ActionDelete, store.ActionRestore}
	if len(audit) != len(wantActions) {
		t.Fatalf("%d audit entries, want %d", len(audit), len(wantActions))
	}
	for i, e := range audit {
		if e.Action != wantActions[i] || e.Who != wantAuthors[i] || e.Before != int64(i) || e.After != int64(i+1) {
			t.Errorf("audit[%d] = %+v", i, e)
		}
	}

	if _, err := s.Create(c, testSite("s-audit"), "erin"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		f    store.AuditFilter
		want []string // "kind/id/action", newest first
	}{
		{"everything", store.AuditFilter{}, []string{"site/s-audit/create", "zone/z/restore", "zone/z/delete", "zone/z/replace", "zone/z/create"}},
		{"one kind", store.AuditFilter{Kind: store.KindSite}, []string{"site/s-audit/create"}},
		{"one record, newest two", store.AuditFilter{Kind: store.KindZone, ID: "z", Limit: 2}, []string{"zone/z/restore", "zone/z/delete"}},
	} {
		log, err := s.AuditLog(c, tt.f)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range log {
			got = append(got, string(e.Kind)+"/"+e.ID+"/"+e.Action)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("AuditLog %s = %v, want %v", tt.name, got, tt.want)
		}
	}

	ch, err := s.Changes(c, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch) != 3 || !ch[0].Deleted || ch[1].Number != 4 {
		t.Errorf("Changes(2) = %+v", ch)
	}
	if ch, err := s.Changes(c, 5); err != nil || len(ch) != 0 {
		t.Errorf("Changes(5) = %+v, %v", ch, err)
	}
}

func TestChangesGroupTransactions(t *testing.T) {
	s, _ := openTest(t, Options{Seed: seedOf(testDataset())})
	if _, err := s.Create(t.Context(), testSite("late"), "alice"); err != nil {
		t.Fatal(err)
	}
	all, err := s.Changes(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	n := len(store.Records(testDataset()))
	if len(all) != n+1 || all[n-1].DatasetVersion != 1 || all[n].DatasetVersion != 2 || all[n].ID != "late" {
		t.Errorf("Changes(0): %d versions, want %d in two transactions", len(all), n+1)
	}
}

// TestStateAtOracle makes random writes, then checks for every dataset
// version v and several starting points since <= v that the current
// records with StateAt(v, since) applied are what AsOf gives at v's time,
// and so is DatasetAt(v), and that ChangedSince counts StateAt's records.
func TestStateAtOracle(t *testing.T) {
	s, _ := openTest(t, Options{})
	ctx := t.Context()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(7, seed))
	type point struct {
		version int64
		at      time.Time
	}
	var points []point
	for i := range 40 {
		id := fmt.Sprintf("r%d", rng.IntN(8))
		var v store.Version
		var err error
		switch cur, gerr := s.Get(ctx, store.KindIncident, id); {
		case gerr != nil:
			v, err = s.Create(ctx, testIncident(id, 40+float64(i)/100, 36), "alice")
		case rng.IntN(3) == 0:
			v, err = s.Delete(ctx, store.KindIncident, id, cur.Number, "bob")
		default:
			in := testIncident(id, 41, 36)
			in.Description = fmt.Sprint("edit ", i)
			v, err = s.Replace(ctx, in, cur.Number, "bob")
		}
		if err != nil {
			t.Fatal(err)
		}
		points = append(points, point{v.DatasetVersion, v.ValidFrom})
	}
	cur, now, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range points {
		want, _, err := s.AsOf(ctx, p.at)
		if err != nil {
			t.Fatal(err)
		}
		if byVersion, err := s.DatasetAt(ctx, p.version); err != nil || mustJSON(t, byVersion) != mustJSON(t, want) {
			t.Fatalf("DatasetAt(%d) differs from AsOf at its time (%v)", p.version, err)
		}
		for _, since := range []int64{p.version, max(0, p.version-5), 0} {
			changes, err := s.StateAt(ctx, p.version, since)
			if err != nil {
				t.Fatal(err)
			}
			if n, err := s.ChangedSince(ctx, since); err != nil || n != len(changes) {
				t.Fatalf("ChangedSince(%d) = %d, %v; StateAt has %d records", since, n, err, len(changes))
			}
			got := map[string]string{}
			for _, in := range cur.Incidents {
				got[string(in.ID)] = mustJSON(t, in)
			}
			for _, c := range changes {
				if c.Kind != store.KindIncident {
					continue
				}
				delete(got, c.ID)
				if !c.Deleted {
					got[c.ID] = mustJSON(t, c.Record)
				}
			}
			wantMap := map[string]string{}
			for _, in := range want.Incidents {
				wantMap[string(in.ID)] = mustJSON(t, in)
			}
			if !maps.Equal(got, wantMap) {
				t.Fatalf("state at %d from %d (now %d): %d records, AsOf has %d", p.version, since, now, len(got), len(wantMap))
			}
		}
	}
}
