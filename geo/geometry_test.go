package geo_test

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
)

// wantValidationError fails unless err is a *geo.ValidationError for field
// (any field when field is "*"), or nil when field is "".
func wantValidationError(t *testing.T, err error, field string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("got error %v, want none", err)
		}
		return
	}
	var ve *geo.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got error %T %v, want a *geo.ValidationError for %q", err, err, field)
	}
	if field != "*" && ve.Field != field {
		t.Errorf("got error field %q (%v), want %q", ve.Field, err, field)
	}
}

func TestValidatePoint(t *testing.T) {
	tests := []struct {
		name string
		p    orb.Point
		ok   bool
	}{
		{"Damascus", orb.Point{36.29194, 33.51306}, true},
		{"corner of the world", orb.Point{180, -90}, true},
		{"other corner", orb.Point{-180, 90}, true},
		{"NaN longitude", orb.Point{math.NaN(), 0}, false},
		{"NaN latitude", orb.Point{0, math.NaN()}, false},
		{"+Inf longitude", orb.Point{math.Inf(1), 0}, false},
		{"-Inf latitude", orb.Point{0, math.Inf(-1)}, false},
		{"longitude 180.0001", orb.Point{180.0001, 0}, false},
		{"longitude -180.0001", orb.Point{-180.0001, 0}, false},
		{"latitude 90.0001", orb.Point{0, 90.0001}, false},
		{"latitude -90.0001", orb.Point{0, -90.0001}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := geo.ValidatePoint(tt.p)
			if tt.ok {
				wantValidationError(t, err, "")
			} else {
				wantValidationError(t, err, "*")
			}
		})
	}
}

func TestNormalizeAreaRejects(t *testing.T) {
	good := square(0, 0, 1, 1)
	tests := []struct {
		name  string
		g     orb.Geometry
		field string
	}{
		{"nil", nil, "type"},
		{"point", orb.Point{1, 1}, "type"},
		{"line string", orb.LineString{{0, 0}, {1, 1}}, "type"},
		{"empty polygon", orb.Polygon{}, "coordinates"},
		{"empty multipolygon", orb.MultiPolygon{}, "coordinates"},
		{"multipolygon with an empty polygon", orb.MultiPolygon{{good}, {}}, "coordinates[1]"},
		{"unclosed ring", orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}, "coordinates[0]"},
		{"3-position ring", orb.Polygon{{{0, 0}, {1, 0}, {0, 0}}}, "coordinates[0]"},
		{"zero-area ring", orb.Polygon{{{0, 0}, {1, 1}, {2, 2}, {0, 0}}}, "coordinates[0]"},
		{"zero-area hole", orb.Polygon{good, {{0.5, 0.5}, {0.6, 0.6}, {0.5, 0.5}, {0.5, 0.5}}}, "coordinates[1]"},
		{"NaN vertex", orb.Polygon{{{0, 0}, {1, 0}, {1, math.NaN()}, {0, 0}}}, "coordinates[0][2]"},
		{"longitude 180.0001", orb.Polygon{{{0, 0}, {180.0001, 0}, {1, 1}, {0, 0}}}, "coordinates[0][1]"},
		{"latitude 90.0001", orb.Polygon{{{0, 0}, {1, 90.0001}, {1, 1}, {0, 0}}}, "coordinates[0][1]"},
		{"bad vertex in the second polygon", orb.MultiPolygon{{good}, {{{0, 0}, {1, 0}, {1, math.Inf(1)}, {0, 0}}}}, "coordinates[1][0][2]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := geo.NormalizeArea(tt.g)
			if err == nil {
				t.Fatalf("NormalizeArea(%v) = %v, want an error", tt.g, g)
			}
			wantValidationError(t, err, tt.field)
		})
	}
}

func TestNormalizeAreaOrientation(t *testing.T) {
	ccw, cw := square(0, 0, 4, 4), reversed(square(0, 0, 4, 4))
	holeCCW, holeCW := square(1, 1, 2, 2), reversed(square(1, 1, 2, 2))
	want := orb.Polygon{ccw, holeCW}
	tests := []struct {
		name string
		g    orb.Geometry
		want orb.Geometry
	}{
		{"already RFC 7946", orb.Polygon{ccw, holeCW}, want},
		{"exterior clockwise", orb.Polygon{cw, holeCW}, want},
		{"hole counter-clockwise", orb.Polygon{ccw, holeCCW}, want},
		{"both reversed", orb.Polygon{cw, holeCCW}, want},
		{"multipolygon", orb.MultiPolygon{{cw}, {cw, holeCCW}}, orb.MultiPolygon{{ccw}, want}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := orb.Clone(tt.g)
			got, err := geo.NormalizeArea(tt.g)
			if err != nil {
				t.Fatalf("NormalizeArea: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("NormalizeArea = %v, want %v", got, tt.want)
			}
			if !reflect.DeepEqual(tt.g, before) {
				t.Errorf("NormalizeArea modified its input: %v, was %v", tt.g, before)
			}
		})
	}
}

// alTanf is the centre of the 55 km deconfliction zone, [lon, lat].
var alTanf = orb.Point{38.63, 33.50}

func TestCircleValidate(t *testing.T) {
	tests := []struct {
		name  string
		c     geo.Circle
		field string
	}{
		{"Al-Tanf 55 km", geo.Circle{Center: alTanf, RadiusMeters: 55_000}, ""},
		{"largest radius", geo.Circle{Center: alTanf, RadiusMeters: geo.MaxRadiusMeters}, ""},
		{"radius 0", geo.Circle{Center: alTanf}, "radius_m"},
		{"negative radius", geo.Circle{Center: alTanf, RadiusMeters: -1}, "radius_m"},
		{"radius over 5,000 km", geo.Circle{Center: alTanf, RadiusMeters: geo.MaxRadiusMeters + 1}, "radius_m"},
		{"NaN radius", geo.Circle{Center: alTanf, RadiusMeters: math.NaN()}, "radius_m"},
		{"+Inf radius", geo.Circle{Center: alTanf, RadiusMeters: math.Inf(1)}, "radius_m"},
		{"NaN centre", geo.Circle{Center: orb.Point{math.NaN(), 33.5}, RadiusMeters: 1}, "center"},
		{"centre latitude 90.0001", geo.Circle{Center: orb.Point{38, 90.0001}, RadiusMeters: 1}, "center"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantValidationError(t, tt.c.Validate(), tt.field)
		})
	}
}

func TestCircleContains(t *testing.T) {
	c := geo.Circle{Center: alTanf, RadiusMeters: 55_000}
	b := c.Bound()
	for _, bearing := range []float64{0, 45, 90, 135, 180, 225, 270, 315} {
		for _, tt := range []struct {
			meters float64
			want   bool
		}{
			{54_900, true},
			{55_100, false},
		} {
			t.Run(fmt.Sprintf("bearing %g at %g m", bearing, tt.meters), func(t *testing.T) {
				p := geo.DestinationPoint(alTanf, bearing, tt.meters)
				if got := c.Contains(p); got != tt.want {
					t.Errorf("Contains(%v) = %v, want %v (distance %.1f m)", p, got, tt.want, geo.DistanceMeters(alTanf, p))
				}
				if tt.want && !b.Contains(p) {
					t.Errorf("Bound %v does not contain %v", b, p)
				}
			})
		}
	}
	if !c.Contains(alTanf) {
		t.Error("the circle does not contain its centre")
	}
	if damascus := (orb.Point{36.29194, 33.51306}); c.Contains(damascus) {
		t.Error("the Al-Tanf circle contains Damascus, 217 km away")
	}
}

func TestCirclePolygon(t *testing.T) {
	c := geo.Circle{Center: alTanf, RadiusMeters: 55_000}
	for _, n := range []int{3, 8, 64} {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			p := c.Polygon(n)
			if _, err := geo.NormalizeArea(p); err != nil {
				t.Fatalf("NormalizeArea: %v", err)
			}
			if p[0].Orientation() != orb.CCW {
				t.Error("ring is not counter-clockwise")
			}
			if got, want := len(p[0]), max(n, 8)+1; got != want {
				t.Errorf("%d positions, want %d", got, want)
			}
			for _, v := range p[0] {
				if d := geo.DistanceMeters(alTanf, v); math.Abs(d-55_000) > 0.001 {
					t.Errorf("vertex %v is %.1f m from the centre, want 55000", v, d)
				}
			}
		})
	}
}
