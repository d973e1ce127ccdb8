package cql2

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/frontline-maps/frontline/geo"
	"github.com/paulmach/orb"
)

// ParseText parses a filter in the CQL2 text encoding. Keywords and
// function names are case-insensitive; property names are as written (or
// "double-quoted"); character literals are 'single-quoted' with ” for a
// quote. Errors are *Error.
func ParseText(src string) (Expr, error) {
	if len(src) > MaxLength {
		return nil, errAt(0, "", "the filter is %d bytes; at most %d", len(src), MaxLength)
	}
	if !utf8.ValidString(src) {
		return nil, errAt(0, "", "the filter is not UTF-8")
	}
	p := &parser{src: src}
	p.next()
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.unexpected("the end of the filter")
	}
	return e, nil
}

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tQuoted // a "double-quoted" identifier
	tString
	tNumber
	tOp // = <> < > <= >= ( ) ,
	tBad
)

type token struct {
	kind tokKind
	text string // the identifier, string value, number or operator
	pos  int
	raw  string // as written
}

type parser struct {
	src   string
	off   int
	tok   token
	depth int
}

// next reads the next token into p.tok.
func (p *parser) next() {
	s := p.src
	for p.off < len(s) && (s[p.off] == ' ' || s[p.off] == '\t' || s[p.off] == '\n' || s[p.off] == '\r') {
		p.off++
	}
	start := p.off
	if p.off >= len(s) {
		p.tok = token{kind: tEOF, pos: start}
		return
	}
	c := s[p.off]
	switch {
	case c == '\'' || c == '"':
		var b strings.Builder
		p.off++
		for {
			if p.off >= len(s) {
				p.tok = token{kind: tBad, pos: start, raw: s[start:], text: "an unterminated quote"}
				return
			}
			if s[p.off] == c {
				if p.off+1 < len(s) && s[p.off+1] == c {
					b.WriteByte(c)
					p.off += 2
					continue
				}
				p.off++
				break
			}
			b.WriteByte(s[p.off])
			p.off++
		}
		kind := tString
		if c == '"' {
			kind = tQuoted
		}
		p.tok = token{kind: kind, text: b.String(), pos: start, raw: s[start:p.off]}
	case c >= '0' && c <= '9' || c == '.' && p.off+1 < len(s) && s[p.off+1] >= '0' && s[p.off+1] <= '9' ||
		(c == '-' || c == '+') && p.off+1 < len(s) && (s[p.off+1] >= '0' && s[p.off+1] <= '9' || s[p.off+1] == '.'):
		p.off++
		for p.off < len(s) && (s[p.off] >= '0' && s[p.off] <= '9' || s[p.off] == '.' || s[p.off] == 'e' || s[p.off] == 'E' ||
			(s[p.off] == '-' || s[p.off] == '+') && (s[p.off-1] == 'e' || s[p.off-1] == 'E')) {
			p.off++
		}
		p.tok = token{kind: tNumber, text: s[start:p.off], pos: start, raw: s[start:p.off]}
	case c == '<' || c == '>':
		p.off++
		if p.off < len(s) && (s[p.off] == '=' || c == '<' && s[p.off] == '>') {
			p.off++
		}
		p.tok = token{kind: tOp, text: s[start:p.off], pos: start, raw: s[start:p.off]}
	case c == '=' || c == '(' || c == ')' || c == ',':
		p.off++
		p.tok = token{kind: tOp, text: s[start:p.off], pos: start, raw: s[start:p.off]}
	default:
		r, size := utf8.DecodeRuneInString(s[p.off:])
		if !unicode.IsLetter(r) && r != '_' {
			p.tok = token{kind: tBad, pos: start, raw: string(r), text: "a character that starts no token"}
			p.off += size
			return
		}
		for p.off < len(s) {
			r, size := utf8.DecodeRuneInString(s[p.off:])
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '.' && r != ':' {
				break
			}
			p.off += size
		}
		p.tok = token{kind: tIdent, text: s[start:p.off], pos: start, raw: s[start:p.off]}
	}
}

// is reports whether the current token is the keyword kw (upper case).
func (p *parser) is(kw string) bool { return p.tok.kind == tIdent && strings.EqualFold(p.tok.text, kw) }

// isOp reports whether the current token is the operator op.
func (p *parser) isOp(op string) bool { return p.tok.kind == tOp && p.tok.text == op }

func (p *parser) unexpected(want string) *Error {
	t := p.tok
	switch t.kind {
	case tEOF:
		return errAt(t.pos, "", "the filter ends here; expected %s", want)
	case tBad:
		return errAt(t.pos, t.raw, "%s; expected %s", t.text, want)
	}
	return errAt(t.pos, t.raw, "expected %s", want)
}

func (p *parser) expect(op string) error {
	if !p.isOp(op) {
		return p.unexpected(strconv.Quote(op))
	}
	p.next()
	return nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > MaxDepth {
		return errAt(p.tok.pos, p.tok.raw, "the filter nests deeper than %d", MaxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// expr is booleanExpression: terms joined by OR.
func (p *parser) expr() (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	pos := p.tok.pos
	first, err := p.term()
	if err != nil {
		return nil, err
	}
	args := []Expr{first}
	for p.is("OR") {
		p.next()
		t, err := p.term()
		if err != nil {
			return nil, err
		}
		args = append(args, t)
	}
	if len(args) == 1 {
		return first, nil
	}
	return &Or{node{pos}, args}, nil
}

// term is booleanTerm: factors joined by AND.
func (p *parser) term() (Expr, error) {
	pos := p.tok.pos
	first, err := p.factor()
	if err != nil {
		return nil, err
	}
	args := []Expr{first}
	for p.is("AND") {
		p.next()
		f, err := p.factor()
		if err != nil {
			return nil, err
		}
		args = append(args, f)
	}
	if len(args) == 1 {
		return first, nil
	}
	return &And{node{pos}, args}, nil
}

// factor is booleanFactor: [NOT] booleanPrimary.
func (p *parser) factor() (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	if p.is("NOT") {
		pos := p.tok.pos
		p.next()
		x, err := p.factor()
		if err != nil {
			return nil, err
		}
		return &Not{node{pos}, x}, nil
	}
	return p.primary()
}

// primary is a parenthesised expression, a boolean literal, a spatial or
// temporal function, or a comparison predicate.
func (p *parser) primary() (Expr, error) {
	pos := p.tok.pos
	switch {
	case p.isOp("("):
		p.next()
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		return e, p.expect(")")
	case p.is("TRUE") || p.is("FALSE"):
		v := p.is("TRUE")
		p.next()
		return &Bool{node{pos}, v}, nil
	case p.tok.kind == tIdent:
		name := strings.ToLower(p.tok.text)
		if spatialOps[name] || temporalOps[name] || name == "s_dwithin" {
			return p.function(name)
		}
	}
	return p.predicate()
}

// spatialOps and temporalOps are the functions of the spatial and
// temporal classes.
var (
	spatialOps = map[string]bool{"s_intersects": true, "s_disjoint": true, "s_within": true, "s_contains": true, "s_equals": true,
		"s_touches": true, "s_overlaps": true, "s_crosses": true}
	temporalOps = map[string]bool{"t_after": true, "t_before": true, "t_contains": true, "t_disjoint": true, "t_during": true,
		"t_equals": true, "t_finishedby": true, "t_finishes": true, "t_intersects": true, "t_meets": true, "t_metby": true,
		"t_overlappedby": true, "t_overlaps": true, "t_startedby": true, "t_starts": true}
)

// function parses a spatial or temporal function call of two arguments,
// or S_DWITHIN of three.
func (p *parser) function(name string) (Expr, error) {
	pos := p.tok.pos
	p.next()
	if err := p.expect("("); err != nil {
		return nil, err
	}
	a, err := p.operand()
	if err != nil {
		return nil, err
	}
	if err := p.expect(","); err != nil {
		return nil, err
	}
	b, err := p.operand()
	if err != nil {
		return nil, err
	}
	var e Expr
	switch {
	case name == "s_dwithin":
		if err := p.expect(","); err != nil {
			return nil, err
		}
		mpos, mraw := p.tok.pos, p.tok.raw
		m, err := p.operand()
		if err != nil {
			return nil, err
		}
		n, ok := m.(*Number)
		if !ok || !(n.V >= 0) {
			return nil, errAt(mpos, mraw, "S_DWITHIN's distance must be a number of metres, 0 or more")
		}
		e = &DWithin{node{pos}, a, b, n.V}
	case spatialOps[name]:
		e = &Spatial{node{pos}, name, a, b}
	default:
		e = &Temporal{node{pos}, name, a, b}
	}
	return e, p.expect(")")
}

// predicate parses a comparison predicate: A op B, [NOT] LIKE, [NOT]
// BETWEEN, [NOT] IN, IS [NOT] NULL.
func (p *parser) predicate() (Expr, error) {
	pos := p.tok.pos
	a, err := p.operand()
	if err != nil {
		return nil, err
	}
	if p.tok.kind == tOp {
		switch op := p.tok.text; op {
		case "=", "<>", "<", ">", "<=", ">=":
			p.next()
			b, err := p.operand()
			if err != nil {
				return nil, err
			}
			return &Compare{node{pos}, op, a, b}, nil
		}
	}
	negate := false
	notPos := p.tok.pos
	if p.is("NOT") {
		negate = true
		p.next()
	}
	var e Expr
	switch {
	case p.is("LIKE"), p.is("ILIKE"):
		// ILIKE is the draft's LIKE without regard to case (GDAL 3.6 sends
		// it): CASEI(a) LIKE CASEI(pattern).
		casei := p.is("ILIKE")
		p.next()
		pat, err := p.operand()
		if err != nil {
			return nil, err
		}
		if casei {
			a, pat = &CaseI{node{a.At()}, a}, &CaseI{node{pat.At()}, pat}
		}
		e = &Like{node{pos}, a, pat}
	case p.is("BETWEEN"):
		p.next()
		lo, err := p.operand()
		if err != nil {
			return nil, err
		}
		if !p.is("AND") {
			return nil, p.unexpected("AND (BETWEEN low AND high)")
		}
		p.next()
		hi, err := p.operand()
		if err != nil {
			return nil, err
		}
		e = &Between{node{pos}, a, lo, hi}
	case p.is("IN"):
		p.next()
		if err := p.expect("("); err != nil {
			return nil, err
		}
		var list []Expr
		for {
			x, err := p.operand()
			if err != nil {
				return nil, err
			}
			list = append(list, x)
			if !p.isOp(",") {
				break
			}
			p.next()
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		e = &In{node{pos}, a, list}
	case p.is("IS") && !negate:
		p.next()
		if p.is("NOT") {
			negate = true
			notPos = p.tok.pos
			p.next()
		}
		if !p.is("NULL") {
			return nil, p.unexpected("NULL (IS [NOT] NULL)")
		}
		p.next()
		e = &IsNull{node{pos}, a}
	default:
		if negate {
			return nil, p.unexpected("LIKE, BETWEEN or IN after NOT")
		}
		return nil, p.unexpected("a comparison (=, <>, <, >, <=, >=, LIKE, BETWEEN, IN, IS NULL)")
	}
	if negate {
		return &Not{node{notPos}, e}, nil
	}
	return e, nil
}

// operand parses a scalar, temporal or spatial operand.
func (p *parser) operand() (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	t := p.tok
	switch t.kind {
	case tString:
		p.next()
		return &String{node{t.pos}, t.text}, nil
	case tNumber:
		v, err := strconv.ParseFloat(t.text, 64)
		if err != nil || v != v || v > 1e300 || v < -1e300 {
			return nil, errAt(t.pos, t.raw, "is not a number")
		}
		p.next()
		return &Number{node{t.pos}, v}, nil
	case tQuoted:
		p.next()
		return &Property{node{t.pos}, t.text}, nil
	case tIdent:
	default:
		return nil, p.unexpected("a property, a literal or a function")
	}
	word := strings.ToUpper(t.text)
	if !p.peekParen() {
		// A keyword that takes arguments, written without them, is a
		// property: date, interval.
		switch word {
		case "DATE", "TIMESTAMP", "INTERVAL", "CASEI":
			word = ""
		}
	}
	switch word {
	case "TRUE", "FALSE":
		p.next()
		return &Bool{node{t.pos}, word == "TRUE"}, nil
	case "DATE", "TIMESTAMP":
		p.next()
		if err := p.expect("("); err != nil {
			return nil, err
		}
		s := p.tok
		if s.kind != tString {
			return nil, p.unexpected("a quoted " + strings.ToLower(word))
		}
		d, err := parseInstant(word, s.text)
		if err != nil {
			return nil, errAt(s.pos, s.raw, "%v", err)
		}
		p.next()
		return &Instant{node{t.pos}, d}, p.expect(")")
	case "INTERVAL":
		p.next()
		if err := p.expect("("); err != nil {
			return nil, err
		}
		from, err := p.intervalEnd()
		if err != nil {
			return nil, err
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
		to, err := p.intervalEnd()
		if err != nil {
			return nil, err
		}
		return &Interval{node{t.pos}, from, to}, p.expect(")")
	case "CASEI":
		p.next()
		if err := p.expect("("); err != nil {
			return nil, err
		}
		x, err := p.operand()
		if err != nil {
			return nil, err
		}
		return &CaseI{node{t.pos}, x}, p.expect(")")
	case "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "BBOX", "GEOMETRYCOLLECTION", "ENVELOPE":
		if p.peekParen() || p.peekZParen() {
			g, err := p.geometry()
			if err != nil {
				return nil, err
			}
			return &Geometry{node: node{t.pos}, G: g}, nil
		}
	case "ACCENTI":
		return nil, errAt(t.pos, t.raw, "is not supported (accent-insensitive comparison); CASEI is")
	}
	p.next()
	if p.isOp("(") {
		return nil, errAt(t.pos, t.raw, "is not a function this server knows")
	}
	return &Property{node{t.pos}, t.text}, nil
}

// peekParen reports whether "(" follows the current token.
func (p *parser) peekParen() bool {
	s := p.src[p.off:]
	s = strings.TrimLeft(s, " \t\r\n")
	return strings.HasPrefix(s, "(")
}

// peekZParen reports whether " Z (" follows the current token: a WKT
// geometry with heights.
func (p *parser) peekZParen() bool {
	s := strings.TrimLeft(p.src[p.off:], " \t\r\n")
	if !strings.HasPrefix(s, "Z") && !strings.HasPrefix(s, "z") {
		return false
	}
	return strings.HasPrefix(strings.TrimLeft(s[1:], " \t\r\n"), "(")
}

// intervalEnd is an end of INTERVAL: a quoted date or timestamp, "..",
// DATE(...)/TIMESTAMP(...), or a property.
func (p *parser) intervalEnd() (Expr, error) {
	t := p.tok
	if t.kind == tString {
		p.next()
		if t.text == ".." {
			return nil, nil
		}
		word := "TIMESTAMP"
		if len(t.text) == len(time.DateOnly) {
			word = "DATE"
		}
		d, err := parseInstant(word, t.text)
		if err != nil {
			return nil, errAt(t.pos, t.raw, "%v", err)
		}
		return &Instant{node{t.pos}, d}, nil
	}
	return p.operand()
}

// parseInstant parses a DATE (YYYY-MM-DD) or TIMESTAMP (RFC 3339) into its
// UTC day.
func parseInstant(word, s string) (geo.Day, error) {
	if word == "DATE" {
		d, err := geo.ParseDay(s)
		if err != nil {
			return 0, errInstant("a date YYYY-MM-DD")
		}
		return d, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, errInstant("a timestamp such as 2024-01-31T12:00:00Z")
	}
	return geo.DayOf(t), nil
}

type errInstant string

func (e errInstant) Error() string { return "is not " + string(e) }

// geometry parses a WKT geometry literal or BBOX(minx, miny, maxx, maxy).
func (p *parser) geometry() (orb.Geometry, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	t := p.tok
	word := strings.ToUpper(t.text)
	p.next()
	if p.is("Z") {
		p.next() // a third coordinate follows each point; it is read and dropped
	}
	if err := p.expect("("); err != nil {
		return nil, err
	}
	switch word {
	case "BBOX":
		var v []float64
		for {
			n, err := p.coord()
			if err != nil {
				return nil, err
			}
			v = append(v, n)
			if !p.isOp(",") || len(v) == 6 {
				break
			}
			p.next()
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		if len(v) == 6 {
			v = []float64{v[0], v[1], v[3], v[4]} // with heights: the box of lon and lat
		}
		if len(v) != 4 {
			return nil, errAt(t.pos, t.raw, "BBOX takes 4 numbers (or 6, with heights), not %d", len(v))
		}
		if v[0] > v[2] || v[1] > v[3] {
			return nil, errAt(t.pos, t.raw, "BBOX(min lon, min lat, max lon, max lat) has a minimum above its maximum")
		}
		return orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}, nil
	case "POINT":
		pt, err := p.point()
		if err != nil {
			return nil, err
		}
		return pt, p.expect(")")
	case "LINESTRING":
		ls, err := p.points()
		if err != nil {
			return nil, err
		}
		return orb.LineString(ls), p.expect(")")
	case "POLYGON":
		poly, err := p.rings()
		if err != nil {
			return nil, err
		}
		return poly, p.expect(")")
	case "MULTIPOINT":
		var mp orb.MultiPoint
		for {
			paren := p.isOp("(")
			if paren {
				p.next()
			}
			pt, err := p.point()
			if err != nil {
				return nil, err
			}
			if paren {
				if err := p.expect(")"); err != nil {
					return nil, err
				}
			}
			mp = append(mp, pt)
			if !p.isOp(",") {
				break
			}
			p.next()
		}
		return mp, p.expect(")")
	case "MULTILINESTRING":
		var ml orb.MultiLineString
		for {
			if err := p.expect("("); err != nil {
				return nil, err
			}
			ls, err := p.points()
			if err != nil {
				return nil, err
			}
			ml = append(ml, ls)
			if err := p.expect(")"); err != nil {
				return nil, err
			}
			if !p.isOp(",") {
				break
			}
			p.next()
		}
		return ml, p.expect(")")
	case "GEOMETRYCOLLECTION":
		var gc orb.Collection
		for {
			if p.tok.kind != tIdent {
				return nil, p.unexpected("a geometry")
			}
			g, err := p.geometry()
			if err != nil {
				return nil, err
			}
			gc = append(gc, g)
			if !p.isOp(",") {
				break
			}
			p.next()
		}
		return gc, p.expect(")")
	case "MULTIPOLYGON":
		var mp orb.MultiPolygon
		for {
			if err := p.enter(); err != nil {
				return nil, err
			}
			if err := p.expect("("); err != nil {
				return nil, err
			}
			poly, err := p.rings()
			if err != nil {
				return nil, err
			}
			mp = append(mp, poly)
			if err := p.expect(")"); err != nil {
				return nil, err
			}
			p.leave()
			if !p.isOp(",") {
				break
			}
			p.next()
		}
		return mp, p.expect(")")
	}
	return nil, errAt(t.pos, t.raw, "is not a geometry literal: POINT, LINESTRING, POLYGON, MULTIPOINT, MULTILINESTRING, MULTIPOLYGON, GEOMETRYCOLLECTION or BBOX")
}

// rings parses the rings of a polygon: ( x y, ... ), ( ... ).
func (p *parser) rings() (orb.Polygon, error) {
	var poly orb.Polygon
	for {
		if err := p.expect("("); err != nil {
			return nil, err
		}
		pts, err := p.points()
		if err != nil {
			return nil, err
		}
		poly = append(poly, orb.Ring(pts))
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		if !p.isOp(",") {
			return poly, nil
		}
		p.next()
	}
}

// points parses x y, x y, ...
func (p *parser) points() ([]orb.Point, error) {
	var pts []orb.Point
	for {
		pt, err := p.point()
		if err != nil {
			return nil, err
		}
		pts = append(pts, pt)
		if len(pts) > MaxLength/4 {
			return nil, errAt(p.tok.pos, p.tok.raw, "too many points")
		}
		if !p.isOp(",") {
			return pts, nil
		}
		p.next()
	}
}

// point parses "x y" ([lon, lat]), and drops a height "x y z".
func (p *parser) point() (orb.Point, error) {
	x, err := p.coord()
	if err != nil {
		return orb.Point{}, err
	}
	y, err := p.coord()
	if err != nil {
		return orb.Point{}, err
	}
	if p.tok.kind == tNumber {
		if _, err := p.coord(); err != nil {
			return orb.Point{}, err
		}
	}
	return orb.Point{x, y}, nil
}

func (p *parser) coord() (float64, error) {
	t := p.tok
	if t.kind != tNumber {
		return 0, p.unexpected("a coordinate")
	}
	v, err := strconv.ParseFloat(t.text, 64)
	if err != nil || v != v || v > 1e300 || v < -1e300 {
		return 0, errAt(t.pos, t.raw, "is not a coordinate")
	}
	p.next()
	return v, nil
}
