package publish

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/internal/fuzzguard"
	"github.com/paulmach/orb"
)

// governorates are two square governorates, "West" and "East", for the
// tests' governorate rules.
var governorates = []geo.Boundary{
	{ID: "W", Name: "West", Level: geo.LevelGovernorate, Area: orb.Polygon{{{36, 33}, {37, 33}, {37, 36}, {36, 36}, {36, 33}}}},
	{ID: "E", Name: "East", Level: geo.LevelGovernorate, Area: orb.Polygon{{{37, 33}, {39, 33}, {39, 36}, {37, 36}, {37, 33}}}},
}

var now = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// randomIncident returns a valid incident of the last 40 days around
// 36–39°E, 33–36°N, recorded up to 5 days after its date.
func randomIncident(r *rand.Rand, i int) (geo.Incident, time.Time) {
	types := geo.EventTypes
	in := geo.Incident{
		ID:   geo.IncidentID("i" + string(rune('a'+i%26)) + time.Duration(i).String()),
		Date: geo.DayOf(now.AddDate(0, 0, -r.IntN(40))), DatePrecision: geo.DatePrecisions[0],
		Type: types[r.IntN(len(types))], Status: geo.IncidentStatuses[r.IntN(len(geo.IncidentStatuses))],
		Actors:   []geo.IncidentActor{{Name: "someone", Role: geo.ActorRoles[0]}},
		Location: orb.Point{36 + 3*r.Float64(), 33 + 3*r.Float64()},
		Place:    "a village", Description: "what happened", PrecisionMeters: float64(r.IntN(3)) * 500,
		Sources: []geo.Source{{Publisher: "P", Title: "T", URL: "https://example.org/a", Note: "n"}},
		Origin:  geo.Origin{Dataset: "ucdp", ID: "42"},
	}
	in.DateEnd = in.Date + geo.Day(r.IntN(3))
	in.Governorate = "West"
	if in.Location[0] >= 37 {
		in.Governorate = "East"
	}
	if r.IntN(10) == 0 {
		in.Governorate = "" // outside every governorate
	}
	if r.IntN(4) == 0 {
		in.Publish = geo.Publishes[r.IntN(len(geo.Publishes))]
	}
	recorded := in.Date.Time().Add(time.Duration(r.IntN(5*24)) * time.Hour)
	if r.IntN(5) == 0 {
		recorded = time.Time{}
	}
	return in, recorded
}

// randomPolicy returns a valid policy of up to four rules.
func randomPolicy(r *rand.Rand) *Policy {
	p := &Policy{}
	if r.IntN(2) == 0 {
		p.Coarse = Coarsen{GridKm: float64(1 + r.IntN(30)), Governorate: r.IntN(4) == 0}
	}
	for i := range 1 + r.IntN(4) {
		rule := Rule{Name: "r" + string(rune('0'+i))}
		if r.IntN(2) == 0 {
			rule.Types = []geo.EventType{geo.EventTypes[r.IntN(len(geo.EventTypes))]}
		}
		if r.IntN(3) == 0 {
			rule.Statuses = []geo.IncidentStatus{geo.IncidentStatuses[r.IntN(len(geo.IncidentStatuses))]}
		}
		if r.IntN(3) == 0 {
			rule.YoungerThan = Duration(time.Duration(1+r.IntN(30*24)) * time.Hour)
		}
		if r.IntN(2) == 0 {
			rule.Embargo = Duration(time.Duration(1+r.IntN(10*24)) * time.Hour)
		}
		switch r.IntN(3) {
		case 0:
			rule.Coarsen.GridKm = float64(1 + r.IntN(50))
		case 1:
			rule.Coarsen.Governorate = true
		}
		if r.IntN(2) == 0 {
			rule.Withhold = []string{Withholdable[r.IntN(len(Withholdable))]}
		}
		if rule.Embargo == 0 && rule.Coarsen.IsZero() && rule.Withhold == nil {
			rule.Embargo = Duration(time.Hour)
		}
		p.Rules = append(p.Rules, rule)
	}
	if err := p.Validate(); err != nil {
		panic(err)
	}
	return p
}

// TestDecideObeysEveryRule is the property test of the published view:
// for random incidents under random policies, a published incident has
// waited out every embargo that applies to it, stands at the centre of a
// cell at least as coarse as every applying rule asks (a cell that holds
// its true position), lacks every withheld property and is valid; an
// unpublished one has an embargo not yet over or the editor's withheld;
// and the decision holds unchanged until its Until.
func TestDecideObeysEveryRule(t *testing.T) {
	r := rand.New(rand.NewPCG(18, 1))
	for range 300 {
		pol := randomPolicy(r)
		pub := New(pol, governorates)
		for i := range 50 {
			in, recorded := randomIncident(r, i)
			at := now.Add(time.Duration(r.IntN(48)) * time.Hour)
			d := pub.Decide(in, recorded, at)
			checkDecision(t, pol, in, recorded, at, d)
			if !reflect.DeepEqual(d, pub.Decide(in, recorded, at)) {
				t.Fatal("two decisions of the same incident at the same instant differ")
			}
			if !d.Until.IsZero() {
				if !d.Until.After(at) {
					t.Fatalf("Until %v is not after now %v", d.Until, at)
				}
				mid := at.Add(d.Until.Sub(at) / 2)
				if m := pub.Decide(in, recorded, mid); !reflect.DeepEqual(m, d) {
					t.Fatalf("the decision changed before its Until %v, at %v:\n%+v\n%+v", d.Until, mid, d, m)
				}
			}
		}
	}
}

func checkDecision(t *testing.T, pol *Policy, in geo.Incident, recorded, at time.Time, d Decision) {
	t.Helper()
	end := in.DateEnd.Time().Add(24 * time.Hour)
	switch in.Publish {
	case geo.PublishWithheld:
		if d.Published {
			t.Fatalf("an incident the editor withheld was published: %+v", d.Incident)
		}
		return
	case geo.PublishExact:
		want := in
		want.Publish = ""
		if !d.Published || !reflect.DeepEqual(d.Incident, want) {
			t.Fatalf("an incident the editor marked exact was not published as stored: %+v", d)
		}
		return
	}
	var embargoed bool
	var minKm float64
	var governorate bool
	var withheld []string
	for _, rule := range pol.Rules {
		if !rule.matches(in) || (rule.YoungerThan > 0 && !at.Before(end.Add(time.Duration(rule.YoungerThan)))) {
			continue
		}
		from := end
		if recorded.After(end) {
			from = recorded
		}
		if rule.Embargo > 0 && at.Before(from.Add(time.Duration(rule.Embargo))) {
			embargoed = true
		}
		minKm = max(minKm, rule.Coarsen.GridKm)
		governorate = governorate || rule.Coarsen.Governorate
		withheld = append(withheld, rule.Withhold...)
	}
	if in.Publish == geo.PublishCoarse {
		c := pol.Coarse
		if c.IsZero() {
			c.GridKm = DefaultCoarseKm
		}
		minKm, governorate = max(minKm, c.GridKm), governorate || c.Governorate
	}
	if d.Published == embargoed {
		t.Fatalf("published %v, but an applying embargo not over is %v (at %v, recorded %v, %+v, %+v)", d.Published, embargoed, at, recorded, in, pol)
	}
	if !d.Published {
		return
	}
	out := d.Incident
	if err := out.Validate(); err != nil {
		t.Fatalf("the published incident is invalid: %v", err)
	}
	if out.Publish != "" {
		t.Fatal("the published incident carries the editor's override")
	}
	if minKm > 0 || governorate {
		withheld = append(withheld, "place", "origin_id")
		p := out.Publication
		if p == nil || p.Coarsened == "" {
			t.Fatalf("a rule coarsens %+v, the published form is exact", in)
		}
		if !p.Area.Contains(in.Location) && !onEdge(p.Area, in.Location) {
			t.Fatalf("the published area %v does not hold the true position %v", p.Area, in.Location)
		}
		switch p.Coarsened {
		case "governorate":
			if !governorate || in.Governorate == "" {
				t.Fatalf("coarsened to a governorate that no rule asked for, or of none")
			}
		case "grid":
			if p.CellKm < minKm {
				t.Fatalf("a %g km cell; a rule asks for %g", p.CellKm, minKm)
			}
			if governorate && in.Governorate != "" {
				t.Fatalf("a grid cell where a rule asks for the governorate")
			}
			if c, _ := Cell(in.Location, p.CellKm); c != out.Location {
				t.Fatalf("the published position %v is not its cell's centre %v", out.Location, c)
			}
		}
		if out.PrecisionMeters < in.PrecisionMeters || out.PrecisionMeters < 500*minKm {
			t.Fatalf("precision %g m for a %g km cell", out.PrecisionMeters, minKm)
		}
	} else if out.Location != in.Location {
		t.Fatalf("no rule coarsens, and the position moved")
	}
	for _, f := range withheld {
		var v string
		switch f {
		case "description":
			v = out.Description
		case "place":
			v = out.Place
		case "origin_id":
			v = out.Origin.ID
		case "source_urls":
			v = out.Sources[0].URL
		case "source_titles":
			v = out.Sources[0].Title
		case "source_notes":
			v = out.Sources[0].Note
		}
		if v != "" {
			t.Fatalf("%s is withheld and published as %q", f, v)
		}
		if !slices.Contains(out.Publication.Withheld, f) {
			t.Fatalf("publication.withheld %v lacks %s", out.Publication.Withheld, f)
		}
	}
	if in.Sources[0].URL != "https://example.org/a" {
		t.Fatal("withholding changed the stored incident's sources")
	}
}

// onEdge reports whether p lies on b's boundary, which orb.Bound.Contains
// counts in or out by floating point.
func onEdge(b orb.Bound, p orb.Point) bool {
	const eps = 1e-9
	return p[0] >= b.Min[0]-eps && p[0] <= b.Max[0]+eps && p[1] >= b.Min[1]-eps && p[1] <= b.Max[1]+eps
}

// TestCell checks the grid: each point's cell holds it, is km across, and
// every point of it, the centre included, gives the same cell.
func TestCell(t *testing.T) {
	r := rand.New(rand.NewPCG(18, 2))
	for range 10000 {
		p := orb.Point{-180 + 360*r.Float64(), -80 + 160*r.Float64()}
		km := 1 + 99*r.Float64()
		c, b := Cell(p, km)
		if !onEdge(b, p) {
			t.Fatalf("cell %v of %v does not hold it", b, p)
		}
		if c2, b2 := Cell(c, km); c2 != c || b2 != b {
			t.Fatalf("the centre %v of %v falls in another cell %v", c, b, b2)
		}
		q := orb.Point{b.Min[0] + (b.Max[0]-b.Min[0])*r.Float64(), b.Min[1] + (b.Max[1]-b.Min[1])*r.Float64()}
		if c3, _ := Cell(q, km); math.Abs(c3[0]-c[0]) > 1e-9 || math.Abs(c3[1]-c[1]) > 1e-9 {
			t.Fatalf("%v in cell %v gives centre %v, not %v", q, b, c3, c)
		}
		if h := (b.Max[1] - b.Min[1]) * kmPerDegree; math.Abs(h-km) > 1e-6 && b.Max[1] < 90 {
			t.Fatalf("a %g km cell is %g km high", km, h)
		}
	}
}

func TestParse(t *testing.T) {
	p, err := Parse(strings.NewReader(`{"rules": [
		{"name": "recent-arrests", "types": ["violence_against_civilians"], "younger_than": "30d", "embargo": "72h",
		 "coarsen": {"grid_km": 10}, "withhold": ["description"]},
		{"name": "everything", "coarsen": {"governorate": true}}],
		"coarse": {"grid_km": 5}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rules) != 2 || time.Duration(p.Rules[0].YoungerThan) != 30*24*time.Hour || p.MaxEmbargo() != 72*time.Hour || !p.Rules[1].Coarsen.Governorate {
		t.Fatalf("%+v", p)
	}
	back, err := Parse(strings.NewReader(string(p.JSON())))
	if err != nil || !reflect.DeepEqual(back, p) {
		t.Fatalf("the policy's JSON does not read back: %v\n%s", err, p.JSON())
	}
	for doc, field := range map[string]string{
		`{"rules": [{"name": "a", "embargo": "soon"}]}`:                               "",
		`{"rules": [{"name": "a", "embargo": "-1h"}]}`:                                "rules[0].embargo",
		`{"rules": [{"name": "a", "coarsen": {"grid_km": 0.5}}]}`:                     "rules[0].coarsen.grid_km",
		`{"rules": [{"name": "a", "withhold": ["geometry"]}]}`:                        "rules[0].withhold[0]",
		`{"rules": [{"name": "a", "types": ["picnic"], "embargo": "1h"}]}`:            "rules[0].types[0]",
		`{"rules": [{"name": "a", "embargo": "1h"}, {"name": "a", "embargo": "2h"}]}`: "rules[1].name",
		`{"rules": [{"name": "a"}]}`:                                                  "rules[0].name",
		`{"rules": [{"name": "override", "embargo": "1h"}]}`:                          "rules[0].name",
		`{"rules": [], "extra": 1}`:                                                   "extra",
		`{"coarse": {"grid_km": 5000}}`:                                               "coarse.grid_km",
	} {
		_, err := Parse(strings.NewReader(doc))
		var pe *Error
		if !errors.As(err, &pe) {
			t.Fatalf("%s: got %v, want a *publish.Error", doc, err)
		}
		if field != "" && pe.Field != field {
			t.Errorf("%s: the error names %q, want %q (%v)", doc, pe.Field, field, err)
		}
	}
}

func TestFromFlags(t *testing.T) {
	p, err := FromFlags(nil, 72*time.Hour, 10)
	if err != nil {
		t.Fatal(err)
	}
	pub := New(p, governorates)
	in, _ := randomIncident(rand.New(rand.NewPCG(1, 1)), 0)
	in.Publish = ""
	in.Date = geo.DayOf(now.AddDate(0, 0, -1)) // yesterday, recorded now
	in.DateEnd = in.Date
	if d := pub.Decide(in, now, now); d.Published || !d.Until.Equal(now.Add(72*time.Hour)) {
		t.Fatalf("recorded now, published at once or released at %v, not in 72 h", d.Until)
	}
	in.Date, in.DateEnd = geo.DayOf(now), geo.DayOf(now) // today: 72 h from the end of the day
	if d := pub.Decide(in, now, now); d.Published || !d.Until.Equal(in.Date.Time().Add(96*time.Hour)) {
		t.Fatalf("dated today, released at %v, not 72 h after the day's end", d.Until)
	}
	d := pub.Decide(in, now, in.Date.Time().Add(96*time.Hour))
	if !d.Published || d.Incident.Publication.CellKm != 10 || !d.Until.IsZero() {
		t.Fatalf("after the embargo: %+v", d)
	}
	if _, err := FromFlags(nil, -time.Hour, 0); err == nil {
		t.Fatal("a negative embargo was accepted")
	}
	if p, _ := FromFlags(nil, 0, 0); !p.IsZero() {
		t.Fatal("no flags make a policy with rules")
	}
}

// FuzzParse holds that any document is either a valid policy, whose JSON
// reads back the same, or a *publish.Error, never a panic.
func FuzzParse(f *testing.F) {
	f.Add(`{"rules": [{"name": "a", "embargo": "72h", "coarsen": {"grid_km": 10}}]}`)
	f.Add(`{"rules": [{"name": "b", "younger_than": "30d", "withhold": ["place"]}], "coarse": {"governorate": true}}`)
	f.Fuzz(func(t *testing.T, doc string) {
		defer fuzzguard.Start(t)()
		p, err := Parse(strings.NewReader(doc))
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("%q: %v is not a *publish.Error", doc, err)
			}
			return
		}
		if _, err := Parse(strings.NewReader(string(p.JSON()))); err != nil {
			t.Fatalf("a valid policy's JSON does not read back: %v\n%s", err, p.JSON())
		}
	})
}

// TestDocumentedPolicy reads the example policy of docs/publication.md,
// so the guide's example stays a policy the server accepts.
func TestDocumentedPolicy(t *testing.T) {
	doc, err := os.ReadFile("../../docs/publication.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```json\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("docs/publication.md has no json block")
	}
	p, err := Parse(strings.NewReader(block))
	if err != nil {
		t.Fatalf("the documented policy: %v", err)
	}
	if len(p.Rules) != 3 || p.MaxEmbargo() != 7*24*time.Hour {
		t.Fatalf("the documented policy reads as %+v", p)
	}
}
