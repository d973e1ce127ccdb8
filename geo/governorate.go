package geo

import (
	"fmt"
	"math"
	"strings"
	"unicode"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/tidwall/rtree"
)

// GovernorateSnapMeters is how far outside every governorate polygon a point
// may lie and still be given the nearest one. Reported coordinates of border
// towns and river crossings often fall a few hundred metres outside the
// OCHA polygons (coordinates rounded to 0.01 degree are up to ~800 m off);
// 5 km covers that without pulling in points in a neighbouring country.
const GovernorateSnapMeters = 5_000

// Governorates answers "which governorate is this point in" from the
// governorate-level boundaries of a dataset. It is immutable and safe for
// concurrent use.
type Governorates struct {
	regions []namedRegion
	// edges holds every edge of the regions' rings by its box, so a point
	// outside them all is measured only against the edges near it; each
	// value is an index into edgeList.
	edges    rtree.RTreeG[int32]
	edgeList []edge
}

// edge is one segment of a governorate's ring, from a to b ([lon, lat]),
// and the index of its region in Governorates.regions.
type edge struct {
	a, b   orb.Point
	region int32
}

type namedRegion struct {
	name   string
	region *Region
}

// NewGovernorates prepares the boundaries of level LevelGovernorate in bs;
// other levels are ignored. It returns a *ValidationError naming the
// boundary when one has invalid geometry.
func NewGovernorates(bs []Boundary) (*Governorates, error) {
	g := &Governorates{}
	for _, b := range bs {
		if b.Level != LevelGovernorate {
			continue
		}
		r, err := PrepareRegion(b.Area)
		if err != nil {
			return nil, prefixField(fmt.Sprintf("boundary %s geometry", b.ID), err)
		}
		g.regions = append(g.regions, namedRegion{name: b.Name, region: r})
		g.addEdges(r.Geometry(), int32(len(g.regions)-1))
	}
	return g, nil
}

// addEdges adds the edges of area, a Polygon or MultiPolygon, as those of
// region i.
func (g *Governorates) addEdges(area orb.Geometry, i int32) {
	for _, poly := range polygonsOf(area) {
		for _, ring := range poly {
			for j := 0; j+1 < len(ring); j++ {
				e := edge{a: ring[j], b: ring[j+1], region: i}
				b := orb.Bound{Min: e.a, Max: e.a}.Extend(e.b)
				g.edges.Insert(b.Min, b.Max, int32(len(g.edgeList)))
				g.edgeList = append(g.edgeList, e)
			}
		}
	}
}

// Len returns the number of governorates.
func (g *Governorates) Len() int { return len(g.regions) }

// Locate returns the name of the governorate containing p ([lon, lat]); a
// point on a shared edge gets the first boundary in input order. A point
// inside none gets the governorate whose edge is nearest, if that is within
// GovernorateSnapMeters, and otherwise "".
//
// Distances to edges are measured on a local equirectangular projection
// around p, accurate to well under 1% at the 5 km scale of the snap.
func (g *Governorates) Locate(p orb.Point) string {
	for _, nr := range g.regions {
		if nr.region.Contains(p) {
			return nr.name
		}
	}
	// Only edges whose box meets p's box widened by the snap distance can be
	// near enough. Distances are in metres on the equirectangular projection
	// around p; a tie goes to the region first in input order.
	near := orbgeo.NewBoundAroundPoint(p, GovernorateSnapMeters)
	ky := orb.EarthRadius * math.Pi / 180
	kx := ky * math.Cos(p[1]*math.Pi/180)
	best, bestDist := int32(-1), math.Inf(1)
	g.edges.Search(near.Min, near.Max, func(_, _ [2]float64, i int32) bool {
		e := &g.edgeList[i]
		d := originToSegment((e.a[0]-p[0])*kx, (e.a[1]-p[1])*ky, (e.b[0]-p[0])*kx, (e.b[1]-p[1])*ky)
		if d <= GovernorateSnapMeters && (d < bestDist || d == bestDist && e.region < best) {
			best, bestDist = e.region, d
		}
		return true
	})
	if best < 0 {
		return ""
	}
	return g.regions[best].name
}

// Assign sets the Governorate of each incident in ins from its Location, as
// Locate does. When the boundaries leave a point unassigned it keeps the
// incident's own value (such as a source's admin-1 name), so assigning never
// loses information.
func (g *Governorates) Assign(ins []Incident) {
	for i := range ins {
		if name := g.Locate(ins[i].Location); name != "" {
			ins[i].Governorate = name
		}
	}
}

// originToSegment returns the planar distance from (0, 0) to segment ab.
func originToSegment(ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = math.Max(0, math.Min(1, -(ax*dx+ay*dy)/l2))
	}
	return math.Hypot(ax+t*dx, ay+t*dy)
}

// GovernorateNames are the English names of Syria's 14 governorates as the
// UN OCHA common operational dataset (COD-AB admin 1) spells them, the
// spelling Frontline uses everywhere.
var GovernorateNames = []string{
	"Damascus", "Aleppo", "Rural Damascus", "Homs", "Hama", "Lattakia", "Idleb",
	"Al-Hasakeh", "Deir-ez-Zor", "Tartous", "Ar-Raqqa", "Dar'a", "As-Sweida", "Quneitra",
}

// governorateSpellings maps a spelling key (see governorateKey) to the OCHA
// name. It covers UCDP's adm_1 ("Deir ez Zor governorate"), ACLED's admin1
// ("Deir ez Zor", "Hasakeh"), Natural Earth's names and alternates, and the
// Arabic names.
var governorateSpellings = map[string]string{
	"damascus": "Damascus", "dimashq": "Damascus", "دمشق": "Damascus",
	"aleppo": "Aleppo", "halab": "Aleppo", "alep": "Aleppo", "حلب": "Aleppo",
	"ruraldamascus": "Rural Damascus", "rifdimashq": "Rural Damascus", "rifdamascus": "Rural Damascus",
	"damascuscountryside": "Rural Damascus", "reefdamascus": "Rural Damascus", "ريفدمشق": "Rural Damascus",
	"homs": "Homs", "hims": "Homs", "حمص": "Homs",
	"hama": "Hama", "hamah": "Hama", "hamaa": "Hama", "حماة": "Hama", "حماه": "Hama",
	"lattakia": "Lattakia", "latakia": "Lattakia", "ladhiqiyah": "Lattakia", "lathqiyah": "Lattakia",
	"lattakieh": "Lattakia", "اللاذقية": "Lattakia",
	"idleb": "Idleb", "idlib": "Idleb", "edleb": "Idleb", "إدلب": "Idleb", "ادلب": "Idleb",
	"hasakeh": "Al-Hasakeh", "hasakah": "Al-Hasakeh", "hasaka": "Al-Hasakeh", "hassakeh": "Al-Hasakeh",
	"haseke": "Al-Hasakeh", "hassake": "Al-Hasakeh", "الحسكة": "Al-Hasakeh",
	"deirezzor": "Deir-ez-Zor", "dayrazzawr": "Deir-ez-Zor", "deiralzour": "Deir-ez-Zor", "deirazzor": "Deir-ez-Zor",
	"deirezzour": "Deir-ez-Zor", "dierezzor": "Deir-ez-Zor", "deirelzor": "Deir-ez-Zor", "ديرالزور": "Deir-ez-Zor",
	"tartous": "Tartous", "tartus": "Tartous", "طرطوس": "Tartous",
	"raqqa": "Ar-Raqqa", "raqqah": "Ar-Raqqa", "rakka": "Ar-Raqqa", "الرقة": "Ar-Raqqa",
	"dara": "Dar'a", "daraa": "Dar'a", "deraa": "Dar'a", "derraa": "Dar'a", "درعا": "Dar'a",
	"sweida": "As-Sweida", "suwayda": "As-Sweida", "suwaida": "As-Sweida", "sueida": "As-Sweida",
	"suweida": "As-Sweida", "السويداء": "As-Sweida",
	"quneitra": "Quneitra", "qunaytirah": "Quneitra", "qunaytira": "Quneitra", "kuneitra": "Quneitra",
	"qunaitra": "Quneitra", "القنيطرة": "Quneitra",
}

// NormalizeGovernorate returns the OCHA English name (one of
// GovernorateNames) for a governorate name as another source spells it, such
// as UCDP's "Deir ez Zor governorate" or ACLED's "Hasakeh", and true; or the
// trimmed input and false when the spelling is not known.
func NormalizeGovernorate(name string) (string, bool) {
	if n, ok := governorateSpellings[governorateKey(name)]; ok {
		return n, true
	}
	return strings.TrimSpace(name), false
}

// governorateKey reduces a spelling to lower-case letters, dropping the words
// "governorate", "province" and "muhafazat" and a leading Latin article (al,
// ar, as, ad, el, ed, an), which sources use inconsistently.
func governorateKey(s string) string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) })
	var b strings.Builder
	for i, w := range words {
		switch w {
		case "governorate", "province", "muhafazat", "gov":
			continue
		case "al", "ar", "as", "ad", "el", "ed", "an", "az", "ez":
			if i == 0 {
				continue
			}
		}
		b.WriteString(w)
	}
	return b.String()
}
