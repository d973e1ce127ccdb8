package geo_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

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
		"{\"features\": [\n{\"id\": 1},\n{\"id\"": "invalid features[1]: unexpected end of input",
	}
	for in, want := range tests {
		err := geo.ReadFeatures(strings.NewReader(in), func(int, int, json.RawMessage) error { return nil })
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", in, err, want)
		}
	}
}
