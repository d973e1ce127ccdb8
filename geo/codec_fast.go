package geo

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// This file is the codec's fast path for decoding GeoJSON, the one
// hand-written JSON reader of the package. It serves issue 12's start-up and
// import targets (serve --data and import of a million GeoJSON incidents),
// where encoding/json's reflection cost 30 µs a feature. It takes only
// input it reads exactly as the encoding/json path (decodeJSON) does: a
// Feature with a Point geometry (or null) and properties of the kind's
// field table, every key exact and once, strings valid UTF-8 without
// surrogate escapes. For anything else it reports false and UnmarshalJSON
// decodes with decodeJSON, which also names what is wrong; so it decides
// how fast a feature is read, never what it means. FuzzFastDecodeFeature
// checks that the two agree.

// jsonReader reads JSON values from s. Every method reports false for
// anything it does not take.
type jsonReader struct {
	s string
	i int
}

func (p *jsonReader) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// lit consumes byte c after whitespace.
func (p *jsonReader) lit(c byte) bool {
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// null consumes a null after whitespace.
func (p *jsonReader) null() bool {
	p.ws()
	if strings.HasPrefix(p.s[p.i:], "null") {
		p.i += 4
		return true
	}
	return false
}

// str reads a string: a substring of s when it has no escapes.
func (p *jsonReader) str() (string, bool) {
	if !p.lit('"') {
		return "", false
	}
	start := p.i
	ascii := true
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			v := p.s[start:p.i]
			p.i++
			if !ascii && !utf8.ValidString(v) {
				return "", false
			}
			if v == "" {
				return "", true
			}
			return v, true
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		p.i++
	}
	return "", false
}

// escaped reads the rest of a string with escapes that started at start.
func (p *jsonReader) escaped(start int) (string, bool) {
	var b strings.Builder
	b.WriteString(p.s[start:p.i])
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			v := b.String()
			return v, utf8.ValidString(v)
		case c < 0x20:
			return "", false
		case c != '\\':
			b.WriteByte(c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			return "", false
		}
		e := p.s[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			if p.i+4 > len(p.s) {
				return "", false
			}
			r, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
			if err != nil || (r >= 0xD800 && r <= 0xDFFF) {
				return "", false // surrogates go the slow way
			}
			b.WriteRune(rune(r))
			p.i += 4
		default:
			return "", false
		}
	}
	return "", false
}

// token returns the bytes of a number after whitespace, checked against
// JSON's grammar, and whether it has a fraction or exponent.
func (p *jsonReader) token() (string, bool, bool) {
	p.ws()
	start := p.i
	if p.i < len(p.s) && p.s[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	intStart := p.i
	n := digits()
	if n == 0 || (n > 1 && p.s[intStart] == '0') {
		return "", false, false
	}
	real := false
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return "", false, false
		}
		real = true
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return "", false, false
		}
		real = true
	}
	return p.s[start:p.i], real, true
}

func (p *jsonReader) number() (float64, bool) {
	t, _, ok := p.token()
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(t, 64)
	return f, err == nil
}

func (p *jsonReader) integer() (int, bool) {
	t, real, ok := p.token()
	if !ok || real {
		return 0, false
	}
	v, err := strconv.Atoi(t)
	return v, err == nil
}

func (p *jsonReader) boolean() (bool, bool) {
	p.ws()
	switch {
	case strings.HasPrefix(p.s[p.i:], "true"):
		p.i += 4
		return true, true
	case strings.HasPrefix(p.s[p.i:], "false"):
		p.i += 5
		return false, true
	}
	return false, false
}

// object reads an object, calling member with each key once its colon is
// read; member reads the value.
func (p *jsonReader) object(member func(key string) bool) bool {
	if !p.lit('{') {
		return false
	}
	if p.lit('}') {
		return true
	}
	for {
		k, ok := p.str()
		if !ok || !p.lit(':') || !member(k) {
			return false
		}
		if p.lit('}') {
			return true
		}
		if !p.lit(',') {
			return false
		}
	}
}

// array reads an array, calling elem for each element.
func (p *jsonReader) array(elem func() bool) bool {
	if !p.lit('[') {
		return false
	}
	if p.lit(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if p.lit(']') {
			return true
		}
		if !p.lit(',') {
			return false
		}
	}
}

// skip reads any value.
func (p *jsonReader) skip() bool {
	p.ws()
	if p.i >= len(p.s) {
		return false
	}
	switch c := p.s[p.i]; {
	case c == '"':
		_, ok := p.str()
		return ok
	case c == '{':
		return p.object(func(string) bool { return p.skip() })
	case c == '[':
		return p.array(p.skip)
	case c == 't' || c == 'f':
		_, ok := p.boolean()
		return ok
	case c == 'n':
		return p.null()
	}
	_, _, ok := p.token()
	return ok
}

// keys tracks the keys of one object: a key seen twice, or one that
// matches a known key only in case (which encoding/json's struct decoding
// would take), makes the fast path give up.
type keys uint64

func (k *keys) first(i int) bool {
	if *k&(1<<i) != 0 {
		return false
	}
	*k |= 1 << i
	return true
}

// oneOf returns the index of key in known, or -1; ok is false when key is
// a known one in another case.
func oneOf(key string, known ...string) (int, bool) {
	for i, k := range known {
		if key == k {
			return i, true
		}
		if strings.EqualFold(key, k) {
			return -1, false
		}
	}
	return -1, true
}

// fastDecode decodes the GeoJSON Feature s into r as decodeJSON would, or
// reports false (leaving r in any state) for input it does not take.
func (c *codec[T]) fastDecode(r *T, s string) bool {
	if !c.feature || c.point == nil {
		return false
	}
	var zero T
	*r = zero
	p := &jsonReader{s: s}
	var (
		seen       keys
		typ, id    string
		pt         orb.Point
		hasPoint   bool
		props      keys
		propsFound bool
	)
	ok := p.object(func(key string) bool {
		i, ok := oneOf(key, "type", "id", "geometry", "properties")
		switch {
		case !ok:
			return false
		case i < 0:
			return p.skip()
		case !seen.first(i):
			return false
		}
		switch i {
		case 0:
			typ, ok = p.str()
		case 1:
			id, ok = p.str()
		case 2:
			hasPoint, ok = p.point(&pt)
		case 3:
			propsFound = true
			ok = p.object(func(key string) bool {
				f, known := c.byName[key]
				if !known || !props.first(f) {
					return false
				}
				if p.null() {
					props &^= 1 << f // null is absent
					return true
				}
				return c.fields[f].fast(r, p)
			})
		}
		return ok
	})
	p.ws()
	if !ok || p.i != len(p.s) || typ != "Feature" || seen&(1<<1) == 0 || !propsFound || !hasPoint {
		return false
	}
	c.setID(r, id)
	for i := range c.fields {
		if props&(1<<i) == 0 && c.fields[i].missing != nil {
			c.fields[i].missing(r)
		}
	}
	*c.point(r) = pt
	return true
}

// point reads a Point geometry of exactly two coordinates; a null or any
// other geometry is not taken.
func (p *jsonReader) point(pt *orb.Point) (bool, bool) {
	var seen keys
	var typ string
	n := 0
	ok := p.object(func(key string) bool {
		i, ok := oneOf(key, "type", "coordinates")
		if !ok || i < 0 || !seen.first(i) {
			return false
		}
		if i == 0 {
			typ, ok = p.str()
			return ok
		}
		return p.array(func() bool {
			if n == 2 {
				return false
			}
			v, ok := p.number()
			pt[n] = v
			n++
			return ok
		})
	})
	return ok && typ == "Point" && n == 2, ok
}
