package server

import (
	"sync"
	"time"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
)

// extent is the spatial and temporal extent of one collection.
type extent struct {
	// bbox bounds every feature, [lon, lat]; empty says the collection has
	// no features.
	bbox  orb.Bound
	empty bool
	// interval spans the features' days (incident dates, zone validity);
	// temporal is false for collections without time.
	interval geo.Interval
	temporal bool
}

// extents is what the collection documents and items responses need to
// know about a whole snapshot.
type extents struct {
	// byCollection is each collection's extent, by collection ID.
	byCollection map[string]extent
	// latest is the latest day the dataset records (an incident's last
	// day, a zone's start or end). Items responses give it as timeStamp,
	// rather than the clock's time, so the same URL on the same dataset
	// version gives the same bytes.
	latest geo.Day
}

// timeStamp is the latest day as an items response's timeStamp: the zero
// time, which leaves it out, for a dataset without dates.
func (e *extents) timeStamp() time.Time {
	if e.latest.IsOpen() {
		return time.Time{}
	}
	return e.latest.Time()
}

// extentCache computes the extents of a snapshot once, on first use, and
// keeps them until a request arrives with a newer version. Computing them
// reads every record, so requests must not pay it each time. It is safe for
// concurrent use.
type extentCache struct {
	mu      sync.Mutex
	version uint64
	ext     *extents
	// bySnapshot keys the cache by the snapshot rather than its version:
	// for the published view, whose content changes at one version.
	bySnapshot bool
	snap       *geo.Snapshot
}

// get returns the extents of snap, whose governorates are govs.
func (c *extentCache) get(snap *geo.Snapshot, govs []geo.Boundary) (*extents, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ext != nil && c.version == snap.Version() && (!c.bySnapshot || c.snap == snap) {
		return c.ext, nil
	}
	ext, err := computeExtents(snap, govs)
	if err != nil {
		return nil, err
	}
	c.ext, c.version = ext, snap.Version()
	if c.bySnapshot {
		c.snap = snap
	}
	return ext, nil
}

// computeExtents reads every record of snap and govs.
func computeExtents(snap *geo.Snapshot, govs []geo.Boundary) (*extents, error) {
	zones, err := snap.Zones(geo.ZoneQuery{})
	if err != nil {
		return nil, err
	}
	incidents, err := snap.Incidents(geo.IncidentQuery{})
	if err != nil {
		return nil, err
	}
	sites, err := snap.Sites(geo.SiteQuery{})
	if err != nil {
		return nil, err
	}
	ext := &extents{byCollection: map[string]extent{}, latest: geo.OpenStart}
	later := func(d geo.Day) {
		if !d.IsOpen() && d > ext.latest {
			ext.latest = d
		}
	}

	ze := extent{empty: true, temporal: true, interval: geo.Interval{From: geo.OpenEnd, To: geo.OpenStart}}
	for _, z := range zones.Zones {
		ze.add(z.Bound())
		ze.interval.From, ze.interval.To = min(ze.interval.From, z.Valid.From), max(ze.interval.To, z.Valid.To)
		later(z.Valid.From)
		later(z.Valid.To)
	}
	ext.byCollection[collectionZones] = ze

	ie := extent{empty: true, temporal: true, interval: geo.Interval{From: geo.OpenEnd, To: geo.OpenStart}}
	for _, in := range incidents.Incidents {
		ie.add(in.Location.Bound())
		ie.interval.From, ie.interval.To = min(ie.interval.From, in.Date), max(ie.interval.To, in.DateEnd)
		later(in.DateEnd)
	}
	ext.byCollection[collectionIncidents] = ie

	se := extent{empty: true}
	for _, st := range sites.Sites {
		se.add(st.Location.Bound())
	}
	ext.byCollection[collectionSites] = se

	ge := extent{empty: true}
	for _, g := range govs {
		ge.add(g.Area.Bound())
	}
	ext.byCollection[collectionGovernorates] = ge
	return ext, nil
}

// add extends e's bbox to cover b.
func (e *extent) add(b orb.Bound) {
	if e.empty {
		e.bbox, e.empty = b, false
		return
	}
	e.bbox = e.bbox.Union(b)
}
