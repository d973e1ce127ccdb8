package watch

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/frontline-maps/frontline/catalog"
	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/geo/overlay"
	"github.com/frontline-maps/frontline/store"
	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// compiled is a watch ready to match: its definition parsed, its shape
// prepared and its bound known.
type compiled struct {
	w      store.Watch
	spec   Spec
	filter *geo.IncidentQuery
	// One of these is the target's shape: a drawn area (region), a circle,
	// a point, or a zone (looked up in the matcher's zones at each change).
	region *geo.Region
	circle *geo.Circle
	point  *orb.Point
	zone   geo.ZoneID
	// area is the target's ground as a multipolygon, for control.changed
	// of a drawn area or circle.
	area              orb.MultiPolygon
	entered, controls bool
}

func compile(w store.Watch) (*compiled, error) {
	sp, err := ParseSpec(w.Spec, nil)
	if err != nil {
		return nil, fmt.Errorf("watch %s: its stored definition: %w", w.ID, err)
	}
	c := &compiled{w: w, spec: sp, filter: sp.Filter.query(), zone: sp.Target.Zone, point: sp.Target.Point,
		entered: slices.Contains(sp.Events, IncidentEntered), controls: slices.Contains(sp.Events, ControlChanged)}
	switch t := sp.Target; {
	case t.Geometry != nil:
		g := t.Geometry.Geometry()
		if c.region, err = geo.PrepareRegion(g); err != nil {
			return nil, fmt.Errorf("watch %s: %w", w.ID, err)
		}
		switch g := g.(type) {
		case orb.Polygon:
			c.area = orb.MultiPolygon{g}
		case orb.MultiPolygon:
			c.area = g
		}
	case t.Circle != nil:
		c.circle = &geo.Circle{Center: t.Circle.Center, RadiusMeters: t.Circle.RadiusM}
		c.area = orb.MultiPolygon{c.circle.Polygon(geo.CirclePolygonVertices)}
	}
	return c, nil
}

// zoneShape is a zone prepared for point tests.
type zoneShape struct {
	zone   geo.Zone
	region *geo.Region // nil for a circle zone
}

func prepareZone(z geo.Zone) (*zoneShape, error) {
	zs := &zoneShape{zone: z}
	if z.Circle != nil {
		return zs, nil
	}
	var err error
	zs.region, err = geo.PrepareRegion(z.Geometry())
	return zs, err
}

func (zs *zoneShape) contains(p orb.Point) bool {
	if zs.zone.Circle != nil {
		return zs.zone.Circle.Contains(p)
	}
	return zs.region.Contains(p)
}

// area is the zone's ground as a multipolygon (a circle as its drawn
// polygon).
func (zs *zoneShape) area() orb.MultiPolygon {
	mp, _ := zs.zone.Geometry().(orb.MultiPolygon)
	return mp
}

// state is what matching one transaction needs: the zones as of it and
// the watches, with a tree of the incident watches' bounds.
type state struct {
	zones   map[geo.ZoneID]*zoneShape
	watches []*compiled
	// tree holds the watches with incident.entered: a drawn area or circle
	// by its bound, a zone target by its zone's bound (rebuilt when zones
	// change).
	tree rtree.RTreeG[*compiled]
}

// index rebuilds the tree of incident watches.
func (s *state) index() {
	s.tree = rtree.RTreeG[*compiled]{}
	for _, c := range s.watches {
		if !c.entered {
			continue
		}
		var b orb.Bound
		switch {
		case c.region != nil:
			b = c.region.Bound()
		case c.circle != nil:
			b = c.circle.Bound()
		case c.zone != "":
			zs, ok := s.zones[c.zone]
			if !ok {
				continue
			}
			b = zs.zone.Bound()
		default:
			continue
		}
		s.tree.Insert(b.Min, b.Max, c)
	}
}

// lies reports whether incident in lies in c's target as of s: in its
// drawn area or circle, or, for a zone target, in the zone's shape with
// the zone valid on a day of the incident's (time-aware).
func (s *state) lies(c *compiled, in *geo.Incident) bool {
	switch {
	case c.region != nil:
		return c.region.Contains(in.Location)
	case c.circle != nil:
		return c.circle.Contains(in.Location)
	case c.zone != "":
		zs, ok := s.zones[c.zone]
		return ok && zs.zone.Valid.Overlaps(in.Span()) && zs.contains(in.Location)
	}
	return false
}

// matches reports whether in lies in c's target and passes its filter.
func (s *state) matches(c *compiled, in *geo.Incident) bool {
	return s.lies(c, in) && c.filter.MatchAttributes(in)
}

// Controller is a zone controlling a watched point or area, as
// control.changed names it.
type Controller struct {
	Zone  geo.ZoneID  `json:"zone"`
	Actor geo.ActorID `json:"actor"`
	Name  string      `json:"name"`
}

// controllers returns the zones of status control valid on day d that
// contain c's point or share ground with its area (a zone target's own
// zone excluded), ordered by zone ID.
func (s *state) controllers(c *compiled, d geo.Day) []Controller {
	var area orb.MultiPolygon
	switch {
	case c.point != nil:
	case c.zone != "":
		zs, ok := s.zones[c.zone]
		if !ok {
			return nil
		}
		area = zs.area()
	default:
		area = c.area
	}
	var out []Controller
	for _, zs := range s.zones {
		z := &zs.zone
		if z.Status != geo.StatusControl || !z.Valid.Contains(d) || z.ID == c.zone {
			continue
		}
		in := false
		if c.point != nil {
			in = zs.contains(*c.point)
		} else {
			in = overlay.Intersects(area, zs.area())
		}
		if in {
			out = append(out, Controller{Zone: z.ID, Actor: z.Actor, Name: z.Name})
		}
	}
	slices.SortFunc(out, func(a, b Controller) int { return cmp.Compare(a.Zone, b.Zone) })
	return out
}

// Document is an event as it is delivered: by webhook, on the watch's
// stream and in its events list.
type Document struct {
	ID             string `json:"id"` // the idempotency key
	Type           string `json:"type"`
	Watch          string `json:"watch"`
	DatasetVersion int64  `json:"dataset_version"`
	// Committed is when the change that caused the event was committed.
	Committed time.Time `json:"committed"`
	// Record is the incident (incident.entered) or the zone whose change
	// it was (control.changed; for several in one transaction, the first
	// by ID), as GeoJSON; absent for a deleted zone.
	Record json.RawMessage `json:"record,omitempty"`
	// Backdated marks an incident recorded more than a day after its last
	// day: Date is that day, Recorded when it was recorded.
	Backdated bool       `json:"backdated,omitempty"`
	Date      string     `json:"date,omitempty"`
	Recorded  *time.Time `json:"recorded,omitempty"`
	// Before and After are the controlling zones (control.changed).
	Before []Controller `json:"before,omitzero"`
	After  []Controller `json:"after,omitzero"`
	Links  []Link       `json:"links"`
}

// Link is a link of an event, relative to the server's root.
type Link struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
}

// backdatedAfter is how long after the end of an incident's last day its
// recording marks it backdated.
const backdatedAfter = 24 * time.Hour

// key is an event's idempotency key: one event per watch, change and type.
func key(watch string, dv int64, typ, record string) string {
	return fmt.Sprintf("%s/%d/%s/%s", watch, dv, typ, record)
}

// event makes the outbox entry of doc for watch c, pending for a webhook.
func event(c *compiled, doc Document, now time.Time) (store.Event, error) {
	doc.Links = append(doc.Links, Link{Rel: "watch", Href: "/api/watches/" + c.w.ID},
		Link{Rel: "events", Href: "/api/watches/" + c.w.ID + "/events"})
	b, err := json.Marshal(doc)
	if err != nil {
		return store.Event{}, err
	}
	e := store.Event{Watch: c.w.ID, Key: doc.ID, Type: doc.Type, DatasetVersion: doc.DatasetVersion, Payload: b}
	e.Delivery.State = store.DeliveryNone
	if c.w.Webhook != "" {
		e.Delivery.State, e.Delivery.NextAttempt = store.DeliveryPending, now
	}
	return e, nil
}

// previous returns the version of an incident before number, nil when it
// had none or was deleted then.
type previousFunc func(id string, number int64) (*geo.Incident, error)

// matchTx returns the events of one write transaction's changes (all of
// one dataset version, in commit order) and applies its zone changes to s.
func (s *state) matchTx(changes []catalog.Change, previous previousFunc, now time.Time) ([]store.Event, error) {
	var (
		out    []store.Event
		zoneCh []catalog.Change
	)
	for _, ch := range changes {
		if ch.Kind == string(store.KindZone) {
			zoneCh = append(zoneCh, ch)
		}
	}
	dv, committed := changes[0].DatasetVersion, changes[0].Committed
	if len(zoneCh) > 0 {
		day := geo.DayOf(committed)
		before := make(map[string][]Controller)
		for _, c := range s.watches {
			if c.controls && c.w.Since < dv {
				before[c.w.ID] = s.controllers(c, day)
			}
		}
		for _, ch := range zoneCh {
			delete(s.zones, geo.ZoneID(ch.ID))
			if !ch.Deleted {
				zs, err := prepareZone(ch.Record.(geo.Zone))
				if err != nil {
					return nil, fmt.Errorf("zone %s: %w", ch.ID, err)
				}
				s.zones[zs.zone.ID] = zs
			}
		}
		s.index()
		first := slices.MinFunc(zoneCh, func(a, b catalog.Change) int { return cmp.Compare(a.ID, b.ID) })
		var record json.RawMessage
		if !first.Deleted {
			record, _ = json.Marshal(first.Record)
		}
		for _, c := range s.watches {
			b, ok := before[c.w.ID]
			if !ok {
				continue
			}
			after := s.controllers(c, day)
			if slices.Equal(b, after) {
				continue
			}
			doc := Document{ID: key(c.w.ID, dv, ControlChanged, ""), Type: ControlChanged, Watch: c.w.ID, DatasetVersion: dv,
				Committed: committed, Record: record, Before: orEmpty(b), After: orEmpty(after),
				Links: []Link{{Rel: "zone", Href: "/collections/zones/items/" + first.ID}}}
			e, err := event(c, doc, now)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
	}
	for _, ch := range changes {
		if ch.Kind != string(store.KindIncident) || ch.Deleted {
			continue
		}
		in := ch.Record.(geo.Incident)
		var hits []*compiled
		s.tree.Search(in.Location, in.Location, func(_, _ [2]float64, c *compiled) bool {
			if c.w.Since < dv && s.matches(c, &in) {
				hits = append(hits, c)
			}
			return true
		})
		if len(hits) == 0 {
			continue
		}
		slices.SortFunc(hits, func(a, b *compiled) int { return cmp.Compare(a.w.ID, b.w.ID) })
		var prev *geo.Incident
		if ch.Number > 1 {
			var err error
			if prev, err = previous(ch.ID, ch.Number); err != nil {
				return nil, err
			}
		}
		record, _ := json.Marshal(in)
		for _, c := range hits {
			if prev != nil && s.matches(c, prev) {
				continue // it was in already
			}
			doc := Document{ID: key(c.w.ID, dv, IncidentEntered, ch.ID), Type: IncidentEntered, Watch: c.w.ID,
				DatasetVersion: dv, Committed: committed, Record: record,
				Links: []Link{{Rel: "record", Href: "/collections/incidents/items/" + ch.ID}}}
			if end := in.DateEnd.Time().Add(24 * time.Hour); committed.Sub(end) > backdatedAfter {
				rec := committed
				doc.Backdated, doc.Date, doc.Recorded = true, in.DateEnd.String(), &rec
			}
			e, err := event(c, doc, now)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
	}
	return out, nil
}

func orEmpty(cs []Controller) []Controller {
	if cs == nil {
		return []Controller{}
	}
	return cs
}
