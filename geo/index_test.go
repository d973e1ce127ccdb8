package geo_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
)

func TestIndexUpdates(t *testing.T) {
	ix, err := geo.NewIndex(&geo.Dataset{Incidents: namedIncidents(map[string]orb.Point{"a": {40, 35}}, geo.DateOf(2025, 1, 1))})
	if err != nil {
		t.Fatal(err)
	}
	before := ix.Snapshot()
	b := namedIncidents(map[string]orb.Point{"b": {41, 36}}, geo.DateOf(2025, 1, 2))[0]
	var ve *geo.ValidationError
	tests := []struct {
		name   string
		fn     func(tx *geo.Tx) error
		target error // nil: want a *ValidationError
	}{
		{"insert existing", func(tx *geo.Tx) error {
			a := b
			a.ID = "a"
			return tx.InsertIncident(a)
		}, geo.ErrConflict},
		{"replace missing", func(tx *geo.Tx) error { return tx.ReplaceIncident(b) }, geo.ErrNotFound},
		{"delete missing", func(tx *geo.Tx) error { return tx.DeleteIncident("b") }, geo.ErrNotFound},
		{"delete missing zone", func(tx *geo.Tx) error { return tx.DeleteZone("z") }, geo.ErrNotFound},
		{"replace missing site", func(tx *geo.Tx) error {
			return tx.ReplaceSite(geo.Site{ID: "s", Name: "s", Kind: geo.SiteBase, Location: tanfBase, Sources: testSource})
		}, geo.ErrNotFound},
		{"invalid incident", func(tx *geo.Tx) error {
			bad := b
			bad.Location = orb.Point{40, 95}
			return tx.InsertIncident(bad)
		}, nil},
		{"invalid zone", func(tx *geo.Tx) error {
			return tx.InsertZone(geo.Zone{ID: "z", Actor: "sdf", Status: geo.StatusControl, Area: orb.Polygon{{{40, 35}, {41, 35}, {40, 35}}}, Valid: geo.Always, Sources: testSource})
		}, nil},
		{"rolled back after a good change", func(tx *geo.Tx) error {
			if err := tx.InsertIncident(b); err != nil {
				return err
			}
			return tx.DeleteIncident("nope")
		}, geo.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ix.Update(tt.fn)
			if tt.target != nil && !errors.Is(err, tt.target) || tt.target == nil && !errors.As(err, &ve) {
				t.Fatalf("err = %v, want %v", err, tt.target)
			}
			if ix.Snapshot() != before {
				t.Fatal("a failed update published a snapshot")
			}
		})
	}

	if err := ix.Update(func(tx *geo.Tx) error {
		if err := tx.InsertIncident(b); err != nil {
			return err
		}
		moved := b
		moved.Location = orb.Point{39, 34}
		return tx.ReplaceIncident(moved)
	}); err != nil {
		t.Fatal(err)
	}
	after := ix.Snapshot()
	if after.Version() != before.Version()+1 {
		t.Errorf("version %d after %d", after.Version(), before.Version())
	}
	if _, err := before.Incident("b"); !errors.Is(err, geo.ErrNotFound) {
		t.Errorf("the old snapshot sees the new incident: %v", err)
	}
	if in, err := after.Incident("b"); err != nil || in.Location != (orb.Point{39, 34}) {
		t.Errorf("Incident(b) = %v, %v", in, err)
	}
	if n, _ := after.CountIncidents(geo.IncidentQuery{Where: geo.InBound(orb.Bound{Min: orb.Point{38.5, 33.5}, Max: orb.Point{39.5, 34.5}})}); n != 1 {
		t.Errorf("the replaced incident is found %d times at its new place", n)
	}
	if n, _ := after.CountIncidents(geo.IncidentQuery{Where: geo.InBound(orb.Bound{Min: orb.Point{40.5, 35.5}, Max: orb.Point{41.5, 36.5}})}); n != 0 {
		t.Errorf("the replaced incident is still found at its old place")
	}
}

func TestNewIndexRejects(t *testing.T) {
	dup := namedIncidents(map[string]orb.Point{"a": {40, 35}}, geo.DateOf(2025, 1, 1))
	dup = append(dup, dup[0])
	bad := namedIncidents(map[string]orb.Point{"a": {40, 35}}, geo.DateOf(2025, 1, 1))
	bad[0].DateEnd = bad[0].Date - 1
	zone := geo.Zone{ID: "z", Actor: "sdf", Status: geo.StatusControl, Area: orb.Polygon{squareRing(38, 33, 39, 34)}, Valid: geo.Always, Sources: testSource}
	tests := []struct {
		name  string
		ds    *geo.Dataset
		field string
	}{
		{"duplicate incident", &geo.Dataset{Incidents: dup}, "incidents[1].id"},
		{"invalid incident", &geo.Dataset{Incidents: bad}, "incidents[0].date_end"},
		{"duplicate zone", &geo.Dataset{Zones: []geo.Zone{zone, zone}}, "zones[1].id"},
		{"zone without sources", &geo.Dataset{Zones: []geo.Zone{{ID: "z", Actor: "sdf", Status: geo.StatusControl, Area: zone.Area, Valid: geo.Always}}}, "zones[0].sources"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := geo.NewIndex(tt.ds)
			var ve *geo.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field {
				t.Errorf("err = %v, want a *ValidationError on %q", err, tt.field)
			}
		})
	}
}

// TestIndexConcurrent runs writers and readers at once (meant for -race).
// Each update moves one incident from box A to box B and another from B to
// A, or deletes one from A and inserts one into A, so every snapshot holds
// exactly perBox incidents in each box: a reader that saw half an update
// would count otherwise.
func TestIndexConcurrent(t *testing.T) {
	const perBox = 200
	boxA := orb.Bound{Min: orb.Point{38, 33}, Max: orb.Point{39, 34}}
	boxB := orb.Bound{Min: orb.Point{41, 36}, Max: orb.Point{42, 37}}
	mk := func(id string, p orb.Point) geo.Incident {
		return namedIncidents(map[string]orb.Point{id: p}, geo.DateOf(2025, 1, 1))[0]
	}
	var incs []geo.Incident
	for i := range perBox {
		f := float64(i) / perBox
		incs = append(incs, mk(fmt.Sprintf("a%d", i), orb.Point{38 + f, 33 + f}), mk(fmt.Sprintf("b%d", i), orb.Point{41 + f, 36 + f}))
	}
	ix, err := geo.NewIndex(&geo.Dataset{Incidents: incs})
	if err != nil {
		t.Fatal(err)
	}
	inA := map[string]bool{}
	for i := range perBox {
		inA[fmt.Sprintf("a%d", i)] = true
		inA[fmt.Sprintf("b%d", i)] = false
	}

	var wg sync.WaitGroup
	done := make(chan struct{})
	errs := make(chan error, 8)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				s := ix.Snapshot()
				a, _ := s.CountIncidents(geo.IncidentQuery{Where: geo.InBound(boxA)})
				b, _ := s.CountIncidents(geo.IncidentQuery{Where: geo.InBound(boxB)})
				page, _ := s.Incidents(geo.IncidentQuery{Where: geo.InBound(boxA), Limit: 5})
				if a != perBox || b != perBox || page.Matched != perBox {
					errs <- fmt.Errorf("snapshot %d: %d in A, %d in B, %d matched", s.Version(), a, b, page.Matched)
					return
				}
				for _, in := range page.Incidents {
					if !boxA.Contains(in.Location) {
						errs <- fmt.Errorf("snapshot %d: %s listed in A at %v", s.Version(), in.ID, in.Location)
						return
					}
				}
			}
		}()
	}

	next := 0
	for step := range 300 {
		err := ix.Update(func(tx *geo.Tx) error {
			var fromA, fromB string
			for id := range inA {
				if inA[id] && fromA == "" {
					fromA = id
				}
				if !inA[id] && fromB == "" {
					fromB = id
				}
			}
			s := ix.Snapshot()
			if step%3 == 2 {
				next++
				fresh := mk(fmt.Sprintf("n%d", next), boxA.Center())
				delete(inA, fromA)
				inA[string(fresh.ID)] = true
				if err := tx.DeleteIncident(geo.IncidentID(fromA)); err != nil {
					return err
				}
				return tx.InsertIncident(fresh)
			}
			a, _ := s.Incident(geo.IncidentID(fromA))
			b, _ := s.Incident(geo.IncidentID(fromB))
			movedA, movedB := *a, *b
			movedA.Location, movedB.Location = b.Location, a.Location
			inA[fromA], inA[fromB] = false, true
			if err := tx.ReplaceIncident(movedA); err != nil {
				return err
			}
			return tx.ReplaceIncident(movedB)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
