package geo_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"testing"
	"testing/iotest"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/internal/fuzzguard"
)

// FuzzNormalizeArea feeds GeoJSON geometries to NormalizeArea and
// PrepareRegion. Neither may panic; when the geometry is accepted, Contains
// and Relate may not panic either, and for small geometries Contains must
// agree with the brute-force oracle at vertices, edge midpoints and around.
func FuzzNormalizeArea(f *testing.F) {
	for _, s := range []string{
		`{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,4],[0,0]],[[1,1],[1,3],[3,3],[3,1],[1,1]]]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[0,4],[4,4],[4,0],[0,0]]]}`,
		`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[2,0],[3,0],[3,1],[2,0]]]]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[2,2],[2,0],[0,2],[0,0]]]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[2,2],[0,4],[0,0]]]}`,
		`{"type":"Polygon","coordinates":[[[179.9,-90],[180,-90],[180,90],[179.9,-90]]]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,0],[2,0],[2,2],[0,0]]]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[1e-300,0],[0,1e-300],[0,0]]]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]}`,
		`{"type":"Polygon","coordinates":[]}`,
		`{"type":"MultiPolygon","coordinates":[]}`,
		`{"type":"Point","coordinates":[36.29194,33.51306]}`,
		`{"type":"GeometryCollection","geometries":[]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		defer fuzzguard.Start(t)()
		g, err := geojson.UnmarshalGeometry(b)
		if err != nil {
			return
		}
		norm, err := geo.NormalizeArea(g.Geometry())
		r, perr := geo.PrepareRegion(g.Geometry())
		if (err == nil) != (perr == nil) {
			t.Fatalf("NormalizeArea error %v but PrepareRegion error %v", err, perr)
		}
		if err != nil {
			return
		}
		polys := polygonsOf(norm)
		var probes []orb.Point
		vertices := 0
		for _, p := range polys {
			for _, ring := range p {
				vertices += len(ring)
				for i := 0; i+1 < len(ring); i++ {
					a, c := ring[i], ring[i+1]
					probes = append(probes, a, orb.Point{(a[0] + c[0]) / 2, (a[1] + c[1]) / 2},
						orb.Point{math.Nextafter(a[0], math.Inf(1)), a[1]})
				}
			}
		}
		bd := r.Bound()
		probes = append(probes, bd.Min, bd.Max, bd.Center(), orb.Point{math.NaN(), 0})
		check := vertices <= 200
		for _, p := range probes {
			got := r.Contains(p)
			if check {
				if want := bruteContains(polys, p); got != want {
					t.Fatalf("Contains(%v) = %v, oracle %v\ngeometry %v", p, got, want, norm)
				}
			}
		}
		for _, box := range []orb.Bound{bd, bd.Pad(1), {Min: bd.Center(), Max: bd.Max}, {Min: bd.Max, Max: bd.Min}} {
			rel := r.Relate(box)
			if !check || rel == geo.Crosses {
				continue
			}
			for _, p := range []orb.Point{box.Min, box.Max, box.Center()} {
				if in := bruteContains(polys, p); box.Min[0] <= box.Max[0] && in != (rel == geo.Within) {
					t.Fatalf("Relate(%v) = %v but the oracle says %v at %v\ngeometry %v", box, rel, in, p, norm)
				}
			}
		}
	})
}

// FuzzDecodeFeature decodes bytes as a Zone, an Incident and a Site. Nothing
// may panic, and a record that decodes and validates must encode and decode
// again to the same record (compared by its encoding).
func FuzzDecodeFeature(f *testing.F) {
	for _, v := range []any{validZone(), validIncident(), validSite()} {
		b, err := json.Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	circle := validZone()
	circle.Area, circle.Circle = nil, &geo.Circle{Center: alTanf, RadiusMeters: 55_000}
	circle.Valid = geo.Always
	b, err := json.Marshal(circle)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"type":"Feature","id":"syn-1","geometry":{"type":"Point","coordinates":[36.29194,33.51306]},"properties":{"date":"2026-01-20","date_precision":"day","type":"battles","actors":[],"precision_m":0,"fatalities_low":0,"fatalities_best":0,"fatalities_high":0,"fatalities_civilians":0,"sources":[],"status":"reported","origin":"synthetic"}}`))
	f.Add([]byte(`{"type":"Feature","id":"x","geometry":null,"properties":null}`))
	f.Add([]byte(`{"type":"Feature","id":"x","geometry":{"type":"Point","coordinates":[1e400,0]},"properties":{}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		defer fuzzguard.Start(t)()
		var z geo.Zone
		if z.UnmarshalJSON(b) == nil && z.Validate() == nil {
			reencode(t, z, new(geo.Zone))
		}
		var in geo.Incident
		if in.UnmarshalJSON(b) == nil && in.Validate() == nil {
			reencode(t, in, new(geo.Incident))
		}
		var s geo.Site
		if s.UnmarshalJSON(b) == nil && s.Validate() == nil {
			reencode(t, s, new(geo.Site))
		}
	})
}

// reencode checks that v encodes, decodes into into, still validates, and
// encodes to the same bytes again.
func reencode[T interface {
	Validate() error
}](t *testing.T, v T, into interface {
	UnmarshalJSON([]byte) error
}) {
	t.Helper()
	b1, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("Marshal of a valid %T: %v", v, err)
	}
	if err := into.UnmarshalJSON(b1); err != nil {
		t.Fatalf("decoding our own encoding %s: %v", b1, err)
	}
	again := any(into).(interface{ Validate() error })
	if err := again.Validate(); err != nil {
		t.Fatalf("re-decoded record is invalid: %v\n%s", err, b1)
	}
	b2, err := json.Marshal(into)
	if err != nil {
		t.Fatalf("Marshal after round trip: %v", err)
	}
	if !bytes.Equal(b1, b2) {
		t.Fatalf("round trip changed the record:\n%s\n%s", b1, b2)
	}
}

// FuzzReadFeatures reads a FeatureCollection whose features array holds
// arbitrary bytes. ReadFeatures must refuse what json.Valid refuses and
// accept a valid collection whose only members are "type" and "features";
// what it accepts must be valid JSON, and the values it hands out must be
// the array's elements, in order.
func FuzzReadFeatures(f *testing.F) {
	for _, s := range []string{``, `{"type":"Feature"}`, `{"a":[1,{"b":"]"}]}, 2, "x\"]"`, `{"a":tru}`,
		"\"\xff\"", `01`, `{"a":1,}`, `1 2`, "\"\x01\"", `"\ud800"`, `1.`, `[]]`, `], "type": "FeatureCollection", "x": [`, `0`, `true`, `1,,2`, `1,`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, elems []byte) {
		defer fuzzguard.Start(t)()
		doc := append(append([]byte(`{"type":"FeatureCollection","features":[`), elems...), "]}"...)
		read := func(r io.Reader) ([]json.RawMessage, error) {
			var got []json.RawMessage
			err := geo.ReadFeatures(r, func(_, _ int, raw json.RawMessage) error {
				got = append(got, bytes.Clone(raw))
				return nil
			})
			return got, err
		}
		got, err := read(bytes.NewReader(doc))
		// Read a byte at a time, every value spans reads.
		got1, err1 := read(iotest.OneByteReader(bytes.NewReader(doc)))
		if fmt.Sprint(got, err) != fmt.Sprint(got1, err1) {
			t.Fatalf("%q: read whole %q, %v; a byte at a time %q, %v", doc, got, err, got1, err1)
		}
		valid := json.Valid(doc)
		switch {
		case err == nil && !valid:
			t.Fatalf("accepted malformed JSON %q", doc)
		case err != nil && !valid:
			var ve *geo.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("malformed JSON %q: error %v, want a *ValidationError", doc, err)
			}
		case err != nil && onlyTypeAndFeatures(doc):
			t.Fatalf("refused %q: %v", doc, err)
		case err == nil:
			var want struct{ Features []json.RawMessage }
			if err := json.Unmarshal(doc, &want); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want.Features) {
				t.Fatalf("%q: %d features, want %d", doc, len(got), len(want.Features))
			}
			for i := range got {
				if !bytes.Equal(got[i], want.Features[i]) {
					t.Fatalf("%q: feature %d is %q, want %q", doc, i, got[i], want.Features[i])
				}
			}
		}
	})
}

// onlyTypeAndFeatures reports whether doc, valid JSON, is an object with
// exactly the members "type" ("FeatureCollection") and "features" (an
// array), once each.
func onlyTypeAndFeatures(doc []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(doc))
	if _, err := dec.Token(); err != nil {
		return false
	}
	seen := map[string]json.RawMessage{}
	for dec.More() {
		k, err := dec.Token()
		var v json.RawMessage
		if err != nil || dec.Decode(&v) != nil {
			return false
		}
		key, _ := k.(string)
		if _, dup := seen[key]; dup {
			return false
		}
		seen[key] = v
	}
	return len(seen) == 2 && string(seen["type"]) == `"FeatureCollection"` &&
		len(seen["features"]) > 0 && seen["features"][0] == '['
}
