package gpkg

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
	"github.com/paulmach/orb"
)

// nothingStored checks that the store has no versions, no audit rows and no
// current records.
func nothingStored(t *testing.T, s *Store) {
	t.Helper()
	for _, table := range []string{"versions", "audit", "actors", "zones", "incidents", "sites", "boundaries", "statistics"} {
		want := 0
		if table == "actors" {
			want = len(fixtureActors) // openTest's
		}
		if n := count(t, s, "SELECT count(*) FROM "+table); n != want {
			t.Errorf("%s has %d rows, want %d", table, n, want)
		}
	}
}

func TestCreate(t *testing.T) {
	openZone := testZone("bad-ring")
	openZone.Area = orb.Polygon{{{40, 36}, {40, 37}, {41, 37}, {41, 36}}}
	nanIncident := testIncident("nan", 40, 36)
	nanIncident.Location[1] = 91
	unknownZone := testZone("nobody")
	unknownZone.Actor = "nobody"
	unknownIncident := testIncident("nobody", 40, 36)
	unknownIncident.Actors = append(unknownIncident.Actors, geo.IncidentActor{Actor: "nobody", Role: geo.RoleTarget}, geo.IncidentActor{Name: "Unmatched name", Role: geo.RoleOther})
	noSource := testSite("no-source")
	noSource.Sources = nil
	tests := []struct {
		name   string
		rec    store.Record
		author string
		field  string // the *geo.ValidationError's field, when one is expected
		err    string // a substring of any other expected error
	}{
		{name: "actor", rec: testActor("sdf"), author: "alice"},
		{name: "zone", rec: testZone("sdf-2026"), author: "alice"},
		{name: "circle zone", rec: testCircle("al-tanf"), author: "alice"},
		{name: "incident", rec: testUCDP(7), author: "alice"},
		{name: "site", rec: testSite("prison"), author: "alice"},
		{name: "boundary", rec: testDataset().Boundaries[0], author: "alice"},
		{name: "statistic", rec: testDataset().Statistics[0], author: "alice"},
		{name: "open ring", rec: openZone, author: "alice", field: "geometry.coordinates[0]"},
		{name: "zone of an unknown actor", rec: unknownZone, author: "alice", field: "actor"},
		{name: "incident of an unknown actor", rec: unknownIncident, author: "alice", field: "actors[1].actor"},
		{name: "latitude out of range", rec: nanIncident, author: "alice", field: "geometry"},
		{name: "no sources", rec: noSource, author: "alice", field: "sources"},
		{name: "bad actor id", rec: testActor("-x"), author: "alice", field: "id"},
		{name: "no author", rec: testActor("sdf"), author: " ", err: "needs an author"},
		{name: "pointer", rec: &geo.Actor{}, author: "alice", err: "cannot store"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := openTest(t, Options{})
			v, err := s.Create(t.Context(), tc.rec, tc.author)
			switch {
			case tc.field != "":
				var ve *geo.ValidationError
				if !errors.As(err, &ve) || ve.Field != tc.field {
					t.Fatalf("err = %v, want a validation error of %s", err, tc.field)
				}
				nothingStored(t, s)
				return
			case tc.err != "":
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				nothingStored(t, s)
				return
			case err != nil:
				t.Fatal(err)
			}
			if v.Number != 1 || v.DatasetVersion != 1 || v.Author != "alice" || v.Deleted {
				t.Errorf("version = %+v", v)
			}
			got, err := s.Get(t.Context(), v.Kind, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			if mustJSON(t, got.Record) != mustJSON(t, v.Record) || got.Number != 1 {
				t.Errorf("Get = %+v, want %+v", got, v)
			}
			if _, err := s.Create(t.Context(), tc.rec, "bob"); !errors.Is(err, geo.ErrConflict) {
				t.Errorf("second Create: err = %v, want geo.ErrConflict", err)
			}
			if n := count(t, s, "SELECT count(*) FROM audit WHERE action = 'create' AND who = 'alice' AND version_before IS NULL AND version_after = 1"); n != 1 {
				t.Errorf("%d audit rows, want 1", n)
			}
		})
	}
}

func TestCreateNormalizes(t *testing.T) {
	s, _ := openTest(t, Options{})
	z := testZone("cw")
	v, err := s.Create(t.Context(), z, "alice")
	if err != nil {
		t.Fatal(err)
	}
	ring := v.Record.(geo.Zone).Area.(orb.MultiPolygon)[0][0]
	if ring.Orientation() != orb.CCW {
		t.Error("stored exterior ring is not counter-clockwise")
	}
	ds, _, err := s.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := z.Normalize(); err != nil {
		t.Fatal(err)
	}
	if mustJSON(t, ds.Zones[0]) != mustJSON(t, z) {
		t.Errorf("loaded %s\nwant %s", mustJSON(t, ds.Zones[0]), mustJSON(t, z))
	}
}

func TestCreateDuplicateOrigin(t *testing.T) {
	s, _ := openTest(t, Options{})
	if _, err := s.Create(t.Context(), testUCDP(1), "alice"); err != nil {
		t.Fatal(err)
	}
	dup := testUCDP(1)
	dup.ID = "another-id"
	if _, err := s.Create(t.Context(), dup, "alice"); !errors.Is(err, geo.ErrConflict) {
		t.Fatalf("err = %v, want geo.ErrConflict", err)
	}
	if n := count(t, s, "SELECT count(*) FROM versions"); n != 1 {
		t.Errorf("%d versions, want 1", n)
	}
}

func TestReplace(t *testing.T) {
	bad := testZone("z")
	bad.Status = "owned"
	renamed := testZone("z")
	renamed.Name = "Renamed"
	tests := []struct {
		name     string
		rec      store.Record
		expected int64
		want     error // nil, geo.ErrNotFound or ErrPreconditionFailed
		field    string
	}{
		{name: "ok", rec: renamed, expected: 1},
		{name: "stale version", rec: renamed, expected: 2, want: store.ErrPreconditionFailed},
		{name: "zero version", rec: renamed, expected: 0, want: store.ErrPreconditionFailed},
		{name: "missing", rec: testZone("nope"), expected: 1, want: geo.ErrNotFound},
		{name: "invalid", rec: bad, expected: 1, field: "status"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := openTest(t, Options{})
			if _, err := s.Create(t.Context(), testZone("z"), "alice"); err != nil {
				t.Fatal(err)
			}
			v, err := s.Replace(t.Context(), tc.rec, tc.expected, "bob")
			var ve *geo.ValidationError
			switch {
			case tc.field != "":
				if !errors.As(err, &ve) || ve.Field != tc.field {
					t.Fatalf("err = %v, want a validation error of %s", err, tc.field)
				}
			case tc.want != nil:
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
			case err != nil:
				t.Fatal(err)
			}
			cur, err := s.Get(t.Context(), store.KindZone, "z")
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != nil || tc.field != "" {
				if cur.Number != 1 || count(t, s, "SELECT count(*) FROM versions") != 1 || count(t, s, "SELECT count(*) FROM audit") != 1 {
					t.Errorf("a failed Replace stored something: current %+v", cur)
				}
				return
			}
			if v.Number != 2 || cur.Number != 2 || cur.Record.(geo.Zone).Name != "Renamed" || cur.Author != "bob" {
				t.Errorf("after Replace: %+v", cur)
			}
			if n := count(t, s, "SELECT count(*) FROM audit WHERE action = 'replace' AND who = 'bob' AND version_before = 1 AND version_after = 2"); n != 1 {
				t.Errorf("%d audit rows for the replace, want 1", n)
			}
			if n := count(t, s, "SELECT count(*) FROM zones WHERE name = 'Renamed' AND version = 2"); n != 1 {
				t.Errorf("zones table not updated")
			}
		})
	}
}

func TestPatch(t *testing.T) {
	tests := []struct {
		name     string
		patch    string
		expected int64
		want     error
		field    string
		check    func(geo.Incident) bool
	}{
		{name: "properties", patch: `{"properties": {"fatalities_best": 3, "place": "Shaddadi town"}}`, expected: 1,
			check: func(in geo.Incident) bool {
				return in.Fatalities.Best == 3 && in.Place == "Shaddadi town" && in.Fatalities.High == 5
			}},
		{name: "geometry", patch: `{"geometry": {"type": "Point", "coordinates": [40.123456789012, 36.5]}}`, expected: 1,
			check: func(in geo.Incident) bool { return in.Location == orb.Point{40.123456789012, 36.5} }},
		{name: "null removes", patch: `{"properties": {"place": null}}`, expected: 1,
			check: func(in geo.Incident) bool { return in.Place == "" }},
		{name: "invalid value", patch: `{"properties": {"fatalities_best": 9}}`, expected: 1, field: "fatalities_high"},
		{name: "unknown property", patch: `{"properties": {"colour": "red"}}`, expected: 1, field: "properties.colour"},
		{name: "not an object", patch: `[1]`, expected: 1, field: "body"},
		{name: "malformed", patch: `{"properties": `, expected: 1, field: "body"},
		{name: "id change", patch: `{"id": "other"}`, expected: 1, field: "id"},
		{name: "stale", patch: `{}`, expected: 3, want: store.ErrPreconditionFailed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := openTest(t, Options{})
			if _, err := s.Create(t.Context(), testIncident("x", 40.6, 36.06), "alice"); err != nil {
				t.Fatal(err)
			}
			v, err := s.Patch(t.Context(), store.KindIncident, "x", []byte(tc.patch), tc.expected, "bob", nil)
			var ve *geo.ValidationError
			switch {
			case tc.field != "":
				if !errors.As(err, &ve) || ve.Field != tc.field {
					t.Fatalf("err = %v, want a validation error of %s", err, tc.field)
				}
			case tc.want != nil:
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
			case err != nil:
				t.Fatal(err)
			}
			if tc.check == nil {
				if n := count(t, s, "SELECT count(*) FROM versions"); n != 1 {
					t.Errorf("a failed Patch stored %d versions", n-1)
				}
				return
			}
			if !tc.check(v.Record.(geo.Incident)) {
				t.Errorf("patched record %s", mustJSON(t, v.Record))
			}
			cur, err := s.Get(t.Context(), store.KindIncident, "x")
			if err != nil || cur.Number != 2 || mustJSON(t, cur.Record) != mustJSON(t, v.Record) {
				t.Errorf("Get after Patch = %+v, %v", cur, err)
			}
			if n := count(t, s, "SELECT count(*) FROM audit WHERE action = 'update' AND version_before = 1 AND version_after = 2"); n != 1 {
				t.Errorf("%d audit rows for the update, want 1", n)
			}
		})
	}
}

func TestDelete(t *testing.T) {
	s, _ := openTest(t, Options{})
	if _, err := s.Create(t.Context(), testSite("p"), "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete(t.Context(), store.KindSite, "p", 2, "bob"); !errors.Is(err, store.ErrPreconditionFailed) {
		t.Fatalf("stale Delete: err = %v", err)
	}
	v, err := s.Delete(t.Context(), store.KindSite, "p", 1, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if !v.Deleted || v.Number != 2 || v.Record != nil {
		t.Errorf("tombstone = %+v", v)
	}
	if _, err := s.Get(t.Context(), store.KindSite, "p"); !errors.Is(err, geo.ErrNotFound) {
		t.Errorf("Get after Delete: err = %v", err)
	}
	if _, err := s.Delete(t.Context(), store.KindSite, "p", 2, "bob"); !errors.Is(err, geo.ErrNotFound) {
		t.Errorf("second Delete: err = %v", err)
	}
	if _, err := s.Replace(t.Context(), testSite("p"), 2, "bob"); !errors.Is(err, geo.ErrNotFound) {
		t.Errorf("Replace of a deleted record: err = %v", err)
	}
	if _, err := s.Delete(t.Context(), store.KindSite, "never", 1, "bob"); !errors.Is(err, geo.ErrNotFound) {
		t.Errorf("Delete of a missing record: err = %v", err)
	}
	if _, err := s.Delete(t.Context(), "planet", "p", 1, "bob"); err == nil {
		t.Error("Delete of an unknown kind succeeded")
	}
	if n := count(t, s, "SELECT count(*) FROM sites"); n != 0 {
		t.Errorf("sites has %d rows after Delete", n)
	}
	h, err := s.History(t.Context(), store.KindSite, "p")
	if err != nil || len(h) != 2 || h[0].Record == nil || !h[1].Deleted {
		t.Fatalf("History = %+v, %v", h, err)
	}
	// The ID of a deleted record can be used again, continuing its history.
	v, err = s.Create(t.Context(), testSite("p"), "carol")
	if err != nil || v.Number != 3 {
		t.Fatalf("Create after Delete = %+v, %v", v, err)
	}
	if n := count(t, s, "SELECT count(*) FROM audit WHERE action = 'delete' AND version_before = 1 AND version_after = 2"); n != 1 {
		t.Errorf("%d audit rows for the delete, want 1", n)
	}
}

// TestReplaceRace runs two editors replacing the same record with the same
// expected version, many times: each time exactly one wins.
func TestReplaceRace(t *testing.T) {
	s, _ := openTest(t, Options{})
	if _, err := s.Create(t.Context(), testZone("z"), "alice"); err != nil {
		t.Fatal(err)
	}
	const rounds = 20
	for round := int64(1); round <= rounds; round++ {
		var (
			wg   sync.WaitGroup
			errs [2]error
		)
		for i, author := range []string{"alice", "bob"} {
			wg.Go(func() {
				z := testZone("z")
				z.Name = author
				_, errs[i] = s.Replace(t.Context(), z, round, author)
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrPreconditionFailed):
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d replaces won, want 1 (%v)", round, won, errs)
		}
	}
	v, err := s.Get(t.Context(), store.KindZone, "z")
	if err != nil || v.Number != rounds+1 {
		t.Fatalf("Get = %+v, %v; want version %d", v, err, rounds+1)
	}
}

func TestWritesDoNotBlockReaders(t *testing.T) {
	s, _ := openTest(t, Options{Seed: seedOf(testDataset())})
	// Hold the write transaction open while a reader loads.
	loaded := make(chan error)
	err := s.write(t.Context(), "alice", func(*store.Write, *writeTx) error {
		go func() {
			_, _, err := s.Load(t.Context())
			loaded <- err
		}()
		return <-loaded
	})
	if err != nil {
		t.Fatal(err)
	}
}
