package geo

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// This file is the one codec of every record kind. A kind's codec is a
// table of its fields (incidentFields, zoneFields, ...), each with its
// GeoJSON property name, its stored tag, and how its value is written and
// read in two encodings:
//
//   - GeoJSON (RFC 7946): a record is a Feature with its ID as the feature
//     "id" and its fields as snake_case "properties" (actors and
//     statistics, which have no geometry, are plain objects with an "id"
//     member). AppendGeoJSON writes it in place, with no allocation and no
//     reflection; MarshalJSON calls it, and the server streams with it.
//     UnmarshalJSON is strict about properties (an unknown one is a
//     *ValidationError naming it, so typos do not pass silently) and lenient
//     about foreign members of the feature such as "bbox". Decoding does
//     not validate; call Validate or Normalize on the result.
//   - The stored form (AppendBinary and UnmarshalBinary, the stores'
//     record column): a format byte (storedFormat), the ID, the geometry,
//     then each field that GeoJSON would write as a (tag, value) pair.
//     Strings are a uvarint length and bytes, integers and days zigzag
//     varints, numbers IEEE 754 bits little-endian, lists a uvarint count
//     and their elements; an area is a byte (0 none, 1 Polygon, 2
//     MultiPolygon) and its polygons, rings and [lon, lat] points as lists. A field
//     GeoJSON leaves out is absent, and decoding gives an absent field the
//     value GeoJSON decoding gives a missing property, so the two agree.
//     Tags are never reused: a field added later gets a new tag, and a
//     record stored before it decodes with the field absent.
//
// Adding a field to a record touches three places: the struct (record.go
// or dataset.go), one line in the kind's field table here, and its check in
// Validate. TestCodecCarriesEveryField fails when a field is in the struct
// but not in the table.

// storedFormat is the first byte of the stored form. Stored JSON (the form
// before it, which starts with '{') is still decoded by UnmarshalBinary.
const storedFormat = 1

// CirclePolygonVertices is how many vertices a circle zone's drawn polygon has
// in GeoJSON output.
const CirclePolygonVertices = 64

// field is one property of records of type T.
type field[T any] struct {
	tag  byte   // the stored form's tag, unique within the kind
	name string // the GeoJSON property name
	key  string // `"name":`, precomputed
	// empty reports that the field is left out of both encodings; nil for
	// a field always written.
	empty func(*T) bool
	// missing sets the field when it is absent (or JSON null); nil leaves
	// the zero value. It runs after every present field is decoded.
	missing func(*T)
	json    func(b []byte, r *T) []byte // appends the GeoJSON value
	parse   func(r *T, raw []byte) error
	put     func(b []byte, r *T) []byte // appends the stored value
	get     func(r *T, d *reader)
	// fast reads the GeoJSON value for fastDecode (codec_fast.go), or
	// reports false for a value it leaves to parse; nil takes none.
	fast func(r *T, p *jsonReader) bool
	// text is the string of a text field, nil for other fields and for
	// a vocabularyField (eachText leaves it out).
	text func(*T) *string
}

// eachText calls fn with a pointer to each non-empty text field of r (not
// the strings in its lists, nor its vocabulary fields, whose strings are
// constants), in table order.
func (c *codec[T]) eachText(r *T, fn func(*string)) {
	for i := range c.fields {
		if t := c.fields[i].text; t != nil {
			if s := t(r); *s != "" {
				fn(s)
			}
		}
	}
}

// codec is the encoding of one record kind.
type codec[T any] struct {
	kind    string
	feature bool // a GeoJSON Feature; else a plain object with an "id"
	id      func(*T) string
	setID   func(*T, string)
	// point is the location of a kind whose geometry is a Point.
	point func(*T) *orb.Point
	// geometry is the GeoJSON geometry of any other feature kind (nil
	// writes null), area the geometry stored, and setGeometry takes the
	// decoded GeoJSON geometry once the properties are decoded.
	geometry    func(*T) orb.Geometry
	area        func(*T) *orb.Geometry
	setGeometry func(*T, orb.Geometry) error
	fields      []field[T]
	byName      map[string]int
	byTag       [256]int8
}

// build indexes the fields; it panics on a duplicate tag or name, which is
// a programming error caught by any test.
func (c *codec[T]) build() *codec[T] {
	c.byName = map[string]int{}
	for i := range c.byTag {
		c.byTag[i] = -1
	}
	if len(c.fields) > 64 {
		panic("geo: codec of " + c.kind + " has more than 64 fields")
	}
	for i := range c.fields {
		f := &c.fields[i]
		f.key = strconv.Quote(f.name) + ":"
		if _, dup := c.byName[f.name]; dup || c.byTag[f.tag] >= 0 || f.tag == 0 {
			panic(fmt.Sprintf("geo: codec of %s: field %q repeats a name or tag", c.kind, f.name))
		}
		c.byName[f.name] = i
		c.byTag[f.tag] = int8(i)
	}
	return c
}

// appendJSON appends r's GeoJSON.
func (c *codec[T]) appendJSON(b []byte, r *T) []byte {
	if c.feature {
		b = append(b, `{"type":"Feature","id":`...)
		b = appendJSONString(b, c.id(r))
		b = append(b, `,"geometry":`...)
		if c.point != nil {
			b = appendPointJSON(b, *c.point(r))
		} else {
			b = appendGeometryJSON(b, c.geometry(r))
		}
		b = append(b, `,"properties":{`...)
	} else {
		b = append(b, `{"id":`...)
		b = appendJSONString(b, c.id(r))
		b = append(b, ',')
	}
	n := len(b)
	for i := range c.fields {
		f := &c.fields[i]
		if f.empty != nil && f.empty(r) {
			continue
		}
		if len(b) > n {
			b = append(b, ',')
		}
		b = append(b, f.key...)
		b = f.json(b, r)
	}
	if !c.feature {
		if len(b) == n {
			b = b[:n-1] // the comma after the id
		}
		return append(b, '}')
	}
	return append(b, "}}"...)
}

// unmarshalJSON decodes GeoJSON into r: by fastDecode when it takes the
// input, else by decodeJSON. Either way every string of r shares one copy
// of b.
func (c *codec[T]) unmarshalJSON(r *T, b []byte) error {
	if c.fastDecode(r, string(b)) {
		return nil
	}
	return c.decodeJSON(r, b)
}

// compactStrings copies the non-empty strings each visits into one new
// string and points them into it.
func compactStrings(each func(func(*string))) {
	n := 0
	each(func(s *string) { n += len(*s) })
	var b strings.Builder
	b.Grow(n)
	each(func(s *string) { b.WriteString(*s) })
	text, off := b.String(), 0
	each(func(s *string) {
		*s = text[off : off+len(*s)]
		off += len(*s)
	})
}

// decodeJSON decodes GeoJSON written by appendJSON into r.
func (c *codec[T]) decodeJSON(r *T, b []byte) error {
	var zero T
	*r = zero
	var (
		props  map[string]json.RawMessage
		g      orb.Geometry
		prefix string
	)
	if c.feature {
		id, geom, raw, err := unmarshalFeature(b)
		if err != nil {
			return err
		}
		prefix, g = "properties", geom
		c.setID(r, id)
		if err := decodeStrict(raw, &props, prefix); err != nil {
			return err
		}
	} else {
		if err := decodeStrict(b, &props, ""); err != nil {
			return err
		}
		var id string
		if raw, ok := props["id"]; ok {
			if err := json.Unmarshal(raw, &id); err != nil {
				return jsonError(err, "id")
			}
			delete(props, "id")
		}
		c.setID(r, id)
	}
	unknown := make([]string, 0, 1)
	for k := range props {
		if _, ok := c.byName[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return invalid(join(prefix, unknown[0]), "unknown property")
	}
	var absent []*field[T]
	for i := range c.fields {
		f := &c.fields[i]
		raw, ok := props[f.name]
		if !ok || string(raw) == "null" {
			absent = append(absent, f)
			continue
		}
		if err := f.parse(r, raw); err != nil {
			return jsonError(err, join(prefix, f.name))
		}
	}
	for _, f := range absent {
		if f.missing != nil {
			f.missing(r)
		}
	}
	if c.setGeometry != nil {
		return c.setGeometry(r, g)
	}
	return nil
}

// appendBinary appends r's stored form.
func (c *codec[T]) appendBinary(b []byte, r *T) ([]byte, error) {
	b = append(b, storedFormat)
	b = appendText(b, c.id(r))
	switch {
	case c.point != nil:
		p := *c.point(r)
		b = appendNumber(appendNumber(b, p[0]), p[1])
	case c.area != nil:
		var err error
		if b, err = appendArea(b, *c.area(r)); err != nil {
			return nil, fmt.Errorf("geo: storing %s %q: %w", c.kind, c.id(r), err)
		}
	}
	for i := range c.fields {
		f := &c.fields[i]
		if f.empty != nil && f.empty(r) {
			continue
		}
		b = append(b, f.tag)
		b = f.put(b, r)
	}
	return b, nil
}

// decodeBinary decodes a stored form into r. Every string of r is a
// substring of s, so a record costs one allocation for its text.
func (c *codec[T]) decodeBinary(r *T, s string) error {
	var zero T
	*r = zero
	if len(s) > 0 && s[0] == '{' {
		return c.decodeJSON(r, []byte(s))
	}
	d := reader{s: s}
	if f := d.byte(); f != storedFormat {
		return fmt.Errorf("geo: stored %s is of format %d, not %d", c.kind, f, storedFormat)
	}
	c.setID(r, d.text())
	switch {
	case c.point != nil:
		p := c.point(r)
		p[0], p[1] = d.number(), d.number()
	case c.area != nil:
		*c.area(r) = d.area()
	}
	var seen uint64
	for d.err == nil && d.i < len(d.s) {
		tag := d.byte()
		i := c.byTag[tag]
		if i < 0 {
			return fmt.Errorf("geo: stored %s %q has unknown field tag %d", c.kind, c.id(r), tag)
		}
		c.fields[i].get(r, &d)
		seen |= 1 << i
	}
	if d.err != nil {
		return fmt.Errorf("geo: stored %s %q: %w", c.kind, c.id(r), d.err)
	}
	for i := range c.fields {
		if seen&(1<<i) == 0 && c.fields[i].missing != nil {
			c.fields[i].missing(r)
		}
	}
	return nil
}

// The field constructors. Each takes the field's tag, its property name
// and a function returning a pointer to it in a record.

// textField is a string field (of a string type: a named one as
// (*string)(&r.Field)); omitEmpty leaves "" out.
func textField[T any](tag byte, name string, p func(*T) *string, omitEmpty bool) field[T] {
	f := field[T]{tag: tag, name: name, text: p,
		json:  func(b []byte, r *T) []byte { return appendJSONString(b, *p(r)) },
		parse: func(r *T, raw []byte) error { return json.Unmarshal(raw, p(r)) },
		put:   func(b []byte, r *T) []byte { return appendText(b, *p(r)) },
		get:   func(r *T, d *reader) { *p(r) = d.text() },
		fast: func(r *T, j *jsonReader) bool {
			v, ok := j.str()
			*p(r) = v
			return ok
		},
	}
	if omitEmpty {
		f.empty = func(r *T) bool { return *p(r) == "" }
	}
	return f
}

// vocabularyField is a textField whose values come from a closed list
// (taxonomy.go). Decoding, from either encoding, gives a value of the list
// the list's own constant and any other value a copy of its own, so the
// field never shares memory with what it was decoded from, and a million
// records hold one copy of each value: eachText leaves such fields out,
// so neither a store's loader nor NewIndex copies them.
func vocabularyField[T any, S ~string](tag byte, name string, p func(*T) *string, omitEmpty bool, values []S) field[T] {
	v := newVocabulary(values)
	f := textField(tag, name, p, omitEmpty)
	f.text = nil
	f.parse = func(r *T, raw []byte) error {
		err := json.Unmarshal(raw, p(r))
		*p(r) = v.constant(*p(r))
		return err
	}
	f.get = func(r *T, d *reader) { *p(r) = v.constant(d.text()) }
	f.fast = func(r *T, j *jsonReader) bool {
		s, ok := j.str()
		*p(r) = v.constant(s)
		return ok
	}
	return f
}

// vocabulary maps each value of a closed list to its constant.
type vocabulary map[string]string

// newVocabulary returns the vocabulary of values.
func newVocabulary[S ~string](values []S) vocabulary {
	v := make(vocabulary, len(values))
	for _, s := range values {
		v[string(s)] = string(s)
	}
	return v
}

// constant returns the constant equal to s, or a copy of s if none is.
func (v vocabulary) constant(s string) string {
	if c, ok := v[s]; ok {
		return c
	}
	return strings.Clone(s)
}

// intField is an integer field, always written.
func intField[T any](tag byte, name string, p func(*T) *int) field[T] {
	return field[T]{tag: tag, name: name,
		json:  func(b []byte, r *T) []byte { return strconv.AppendInt(b, int64(*p(r)), 10) },
		parse: func(r *T, raw []byte) error { return json.Unmarshal(raw, p(r)) },
		put:   func(b []byte, r *T) []byte { return binary.AppendVarint(b, int64(*p(r))) },
		get:   func(r *T, d *reader) { *p(r) = int(d.varint()) },
		fast: func(r *T, j *jsonReader) bool {
			v, ok := j.integer()
			*p(r) = v
			return ok
		},
	}
}

// numberField is a float64 field; omitZero leaves 0 out.
func numberField[T any](tag byte, name string, p func(*T) *float64, omitZero bool) field[T] {
	f := field[T]{tag: tag, name: name,
		json:  func(b []byte, r *T) []byte { return appendJSONNumber(b, *p(r)) },
		parse: func(r *T, raw []byte) error { return json.Unmarshal(raw, p(r)) },
		put:   func(b []byte, r *T) []byte { return appendNumber(b, *p(r)) },
		get:   func(r *T, d *reader) { *p(r) = d.number() },
		fast: func(r *T, j *jsonReader) bool {
			v, ok := j.number()
			*p(r) = v
			return ok
		},
	}
	if omitZero {
		f.empty = func(r *T) bool { return *p(r) == 0 }
	}
	return f
}

// boolField is a boolean field, always written.
func boolField[T any](tag byte, name string, p func(*T) *bool) field[T] {
	return field[T]{tag: tag, name: name,
		json:  func(b []byte, r *T) []byte { return strconv.AppendBool(b, *p(r)) },
		parse: func(r *T, raw []byte) error { return json.Unmarshal(raw, p(r)) },
		put: func(b []byte, r *T) []byte {
			if *p(r) {
				return append(b, 1)
			}
			return append(b, 0)
		},
		get: func(r *T, d *reader) { *p(r) = d.byte() != 0 },
		fast: func(r *T, j *jsonReader) bool {
			v, ok := j.boolean()
			*p(r) = v
			return ok
		},
	}
}

// dayField is a Day field, always written ("YYYY-MM-DD", null for an open
// bound); missing sets it when absent.
func dayField[T any](tag byte, name string, p func(*T) *Day, missing func(*T)) field[T] {
	return field[T]{tag: tag, name: name, missing: missing,
		json:  func(b []byte, r *T) []byte { return appendDayJSON(b, *p(r)) },
		parse: func(r *T, raw []byte) error { return json.Unmarshal(raw, p(r)) },
		put:   func(b []byte, r *T) []byte { return binary.AppendVarint(b, int64(*p(r))) },
		get:   func(r *T, d *reader) { *p(r) = Day(d.varint()) },
		fast: func(r *T, j *jsonReader) bool {
			s, ok := j.str()
			if !ok {
				return false
			}
			v, err := ParseDay(s)
			*p(r) = v
			return err == nil
		},
	}
}

// textsField is a list of strings, left out when empty.
func textsField[T any](tag byte, name string, p func(*T) *[]string) field[T] {
	return field[T]{tag: tag, name: name,
		empty: func(r *T) bool { return len(*p(r)) == 0 },
		json:  func(b []byte, r *T) []byte { return appendJSONStrings(b, *p(r)) },
		parse: func(r *T, raw []byte) error { return json.Unmarshal(raw, p(r)) },
		put: func(b []byte, r *T) []byte {
			b = binary.AppendUvarint(b, uint64(len(*p(r))))
			for _, s := range *p(r) {
				b = appendText(b, s)
			}
			return b
		},
		get: func(r *T, d *reader) {
			n := d.count()
			l := make([]string, n)
			for i := range l {
				l[i] = d.text()
			}
			*p(r) = l
		},
		fast: func(r *T, j *jsonReader) bool {
			l := []string{}
			ok := j.array(func() bool {
				s, ok := j.str()
				l = append(l, s)
				return ok
			})
			*p(r) = l
			return ok
		},
	}
}

// sourcesField is a record's sources: always written ([] for none), or
// left out when there are none if omitEmpty.
func sourcesField[T any](tag byte, p func(*T) *[]Source, omitEmpty bool) field[T] {
	f := field[T]{tag: tag, name: "sources",
		json: func(b []byte, r *T) []byte {
			b = append(b, '[')
			for i := range *p(r) {
				if i > 0 {
					b = append(b, ',')
				}
				b = (*p(r))[i].appendJSON(b)
			}
			return append(b, ']')
		},
		parse: func(r *T, raw []byte) error { return json.Unmarshal(raw, p(r)) },
		put: func(b []byte, r *T) []byte {
			b = binary.AppendUvarint(b, uint64(len(*p(r))))
			for _, s := range *p(r) {
				b = appendText(b, s.Publisher)
				b = appendText(b, s.Title)
				b = appendText(b, s.URL)
				b = binary.AppendVarint(b, int64(s.Published))
				b = appendText(b, s.Note)
			}
			return b
		},
		get: func(r *T, d *reader) {
			n := d.count()
			if n == 0 {
				*p(r) = nil
				return
			}
			l := make([]Source, n)
			for i := range l {
				l[i] = Source{Publisher: d.text(), Title: d.text(), URL: d.text(), Published: Day(d.varint()), Note: d.text()}
			}
			*p(r) = l
		},
		fast: func(r *T, j *jsonReader) bool {
			l := []Source{}
			ok := j.array(func() bool {
				var src Source
				var seen keys
				ok := j.object(func(key string) bool {
					i, ok := oneOf(key, "publisher", "title", "url", "published", "note")
					if !ok || i < 0 || !seen.first(i) {
						return false
					}
					if i == 3 {
						if j.null() {
							return true
						}
						s, ok := j.str()
						d, err := ParseDay(s)
						src.Published = d
						return ok && err == nil
					}
					s, ok := j.str()
					*[...]*string{&src.Publisher, &src.Title, &src.URL, nil, &src.Note}[i] = s
					return ok
				})
				l = append(l, src)
				return ok
			})
			*p(r) = l
			return ok
		},
	}
	if omitEmpty {
		f.empty = func(r *T) bool { return len(*p(r)) == 0 }
	}
	return f
}

// appendJSON appends s as {"publisher", "title", "url", "published",
// "note"}, leaving out the empty optional members.
func (s *Source) appendJSON(b []byte) []byte {
	b = append(b, `{"publisher":`...)
	b = appendJSONString(b, s.Publisher)
	b = appendOptionalJSON(b, `,"title":`, s.Title)
	b = appendOptionalJSON(b, `,"url":`, s.URL)
	if s.Published != 0 {
		b = append(b, `,"published":`...)
		b = appendDayJSON(b, s.Published)
	}
	b = appendOptionalJSON(b, `,"note":`, s.Note)
	return append(b, '}')
}

// MarshalJSON encodes s as {"publisher", "title", "url", "published", "note"}.
func (s Source) MarshalJSON() ([]byte, error) { return s.appendJSON(nil), nil }

type jsonSource struct {
	Publisher string `json:"publisher"`
	Title     string `json:"title,omitempty"`
	URL       string `json:"url,omitempty"`
	Published *Day   `json:"published,omitempty"`
	Note      string `json:"note,omitempty"`
}

// UnmarshalJSON decodes the form written by MarshalJSON, refusing unknown
// members.
func (s *Source) UnmarshalJSON(b []byte) error {
	var js jsonSource
	if err := decodeObject(b, &js, "publisher", "title", "url", "published", "note"); err != nil {
		return err
	}
	*s = Source{Publisher: js.Publisher, Title: js.Title, URL: js.URL, Note: js.Note}
	if js.Published != nil {
		s.Published = *js.Published
	}
	return nil
}

func appendOptionalJSON(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return appendJSONString(append(b, key...), s)
}

// The record kinds' codecs.

var actorCodec = (&codec[Actor]{kind: "actor",
	id:    func(a *Actor) string { return string(a.ID) },
	setID: func(a *Actor, id string) { a.ID = ActorID(id) },
	fields: []field[Actor]{
		textField(1, "name", func(a *Actor) *string { return &a.Name }, false),
		textField(2, "name_ar", func(a *Actor) *string { return &a.NameAR }, true),
		textField(3, "short_name", func(a *Actor) *string { return &a.ShortName }, true),
		textsField(4, "aliases", func(a *Actor) *[]string { return &a.Aliases }),
		textField(5, "colour", func(a *Actor) *string { return &a.Colour }, false),
		textField(6, "kind", func(a *Actor) *string { return (*string)(&a.Kind) }, false),
		textField(7, "affiliation", func(a *Actor) *string { return (*string)(&a.Affiliation) }, true),
		sourcesField(8, func(a *Actor) *[]Source { return &a.Sources }, true),
		textField(9, "notes", func(a *Actor) *string { return &a.Notes }, true),
		datedAliasesField(10),
	}}).build()

// datedAliasesField is an actor's dated aliases, [{"name", "valid_from",
// "valid_to"}] with null for an open bound, left out when there are none.
func datedAliasesField(tag byte) field[Actor] {
	type jsonAlias struct {
		Name      string `json:"name"`
		ValidFrom *Day   `json:"valid_from"`
		ValidTo   *Day   `json:"valid_to"`
	}
	return field[Actor]{tag: tag, name: "dated_aliases",
		empty: func(a *Actor) bool { return len(a.DatedAliases) == 0 },
		json: func(b []byte, a *Actor) []byte {
			b = append(b, '[')
			for i, al := range a.DatedAliases {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendJSONString(append(b, `{"name":`...), al.Name)
				b = appendDayJSON(append(b, `,"valid_from":`...), al.Valid.From)
				b = appendDayJSON(append(b, `,"valid_to":`...), al.Valid.To)
				b = append(b, '}')
			}
			return append(b, ']')
		},
		parse: func(a *Actor, raw []byte) error {
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			var l []jsonAlias
			if err := dec.Decode(&l); err != nil {
				return err
			}
			a.DatedAliases = nil
			for _, al := range l {
				v := Always
				if al.ValidFrom != nil {
					v.From = *al.ValidFrom
				}
				if al.ValidTo != nil {
					v.To = *al.ValidTo
				}
				a.DatedAliases = append(a.DatedAliases, DatedAlias{Name: al.Name, Valid: v})
			}
			return nil
		},
		fast: func(*Actor, *jsonReader) bool { return false }, // parse decodes it
		put: func(b []byte, a *Actor) []byte {
			b = binary.AppendUvarint(b, uint64(len(a.DatedAliases)))
			for _, al := range a.DatedAliases {
				b = appendText(b, al.Name)
				b = binary.AppendVarint(b, int64(al.Valid.From))
				b = binary.AppendVarint(b, int64(al.Valid.To))
			}
			return b
		},
		get: func(a *Actor, d *reader) {
			l := make([]DatedAlias, d.count())
			for i := range l {
				l[i] = DatedAlias{Name: d.text(), Valid: Interval{From: Day(d.varint()), To: Day(d.varint())}}
			}
			a.DatedAliases = l
		},
	}
}

var zoneCodec = (&codec[Zone]{kind: "zone", feature: true,
	id:       func(z *Zone) string { return string(z.ID) },
	setID:    func(z *Zone, id string) { z.ID = ZoneID(id) },
	geometry: func(z *Zone) orb.Geometry { return z.Geometry() },
	area:     func(z *Zone) *orb.Geometry { return &z.Area },
	setGeometry: func(z *Zone, g orb.Geometry) error {
		if z.Circle == nil { // the circle property is authoritative
			z.Area = g
		}
		return nil
	},
	fields: []field[Zone]{
		textField(1, "name", func(z *Zone) *string { return &z.Name }, true),
		textField(2, "actor", func(z *Zone) *string { return (*string)(&z.Actor) }, false),
		vocabularyField(3, "status", func(z *Zone) *string { return (*string)(&z.Status) }, false, ZoneStatuses),
		dayField(4, "valid_from", func(z *Zone) *Day { return &z.Valid.From }, func(z *Zone) { z.Valid.From = OpenStart }),
		dayField(5, "valid_to", func(z *Zone) *Day { return &z.Valid.To }, func(z *Zone) { z.Valid.To = OpenEnd }),
		circleField(6),
		boolField(7, "approximate", func(z *Zone) *bool { return &z.Approximate }),
		numberField(8, "uncertainty_m", func(z *Zone) *float64 { return &z.UncertaintyMeters }, true),
		sourcesField(9, func(z *Zone) *[]Source { return &z.Sources }, false),
		textField(10, "notes", func(z *Zone) *string { return &z.Notes }, true),
	}}).build()

// circleField is a zone's circle, {"center": [lon, lat], "radius_m":
// metres}, left out for an area zone.
func circleField(tag byte) field[Zone] {
	type jsonCircle struct {
		Center       orb.Point `json:"center"`
		RadiusMeters float64   `json:"radius_m"`
	}
	return field[Zone]{tag: tag, name: "circle",
		empty: func(z *Zone) bool { return z.Circle == nil },
		json: func(b []byte, z *Zone) []byte {
			b = append(b, `{"center":`...)
			b = appendPositionJSON(b, z.Circle.Center)
			b = append(b, `,"radius_m":`...)
			b = appendJSONNumber(b, z.Circle.RadiusMeters)
			return append(b, '}')
		},
		parse: func(z *Zone, raw []byte) error {
			var c jsonCircle
			if err := decodeObject(raw, &c, "center", "radius_m"); err != nil {
				return err
			}
			z.Circle = &Circle{Center: c.Center, RadiusMeters: c.RadiusMeters}
			return nil
		},
		put: func(b []byte, z *Zone) []byte {
			return appendNumber(appendNumber(appendNumber(b, z.Circle.Center[0]), z.Circle.Center[1]), z.Circle.RadiusMeters)
		},
		get: func(z *Zone, d *reader) {
			z.Circle = &Circle{Center: orb.Point{d.number(), d.number()}, RadiusMeters: d.number()}
		},
	}
}

var incidentCodec = (&codec[Incident]{kind: "incident", feature: true,
	id:    func(in *Incident) string { return string(in.ID) },
	setID: func(in *Incident, id string) { in.ID = IncidentID(id) },
	point: func(in *Incident) *orb.Point { return &in.Location },
	setGeometry: func(in *Incident, g orb.Geometry) error {
		pt, ok := g.(orb.Point)
		if !ok {
			return invalid("geometry", "an incident's geometry must be a Point")
		}
		in.Location = pt
		return nil
	},
	fields: []field[Incident]{
		dayField(1, "date", func(in *Incident) *Day { return &in.Date }, nil),
		dateEndField(2),
		vocabularyField(3, "date_precision", func(in *Incident) *string { return (*string)(&in.DatePrecision) }, false, DatePrecisions),
		vocabularyField(4, "type", func(in *Incident) *string { return (*string)(&in.Type) }, false, EventTypes),
		vocabularyField(5, "sub_type", func(in *Incident) *string { return (*string)(&in.SubType) }, true, slices.Collect(maps.Keys(SubTypes))),
		incidentActorsField(6),
		numberField(7, "precision_m", func(in *Incident) *float64 { return &in.PrecisionMeters }, false),
		textField(8, "place", func(in *Incident) *string { return &in.Place }, true),
		textField(9, "governorate", func(in *Incident) *string { return &in.Governorate }, true),
		intField(10, "fatalities_low", func(in *Incident) *int { return &in.Fatalities.Low }),
		intField(11, "fatalities_best", func(in *Incident) *int { return &in.Fatalities.Best }),
		intField(12, "fatalities_high", func(in *Incident) *int { return &in.Fatalities.High }),
		intField(13, "fatalities_civilians", func(in *Incident) *int { return &in.Fatalities.Civilians }),
		textField(14, "description", func(in *Incident) *string { return &in.Description }, true),
		sourcesField(15, func(in *Incident) *[]Source { return &in.Sources }, false),
		vocabularyField(16, "status", func(in *Incident) *string { return (*string)(&in.Status) }, false, IncidentStatuses),
		textField(17, "origin", func(in *Incident) *string { return &in.Origin.Dataset }, true),
		textField(18, "origin_id", func(in *Incident) *string { return &in.Origin.ID }, true),
		vocabularyField(19, "publish", func(in *Incident) *string { return (*string)(&in.Publish) }, true, Publishes),
		publicationField(20),
		mergedOriginsField(21),
	}}).build()

// mergedOriginsField is an incident's merged origins, ["dataset:id", …],
// left out when there are none.
func mergedOriginsField(tag byte) field[Incident] {
	texts := func(in *Incident) []string {
		l := make([]string, len(in.MergedOrigins))
		for i, o := range in.MergedOrigins {
			l[i] = o.String()
		}
		return l
	}
	set := func(in *Incident, l []string) {
		in.MergedOrigins = make([]Origin, len(l))
		for i, s := range l {
			dataset, id, _ := strings.Cut(s, ":")
			in.MergedOrigins[i] = Origin{Dataset: dataset, ID: id}
		}
	}
	return field[Incident]{tag: tag, name: "merged_origins",
		empty: func(in *Incident) bool { return len(in.MergedOrigins) == 0 },
		json:  func(b []byte, in *Incident) []byte { return appendJSONStrings(b, texts(in)) },
		parse: func(in *Incident, raw []byte) error {
			var l []string
			if err := json.Unmarshal(raw, &l); err != nil {
				return err
			}
			set(in, l)
			return nil
		},
		fast: func(*Incident, *jsonReader) bool { return false }, // parse decodes it
		put: func(b []byte, in *Incident) []byte {
			b = binary.AppendUvarint(b, uint64(len(in.MergedOrigins)))
			for _, o := range in.MergedOrigins {
				b = appendText(appendText(b, o.Dataset), o.ID)
			}
			return b
		},
		get: func(in *Incident, d *reader) {
			l := make([]Origin, d.count())
			for i := range l {
				l[i] = Origin{Dataset: d.text(), ID: d.text()}
			}
			in.MergedOrigins = l
		},
	}
}

// publicationField is what the published view did to an incident,
// {"coarsened", "cell_km", "area": [w, s, e, n], "withheld", "rules"},
// left out of an incident as stored. The server sets it; a client that
// sends it gets a *ValidationError.
func publicationField(tag byte) field[Incident] {
	return field[Incident]{tag: tag, name: "publication",
		empty: func(in *Incident) bool { return in.Publication == nil },
		json: func(b []byte, in *Incident) []byte {
			p := in.Publication
			b = append(b, '{')
			if p.Coarsened != "" {
				b = appendJSONString(append(b, `"coarsened":`...), p.Coarsened)
				if p.CellKm > 0 {
					b = appendJSONNumber(append(b, `,"cell_km":`...), p.CellKm)
				}
				b = append(b, `,"area":[`...)
				for i, v := range [4]float64{p.Area.Min[0], p.Area.Min[1], p.Area.Max[0], p.Area.Max[1]} {
					if i > 0 {
						b = append(b, ',')
					}
					b = appendJSONNumber(b, v)
				}
				b = append(b, "],"...)
			}
			b = appendJSONStrings(append(b, `"withheld":`...), p.Withheld)
			b = appendJSONStrings(append(b, `,"rules":`...), p.Rules)
			return append(b, '}')
		},
		parse: func(*Incident, []byte) error {
			return invalid("", "is set by the server on published incidents, not by a client")
		},
		fast: func(*Incident, *jsonReader) bool { return false }, // parse refuses it
		put: func(b []byte, in *Incident) []byte {
			p := in.Publication
			b = appendText(b, p.Coarsened)
			for _, v := range [5]float64{p.CellKm, p.Area.Min[0], p.Area.Min[1], p.Area.Max[0], p.Area.Max[1]} {
				b = appendNumber(b, v)
			}
			for _, l := range [2][]string{p.Withheld, p.Rules} {
				b = binary.AppendUvarint(b, uint64(len(l)))
				for _, s := range l {
					b = appendText(b, s)
				}
			}
			return b
		},
		get: func(in *Incident, d *reader) {
			p := &Publication{Coarsened: d.text(), CellKm: d.number()}
			p.Area = orb.Bound{Min: orb.Point{d.number(), d.number()}, Max: orb.Point{d.number(), d.number()}}
			for _, l := range [2]*[]string{&p.Withheld, &p.Rules} {
				for n := d.count(); n > 0; n-- {
					*l = append(*l, d.text())
				}
			}
			in.Publication = p
		},
	}
}

// appendJSONStrings appends l as a JSON array of strings ([] for none).
func appendJSONStrings(b []byte, l []string) []byte {
	b = append(b, '[')
	for i, s := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// dateEndField is an incident's last day, left out when it is the first
// (an event known to the day) and then decoded as the first.
func dateEndField(tag byte) field[Incident] {
	f := dayField(tag, "date_end", func(in *Incident) *Day { return &in.DateEnd }, func(in *Incident) { in.DateEnd = in.Date })
	f.empty = func(in *Incident) bool { return in.DateEnd == in.Date }
	return f
}

// incidentActorsField is an incident's actors, [{"actor", "name",
// "role"}], always written ([] for none).
// actorRoles is the vocabulary of an incident actor's role, which
// decoding gives its constant as a vocabularyField's.
var actorRoles = newVocabulary(ActorRoles)

func incidentActorsField(tag byte) field[Incident] {
	type jsonIncidentActor struct {
		Actor ActorID   `json:"actor,omitempty"`
		Name  string    `json:"name,omitempty"`
		Role  ActorRole `json:"role"`
	}
	return field[Incident]{tag: tag, name: "actors",
		json: func(b []byte, in *Incident) []byte {
			b = append(b, '[')
			for i := range in.Actors {
				a := &in.Actors[i]
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, '{')
				n := len(b)
				if a.Actor != "" {
					b = appendJSONString(append(b, `"actor":`...), string(a.Actor))
				}
				if a.Name != "" {
					if len(b) > n {
						b = append(b, ',')
					}
					b = appendJSONString(append(b, `"name":`...), a.Name)
				}
				if len(b) > n {
					b = append(b, ',')
				}
				b = appendJSONString(append(b, `"role":`...), string(a.Role))
				b = append(b, '}')
			}
			return append(b, ']')
		},
		parse: func(in *Incident, raw []byte) error {
			var l []json.RawMessage
			if err := decodeStrict(raw, &l, ""); err != nil {
				return err
			}
			in.Actors = nil
			for _, e := range l {
				var a jsonIncidentActor
				if err := decodeObject(e, &a, "actor", "name", "role"); err != nil {
					return err
				}
				a.Role = ActorRole(actorRoles.constant(string(a.Role)))
				in.Actors = append(in.Actors, IncidentActor(a))
			}
			return nil
		},
		put: func(b []byte, in *Incident) []byte {
			b = binary.AppendUvarint(b, uint64(len(in.Actors)))
			for _, a := range in.Actors {
				b = appendText(appendText(appendText(b, string(a.Actor)), a.Name), string(a.Role))
			}
			return b
		},
		get: func(in *Incident, d *reader) {
			n := d.count()
			if n == 0 {
				in.Actors = nil
				return
			}
			l := make([]IncidentActor, n)
			for i := range l {
				l[i] = IncidentActor{Actor: ActorID(d.text()), Name: d.text(), Role: ActorRole(actorRoles.constant(d.text()))}
			}
			in.Actors = l
		},
		fast: func(in *Incident, j *jsonReader) bool {
			var l []IncidentActor
			ok := j.array(func() bool {
				var a [3]string
				var seen keys
				ok := j.object(func(key string) bool {
					i, ok := oneOf(key, "actor", "name", "role")
					if !ok || i < 0 || !seen.first(i) {
						return false
					}
					a[i], ok = j.str()
					return ok
				})
				l = append(l, IncidentActor{Actor: ActorID(a[0]), Name: a[1], Role: ActorRole(actorRoles.constant(a[2]))})
				return ok
			})
			in.Actors = l
			return ok
		},
	}
}

var siteCodec = (&codec[Site]{kind: "site", feature: true,
	id:    func(s *Site) string { return string(s.ID) },
	setID: func(s *Site, id string) { s.ID = SiteID(id) },
	point: func(s *Site) *orb.Point { return &s.Location },
	setGeometry: func(s *Site, g orb.Geometry) error {
		pt, ok := g.(orb.Point)
		if !ok {
			return invalid("geometry", "a site's geometry must be a Point")
		}
		s.Location = pt
		return nil
	},
	fields: []field[Site]{
		textField(1, "name", func(s *Site) *string { return &s.Name }, false),
		textField(2, "name_ar", func(s *Site) *string { return &s.NameAR }, true),
		textsField(3, "alt_names", func(s *Site) *[]string { return &s.AltNames }),
		textField(4, "kind", func(s *Site) *string { return (*string)(&s.Kind) }, false),
		textField(5, "governorate", func(s *Site) *string { return &s.Governorate }, true),
		sourcesField(6, func(s *Site) *[]Source { return &s.Sources }, false),
		textField(7, "notes", func(s *Site) *string { return &s.Notes }, true),
	}}).build()

var boundaryCodec = (&codec[Boundary]{kind: "boundary", feature: true,
	id:          func(b *Boundary) string { return b.ID },
	setID:       func(b *Boundary, id string) { b.ID = id },
	geometry:    func(b *Boundary) orb.Geometry { return b.Area },
	area:        func(b *Boundary) *orb.Geometry { return &b.Area },
	setGeometry: func(b *Boundary, g orb.Geometry) error { b.Area = g; return nil },
	fields: []field[Boundary]{
		textField(1, "name", func(b *Boundary) *string { return &b.Name }, false),
		textField(2, "name_ar", func(b *Boundary) *string { return &b.NameAR }, true),
		textField(3, "level", func(b *Boundary) *string { return (*string)(&b.Level) }, false),
		textField(4, "source", func(b *Boundary) *string { return &b.Source }, true),
	}}).build()

var statisticCodec = (&codec[Statistic]{kind: "statistic",
	id:    func(s *Statistic) string { return s.ID },
	setID: func(s *Statistic, id string) { s.ID = id },
	fields: []field[Statistic]{
		textField(1, "subject", func(s *Statistic) *string { return &s.Subject }, false),
		numberField(2, "value", func(s *Statistic) *float64 { return &s.Value }, false),
		textField(3, "unit", func(s *Statistic) *string { return &s.Unit }, false),
		dayField(4, "period_from", func(s *Statistic) *Day { return &s.From }, nil),
		dayField(5, "period_to", func(s *Statistic) *Day { return &s.To }, nil),
		textField(6, "area", func(s *Statistic) *string { return &s.Area }, true),
		sourcesField(7, func(s *Statistic) *[]Source { return &s.Sources }, false),
		textField(8, "notes", func(s *Statistic) *string { return &s.Notes }, true),
	}}).build()

// Each kind's public encoding methods. AppendGeoJSON (AppendJSON for the
// kinds without geometry) appends the record's GeoJSON to b and returns
// the extended buffer; it never fails and allocates only to grow b. A NaN
// or infinite number, which Validate refuses, is written as null.
// AppendBinary appends the stored form; it fails only on a geometry other
// than a Polygon or MultiPolygon for an area, which Validate refuses.
// DecodeStored is UnmarshalBinary for a stored form already in a string,
// which it does not copy: a store loading a million records reads each
// row's bytes into one string and decodes from it. UnmarshalBinary decodes the stored form (or the stored JSON
// of before it); its errors name the record and what is wrong.

// AppendJSON appends a as a plain JSON object (actors have no geometry).
func (a *Actor) AppendJSON(b []byte) []byte { return actorCodec.appendJSON(b, a) }

// MarshalJSON encodes a with AppendJSON.
func (a Actor) MarshalJSON() ([]byte, error) { return a.AppendJSON(nil), nil }

// UnmarshalJSON decodes the form written by MarshalJSON.
func (a *Actor) UnmarshalJSON(b []byte) error { return actorCodec.decodeJSON(a, b) }

// AppendBinary appends a's stored form.
func (a Actor) AppendBinary(b []byte) ([]byte, error) { return actorCodec.appendBinary(b, &a) }

// UnmarshalBinary decodes a stored form.
func (a *Actor) UnmarshalBinary(b []byte) error { return actorCodec.decodeBinary(a, string(b)) }

// DecodeStored decodes the stored form s; the record's strings are
// substrings of s.
func (a *Actor) DecodeStored(s string) error { return actorCodec.decodeBinary(a, s) }

// AppendGeoJSON appends z as a GeoJSON Feature whose geometry is always a
// MultiPolygon (Zone.Geometry), so a Polygon area decodes as a MultiPolygon
// of one. A circle zone's geometry is its drawn polygon
// (CirclePolygonVertices vertices) and its true shape is in the "circle"
// property ({"center": [lon, lat], "radius_m": metres}), which decoding
// treats as authoritative. Open interval ends are null.
func (z *Zone) AppendGeoJSON(b []byte) []byte { return zoneCodec.appendJSON(b, z) }

// MarshalJSON encodes z with AppendGeoJSON.
func (z Zone) MarshalJSON() ([]byte, error) { return z.AppendGeoJSON(nil), nil }

// UnmarshalJSON decodes a GeoJSON Feature written by MarshalJSON. A missing
// valid_from or valid_to is an open end.
func (z *Zone) UnmarshalJSON(b []byte) error { return zoneCodec.decodeJSON(z, b) }

// AppendBinary appends z's stored form.
func (z Zone) AppendBinary(b []byte) ([]byte, error) { return zoneCodec.appendBinary(b, &z) }

// UnmarshalBinary decodes a stored form.
func (z *Zone) UnmarshalBinary(b []byte) error { return zoneCodec.decodeBinary(z, string(b)) }

// DecodeStored decodes the stored form s; the record's strings are
// substrings of s.
func (z *Zone) DecodeStored(s string) error { return zoneCodec.decodeBinary(z, s) }

// AppendGeoJSON appends in as a GeoJSON Feature with a Point geometry.
func (in *Incident) AppendGeoJSON(b []byte) []byte { return incidentCodec.appendJSON(b, in) }

// MarshalJSON encodes in with AppendGeoJSON.
func (in Incident) MarshalJSON() ([]byte, error) { return in.AppendGeoJSON(nil), nil }

// UnmarshalJSON decodes a GeoJSON Feature written by MarshalJSON. A missing
// date_end means the incident lasted one day.
func (in *Incident) UnmarshalJSON(b []byte) error {
	if incidentCodec.fastDecode(in, string(b)) {
		// The fast path's strings are substrings of the whole feature's
		// text; a copy of just the values keeps a quarter of it.
		compactStrings(in.eachString)
		return nil
	}
	return incidentCodec.decodeJSON(in, b)
}

// AppendBinary appends in's stored form.
func (in Incident) AppendBinary(b []byte) ([]byte, error) { return incidentCodec.appendBinary(b, &in) }

// UnmarshalBinary decodes a stored form.
func (in *Incident) UnmarshalBinary(b []byte) error { return incidentCodec.decodeBinary(in, string(b)) }

// DecodeStored decodes the stored form s; the record's strings are
// substrings of s.
func (in *Incident) DecodeStored(s string) error { return incidentCodec.decodeBinary(in, s) }

// AppendGeoJSON appends s as a GeoJSON Feature with a Point geometry.
func (s *Site) AppendGeoJSON(b []byte) []byte { return siteCodec.appendJSON(b, s) }

// MarshalJSON encodes s with AppendGeoJSON.
func (s Site) MarshalJSON() ([]byte, error) { return s.AppendGeoJSON(nil), nil }

// UnmarshalJSON decodes a GeoJSON Feature written by MarshalJSON.
func (s *Site) UnmarshalJSON(b []byte) error { return siteCodec.unmarshalJSON(s, b) }

// AppendBinary appends s's stored form.
func (s Site) AppendBinary(b []byte) ([]byte, error) { return siteCodec.appendBinary(b, &s) }

// UnmarshalBinary decodes a stored form.
func (s *Site) UnmarshalBinary(b []byte) error { return siteCodec.decodeBinary(s, string(b)) }

// DecodeStored decodes the stored form s; the record's strings are
// substrings of s.
func (st *Site) DecodeStored(s string) error { return siteCodec.decodeBinary(st, s) }

// AppendGeoJSON appends bd as a GeoJSON Feature.
func (bd *Boundary) AppendGeoJSON(b []byte) []byte { return boundaryCodec.appendJSON(b, bd) }

// MarshalJSON encodes b with AppendGeoJSON.
func (bd Boundary) MarshalJSON() ([]byte, error) { return bd.AppendGeoJSON(nil), nil }

// UnmarshalJSON decodes a GeoJSON Feature written by MarshalJSON.
func (bd *Boundary) UnmarshalJSON(b []byte) error { return boundaryCodec.decodeJSON(bd, b) }

// AppendBinary appends bd's stored form.
func (bd Boundary) AppendBinary(b []byte) ([]byte, error) { return boundaryCodec.appendBinary(b, &bd) }

// UnmarshalBinary decodes a stored form.
func (bd *Boundary) UnmarshalBinary(b []byte) error { return boundaryCodec.decodeBinary(bd, string(b)) }

// DecodeStored decodes the stored form s; the record's strings are
// substrings of s.
func (bd *Boundary) DecodeStored(s string) error { return boundaryCodec.decodeBinary(bd, s) }

// AppendJSON appends s as a plain JSON object.
func (s *Statistic) AppendJSON(b []byte) []byte { return statisticCodec.appendJSON(b, s) }

// MarshalJSON encodes s with AppendJSON.
func (s Statistic) MarshalJSON() ([]byte, error) { return s.AppendJSON(nil), nil }

// UnmarshalJSON decodes the form written by MarshalJSON.
func (s *Statistic) UnmarshalJSON(b []byte) error { return statisticCodec.decodeJSON(s, b) }

// AppendBinary appends s's stored form.
func (s Statistic) AppendBinary(b []byte) ([]byte, error) { return statisticCodec.appendBinary(b, &s) }

// UnmarshalBinary decodes a stored form.
func (s *Statistic) UnmarshalBinary(b []byte) error { return statisticCodec.decodeBinary(s, string(b)) }

// DecodeStored decodes the stored form s; the record's strings are
// substrings of s.
func (st *Statistic) DecodeStored(s string) error { return statisticCodec.decodeBinary(st, s) }

// JSON values, written as encoding/json writes them.

// appendJSONString appends s as a JSON string the way encoding/json does:
// HTML-safe (<, > and & as \u003c, \u003e, \u0026), U+2028 and U+2029
// escaped, invalid UTF-8 as U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	i := 0
	for i < len(s) && plainJSON[s[i]] {
		i++
	}
	if i == len(s) { // the usual string: nothing to escape
		return append(append(b, s...), '"')
	}
	start := 0
	for i < len(s) {
		c := s[i]
		if plainJSON[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			start = i + size
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			start = i + size
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// plainJSON marks the bytes a JSON string holds as they are: ASCII but
// for the quote, the backslash, control characters and <, >, &.
var plainJSON = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendJSONNumber appends f as encoding/json does (the shortest decimal,
// exponent form below 1e-6 and from 1e21), or null when f is NaN or
// infinite.
func appendJSONNumber(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	if m := f * 1e6; m == math.Trunc(m) && m != 0 && math.Abs(m) < 1e15 && float64(int64(m))/1e6 == f {
		return appendMicros(b, int64(m))
	}
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// 1e-07 becomes 1e-7, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendMicros appends m millionths as the shortest decimal: the fast path
// of appendJSONNumber for the numbers of at most six decimals that
// coordinates, distances and figures are (streaming a million incidents
// spent a quarter of its time in strconv). When m/1e6 gives the number
// back exactly and |m| < 1e15, the number is below 1e9, where two decimals
// of six places lie further apart than a float64's rounding interval, so
// this is the decimal strconv's shortest form writes
// (TestAppendJSONNumberLikeEncodingJSON compares the two).
func appendMicros(b []byte, m int64) []byte {
	if m < 0 {
		b = append(b, '-')
		m = -m
	}
	b = strconv.AppendInt(b, m/1e6, 10)
	frac := m % 1e6
	if frac == 0 {
		return b
	}
	var d [7]byte
	d[0] = '.'
	for i := 6; i >= 1; i-- {
		d[i] = byte('0' + frac%10)
		frac /= 10
	}
	n := 7
	for d[n-1] == '0' {
		n--
	}
	return append(b, d[:n]...)
}

// appendDayJSON appends d as "YYYY-MM-DD", or null for an open bound.
func appendDayJSON(b []byte, d Day) []byte {
	if d.IsOpen() {
		return append(b, "null"...)
	}
	y, m, dd := time.Unix(int64(d)*86400, 0).UTC().Date()
	b = append(b, '"')
	if y < 1000 {
		b = append(b, "000"[:3-digitsOf(y)]...)
	}
	b = strconv.AppendInt(b, int64(y), 10)
	b = append(b, '-', byte('0'+m/10), byte('0'+m%10), '-', byte('0'+dd/10), byte('0'+dd%10))
	return append(b, '"')
}

// digitsOf returns how many decimal digits 0 <= y < 1000 has, minus one.
func digitsOf(y int) int {
	switch {
	case y >= 100:
		return 2
	case y >= 10:
		return 1
	}
	return 0
}

// appendPointJSON appends a GeoJSON Point at p ([lon, lat]).
func appendPointJSON(b []byte, p orb.Point) []byte {
	b = append(b, `{"type":"Point","coordinates":`...)
	return append(appendPositionJSON(b, p), '}')
}

func appendPositionJSON(b []byte, p orb.Point) []byte {
	b = append(b, '[')
	b = appendJSONNumber(b, p[0])
	b = append(b, ',')
	b = appendJSONNumber(b, p[1])
	return append(b, ']')
}

func appendPositionsJSON(b []byte, ps []orb.Point) []byte {
	b = append(b, '[')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPositionJSON(b, p)
	}
	return append(b, ']')
}

// appendGeometryJSON appends g as a GeoJSON geometry, null for nil. Types
// other than points, lines and polygons (and their multis) go through
// orb/geojson.
func appendGeometryJSON(b []byte, g orb.Geometry) []byte {
	open := func(typ string) []byte {
		return append(append(append(b, `{"type":"`...), typ...), `","coordinates":`...)
	}
	switch g := g.(type) {
	case nil:
		return append(b, "null"...)
	case orb.Point:
		return appendPointJSON(b, g)
	case orb.MultiPoint:
		return append(appendPositionsJSON(open("MultiPoint"), g), '}')
	case orb.LineString:
		return append(appendPositionsJSON(open("LineString"), g), '}')
	case orb.Polygon:
		return append(appendRingsJSON(open("Polygon"), g), '}')
	case orb.MultiPolygon:
		b = append(open("MultiPolygon"), '[')
		for i, p := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendRingsJSON(b, p)
		}
		return append(b, "]}"...)
	}
	j, err := json.Marshal(geojson.NewGeometry(g))
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, j...)
}

func appendRingsJSON(b []byte, rings []orb.Ring) []byte {
	b = append(b, '[')
	for i, r := range rings {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPositionsJSON(b, r)
	}
	return append(b, ']')
}

// The stored form's values.

func appendText(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendNumber(b []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
}

// appendArea appends an area: nil, an orb.Polygon or an orb.MultiPolygon.
func appendArea(b []byte, g orb.Geometry) ([]byte, error) {
	polygon := func(b []byte, p orb.Polygon) []byte {
		b = binary.AppendUvarint(b, uint64(len(p)))
		for _, ring := range p {
			b = binary.AppendUvarint(b, uint64(len(ring)))
			for _, pt := range ring {
				b = appendNumber(appendNumber(b, pt[0]), pt[1])
			}
		}
		return b
	}
	switch g := g.(type) {
	case nil:
		return append(b, 0), nil
	case orb.Polygon:
		return polygon(append(b, 1), g), nil
	case orb.MultiPolygon:
		b = binary.AppendUvarint(append(b, 2), uint64(len(g)))
		for _, p := range g {
			b = polygon(b, p)
		}
		return b, nil
	}
	return nil, fmt.Errorf("a %s is not an area", g.GeoJSONType())
}

// area reads what appendArea wrote.
func (d *reader) area() orb.Geometry {
	polygon := func() orb.Polygon {
		p := make(orb.Polygon, d.count())
		for i := range p {
			n := d.count()
			if n > (len(d.s)-d.i)/16 {
				d.fail()
				return nil
			}
			ring := make(orb.Ring, n)
			for j := range ring {
				ring[j] = orb.Point{d.number(), d.number()}
			}
			p[i] = ring
		}
		return p
	}
	switch d.byte() {
	case 0:
		return nil
	case 1:
		return polygon()
	case 2:
		m := make(orb.MultiPolygon, d.count())
		for i := range m {
			m[i] = polygon()
		}
		return m
	}
	d.fail()
	return nil
}

// reader reads a stored form. Its first error is sticky; later reads
// return zero values.
type reader struct {
	s   string
	i   int
	err error
}

func (d *reader) fail() {
	if d.err == nil {
		d.err = fmt.Errorf("truncated or corrupt at byte %d", d.i)
	}
	d.i = len(d.s)
}

func (d *reader) byte() byte {
	if d.i >= len(d.s) {
		d.fail()
		return 0
	}
	d.i++
	return d.s[d.i-1]
}

func (d *reader) uvarint() uint64 {
	var x uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if d.i >= len(d.s) {
			break
		}
		c := d.s[d.i]
		d.i++
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return x
		}
	}
	d.fail()
	return 0
}

func (d *reader) varint() int64 {
	u := d.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

// count reads a list length, refusing one longer than the bytes left.
func (d *reader) count() int {
	n := d.uvarint()
	if n > uint64(len(d.s)-d.i) {
		d.fail()
		return 0
	}
	return int(n)
}

// text reads a string: a substring of the stored form, or "" itself, so
// that an empty field does not keep the whole record's text alive.
func (d *reader) text() string {
	n := d.count()
	if n == 0 {
		return ""
	}
	s := d.s[d.i : d.i+n]
	d.i += n
	return s
}

func (d *reader) number() float64 {
	if len(d.s)-d.i < 8 {
		d.fail()
		return 0
	}
	u := uint64(d.s[d.i]) | uint64(d.s[d.i+1])<<8 | uint64(d.s[d.i+2])<<16 | uint64(d.s[d.i+3])<<24 |
		uint64(d.s[d.i+4])<<32 | uint64(d.s[d.i+5])<<40 | uint64(d.s[d.i+6])<<48 | uint64(d.s[d.i+7])<<56
	d.i += 8
	return math.Float64frombits(u)
}
