package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"math"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/geo/synth"
)

// update rewrites the golden files under testdata instead of comparing with
// them. Every golden test of the package shares it.
var update = flag.Bool("update", false, "rewrite testdata golden files")

// encodeSeed seeds the randomised encoder tests; 0 picks one from the clock.
var encodeSeed = flag.Uint64("encode.seed", 0, "seed for randomised encoder tests (0: from the clock)")

// single-feature documents written by encodeFeature start and end with
// these, so the feature's own bytes can be cut out.
const (
	oneFeaturePrefix = `{"type":"FeatureCollection","numberReturned":1,"features":[`
	oneFeatureSuffix = "]}\n"
)

// encodeFeature writes one feature with write into a collection and returns
// the feature's bytes, or the error write returned.
func encodeFeature(t testing.TB, write func(*featureWriter) error) ([]byte, error) {
	t.Helper()
	var out bytes.Buffer
	fw := newFeatureWriter(&out)
	if err := fw.Begin(collectionHeader{NumberMatched: -1, NumberReturned: 1}); err != nil {
		t.Fatal(err)
	}
	if err := write(fw); err != nil {
		return nil, err
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.HasPrefix(s, oneFeaturePrefix) || !strings.HasSuffix(s, oneFeatureSuffix) {
		t.Fatalf("collection framing is wrong: %q", s)
	}
	return []byte(s[len(oneFeaturePrefix) : len(s)-len(oneFeatureSuffix)]), nil
}

// sameAsMarshal fails unless the streamed feature and geo's MarshalJSON of
// the same record decode to deep-equal values (the contract) and are the
// same bytes (which also proves the escaping that decoding cannot see:
// "<" versus "\u003c"). Both failing is agreement too.
func sameAsMarshal(t *testing.T, name string, want []byte, wantErr error, write func(*featureWriter) error) {
	t.Helper()
	got, err := encodeFeature(t, write)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%s: stream error %v, MarshalJSON error %v", name, err, wantErr)
	}
	if err != nil {
		return
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: streamed feature is not JSON: %v\n%s", name, err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: MarshalJSON output is not JSON: %v", name, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s: decoded values differ\nstream:  %s\nmarshal: %s", name, got, want)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: bytes differ\nstream:  %s\nmarshal: %s", name, got, want)
	}
}

func checkIncident(t *testing.T, name string, in geo.Incident) {
	t.Helper()
	want, err := in.MarshalJSON()
	sameAsMarshal(t, name, want, err, func(fw *featureWriter) error { return fw.WriteIncident(&in) })
}

func checkZone(t *testing.T, name string, z geo.Zone) {
	t.Helper()
	want, err := z.MarshalJSON()
	sameAsMarshal(t, name, want, err, func(fw *featureWriter) error { return fw.WriteZone(&z) })
}

func checkSite(t *testing.T, name string, s geo.Site) {
	t.Helper()
	want, err := s.MarshalJSON()
	sameAsMarshal(t, name, want, err, func(fw *featureWriter) error { return fw.WriteSite(&s) })
}

func checkBoundary(t *testing.T, name string, b geo.Boundary) {
	t.Helper()
	want, err := b.MarshalJSON()
	sameAsMarshal(t, name, want, err, func(fw *featureWriter) error { return fw.WriteBoundary(&b) })
}

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

// TestAppendFloatLikeJSON compares appendFloat with encoding/json on
// numbers at and around appendMicros' bounds and on random ones of both
// paths.
func TestAppendFloatLikeJSON(t *testing.T) {
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
			fw := &featureWriter{}
			if got := fw.appendFloat(nil, v); string(got) != string(want) {
				t.Fatalf("appendFloat(%v) = %s, encoding/json writes %s", v, got, want)
			}
		}
	}
}

// TestJSONSafeStringLikeTable puts every byte at every position of strings
// of 1 to 20 bytes and checks jsonSafeString against the jsonSafe table.
func TestJSONSafeStringLikeTable(t *testing.T) {
	for n := 1; n <= 20; n++ {
		for pos := range n {
			for c := range 256 {
				b := []byte(strings.Repeat("a", n))
				b[pos] = byte(c)
				if got := jsonSafeString(string(b)); got != jsonSafe[c] {
					t.Fatalf("jsonSafeString(%q) = %v, want %v", b, got, jsonSafe[c])
				}
			}
		}
	}
}

func randDay(r *rand.Rand) geo.Day {
	switch r.IntN(6) {
	case 0:
		return geo.OpenStart
	case 1:
		return geo.OpenEnd
	case 2:
		return geo.Day(r.Int32()) // far outside years 1000-9999
	case 3:
		return 0
	}
	return geo.DateOf(2017, 1, 1) + geo.Day(r.IntN(4000))
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

func randSources(r *rand.Rand) []geo.Source {
	if r.IntN(4) == 0 {
		return nil
	}
	srcs := make([]geo.Source, r.IntN(3))
	for i := range srcs {
		srcs[i] = geo.Source{Publisher: randString(r), Title: randString(r), URL: randString(r), Note: randString(r)}
		if r.IntN(2) == 0 {
			srcs[i].Published = randDay(r)
		}
	}
	return srcs
}

func randIncident(r *rand.Rand) geo.Incident {
	in := geo.Incident{
		ID: geo.IncidentID(randString(r)), Date: randDay(r), DatePrecision: geo.DatePrecision(randString(r)),
		Type: geo.EventType(randString(r)), SubType: geo.SubType(randString(r)),
		Location: randPoint(r), PrecisionMeters: randFloat(r), Place: randString(r), Governorate: randString(r),
		Fatalities:  geo.Fatalities{Low: r.IntN(10), Best: r.IntN(100), High: r.IntN(1 << 40), Civilians: -r.IntN(5)},
		Description: randString(r), Sources: randSources(r), Status: geo.IncidentStatus(randString(r)),
		Origin: geo.Origin{Dataset: randString(r), ID: randString(r)},
	}
	in.DateEnd = in.Date
	if r.IntN(2) == 0 {
		in.DateEnd = randDay(r)
	}
	for range r.IntN(4) {
		in.Actors = append(in.Actors, geo.IncidentActor{
			Actor: geo.ActorID(randString(r)), Name: randString(r), Role: geo.ActorRole(randString(r)),
		})
	}
	return in
}

func randZone(r *rand.Rand) geo.Zone {
	z := geo.Zone{
		ID: geo.ZoneID(randString(r)), Name: randString(r), Actor: geo.ActorID(randString(r)),
		Status: geo.ZoneStatus(randString(r)), Valid: geo.Interval{From: randDay(r), To: randDay(r)},
		Approximate: r.IntN(2) == 0, Sources: randSources(r), Notes: randString(r),
	}
	if r.IntN(2) == 0 {
		z.UncertaintyMeters = randFloat(r)
	}
	switch r.IntN(3) {
	case 0:
		z.Circle = &geo.Circle{
			Center:       orb.Point{(r.Float64() - 0.5) * 360, (r.Float64() - 0.5) * 180},
			RadiusMeters: r.Float64() * geo.MaxRadiusMeters,
		}
	case 1:
		z.Area = randPolygon(r)
	default:
		z.Area = randGeometry(r, 0)
	}
	return z
}

func randSite(r *rand.Rand) geo.Site {
	s := geo.Site{
		ID: geo.SiteID(randString(r)), Name: randString(r), NameAR: randString(r), Kind: geo.SiteKind(randString(r)),
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

func randBoundary(r *rand.Rand) geo.Boundary {
	return geo.Boundary{
		ID: randString(r), Name: randString(r), NameAR: randString(r), Level: geo.BoundaryLevel(randString(r)),
		Area: randGeometry(r, 0), Source: randString(r),
	}
}

// TestEncodeMatchesMarshalJSON compares the stream with geo's MarshalJSON
// over random records of every kind.
func TestEncodeMatchesMarshalJSON(t *testing.T) {
	seed := *encodeSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -encode.seed=%d)", seed, seed)
	r := rand.New(rand.NewPCG(seed, seed>>32))
	n := 1000
	if testing.Short() {
		n = 100
	}
	for range n {
		checkIncident(t, "random incident", randIncident(r))
		checkZone(t, "random zone", randZone(r))
		checkSite(t, "random site", randSite(r))
		checkBoundary(t, "random boundary", randBoundary(r))
	}
}

// goldenRecords are fixed records in the shape of the curated data: the
// Al-Tanf circle, a polygon with a hole, a multipolygon, and an incident
// with disagreeing sources and hostile text.
func goldenRecords() ([]geo.Zone, []geo.Incident, []geo.Site, []geo.Boundary) {
	ring := orb.Ring{{38.0, 34.0}, {39.0, 34.0}, {39.0, 35.0}, {38.0, 35.0}, {38.0, 34.0}}
	hole := orb.Ring{{38.2, 34.2}, {38.2, 34.4}, {38.4, 34.4}, {38.4, 34.2}, {38.2, 34.2}}
	zones := []geo.Zone{
		{
			ID: "al-tanf-deconfliction", Name: "Al-Tanf 55 km deconfliction zone", Actor: "us-led-coalition",
			Status: geo.StatusDeconfliction, Circle: &geo.Circle{Center: orb.Point{38.6167, 33.5}, RadiusMeters: 55000},
			Valid:       geo.Interval{From: geo.DateOf(2016, 3, 1), To: geo.OpenEnd},
			Approximate: true, UncertaintyMeters: 2500,
			Sources: []geo.Source{{Publisher: "Reuters", Title: "U.S. forces \"55-km\" zone <al-Tanf>", URL: "https://example.org/a?b=1&c=2", Published: geo.DateOf(2025, 12, 1)}},
		},
		{
			ID: "sdf-2026-01", Actor: "sdf", Status: geo.StatusControl, Area: orb.Polygon{ring, hole},
			Valid:   geo.Interval{From: geo.OpenStart, To: geo.DateOf(2026, 1, 31)},
			Sources: []geo.Source{{Publisher: "Frontline"}}, Notes: "approximate line\nfrom reports",
		},
		{
			ID: "badiya-presence", Actor: "isis", Status: geo.StatusPresence,
			Area:    orb.MultiPolygon{{ring}, {{{40, 34}, {41, 34}, {41, 35}, {40, 34}}}},
			Valid:   geo.Always,
			Sources: nil,
		},
	}
	incidents := []geo.Incident{
		{
			ID: "shaddadi-prison-escape-2026-01", Date: geo.DateOf(2026, 1, 19), DateEnd: geo.DateOf(2026, 1, 21),
			DatePrecision: geo.PrecisionDay, Type: geo.StrategicDevelopments, SubType: "prison_break",
			Actors: []geo.IncidentActor{
				{Actor: "isis", Name: "الدولة الإسلامية", Role: geo.RolePerpetrator},
				{Name: "prison guards", Role: geo.RoleTarget},
			},
			Location: orb.Point{40.5436, 36.0559}, PrecisionMeters: 1000, Place: "al-Shaddadi", Governorate: "Al-Hasakeh",
			Fatalities:  geo.Fatalities{Low: 3, Best: 5, High: 12, Civilians: 1},
			Description: "Detainees escaped; <b>figures</b> disagree & sources\u2028differ.",
			Sources: []geo.Source{
				{Publisher: "SOHR", Note: "says 12 killed"},
				{Publisher: "Reuters", URL: "https://example.org/x", Published: geo.DateOf(2026, 1, 20)},
			},
			Status: geo.Disputed, Origin: geo.Origin{Dataset: "frontline", ID: "2026-001"},
		},
		{
			ID: "ucdp-186940", Date: geo.DateOf(2017, 5, 2), DateEnd: geo.DateOf(2017, 5, 2),
			DatePrecision: geo.PrecisionDay, Type: geo.Battles, Location: orb.Point{-0.000001, 1e-7},
			Status: geo.Reported, Origin: geo.Origin{Dataset: "ucdp", ID: "186940"},
			Sources: []geo.Source{{Publisher: "UCDP GED 23.1"}},
		},
	}
	sites := []geo.Site{{
		ID: "al-tanf-base", Name: "Al-Tanf garrison", NameAR: "التنف", AltNames: []string{"At Tanf", "al-Tanf"},
		Kind: geo.SiteBase, Location: orb.Point{38.6167, 33.5}, Governorate: "Homs",
		Sources: []geo.Source{{Publisher: "Gazetteer"}},
	}}
	boundaries := []geo.Boundary{{
		ID: "SY09", Name: "Deir-ez-Zor", NameAR: "دير الزور", Level: geo.LevelGovernorate,
		Area: orb.Polygon{ring}, Source: "OCHA COD-AB",
	}}
	return zones, incidents, sites, boundaries
}

// TestEncodeGolden writes the fixed records as one collection, checks each
// feature against MarshalJSON, and compares the document with the golden
// file, so a change to the output format is visible in review.
func TestEncodeGolden(t *testing.T) {
	zones, incidents, sites, boundaries := goldenRecords()
	for _, z := range zones {
		checkZone(t, string(z.ID), z)
	}
	for _, in := range incidents {
		checkIncident(t, string(in.ID), in)
	}
	for _, s := range sites {
		checkSite(t, string(s.ID), s)
	}
	for _, b := range boundaries {
		checkBoundary(t, b.ID, b)
	}

	var out bytes.Buffer
	fw := newFeatureWriter(&out)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// The circle zone is checked above but kept out of the golden file: its
	// drawn vertices come from trigonometry, whose last digits may differ
	// on platforms that fuse multiply-adds.
	zones = zones[1:]
	must(fw.Begin(collectionHeader{
		NumberMatched:  42,
		NumberReturned: len(zones) + len(incidents) + len(sites) + len(boundaries),
		TimeStamp:      time.Date(2026, 1, 31, 12, 30, 15, 999, time.FixedZone("AST", 3*3600)),
		DatasetVersion: "v17-<abc>",
		Links: []link{
			{Href: "/api/collections/incidents/items?limit=10&offset=10", Rel: "next", Type: contentTypeGeoJSON, Title: "Next page"},
			{Href: "/api/collections/incidents/items?limit=10", Rel: "self"},
		},
	}))
	for i := range zones {
		must(fw.WriteZone(&zones[i]))
	}
	for i := range incidents {
		must(fw.WriteIncident(&incidents[i]))
	}
	for i := range sites {
		must(fw.WriteSite(&sites[i]))
	}
	for i := range boundaries {
		must(fw.WriteBoundary(&boundaries[i]))
	}
	must(fw.Close())

	var doc struct {
		Type           string            `json:"type"`
		NumberMatched  int               `json:"numberMatched"`
		NumberReturned int               `json:"numberReturned"`
		TimeStamp      string            `json:"timeStamp"`
		DatasetVersion string            `json:"datasetVersion"`
		Links          []link            `json:"links"`
		Features       []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("collection is not JSON: %v\n%s", err, out.Bytes())
	}
	if doc.Type != "FeatureCollection" || doc.NumberMatched != 42 || doc.NumberReturned != 6 || len(doc.Features) != 6 ||
		doc.TimeStamp != "2026-01-31T09:30:15Z" || doc.DatasetVersion != "v17-<abc>" || len(doc.Links) != 2 || doc.Links[1].Type != "" {
		t.Errorf("collection members wrong: %+v", doc)
	}
	var in geo.Incident
	if err := json.Unmarshal(doc.Features[2], &in); err != nil || !reflect.DeepEqual(in, incidents[0]) {
		t.Errorf("incident does not decode back: %v\ngot  %+v\nwant %+v", err, in, incidents[0])
	}

	golden := filepath.Join("testdata", "encode_golden.geojson")
	if *update {
		must(os.MkdirAll("testdata", 0o755))
		must(os.WriteFile(golden, out.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	must(err)
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("output differs from %s (run with -update if the change is intended)\ngot:\n%s", golden, out.Bytes())
	}
}

func TestEncodeUnencodable(t *testing.T) {
	zones, incidents, _, _ := goldenRecords()
	nan := incidents[0]
	nan.PrecisionMeters = math.NaN()
	inf := zones[1]
	inf.UncertaintyMeters = math.Inf(1)
	tests := []struct {
		name  string
		write func(*featureWriter) error
	}{
		{"NaN precision", func(fw *featureWriter) error { return fw.WriteIncident(&nan) }},
		{"infinite uncertainty", func(fw *featureWriter) error { return fw.WriteZone(&inf) }},
		{"NaN coordinate", func(fw *featureWriter) error {
			b := geo.Boundary{ID: "x", Area: orb.Polygon{{{1, 2}, {math.NaN(), 3}}}}
			return fw.WriteBoundary(&b)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			fw := newFeatureWriter(&out)
			if err := fw.Begin(collectionHeader{NumberMatched: -1}); err != nil {
				t.Fatal(err)
			}
			err := tt.write(fw)
			if err == nil || !strings.Contains(err.Error(), "NaN or infinite") {
				t.Fatalf("error = %v, want one about NaN or infinite numbers", err)
			}
			if fw.Close() != err || fw.Flush() != err {
				t.Error("the error is not sticky")
			}
			if strings.Contains(out.String(), `"Feature"`) {
				t.Errorf("part of the unencodable feature was written: %s", out.String())
			}
		})
	}
}

func TestEncodeOrderAndCount(t *testing.T) {
	_, incidents, _, _ := goldenRecords()
	tests := []struct {
		name    string
		run     func(*featureWriter) error
		wantErr string
	}{
		{"feature before Begin", func(fw *featureWriter) error { return fw.WriteIncident(&incidents[0]) }, "out of order"},
		{"Close before Begin", func(fw *featureWriter) error { return fw.Close() }, "out of order"},
		{"Begin twice", func(fw *featureWriter) error {
			_ = fw.Begin(collectionHeader{})
			return fw.Begin(collectionHeader{})
		}, "out of order"},
		{"feature after Close", func(fw *featureWriter) error {
			_ = fw.Begin(collectionHeader{})
			_ = fw.Close()
			return fw.WriteIncident(&incidents[0])
		}, "out of order"},
		{"fewer than announced", func(fw *featureWriter) error {
			_ = fw.Begin(collectionHeader{NumberReturned: 2})
			_ = fw.WriteIncident(&incidents[0])
			return fw.Close()
		}, "wrote 1 features after announcing numberReturned 2"},
		{"hits: none announced, none written", func(fw *featureWriter) error {
			_ = fw.Begin(collectionHeader{NumberMatched: 1000})
			return fw.Close()
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(newFeatureWriter(&bytes.Buffer{}))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// errWriter fails every write, like a connection the client has closed.
type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

func TestEncodeWriteErrorIsSticky(t *testing.T) {
	broken := errors.New("connection reset")
	fw := newFeatureWriter(errWriter{broken})
	if err := fw.Begin(collectionHeader{}); err != nil {
		t.Fatal(err) // buffered, not yet written
	}
	if err := fw.Flush(); !errors.Is(err, broken) {
		t.Fatalf("Flush = %v, want %v", err, broken)
	}
	_, incidents, _, _ := goldenRecords()
	if err := fw.WriteIncident(&incidents[0]); !errors.Is(err, broken) {
		t.Errorf("WriteIncident after a failed write = %v", err)
	}
}

func TestEncodeFlushReachesClient(t *testing.T) {
	rec := httptest.NewRecorder()
	fw := newFeatureWriter(rec)
	_, incidents, _, _ := goldenRecords()
	if err := fw.Begin(collectionHeader{NumberReturned: 1}); err != nil {
		t.Fatal(err)
	}
	if err := fw.WriteIncident(&incidents[0]); err != nil {
		t.Fatal(err)
	}
	if rec.Body.Len() != 0 {
		t.Fatal("wrote before Flush; the buffer is not buffering")
	}
	if err := fw.Flush(); err != nil {
		t.Fatal(err)
	}
	if !rec.Flushed || !strings.Contains(rec.Body.String(), "shaddadi") {
		t.Errorf("Flush did not reach the client: flushed %v, body %q", rec.Flushed, rec.Body.String())
	}
}

// benchCollection is the collection json.Marshal writes for the benchmark's
// comparison; its fields are in featureWriter's order, so the two outputs
// are the same bytes.
type benchCollection struct {
	Type           string         `json:"type"`
	NumberMatched  int            `json:"numberMatched"`
	NumberReturned int            `json:"numberReturned"`
	Features       []geo.Incident `json:"features"`
}

// benchIncidents is the benchmark's data: the project's synthetic workload.
func benchIncidents(n int) []geo.Incident { return synth.Incidents(n, 1) }

func streamIncidents(w *bytes.Buffer, incs []geo.Incident) error {
	fw := newFeatureWriter(w)
	if err := fw.Begin(collectionHeader{NumberMatched: len(incs), NumberReturned: len(incs)}); err != nil {
		return err
	}
	for i := range incs {
		if err := fw.WriteIncident(&incs[i]); err != nil {
			return err
		}
	}
	return fw.Close()
}

// TestEncodeIncidentsLikeJSONMarshal is the correctness test for
// BenchmarkEncodeIncidents, on data from the same generator (a fifth as
// many, so that the race detector's run stays short): the whole streamed
// document is the bytes json.Marshal writes for it.
func TestEncodeIncidentsLikeJSONMarshal(t *testing.T) {
	n := 20_000
	if testing.Short() {
		n = 2_000
	}
	incs := benchIncidents(n)
	streamsLikeJSONMarshal(t, incs)
}

// TestEncodeRandomStreamLikeJSONMarshal streams random incidents through
// one writer, so that its caches of safe strings and of the last date
// carry from feature to feature, and compares the document with
// json.Marshal's. Values come mostly from a small pool, so they repeat and
// share cache slots with values that need escaping; the first records put
// a safe value and an unsafe one of the same slot (same length, first and
// last byte) in turn in every cached field.
func TestEncodeRandomStreamLikeJSONMarshal(t *testing.T) {
	seed := *encodeSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -encode.seed=%d)", seed, seed)
	r := rand.New(rand.NewPCG(seed, seed>>33))
	var incs []geo.Incident
	for _, v := range []string{"a-a", "a<a", "a-a", "a\u2028a", "a&a", "a-a"} {
		in := randIncident(r)
		in.DatePrecision, in.Type, in.SubType, in.Status = geo.DatePrecision(v), geo.EventType(v), geo.SubType(v), geo.IncidentStatus(v)
		in.Place, in.Governorate, in.Description, in.Origin.Dataset = v, v, v, v
		in.Actors = []geo.IncidentActor{{Actor: geo.ActorID(v), Name: v, Role: geo.ActorRole(v)}}
		in.Sources = []geo.Source{{Publisher: v, Title: v, Note: v}}
		incs = append(incs, in)
	}
	for range 3000 {
		incs = append(incs, randIncident(r))
	}
	streamsLikeJSONMarshal(t, incs)
}

// streamsLikeJSONMarshal fails t unless incs streamed as one
// FeatureCollection are the bytes json.Marshal writes for it, naming the
// first byte that differs.
func streamsLikeJSONMarshal(t *testing.T, incs []geo.Incident) {
	t.Helper()
	var got bytes.Buffer
	if err := streamIncidents(&got, incs); err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(benchCollection{"FeatureCollection", len(incs), len(incs), incs})
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	if !bytes.Equal(got.Bytes(), want) {
		i := 0
		for i < min(got.Len(), len(want)) && got.Bytes()[i] == want[i] {
			i++
		}
		t.Fatalf("stream and json.Marshal differ at byte %d:\nstream:  %.200s\nmarshal: %.200s", i, got.Bytes()[i:], want[i:])
	}
}

func TestEncodeIncidentAllocatesNothing(t *testing.T) {
	incs := benchIncidents(1000)
	fw := newFeatureWriter(&discard{})
	if err := fw.Begin(collectionHeader{NumberMatched: -1}); err != nil {
		t.Fatal(err)
	}
	i := 0
	allocs := testing.AllocsPerRun(5000, func() {
		_ = fw.WriteIncident(&incs[i%len(incs)])
		i++
	})
	if allocs != 0 {
		t.Errorf("WriteIncident allocates %.2f times per incident, want 0", allocs)
	}
}

// discard is io.Discard without the ReaderFrom that would make bufio skip
// its buffer, so benchmarks measure the real path.
type discard struct{ n int64 }

func (d *discard) Write(p []byte) (int, error) {
	d.n += int64(len(p))
	return len(p), nil
}

// BenchmarkEncodeIncidents streams 100k synthetic incidents as one
// collection, against json.Marshal of the same collection. ns/op is per
// collection; features/s is the figure the 2 million target is
// about.
func BenchmarkEncodeIncidents(b *testing.B) {
	const n = 100_000
	incs := benchIncidents(n)
	var size bytes.Buffer
	if err := streamIncidents(&size, incs); err != nil {
		b.Fatal(err)
	}
	report := func(b *testing.B) {
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "features/s")
	}

	b.Run("stream", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(size.Len()))
		for b.Loop() {
			d := &discard{}
			fw := newFeatureWriter(d)
			if err := fw.Begin(collectionHeader{NumberMatched: n, NumberReturned: n}); err != nil {
				b.Fatal(err)
			}
			for i := range incs {
				if err := fw.WriteIncident(&incs[i]); err != nil {
					b.Fatal(err)
				}
			}
			if err := fw.Close(); err != nil {
				b.Fatal(err)
			}
		}
		report(b)
	})
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(size.Len()))
		for b.Loop() {
			out, err := json.Marshal(benchCollection{"FeatureCollection", n, n, incs})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := (&discard{}).Write(out); err != nil {
				b.Fatal(err)
			}
		}
		report(b)
	})
}

// TestEncodeReleasedWriterStartsClean checks that a writer released after
// a document, or after a failed write, writes the next document exactly as
// a fresh one: nothing of the last document, its state or its error is
// kept.
func TestEncodeReleasedWriterStartsClean(t *testing.T) {
	_, incidents, _, _ := goldenRecords()
	doc := func(fw *featureWriter, out io.Writer) []byte {
		var b bytes.Buffer
		fw.dst = &b
		if out != nil {
			fw.dst = out
		}
		_ = fw.Begin(collectionHeader{NumberMatched: len(incidents), NumberReturned: len(incidents), DatasetVersion: "v.1"})
		for i := range incidents {
			_ = fw.WriteIncident(&incidents[i])
		}
		if err := fw.Close(); err != nil && out == nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	want := doc(&featureWriter{}, nil)
	for round := range 3 {
		fw := newFeatureWriter(nil)
		if round == 1 {
			doc(fw, errWriter{errors.New("connection reset")})
			fw.release()
			fw = newFeatureWriter(nil)
		}
		if got := doc(fw, nil); !bytes.Equal(got, want) {
			t.Fatalf("round %d: a reused writer wrote\n%.300s\nwant\n%.300s", round, got, want)
		}
		fw.release()
	}
}
