package geo

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/frontline-maps/frontline/internal/fuzzguard"
)

// fastSeeds are features the fast path takes and ones it must leave to
// encoding/json.
var fastSeeds = []string{
	`{"type":"Feature","id":"syn-1","geometry":{"type":"Point","coordinates":[36.29194,33.51306]},"properties":{"date":"2026-01-20","date_precision":"day","type":"battles","actors":[{"actor":"sdf","name":"Syrian Democratic Forces","role":"perpetrator"},{"name":"Unidentified armed group","role":"target"}],"precision_m":10000,"fatalities_low":1,"fatalities_best":2,"fatalities_high":3,"fatalities_civilians":0,"description":"synthetic","sources":[],"status":"reported","origin":"synthetic","origin_id":"0000001"}}`,
	`{"type":"Feature","id":"x","bbox":[1,2,3,4],"geometry":{"type":"Point","coordinates":[-0.0,1e-7]},"properties":{"date":"2017-05-02","date_end":null,"date_precision":"day","type":"battles","actors":[],"precision_m":0,"place":"al-\u0160addadi \"q\" \\ /","fatalities_low":0,"fatalities_best":0,"fatalities_high":0,"fatalities_civilians":0,"sources":[{"publisher":"UCDP GED 23.1","published":"2023-06-01","url":"https://ucdp.uu.se/event/1","note":"n"}],"status":"reported"}}`,
	`{"type":"Feature","id":"s","geometry":{"type":"Point","coordinates":[38.6,33.5]},"properties":{"name":"Al-Tanf","name_ar":"التنف","alt_names":["At Tanf"],"kind":"base","sources":[{"publisher":"G"}]}}`,
	`{"type":"Feature","id":"x","geometry":{"type":"Point","coordinates":[1,2,3]},"properties":{}}`,
	`{"type":"Feature","ID":"y","id":"x","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"Date":"2020-01-01"}}`,
	`{"type":"Feature","id":"x","geometry":null,"properties":{"fatalities_low":1.0,"date":"2020-02-30"}}`,
	`{"type":"Feature","id":"x","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"place":"\ud83c\uddf8","sources":[null],"actors":[null]}}`,
}

// FuzzFastDecodeFeature: whatever feature the fast path takes, the
// encoding/json path takes too and decodes to the same record.
func FuzzFastDecodeFeature(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		defer fuzzguard.Start(t)()
		sameDecoding(t, incidentCodec, b)
		sameDecoding(t, siteCodec, b)
	})
}

// TestFastDecodeSeeds runs the fuzz target's check on its seeds, and
// checks that the fast path takes the ordinary features.
func TestFastDecodeSeeds(t *testing.T) {
	for i, s := range fastSeeds {
		sameDecoding(t, incidentCodec, []byte(s))
		sameDecoding(t, siteCodec, []byte(s))
		var in Incident
		if i < 2 && !incidentCodec.fastDecode(&in, s) {
			t.Errorf("seed %d: the fast path does not take an ordinary incident", i)
		}
	}
	in := Incident{ID: "a", Date: DateOf(2026, 1, 19), DateEnd: DateOf(2026, 1, 21), DatePrecision: PrecisionDay, Type: Battles,
		Actors:   []IncidentActor{{Actor: "isis", Name: "الدولة", Role: RolePerpetrator}},
		Location: [2]float64{40.5, 36.05}, Place: "<b>&", Sources: []Source{{Publisher: "R", Note: "line\u2028sep"}}, Status: Reported}
	b, _ := json.Marshal(in)
	var got Incident
	if !incidentCodec.fastDecode(&got, string(b)) || !reflect.DeepEqual(got, in) {
		t.Errorf("the fast path does not read back what the codec wrote:\n%s\n got %+v\nwant %+v", b, got, in)
	}
}

func sameDecoding[T any](t *testing.T, c *codec[T], b []byte) {
	t.Helper()
	var fast, slow T
	if !c.fastDecode(&fast, string(b)) {
		return
	}
	if err := c.decodeJSON(&slow, b); err != nil {
		t.Fatalf("%s: the fast path took %q, which encoding/json refuses: %v", c.kind, b, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%s: %q decodes to\n%+v by the fast path,\n%+v by encoding/json", c.kind, b, fast, slow)
	}
}
