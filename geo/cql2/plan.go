package cql2

import (
	"math"

	"github.com/frontline-maps/frontline/geo"
)

// Plan is an incidents filter split for the index: Query holds what the
// index answers itself (a place, a time window, the values of type,
// sub-type, status and actor, a minimum of deaths), and its Keep checks
// the rest of the filter on the incidents the index finds. Pushed lists
// the conjuncts the index answers exactly, for tests and the query log.
type Plan struct {
	Query  geo.IncidentQuery
	Pushed []Expr
}

// PlanIncidents plans the filter e (checked against IncidentSchema) over
// the incidents index. Only the top-level AND is split: each of its terms
// that the index can answer exactly is moved into the query (the first of
// each kind: one place, one time window, one list per attribute), a term
// it can narrow without answering (date >= D: a window from D) narrows the
// query and stays to be checked, and every other term is checked on the
// candidates. The plan's answers are the filter's: the tests compare them
// with Compile's over randomised filters and data.
//
// base is the query the filter narrows (a request's other parameters):
// the filter is pushed only into what base leaves free.
func PlanIncidents(e Expr, base geo.IncidentQuery) (Plan, error) {
	schema := IncidentSchema()
	if _, err := Compile(e, schema); err != nil {
		return Plan{}, err
	}
	p := Plan{Query: base}
	var rest []Expr
	q := &p.Query
	for _, t := range conjuncts(e) {
		if p.push(t) {
			p.Pushed = append(p.Pushed, t)
			continue
		}
		rest = append(rest, t)
	}
	switch len(rest) {
	case 0:
	case 1:
		keep, err := Compile(rest[0], schema)
		if err != nil {
			return Plan{}, err
		}
		q.Keep = both(base.Keep, keep)
	default:
		keep, err := Compile(&And{node{rest[0].At()}, rest}, schema)
		if err != nil {
			return Plan{}, err
		}
		q.Keep = both(base.Keep, keep)
	}
	return p, nil
}

// both is a Keep of two conditions, either nil.
func both(a, b func(*geo.Incident) bool) func(*geo.Incident) bool {
	if a == nil {
		return b
	}
	return func(in *geo.Incident) bool { return a(in) && b(in) }
}

// conjuncts lists the terms of a top-level AND (nested ANDs flattened).
func conjuncts(e Expr) []Expr {
	a, ok := e.(*And)
	if !ok {
		return []Expr{e}
	}
	var out []Expr
	for _, x := range a.Args {
		out = append(out, conjuncts(x)...)
	}
	return out
}

// push moves t into the plan's query if it can, and reports whether the
// query now answers t exactly; a t it only narrows the candidates by must
// still be checked.
func (p *Plan) push(t Expr) bool {
	q := &p.Query
	switch t := t.(type) {
	case *Spatial:
		if q.Where != (geo.Where{}) {
			return false
		}
		prop, lit, op := propertyAndLiteral(t.A, t.B, t.Op)
		if prop != "geometry" || lit == nil || (op != "s_intersects" && op != "s_within") {
			return false
		}
		sh, err := literalShape(lit)
		if err != nil || sh.Region == nil {
			return false
		}
		q.Where = geo.InRegion(sh.Region)
		return true
	case *DWithin:
		if q.Where != (geo.Where{}) {
			return false
		}
		prop, lit, _ := propertyAndLiteral(t.A, t.B, "")
		if prop != "geometry" || lit == nil || !(t.Meters > 0 && t.Meters <= geo.MaxRadiusMeters) {
			return false
		}
		sh, err := literalShape(lit)
		if err != nil || sh.Point == nil {
			return false
		}
		q.Where = geo.InCircle(geo.Circle{Center: *sh.Point, RadiusMeters: t.Meters})
		return true
	case *Temporal:
		if q.Window != nil {
			return false
		}
		prop, iv, ok := propertyAndInterval(t.A, t.B)
		if !ok || prop != "date" {
			return false
		}
		switch t.Op {
		case "t_intersects":
			q.Window = &iv
			return true
		case "t_during", "t_starts", "t_finishes", "t_equals", "t_overlaps", "t_overlappedby", "t_contains", "t_startedby", "t_finishedby":
			// Each implies that the days meet.
			q.Window = &iv
			return false
		}
	case *Compare:
		return p.pushCompare(t)
	case *In:
		prop, ok := t.X.(*Property)
		if !ok {
			return false
		}
		var vals []string
		for _, x := range t.List {
			s, ok := x.(*String)
			if !ok {
				return false
			}
			vals = append(vals, s.V)
		}
		return p.pushValues(prop.Name, vals)
	}
	return false
}

// pushCompare pushes property = 'value', a minimum of deaths, or a bound
// on the days, as push does.
func (p *Plan) pushCompare(t *Compare) bool {
	q := &p.Query
	prop, ok := t.A.(*Property)
	other, op := t.B, t.Op
	if !ok {
		if prop, ok = t.B.(*Property); !ok {
			return false
		}
		other, op = t.A, flip(op)
	}
	switch prop.Name {
	case "type", "sub_type", "status", "actor":
		if s, ok := other.(*String); ok && op == "=" {
			return p.pushValues(prop.Name, []string{s.V})
		}
	case "fatalities_best":
		n, ok := other.(*Number)
		if !ok || q.MinFatalities != 0 {
			return false
		}
		// Deaths are whole numbers: best > n is best >= floor(n)+1, and
		// best >= n is best >= ceil(n).
		var min float64
		switch op {
		case ">=":
			min = math.Ceil(n.V)
		case ">":
			min = math.Floor(n.V) + 1
		default:
			return false
		}
		if min < 1 || min > math.MaxInt32 {
			return false
		}
		q.MinFatalities = int(min)
		return true
	case "date", "date_end":
		if q.Window != nil {
			return false
		}
		d, ok := dayOf(other)
		if !ok {
			return false
		}
		// A window keeps incidents whose days [date, date_end] meet it:
		// date <= D is exactly a window up to D, date_end >= D one from D;
		// the other bounds only narrow.
		switch {
		case prop.Name == "date" && op == "<=":
			q.Window = &geo.Interval{From: geo.OpenStart, To: d}
			return true
		case prop.Name == "date" && op == "<" && d > geo.OpenStart+1:
			q.Window = &geo.Interval{From: geo.OpenStart, To: d - 1}
			return true
		case prop.Name == "date_end" && op == ">=":
			q.Window = &geo.Interval{From: d, To: geo.OpenEnd}
			return true
		case prop.Name == "date_end" && op == ">" && d < geo.OpenEnd-1:
			q.Window = &geo.Interval{From: d + 1, To: geo.OpenEnd}
			return true
		case prop.Name == "date" && (op == ">=" || op == ">" || op == "="):
			q.Window = &geo.Interval{From: d, To: geo.OpenEnd}
			return false
		case prop.Name == "date_end" && (op == "<=" || op == "<" || op == "="):
			q.Window = &geo.Interval{From: geo.OpenStart, To: d}
			return false
		}
	}
	return false
}

// pushValues sets the query's list for an attribute, when the list is
// free and every value is one the attribute can have (a value it cannot
// have is left to the check, which matches nothing, rather than refused).
func (p *Plan) pushValues(name string, vals []string) bool {
	q := &p.Query
	switch name {
	case "type":
		if q.Types != nil {
			return false
		}
		var ts []geo.EventType
		for _, v := range vals {
			if t := geo.EventType(v); t.Valid() {
				ts = append(ts, t)
			} else {
				return false
			}
		}
		q.Types = ts
	case "sub_type":
		if q.SubTypes != nil {
			return false
		}
		var ts []geo.SubType
		for _, v := range vals {
			if _, ok := geo.SubTypes[geo.SubType(v)]; !ok {
				return false
			}
			ts = append(ts, geo.SubType(v))
		}
		q.SubTypes = ts
	case "status":
		if q.Statuses != nil {
			return false
		}
		var ss []geo.IncidentStatus
		for _, v := range vals {
			s := geo.IncidentStatus(v)
			if !s.Valid() {
				return false
			}
			ss = append(ss, s)
		}
		q.Statuses = ss
	case "actor":
		if q.Actors != nil {
			return false
		}
		var as []geo.ActorID
		for _, v := range vals {
			if v == "" {
				return false
			}
			as = append(as, geo.ActorID(v))
		}
		q.Actors = as
	default:
		return false
	}
	return true
}

// propertyAndLiteral finds the property name and the geometry literal of a
// spatial function's arguments, and the function as it reads with the
// property first.
func propertyAndLiteral(a, b Expr, op string) (string, *Geometry, string) {
	if pa, ok := a.(*Property); ok {
		g, _ := b.(*Geometry)
		return pa.Name, g, op
	}
	if pb, ok := b.(*Property); ok {
		g, _ := a.(*Geometry)
		switch op {
		case "s_within":
			op = "s_contains"
		case "s_contains":
			op = "s_within"
		}
		return pb.Name, g, op
	}
	return "", nil, op
}

// propertyAndInterval finds T(property, literal): the property and the
// literal's days. Only the property first: the temporal functions are
// not symmetric.
func propertyAndInterval(a, b Expr) (string, geo.Interval, bool) {
	pa, ok := a.(*Property)
	if !ok {
		return "", geo.Interval{}, false
	}
	switch x := b.(type) {
	case *Instant:
		return pa.Name, geo.Interval{From: x.Day, To: x.Day}, true
	case *String:
		d, ok := dayOf(x)
		return pa.Name, geo.Interval{From: d, To: d}, ok
	case *Interval:
		from, to := geo.OpenStart, geo.OpenEnd
		if x.From != nil {
			d, ok := dayOf(x.From)
			if !ok {
				return "", geo.Interval{}, false
			}
			from = d
		}
		if x.To != nil {
			d, ok := dayOf(x.To)
			if !ok {
				return "", geo.Interval{}, false
			}
			to = d
		}
		return pa.Name, geo.Interval{From: from, To: to}, from <= to
	}
	return "", geo.Interval{}, false
}

// dayOf reads a date literal: DATE, TIMESTAMP, or a character string as
// Compile coerces it.
func dayOf(e Expr) (geo.Day, bool) {
	switch x := e.(type) {
	case *Instant:
		return x.Day, true
	case *String:
		word := "TIMESTAMP"
		if len(x.V) == len("2006-01-02") {
			word = "DATE"
		}
		d, err := parseInstant(word, x.V)
		return d, err == nil
	}
	return 0, false
}

// flip is op with its operands swapped.
func flip(op string) string {
	switch op {
	case "<":
		return ">"
	case ">":
		return "<"
	case "<=":
		return ">="
	case ">=":
		return "<="
	}
	return op
}
