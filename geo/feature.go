package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// This file reads the envelope of a GeoJSON Feature and turns encoding/json
// errors into *ValidationError naming the field; codec.go is the records'
// schema.

type rawFeature struct {
	Type       string          `json:"type"`
	ID         json.RawMessage `json:"id"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties json.RawMessage `json:"properties"`
}

// unmarshalFeature decodes the envelope of a Feature: its string id, its
// geometry (nil for a null geometry) and its properties, which must be
// present.
func unmarshalFeature(b []byte) (string, orb.Geometry, json.RawMessage, error) {
	var f rawFeature
	if err := json.Unmarshal(b, &f); err != nil {
		return "", nil, nil, jsonError(err, "")
	}
	if f.Type != "Feature" {
		return "", nil, nil, invalid("type", "%q is not \"Feature\"", f.Type)
	}
	var id string
	if err := json.Unmarshal(f.ID, &id); err != nil || len(f.ID) == 0 {
		return "", nil, nil, invalid("id", "a feature needs a string id")
	}
	var g orb.Geometry
	if len(f.Geometry) > 0 && string(f.Geometry) != "null" {
		gg, err := geojson.UnmarshalGeometry(f.Geometry)
		if err != nil {
			return "", nil, nil, invalid("geometry", "not a GeoJSON geometry: %v", cleanJSONErr(err))
		}
		if gg.Type == "GeometryCollection" {
			return "", nil, nil, invalid("geometry", "a GeometryCollection is not supported")
		}
		g = gg.Geometry()
	}
	if len(f.Properties) == 0 || string(f.Properties) == "null" {
		return "", nil, nil, invalid("properties", "are required")
	}
	return id, g, f.Properties, nil
}

// decodeStrict decodes one JSON value into v, refusing trailing data, and
// reports failures as *ValidationError under prefix. A struct's unknown
// members are decodeObject's to find.
func decodeStrict(b []byte, v any, prefix string) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return jsonError(err, prefix)
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalid(orDefault(prefix, "body"), "unexpected data after the JSON value")
	}
	return nil
}

// decodeObject decodes the JSON object b into v, a struct whose JSON names
// are known, and reports a member with none of those names (matched
// without regard to case, as encoding/json matches them) as an unknown
// property: a *ValidationError naming it. Anything but an object is left
// to v's decoding to refuse.
func decodeObject(b []byte, v any, known ...string) error {
	var members map[string]json.RawMessage
	if json.Unmarshal(b, &members) == nil {
		for _, k := range slices.Sorted(maps.Keys(members)) {
			if !slices.ContainsFunc(known, func(n string) bool { return strings.EqualFold(n, k) }) {
				return invalid(k, "unknown property")
			}
		}
	}
	return decodeStrict(b, v, "")
}

// jsonError turns a decoding error into a *ValidationError naming the field.
func jsonError(err error, prefix string) error {
	var ve *ValidationError
	if errors.As(err, &ve) {
		if prefix != "" {
			return prefixField(prefix, err)
		}
		return err
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Type == dayType {
			return invalid(join(prefix, te.Field), "%s is not a date of the form YYYY-MM-DD", te.Value)
		}
		return invalid(join(prefix, te.Field), "expected %s, got JSON %s", JSONTypeName(te.Type), te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return invalid(orDefault(prefix, "body"), "malformed JSON at byte %d", se.Offset)
	}
	return invalid(orDefault(prefix, "body"), "%s", cleanJSONErr(err))
}

// JSONTypeName names a Go type the way a JSON user thinks of it: "a
// string", "an integer", "a number", "true or false", "an array", "an
// object". The server words its own JSON errors with it too.
func JSONTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return t.String()
}

func cleanJSONErr(err error) string {
	s := err.Error()
	if len(s) > 5 && s[:5] == "json:" {
		s = s[5:]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

func join(prefix, field string) string {
	switch {
	case prefix == "":
		return field
	case field == "":
		return prefix
	}
	return prefix + "." + field
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
