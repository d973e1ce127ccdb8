package cql2

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/frontline-maps/frontline/geo"
	"github.com/paulmach/orb"
)

// seed is the randomised tests' seed: FRONTLINE_SEED if set, else fresh;
// always logged.
func seed(t *testing.T) uint64 {
	t.Helper()
	s := rand.Uint64()
	if v := os.Getenv("FRONTLINE_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		s = n
	}
	t.Logf("seed %d (FRONTLINE_SEED=%d replays it)", s, s)
	return s
}

var (
	testActors = []geo.ActorID{"isis", "sdf", "hts", "sna"}
	testPlaces = []string{"", "Raqqa", "al-Bab", "Deir Hafer", "RAQQA east", "100% town_x"}
)

// randomIncidents are n incidents in the box [38, 42] × [34, 37], with
// every queryable varied, dates 2020-2024.
func randomIncidents(r *rand.Rand, n int) []geo.Incident {
	subs := map[geo.EventType][]geo.SubType{}
	for st, t := range geo.SubTypes {
		subs[t] = append(subs[t], st)
	}
	for _, l := range subs {
		slices.Sort(l)
	}
	out := make([]geo.Incident, n)
	for i := range out {
		t := geo.EventTypes[r.IntN(len(geo.EventTypes))]
		var st geo.SubType
		if r.IntN(4) > 0 {
			st = subs[t][r.IntN(len(subs[t]))]
		}
		d := geo.DateOf(2020, 1, 1) + geo.Day(r.IntN(5*365))
		end := d
		if r.IntN(3) == 0 {
			end += geo.Day(r.IntN(40))
		}
		var actors []geo.IncidentActor
		for range r.IntN(3) {
			actors = append(actors, geo.IncidentActor{Actor: testActors[r.IntN(len(testActors))], Role: geo.RolePerpetrator})
		}
		low := r.IntN(5)
		best := low + r.IntN(20)
		out[i] = geo.Incident{
			ID: geo.IncidentID(fmt.Sprintf("in-%04d", i)), Date: d, DateEnd: end, DatePrecision: geo.PrecisionDay,
			Type: t, SubType: st, Actors: actors,
			Location:        orb.Point{38 + r.Float64()*4, 34 + r.Float64()*3},
			PrecisionMeters: float64(r.IntN(3) * 1000), Place: testPlaces[r.IntN(len(testPlaces))],
			Fatalities: geo.Fatalities{Low: low, Best: best, High: best + r.IntN(10), Civilians: r.IntN(low + 1)},
			Sources:    []geo.Source{{Publisher: "Test"}}, Status: geo.IncidentStatuses[r.IntN(len(geo.IncidentStatuses))],
			Origin: geo.Origin{Dataset: geo.OriginSynthetic, ID: strconv.Itoa(i)},
		}
	}
	return out
}

// gen makes random filters over the incidents' queryables, as trees; text
// and jsonOf render them in the two encodings.
type gen struct{ r *rand.Rand }

func (g gen) day() string {
	d := geo.DateOf(2020, 1, 1) + geo.Day(g.r.IntN(5*365+60)-30)
	return d.String()
}

func (g gen) pick(list ...string) string { return list[g.r.IntN(len(list))] }

func (g gen) polygon() *Geometry {
	x, y := 38+g.r.Float64()*3.5, 34+g.r.Float64()*2.5
	w, h := 0.2+g.r.Float64()*2, 0.2+g.r.Float64()*2
	if g.r.IntN(3) == 0 {
		return &Geometry{G: orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + w, y + h}}}
	}
	// A triangle or a quadrilateral, not always counter-clockwise.
	ring := orb.Ring{{x, y}, {x + w, y + h*g.r.Float64()}, {x + w*g.r.Float64(), y + h}, {x, y}}
	if g.r.IntN(2) == 0 {
		ring = orb.Ring{{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}, {x, y}}
	}
	if g.r.IntN(2) == 0 {
		slices.Reverse(ring)
	}
	return &Geometry{G: orb.Polygon{ring}}
}

func (g gen) expr(depth int) Expr {
	if depth > 0 && g.r.IntN(3) == 0 {
		switch g.r.IntN(3) {
		case 0:
			return &Not{X: g.expr(depth - 1)}
		case 1:
			return &Or{Args: []Expr{g.expr(depth - 1), g.expr(depth - 1)}}
		}
		return &And{Args: []Expr{g.expr(depth - 1), g.expr(depth - 1), g.expr(depth - 1)}}
	}
	prop := func(n string) *Property { return &Property{Name: n} }
	s := func(v string) *String { return &String{V: v} }
	switch g.r.IntN(13) {
	case 0:
		return &Compare{Op: "=", A: prop("type"), B: s(g.pick(append(stringsOf(geo.EventTypes), "nonsense")...))}
	case 1:
		return &Compare{Op: g.pick("=", "<>"), A: prop("status"), B: s(g.pick("reported", "confirmed", "disputed"))}
	case 2:
		return &In{X: prop("actor"), List: []Expr{s(string(testActors[g.r.IntN(4)])), s(string(testActors[g.r.IntN(4)]))}}
	case 3:
		return &Compare{Op: g.pick("=", "<>", "<", ">", "<=", ">="), A: prop(g.pick("fatalities_best", "fatalities_low", "fatalities_high")), B: &Number{V: float64(g.r.IntN(25)) + g.pick1(0, 0.5)}}
	case 4:
		return &Compare{Op: g.pick("=", "<", ">", "<=", ">="), A: prop(g.pick("date", "date_end")), B: g.date()}
	case 5:
		return &Temporal{Op: g.pick("t_intersects", "t_before", "t_after", "t_during", "t_disjoint", "t_meets", "t_overlaps", "t_equals", "t_contains", "t_starts", "t_finishes"),
			A: prop("date"), B: g.interval()}
	case 6:
		return &Spatial{Op: g.pick("s_intersects", "s_within", "s_disjoint"), A: prop("geometry"), B: g.polygon()}
	case 7:
		return &DWithin{A: prop("geometry"), B: &Geometry{G: orb.Point{38 + g.r.Float64()*4, 34 + g.r.Float64()*3}}, Meters: float64(10_000 + g.r.IntN(150_000))}
	case 8:
		return &Like{X: g.maybeCaseI(prop("place")), Pattern: g.maybeCaseI(s(g.pick("Raqqa", "%aqq%", "al-%", "%east", "100\\% town\\_x", "_-Bab")))}
	case 9:
		return &IsNull{X: prop(g.pick("sub_type", "place", "actor"))}
	case 10:
		return &Between{X: prop("fatalities_best"), Lo: &Number{V: float64(g.r.IntN(10))}, Hi: &Number{V: float64(5 + g.r.IntN(15))}}
	case 11:
		return &Compare{Op: "=", A: g.maybeCaseI(prop("place")), B: g.maybeCaseI(s(g.pick("raqqa", "Raqqa", "al-Bab")))}
	}
	return &Compare{Op: "=", A: prop("sub_type"), B: s(g.pick("armed_clash", "air_drone_strike", "attack", "peaceful_protest"))}
}

func (g gen) pick1(a, b float64) float64 {
	if g.r.IntN(2) == 0 {
		return a
	}
	return b
}

func (g gen) date() Expr {
	if g.r.IntN(2) == 0 {
		return &String{V: g.day()}
	}
	d, _ := geo.ParseDay(g.day())
	return &Instant{Day: d}
}

func (g gen) interval() Expr {
	a, b := g.day(), g.day()
	if a > b {
		a, b = b, a
	}
	da, _ := geo.ParseDay(a)
	db, _ := geo.ParseDay(b)
	switch g.r.IntN(4) {
	case 0:
		return &Instant{Day: da}
	case 1:
		return &Interval{From: nil, To: &Instant{Day: db}}
	case 2:
		return &Interval{From: &Instant{Day: da}, To: nil}
	}
	return &Interval{From: &Instant{Day: da}, To: &Instant{Day: db}}
}

func (g gen) maybeCaseI(e Expr) Expr {
	if g.r.IntN(3) == 0 {
		return &CaseI{X: e}
	}
	return e
}

func stringsOf[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// text renders a tree in the text encoding.
func text(e Expr) string {
	q := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	join := func(args []Expr, sep string) string {
		parts := make([]string, len(args))
		for i, a := range args {
			parts[i] = "(" + text(a) + ")"
		}
		return strings.Join(parts, sep)
	}
	switch e := e.(type) {
	case *And:
		return join(e.Args, " AND ")
	case *Or:
		return join(e.Args, " or ")
	case *Not:
		return "NOT (" + text(e.X) + ")"
	case *Compare:
		return text(e.A) + " " + e.Op + " " + text(e.B)
	case *Like:
		return text(e.X) + " LIKE " + text(e.Pattern)
	case *Between:
		return text(e.X) + " BETWEEN " + text(e.Lo) + " AND " + text(e.Hi)
	case *In:
		parts := make([]string, len(e.List))
		for i, x := range e.List {
			parts[i] = text(x)
		}
		return text(e.X) + " IN (" + strings.Join(parts, ", ") + ")"
	case *IsNull:
		return text(e.X) + " IS NULL"
	case *Spatial:
		return strings.ToUpper(e.Op) + "(" + text(e.A) + ", " + text(e.B) + ")"
	case *Temporal:
		return e.Op + "(" + text(e.A) + "," + text(e.B) + ")"
	case *DWithin:
		return "S_DWITHIN(" + text(e.A) + ", " + text(e.B) + ", " + strconv.FormatFloat(e.Meters, 'g', -1, 64) + ")"
	case *Property:
		if e.Name == "date" {
			return `"date"`
		}
		return e.Name
	case *String:
		return q(e.V)
	case *Number:
		return strconv.FormatFloat(e.V, 'g', -1, 64)
	case *Instant:
		return "DATE('" + e.Day.String() + "')"
	case *Interval:
		end := func(x Expr) string {
			if x == nil {
				return "'..'"
			}
			return text(x)
		}
		return "INTERVAL(" + end(e.From) + ", " + end(e.To) + ")"
	case *CaseI:
		return "casei(" + text(e.X) + ")"
	case *Geometry:
		ring := func(r orb.Ring) string {
			parts := make([]string, len(r))
			for i, p := range r {
				parts[i] = fmt.Sprintf("%v %v", p[0], p[1])
			}
			return "(" + strings.Join(parts, ", ") + ")"
		}
		switch g := e.G.(type) {
		case orb.Point:
			return fmt.Sprintf("POINT(%v %v)", g[0], g[1])
		case orb.Bound:
			return fmt.Sprintf("BBOX(%v, %v, %v, %v)", g.Min[0], g.Min[1], g.Max[0], g.Max[1])
		case orb.Polygon:
			rs := make([]string, len(g))
			for i, r := range g {
				rs[i] = ring(r)
			}
			return "POLYGON(" + strings.Join(rs, ", ") + ")"
		}
	}
	panic(fmt.Sprintf("text: %T", e))
}

// jsonOf renders a tree in the JSON encoding.
func jsonOf(e Expr) any {
	op := func(name string, args ...Expr) any {
		out := make([]any, len(args))
		for i, a := range args {
			out[i] = jsonOf(a)
		}
		return map[string]any{"op": name, "args": out}
	}
	switch e := e.(type) {
	case *And:
		return op("and", e.Args...)
	case *Or:
		return op("or", e.Args...)
	case *Not:
		return op("not", e.X)
	case *Compare:
		return op(e.Op, e.A, e.B)
	case *Like:
		return op("like", e.X, e.Pattern)
	case *Between:
		return op("between", e.X, e.Lo, e.Hi)
	case *In:
		list := make([]any, len(e.List))
		for i, x := range e.List {
			list[i] = jsonOf(x)
		}
		return map[string]any{"op": "in", "args": []any{jsonOf(e.X), list}}
	case *IsNull:
		return op("isNull", e.X)
	case *Spatial:
		return op(e.Op, e.A, e.B)
	case *Temporal:
		return op(e.Op, e.A, e.B)
	case *DWithin:
		return map[string]any{"op": "s_dwithin", "args": []any{jsonOf(e.A), jsonOf(e.B), e.Meters}}
	case *Property:
		return map[string]any{"property": e.Name}
	case *String:
		return e.V
	case *Number:
		return e.V
	case *Instant:
		return map[string]any{"date": e.Day.String()}
	case *Interval:
		end := func(x Expr) any {
			if x == nil {
				return ".."
			}
			return x.(*Instant).Day.String()
		}
		return map[string]any{"interval": []any{end(e.From), end(e.To)}}
	case *CaseI:
		return op("casei", e.X)
	case *Geometry:
		switch g := e.G.(type) {
		case orb.Point:
			return map[string]any{"type": "Point", "coordinates": []float64{g[0], g[1]}}
		case orb.Bound:
			return map[string]any{"bbox": []float64{g.Min[0], g.Min[1], g.Max[0], g.Max[1]}}
		case orb.Polygon:
			return map[string]any{"type": "Polygon", "coordinates": g}
		}
	}
	panic(fmt.Sprintf("jsonOf: %T", e))
}

// ids lists the IDs of the incidents keep keeps, brute force.
func ids(incidents []geo.Incident, keep func(*geo.Incident) bool) []string {
	var out []string
	for i := range incidents {
		if keep(&incidents[i]) {
			out = append(out, string(incidents[i].ID))
		}
	}
	slices.Sort(out)
	return out
}

// TestPlanOracle checks the planned evaluation (the index query with the
// residue as Keep) against brute force (the compiled filter on every
// incident), and the text and JSON encodings of each filter against each
// other, over randomised filters and data.
func TestPlanOracle(t *testing.T) {
	r := rand.New(rand.NewPCG(seed(t), 17))
	incidents := randomIncidents(r, 3000)
	ix, err := geo.NewIndex(&geo.Dataset{Incidents: incidents})
	if err != nil {
		t.Fatal(err)
	}
	snap := ix.Snapshot()
	g := gen{r}
	pushed := 0
	for i := range 600 {
		tree := g.expr(2)
		src := text(tree)
		fromText, err := ParseText(src)
		if err != nil {
			t.Fatalf("filter %d: ParseText(%s): %v", i, src, err)
		}
		js, _ := json.Marshal(jsonOf(tree))
		fromJSON, err := ParseJSON(js)
		if err != nil {
			t.Fatalf("filter %d: ParseJSON(%s): %v", i, js, err)
		}
		want := []string(nil)
		for _, e := range []Expr{fromText, fromJSON} {
			keep, err := Compile(e, IncidentSchema())
			if err != nil {
				t.Fatalf("filter %d: Compile(%s): %v", i, src, err)
			}
			got := ids(incidents, keep)
			if want == nil {
				want = got
			} else if !slices.Equal(got, want) {
				t.Fatalf("filter %d: the JSON form keeps %d incidents, the text form %d:\n%s\n%s", i, len(got), len(want), src, js)
			}
		}
		plan, err := PlanIncidents(fromText, geo.IncidentQuery{})
		if err != nil {
			t.Fatalf("filter %d: PlanIncidents(%s): %v", i, src, err)
		}
		pushed += len(plan.Pushed)
		page, err := snap.Incidents(plan.Query)
		if err != nil {
			t.Fatalf("filter %d: %s: the planned query fails: %v", i, src, err)
		}
		var got []string
		for _, in := range page.Incidents {
			got = append(got, string(in.ID))
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("filter %d: the plan finds %d incidents, brute force %d:\n%s\npushed %v", i, len(got), len(want), src, plan.Pushed)
		}
		if n, err := snap.CountIncidents(plan.Query); err != nil || n != len(want) {
			t.Fatalf("filter %d: the planned count is %d (%v), brute force %d:\n%s", i, n, err, len(want), src)
		}
	}
	if pushed < 100 {
		t.Errorf("only %d terms of 600 filters were pushed into the index", pushed)
	}
}

// TestPushes checks what the planner moves into the index query.
func TestPushes(t *testing.T) {
	for _, tt := range []struct {
		filter string
		pushed int
		keep   bool
	}{
		{"type = 'battles' AND S_INTERSECTS(geometry, POLYGON((38 34, 40 34, 40 36, 38 34))) AND T_INTERSECTS(\"date\", INTERVAL('2024-01-01', '2024-12-31'))", 3, false},
		{"fatalities_best > 10", 1, false},
		{"fatalities_best >= 2.5 AND status IN ('reported', 'disputed')", 2, false},
		{"date >= '2024-01-01'", 0, true},
		{"date <= DATE('2024-01-01') AND actor = 'isis'", 2, false},
		{"type = 'battles' OR type = 'riots'", 0, true},
		{"type = 'nonsense'", 0, true},
		{"S_DWITHIN(geometry, POINT(38.6 33.5), 55000) AND place LIKE 'al-%'", 1, true},
	} {
		e, err := ParseText(tt.filter)
		if err != nil {
			t.Fatalf("%s: %v", tt.filter, err)
		}
		p, err := PlanIncidents(e, geo.IncidentQuery{})
		if err != nil {
			t.Fatalf("%s: %v", tt.filter, err)
		}
		if len(p.Pushed) != tt.pushed || (p.Query.Keep != nil) != tt.keep {
			t.Errorf("%s: %d pushed, keep %v; want %d, %v", tt.filter, len(p.Pushed), p.Query.Keep != nil, tt.pushed, tt.keep)
		}
	}
}

// TestErrors checks that bad filters are refused with the offending token
// and its position.
func TestErrors(t *testing.T) {
	for _, tt := range []struct {
		filter, token string
		pos           int
	}{
		{"type = ", "", 7},
		{"type == 'x'", "=", 6},
		{"nope = 1", "nope", 0},
		{"fatalities_best = 'many'", "=", 0},
		{"type = 'a' AND (status = 'b'", "", 28},
		{"S_DWITHIN(geometry, LINESTRING(1 2, 3 4), 10)", "S_DWITHIN", 0},
		{"date > DATE('2024-13-01')", "'2024-13-01'", 12},
		{"place LIKE 'x", "'x", 11},
		{"geometry = POINT(1 2)", "=", 0},
		{"foo(1) = 2", "foo", 0},
		{"S_INTERSECTS(geometry, POINT(200 2))", "", 23},
		{"type = 'x' @", "@", 11},
	} {
		e, err := ParseText(tt.filter)
		if err == nil {
			_, err = Compile(e, IncidentSchema())
		}
		ce, ok := err.(*Error)
		if !ok {
			t.Errorf("%s: err = %v, want an *Error", tt.filter, err)
			continue
		}
		if ce.Pos != tt.pos || ce.Token != tt.token {
			t.Errorf("%s: error at %d %q (%v), want at %d %q", tt.filter, ce.Pos, ce.Token, ce, tt.pos, tt.token)
		}
	}
	deep := strings.Repeat("NOT (", 200) + "type = 'x'" + strings.Repeat(")", 200)
	if _, err := ParseText(deep); err == nil || !strings.Contains(err.Error(), "deeper") {
		t.Errorf("a filter 200 deep: %v", err)
	}
	deepJSON := strings.Repeat(`{"op":"not","args":[`, 200) + `true` + strings.Repeat(`]}`, 200)
	if _, err := ParseJSON([]byte(deepJSON)); err == nil || !strings.Contains(err.Error(), "deeper") {
		t.Errorf("a JSON filter 200 deep: %v", err)
	}
	if _, err := ParseText(strings.Repeat("a", MaxLength+1)); err == nil {
		t.Error("a filter over MaxLength parsed")
	}
}

// TestAllen checks the temporal functions on day intervals against their
// definitions by enumeration of days.
func TestAllen(t *testing.T) {
	a := geo.Interval{From: 10, To: 12}
	for _, tt := range []struct {
		op   string
		b    geo.Interval
		want bool
	}{
		{"t_before", geo.Interval{From: 14, To: 20}, true},
		{"t_before", geo.Interval{From: 13, To: 20}, false}, // meets
		{"t_meets", geo.Interval{From: 13, To: 20}, true},
		{"t_after", geo.Interval{From: 1, To: 8}, true},
		{"t_metby", geo.Interval{From: 1, To: 9}, true},
		{"t_intersects", geo.Interval{From: 12, To: 12}, true},
		{"t_disjoint", geo.Interval{From: 13, To: 13}, true},
		{"t_during", geo.Interval{From: 9, To: 13}, true},
		{"t_contains", geo.Interval{From: 11, To: 11}, true},
		{"t_equals", geo.Interval{From: 10, To: 12}, true},
		{"t_starts", geo.Interval{From: 10, To: 15}, true},
		{"t_finishes", geo.Interval{From: 5, To: 12}, true},
		{"t_overlaps", geo.Interval{From: 11, To: 15}, true},
		{"t_overlappedby", geo.Interval{From: 5, To: 11}, true},
		{"t_intersects", geo.Interval{From: geo.OpenStart, To: geo.OpenEnd}, true},
		{"t_before", geo.Interval{From: 20, To: geo.OpenEnd}, true},
	} {
		if got := Allen(tt.op, a, tt.b); got != tt.want {
			t.Errorf("%s(%v, %v) = %v, want %v", tt.op, a, tt.b, got, tt.want)
		}
	}
}

// TestZoneSpatial checks the spatial functions between zones' areas and
// polygon literals against hand-made cases.
func TestZoneSpatial(t *testing.T) {
	square := func(x0, y0, x1, y1 float64) orb.Polygon {
		return orb.Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}
	}
	zone := geo.Zone{ID: "z", Area: orb.MultiPolygon{square(38, 34, 39, 35)}}
	for _, tt := range []struct {
		filter string
		want   bool
	}{
		{"S_WITHIN(geometry, POLYGON((37 33, 40 33, 40 36, 37 36, 37 33)))", true},
		{"S_WITHIN(geometry, POLYGON((38.5 33, 40 33, 40 36, 38.5 36, 38.5 33)))", false},
		{"S_CONTAINS(geometry, POLYGON((38.2 34.2, 38.8 34.2, 38.8 34.8, 38.2 34.8, 38.2 34.2)))", true},
		{"S_OVERLAPS(geometry, POLYGON((38.5 34.5, 40 34.5, 40 36, 38.5 36, 38.5 34.5)))", true},
		{"S_TOUCHES(geometry, POLYGON((39 34, 40 34, 40 35, 39 35, 39 34)))", true},
		{"S_EQUALS(geometry, POLYGON((38 34, 39 34, 39 35, 38 35, 38 34)))", true},
		{"S_INTERSECTS(geometry, POLYGON((39.5 34, 40 34, 40 35, 39.5 35, 39.5 34)))", false},
		{"S_CONTAINS(geometry, POINT(38.5 34.5))", true},
		{"S_TOUCHES(geometry, POINT(39 34.5))", true},
		{"S_CROSSES(geometry, LINESTRING(37 34.5, 40 34.5))", true},
		{"S_INTERSECTS(geometry, LINESTRING(40 34.5, 41 34.5))", false},
		{"S_DISJOINT(geometry, LINESTRING(40 34.5, 41 34.5))", true},
		{"S_CONTAINS(geometry, MULTIPOINT((38.5 34.5), (38.6 34.6)))", true},
		{"S_INTERSECTS(geometry, GEOMETRYCOLLECTION(POINT(45 45), LINESTRING(38.5 33, 38.5 36)))", true},
	} {
		e, err := ParseText(tt.filter)
		if err != nil {
			t.Fatal(err)
		}
		keep, err := Compile(e, ZoneSchema())
		if err != nil {
			t.Fatalf("%s: %v", tt.filter, err)
		}
		if got := keep(&zone); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.filter, got, tt.want)
		}
	}
}

// TestPointsAndLines checks the spatial functions between incidents'
// points and line literals.
func TestPointsAndLines(t *testing.T) {
	in := geo.Incident{ID: "i", Location: orb.Point{38.5, 34.5}}
	for _, tt := range []struct {
		filter string
		want   bool
	}{
		{"S_INTERSECTS(geometry, LINESTRING(38 34, 39 35))", true},
		{"S_INTERSECTS(geometry, LINESTRING(38 34, 39 34))", false},
		{"S_DISJOINT(geometry, LINESTRING(38 34, 39 34))", true},
		{"S_WITHIN(geometry, LINESTRING(38 34, 39 35))", true},
		{"S_INTERSECTS(geometry, MULTIPOINT((38.5 34.5), (1 1)))", true},
	} {
		e, err := ParseText(tt.filter)
		if err != nil {
			t.Fatal(err)
		}
		keep, err := Compile(e, IncidentSchema())
		if err != nil {
			t.Fatalf("%s: %v", tt.filter, err)
		}
		if got := keep(&in); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.filter, got, tt.want)
		}
	}
}
