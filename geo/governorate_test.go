package geo_test

import (
	"testing"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
)

func govBox(minLon, minLat, maxLon, maxLat float64) orb.Polygon {
	return orb.Polygon{{{minLon, minLat}, {maxLon, minLat}, {maxLon, maxLat}, {minLon, maxLat}, {minLon, minLat}}}
}

func TestGovernoratesLocate(t *testing.T) {
	g, err := geo.NewGovernorates([]geo.Boundary{
		{ID: "SY08", Name: "Al-Hasakeh", Level: geo.LevelGovernorate, Area: govBox(40, 35.5, 42, 37.5)},
		{ID: "SY09", Name: "Deir-ez-Zor", Level: geo.LevelGovernorate, Area: orb.MultiPolygon{govBox(39, 34, 41, 35.5)}},
		{ID: "SY", Name: "Syria", Level: geo.LevelCountry, Area: govBox(35, 32, 43, 38)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if g.Len() != 2 {
		t.Fatalf("Len = %d, want 2 (country ignored)", g.Len())
	}
	tests := []struct {
		name string
		p    orb.Point
		want string
	}{
		{"inside", orb.Point{41, 36.5}, "Al-Hasakeh"},
		{"inside multipolygon", orb.Point{40, 35}, "Deir-ez-Zor"},
		{"on the shared edge: first in input order", orb.Point{40.5, 35.5}, "Al-Hasakeh"},
		{"300 m east of Hasakeh", orb.Point{42.0033, 36.5}, "Al-Hasakeh"},
		{"4.5 km south of Deir-ez-Zor", orb.Point{40, 33.96}, "Deir-ez-Zor"},
		{"6 km south of Deir-ez-Zor", orb.Point{40, 33.946}, ""},
		{"nearer to Deir-ez-Zor than Hasakeh", orb.Point{39.98, 35.501}, "Deir-ez-Zor"},
		{"far away", orb.Point{10, 10}, ""},
	}
	for _, tc := range tests {
		if got := g.Locate(tc.p); got != tc.want {
			t.Errorf("%s: Locate(%v) = %q, want %q", tc.name, tc.p, got, tc.want)
		}
	}

	ins := []geo.Incident{{Location: orb.Point{41, 36.5}}, {Location: orb.Point{10, 10}, Governorate: "Unknown land"}}
	g.Assign(ins)
	if ins[0].Governorate != "Al-Hasakeh" || ins[1].Governorate != "Unknown land" {
		t.Errorf("Assign gave %q, %q", ins[0].Governorate, ins[1].Governorate)
	}
}

func TestNewGovernoratesInvalid(t *testing.T) {
	_, err := geo.NewGovernorates([]geo.Boundary{{ID: "SY01", Name: "Damascus", Level: geo.LevelGovernorate, Area: orb.Polygon{}}})
	if err == nil {
		t.Fatal("no error for an empty polygon")
	}
}

func TestNormalizeGovernorate(t *testing.T) {
	tests := map[string]string{
		"Deir ez Zor governorate": "Deir-ez-Zor",
		"Deir ez Zor Governorate": "Deir-ez-Zor",
		"Dayr Az Zawr":            "Deir-ez-Zor",
		"Rif Dimashq governorate": "Rural Damascus",
		"Rural Damascus":          "Rural Damascus",
		"Ar Raqqah governorate":   "Ar-Raqqa",
		"Al Hasakah governorate":  "Al-Hasakeh",
		"Hasakeh":                 "Al-Hasakeh",
		"Hamah governorate":       "Hama",
		"Daraa governorate":       "Dar'a",
		"Dar'a":                   "Dar'a",
		"Latakia governorate":     "Lattakia",
		"Idlib governorate":       "Idleb",
		"As-Suwayda":              "As-Sweida",
		"Quneitra governorate":    "Quneitra",
		"Damascus governorate":    "Damascus",
		"Tartus":                  "Tartous",
		"دير الزور":               "Deir-ez-Zor",
	}
	for in, want := range tests {
		if got, ok := geo.NormalizeGovernorate(in); got != want || !ok {
			t.Errorf("NormalizeGovernorate(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, name := range geo.GovernorateNames {
		if got, ok := geo.NormalizeGovernorate(name); got != name || !ok {
			t.Errorf("OCHA name %q normalises to %q, %v", name, got, ok)
		}
	}
	if got, ok := geo.NormalizeGovernorate("  Atlantis "); got != "Atlantis" || ok {
		t.Errorf("unknown name: %q, %v", got, ok)
	}
}
