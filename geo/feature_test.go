package geo_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
)

// roundTrip marshals v, decodes the JSON into a new value of v's type and
// returns it.
func roundTrip[T any](t *testing.T, v T) T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	var got T
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("Unmarshal(%s): %v", b, err)
	}
	return got
}

func TestZoneRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(z *geo.Zone)
	}{
		{"polygon", func(z *geo.Zone) {}},
		{"polygon with a hole", func(z *geo.Zone) {
			z.Area = orb.Polygon{square(38, 35, 42, 37), reversed(square(39, 35.5, 40, 36))}
		}},
		{"multipolygon", func(z *geo.Zone) {
			z.Area = orb.MultiPolygon{{square(38, 35, 39, 36)}, {square(40, 35, 41, 36)}}
		}},
		{"circle", func(z *geo.Zone) {
			z.ID, z.Status = "al-tanf-55km", geo.StatusDeconfliction
			z.Area, z.Circle = nil, &geo.Circle{Center: alTanf, RadiusMeters: 55_000}
		}},
		{"open ends", func(z *geo.Zone) { z.Valid = geo.Always }},
		{"open end", func(z *geo.Zone) { z.Valid.To = geo.OpenEnd }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := validZone()
			tt.mutate(&z)
			if err := z.Validate(); err != nil {
				t.Fatalf("test zone is invalid: %v", err)
			}
			want := z
			if z.Circle == nil {
				want.Area = z.Geometry() // a Polygon is written as a MultiPolygon
			}
			if got := roundTrip(t, z); !reflect.DeepEqual(got, want) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestCircleZoneGeometry(t *testing.T) {
	z := validZone()
	z.Area, z.Circle = nil, &geo.Circle{Center: alTanf, RadiusMeters: 55_000}
	b, err := json.Marshal(z)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Geometry struct {
			Type        string           `json:"type"`
			Coordinates [][][][2]float64 `json:"coordinates"`
		} `json:"geometry"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if f.Geometry.Type != "MultiPolygon" || len(f.Geometry.Coordinates) != 1 || len(f.Geometry.Coordinates[0][0]) != geo.CirclePolygonVertices+1 {
		t.Errorf("geometry %s of %d polygons, want a MultiPolygon of one with %d positions", f.Geometry.Type, len(f.Geometry.Coordinates), geo.CirclePolygonVertices+1)
	}
}

func TestIncidentRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(in *geo.Incident)
	}{
		{"full", func(in *geo.Incident) {}},
		{"one day", func(in *geo.Incident) { in.DateEnd = in.Date }},
		{"no actors or sub-type", func(in *geo.Incident) { in.Actors, in.SubType = nil, "" }},
		{"several sources that disagree", func(in *geo.Incident) {
			in.Sources = append(in.Sources, geo.Source{Publisher: "SOHR", Note: "reports 9 dead"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validIncident()
			tt.mutate(&in)
			if err := in.Validate(); err != nil {
				t.Fatalf("test incident is invalid: %v", err)
			}
			if got := roundTrip(t, in); !reflect.DeepEqual(got, in) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, in)
			}
		})
	}
}

func TestSiteActorBoundaryRoundTrip(t *testing.T) {
	s := validSite()
	if got := roundTrip(t, s); !reflect.DeepEqual(got, s) {
		t.Errorf("site round trip:\n got %+v\nwant %+v", got, s)
	}
	a := validActor()
	a.Aliases = []string{"قسد", "QSD"}
	a.Sources = reuters
	if got := roundTrip(t, a); !reflect.DeepEqual(got, a) {
		t.Errorf("actor round trip:\n got %+v\nwant %+v", got, a)
	}
	b := geo.Boundary{ID: "SY08", Name: "Al-Hasakeh", NameAR: "الحسكة", Level: geo.LevelGovernorate,
		Area: orb.Polygon{square(39.5, 35.5, 42.4, 37.3)}, Source: "OCHA"}
	if got := roundTrip(t, b); !reflect.DeepEqual(got, b) {
		t.Errorf("boundary round trip:\n got %+v\nwant %+v", got, b)
	}
}

// TestCoordinateOrder pins [lon, lat]: Damascus is written and read as
// [36.29194, 33.51306], never swapped.
func TestCoordinateOrder(t *testing.T) {
	damascus := orb.Point{36.29194, 33.51306}
	in := validIncident()
	in.Location, in.Place = damascus, "Damascus"
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Geometry struct {
			Coordinates []float64 `json:"coordinates"`
		} `json:"geometry"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if got, want := f.Geometry.Coordinates, []float64{36.29194, 33.51306}; !reflect.DeepEqual(got, want) {
		t.Errorf("coordinates written as %v, want %v ([lon, lat])", got, want)
	}
	if got := roundTrip(t, in).Location; got[0] != 36.29194 || got[1] != 33.51306 {
		t.Errorf("Location read back as %v, want lon 36.29194, lat 33.51306", got)
	}
}

func TestDecodeFeatureErrors(t *testing.T) {
	const props = `"date":"2026-01-20","date_precision":"day","type":"battles","actors":[],"precision_m":0,` +
		`"fatalities_low":0,"fatalities_best":0,"fatalities_high":0,"fatalities_civilians":0,"sources":[],"status":"reported"`
	tests := []struct {
		name  string
		json  string
		field string
	}{
		{"valid shape", `{"type":"Feature","id":"x","geometry":{"type":"Point","coordinates":[36.3,33.5]},"properties":{` + props + `}}`, ""},
		{"unknown property", `{"type":"Feature","id":"x","geometry":{"type":"Point","coordinates":[36.3,33.5]},"properties":{` + props + `,"fatalitis":3}}`, "properties.fatalitis"},
		{"not a feature", `{"type":"FeatureCollection","features":[]}`, "type"},
		{"numeric id", `{"type":"Feature","id":7,"geometry":{"type":"Point","coordinates":[36.3,33.5]},"properties":{` + props + `}}`, "id"},
		{"polygon geometry", `{"type":"Feature","id":"x","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},"properties":{` + props + `}}`, "geometry"},
		{"bad date", `{"type":"Feature","id":"x","geometry":{"type":"Point","coordinates":[36.3,33.5]},"properties":{` + props + `,"date_end":"2026-02-30"}}`, "properties.date_end"},
		{"malformed JSON", `{"type":"Feature",`, "body"},
		{"no properties", `{"type":"Feature","id":"x","geometry":{"type":"Point","coordinates":[36.3,33.5]}}`, "properties"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in geo.Incident
			wantValidationError(t, in.UnmarshalJSON([]byte(tt.json)), tt.field)
		})
	}
}
