package watch

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/frontline-maps/frontline/catalog"
	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/internal/fuzzguard"
	"github.com/frontline-maps/frontline/store"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// world is a random set of zones and watches over a 4° × 4° square, for
// the oracle tests.
type world struct {
	r       *rand.Rand
	zones   []geo.Zone
	watches []store.Watch
}

func (w *world) point() orb.Point { return orb.Point{36 + 4*w.r.Float64(), 33 + 4*w.r.Float64()} }

// polygon is a random quadrilateral around a random centre, counter-
// clockwise.
func (w *world) polygon() orb.Polygon {
	c := w.point()
	var ring orb.Ring
	for i := range 4 {
		a := float64(i)*1.5708 + w.r.Float64()*0.8
		d := 0.2 + w.r.Float64()*0.8
		ring = append(ring, orb.Point{c[0] + d*math.Cos(a), c[1] + d*math.Sin(a)})
	}
	return orb.Polygon{append(ring, ring[0])}
}

func (w *world) day() geo.Day { return geo.DateOf(2024, 1, 1) + geo.Day(w.r.IntN(1000)) }

func (w *world) zone(i int) geo.Zone {
	from := w.day()
	z := geo.Zone{ID: geo.ZoneID(fmt.Sprintf("z%d", i)), Name: "zone", Actor: geo.ActorID(fmt.Sprintf("a%d", i%3)),
		Status: geo.StatusControl, Valid: geo.Interval{From: from, To: from + geo.Day(w.r.IntN(400))}}
	if w.r.IntN(4) == 0 {
		z.Status = geo.StatusPresence
	}
	if w.r.IntN(5) == 0 {
		z.Circle = &geo.Circle{Center: w.point(), RadiusMeters: 10_000 + w.r.Float64()*60_000}
	} else {
		z.Area = orb.MultiPolygon{w.polygon()}
	}
	return z
}

func (w *world) spec() string {
	filter := ""
	if w.r.IntN(3) == 0 {
		filter = `,"filter":{"type":["battles"]}`
	}
	switch w.r.IntN(4) {
	case 0:
		return fmt.Sprintf(`{"target":{"zone":"z%d"}%s}`, w.r.IntN(len(w.zones)), filter)
	case 1:
		p := w.polygon()
		b, _ := json.Marshal(p[0])
		return fmt.Sprintf(`{"target":{"geometry":{"type":"Polygon","coordinates":[%s]}}%s}`, b, filter)
	case 2:
		c := w.point()
		return fmt.Sprintf(`{"target":{"circle":{"center":[%g,%g],"radius_m":%g}}%s}`, c[0], c[1], 5000+w.r.Float64()*80_000, filter)
	}
	p := w.point()
	return fmt.Sprintf(`{"target":{"point":[%g,%g]}}`, p[0], p[1])
}

func newWorld(seed uint64, zones, watches int) *world {
	w := &world{r: rand.New(rand.NewPCG(seed, 7))}
	for i := range zones {
		w.zones = append(w.zones, w.zone(i))
	}
	for i := range watches {
		w.watches = append(w.watches, store.Watch{ID: fmt.Sprintf("w%03d", i), Spec: []byte(w.spec()), Since: 10})
	}
	return w
}

func (w *world) incident(id string) geo.Incident {
	d := w.day()
	in := geo.Incident{ID: geo.IncidentID(id), Date: d, DateEnd: d + geo.Day(w.r.IntN(3)), Location: w.point(), Type: geo.Battles}
	if w.r.IntN(3) == 0 {
		in.Type = geo.Protests
	}
	return in
}

// state builds the matcher's state over the world.
func (w *world) state(t testing.TB) *state {
	s := &state{zones: map[geo.ZoneID]*zoneShape{}}
	for _, z := range w.zones {
		zs, err := prepareZone(z)
		if err != nil {
			t.Fatal(err)
		}
		s.zones[z.ID] = zs
	}
	for _, sw := range w.watches {
		c, err := compile(sw)
		if err != nil {
			t.Fatalf("%s: %v", sw.Spec, err)
		}
		s.watches = append(s.watches, c)
	}
	s.index()
	return s
}

// oracleLies is lies by brute force: orb's planar containment, haversine
// distance, the zones' validity.
func oracleLies(zones map[geo.ZoneID]geo.Zone, sp Spec, in geo.Incident) bool {
	t := sp.Target
	switch {
	case t.Geometry != nil:
		return planar.PolygonContains(t.Geometry.Geometry().(orb.Polygon), in.Location)
	case t.Circle != nil:
		return geo.DistanceMeters(t.Circle.Center, in.Location) <= t.Circle.RadiusM
	case t.Zone != "":
		z, ok := zones[t.Zone]
		if !ok || !z.Valid.Overlaps(in.Span()) {
			return false
		}
		if z.Circle != nil {
			return geo.DistanceMeters(z.Circle.Center, in.Location) <= z.Circle.RadiusMeters
		}
		return planar.MultiPolygonContains(z.Area.(orb.MultiPolygon), in.Location)
	}
	return false
}

func oracleMatches(zones map[geo.ZoneID]geo.Zone, sp Spec, in geo.Incident) bool {
	return oracleLies(zones, sp, in) && (len(sp.Filter.Type) == 0 || slices.Contains(sp.Filter.Type, in.Type))
}

// TestMatchOracle matches random incidents, new and moved, against 200
// random watches over random zones, and compares the events with a brute
// force: an event exactly when the incident's version matches a watch
// created before the change and its previous version did not.
func TestMatchOracle(t *testing.T) {
	for seed := range uint64(5) {
		w := newWorld(seed, 12, 200)
		s := w.state(t)
		zones := map[geo.ZoneID]geo.Zone{}
		for _, z := range w.zones {
			zones[z.ID] = z
		}
		specs := map[string]Spec{}
		for _, c := range s.watches {
			specs[c.w.ID] = c.spec
		}
		committed := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		prevs := map[string]geo.Incident{}
		var changes []catalog.Change
		for i := range 2000 {
			id := fmt.Sprintf("i%d", i%1500)
			in := w.incident(id)
			number := int64(1)
			if _, ok := prevs[id]; ok {
				number = 2
			}
			changes = append(changes, catalog.Change{Kind: "incident", ID: id, Record: in,
				Version: catalog.Version{Number: number, DatasetVersion: int64(11 + i), Committed: committed}})
			if number == 1 {
				prevs[id] = in
			}
		}
		want := map[string]bool{}
		seen := map[string]geo.Incident{}
		for _, ch := range changes {
			in := ch.Record.(geo.Incident)
			prev, had := seen[ch.ID]
			for id, sp := range specs {
				if slices.Contains(sp.Events, IncidentEntered) && oracleMatches(zones, sp, in) && !(had && oracleMatches(zones, sp, prev)) {
					want[key(id, ch.DatasetVersion, IncidentEntered, ch.ID)] = true
				}
			}
			seen[ch.ID] = in
		}
		got := map[string]bool{}
		for _, ch := range changes {
			previous := func(id string, number int64) (*geo.Incident, error) {
				if number != 2 {
					t.Fatalf("previous(%s, %d)", id, number)
				}
				p := prevs[id]
				return &p, nil
			}
			evs, err := s.matchTx([]catalog.Change{ch}, previous, committed)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				if got[e.Key] {
					t.Errorf("seed %d: %s twice", seed, e.Key)
				}
				got[e.Key] = true
			}
		}
		for k := range want {
			if !got[k] {
				t.Errorf("seed %d: missed %s", seed, k)
			}
		}
		for k := range got {
			if !want[k] {
				t.Errorf("seed %d: extra %s", seed, k)
			}
		}
		if len(want) == 0 {
			t.Fatalf("seed %d: no event expected: the world is too sparse to test anything", seed)
		}
		t.Logf("seed %d: %d events of %d changes", seed, len(got), len(changes))
	}
}

// TestControlChangedOracle changes random zones and checks point watches'
// control.changed events against a brute force: the control zones valid
// on the change's day containing the point, before and after.
func TestControlChangedOracle(t *testing.T) {
	w := newWorld(42, 12, 0)
	for i := range 100 {
		p := w.point()
		w.watches = append(w.watches, store.Watch{ID: fmt.Sprintf("p%03d", i), Spec: []byte(fmt.Sprintf(`{"target":{"point":[%g,%g]}}`, p[0], p[1]))})
	}
	s := w.state(t)
	zones := map[geo.ZoneID]geo.Zone{}
	for _, z := range w.zones {
		zones[z.ID] = z
	}
	controls := func(p orb.Point, d geo.Day) []geo.ZoneID {
		var out []geo.ZoneID
		for _, z := range zones {
			if z.Status != geo.StatusControl || !z.Valid.Contains(d) {
				continue
			}
			in := false
			if z.Circle != nil {
				in = geo.DistanceMeters(z.Circle.Center, p) <= z.Circle.RadiusMeters
			} else {
				in = planar.MultiPolygonContains(z.Area.(orb.MultiPolygon), p)
			}
			if in {
				out = append(out, z.ID)
			}
		}
		slices.Sort(out)
		return out
	}
	events := 0
	for step := range 60 {
		committed := geo.DateOf(2024, 1, 1).Time().Add(time.Duration(w.r.IntN(1000)) * 24 * time.Hour)
		day := geo.DayOf(committed)
		z := w.zone(w.r.IntN(len(w.zones)))
		deleted := w.r.IntN(6) == 0
		before := map[string][]geo.ZoneID{}
		for _, c := range s.watches {
			before[c.w.ID] = controls(*c.point, day)
		}
		if deleted {
			delete(zones, z.ID)
		} else {
			zones[z.ID] = z
		}
		ch := catalog.Change{Kind: "zone", ID: string(z.ID), Version: catalog.Version{Number: 2, Deleted: deleted, DatasetVersion: int64(100 + step), Committed: committed}}
		if !deleted {
			ch.Record = z
		}
		evs, err := s.matchTx([]catalog.Change{ch}, nil, committed)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]Document{}
		for _, e := range evs {
			var d Document
			if err := json.Unmarshal(e.Payload, &d); err != nil {
				t.Fatal(err)
			}
			got[e.Watch] = d
		}
		for _, c := range s.watches {
			b, a := before[c.w.ID], controls(*c.point, day)
			d, ok := got[c.w.ID]
			if slices.Equal(a, b) {
				if ok {
					t.Errorf("step %d: %s got control.changed without a change: %+v", step, c.w.ID, d)
				}
				continue
			}
			events++
			zonesOf := func(cs []Controller) []geo.ZoneID {
				out := []geo.ZoneID{}
				for _, c := range cs {
					out = append(out, c.Zone)
				}
				return out
			}
			if !ok || !slices.Equal(zonesOf(d.Before), append([]geo.ZoneID{}, b...)) || !slices.Equal(zonesOf(d.After), append([]geo.ZoneID{}, a...)) {
				t.Errorf("step %d: %s: got %+v, want before %v after %v", step, c.w.ID, d, b, a)
			}
		}
	}
	if events == 0 {
		t.Fatal("no control change happened: the test tests nothing")
	}
	t.Logf("%d control.changed events", events)
}

// FuzzParseSpec: no definition makes ParseSpec panic; one it accepts is
// accepted again, the same, when written back as JSON.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{`{"target":{"zone":"sdf-2025"},"filter":{"type":["battles"],"min_fatalities":2}}`,
		`{"target":{"circle":{"center":[38,35],"radius_m":55000}},"webhook":{"url":"https://example.org/h"}}`,
		`{"target":{"point":[38,35]},"events":["control.changed"]}`,
		`{"target":{"geometry":{"type":"Polygon","coordinates":[[[38,35],[39,35],[39,36],[38,35]]]}}}`,
		`{"target":{"geometry":{"type":"MultiPolygon","coordinates":[[[[38,35],[39,35],[39,36],[38,35]]]]}}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		defer fuzzguard.Start(t)()
		sp, err := ParseSpec(b, func(geo.ZoneID) bool { return true })
		if err != nil {
			if _, ok := err.(*geo.ValidationError); !ok {
				t.Fatalf("%q: %T %v, want a *geo.ValidationError", b, err, err)
			}
			return
		}
		out, err := json.Marshal(sp)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseSpec(out, func(geo.ZoneID) bool { return true })
		if err != nil {
			t.Fatalf("%s: accepted, but not when written back as %s: %v", b, out, err)
		}
		if out2, _ := json.Marshal(again); string(out2) != string(out) {
			t.Fatalf("%s: round trip %s became %s", b, out, out2)
		}
	})
}

// BenchmarkMatch is the matching cost of one incident write at 1,000
// watches (a quarter each zones, drawn areas, circles and points over 12
// zones): the target is 1 ms.
func BenchmarkMatch(b *testing.B) {
	w := newWorld(1, 12, 1000)
	s := w.state(b)
	committed := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	changes := make([]catalog.Change, 1024)
	for i := range changes {
		in := w.incident(fmt.Sprintf("b%d", i))
		changes[i] = catalog.Change{Kind: "incident", ID: string(in.ID), Record: in, Version: catalog.Version{Number: 1, DatasetVersion: 20, Committed: committed}}
	}
	b.ResetTimer()
	events := 0
	for i := 0; b.Loop(); i++ {
		evs, err := s.matchTx(changes[i%len(changes):i%len(changes)+1], nil, committed)
		if err != nil {
			b.Fatal(err)
		}
		events += len(evs)
	}
	b.ReportMetric(float64(events)/float64(b.N), "events/write")
}

// TestRecent: the kept events answer a stream at most recentEvents behind,
// in order and per watch; one further behind is told to read the store; a
// quiet watch's stream is answered however many other events came since.
func TestRecent(t *testing.T) {
	ws := &Watches{lastSeq: 100, recent: recent{from: 100, to: 100}}
	ws.recent.add(Event{Seq: 101, Watch: "quiet"})
	for seq := int64(102); seq <= 101+recentEvents+9; seq++ {
		ws.recent.add(Event{Seq: seq, Watch: fmt.Sprintf("w%d", seq%3)})
	}
	ws.lastSeq = ws.recent.to
	if _, ok := ws.Recent("w0", 105); ok {
		t.Error("a stream behind the kept events was not sent to the store")
	}
	if _, ok := ws.Recent("quiet", 100); ok {
		t.Error("a stream behind a quiet watch's dropped event was not sent to the store")
	}
	for _, id := range []string{"quiet", "never"} {
		if evs, ok := ws.Recent(id, 101); !ok || len(evs) != 0 {
			t.Errorf("a stream of %s at its newest event, %d events of others later: %v, %v", id, recentEvents, evs, ok)
		}
	}
	if _, ok := ws.Recent("never", 99); ok {
		t.Error("a stream from before the process kept events was not sent to the store")
	}
	// The 1,034 events held 1,024: 101 to 110 are gone, so each of w0, w1
	// and w2 holds every event after its last one dropped (108, 109, 110).
	for w := range 3 {
		id := fmt.Sprintf("w%d", w)
		mark := ws.recent.byWatch[id].mark
		if mark < 108 || mark > 110 || mark%3 != int64(w) {
			t.Errorf("%s: the last event dropped is %d, want the one of 108-110", id, mark)
		}
		if _, ok := ws.Recent(id, mark-1); ok {
			t.Errorf("%s after %d: answered without its dropped event %d", id, mark-1, mark)
		}
		evs, ok := ws.Recent(id, mark)
		if !ok {
			t.Fatalf("%s: not answered from the kept events", id)
		}
		var want []int64
		for seq := mark + 1; seq <= ws.recent.to; seq++ {
			if seq%3 == int64(w) {
				want = append(want, seq)
			}
		}
		var got []int64
		for _, e := range evs {
			got = append(got, e.Seq)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s after %d: %v, want %v", id, mark, got, want)
		}
	}
	if evs, ok := ws.Recent("w1", ws.recent.to); !ok || len(evs) != 0 {
		t.Errorf("a stream at the newest event: %v, %v", evs, ok)
	}
}
