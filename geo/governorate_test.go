package geo_test

import (
	"math"
	"math/rand/v2"
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

// TestGovernoratesLocateOracle checks Locate against brute force on random
// governorates around Syria, stars with holes and multipolygons, and points
// inside, near (within the snap) and beyond them: the governorate first in
// input order that holds the point, else the one with the nearest edge of
// all within GovernorateSnapMeters, measured on the equirectangular
// projection around the point.
func TestGovernoratesLocateOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(oracleSeed(t), 12))
	for round := range 20 {
		var bs []geo.Boundary
		for i := range 1 + rng.IntN(8) {
			c := orb.Point{36 + 4*rng.Float64(), 33 + 3*rng.Float64()}
			area := orb.Geometry(starPolygon(rng, c, 0.05+0.5*rng.Float64(), 5+rng.IntN(200)))
			if rng.IntN(3) == 0 {
				hole := starPolygon(rng, c, 0.02, 3+rng.IntN(10))[0]
				hole.Reverse()
				area = orb.MultiPolygon{append(area.(orb.Polygon), hole),
					starPolygon(rng, orb.Point{c[0] + 0.7, c[1]}, 0.05, 5+rng.IntN(20))}
			}
			bs = append(bs, geo.Boundary{ID: string(rune('A' + i)), Name: string(rune('A' + i)), Level: geo.LevelGovernorate, Area: area})
		}
		g, err := geo.NewGovernorates(bs)
		if err != nil {
			t.Fatal(err)
		}
		for range 2000 {
			p := orb.Point{35.5 + 5*rng.Float64(), 32.5 + 4*rng.Float64()}
			if want, got := oracleLocate(bs, p), g.Locate(p); got != want {
				t.Fatalf("round %d: Locate(%v) = %q, brute force says %q", round, p, got, want)
			}
		}
	}
}

// oracleLocate is Locate by brute force: containment by ray casting, then
// the distance to every edge of every governorate.
func oracleLocate(bs []geo.Boundary, p orb.Point) string {
	for _, b := range bs {
		if oracleInArea(b.Area, p) {
			return b.Name
		}
	}
	ky := orb.EarthRadius * math.Pi / 180
	kx := ky * math.Cos(p[1]*math.Pi/180)
	best, bestDist := "", math.Inf(1)
	for _, b := range bs {
		polys, ok := b.Area.(orb.MultiPolygon)
		if !ok {
			polys = orb.MultiPolygon{b.Area.(orb.Polygon)}
		}
		for _, poly := range polys {
			for _, ring := range poly {
				for i := 0; i+1 < len(ring); i++ {
					ax, ay := (ring[i][0]-p[0])*kx, (ring[i][1]-p[1])*ky
					dx, dy := (ring[i+1][0]-ring[i][0])*kx, (ring[i+1][1]-ring[i][1])*ky
					t := 0.0
					if l2 := dx*dx + dy*dy; l2 > 0 {
						t = max(0, min(1, -(ax*dx+ay*dy)/l2))
					}
					if d := math.Hypot(ax+t*dx, ay+t*dy); d <= geo.GovernorateSnapMeters && d < bestDist {
						best, bestDist = b.Name, d
					}
				}
			}
		}
	}
	return best
}
