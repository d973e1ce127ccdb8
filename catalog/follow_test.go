package catalog_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/frontline-maps/frontline/catalog"
	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store/gpkg"
	"github.com/paulmach/orb"
)

func incident(id string) catalog.Feature {
	return geo.Incident{
		ID: geo.IncidentID(id), Date: geo.DateOf(2026, 1, 19), DateEnd: geo.DateOf(2026, 1, 19),
		DatePrecision: geo.PrecisionDay, Type: geo.Battles, SubType: "armed_clash",
		Location: orb.Point{38.9, 35}, Status: geo.Reported,
		Sources: []geo.Source{{Publisher: "Reuters", URL: "https://www.reuters.com/x", Published: geo.DateOf(2026, 1, 20)}},
	}
}

// TestFollow: two catalogs on one store (two processes on one file); the
// second applies the first's writes at a Wake or a poll, reports its lag
// before, and counts the catch-ups.
func TestFollow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.gpkg")
	open := func() *catalog.Catalog {
		st, err := gpkg.Open(t.Context(), path, gpkg.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		c := catalog.New(st)
		if err := c.Load(t.Context()); err != nil {
			t.Fatal(err)
		}
		return c
	}
	a, b := open(), open()
	if _, err := a.Create(t.Context(), incident("one"), "alice"); err != nil {
		t.Fatal(err)
	}
	if st := b.SyncStatus(t.Context()); !st.Connected || st.Lag != 1 || st.StoreVersion != 1 || st.Applied != 0 {
		t.Errorf("B before catching up: %+v, want connected with lag 1", st)
	}
	if _, in, _ := b.Snapshot().Len(); in != 0 {
		t.Fatalf("B indexed %d incidents before following", in)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go b.Follow(ctx, time.Hour, nil) // no poll: the wake alone
	b.Wake()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, in, _ := b.Snapshot().Len(); in == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("B did not apply A's write after a Wake")
		}
		time.Sleep(5 * time.Millisecond)
	}
	st := b.SyncStatus(t.Context())
	if st.Lag != 0 || st.Notifications != 1 || st.CatchUps != 1 || b.Snapshot().Version() != 1 {
		t.Errorf("B after catching up: %+v at version %d", st, b.Snapshot().Version())
	}
	// A poll alone catches up too.
	c := open()
	go c.Follow(ctx, 10*time.Millisecond, nil)
	if _, err := a.Delete(t.Context(), "incidents", "one", 1, "alice"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, in, _ := c.Snapshot().Len(); in == 0 && c.Snapshot().Version() == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("C did not apply A's delete by polling")
		}
	}
	if err := b.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
}
