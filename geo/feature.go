package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// This file is Frontline's GeoJSON schema: how each record is written as a
// GeoJSON Feature (RFC 7946), with its ID as the feature "id" and its fields
// as snake_case "properties". Decoding is strict about properties (an unknown
// property is a *ValidationError naming it, so typos do not pass silently) and
// lenient about foreign members of the feature such as "bbox". Decoding does
// not validate; call Validate or Normalize on the result.

// CirclePolygonVertices is how many vertices a circle zone's drawn polygon has
// in GeoJSON output.
const CirclePolygonVertices = 64

type jsonSource struct {
	Publisher string `json:"publisher"`
	Title     string `json:"title,omitempty"`
	URL       string `json:"url,omitempty"`
	Published *Day   `json:"published,omitempty"`
	Note      string `json:"note,omitempty"`
}

// MarshalJSON encodes s as {"publisher", "title", "url", "published", "note"}.
func (s Source) MarshalJSON() ([]byte, error) {
	js := jsonSource{Publisher: s.Publisher, Title: s.Title, URL: s.URL, Note: s.Note}
	if s.Published != 0 {
		d := s.Published
		js.Published = &d
	}
	return json.Marshal(js)
}

// UnmarshalJSON decodes the form written by MarshalJSON.
func (s *Source) UnmarshalJSON(b []byte) error {
	var js jsonSource
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&js); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			// Returned as is, so the enclosing decoder prefixes the path
			// ("properties.sources.published").
			return te
		}
		return jsonError(err, "")
	}
	*s = Source{Publisher: js.Publisher, Title: js.Title, URL: js.URL, Note: js.Note}
	if js.Published != nil {
		s.Published = *js.Published
	}
	return nil
}

type jsonActor struct {
	ID          ActorID   `json:"id"`
	Name        string    `json:"name"`
	NameAR      string    `json:"name_ar,omitempty"`
	ShortName   string    `json:"short_name,omitempty"`
	Aliases     []string  `json:"aliases,omitempty"`
	Colour      string    `json:"colour"`
	Kind        ActorKind `json:"kind"`
	Affiliation ActorID   `json:"affiliation,omitempty"`
	Sources     []Source  `json:"sources,omitempty"`
	Notes       string    `json:"notes,omitempty"`
}

// MarshalJSON encodes a as a plain JSON object (actors have no geometry).
func (a Actor) MarshalJSON() ([]byte, error) { return json.Marshal(jsonActor(a)) }

// UnmarshalJSON decodes the form written by MarshalJSON.
func (a *Actor) UnmarshalJSON(b []byte) error {
	var ja jsonActor
	if err := decodeStrict(b, &ja, ""); err != nil {
		return err
	}
	*a = Actor(ja)
	return nil
}

type jsonCircle struct {
	Center       orb.Point `json:"center"`
	RadiusMeters float64   `json:"radius_m"`
}

type zoneProps struct {
	Name              string      `json:"name,omitempty"`
	Actor             ActorID     `json:"actor"`
	Status            ZoneStatus  `json:"status"`
	ValidFrom         Day         `json:"valid_from"`
	ValidTo           Day         `json:"valid_to"`
	Circle            *jsonCircle `json:"circle,omitempty"`
	Approximate       bool        `json:"approximate"`
	UncertaintyMeters float64     `json:"uncertainty_m,omitempty"`
	Sources           []Source    `json:"sources"`
	Notes             string      `json:"notes,omitempty"`
}

// MarshalJSON encodes z as a GeoJSON Feature whose geometry is always a
// MultiPolygon (Zone.Geometry), so a Polygon area decodes as a MultiPolygon
// of one. A circle zone's geometry is its drawn polygon
// (CirclePolygonVertices vertices) and its true shape is in the "circle"
// property ({"center": [lon, lat], "radius_m": metres}), which
// decoding treats as authoritative. Open interval ends are null.
func (z Zone) MarshalJSON() ([]byte, error) {
	p := zoneProps{
		Name: z.Name, Actor: z.Actor, Status: z.Status,
		ValidFrom: z.Valid.From, ValidTo: z.Valid.To,
		Approximate: z.Approximate, UncertaintyMeters: z.UncertaintyMeters,
		Sources: nonNil(z.Sources), Notes: z.Notes,
	}
	if z.Circle != nil {
		p.Circle = &jsonCircle{Center: z.Circle.Center, RadiusMeters: z.Circle.RadiusMeters}
	}
	return marshalFeature(string(z.ID), z.Geometry(), p)
}

// UnmarshalJSON decodes a GeoJSON Feature written by MarshalJSON. A missing
// valid_from or valid_to is an open end.
func (z *Zone) UnmarshalJSON(b []byte) error {
	p := zoneProps{ValidFrom: OpenStart, ValidTo: OpenEnd}
	id, g, err := unmarshalFeature(b, &p)
	if err != nil {
		return err
	}
	*z = Zone{
		ID: ZoneID(id), Name: p.Name, Actor: p.Actor, Status: p.Status,
		Valid:       Interval{From: p.ValidFrom, To: p.ValidTo},
		Approximate: p.Approximate, UncertaintyMeters: p.UncertaintyMeters,
		Sources: p.Sources, Notes: p.Notes,
	}
	if p.Circle != nil {
		z.Circle = &Circle{Center: p.Circle.Center, RadiusMeters: p.Circle.RadiusMeters}
		return nil
	}
	z.Area = g
	return nil
}

type jsonIncidentActor struct {
	Actor ActorID   `json:"actor,omitempty"`
	Name  string    `json:"name,omitempty"`
	Role  ActorRole `json:"role"`
}

type incidentProps struct {
	Date                Day                 `json:"date"`
	DateEnd             *Day                `json:"date_end,omitempty"`
	DatePrecision       DatePrecision       `json:"date_precision"`
	Type                EventType           `json:"type"`
	SubType             SubType             `json:"sub_type,omitempty"`
	Actors              []jsonIncidentActor `json:"actors"`
	PrecisionMeters     float64             `json:"precision_m"`
	Place               string              `json:"place,omitempty"`
	Governorate         string              `json:"governorate,omitempty"`
	FatalitiesLow       int                 `json:"fatalities_low"`
	FatalitiesBest      int                 `json:"fatalities_best"`
	FatalitiesHigh      int                 `json:"fatalities_high"`
	FatalitiesCivilians int                 `json:"fatalities_civilians"`
	Description         string              `json:"description,omitempty"`
	Sources             []Source            `json:"sources"`
	Status              IncidentStatus      `json:"status"`
	Origin              string              `json:"origin,omitempty"`
	OriginID            string              `json:"origin_id,omitempty"`
}

// MarshalJSON encodes in as a GeoJSON Feature with a Point geometry.
func (in Incident) MarshalJSON() ([]byte, error) {
	p := incidentProps{
		Date: in.Date, DatePrecision: in.DatePrecision, Type: in.Type, SubType: in.SubType,
		Actors:          make([]jsonIncidentActor, len(in.Actors)),
		PrecisionMeters: in.PrecisionMeters, Place: in.Place, Governorate: in.Governorate,
		FatalitiesLow: in.Fatalities.Low, FatalitiesBest: in.Fatalities.Best,
		FatalitiesHigh: in.Fatalities.High, FatalitiesCivilians: in.Fatalities.Civilians,
		Description: in.Description, Sources: nonNil(in.Sources), Status: in.Status,
		Origin: in.Origin.Dataset, OriginID: in.Origin.ID,
	}
	if in.DateEnd != in.Date {
		d := in.DateEnd
		p.DateEnd = &d
	}
	for i, a := range in.Actors {
		p.Actors[i] = jsonIncidentActor(a)
	}
	return marshalFeature(string(in.ID), in.Location, p)
}

// UnmarshalJSON decodes a GeoJSON Feature written by MarshalJSON. A missing
// date_end means the incident lasted one day.
func (in *Incident) UnmarshalJSON(b []byte) error {
	var p incidentProps
	id, g, err := unmarshalFeature(b, &p)
	if err != nil {
		return err
	}
	pt, ok := g.(orb.Point)
	if !ok {
		return invalid("geometry", "an incident's geometry must be a Point")
	}
	*in = Incident{
		ID: IncidentID(id), Date: p.Date, DateEnd: p.Date, DatePrecision: p.DatePrecision,
		Type: p.Type, SubType: p.SubType, Location: pt, PrecisionMeters: p.PrecisionMeters,
		Place: p.Place, Governorate: p.Governorate,
		Fatalities: Fatalities{
			Low: p.FatalitiesLow, Best: p.FatalitiesBest,
			High: p.FatalitiesHigh, Civilians: p.FatalitiesCivilians,
		},
		Description: p.Description, Sources: p.Sources, Status: p.Status,
		Origin: Origin{Dataset: p.Origin, ID: p.OriginID},
	}
	if p.DateEnd != nil {
		in.DateEnd = *p.DateEnd
	}
	for _, a := range p.Actors {
		in.Actors = append(in.Actors, IncidentActor(a))
	}
	return nil
}

type siteProps struct {
	Name        string   `json:"name"`
	NameAR      string   `json:"name_ar,omitempty"`
	AltNames    []string `json:"alt_names,omitempty"`
	Kind        SiteKind `json:"kind"`
	Governorate string   `json:"governorate,omitempty"`
	Sources     []Source `json:"sources"`
	Notes       string   `json:"notes,omitempty"`
}

// MarshalJSON encodes s as a GeoJSON Feature with a Point geometry.
func (s Site) MarshalJSON() ([]byte, error) {
	return marshalFeature(string(s.ID), s.Location, siteProps{
		Name: s.Name, NameAR: s.NameAR, AltNames: s.AltNames, Kind: s.Kind,
		Governorate: s.Governorate, Sources: nonNil(s.Sources), Notes: s.Notes,
	})
}

// UnmarshalJSON decodes a GeoJSON Feature written by MarshalJSON.
func (s *Site) UnmarshalJSON(b []byte) error {
	var p siteProps
	id, g, err := unmarshalFeature(b, &p)
	if err != nil {
		return err
	}
	pt, ok := g.(orb.Point)
	if !ok {
		return invalid("geometry", "a site's geometry must be a Point")
	}
	*s = Site{
		ID: SiteID(id), Name: p.Name, NameAR: p.NameAR, AltNames: p.AltNames, Kind: p.Kind,
		Location: pt, Governorate: p.Governorate, Sources: p.Sources, Notes: p.Notes,
	}
	return nil
}

type boundaryProps struct {
	Name   string        `json:"name"`
	NameAR string        `json:"name_ar,omitempty"`
	Level  BoundaryLevel `json:"level"`
	Source string        `json:"source,omitempty"`
}

// MarshalJSON encodes b as a GeoJSON Feature.
func (b Boundary) MarshalJSON() ([]byte, error) {
	return marshalFeature(b.ID, b.Area, boundaryProps{Name: b.Name, NameAR: b.NameAR, Level: b.Level, Source: b.Source})
}

// UnmarshalJSON decodes a GeoJSON Feature written by MarshalJSON.
func (b *Boundary) UnmarshalJSON(data []byte) error {
	var p boundaryProps
	id, g, err := unmarshalFeature(data, &p)
	if err != nil {
		return err
	}
	*b = Boundary{ID: id, Name: p.Name, NameAR: p.NameAR, Level: p.Level, Area: g, Source: p.Source}
	return nil
}

type rawFeature struct {
	Type       string          `json:"type"`
	ID         json.RawMessage `json:"id"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties json.RawMessage `json:"properties"`
}

func marshalFeature(id string, g orb.Geometry, props any) ([]byte, error) {
	var geom any // JSON null when there is no geometry
	if g != nil {
		geom = geojson.NewGeometry(g)
	}
	return json.Marshal(struct {
		Type       string `json:"type"`
		ID         string `json:"id"`
		Geometry   any    `json:"geometry"`
		Properties any    `json:"properties"`
	}{"Feature", id, geom, props})
}

// unmarshalFeature decodes the envelope of a Feature, its string id and its
// geometry (nil for a null geometry), and decodes properties strictly into
// props.
func unmarshalFeature(b []byte, props any) (string, orb.Geometry, error) {
	var f rawFeature
	if err := json.Unmarshal(b, &f); err != nil {
		return "", nil, jsonError(err, "")
	}
	if f.Type != "Feature" {
		return "", nil, invalid("type", "%q is not \"Feature\"", f.Type)
	}
	var id string
	if err := json.Unmarshal(f.ID, &id); err != nil || len(f.ID) == 0 {
		return "", nil, invalid("id", "a feature needs a string id")
	}
	var g orb.Geometry
	if len(f.Geometry) > 0 && string(f.Geometry) != "null" {
		gg, err := geojson.UnmarshalGeometry(f.Geometry)
		if err != nil {
			return "", nil, invalid("geometry", "not a GeoJSON geometry: %v", cleanJSONErr(err))
		}
		if gg.Type == "GeometryCollection" {
			return "", nil, invalid("geometry", "a GeometryCollection is not supported")
		}
		g = gg.Geometry()
	}
	if len(f.Properties) == 0 || string(f.Properties) == "null" {
		return "", nil, invalid("properties", "are required")
	}
	if err := decodeStrict(f.Properties, props, "properties"); err != nil {
		return "", nil, err
	}
	return id, g, nil
}

// decodeStrict decodes one JSON value into v, refusing unknown fields and
// trailing data, and reports failures as *ValidationError under prefix.
func decodeStrict(b []byte, v any, prefix string) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, prefix)
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalid(orDefault(prefix, "body"), "unexpected data after the JSON value")
	}
	return nil
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
		return invalid(join(prefix, te.Field), "expected %s, got JSON %s", jsonTypeName(te.Type), te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return invalid(orDefault(prefix, "body"), "malformed JSON at byte %d", se.Offset)
	}
	if f, ok := unknownField(err); ok {
		return invalid(join(prefix, f), "unknown property")
	}
	return invalid(orDefault(prefix, "body"), "%s", cleanJSONErr(err))
}

// unknownField extracts the name from encoding/json's "unknown field" error,
// which has no typed form.
func unknownField(err error) (string, bool) {
	var name string
	if _, scanErr := fmt.Sscanf(err.Error(), "json: unknown field %q", &name); scanErr == nil {
		return name, true
	}
	return "", false
}

// jsonTypeName names a Go type the way a JSON user thinks of it.
func jsonTypeName(t reflect.Type) string {
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

func nonNil(s []Source) []Source {
	if s == nil {
		return []Source{}
	}
	return s
}
