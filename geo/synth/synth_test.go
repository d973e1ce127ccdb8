package synth

import (
	"reflect"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/planar"

	"github.com/frontline-maps/frontline/geo"
)

func TestIncidentsValid(t *testing.T) {
	const n = 20_000
	ins := Incidents(n, 1)
	if len(ins) != n {
		t.Fatalf("len = %d, want %d", len(ins), n)
	}
	box := Box()
	ids := make(map[geo.IncidentID]bool, n)
	from, to := geo.DateOf(2017, 1, 1), geo.DateOf(2026, 12, 31)
	clustered := 0
	for i, in := range ins {
		if err := in.Validate(); err != nil {
			t.Fatalf("incident %d (%s): %v", i, in.ID, err)
		}
		if ids[in.ID] {
			t.Fatalf("duplicate ID %s", in.ID)
		}
		ids[in.ID] = true
		if !box.Contains(in.Location) {
			t.Errorf("%s: location %v outside %v", in.ID, in.Location, box)
		}
		if in.Date < from || in.DateEnd > to {
			t.Errorf("%s: dates %s outside 2017-01-01..2026-12-31", in.ID, in.Span())
		}
		if in.Origin.Dataset != geo.OriginSynthetic || in.Description != Description {
			t.Errorf("%s: origin %q, description %q: not marked synthetic", in.ID, in.Origin, in.Description)
		}
		if in.Place != "" {
			clustered++
		}
	}
	if got, want := ins[0].ID, geo.IncidentID("syn-000001"); got != want {
		t.Errorf("first ID = %q, want %q", got, want)
	}
	if got := float64(clustered) / n; got < 0.68 || got > 0.72 {
		t.Errorf("clustered share = %.3f, want about 0.70", got)
	}
}

func TestIncidentsDeterministic(t *testing.T) {
	a, b := Incidents(1000, 42), Incidents(1000, 42)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed gave different incidents")
	}
	if reflect.DeepEqual(a, Incidents(1000, 43)) {
		t.Fatal("different seeds gave the same incidents")
	}
	i := 0
	for in := range All(1000, 42) {
		if !reflect.DeepEqual(in, a[i]) {
			t.Fatalf("All()[%d] = %+v, want Incidents()[%d] = %+v", i, in, i, a[i])
		}
		i++
	}
	if i != len(a) {
		t.Fatalf("All yielded %d incidents, want %d", i, len(a))
	}
}

func TestIncidentsIDWidth(t *testing.T) {
	tests := []struct {
		name string
		n    int
		last geo.IncidentID
	}{
		{"six digits", 12, "syn-000012"},
		{"seven digits", 1_234_567, "syn-1234567"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var last geo.Incident
			for in := range All(tt.n, 1) {
				last = in
			}
			if last.ID != tt.last {
				t.Errorf("last ID = %q, want %q", last.ID, tt.last)
			}
		})
	}
}

func TestQ1Polygon(t *testing.T) {
	p := Q1Polygon(1)
	if got, want := len(p[0]), Q1Vertices+1; got != want {
		t.Fatalf("ring has %d positions, want %d", got, want)
	}
	if _, err := geo.NormalizeArea(p); err != nil {
		t.Fatalf("NormalizeArea: %v", err)
	}
	if p[0].Orientation() != orb.CCW {
		t.Error("ring is not counter-clockwise")
	}
	b := p.Bound()
	if b.Min[0] < 38 || b.Max[0] > 42.4 || b.Min[1] < 35 || b.Max[1] > 37.3 {
		t.Errorf("bound %v is not inside lon 38..42.4, lat 35..37.3", b)
	}
	if b.Min[0] > 38.3 || b.Max[0] < 42.1 || b.Min[1] > 35.2 || b.Max[1] < 37.1 {
		t.Errorf("bound %v does not cover most of lon 38..42.4, lat 35..37.3", b)
	}
	if a, box := planar.Area(p), b.Bound().ToPolygon(); a < 0.7*planar.Area(box) {
		t.Errorf("area %.3f is under 70%% of its bound's %.3f", a, planar.Area(box))
	}
	r := p[0]
	for i := 0; i+1 < len(r); i++ {
		// Edges i and i+1 share a vertex; every other pair must not touch.
		for j := i + 2; j+1 < len(r); j++ {
			if i == 0 && j == len(r)-2 {
				continue
			}
			if segmentsTouch(r[i], r[i+1], r[j], r[j+1]) {
				t.Fatalf("edges %d and %d intersect", i, j)
			}
		}
	}
	if !reflect.DeepEqual(p, Q1Polygon(1)) {
		t.Error("same seed gave different polygons")
	}
}

// segmentsTouch reports whether segments ab and cd share a point, by the
// orientation test; the inputs here are never collinear.
func segmentsTouch(a, b, c, d orb.Point) bool {
	o := func(p, q, r orb.Point) float64 {
		return (q[0]-p[0])*(r[1]-p[1]) - (q[1]-p[1])*(r[0]-p[0])
	}
	return o(a, b, c)*o(a, b, d) <= 0 && o(c, d, a)*o(c, d, b) <= 0
}

func BenchmarkIncidents(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Incidents(1_000_000, 1)
	}
}

// TestTileTour checks the tour is what the tile benchmarks say: 500 tiles,
// zooms 5 to 14, each in the world's tile range and about Syria, the same
// every time.
func TestTileTour(t *testing.T) {
	tour := TileTour()
	if len(tour) != TileTourLength {
		t.Fatalf("%d tiles, want %d", len(tour), TileTourLength)
	}
	zooms := map[uint32]bool{}
	for _, tile := range tour {
		if tile.Z < 5 || tile.Z > 14 || tile.X >= 1<<tile.Z || tile.Y >= 1<<tile.Z {
			t.Fatalf("tile %v out of range", tile)
		}
		zooms[uint32(tile.Z)] = true
		// Within two tiles of the walk's box, at the tile's zoom.
		lo, hi := maptile.At(orb.Point{36, 37.3}, tile.Z), maptile.At(orb.Point{42, 32.5}, tile.Z)
		if tile.X+2 < lo.X || tile.X > hi.X+2 || tile.Y+2 < lo.Y || tile.Y > hi.Y+2 {
			t.Errorf("tile %v is far from Syria (tiles %v to %v)", tile, lo, hi)
		}
	}
	if len(zooms) != 10 {
		t.Errorf("zooms %v, want 5 to 14", zooms)
	}
	if !reflect.DeepEqual(tour, TileTour()) {
		t.Error("two tours differ")
	}
}
