package watch_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/frontline-maps/frontline/catalog"
	"github.com/frontline-maps/frontline/catalog/watch"
	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
	"github.com/frontline-maps/frontline/store/gpkg"
	"github.com/paulmach/orb"
)

// countingFeed is the catalog, counting the changes it is asked for.
type countingFeed struct {
	*catalog.Catalog
	read int
}

func (f *countingFeed) Changes(ctx context.Context, since int64, offset, limit int) ([]catalog.Change, error) {
	ch, err := f.Catalog.Changes(ctx, since, offset, limit)
	f.read += len(ch)
	return ch, err
}

// TestNoWatchesSkipsLargeTransaction: with no watches, a match passes a
// transaction larger than a batch after reading one batch of it, not the
// whole; a watch created afterwards is matched against what follows.
func TestNoWatchesSkipsLargeTransaction(t *testing.T) {
	ctx := t.Context()
	st, err := gpkg.Open(ctx, filepath.Join(t.TempDir(), "s.gpkg"), gpkg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	incident := func(id string) geo.Incident {
		return geo.Incident{ID: geo.IncidentID(id), Date: geo.DateOf(2026, 1, 19), DateEnd: geo.DateOf(2026, 1, 19),
			DatePrecision: geo.PrecisionDay, Type: geo.Battles,
			Actors:   []geo.IncidentActor{{Name: "Unidentified armed group", Role: geo.RolePerpetrator}},
			Location: orb.Point{38, 35}, Status: geo.Reported,
			Sources: []geo.Source{{Publisher: "UCDP", URL: "https://ucdp.uu.se/", Published: geo.DateOf(2026, 1, 20)}}}
	}
	var batch []store.Record
	for i := range 30 {
		batch = append(batch, incident(fmt.Sprint("big-", i)))
	}
	big, err := st.ImportBatch(ctx, batch, "importer")
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.New(st)
	if err := cat.Load(ctx); err != nil {
		t.Fatal(err)
	}
	feed := &countingFeed{Catalog: cat}
	ws := watch.New(st, feed)
	watch.SetBatch(ws, 10)
	for more := true; more; {
		if more, err = ws.Step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if feed.read > 10 {
		t.Errorf("with no watches, a match read %d changes of a transaction of 30; want one batch, 10", feed.read)
	}
	w, err := ws.Create(ctx, "ana", []byte(`{"target":{"circle":{"center":[38,35],"radius_m":1000}},"events":["incident.entered"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportBatch(ctx, []store.Record{incident("later")}, "importer"); err != nil {
		t.Fatal(err)
	}
	if err := cat.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	for more := true; more; {
		if more, err = ws.Step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := ws.Events(ctx, w.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].DatasetVersion != big.DatasetVersion+1 {
		t.Errorf("events after the watch: %+v; want one, of dataset version %d", evs, big.DatasetVersion+1)
	}
}
