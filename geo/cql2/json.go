package cql2

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// ParseJSON parses a filter in the CQL2 JSON encoding: {"op": ..., "args":
// [...]}, with operands {"property": name}, strings, numbers, booleans,
// {"date": ...}, {"timestamp": ...}, {"interval": [from, to]}, GeoJSON
// geometries, {"bbox": [...]} and {"op": "casei", "args": [x]}. Error
// positions are byte offsets of the JSON value they are about; errors are
// *Error.
func ParseJSON(src []byte) (Expr, error) {
	if len(src) > MaxLength {
		return nil, errAt(0, "", "the filter is %d bytes; at most %d", len(src), MaxLength)
	}
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	v, err := readJSON(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errAt(int(dec.InputOffset()), "", "data after the filter's JSON value")
	}
	return fromJSON(v, 0)
}

// jvalue is a JSON value with the offset where it starts.
type jvalue struct {
	pos  int
	v    any // string, json.Number, bool, nil, map[string]*jvalue, []*jvalue
	keys []string
}

// readJSON reads one JSON value with the offsets of every value inside it.
func readJSON(dec *json.Decoder, depth int) (*jvalue, error) {
	if depth > MaxDepth*3 {
		return nil, errAt(int(dec.InputOffset()), "", "the filter nests deeper than %d", MaxDepth)
	}
	// The decoder says where the previous token ended, not where this one
	// starts: a value's position is at most a separator and spaces early.
	pos := int(dec.InputOffset())
	tok, err := dec.Token()
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, errAt(int(se.Offset), "", "malformed JSON: %v", err)
		}
		return nil, errAt(pos, "", "malformed JSON: %v", err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			obj := map[string]*jvalue{}
			var keys []string
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, errAt(int(dec.InputOffset()), "", "malformed JSON: %v", err)
				}
				k, _ := kt.(string)
				val, err := readJSON(dec, depth+1)
				if err != nil {
					return nil, err
				}
				if _, dup := obj[k]; dup {
					return nil, errAt(val.pos, k, "a member given twice")
				}
				obj[k] = val
				keys = append(keys, k)
			}
			if _, err := dec.Token(); err != nil {
				return nil, errAt(int(dec.InputOffset()), "", "malformed JSON: %v", err)
			}
			return &jvalue{pos: pos, v: obj, keys: keys}, nil
		case '[':
			var arr []*jvalue
			for dec.More() {
				val, err := readJSON(dec, depth+1)
				if err != nil {
					return nil, err
				}
				arr = append(arr, val)
			}
			if _, err := dec.Token(); err != nil {
				return nil, errAt(int(dec.InputOffset()), "", "malformed JSON: %v", err)
			}
			if arr == nil {
				arr = []*jvalue{}
			}
			return &jvalue{pos: pos, v: arr}, nil
		}
	}
	return &jvalue{pos: pos, v: tok}, nil
}

// obj and arr read an object or an array; a missing value (nil) is
// neither.
func (j *jvalue) obj() map[string]*jvalue {
	if j == nil {
		return nil
	}
	m, _ := j.v.(map[string]*jvalue)
	return m
}

func (j *jvalue) arr() ([]*jvalue, bool) {
	if j == nil {
		return nil, false
	}
	a, ok := j.v.([]*jvalue)
	return a, ok
}

func (j *jvalue) raw() string {
	switch v := j.v.(type) {
	case string:
		return strconv.Quote(v)
	case json.Number:
		return v.String()
	case map[string]*jvalue:
		if op, ok := v["op"]; ok {
			if s, ok := op.v.(string); ok {
				return `{"op": ` + strconv.Quote(s) + `, …}`
			}
		}
		return "{…}"
	case []*jvalue:
		return "[…]"
	}
	return ""
}

// fromJSON turns a JSON boolean expression into the tree.
func fromJSON(j *jvalue, depth int) (Expr, error) {
	if depth > MaxDepth {
		return nil, errAt(j.pos, j.raw(), "the filter nests deeper than %d", MaxDepth)
	}
	if b, ok := j.v.(bool); ok {
		return &Bool{node{j.pos}, b}, nil
	}
	m := j.obj()
	op, ok := m["op"]
	if m == nil || !ok {
		return nil, errAt(j.pos, j.raw(), `expected a boolean expression {"op": …, "args": […]} or true or false`)
	}
	name, _ := op.v.(string)
	argsV, ok := m["args"]
	if !ok {
		return nil, errAt(j.pos, j.raw(), `an operation needs "args"`)
	}
	args, ok := argsV.arr()
	if !ok {
		return nil, errAt(argsV.pos, argsV.raw(), `"args" must be an array`)
	}
	for _, k := range j.keys {
		if k != "op" && k != "args" {
			return nil, errAt(m[k].pos, k, `is not a member of an operation; it has "op" and "args"`)
		}
	}
	n := node{j.pos}
	need := func(count int) error {
		if len(args) != count {
			return errAt(argsV.pos, name, "takes %d arguments, not %d", count, len(args))
		}
		return nil
	}
	operands := func() ([]Expr, error) {
		out := make([]Expr, len(args))
		for i, a := range args {
			e, err := operandJSON(a, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	}
	lname := strings.ToLower(name)
	switch {
	case lname == "and" || lname == "or":
		if len(args) < 2 {
			return nil, errAt(argsV.pos, name, "takes 2 or more arguments")
		}
		list := make([]Expr, len(args))
		for i, a := range args {
			e, err := fromJSON(a, depth+1)
			if err != nil {
				return nil, err
			}
			list[i] = e
		}
		if lname == "and" {
			return &And{n, list}, nil
		}
		return &Or{n, list}, nil
	case lname == "not":
		if err := need(1); err != nil {
			return nil, err
		}
		x, err := fromJSON(args[0], depth+1)
		if err != nil {
			return nil, err
		}
		return &Not{n, x}, nil
	case name == "=" || name == "<>" || name == "<" || name == ">" || name == "<=" || name == ">=":
		if err := need(2); err != nil {
			return nil, err
		}
		xs, err := operands()
		if err != nil {
			return nil, err
		}
		return &Compare{n, name, xs[0], xs[1]}, nil
	case lname == "like":
		if err := need(2); err != nil {
			return nil, err
		}
		xs, err := operands()
		if err != nil {
			return nil, err
		}
		return &Like{n, xs[0], xs[1]}, nil
	case lname == "between":
		if err := need(3); err != nil {
			return nil, err
		}
		xs, err := operands()
		if err != nil {
			return nil, err
		}
		return &Between{n, xs[0], xs[1], xs[2]}, nil
	case lname == "in":
		if err := need(2); err != nil {
			return nil, err
		}
		x, err := operandJSON(args[0], depth+1)
		if err != nil {
			return nil, err
		}
		items, ok := args[1].arr()
		if !ok || len(items) == 0 {
			return nil, errAt(args[1].pos, args[1].raw(), "IN's second argument must be a non-empty array")
		}
		list := make([]Expr, len(items))
		for i, it := range items {
			if list[i], err = operandJSON(it, depth+1); err != nil {
				return nil, err
			}
		}
		return &In{n, x, list}, nil
	case lname == "isnull":
		if err := need(1); err != nil {
			return nil, err
		}
		xs, err := operands()
		if err != nil {
			return nil, err
		}
		return &IsNull{n, xs[0]}, nil
	case lname == "s_dwithin":
		if err := need(3); err != nil {
			return nil, err
		}
		xs, err := operands()
		if err != nil {
			return nil, err
		}
		num, ok := xs[2].(*Number)
		if !ok || !(num.V >= 0) {
			return nil, errAt(args[2].pos, args[2].raw(), "S_DWITHIN's distance must be a number of metres, 0 or more")
		}
		return &DWithin{n, xs[0], xs[1], num.V}, nil
	case spatialOps[lname]:
		if err := need(2); err != nil {
			return nil, err
		}
		xs, err := operands()
		if err != nil {
			return nil, err
		}
		return &Spatial{n, lname, xs[0], xs[1]}, nil
	case temporalOps[lname]:
		if err := need(2); err != nil {
			return nil, err
		}
		xs, err := operands()
		if err != nil {
			return nil, err
		}
		return &Temporal{n, lname, xs[0], xs[1]}, nil
	}
	return nil, errAt(op.pos, name, "is not an operation this server knows")
}

// operandJSON turns a JSON operand into the tree.
func operandJSON(j *jvalue, depth int) (Expr, error) {
	if depth > MaxDepth {
		return nil, errAt(j.pos, j.raw(), "the filter nests deeper than %d", MaxDepth)
	}
	n := node{j.pos}
	switch v := j.v.(type) {
	case string:
		return &String{n, v}, nil
	case json.Number:
		f, err := strconv.ParseFloat(v.String(), 64)
		if err != nil || f > 1e300 || f < -1e300 {
			return nil, errAt(j.pos, v.String(), "is not a number")
		}
		return &Number{n, f}, nil
	case bool:
		return &Bool{n, v}, nil
	case nil:
		return nil, errAt(j.pos, "null", "null is not an operand; use isNull")
	case []*jvalue:
		return nil, errAt(j.pos, j.raw(), "an array is an operand only of IN, interval and bbox")
	}
	m := j.obj()
	only := func(key string) error {
		for _, k := range j.keys {
			if k != key {
				return errAt(m[k].pos, k, "is not a member of a %s operand", key)
			}
		}
		return nil
	}
	str := func(key string) (string, *jvalue, error) {
		x := m[key]
		s, ok := x.v.(string)
		if !ok {
			return "", x, errAt(x.pos, x.raw(), "%q must be a string", key)
		}
		return s, x, only(key)
	}
	switch {
	case m["property"] != nil:
		s, _, err := str("property")
		if err != nil {
			return nil, err
		}
		return &Property{n, s}, nil
	case m["date"] != nil || m["timestamp"] != nil:
		key, word := "date", "DATE"
		if m["timestamp"] != nil {
			key, word = "timestamp", "TIMESTAMP"
		}
		s, x, err := str(key)
		if err != nil {
			return nil, err
		}
		d, err := parseInstant(word, s)
		if err != nil {
			return nil, errAt(x.pos, x.raw(), "%v", err)
		}
		return &Instant{n, d}, nil
	case m["interval"] != nil:
		if err := only("interval"); err != nil {
			return nil, err
		}
		ends, ok := m["interval"].arr()
		if !ok || len(ends) != 2 {
			return nil, errAt(m["interval"].pos, m["interval"].raw(), "an interval is [from, to]")
		}
		var out [2]Expr
		for i, e := range ends {
			if s, ok := e.v.(string); ok {
				if s == ".." {
					continue
				}
				word := "TIMESTAMP"
				if len(s) == len("2006-01-02") {
					word = "DATE"
				}
				d, err := parseInstant(word, s)
				if err != nil {
					return nil, errAt(e.pos, e.raw(), "%v", err)
				}
				out[i] = &Instant{node{e.pos}, d}
				continue
			}
			x, err := operandJSON(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return &Interval{n, out[0], out[1]}, nil
	case m["bbox"] != nil:
		if err := only("bbox"); err != nil {
			return nil, err
		}
		vs, ok := m["bbox"].arr()
		if !ok || len(vs) != 4 && len(vs) != 6 {
			return nil, errAt(m["bbox"].pos, m["bbox"].raw(), "a bbox is [min lon, min lat, max lon, max lat] (or 6 numbers, with heights)")
		}
		c := make([]float64, len(vs))
		for i, x := range vs {
			num, ok := x.v.(json.Number)
			f, err := strconv.ParseFloat(string(num), 64)
			if !ok || err != nil {
				return nil, errAt(x.pos, x.raw(), "is not a coordinate")
			}
			c[i] = f
		}
		if len(c) == 6 {
			c = []float64{c[0], c[1], c[3], c[4]}
		}
		if c[0] > c[2] || c[1] > c[3] {
			return nil, errAt(j.pos, j.raw(), "the bbox has a minimum above its maximum")
		}
		return &Geometry{node: n, G: orb.Bound{Min: orb.Point{c[0], c[1]}, Max: orb.Point{c[2], c[3]}}}, nil
	case m["type"] != nil && (m["coordinates"] != nil || m["geometries"] != nil):
		g, err := geoJSON(j)
		if err != nil {
			return nil, err
		}
		return &Geometry{node: n, G: g}, nil
	case m["op"] != nil:
		name, _ := m["op"].v.(string)
		if strings.EqualFold(name, "casei") {
			args, ok := m["args"].arr()
			if m["args"] == nil || !ok || len(args) != 1 {
				return nil, errAt(j.pos, j.raw(), "casei takes 1 argument")
			}
			x, err := operandJSON(args[0], depth+1)
			if err != nil {
				return nil, err
			}
			return &CaseI{n, x}, nil
		}
		return nil, errAt(m["op"].pos, name, "is not an operand (a property, a literal, casei, an interval or a geometry)")
	}
	return nil, errAt(j.pos, j.raw(), "is not an operand (a property, a literal, casei, an interval or a geometry)")
}

// geoJSON reads a GeoJSON geometry operand ([lon, lat]).
func geoJSON(j *jvalue) (orb.Geometry, error) {
	m := j.obj()
	t, _ := m["type"].v.(string)
	bad := func(x *jvalue) error { return errAt(x.pos, x.raw(), "is not a %s's coordinates", t) }
	point := func(x *jvalue) (orb.Point, error) {
		a, ok := x.arr()
		if !ok || len(a) < 2 {
			return orb.Point{}, bad(x)
		}
		var p orb.Point
		for i := range 2 {
			num, ok := a[i].v.(json.Number)
			f, err := strconv.ParseFloat(string(num), 64)
			if !ok || err != nil {
				return orb.Point{}, bad(a[i])
			}
			p[i] = f
		}
		return p, nil
	}
	points := func(x *jvalue) ([]orb.Point, error) {
		a, ok := x.arr()
		if !ok {
			return nil, bad(x)
		}
		out := make([]orb.Point, len(a))
		for i, e := range a {
			p, err := point(e)
			if err != nil {
				return nil, err
			}
			out[i] = p
		}
		return out, nil
	}
	polygon := func(x *jvalue) (orb.Polygon, error) {
		a, ok := x.arr()
		if !ok {
			return nil, bad(x)
		}
		out := make(orb.Polygon, len(a))
		for i, e := range a {
			r, err := points(e)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	if t == "GeometryCollection" {
		list, ok := m["geometries"].arr()
		if m["geometries"] == nil || !ok {
			return nil, errAt(j.pos, t, `a GeometryCollection needs "geometries"`)
		}
		var gc orb.Collection
		for _, x := range list {
			if x.obj() == nil || x.obj()["type"] == nil {
				return nil, errAt(x.pos, x.raw(), "is not a geometry")
			}
			g, err := geoJSON(x)
			if err != nil {
				return nil, err
			}
			gc = append(gc, g)
		}
		return gc, nil
	}
	c := m["coordinates"]
	if c == nil {
		return nil, errAt(j.pos, t, `a geometry needs "coordinates"`)
	}
	switch t {
	case "Point":
		return point(c)
	case "LineString":
		ls, err := points(c)
		return orb.LineString(ls), err
	case "MultiPoint":
		mp, err := points(c)
		return orb.MultiPoint(mp), err
	case "Polygon":
		return polygon(c)
	case "MultiPolygon":
		a, ok := c.arr()
		if !ok {
			return nil, bad(c)
		}
		out := make(orb.MultiPolygon, len(a))
		for i, e := range a {
			p, err := polygon(e)
			if err != nil {
				return nil, err
			}
			out[i] = p
		}
		return out, nil
	case "MultiLineString":
		a, ok := c.arr()
		if !ok {
			return nil, bad(c)
		}
		out := make(orb.MultiLineString, len(a))
		for i, e := range a {
			ls, err := points(e)
			if err != nil {
				return nil, err
			}
			out[i] = ls
		}
		return out, nil
	}
	return nil, errAt(m["type"].pos, t, "is not a geometry type this server reads (Point, LineString, Polygon, MultiPoint, MultiLineString, MultiPolygon)")
}
