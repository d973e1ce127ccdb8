package geo_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
)

// namedIncidents returns one incident per named point, its ID the name.
func namedIncidents(points map[string]orb.Point, day geo.Day) []geo.Incident {
	var out []geo.Incident
	for name, p := range points {
		out = append(out, geo.Incident{
			ID: geo.IncidentID(name), Date: day, DateEnd: day, DatePrecision: geo.PrecisionDay,
			Type: geo.Battles, Location: p, Status: geo.Reported,
			Origin: geo.Origin{Dataset: geo.OriginSynthetic},
		})
	}
	return out
}

func mustIndex(t *testing.T, ds *geo.Dataset) *geo.Snapshot {
	t.Helper()
	ix, err := geo.NewIndex(ds)
	if err != nil {
		t.Fatal(err)
	}
	return ix.Snapshot()
}

// square is a closed ring around [x0, x1] × [y0, y1], counter-clockwise.
func squareRing(x0, y0, x1, y1 float64) orb.Ring {
	return orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

func TestPolygonPredicates(t *testing.T) {
	outer, hole := squareRing(38, 33, 42, 37), squareRing(39, 34, 41, 36)
	reversed := func(r orb.Ring) orb.Ring { r = slices.Clone(r); slices.Reverse(r); return r }
	points := map[string]orb.Point{
		"interior":          {38.5, 33.5},
		"exterior-edge":     {40, 33},
		"exterior-vertex":   {42, 37},
		"hole-interior":     {40, 35},
		"hole-edge":         {39, 35},
		"hole-vertex":       {41, 36},
		"outside":           {37.9, 35},
		"second-part":       {43.5, 33.5},
		"between-parts":     {42.5, 33.5},
		"second-part-touch": {43, 34},
	}
	s := mustIndex(t, &geo.Dataset{Incidents: namedIncidents(points, geo.DateOf(2025, 1, 1))})
	tests := []struct {
		name string
		area orb.Geometry
		want []string
	}{
		{"polygon with hole", orb.Polygon{outer, hole},
			[]string{"exterior-edge", "exterior-vertex", "hole-edge", "hole-vertex", "interior"}},
		{"reversed rings", orb.Polygon{reversed(outer), reversed(hole)},
			[]string{"exterior-edge", "exterior-vertex", "hole-edge", "hole-vertex", "interior"}},
		{"no hole", orb.Polygon{outer},
			[]string{"exterior-edge", "exterior-vertex", "hole-edge", "hole-interior", "hole-vertex", "interior"}},
		{"multipolygon", orb.MultiPolygon{{outer, hole}, {squareRing(43, 33, 44, 34)}},
			[]string{"exterior-edge", "exterior-vertex", "hole-edge", "hole-vertex", "interior", "second-part", "second-part-touch"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := geo.PrepareRegion(tt.area)
			if err != nil {
				t.Fatal(err)
			}
			page, err := s.Incidents(geo.IncidentQuery{Where: geo.InRegion(r)})
			if err != nil {
				t.Fatal(err)
			}
			got := pageIDs(page.Incidents)
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBoundPredicates(t *testing.T) {
	points := map[string]orb.Point{"inside": {38.5, 33.5}, "edge": {39, 33.5}, "corner": {38, 33}, "outside": {39.01, 33.5}}
	s := mustIndex(t, &geo.Dataset{Incidents: namedIncidents(points, geo.DateOf(2025, 1, 1))})
	page, err := s.Incidents(geo.IncidentQuery{Where: geo.InBound(orb.Bound{Min: orb.Point{38, 33}, Max: orb.Point{39, 34}})})
	if err != nil {
		t.Fatal(err)
	}
	got := pageIDs(page.Incidents)
	slices.Sort(got)
	if want := []string{"corner", "edge", "inside"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestCirclePredicates checks the 55 km zone around Al-Tanf by true
// distance: 54.9 km is inside, 55.1 km outside, both for a radius query and
// for the stored circle zone.
func TestCirclePredicates(t *testing.T) {
	at := func(bearing, km float64) orb.Point {
		return geo.DestinationPoint(tanfBase, bearing, km*1000)
	}
	points := map[string]orb.Point{
		"centre": tanfBase, "54.9km-north": at(0, 54.9), "54.9km-east": at(90, 54.9),
		"55.1km-north": at(0, 55.1), "55.1km-south-west": at(225, 55.1),
	}
	zone := geo.Zone{
		ID: "al-tanf-55km", Actor: "us-led-coalition", Status: geo.StatusDeconfliction,
		Circle: &q2Circle, Valid: geo.Always, Sources: testSource,
	}
	s := mustIndex(t, &geo.Dataset{Zones: []geo.Zone{zone}, Incidents: namedIncidents(points, geo.DateOf(2025, 1, 1))})
	want := []string{"54.9km-east", "54.9km-north", "centre"}
	for name, where := range map[string]geo.Where{"radius": geo.InCircle(q2Circle), "zone": geo.InZone("al-tanf-55km")} {
		t.Run(name, func(t *testing.T) {
			page, err := s.Incidents(geo.IncidentQuery{Where: where})
			if err != nil {
				t.Fatal(err)
			}
			got := pageIDs(page.Incidents)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
	for name, p := range points {
		zs, err := s.ControlAt(p, geo.DateOf(2025, 1, 1))
		if err != nil {
			t.Fatal(err)
		}
		if in := len(zs) == 1; in != slices.Contains(want, name) {
			t.Errorf("ControlAt(%s): in zone %v", name, in)
		}
	}
}

// TestTimePredicates checks open-ended validity, days on interval bounds,
// and overlapping zones.
func TestTimePredicates(t *testing.T) {
	d := geo.DateOf
	area := orb.Polygon{squareRing(38, 33, 42, 37)}
	zones := []geo.Zone{
		{ID: "gov-until-2024", Actor: "syrian-government", Status: geo.StatusControl, Area: area,
			Valid: geo.Interval{From: geo.OpenStart, To: d(2024, 12, 7)}, Sources: testSource},
		{ID: "sdf-from-2024", Actor: "sdf", Status: geo.StatusControl, Area: area,
			Valid: geo.Interval{From: d(2024, 12, 8), To: geo.OpenEnd}, Sources: testSource},
		{ID: "isis-presence", Actor: "isis", Status: geo.StatusPresence, Area: area,
			Valid: geo.Interval{From: d(2024, 6, 1), To: d(2025, 6, 1)}, Sources: testSource},
	}
	s := mustIndex(t, &geo.Dataset{Zones: zones})
	p := orb.Point{40, 35}
	tests := []struct {
		name string
		day  geo.Day
		want []string
	}{
		{"open start", d(1990, 1, 1), []string{"gov-until-2024"}},
		{"last day of a closed end", d(2024, 12, 7), []string{"gov-until-2024", "isis-presence"}},
		{"first day of an open end", d(2024, 12, 8), []string{"sdf-from-2024", "isis-presence"}},
		{"last day of presence, overlapping", d(2025, 6, 1), []string{"sdf-from-2024", "isis-presence"}},
		{"day after", d(2025, 6, 2), []string{"sdf-from-2024"}},
		{"open end", d(2100, 1, 1), []string{"sdf-from-2024"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zs, err := s.ControlAt(p, tt.day)
			if err != nil {
				t.Fatal(err)
			}
			if got := zoneIDs(zs); !slices.Equal(got, tt.want) {
				t.Errorf("ControlAt(%s) = %v, want %v", tt.day, got, tt.want)
			}
		})
	}

	hist, err := s.ControlHistory(p)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, per := range hist {
		got = append(got, per.Interval.String()+" "+strings.Join(zoneIDs(per.Zones), ","))
	}
	want := []string{
		"../2024-05-31 gov-until-2024",
		"2024-06-01/2024-12-07 gov-until-2024,isis-presence",
		"2024-12-08/2025-06-01 sdf-from-2024,isis-presence",
		"2025-06-02/.. sdf-from-2024",
	}
	if !slices.Equal(got, want) {
		t.Errorf("ControlHistory = %q, want %q", got, want)
	}

	// An incident spanning days overlaps a window that touches either end.
	in := namedIncidents(map[string]orb.Point{"week": p}, d(2025, 3, 1))
	in[0].DateEnd = d(2025, 3, 7)
	s = mustIndex(t, &geo.Dataset{Incidents: in})
	for _, w := range []struct {
		name string
		iv   geo.Interval
		want int
	}{
		{"ends on first day", geo.Interval{From: geo.OpenStart, To: d(2025, 3, 1)}, 1},
		{"starts on last day", geo.Interval{From: d(2025, 3, 7), To: geo.OpenEnd}, 1},
		{"ends the day before", geo.Interval{From: d(2025, 1, 1), To: d(2025, 2, 28)}, 0},
		{"starts the day after", geo.Interval{From: d(2025, 3, 8), To: geo.OpenEnd}, 0},
	} {
		n, err := s.CountIncidents(geo.IncidentQuery{Window: &w.iv})
		if err != nil {
			t.Fatal(err)
		}
		if n != w.want {
			t.Errorf("window %s (%s): %d, want %d", w.name, w.iv, n, w.want)
		}
	}
}

func TestQueryErrors(t *testing.T) {
	s := mustIndex(t, &geo.Dataset{Incidents: namedIncidents(map[string]orb.Point{"a": {40, 35}}, geo.DateOf(2025, 1, 1))})
	var ve *geo.ValidationError
	tests := []struct {
		name     string
		run      func() error
		field    string
		notFound bool
	}{
		{"reversed bbox", func() error {
			_, err := s.CountIncidents(geo.IncidentQuery{Where: geo.InBound(orb.Bound{Min: orb.Point{40, 35}, Max: orb.Point{39, 36}})})
			return err
		}, "bbox", false},
		{"NaN bbox", func() error {
			_, err := s.CountIncidents(geo.IncidentQuery{Where: geo.InBound(orb.Bound{Min: orb.Point{math.NaN(), 35}, Max: orb.Point{39, 36}})})
			return err
		}, "bbox", false},
		{"radius too large", func() error {
			_, err := s.CountIncidents(geo.IncidentQuery{Where: geo.InCircle(geo.Circle{Center: tanfBase, RadiusMeters: geo.MaxRadiusMeters + 1})})
			return err
		}, "circle.radius_m", false},
		{"unknown zone", func() error {
			_, err := s.CountIncidents(geo.IncidentQuery{Where: geo.InZone("nowhere")})
			return err
		}, "", true},
		{"reversed window", func() error {
			_, err := s.Incidents(geo.IncidentQuery{Window: &geo.Interval{From: geo.DateOf(2025, 2, 1), To: geo.DateOf(2025, 1, 1)}})
			return err
		}, "window.to", false},
		{"unknown type", func() error {
			_, err := s.Incidents(geo.IncidentQuery{Types: []geo.EventType{"picnic"}})
			return err
		}, "type", false},
		{"negative offset", func() error {
			_, err := s.Incidents(geo.IncidentQuery{Offset: -1})
			return err
		}, "offset", false},
		{"nearest without limit", func() error {
			_, err := s.NearestIncidents(tanfBase, geo.IncidentQuery{})
			return err
		}, "limit", false},
		{"nearest to NaN", func() error {
			_, err := s.NearestIncidents(orb.Point{math.NaN(), 0}, geo.IncidentQuery{Limit: 1})
			return err
		}, "point", false},
		{"control off the globe", func() error {
			_, err := s.ControlAt(orb.Point{200, 0}, 0)
			return err
		}, "point", false},
		{"grid without a cell size", func() error {
			_, err := s.Aggregate(geo.IncidentQuery{}, geo.Grouping{By: geo.ByGrid})
			return err
		}, "cell_degrees", false},
		{"unknown grouping", func() error {
			_, err := s.Aggregate(geo.IncidentQuery{}, geo.Grouping{By: "colour"})
			return err
		}, "group_by", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			switch {
			case tt.notFound:
				if !errors.Is(err, geo.ErrNotFound) {
					t.Errorf("err = %v, want ErrNotFound", err)
				}
			case !errors.As(err, &ve):
				t.Errorf("err = %v, want *ValidationError", err)
			case ve.Field != tt.field:
				t.Errorf("field = %q, want %q (%v)", ve.Field, tt.field, err)
			}
		})
	}
}
