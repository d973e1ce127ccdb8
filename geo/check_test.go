package geo_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
)

func checkDataset() *geo.Dataset {
	src := []geo.Source{{Publisher: "Reuters"}}
	return &geo.Dataset{
		Actors: []geo.Actor{
			{ID: "sdf", Name: "SDF", Colour: "#e69f00", Kind: geo.KindNonState, Affiliation: "us-coalition"},
			{ID: "us-coalition", Name: "US-led coalition", Colour: "#0072b2", Kind: geo.KindCoalition},
			{ID: "isis", Name: "Islamic State", Colour: "#000000", Kind: geo.KindNonState},
		},
		Zones: []geo.Zone{{
			ID: "sdf-2026", Actor: "sdf", Status: geo.StatusControl, Area: govBox(40, 35.5, 42, 37.5),
			Valid: geo.Interval{From: geo.DateOf(2026, 1, 1), To: geo.OpenEnd}, Sources: src,
		}},
		Sites: []geo.Site{{ID: "shaddadi-prison", Name: "al-Shaddadi prison", Kind: geo.SitePrison, Location: orb.Point{40.73, 36.06}, Governorate: "Al-Hasakeh", Sources: src}},
		Incidents: []geo.Incident{{
			ID: "shaddadi-escape", Date: geo.DateOf(2026, 1, 20), DateEnd: geo.DateOf(2026, 1, 20), DatePrecision: geo.PrecisionDay,
			Type: geo.StrategicDevelopments, SubType: "prison_break", Actors: []geo.IncidentActor{{Actor: "isis", Role: geo.RolePerpetrator}},
			Location: orb.Point{40.73, 36.06}, Governorate: "Al-Hasakeh", Sources: src, Status: geo.Disputed,
		}},
		Statistics: []geo.Statistic{{ID: "isis-2021", Subject: "ISIS attacks", Value: 97, Unit: "attacks", From: geo.DateOf(2021, 1, 1), To: geo.DateOf(2021, 12, 31), Sources: src}},
		Boundaries: []geo.Boundary{
			{ID: "SY08", Name: "Al-Hasakeh", Level: geo.LevelGovernorate, Area: govBox(40, 35.5, 42, 37.5)},
			{ID: "SY09", Name: "Deir-ez-Zor", Level: geo.LevelGovernorate, Area: govBox(39, 34, 41, 35.5)},
		},
	}
}

func TestCheck(t *testing.T) {
	if ps := geo.Check(checkDataset(), nil); ps != nil {
		t.Fatalf("the good dataset has problems: %v", ps)
	}
	fileOf := func(r any) string { return fmt.Sprintf("%T", r) }
	tests := []struct {
		name  string
		spoil func(ds *geo.Dataset)
		want  []geo.Problem
	}{
		{"bad coordinate", func(ds *geo.Dataset) { ds.Incidents[0].Location = orb.Point{40.73, 96} },
			[]geo.Problem{{"geo.Incident", "shaddadi-escape", "geometry", "latitude 96 is outside [-90, 90]"}}},
		{"unknown actors", func(ds *geo.Dataset) {
			ds.Zones[0].Actor = "sfd"
			ds.Incidents[0].Actors[0].Actor = "daesh"
			ds.Actors[0].Affiliation = "usa"
		}, []geo.Problem{
			{"geo.Actor", "sdf", "affiliation", `actor "usa" does not exist`},
			{"geo.Zone", "sdf-2026", "properties.actor", `actor "sfd" does not exist`},
			{"geo.Incident", "shaddadi-escape", "properties.actors[0].actor", `actor "daesh" does not exist`},
		}},
		{"self affiliation", func(ds *geo.Dataset) { ds.Actors[2].Affiliation = "isis" },
			[]geo.Problem{{"geo.Actor", "isis", "affiliation", "an actor cannot be affiliated with itself"}}},
		{"duplicate ids", func(ds *geo.Dataset) {
			ds.Incidents = append(ds.Incidents, ds.Incidents[0])
			ds.Actors = append(ds.Actors, ds.Actors[2])
		}, []geo.Problem{
			{"geo.Actor", "isis", "id", "duplicate actor id (first in geo.Actor)"},
			{"geo.Incident", "shaddadi-escape", "id", "duplicate incident id (first in geo.Incident)"},
		}},
		{"same id in different kinds is fine", func(ds *geo.Dataset) { ds.Sites[0].ID = "shaddadi-escape" }, nil},
		{"missing sources", func(ds *geo.Dataset) {
			ds.Zones[0].Sources = nil
			ds.Statistics[0].Sources = []geo.Source{}
		}, []geo.Problem{
			{"geo.Zone", "sdf-2026", "properties.sources", "at least one source is required"},
			{"geo.Statistic", "isis-2021", "sources", "at least one source is required"},
		}},
		{"valid_to before valid_from", func(ds *geo.Dataset) { ds.Zones[0].Valid.To = geo.DateOf(2025, 12, 31) },
			[]geo.Problem{{"geo.Zone", "sdf-2026", "properties.valid_to", "2025-12-31 is before 2026-01-01"}}},
		{"wrong governorate", func(ds *geo.Dataset) {
			ds.Incidents[0].Governorate = "Deir-ez-Zor"
			ds.Sites[0].Governorate = ""
		}, []geo.Problem{
			{"geo.Site", "shaddadi-prison", "properties.governorate", `is empty; the location lies in "Al-Hasakeh"`},
			{"geo.Incident", "shaddadi-escape", "properties.governorate", `is "Deir-ez-Zor" but the location lies in "Al-Hasakeh"`},
		}},
		{"governorate not checked without boundaries", func(ds *geo.Dataset) {
			ds.Boundaries = nil
			ds.Incidents[0].Governorate = "Atlantis"
		}, nil},
		{"bad boundary", func(ds *geo.Dataset) { ds.Boundaries[1].Area = orb.Polygon{{{0, 0}, {1, 1}}} },
			[]geo.Problem{{"geo.Boundary", "SY09", "geometry.coordinates[0]", "a ring needs at least 4 positions, got 2"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds := checkDataset()
			tc.spoil(ds)
			if got := geo.Check(ds, fileOf); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got\n%v\nwant\n%v", got, tc.want)
			}
		})
	}
}

func TestProblemError(t *testing.T) {
	p := geo.Problem{File: "zones.geojson", ID: "sdf-2026", Field: "properties.valid_to", Reason: "is before valid_from"}
	if got, want := p.Error(), "zones.geojson: sdf-2026: properties.valid_to: is before valid_from"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	if got, want := (geo.Problem{File: "actors.json", Reason: "required file is missing"}).Error(), "actors.json: required file is missing"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}

func TestLocalPath(t *testing.T) {
	for text, want := range map[string]string{
		"cited via shared/research/control-areas.md; 6 Dec":  "shared/research/control-areas.md",
		"text of shared/sources/001_d8cb585f30e690d8.txt":    "shared/sources/001_d8cb585f30e690d8.txt",
		"see ../notes/timeline.csv":                          "../notes/timeline.csv",
		"(/home/me/reports/isw.pdf)":                         "/home/me/reports/isw.pdf",
		"file:///tmp/x.html":                                 "file:///tmp/x.html",
		"https://polgeonow.com/2024/12/syria-war-map.html":   "",
		"mirror at www.example.org/maps/syria.html":          "",
		"Al Jazeera, 3 Dec 2024; 8,835 km2 per Wikipedia":    "",
		"the Tel Abyad/Ras al-Ain strip (SDF/AANES) in 2019": "",
		"": "",
	} {
		if got := geo.LocalPath(text); got != want {
			t.Errorf("LocalPath(%q) = %q, want %q", text, got, want)
		}
	}
}

// TestCheckRejectsLocalCitations: a source or a note naming a file of
// local working material, or a URL that is not http(s), is a problem
// naming the field.
func TestCheckRejectsLocalCitations(t *testing.T) {
	ds := &geo.Dataset{Actors: []geo.Actor{{ID: "a", Name: "A", Colour: "#000000", Kind: geo.KindState,
		Notes:   "held the city (shared/research/control-areas.md)",
		Sources: []geo.Source{{Publisher: "P", URL: "../sources/x.txt"}, {Publisher: "Q", Note: "text of shared/sources/001.txt"}}}}}
	var got []string
	for _, p := range geo.Check(ds, nil) {
		got = append(got, p.Field)
	}
	want := []string{"sources[0].url", "sources[1].note", "notes"}
	if !slices.Equal(got, want) {
		t.Errorf("problems in %v, want %v", got, want)
	}
}
