package geo_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/frontline-maps/frontline/geo"
)

func TestReadFeatures(t *testing.T) {
	in := `{
  "type": "FeatureCollection",
  "bbox": [35, 32, 43, 38],
  "features": [
    {"type": "Feature", "id": "a"},
    {
      "type": "Feature",
      "id": "b\nc"
    },
    {"type": "Feature", "id": "d"}]
}
`
	type got struct {
		Index, Line int
		ID          string
	}
	var list []got
	err := geo.ReadFeatures(strings.NewReader(in), func(i, line int, raw json.RawMessage) error {
		var f struct{ ID string }
		if err := json.Unmarshal(raw, &f); err != nil {
			t.Fatal(err)
		}
		list = append(list, got{i, line, f.ID})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []got{{0, 5, "a"}, {1, 6, "b\nc"}, {2, 10, "d"}}
	if !reflect.DeepEqual(list, want) {
		t.Errorf("got %v, want %v", list, want)
	}
}

func TestReadFeaturesErrors(t *testing.T) {
	tests := map[string]string{
		`[]`:                                      "a FeatureCollection must be a JSON object",
		`{"type": "Feature", "features": []}`:     `invalid type: must be "FeatureCollection"`,
		`{"type": "FeatureCollection"}`:           "invalid features: is required",
		`{"features": {}}`:                        "invalid features: must be an array",
		`{"features": [], "features": []}`:        "invalid features: appears twice",
		`{"features": [{"id": 1}, {"id": ]}`:      "invalid features[1]: malformed JSON",
		`{"features": [{"id": 1}`:                 "invalid features: unexpected end of input",
		`{"features": []} {}`:                     "unexpected data after the FeatureCollection",
		`{"features": [, "a": 1}`:                 "invalid features[0]: malformed JSON",
		`{"features": [{"id": 1},, {"id": 2}]}`:   "invalid features[1]: malformed JSON",
		"{\"features\": [\n{\"id\": 1},\n{\"id\"": "invalid features[1]: unexpected end of input",
	}
	for in, want := range tests {
		err := geo.ReadFeatures(strings.NewReader(in), func(int, int, json.RawMessage) error { return nil })
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", in, err, want)
		}
	}
}

// TestReadFeaturesLinesRandom compares the line of every feature with one
// counted in the whole text, over random layouts (newlines inside and
// between features, one large feature among small ones) and reads of every
// size, down to one byte at a time.
func TestReadFeaturesLinesRandom(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	for round := range 50 {
		var b strings.Builder
		var starts []int
		b.WriteString("{\"type\": \"FeatureCollection\",\n\"features\": [")
		n := 1 + rng.IntN(40)
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(strings.Repeat("\n", rng.IntN(3)))
			starts = append(starts, b.Len())
			pad := strings.Repeat("x\\n", rng.IntN(4))
			if rng.IntN(10) == 0 {
				pad = strings.Repeat("y", 70_000) // beyond the decoder's read-ahead
			}
			fmt.Fprintf(&b, "{\"id\": %d,%s\"note\": \"%s\"}", i, strings.Repeat("\n", rng.IntN(3)), pad)
		}
		b.WriteString("]}\n")
		text := b.String()
		var r io.Reader = strings.NewReader(text)
		if round%2 == 0 {
			r = iotest.OneByteReader(r)
		}
		i := 0
		err := geo.ReadFeatures(r, func(index, line int, _ json.RawMessage) error {
			if want := 1 + strings.Count(text[:starts[index]], "\n"); line != want {
				t.Fatalf("round %d: feature %d on line %d, want %d", round, index, line, want)
			}
			i++
			return nil
		})
		if err != nil || i != n {
			t.Fatalf("round %d: %d of %d features, %v", round, i, n, err)
		}
	}
}

// BenchmarkReadFeaturesAfterLargeOne reads one 1 MB feature followed by n
// small ones. ns/feature stays flat as n grows: reading is linear in the
// input (it was quadratic: every feature recounted the newlines of the
// decoder's whole read-ahead).
func BenchmarkReadFeaturesAfterLargeOne(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		var in strings.Builder
		in.WriteString(`{"type": "FeatureCollection", "features": [{"note": "` + strings.Repeat("x", 1<<20) + `"}`)
		for range n {
			in.WriteString(",\n{}")
		}
		in.WriteString("]}")
		text := in.String()
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				if err := geo.ReadFeatures(strings.NewReader(text), func(int, int, json.RawMessage) error { return nil }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*(n+1)), "ns/feature")
		})
	}
}
