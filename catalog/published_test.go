package catalog_test

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/frontline-maps/frontline/catalog"
	"github.com/frontline-maps/frontline/catalog/publish"
	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store/gpkg"
)

// clock is a settable time for a catalog.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) get() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// openPublishing opens a catalog with policy p on a new store, on clock
// (the store's commit times are the real ones: the test's clock starts
// now).
func openPublishing(t *testing.T, p *publish.Policy) (*catalog.Catalog, *clock) {
	t.Helper()
	st, err := gpkg.Open(t.Context(), filepath.Join(t.TempDir(), "p.gpkg"), gpkg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := catalog.New(st)
	c.SetPolicy(p)
	clk := &clock{now: time.Now().UTC()}
	catalog.SetClock(c, clk.get)
	if err := c.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	return c, clk
}

func publishedIncidents(t *testing.T, c *catalog.Catalog) []*geo.Incident {
	t.Helper()
	snap, _ := c.Published()
	p, err := snap.Incidents(geo.IncidentQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return p.Incidents
}

// TestPublishedViewEmbargo: a new incident is absent from the published
// view until the embargo after its recording ends, and then present,
// coarsened, at the index's dataset version; its versions and the feed
// say the same, and the past states too.
func TestPublishedViewEmbargo(t *testing.T) {
	pol, err := publish.FromFlags(nil, 72*time.Hour, 10)
	if err != nil {
		t.Fatal(err)
	}
	c, clk := openPublishing(t, pol)
	in := incident("fresh").(geo.Incident)
	in.Date = geo.DayOf(clk.get().AddDate(0, 0, -10)) // long past: the recording embargoes it
	in.DateEnd = in.Date
	if _, err := c.Create(t.Context(), in, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, n, _ := c.Snapshot().Len(); n != 1 {
		t.Fatalf("the index holds %d incidents", n)
	}
	if got := publishedIncidents(t, c); len(got) != 0 {
		t.Fatalf("an embargoed incident is published: %+v", got[0])
	}
	if snap, _ := c.Published(); snap.Version() != c.Snapshot().Version() {
		t.Fatal("the published view is at another version than the index")
	}
	vs, err := c.Versions(t.Context(), "incidents", "fresh")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PublishVersions("incidents", vs); !errors.Is(err, geo.ErrNotFound) {
		t.Fatalf("the versions of an embargoed incident: %v, want not found", err)
	}
	page, err := c.Changes(t.Context(), 0, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.PublishChanges(page); len(got) != 0 {
		t.Fatalf("the feed publishes an embargoed incident: %+v", got)
	}
	changed := c.PublishedChanged()
	clk.add(71 * time.Hour)
	if got := publishedIncidents(t, c); len(got) != 0 {
		t.Fatal("published an hour before the embargo ends")
	}
	clk.add(time.Hour + time.Second)
	got := publishedIncidents(t, c)
	if len(got) != 1 || got[0].Publication == nil || got[0].Publication.CellKm != 10 {
		t.Fatalf("after the embargo: %+v", got)
	}
	if centre, _ := publish.Cell(in.Location, 10); got[0].Location != centre {
		t.Fatalf("published at %v, not the cell's centre %v", got[0].Location, centre)
	}
	select {
	case <-changed:
	default:
		t.Fatal("the end of an embargo did not signal PublishedChanged")
	}
	if pvs, err := c.PublishVersions("incidents", vs); err != nil || len(pvs) != 1 || pvs[0].Feature.(geo.Incident).Location == in.Location {
		t.Fatalf("the versions after the embargo: %v %+v", err, pvs)
	}
	if got := c.PublishChanges(page); len(got) != 1 || got[0].Record.(geo.Incident).Location == in.Location {
		t.Fatalf("the feed after the embargo: %+v", got)
	}
	past, err := c.PublishedAsOf(t.Context(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if pp, _ := past.Incidents(geo.IncidentQuery{}); len(pp.Incidents) != 1 || pp.Incidents[0].Location == in.Location {
		t.Fatalf("the published past state: %+v", pp.Incidents)
	}
}

// TestPublishedViewOverrides: an editor's withheld keeps an incident out
// of the view, exact publishes it as stored, and on a catalog without a
// policy the first coarse opens a view.
func TestPublishedViewOverrides(t *testing.T) {
	c, _ := openPublishing(t, nil)
	if c.Publishing() {
		t.Fatal("a catalog without a policy or overrides keeps a published view")
	}
	if _, err := c.Create(t.Context(), incident("plain"), "alice"); err != nil {
		t.Fatal(err)
	}
	if snap, _ := c.Published(); snap != c.Snapshot() {
		t.Fatal("without a view, Published is not the index's snapshot")
	}
	secret := incident("secret").(geo.Incident)
	secret.Publish = geo.PublishWithheld
	if _, err := c.Create(t.Context(), secret, "alice"); err != nil {
		t.Fatal(err)
	}
	if !c.Publishing() {
		t.Fatal("a withheld incident did not open a published view")
	}
	got := publishedIncidents(t, c)
	if len(got) != 1 || got[0].ID != "plain" || got[0].Location != incident("plain").(geo.Incident).Location {
		t.Fatalf("published %+v, want only plain, exact", got)
	}
	secret.Publish = geo.PublishCoarse
	if _, err := c.Replace(t.Context(), secret, 1, "alice"); err != nil {
		t.Fatal(err)
	}
	got = publishedIncidents(t, c)
	if len(got) != 2 {
		t.Fatalf("published %d incidents, want 2", len(got))
	}
	for _, in := range got {
		if in.ID == "secret" && (in.Publication == nil || in.Publication.CellKm != publish.DefaultCoarseKm || in.Publish != "") {
			t.Fatalf("the coarse incident is published as %+v", in)
		}
	}
	if _, err := c.Delete(t.Context(), "incidents", "secret", 2, "alice"); err != nil {
		t.Fatal(err)
	}
	if got := publishedIncidents(t, c); len(got) != 1 {
		t.Fatalf("after the delete, %d published", len(got))
	}
}
