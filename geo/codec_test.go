package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// This file tests the codec on random records of every kind, with the
// strings and numbers encoders get wrong, and checks that no field of a
// record is left out of it.

// nastyStrings are the strings that encoders get wrong: JSON and HTML
// metacharacters, every kind of control character, JavaScript line
// terminators, invalid UTF-8, right-to-left text and astral characters.
var nastyStrings = []string{
	"",
	`quote " and backslash \ and slash /`,
	"<script>alert('x')</script> & friends",
	"\x00\x01\x07\b\t\n\v\f\r\x1b\x1f\x7f",
	"line\u2028separator\u2029paragraph",
	"الشدادي — سجن غويران",
	"invalid \xff\xfe utf-8 \xc3 cut \xe2\x82",
	"emoji 🇸🇾 and U+FFFD \ufffd",
	"\u00e9\u0301 combining",
	"\\u003c literal escape text",
}

// randString returns one of nastyStrings or a random mix of their bytes and
// runes.
func randString(r *rand.Rand) string {
	if r.IntN(3) > 0 {
		return nastyStrings[r.IntN(len(nastyStrings))]
	}
	var b strings.Builder
	for range r.IntN(40) {
		switch r.IntN(5) {
		case 0:
			b.WriteByte(byte(r.IntN(256))) // any byte, valid UTF-8 or not
		case 1:
			b.WriteRune(rune(r.IntN(0x110000)))
		default:
			s := nastyStrings[r.IntN(len(nastyStrings))]
			b.WriteString(s[:r.IntN(len(s)+1)])
		}
	}
	return b.String()
}

// randFloat returns a number from a mix of plain coordinates, values at
// encoding/json's exponent cut-offs, negative zero and extremes.
func randFloat(r *rand.Rand) float64 {
	special := []float64{0, math.Copysign(0, -1), 1e-6, 9.99999e-7, 1e-7, 1e20, 1e21, 123456789012345678901234.0,
		5e-324, math.MaxFloat64, -180, 90, 0.1, 1.0 / 3, 55000, 36.2765, 1e-300}
	switch r.IntN(5) {
	case 0:
		return special[r.IntN(len(special))]
	case 1:
		return math.Float64frombits(r.Uint64()&^(0x7ff<<52) | uint64(r.IntN(0x7ff))<<52) // any finite
	case 2:
		return randMicros(r)
	default:
		return (r.Float64() - 0.5) * 360
	}
}

// randMicros returns a number that appendMicros writes: a whole number or
// one of at most six decimals, of any magnitude up to 10⁹.
func randMicros(r *rand.Rand) float64 {
	scale := math.Pow10(r.IntN(16))
	return float64(r.Int64N(2*int64(scale))-int64(scale)) / math.Pow10(r.IntN(7))
}

func randDay(r *rand.Rand) Day {
	switch r.IntN(6) {
	case 0:
		return OpenStart
	case 1:
		return OpenEnd
	case 2:
		return Day(r.Int32()) // far outside years 1000-9999
	case 3:
		return 0
	}
	return DateOf(2017, 1, 1) + Day(r.IntN(4000))
}

func randPoint(r *rand.Rand) orb.Point { return orb.Point{randFloat(r), randFloat(r)} }

func randPoints(r *rand.Rand) []orb.Point {
	if r.IntN(8) == 0 {
		return nil
	}
	ps := make([]orb.Point, r.IntN(6))
	for i := range ps {
		ps[i] = randPoint(r)
	}
	return ps
}

func randPolygon(r *rand.Rand) orb.Polygon {
	if r.IntN(10) == 0 {
		return nil
	}
	p := make(orb.Polygon, r.IntN(3))
	for i := range p {
		p[i] = randPoints(r)
	}
	return p
}

// randGeometry returns nil or any of orb's geometry types, with nil and
// empty slices at every level.
func randGeometry(r *rand.Rand, depth int) orb.Geometry {
	switch r.IntN(11) {
	case 0:
		return nil
	case 1:
		return randPoint(r)
	case 2:
		return orb.MultiPoint(randPoints(r))
	case 3:
		return orb.LineString(randPoints(r))
	case 4:
		var m orb.MultiLineString
		for range r.IntN(3) {
			m = append(m, randPoints(r))
		}
		return m
	case 5:
		return orb.Ring(randPoints(r))
	case 6:
		return orb.Bound{Min: randPoint(r), Max: randPoint(r)}
	case 7:
		var m orb.MultiPolygon
		for range r.IntN(3) {
			m = append(m, randPolygon(r))
		}
		return m
	case 8:
		if depth < 2 {
			var c orb.Collection
			for range r.IntN(3) {
				c = append(c, randGeometry(r, depth+1))
			}
			return c
		}
	}
	return randPolygon(r)
}

func randSources(r *rand.Rand) []Source {
	if r.IntN(4) == 0 {
		return nil
	}
	srcs := make([]Source, r.IntN(3))
	for i := range srcs {
		srcs[i] = Source{Publisher: randString(r), Title: randString(r), URL: randString(r), Note: randString(r)}
		if r.IntN(2) == 0 {
			srcs[i].Published = randDay(r)
		}
	}
	return srcs
}

func randIncident(r *rand.Rand) Incident {
	in := Incident{
		ID: IncidentID(randString(r)), Date: randDay(r), DatePrecision: DatePrecision(randString(r)),
		Type: EventType(randString(r)), SubType: SubType(randString(r)),
		Location: randPoint(r), PrecisionMeters: randFloat(r), Place: randString(r), Governorate: randString(r),
		Fatalities:  Fatalities{Low: r.IntN(10), Best: r.IntN(100), High: r.IntN(1 << 40), Civilians: -r.IntN(5)},
		Description: randString(r), Sources: randSources(r), Status: IncidentStatus(randString(r)),
		Origin: Origin{Dataset: randString(r), ID: randString(r)},
	}
	in.DateEnd = in.Date
	if r.IntN(2) == 0 {
		in.DateEnd = randDay(r)
	}
	for range r.IntN(4) {
		in.Actors = append(in.Actors, IncidentActor{
			Actor: ActorID(randString(r)), Name: randString(r), Role: ActorRole(randString(r)),
		})
	}
	return in
}

func randZone(r *rand.Rand) Zone {
	z := Zone{
		ID: ZoneID(randString(r)), Name: randString(r), Actor: ActorID(randString(r)),
		Status: ZoneStatus(randString(r)), Valid: Interval{From: randDay(r), To: randDay(r)},
		Approximate: r.IntN(2) == 0, Sources: randSources(r), Notes: randString(r),
	}
	if r.IntN(2) == 0 {
		z.UncertaintyMeters = randFloat(r)
	}
	switch r.IntN(3) {
	case 0:
		z.Circle = &Circle{
			Center:       orb.Point{(r.Float64() - 0.5) * 360, (r.Float64() - 0.5) * 180},
			RadiusMeters: r.Float64() * MaxRadiusMeters,
		}
	case 1:
		z.Area = randPolygon(r)
	default:
		z.Area = randGeometry(r, 0)
	}
	return z
}

func randSite(r *rand.Rand) Site {
	s := Site{
		ID: SiteID(randString(r)), Name: randString(r), NameAR: randString(r), Kind: SiteKind(randString(r)),
		Location: randPoint(r), Governorate: randString(r), Sources: randSources(r), Notes: randString(r),
	}
	switch r.IntN(3) {
	case 0:
		s.AltNames = []string{}
	case 1:
		for range r.IntN(3) + 1 {
			s.AltNames = append(s.AltNames, randString(r))
		}
	}
	return s
}

func randBoundary(r *rand.Rand) Boundary {
	return Boundary{
		ID: randString(r), Name: randString(r), NameAR: randString(r), Level: BoundaryLevel(randString(r)),
		Area: randGeometry(r, 0), Source: randString(r),
	}
}

// TestAppendJSONNumberLikeEncodingJSON compares appendJSONNumber with
// encoding/json on numbers at and around its exponent cut-offs and on
// random ones.
func TestAppendJSONNumberLikeEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	values := []float64{1e-6, -1e-6, 1.5e-6, 999999999.999999, 1e9, -1e9, 999999999.9999999, 0.000001000001,
		123456789.123456, 0.3, 0.1 + 0.2, 38.63, -179.999999, 4503599627.370496, 25, 1000}
	for range 200_000 {
		if r.IntN(2) == 0 {
			values = append(values, randMicros(r))
		} else {
			values = append(values, randFloat(r))
		}
	}
	for _, f := range values {
		for _, v := range []float64{f, math.Nextafter(f, math.Inf(1)), math.Nextafter(f, math.Inf(-1))} {
			if math.IsInf(v, 0) {
				continue
			}
			want, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if got := appendJSONNumber(nil, v); string(got) != string(want) {
				t.Fatalf("appendJSONNumber(%v) = %s, encoding/json writes %s", v, got, want)
			}
		}
	}
}

// TestAppendJSONStringLikeEncodingJSON compares appendJSONString with
// encoding/json's string encoding on the strings encoders get wrong and on
// random mixes of their bytes and runes.
func TestAppendJSONStringLikeEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	strs := append([]string{}, nastyStrings...)
	for range 20_000 {
		strs = append(strs, randString(r))
	}
	for c := range 256 {
		strs = append(strs, "a"+string(rune(c))+"b", "a"+string([]byte{byte(c)})+"b")
	}
	for _, s := range strs {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("appendJSONString(%q) = %s, encoding/json writes %s", s, got, want)
		}
	}
}

// TestCodecRandomRecords puts random records of every kind, with hostile
// strings, extreme numbers and every geometry type, through both
// encodings: the GeoJSON is JSON; the stored form decodes to a record with
// the same stored form and the same GeoJSON.
func TestCodecRandomRecords(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, seed>>32))
	n := 1000
	if testing.Short() {
		n = 100
	}
	for range n {
		in, z, s, bd := randIncident(r), randZone(r), randSite(r), randBoundary(r)
		checkCodec(t, &in, &Incident{})
		checkCodec(t, &z, &Zone{})
		checkCodec(t, &s, &Site{})
		checkCodec(t, &bd, &Boundary{})
	}
}

type codable interface {
	AppendGeoJSON([]byte) []byte
	AppendBinary([]byte) ([]byte, error)
	UnmarshalBinary([]byte) error
}

func checkCodec(t *testing.T, rec, decoded codable) {
	t.Helper()
	j := rec.AppendGeoJSON(nil)
	if !json.Valid(j) {
		t.Fatalf("AppendGeoJSON wrote invalid JSON: %s", j)
	}
	stored, err := rec.AppendBinary(nil)
	if err != nil {
		if strings.Contains(err.Error(), "is not an area") {
			return // a geometry no area can have, which Validate refuses
		}
		t.Fatalf("AppendBinary: %v", err)
	}
	if err := decoded.UnmarshalBinary(stored); err != nil {
		t.Fatalf("UnmarshalBinary of what AppendBinary wrote: %v\n%s", err, j)
	}
	again, err := decoded.AppendBinary(nil)
	if err != nil || !bytes.Equal(again, stored) {
		t.Fatalf("stored form does not round-trip (%v):\n%q\n%q", err, stored, again)
	}
	if j2 := decoded.AppendGeoJSON(nil); !bytes.Equal(j2, j) && !geometryNormalised(j, j2) {
		t.Fatalf("GeoJSON differs after the stored form:\n%s\n%s", j, j2)
	}
}

// geometryNormalised reports whether two GeoJSON documents differ only in
// their geometry, as the stored form's WKB writes a Ring or Bound as the
// Polygon it is.
func geometryNormalised(a, b []byte) bool {
	var da, db map[string]json.RawMessage
	if json.Unmarshal(a, &da) != nil || json.Unmarshal(b, &db) != nil {
		return false
	}
	delete(da, "geometry")
	delete(db, "geometry")
	return reflect.DeepEqual(da, db)
}

// TestCodecCarriesEveryField sets every exported field of a record of each
// kind, by reflection, to a value other than its zero, and puts the record
// through GeoJSON and through the stored form: a field added to a struct
// but not to its kind's field table in codec.go comes back zero and fails
// here.
func TestCodecCarriesEveryField(t *testing.T) {
	circle := Zone{}
	fill(reflect.ValueOf(&circle).Elem(), 1)
	circle.Area = nil
	area := Zone{}
	fill(reflect.ValueOf(&area).Elem(), 2)
	area.Circle = nil
	in := Incident{}
	fill(reflect.ValueOf(&in).Elem(), 3)
	in.DateEnd = in.Date + 3
	var (
		actor Actor
		site  Site
		bd    Boundary
		stat  Statistic
	)
	fill(reflect.ValueOf(&actor).Elem(), 4)
	fill(reflect.ValueOf(&site).Elem(), 5)
	fill(reflect.ValueOf(&bd).Elem(), 6)
	fill(reflect.ValueOf(&stat).Elem(), 7)

	roundTrip(t, &circle, &Zone{})
	roundTrip(t, &area, &Zone{})
	in.Publish = PublishCoarse
	stored := in
	in.Publication = nil // the server's, never read from GeoJSON
	roundTrip(t, &in, &Incident{})
	roundTripStored(t, &stored, &Incident{})
	roundTrip(t, &actor, &Actor{})
	roundTrip(t, &site, &Site{})
	roundTrip(t, &bd, &Boundary{})
	roundTrip(t, &stat, &Statistic{})
}

type record interface {
	json.Marshaler
	json.Unmarshaler
	AppendBinary([]byte) ([]byte, error)
	UnmarshalBinary([]byte) error
}

func roundTrip[T any, P interface {
	*T
	record
}](t *testing.T, rec P, out P) {
	t.Helper()
	j, err := rec.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := out.UnmarshalJSON(j); err != nil {
		t.Fatalf("%T: UnmarshalJSON: %v\n%s", rec, err, j)
	}
	if !reflect.DeepEqual(*out, *rec) {
		t.Errorf("%T does not survive GeoJSON (a field missing from its codec?):\n got %+v\nwant %+v", rec, *out, *rec)
	}
	roundTripStored(t, rec, out)
}

// roundTripStored checks that rec survives the stored form.
func roundTripStored[T any, P interface {
	*T
	record
}](t *testing.T, rec P, out P) {
	t.Helper()
	b, err := rec.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	var zero T
	*out = zero
	if err := out.UnmarshalBinary(b); err != nil {
		t.Fatalf("%T: UnmarshalBinary: %v", rec, err)
	}
	if !reflect.DeepEqual(*out, *rec) {
		t.Errorf("%T does not survive the stored form (a field missing from its codec?):\n got %+v\nwant %+v", rec, *out, *rec)
	}
}

// fill sets v and everything in it to values derived from seed: strings
// "f<seed>-<n>", numbers, days of 2020, true, one element in each slice, a
// Polygon for a geometry. Every field ends up other than its zero value.
func fill(v reflect.Value, seed int) {
	n := 0
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		n++
		switch v.Kind() {
		case reflect.String:
			v.SetString("f" + string(rune('a'+seed)) + "-" + string(rune('a'+n%26)))
		case reflect.Int, reflect.Int64:
			v.SetInt(int64(seed*100 + n))
		case reflect.Int32: // Day
			v.SetInt(int64(DateOf(2020, 1, 1)) + int64(seed*10+n))
		case reflect.Float64:
			v.SetFloat(float64(seed) + float64(n)/8)
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Struct:
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		case reflect.Slice:
			s := reflect.MakeSlice(v.Type(), 1, 1)
			walk(s.Index(0))
			v.Set(s)
		case reflect.Array: // orb.Point
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Pointer:
			p := reflect.New(v.Type().Elem())
			walk(p.Elem())
			v.Set(p)
		case reflect.Interface: // orb.Geometry
			x, y := float64(seed), float64(n)
			v.Set(reflect.ValueOf(orb.MultiPolygon{{{{x, y}, {x + 1, y}, {x + 1, y + 1}, {x, y}}}}))
		default:
			panic("fill: cannot set a " + v.Type().String())
		}
	}
	walk(v)
}

// TestPublicationIsTheServers: a client cannot send an incident's
// "publication" (the published view's own), and "publish" takes only its
// three overrides.
func TestPublicationIsTheServers(t *testing.T) {
	base := `{"type":"Feature","id":"x","geometry":{"type":"Point","coordinates":[38,35]},"properties":{"date":"2026-01-01","date_precision":"day","type":"battles","actors":[],"precision_m":0,"fatalities_low":0,"fatalities_best":0,"fatalities_high":0,"fatalities_civilians":0,"sources":[{"publisher":"P"}],"status":"reported"`
	var in Incident
	err := in.UnmarshalJSON([]byte(base + `,"publication":{"coarsened":"grid"}}}`))
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != "properties.publication" {
		t.Fatalf("a client's publication: %v", err)
	}
	if err := in.UnmarshalJSON([]byte(base + `,"publish":"hidden"}}`)); err == nil {
		err = in.Validate()
		if !errors.As(err, &ve) || ve.Field != "publish" {
			t.Fatalf("publish hidden: %v", err)
		}
	}
	if err := in.UnmarshalJSON([]byte(base + `,"publish":"withheld"}}`)); err != nil || in.Validate() != nil || in.Publish != PublishWithheld {
		t.Fatalf("publish withheld: %v %v", err, in.Validate())
	}
}
