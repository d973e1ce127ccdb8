package geo_test

import (
	"math"
	"testing"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
)

var reuters = []geo.Source{{Publisher: "Reuters", Title: "SDF withdraws", URL: "https://www.reuters.com/world/middle-east/", Published: geo.DateOf(2026, 1, 20)}}

func validZone() geo.Zone {
	return geo.Zone{
		ID: "sdf-2026-01", Name: "SDF-held north-east", Actor: "sdf", Status: geo.StatusControl,
		Area:        orb.Polygon{square(38, 35, 42, 37)},
		Valid:       geo.Interval{From: geo.DateOf(2026, 1, 1), To: geo.DateOf(2026, 1, 31)},
		Approximate: true, UncertaintyMeters: 5000, Sources: reuters,
	}
}

func validIncident() geo.Incident {
	return geo.Incident{
		ID: "shaddadi-prison-escape-2026-01", Date: geo.DateOf(2026, 1, 19), DateEnd: geo.DateOf(2026, 1, 20),
		DatePrecision: geo.PrecisionDay, Type: geo.StrategicDevelopments, SubType: "prison_break",
		Actors: []geo.IncidentActor{
			{Actor: "isis", Name: "Islamic State", Role: geo.RolePerpetrator},
			{Name: "prison guards", Role: geo.RoleTarget},
		},
		Location: orb.Point{40.7303, 36.0561}, PrecisionMeters: 1000, Place: "Al-Shaddadi",
		Governorate: "Al-Hasakeh", Fatalities: geo.Fatalities{Low: 1, Best: 2, High: 5, Civilians: 1},
		Description: "Escape from al-Shaddadi prison", Sources: reuters, Status: geo.Reported,
		Origin: geo.Origin{Dataset: "frontline", ID: "1"},
	}
}

func validSite() geo.Site {
	return geo.Site{
		ID: "al-tanf-base", Name: "Al-Tanf base", NameAR: "التنف", AltNames: []string{"At-Tanf"},
		Kind: geo.SiteBase, Location: orb.Point{38.61778, 33.50583}, Governorate: "Rural Damascus",
		Sources: []geo.Source{{Publisher: "Wikipedia", URL: "https://en.wikipedia.org/wiki/Al-Tanf"}},
	}
}

func validActor() geo.Actor {
	return geo.Actor{ID: "sdf", Name: "Syrian Democratic Forces", ShortName: "SDF", Colour: "#e3c800", Kind: geo.KindNonState}
}

func TestZoneValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(z *geo.Zone)
		field  string
	}{
		{"valid", func(z *geo.Zone) {}, ""},
		{"open ends", func(z *geo.Zone) { z.Valid = geo.Always }, ""},
		{"open start", func(z *geo.Zone) { z.Valid.From = geo.OpenStart }, ""},
		{"single day", func(z *geo.Zone) { z.Valid.To = z.Valid.From }, ""},
		{"circle instead of area", func(z *geo.Zone) {
			z.Area, z.Circle = nil, &geo.Circle{Center: alTanf, RadiusMeters: 55_000}
		}, ""},
		{"valid_to before valid_from", func(z *geo.Zone) { z.Valid.To = z.Valid.From - 1 }, "valid_to"},
		{"unknown status", func(z *geo.Zone) { z.Status = "occupied" }, "status"},
		{"bad ID", func(z *geo.Zone) { z.ID = "sdf 2026" }, "id"},
		{"bad actor", func(z *geo.Zone) { z.Actor = "" }, "actor"},
		{"missing sources", func(z *geo.Zone) { z.Sources = nil }, "sources"},
		{"source without publisher", func(z *geo.Zone) { z.Sources = []geo.Source{{Title: "x"}} }, "sources[0].publisher"},
		{"source with a javascript URL", func(z *geo.Zone) {
			z.Sources = []geo.Source{{Publisher: "x", URL: "javascript:alert(1)"}}
		}, "sources[0].url"},
		{"area and circle", func(z *geo.Zone) { z.Circle = &geo.Circle{Center: alTanf, RadiusMeters: 1} }, "geometry"},
		{"no geometry", func(z *geo.Zone) { z.Area = nil }, "geometry.type"},
		{"unclosed ring", func(z *geo.Zone) { z.Area = orb.Polygon{square(0, 0, 1, 1)[:4]} }, "geometry.coordinates[0]"},
		{"circle radius 0", func(z *geo.Zone) { z.Area, z.Circle = nil, &geo.Circle{Center: alTanf} }, "circle.radius_m"},
		{"negative uncertainty", func(z *geo.Zone) { z.UncertaintyMeters = -1 }, "uncertainty_m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := validZone()
			tt.mutate(&z)
			wantValidationError(t, z.Validate(), tt.field)
		})
	}
}

func TestZoneNormalize(t *testing.T) {
	z := validZone()
	z.Area = orb.Polygon{reversed(square(38, 35, 42, 37))}
	if err := z.Normalize(); err != nil {
		t.Fatalf("Normalize: %v", err)
	}
	// A Polygon comes out a MultiPolygon of one, as every zone is written.
	mp, ok := z.Area.(orb.MultiPolygon)
	if !ok || len(mp) != 1 {
		t.Fatalf("area %T after Normalize, want a MultiPolygon of one polygon", z.Area)
	}
	if got := mp[0][0].Orientation(); got != orb.CCW {
		t.Errorf("exterior orientation %v after Normalize, want CCW", got)
	}
}

func TestIncidentValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(in *geo.Incident)
		field  string
	}{
		{"valid", func(in *geo.Incident) {}, ""},
		{"no sub-type", func(in *geo.Incident) { in.SubType = "" }, ""},
		{"synthetic needs no sources", func(in *geo.Incident) {
			in.Sources, in.Origin = nil, geo.Origin{Dataset: geo.OriginSynthetic, ID: "1"}
		}, ""},
		{"curated needs sources", func(in *geo.Incident) { in.Sources = nil }, "sources"},
		{"imported needs sources", func(in *geo.Incident) {
			in.Sources, in.Origin = nil, geo.Origin{Dataset: "ucdp", ID: "186940"}
		}, "sources"},
		{"unknown type", func(in *geo.Incident) { in.Type, in.SubType = "skirmish", "" }, "type"},
		{"unknown sub-type", func(in *geo.Incident) { in.SubType = "skirmish" }, "sub_type"},
		{"sub-type of another type", func(in *geo.Incident) { in.SubType = "ied" }, "sub_type"},
		{"unknown status", func(in *geo.Incident) { in.Status = "rumoured" }, "status"},
		{"date_end before date", func(in *geo.Incident) { in.DateEnd = in.Date - 1 }, "date_end"},
		{"unknown date precision", func(in *geo.Incident) { in.DatePrecision = "hour" }, "date_precision"},
		{"NaN location", func(in *geo.Incident) { in.Location[0] = math.NaN() }, "geometry"},
		{"latitude 90.0001", func(in *geo.Incident) { in.Location[1] = 90.0001 }, "geometry"},
		{"precision over 1,000 km", func(in *geo.Incident) { in.PrecisionMeters = geo.MaxPrecisionMeters + 1 }, "precision_m"},
		{"actor without id or name", func(in *geo.Incident) { in.Actors[1].Name = "" }, "actors[1]"},
		{"actor with an unknown role", func(in *geo.Incident) { in.Actors[0].Role = "bystander" }, "actors[0].role"},
		{"best below low", func(in *geo.Incident) { in.Fatalities.Best = 0 }, "fatalities_best"},
		{"bad ID", func(in *geo.Incident) { in.ID = "-x" }, "id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validIncident()
			tt.mutate(&in)
			wantValidationError(t, in.Validate(), tt.field)
		})
	}
}

func TestFatalitiesValidate(t *testing.T) {
	tests := []struct {
		name  string
		f     geo.Fatalities
		field string
	}{
		{"none", geo.Fatalities{}, ""},
		{"a range", geo.Fatalities{Low: 1, Best: 2, High: 3, Civilians: 3}, ""},
		{"negative low", geo.Fatalities{Low: -1}, "fatalities_low"},
		{"best below low", geo.Fatalities{Low: 2, Best: 1, High: 2}, "fatalities_best"},
		{"high below best", geo.Fatalities{Best: 3, High: 2}, "fatalities_high"},
		{"negative civilians", geo.Fatalities{Civilians: -1}, "fatalities_civilians"},
		{"civilians above high", geo.Fatalities{Best: 1, High: 1, Civilians: 2}, "fatalities_civilians"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantValidationError(t, tt.f.Validate(), tt.field)
		})
	}
}

func TestSiteValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(s *geo.Site)
		field  string
	}{
		{"valid", func(s *geo.Site) {}, ""},
		{"missing sources", func(s *geo.Site) { s.Sources = nil }, "sources"},
		{"unknown kind", func(s *geo.Site) { s.Kind = "castle" }, "kind"},
		{"no name", func(s *geo.Site) { s.Name = " " }, "name"},
		{"longitude 180.0001", func(s *geo.Site) { s.Location[0] = 180.0001 }, "geometry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validSite()
			tt.mutate(&s)
			wantValidationError(t, s.Validate(), tt.field)
		})
	}
}

func TestActorValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(a *geo.Actor)
		field  string
	}{
		{"valid", func(a *geo.Actor) {}, ""},
		{"sources are optional", func(a *geo.Actor) { a.Sources = nil }, ""},
		{"affiliation", func(a *geo.Actor) { a.Affiliation = "us-led-coalition" }, ""},
		{"bad affiliation", func(a *geo.Actor) { a.Affiliation = "US led" }, "affiliation"},
		{"short colour", func(a *geo.Actor) { a.Colour = "#fff" }, "colour"},
		{"unknown kind", func(a *geo.Actor) { a.Kind = "militia" }, "kind"},
		{"no name", func(a *geo.Actor) { a.Name = "" }, "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := validActor()
			tt.mutate(&a)
			wantValidationError(t, a.Validate(), tt.field)
		})
	}
}

// TestMissingEnumReadsAsMissing: an enumerated field left out (decoded as
// "") is reported as missing, not as the value "".
func TestMissingEnumReadsAsMissing(t *testing.T) {
	in := validIncident()
	in.DatePrecision = ""
	err := in.Validate()
	if err == nil || err.Error() != "invalid date_precision: is missing; expected one of [day week month year]" {
		t.Errorf("got %v", err)
	}
	in.DatePrecision = "hour"
	if err := in.Validate(); err == nil || err.Error() != `invalid date_precision: "hour" is not one of [day week month year]` {
		t.Errorf("got %v", err)
	}
}
