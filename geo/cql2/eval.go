package cql2

import (
	"regexp"
	"slices"
	"strings"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/geo/overlay"
	"github.com/paulmach/orb"
)

// Kind is the type of a queryable.
type Kind int

// The kinds of queryables.
const (
	KString  Kind = iota + 1
	KStrings      // several strings (an incident's actors): a comparison holds when one of them does
	KNumber
	KBool
	KDays // a day or a closed interval of days
	KGeometry
)

// Value is a queryable's value on one record. Null marks a value the
// record lacks (an incident without a sub-type, a zone without an end).
type Value struct {
	Null bool
	S    string
	Ss   []string
	N    float64
	B    bool
	D    geo.Interval
	G    Shape
}

// Shape is a record's geometry as the spatial functions see it: a point
// (incidents, sites) or an area (zones: a prepared polygon, or a geodesic
// circle).
type Shape struct {
	Point  *orb.Point
	Region *geo.Region
	Circle *geo.Circle
	// Area is the polygon of an area, for intersecting it with a polygon.
	Area orb.MultiPolygon
	// Other is a literal that is none of those (a line, a multipoint, a
	// collection): the functions relate it with geo/overlay.Relate.
	Other orb.Geometry
}

// geometry is the shape as an orb.Geometry (a circle as its 64-gon).
func (s Shape) geometry() orb.Geometry {
	switch {
	case s.Point != nil:
		return *s.Point
	case s.Circle != nil:
		return orb.MultiPolygon{s.Circle.Polygon(64)}
	case s.Other != nil:
		return s.Other
	}
	return s.Area
}

// Field is one queryable of records of type T. Area marks a geometry
// that is an area (zones), not a point.
type Field[T any] struct {
	Kind Kind
	Get  func(*T) Value
	Area bool
}

// Schema is the queryables of a collection, by name.
type Schema[T any] map[string]Field[T]

// tri is a truth value of three-valued logic: a comparison with a null is
// unknown, and a filter keeps the records for which it is true.
type tri int8

const (
	unknown tri = iota
	no
	yes
)

func triOf(b bool) tri {
	if b {
		return yes
	}
	return no
}

// Compile checks e against the queryables of s (every property known,
// every operand of a kind its operator takes) and returns the predicate:
// whether a record passes the filter. Errors are *Error at the offending
// node.
func Compile[T any](e Expr, s Schema[T]) (func(*T) bool, error) {
	c := compiler[T]{s: s}
	f, err := c.boolean(e)
	if err != nil {
		return nil, err
	}
	return func(r *T) bool { return f(r) == yes }, nil
}

type compiler[T any] struct{ s Schema[T] }

// boolean compiles a boolean expression.
func (c compiler[T]) boolean(e Expr) (func(*T) tri, error) {
	switch e := e.(type) {
	case *Bool:
		v := triOf(e.V)
		return func(*T) tri { return v }, nil
	case *And, *Or:
		var args []Expr
		and := false
		if a, ok := e.(*And); ok {
			args, and = a.Args, true
		} else {
			args = e.(*Or).Args
		}
		fs := make([]func(*T) tri, len(args))
		for i, a := range args {
			f, err := c.boolean(a)
			if err != nil {
				return nil, err
			}
			fs[i] = f
		}
		if and {
			return func(r *T) tri {
				out := yes
				for _, f := range fs {
					switch f(r) {
					case no:
						return no
					case unknown:
						out = unknown
					}
				}
				return out
			}, nil
		}
		return func(r *T) tri {
			out := no
			for _, f := range fs {
				switch f(r) {
				case yes:
					return yes
				case unknown:
					out = unknown
				}
			}
			return out
		}, nil
	case *Not:
		f, err := c.boolean(e.X)
		if err != nil {
			return nil, err
		}
		return func(r *T) tri {
			switch f(r) {
			case yes:
				return no
			case no:
				return yes
			}
			return unknown
		}, nil
	case *Compare:
		return c.compare(e)
	case *Like:
		return c.like(e)
	case *Between:
		x, err := c.scalar(e.X)
		if err != nil {
			return nil, err
		}
		lo, err := c.scalar(e.Lo)
		if err != nil {
			return nil, err
		}
		hi, err := c.scalar(e.Hi)
		if err != nil {
			return nil, err
		}
		if err := sameOrdered(e, x, lo, hi); err != nil {
			return nil, err
		}
		return func(r *T) tri {
			a, b, h := x.get(r), lo.get(r), hi.get(r)
			if a.Null || b.Null || h.Null {
				return unknown
			}
			return triOf(order(x.kind, b, a) <= 0 && order(x.kind, a, h) <= 0)
		}, nil
	case *In:
		x, err := c.scalar(e.X)
		if err != nil {
			return nil, err
		}
		list := make([]operand[T], len(e.List))
		for i, it := range e.List {
			if list[i], err = c.scalar(it); err != nil {
				return nil, err
			}
			if err := comparable(e, x, list[i], "="); err != nil {
				return nil, err
			}
		}
		return func(r *T) tri {
			v := x.get(r)
			if v.Null {
				return unknown
			}
			out := no
			for _, it := range list {
				w := it.get(r)
				if w.Null {
					out = unknown
					continue
				}
				if equalAny(x, v, it, w) {
					return yes
				}
			}
			return out
		}, nil
	case *IsNull:
		x, err := c.scalar(e.X)
		if err != nil {
			return nil, err
		}
		return func(r *T) tri { return triOf(x.get(r).Null) }, nil
	case *Spatial:
		return c.spatial(e)
	case *DWithin:
		return c.dwithin(e)
	case *Temporal:
		return c.temporal(e)
	}
	return nil, errAt(e.At(), "", "is not a boolean expression (a comparison, a function or TRUE/FALSE)")
}

// operand is a compiled operand: its kind, how to read it, whether it is
// compared without regard to case, and where it was.
type operand[T any] struct {
	kind  Kind
	get   func(*T) Value
	casei bool
	lit   bool // a literal: the same on every record
	area  bool // a geometry that is an area
	pos   int
	name  string
}

// scalar compiles an operand.
func (c compiler[T]) scalar(e Expr) (operand[T], error) {
	constant := func(k Kind, v Value) operand[T] {
		return operand[T]{kind: k, get: func(*T) Value { return v }, lit: true, pos: e.At()}
	}
	switch e := e.(type) {
	case *Property:
		f, ok := c.s[e.Name]
		if !ok {
			names := make([]string, 0, len(c.s))
			for n := range c.s {
				names = append(names, n)
			}
			slices.Sort(names)
			return operand[T]{}, errAt(e.At(), e.Name, "is not a queryable of this collection; queryables: %s", strings.Join(names, ", "))
		}
		return operand[T]{kind: f.Kind, get: f.Get, area: f.Area, pos: e.At(), name: e.Name}, nil
	case *String:
		return constant(KString, Value{S: e.V}), nil
	case *Number:
		return constant(KNumber, Value{N: e.V}), nil
	case *Bool:
		return constant(KBool, Value{B: e.V}), nil
	case *Instant:
		return constant(KDays, Value{D: geo.Interval{From: e.Day, To: e.Day}}), nil
	case *Interval:
		from, err := c.end(e.From, geo.OpenStart)
		if err != nil {
			return operand[T]{}, err
		}
		to, err := c.end(e.To, geo.OpenEnd)
		if err != nil {
			return operand[T]{}, err
		}
		return operand[T]{kind: KDays, pos: e.At(), lit: from.lit && to.lit, get: func(r *T) Value {
			a, b := from.get(r), to.get(r)
			if a.Null || b.Null {
				return Value{Null: true}
			}
			return Value{D: geo.Interval{From: a.D.From, To: b.D.To}}
		}}, nil
	case *Geometry:
		sh, err := literalShape(e)
		if err != nil {
			return operand[T]{}, err
		}
		return constant(KGeometry, Value{G: sh}), nil
	case *CaseI:
		x, err := c.scalar(e.X)
		if err != nil {
			return operand[T]{}, err
		}
		if x.kind != KString && x.kind != KStrings {
			return operand[T]{}, errAt(e.At(), "CASEI", "takes a character string")
		}
		x.casei = true
		return x, nil
	}
	return operand[T]{}, errAt(e.At(), "", "is not an operand here")
}

// end compiles an end of an interval: an instant, a day property or open.
func (c compiler[T]) end(e Expr, open geo.Day) (operand[T], error) {
	if e == nil {
		v := Value{D: geo.Interval{From: open, To: open}}
		return operand[T]{kind: KDays, lit: true, get: func(*T) Value { return v }}, nil
	}
	x, err := c.scalar(e)
	if err != nil {
		return x, err
	}
	if x.kind != KDays {
		return x, errAt(e.At(), x.name, "is not a date; an interval's ends are dates, timestamps, '..' or date queryables")
	}
	return x, nil
}

// coerce reads a character literal compared with a date queryable as a
// date, as GIS clients write them ("date" >= '2024-01-01'; GDAL 3.6 writes
// '2024-01-01T' for a date).
func coerce[T any](a, b *operand[T]) error {
	for _, pair := range [][2]*operand[T]{{a, b}, {b, a}} {
		x, lit := pair[0], pair[1]
		if x.kind == KDays && lit.kind == KString && lit.lit {
			s := lit.get(nil).S
			word := "TIMESTAMP"
			if t, ok := strings.CutSuffix(s, "T"); ok && len(t) == len("2006-01-02") {
				s = t
			}
			if len(s) == len("2006-01-02") {
				word = "DATE"
			}
			d, err := parseInstant(word, s)
			if err != nil {
				return errAt(lit.pos, s, "%v (compared with a date)", err)
			}
			v := Value{D: geo.Interval{From: d, To: d}}
			*lit = operand[T]{kind: KDays, lit: true, pos: lit.pos, get: func(*T) Value { return v }}
		}
	}
	return nil
}

// comparable checks that a and b can be compared with op.
func comparable[T any](e Expr, a, b operand[T], op string) error {
	ka, kb := a.kind, b.kind
	if ka == KStrings {
		ka = KString
	}
	if kb == KStrings {
		kb = KString
	}
	switch {
	case ka == KGeometry || kb == KGeometry:
		return errAt(e.At(), op, "geometries are compared with the spatial functions (S_INTERSECTS, …), not %s", op)
	case ka != kb:
		return errAt(e.At(), op, "compares %s with %s", kindName(a.kind), kindName(b.kind))
	case ka == KBool && op != "=" && op != "<>":
		return errAt(e.At(), op, "booleans are compared with = and <> only")
	}
	return nil
}

func kindName(k Kind) string {
	switch k {
	case KString, KStrings:
		return "a character string"
	case KNumber:
		return "a number"
	case KBool:
		return "a boolean"
	case KDays:
		return "a date"
	case KGeometry:
		return "a geometry"
	}
	return "a value"
}

// sameOrdered checks BETWEEN's operands: numbers, dates or strings, all
// one kind.
func sameOrdered[T any](e Expr, x, lo, hi operand[T]) error {
	for _, o := range []*operand[T]{&lo, &hi} {
		if err := coerce(&x, o); err != nil {
			return err
		}
		if err := comparable(e, x, *o, "BETWEEN"); err != nil {
			return err
		}
	}
	if x.kind == KBool {
		return errAt(e.At(), "BETWEEN", "takes numbers, dates or character strings")
	}
	return nil
}

// compare compiles A op B.
func (c compiler[T]) compare(e *Compare) (func(*T) tri, error) {
	a, err := c.scalar(e.A)
	if err != nil {
		return nil, err
	}
	b, err := c.scalar(e.B)
	if err != nil {
		return nil, err
	}
	if err := coerce(&a, &b); err != nil {
		return nil, err
	}
	if err := comparable(e, a, b, e.Op); err != nil {
		return nil, err
	}
	test := func(o int) bool {
		switch e.Op {
		case "=":
			return o == 0
		case "<>":
			return o != 0
		case "<":
			return o < 0
		case ">":
			return o > 0
		case "<=":
			return o <= 0
		}
		return o >= 0
	}
	return func(r *T) tri {
		va, vb := a.get(r), b.get(r)
		if va.Null || vb.Null {
			return unknown
		}
		// Several values (actors): "=" and the orderings hold when one
		// does; "<>" when none is equal.
		if a.kind == KStrings || b.kind == KStrings {
			eq := equalAny(a, va, b, vb)
			if e.Op == "<>" {
				return triOf(!eq)
			}
			if e.Op == "=" {
				return triOf(eq)
			}
			for _, x := range strs(a, va) {
				for _, y := range strs(b, vb) {
					if test(strings.Compare(x, y)) {
						return yes
					}
				}
			}
			return no
		}
		return triOf(test(compareValues(a, va, b, vb)))
	}, nil
}

// strs lists the strings of a string or strings value, folded if CASEI.
func strs[T any](o operand[T], v Value) []string {
	list := v.Ss
	if o.kind == KString {
		list = []string{v.S}
	}
	if o.casei {
		out := make([]string, len(list))
		for i, s := range list {
			out[i] = strings.ToLower(s)
		}
		return out
	}
	return list
}

// equalAny reports whether a value of a equals one of b (or the reverse).
func equalAny[T any](a operand[T], va Value, b operand[T], vb Value) bool {
	if a.kind == KStrings || b.kind == KStrings || a.kind == KString {
		for _, x := range strs(a, va) {
			if slices.Contains(strs(b, vb), x) {
				return true
			}
		}
		return false
	}
	return compareValues(a, va, b, vb) == 0
}

// compareValues orders two values of one kind (strings folded if CASEI).
func compareValues[T any](a operand[T], va Value, b operand[T], vb Value) int {
	if a.kind == KString {
		x, y := va.S, vb.S
		if a.casei || b.casei {
			x, y = strings.ToLower(x), strings.ToLower(y)
		}
		return strings.Compare(x, y)
	}
	return order(a.kind, va, vb)
}

// order orders two values of kind k: numbers, booleans, dates (by their
// first day) or strings.
func order(k Kind, a, b Value) int {
	switch k {
	case KNumber:
		return cmp3(a.N, b.N)
	case KBool:
		return cmp3(b2i(a.B), b2i(b.B))
	case KDays:
		return cmp3(a.D.From, b.D.From)
	}
	return strings.Compare(a.S, b.S)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func cmp3[N int | float64 | geo.Day](a, b N) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// like compiles X LIKE pattern.
func (c compiler[T]) like(e *Like) (func(*T) tri, error) {
	x, err := c.scalar(e.X)
	if err != nil {
		return nil, err
	}
	pat, err := c.scalar(e.Pattern)
	if err != nil {
		return nil, err
	}
	if (x.kind != KString && x.kind != KStrings) || pat.kind != KString || !pat.lit {
		return nil, errAt(e.At(), "LIKE", "matches a character string against a literal pattern")
	}
	p := pat.get(nil).S
	if x.casei || pat.casei {
		p = strings.ToLower(p)
		x.casei = true
	}
	re, err := likeRegexp(p)
	if err != nil {
		return nil, errAt(e.Pattern.At(), p, "%v", err)
	}
	return func(r *T) tri {
		v := x.get(r)
		if v.Null {
			return unknown
		}
		return triOf(slices.ContainsFunc(strs(x, v), re.MatchString))
	}, nil
}

// likeRegexp translates a LIKE pattern: % any run, _ one character, \ the
// next character as itself.
func likeRegexp(p string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	esc := false
	for _, r := range p {
		switch {
		case esc:
			b.WriteString(regexp.QuoteMeta(string(r)))
			esc = false
		case r == '\\':
			esc = true
		case r == '%':
			b.WriteString(`.*`)
		case r == '_':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	if esc {
		return nil, errInstant(`a pattern: it ends with an escaping \`)
	}
	b.WriteString(`$`)
	return regexp.Compile(b.String())
}

// ------------------------------------------------------------ spatial

// literalShape prepares a geometry literal for the spatial functions:
// points, boxes, polygons and multipolygons. The literal keeps it.
func literalShape(e *Geometry) (Shape, error) {
	if e.prepared != nil {
		return *e.prepared, nil
	}
	sh, err := prepareShape(e)
	if err == nil {
		e.prepared = &sh
	}
	return sh, err
}

func prepareShape(e *Geometry) (Shape, error) {
	switch g := e.G.(type) {
	case orb.Point:
		if err := checkLonLat(e, g); err != nil {
			return Shape{}, err
		}
		return Shape{Point: &g}, nil
	case orb.Bound:
		if err := checkLonLat(e, g.Min); err != nil {
			return Shape{}, err
		}
		if err := checkLonLat(e, g.Max); err != nil {
			return Shape{}, err
		}
		poly := g.ToPolygon()
		r, err := geo.PrepareRegion(poly)
		if err != nil {
			return Shape{}, errAt(e.At(), "BBOX", "%v", err)
		}
		return Shape{Region: r, Area: orb.MultiPolygon{poly}}, nil
	case orb.Polygon, orb.MultiPolygon:
		r, err := geo.PrepareRegion(g)
		if err != nil {
			return Shape{}, errAt(e.At(), "", "is not a valid polygon: %v", err)
		}
		mp, ok := g.(orb.MultiPolygon)
		if !ok {
			mp = orb.MultiPolygon{g.(orb.Polygon)}
		}
		return Shape{Region: r, Area: mp}, nil
	case orb.LineString, orb.MultiLineString, orb.MultiPoint, orb.Collection:
		if err := checkAll(e, g); err != nil {
			return Shape{}, err
		}
		return Shape{Other: g}, nil
	}
	return Shape{}, errAt(e.At(), e.G.GeoJSONType(), "is not supported in a spatial function")
}

// checkAll checks that every point of g is [lon, lat].
func checkAll(e Expr, g orb.Geometry) error {
	switch g := g.(type) {
	case orb.Point:
		return checkLonLat(e, g)
	case orb.MultiPoint:
		for _, p := range g {
			if err := checkLonLat(e, p); err != nil {
				return err
			}
		}
	case orb.LineString:
		return checkAll(e, orb.MultiPoint(g))
	case orb.MultiLineString:
		for _, l := range g {
			if err := checkAll(e, orb.MultiPoint(l)); err != nil {
				return err
			}
		}
	case orb.Collection:
		for _, x := range g {
			if err := checkAll(e, x); err != nil {
				return err
			}
		}
	case orb.Polygon:
		for _, r := range g {
			if err := checkAll(e, orb.MultiPoint(r)); err != nil {
				return err
			}
		}
	case orb.MultiPolygon:
		for _, p := range g {
			if err := checkAll(e, p); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkLonLat(e Expr, p orb.Point) error {
	if !(p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90) {
		return errAt(e.At(), "", "coordinates [%g, %g] are not [lon, lat] in CRS84", p[0], p[1])
	}
	return nil
}

// spatial compiles a spatial function of the record's geometry and a
// literal (either way round).
func (c compiler[T]) spatial(e *Spatial) (func(*T) tri, error) {
	a, err := c.scalar(e.A)
	if err != nil {
		return nil, err
	}
	b, err := c.scalar(e.B)
	if err != nil {
		return nil, err
	}
	if a.kind != KGeometry || b.kind != KGeometry {
		return nil, errAt(e.At(), strings.ToUpper(e.Op), "takes two geometries (the queryable geometry and a geometry literal)")
	}
	op := e.Op
	if a.lit && !b.lit {
		a, b = b, a
		switch op {
		case "s_within":
			op = "s_contains"
		case "s_contains":
			op = "s_within"
		}
	}
	if !b.lit {
		return nil, errAt(e.At(), strings.ToUpper(e.Op), "compares a record's geometry with a geometry literal")
	}
	lit := b.get(nil).G
	if lit.Other != nil || a.area && lit.Point == nil && op != "s_intersects" && op != "s_disjoint" {
		// Between two areas, or with a line, a multipoint or a collection:
		// the DE-9IM predicate, as geo/overlay computes it (a circle zone
		// as its 64-gon).
		rel := strings.TrimPrefix(op, "s_")
		negate := rel == "disjoint"
		if negate {
			rel = "intersects"
		}
		var other orb.Geometry = lit.Area
		if lit.Other != nil {
			other = lit.Other
		}
		return func(r *T) tri {
			v := a.get(r)
			if v.Null {
				return unknown
			}
			ok, err := overlay.Relate(rel, v.G.geometry(), other)
			if err != nil {
				return unknown
			}
			return triOf(ok != negate)
		}, nil
	}
	return func(r *T) tri {
		v := a.get(r)
		if v.Null {
			return unknown
		}
		return triOf(relate(op, v.G, lit))
	}, nil
}

// relate applies a spatial function to a record's shape and a literal.
// Boundaries count as inside, as everywhere in Frontline: a point on a
// polygon's edge intersects it and is within it.
func relate(op string, rec, lit Shape) bool {
	switch op {
	case "s_disjoint":
		return !relate("s_intersects", rec, lit)
	case "s_intersects":
		switch {
		case rec.Point != nil && lit.Point != nil:
			return *rec.Point == *lit.Point
		case rec.Point != nil:
			return lit.Region.Contains(*rec.Point)
		case lit.Point != nil:
			return rec.contains(*lit.Point)
		}
		return rec.intersectsArea(lit)
	case "s_within":
		switch {
		case rec.Point != nil && lit.Point != nil:
			return *rec.Point == *lit.Point
		case rec.Point != nil:
			return lit.Region.Contains(*rec.Point)
		}
		return false // an area is not within a point (areas and areas: overlay.Relate)
	case "s_contains":
		switch {
		case lit.Point != nil && rec.Point != nil:
			return *rec.Point == *lit.Point
		case lit.Point != nil:
			return rec.contains(*lit.Point)
		}
		return false // a point contains no area
	case "s_equals":
		return rec.Point != nil && lit.Point != nil && *rec.Point == *lit.Point
	case "s_touches":
		// Interiors apart, boundaries met: a point on an area's edge. A
		// point has no boundary, so two points never touch.
		switch {
		case rec.Point != nil && lit.Point == nil:
			return lit.onEdge(*rec.Point)
		case rec.Point == nil && lit.Point != nil:
			return rec.onEdge(*lit.Point)
		}
		return false
	case "s_overlaps", "s_crosses":
		// Overlapping needs two geometries of one dimension that are not
		// points; crossing a point and a point or an area never happens.
		return false
	}
	return false
}

// onEdge reports whether p lies on the boundary of the area s: a ring's
// edge, or a circle's radius exactly.
func (s Shape) onEdge(p orb.Point) bool {
	if s.Circle != nil {
		return geo.DistanceMeters(s.Circle.Center, p) == s.Circle.RadiusMeters
	}
	for _, poly := range s.Area {
		for _, ring := range poly {
			for i := 0; i+1 < len(ring); i++ {
				if onSegment(ring[i], ring[i+1], p) {
					return true
				}
			}
		}
	}
	return false
}

// onSegment reports whether p lies on the segment ab, exactly.
func onSegment(a, b, p orb.Point) bool {
	cross := (b[0]-a[0])*(p[1]-a[1]) - (b[1]-a[1])*(p[0]-a[0])
	return cross == 0 &&
		min(a[0], b[0]) <= p[0] && p[0] <= max(a[0], b[0]) &&
		min(a[1], b[1]) <= p[1] && p[1] <= max(a[1], b[1])
}

// contains reports whether an area shape holds p.
func (s Shape) contains(p orb.Point) bool {
	switch {
	case s.Circle != nil:
		return s.Circle.Contains(p)
	case s.Region != nil:
		return s.Region.Contains(p)
	}
	return false
}

// intersectsArea reports whether the area s shares a point with the area
// lit.
func (s Shape) intersectsArea(lit Shape) bool {
	area := s.Area
	if s.Circle != nil {
		area = orb.MultiPolygon{s.Circle.Polygon(64)}
	}
	return overlay.Intersects(area, lit.Area)
}

// dwithin compiles S_DWITHIN(A, B, metres): the WGS84 (geo.DistanceMeters)
// distance between a record's point and a point literal.
func (c compiler[T]) dwithin(e *DWithin) (func(*T) tri, error) {
	a, err := c.scalar(e.A)
	if err != nil {
		return nil, err
	}
	b, err := c.scalar(e.B)
	if err != nil {
		return nil, err
	}
	if a.lit {
		a, b = b, a
	}
	if a.kind != KGeometry || !b.lit || b.kind != KGeometry || b.get(nil).G.Point == nil {
		return nil, errAt(e.At(), "S_DWITHIN", "takes the queryable geometry, a POINT literal and a distance in metres")
	}
	centre := *b.get(nil).G.Point
	m := e.Meters
	return func(r *T) tri {
		v := a.get(r)
		switch {
		case v.Null:
			return unknown
		case v.G.Point != nil:
			return triOf(geo.DistanceMeters(*v.G.Point, centre) <= m)
		}
		// An area: within m of the point when it holds it or its circle of
		// m meets the area.
		if v.G.contains(centre) {
			return yes
		}
		if m == 0 {
			return no
		}
		disc := geo.Circle{Center: centre, RadiusMeters: m}
		return triOf(v.G.intersectsArea(Shape{Area: orb.MultiPolygon{disc.Polygon(64)}}))
	}, nil
}

// ------------------------------------------------------------ temporal

// temporal compiles a temporal function of two instants or intervals.
func (c compiler[T]) temporal(e *Temporal) (func(*T) tri, error) {
	a, err := c.scalar(e.A)
	if err != nil {
		return nil, err
	}
	b, err := c.scalar(e.B)
	if err != nil {
		return nil, err
	}
	if err := coerce(&a, &b); err != nil {
		return nil, err
	}
	if a.kind != KDays || b.kind != KDays {
		return nil, errAt(e.At(), strings.ToUpper(e.Op), "takes two dates, timestamps or intervals")
	}
	op := e.Op
	return func(r *T) tri {
		va, vb := a.get(r), b.get(r)
		if va.Null || vb.Null {
			return unknown
		}
		return triOf(Allen(op, va.D, vb.D))
	}, nil
}

// Allen applies a temporal function to two closed intervals of days
// (instants are one-day intervals). Days are the unit of time: [a1, a2]
// meets [b1, b2] when b1 is the day after a2, and is before it when at
// least a day lies between. Open ends are unbounded.
func Allen(op string, a, b geo.Interval) bool {
	a1, a2, b1, b2 := int64(a.From), int64(a.To), int64(b.From), int64(b.To)
	switch op {
	case "t_before":
		return a2+1 < b1
	case "t_after":
		return b2+1 < a1
	case "t_meets":
		return a2+1 == b1
	case "t_metby":
		return b2+1 == a1
	case "t_overlaps":
		return a1 < b1 && b1 <= a2 && a2 < b2
	case "t_overlappedby":
		return b1 < a1 && a1 <= b2 && b2 < a2
	case "t_starts":
		return a1 == b1 && a2 < b2
	case "t_startedby":
		return a1 == b1 && a2 > b2
	case "t_during":
		return b1 < a1 && a2 < b2
	case "t_contains":
		return a1 < b1 && b2 < a2
	case "t_finishes":
		return a2 == b2 && a1 > b1
	case "t_finishedby":
		return a2 == b2 && a1 < b1
	case "t_equals":
		return a1 == b1 && a2 == b2
	case "t_intersects":
		return a1 <= b2 && b1 <= a2
	case "t_disjoint":
		return !(a1 <= b2 && b1 <= a2)
	}
	return false
}
