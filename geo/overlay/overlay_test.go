package overlay_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/geo/overlay"
)

// box returns the [lon, lat] rectangle as a counter-clockwise polygon.
func box(minLon, minLat, maxLon, maxLat float64) orb.Polygon {
	return orb.Bound{Min: orb.Point{minLon, minLat}, Max: orb.Point{maxLon, maxLat}}.ToPolygon()
}

// bandKm2 is the exact area of a [lon, lat] rectangle on the authalic
// sphere: R² Δλ (sin φ2 − sin φ1), the oracle for AreaKm2.
func bandKm2(minLon, minLat, maxLon, maxLat float64) float64 {
	const r = 6371.0072
	rad := math.Pi / 180
	return r * r * (maxLon - minLon) * rad * (math.Sin(maxLat*rad) - math.Sin(minLat*rad))
}

func zone(id, actor string, status geo.ZoneStatus, from, to geo.Day, area orb.Geometry) geo.Zone {
	return geo.Zone{ID: geo.ZoneID(id), Actor: geo.ActorID(actor), Status: status, Area: area,
		Valid: geo.Interval{From: from, To: to}, Sources: []geo.Source{{Publisher: "test"}}}
}

var (
	d2024 = geo.DateOf(2024, 6, 1)
	d2025 = geo.DateOf(2025, 6, 1)
	end24 = geo.DateOf(2024, 12, 31)
	jan25 = geo.DateOf(2025, 1, 1)
)

func snapshot(t testing.TB, zones ...geo.Zone) *geo.Snapshot {
	t.Helper()
	ix, err := geo.NewIndex(&geo.Dataset{Zones: zones})
	if err != nil {
		t.Fatal(err)
	}
	return ix.Snapshot()
}

func TestAreaKm2(t *testing.T) {
	tests := []struct {
		name string
		mp   orb.MultiPolygon
		want float64
	}{
		{"nil", nil, 0},
		{"1x1 at the equator", orb.MultiPolygon{box(0, 0, 1, 1)}, bandKm2(0, 0, 1, 1)},
		{"1x1 at Syria's latitude", orb.MultiPolygon{box(38, 35, 39, 36)}, bandKm2(38, 35, 39, 36)},
		{"clockwise ring counts the same", orb.MultiPolygon{{{{38, 35}, {38, 36}, {39, 36}, {39, 35}, {38, 35}}}}, bandKm2(38, 35, 39, 36)},
		{"hole subtracted", orb.MultiPolygon{{box(38, 35, 40, 37)[0], box(38.5, 35.5, 39.5, 36.5)[0]}},
			bandKm2(38, 35, 40, 37) - bandKm2(38.5, 35.5, 39.5, 36.5)},
		{"two parts add", orb.MultiPolygon{box(38, 35, 39, 36), box(40, 35, 41, 36)}, 2 * bandKm2(38, 35, 39, 36)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The formula is exact for edges along parallels and meridians.
			if got := overlay.AreaKm2(tt.mp); math.Abs(got-tt.want) > 1e-6*max(1, tt.want) {
				t.Errorf("AreaKm2 = %.6f, want %.6f", got, tt.want)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	s := snapshot(t,
		// sdf holds 38..40 in 2024 and 39..41 from 2025: gains 40..41, loses 38..39.
		zone("sdf-2024", "sdf", geo.StatusControl, geo.OpenStart, end24, box(38, 35, 40, 36)),
		zone("sdf-2025", "sdf", geo.StatusControl, jan25, geo.OpenEnd, box(39, 35, 41, 36)),
		// An overlapping second sdf zone in 2025 counts once.
		zone("sdf-2025-overlap", "sdf", geo.StatusControl, jan25, geo.OpenEnd, box(40, 35, 40.5, 36)),
		// gov holds the same ground throughout: no change.
		zone("gov", "gov", geo.StatusControl, geo.OpenStart, geo.OpenEnd, box(36, 33, 37, 34)),
		// presence is not control and is ignored.
		zone("isis-presence", "isis", geo.StatusPresence, geo.OpenStart, geo.OpenEnd, box(38, 33, 40, 35)),
		// A circle counts as its 64-gon, valid only in 2025.
		geo.Zone{ID: "tanf", Actor: "us", Status: geo.StatusControl, Circle: &geo.Circle{Center: orb.Point{38.63, 33.5}, RadiusMeters: 55_000},
			Valid: geo.Interval{From: jan25, To: geo.OpenEnd}, Sources: []geo.Source{{Publisher: "test"}}},
	)
	got, err := overlay.Diff(s, d2024, d2025, nil)
	if err != nil {
		t.Fatal(err)
	}
	strip := bandKm2(38, 35, 39, 36)
	// A 64-gon inscribed in a disc of 55 km on the WGS84 ellipsoid; the
	// authalic sphere's area differs from the ellipsoid's by under 0.1%.
	circle := math.Pi * 55 * 55 * 0.99839
	want := []overlay.Change{
		{Actor: "gov", FromKm2: bandKm2(36, 33, 37, 34), ToKm2: bandKm2(36, 33, 37, 34)},
		{Actor: "sdf", FromKm2: 2 * strip, ToKm2: 2 * strip, GainedKm2: strip, LostKm2: strip},
		{Actor: "us", ToKm2: circle, GainedKm2: circle},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d changes, want %d: %+v", len(got), len(want), got)
	}
	near := func(a, b, tol float64) bool { return math.Abs(a-b) <= tol*max(1, b) }
	for i, w := range want {
		g := got[i]
		if g.Actor != w.Actor || !near(g.FromKm2, w.FromKm2, 1e-3) || !near(g.ToKm2, w.ToKm2, 2e-3) ||
			!near(g.GainedKm2, w.GainedKm2, 2e-3) || !near(g.LostKm2, w.LostKm2, 1e-3) {
			t.Errorf("change %d = %s from %.1f to %.1f gained %.1f lost %.1f, want %s from %.1f to %.1f gained %.1f lost %.1f",
				i, g.Actor, g.FromKm2, g.ToKm2, g.GainedKm2, g.LostKm2, w.Actor, w.FromKm2, w.ToKm2, w.GainedKm2, w.LostKm2)
		}
		if d := (g.ToKm2 - g.FromKm2) - (g.GainedKm2 - g.LostKm2); math.Abs(d) > 1e-6*max(1, g.ToKm2) {
			t.Errorf("%s: to - from and gained - lost differ by %g km²", g.Actor, d)
		}
	}
	sdf := got[1]
	if b := sdf.Gained.Bound(); b != (orb.Bound{Min: orb.Point{40, 35}, Max: orb.Point{41, 36}}) {
		t.Errorf("sdf gained bound = %v, want lon 40..41", b)
	}
	if b := sdf.Lost.Bound(); b != (orb.Bound{Min: orb.Point{38, 35}, Max: orb.Point{39, 36}}) {
		t.Errorf("sdf lost bound = %v, want lon 38..39", b)
	}
	if got[0].Gained != nil || got[0].Lost != nil {
		t.Errorf("gov: gained %v lost %v, want nil", got[0].Gained, got[0].Lost)
	}
}

func TestDiffClip(t *testing.T) {
	s := snapshot(t,
		zone("sdf-2024", "sdf", geo.StatusControl, geo.OpenStart, end24, box(38, 35, 40, 36)),
		zone("sdf-2025", "sdf", geo.StatusControl, jan25, geo.OpenEnd, box(39, 35, 41, 36)),
	)
	clip := orb.Bound{Min: orb.Point{39.5, 35}, Max: orb.Point{40.5, 36}}
	got, err := overlay.Diff(s, d2024, d2025, &clip)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %+v, want one change", got)
	}
	half := bandKm2(39.5, 35, 40, 36)
	if g := got[0]; math.Abs(g.FromKm2-half) > 1e-3 || math.Abs(g.ToKm2-2*half) > 1e-3 || math.Abs(g.GainedKm2-half) > 1e-3 || g.LostKm2 > 1e-9 {
		t.Errorf("clipped change = %+v, want from %.1f to %.1f gained %.1f lost 0", g, half, 2*half, half)
	}
}

func TestDiffSameDayIsNoChange(t *testing.T) {
	s := snapshot(t, zone("sdf", "sdf", geo.StatusControl, geo.OpenStart, geo.OpenEnd, box(38, 35, 40, 36)))
	got, err := overlay.Diff(s, d2025, d2025, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Gained != nil || got[0].Lost != nil || got[0].FromKm2 != got[0].ToKm2 {
		t.Errorf("same-day diff = %+v, want no change", got)
	}
}

// Diff answers how an actor's ground changed between two dates.
func ExampleDiff() {
	ix, _ := geo.NewIndex(&geo.Dataset{Zones: []geo.Zone{
		zone("sdf-2024", "sdf", geo.StatusControl, geo.OpenStart, end24, box(38, 35, 40, 36)),
		zone("sdf-2025", "sdf", geo.StatusControl, jan25, geo.OpenEnd, box(39, 35, 40, 36)),
	}})
	changes, _ := overlay.Diff(ix.Snapshot(), d2024, d2025, nil)
	for _, c := range changes {
		fmt.Printf("%s: %.0f km² → %.0f km², lost %.0f km² west of lon %.0f\n", c.Actor, c.FromKm2, c.ToKm2, c.LostKm2, c.Lost.Bound().Max[0])
	}
	// Output:
	// sdf: 20132 km² → 10066 km², lost 10066 km² west of lon 39
}

// TestIntersects checks overlapping, touching, nested, apart and
// box-overlapping-but-apart squares.
func TestIntersects(t *testing.T) {
	sq := func(x0, y0, x1, y1 float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}}
	}
	// An L shape whose box covers the small square that it misses.
	l := orb.MultiPolygon{{{{0, 0}, {4, 0}, {4, 1}, {1, 1}, {1, 4}, {0, 4}, {0, 0}}}}
	for _, c := range []struct {
		name string
		a, b orb.MultiPolygon
		want bool
	}{
		{"overlap", sq(0, 0, 2, 2), sq(1, 1, 3, 3), true},
		{"touch", sq(0, 0, 1, 1), sq(1, 0, 2, 1), true},
		{"inside", sq(0, 0, 4, 4), sq(1, 1, 2, 2), true},
		{"apart", sq(0, 0, 1, 1), sq(2, 2, 3, 3), false},
		{"in the box, not the shape", l, sq(2, 2, 3, 3), false},
		{"empty", nil, sq(0, 0, 1, 1), false},
	} {
		if got := overlay.Intersects(c.a, c.b); got != c.want {
			t.Errorf("%s: Intersects = %v, want %v", c.name, got, c.want)
		}
		if got := overlay.Intersects(c.b, c.a); got != c.want {
			t.Errorf("%s, swapped: Intersects = %v, want %v", c.name, got, c.want)
		}
	}
}
