package server

import (
	"bytes"
	"cmp"
	"encoding/json"
	"net/url"
	"slices"
	"strings"

	"github.com/frontline-maps/frontline/geo"
)

// sortKey is one term of sortby: a field, ascending unless desc.
type sortKey struct {
	field string
	desc  bool
}

// The fields each collection's items sort by.
var (
	incidentSortFields = []string{"date", "date_end", "fatalities_low", "fatalities_best", "fatalities_high", "fatalities_civilians", "precision_m", "type", "status", "place", "id"}
	zoneSortFields     = []string{"id", "name", "actor", "status", "valid_from", "valid_to"}
	siteSortFields     = []string{"id", "name", "kind", "governorate"}
)

// parseSortBy parses "sortby": comma-separated fields of fields, each
// with an optional "+" (ascending, the default; a "+" left unescaped in a
// URL reads as a space, which is taken the same) or "-" (descending).
// Absent: nil, the collection's own order.
func parseSortBy(q url.Values, fields []string) ([]sortKey, error) {
	s, ok, err := single(q, "sortby")
	if err != nil || !ok {
		return nil, err
	}
	var keys []sortKey
	for _, term := range strings.Split(s, ",") {
		k := sortKey{}
		t := strings.TrimLeft(term, " ")
		switch {
		case strings.HasPrefix(t, "-"):
			k.desc, t = true, t[1:]
		case strings.HasPrefix(t, "+"):
			t = t[1:]
		}
		k.field = strings.TrimSpace(t)
		if !slices.Contains(fields, k.field) {
			return nil, invalidParam("sortby", "%s is not a field to sort by; fields: %s (each with - for descending)", quote(k.field), strings.Join(fields, ", "))
		}
		if slices.ContainsFunc(keys, func(o sortKey) bool { return o.field == k.field }) {
			return nil, invalidParam("sortby", "%s is given twice", quote(k.field))
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// sortRecords orders xs by keys, each field read by value; ties, after
// every key, by ID ascending, so pages of one order never overlap.
func sortRecords[T any](xs []T, keys []sortKey, value func(T, string) any, id func(T) string) {
	slices.SortStableFunc(xs, func(a, b T) int {
		for _, k := range keys {
			c := compareAny(value(a, k.field), value(b, k.field))
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmp.Compare(id(a), id(b))
	})
}

// compareAny orders two values of one of the types the value functions
// give.
func compareAny(a, b any) int {
	switch x := a.(type) {
	case int:
		return cmp.Compare(x, b.(int))
	case float64:
		return cmp.Compare(x, b.(float64))
	case geo.Day:
		return cmp.Compare(x, b.(geo.Day))
	case string:
		return cmp.Compare(x, b.(string))
	}
	return 0
}

func incidentValue(in *geo.Incident, field string) any {
	switch field {
	case "date":
		return in.Date
	case "date_end":
		return in.DateEnd
	case "fatalities_low":
		return in.Fatalities.Low
	case "fatalities_best":
		return in.Fatalities.Best
	case "fatalities_high":
		return in.Fatalities.High
	case "fatalities_civilians":
		return in.Fatalities.Civilians
	case "precision_m":
		return in.PrecisionMeters
	case "type":
		return string(in.Type)
	case "status":
		return string(in.Status)
	case "place":
		return in.Place
	}
	return string(in.ID)
}

func zoneValue(z *geo.Zone, field string) any {
	switch field {
	case "name":
		return z.Name
	case "actor":
		return string(z.Actor)
	case "status":
		return string(z.Status)
	case "valid_from":
		return z.Valid.From
	case "valid_to":
		return z.Valid.To
	}
	return string(z.ID)
}

func siteValue(st *geo.Site, field string) any {
	switch field {
	case "name":
		return st.Name
	case "kind":
		return string(st.Kind)
	case "governorate":
		return st.Governorate
	}
	return string(st.ID)
}

// parseProperties parses "properties": the comma-separated properties each
// feature keeps (the others are left out; id, geometry and links stay).
// Absent: nil, every property.
func parseProperties(q url.Values) ([]string, error) {
	s, ok, err := single(q, "properties")
	if err != nil || !ok {
		return nil, err
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, invalidParam("properties", "has an empty name; list property names, such as properties=date,type")
		}
		out = append(out, p)
	}
	return out, nil
}

// selectProperties rewrites one GeoJSON feature, keeping of its
// properties only those in keep, in their order. Members other than
// properties are copied as they are.
func selectProperties(feature []byte, keep []string) []byte {
	var members []struct {
		name  string
		value json.RawMessage
	}
	dec := json.NewDecoder(bytes.NewReader(feature))
	if _, err := dec.Token(); err != nil {
		return feature
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return feature
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return feature
		}
		name, _ := t.(string)
		if name == "properties" {
			v = keepMembers(v, keep)
		}
		members = append(members, struct {
			name  string
			value json.RawMessage
		}{name, v})
	}
	out := append(make([]byte, 0, len(feature)), '{')
	for i, m := range members {
		if i > 0 {
			out = append(out, ',')
		}
		key, _ := json.Marshal(m.name)
		out = append(append(append(out, key...), ':'), m.value...)
	}
	return append(out, '}')
}

// keepMembers keeps of a JSON object the members named in keep.
func keepMembers(obj json.RawMessage, keep []string) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return obj
	}
	out := []byte{'{'}
	n := 0
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return obj
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return obj
		}
		name, _ := t.(string)
		if !slices.Contains(keep, name) {
			continue
		}
		if n > 0 {
			out = append(out, ',')
		}
		key, _ := json.Marshal(name)
		out = append(append(append(out, key...), ':'), v...)
		n++
	}
	return append(out, '}')
}
