package watch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/frontline-maps/frontline/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// The event types.
const (
	// IncidentEntered: an incident was created, moved, re-dated or
	// imported so that it now lies in the target and passes the filter,
	// and its previous version did not.
	IncidentEntered = "incident.entered"
	// ControlChanged: the set of zones of status "control", valid on the
	// day of the change, that contain a watched point (or share ground
	// with a watched area) changed.
	ControlChanged = "control.changed"
)

// EventTypes lists the event types.
var EventTypes = []string{IncidentEntered, ControlChanged}

// Spec is a watch's definition, as POST /api/watches takes it:
//
//	{"target": {"zone": "sdf-2025"}, "filter": {"type": ["battles"]},
//	 "events": ["incident.entered"], "webhook": {"url": "https://…"}}
//
// The target is exactly one of zone (a zone's ID: its shape as of each
// change, time-aware), geometry (a GeoJSON Polygon or MultiPolygon,
// [lon, lat]), circle ({"center": [lon, lat], "radius_m": M}, geodesic) or
// point ([lon, lat]). The filter has the items' fields: type, sub_type,
// actor, status (lists, any of) and min_fatalities. Events defaults to
// every event the target can have (a point has no incident.entered: no
// incident lies in a point). Webhook is optional.
type Spec struct {
	Target  Target   `json:"target"`
	Filter  Filter   `json:"filter"`
	Events  []string `json:"events"`
	Webhook *Webhook `json:"webhook,omitempty"`
}

// Target is what a watch watches: one field is set.
type Target struct {
	Zone     geo.ZoneID        `json:"zone,omitempty"`
	Geometry *geojson.Geometry `json:"geometry,omitempty"`
	Circle   *CircleTarget     `json:"circle,omitempty"`
	Point    *orb.Point        `json:"point,omitempty"`
}

// CircleTarget is a circle target: centre [lon, lat] and radius in metres.
type CircleTarget struct {
	Center  orb.Point `json:"center"`
	RadiusM float64   `json:"radius_m"`
}

// Filter selects the incidents of incident.entered, as the items' query
// parameters of the same names do.
type Filter struct {
	Type          []geo.EventType      `json:"type,omitempty"`
	SubType       []geo.SubType        `json:"sub_type,omitempty"`
	Actor         []geo.ActorID        `json:"actor,omitempty"`
	Status        []geo.IncidentStatus `json:"status,omitempty"`
	MinFatalities int                  `json:"min_fatalities,omitempty"`
}

// Webhook is where a watch's events are POSTed.
type Webhook struct {
	URL string `json:"url"`
}

// query is the filter as geo's record-level conditions.
func (f Filter) query() *geo.IncidentQuery {
	return &geo.IncidentQuery{Types: f.Type, SubTypes: f.SubType, Actors: f.Actor, Statuses: f.Status, MinFatalities: f.MinFatalities}
}

// maxSpecBytes bounds a watch's definition (a drawn polygon included).
const maxSpecBytes = 1 << 20

// ParseSpec decodes and validates a watch definition; unknown fields are
// refused. knownZone reports whether a zone target's ID names a zone.
// Errors are *geo.ValidationError naming the field ("target.zone",
// "target.geometry.coordinates[0]", "filter.type", "webhook.url", …).
func ParseSpec(body []byte, knownZone func(geo.ZoneID) bool) (Spec, error) {
	var sp Spec
	if len(body) > maxSpecBytes {
		return sp, invalid("", "a watch's definition is over %d bytes", maxSpecBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sp); err != nil {
		return sp, invalid(jsonField(err), "%v", err)
	}
	if dec.More() {
		return sp, invalid("", "trailing data after the JSON object")
	}
	if err := sp.validate(knownZone); err != nil {
		return Spec{}, err
	}
	return sp, nil
}

// jsonField names the field of a JSON decoding error, "" when unknown.
func jsonField(err error) string {
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		return te.Field
	}
	if s := err.Error(); strings.HasPrefix(s, "json: unknown field ") {
		return strings.Trim(strings.TrimPrefix(s, "json: unknown field "), `"`)
	}
	return ""
}

func invalid(field, format string, args ...any) error {
	return &geo.ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// prefixed returns a *geo.ValidationError err with prefix before its field.
func prefixed(prefix string, err error) error {
	if ve, ok := err.(*geo.ValidationError); ok {
		f := prefix
		if ve.Field != "" {
			f += "." + ve.Field
		}
		return &geo.ValidationError{Field: f, Reason: ve.Reason}
	}
	return err
}

func (sp *Spec) validate(knownZone func(geo.ZoneID) bool) error {
	t := &sp.Target
	set := 0
	for _, b := range []bool{t.Zone != "", t.Geometry != nil, t.Circle != nil, t.Point != nil} {
		if b {
			set++
		}
	}
	if set != 1 {
		return invalid("target", "give exactly one of zone, geometry, circle and point")
	}
	switch {
	case t.Zone != "":
		if knownZone != nil && !knownZone(t.Zone) {
			return invalid("target.zone", "no zone %q", t.Zone)
		}
	case t.Geometry != nil:
		g, err := geo.NormalizeArea(t.Geometry.Geometry())
		if err != nil {
			return prefixed("target.geometry", err)
		}
		t.Geometry = geojson.NewGeometry(g)
	case t.Circle != nil:
		c := geo.Circle{Center: t.Circle.Center, RadiusMeters: t.Circle.RadiusM}
		if err := c.Validate(); err != nil {
			return prefixed("target.circle", err)
		}
	case t.Point != nil:
		if err := geo.ValidatePoint(*t.Point); err != nil {
			return prefixed("target.point", err)
		}
	}
	if err := sp.Filter.query().CheckAttributes(); err != nil {
		return prefixed("filter", err)
	}
	possible := EventTypes
	if t.Point != nil {
		possible = []string{ControlChanged}
	}
	if len(sp.Events) == 0 {
		sp.Events = slices.Clone(possible)
	}
	for _, e := range sp.Events {
		if !slices.Contains(possible, e) {
			return invalid("events", "%q is not one of %v for this target", e, possible)
		}
	}
	slices.Sort(sp.Events)
	sp.Events = slices.Compact(sp.Events)
	if sp.Webhook != nil {
		if err := checkURL(sp.Webhook.URL); err != nil {
			return prefixed("webhook.url", err)
		}
	}
	return nil
}

// checkURL accepts an absolute http or https URL with a host and no user
// information. Whether its address may be called is decided when it is
// called (server/webhook's allow-list), since a name may resolve anywhere.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return invalid("", "does not parse: %v", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return invalid("", "want an http or https URL")
	case u.Hostname() == "":
		return invalid("", "has no host")
	case u.User != nil:
		return invalid("", "must not carry a user or password")
	case u.Fragment != "":
		return invalid("", "must not have a fragment")
	}
	return nil
}
