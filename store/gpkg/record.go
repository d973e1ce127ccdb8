package gpkg

import (
	"encoding"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
	"github.com/paulmach/orb"
)

// row is a validated, normalised record with everything its table row needs.
type row struct {
	spec   *kindSpec
	id     string
	origin string       // "dataset:id" of an incident that has both, else ""
	blob   []byte       // GeoPackage geometry, nil for attribute tables
	attrs  []any        // values of spec.columns, in order
	record []byte       // the record's stored form (geo's AppendBinary), the source of truth
	value  store.Record // the normalised record
}

// prepare validates and normalises rec (geo's Normalize where it has one)
// and derives its row. Validation failures are returned unchanged, so a
// *geo.ValidationError reaches the caller as such.
func prepare(rec store.Record) (row, error) {
	var (
		geom  orb.Geometry
		attrs []any
	)
	origin := ""
	switch r := rec.(type) {
	case geo.Actor:
		if err := r.Validate(); err != nil {
			return row{}, err
		}
		attrs = []any{r.Name, r.NameAR, r.ShortName, r.Colour, string(r.Kind), string(r.Affiliation)}
	case geo.Zone:
		if err := r.Normalize(); err != nil {
			return row{}, err
		}
		// The geom column holds what GIS tools can draw (a circle as its
		// drawn polygon); the true circle stays in the attributes and the
		// record, the normalised zone.
		rec, geom = r, r.Geometry()
		var lon, lat, radius any
		if r.Circle != nil {
			lon, lat, radius = r.Circle.Center[0], r.Circle.Center[1], r.Circle.RadiusMeters
		}
		attrs = []any{r.Name, string(r.Actor), string(r.Status), day(r.Valid.From), day(r.Valid.To),
			lon, lat, radius, r.Approximate, r.UncertaintyMeters, publishers(r.Sources)}
	case geo.Incident:
		if err := r.Validate(); err != nil {
			return row{}, err
		}
		geom = r.Location
		names := make([]string, len(r.Actors))
		for i, a := range r.Actors {
			names[i] = string(a.Actor)
			if names[i] == "" {
				names[i] = a.Name
			}
		}
		attrs = []any{day(r.Date), day(r.DateEnd), string(r.DatePrecision), string(r.Type), string(r.SubType),
			strings.Join(names, "; "), r.Location[0], r.Location[1], r.PrecisionMeters, r.Place, r.Governorate,
			r.Fatalities.Low, r.Fatalities.Best, r.Fatalities.High, r.Fatalities.Civilians, string(r.Status),
			r.Origin.Dataset, r.Origin.ID, r.Description, publishers(r.Sources)}
		origin = originKey(r.Origin)
	case geo.Site:
		if err := r.Validate(); err != nil {
			return row{}, err
		}
		geom = r.Location
		attrs = []any{r.Name, r.NameAR, string(r.Kind), r.Location[0], r.Location[1], r.Governorate, publishers(r.Sources)}
	case geo.Boundary:
		if err := r.Validate(); err != nil {
			return row{}, err
		}
		a, err := geo.NormalizeArea(r.Area)
		if err != nil {
			return row{}, err
		}
		r.Area = a
		rec, geom = r, a
		attrs = []any{r.Name, r.NameAR, string(r.Level), r.Source}
	case geo.Statistic:
		if err := r.Validate(); err != nil {
			return row{}, err
		}
		attrs = []any{r.Subject, r.Value, r.Unit, day(r.From), day(r.To), r.Area, publishers(r.Sources)}
	default:
		return row{}, fmt.Errorf("gpkg: cannot store a %T", rec)
	}
	kind, _ := store.KindOf(rec)
	spec, _ := specOf(kind)
	id := idOf(rec)
	b, err := encode(rec)
	if err != nil {
		return row{}, fmt.Errorf("gpkg: encoding %s %q: %w", kind, id, err)
	}
	rw := row{spec: spec, id: id, origin: origin, attrs: attrs, record: b, value: rec}
	if geom != nil {
		if p, ok := geom.(orb.Polygon); ok {
			// One declared type per table (MULTIPOLYGON) is what QGIS
			// handles best, so polygons are promoted.
			geom = orb.MultiPolygon{p}
		}
		if rw.blob, err = encodeGeometry(geom); err != nil {
			return row{}, fmt.Errorf("gpkg: encoding %s %q geometry: %w", kind, id, err)
		}
	}
	return rw, nil
}

// idOf returns the ID of a record the store can hold, "" for any other value.
func idOf(rec store.Record) string {
	switch r := rec.(type) {
	case geo.Actor:
		return string(r.ID)
	case geo.Zone:
		return string(r.ID)
	case geo.Incident:
		return string(r.ID)
	case geo.Site:
		return string(r.ID)
	case geo.Boundary:
		return r.ID
	case geo.Statistic:
		return r.ID
	}
	return ""
}

// originKey returns "dataset:id" when both are set: the key imports match
// incidents by. Records without an origin ID are matched by their own ID.
func originKey(o geo.Origin) string {
	if o.Dataset == "" || o.ID == "" {
		return ""
	}
	return o.String()
}

// day returns d as a GeoPackage DATE (YYYY-MM-DD), or NULL for an open
// bound.
func day(d geo.Day) any {
	if d.IsOpen() {
		return nil
	}
	return d.String()
}

// publishers lists the sources' publishers for the attribute table.
func publishers(srcs []geo.Source) string {
	names := make([]string, len(srcs))
	for i, s := range srcs {
		names[i] = s.Publisher
	}
	return strings.Join(names, "; ")
}

// stored is a record kind's codec: geo's encodings of a record type.
type stored[T store.Record] interface {
	*T
	store.Record
	AppendBinary([]byte) ([]byte, error)
	UnmarshalBinary([]byte) error
	DecodeStored(string) error
	UnmarshalJSON([]byte) error
}

// encode returns the stored form of rec, a record the store can hold.
func encode(rec store.Record) ([]byte, error) {
	if _, ok := store.KindOf(rec); ok {
		if r, ok := rec.(encoding.BinaryAppender); ok {
			return r.AppendBinary(nil)
		}
	}
	return nil, fmt.Errorf("gpkg: cannot store a %T", rec)
}

// decode decodes the stored form of a record of kind k (or its JSON, the
// stored form before format 1).
func decode(k store.Kind, b []byte) (store.Record, error) {
	return decodeWith(k, b, false)
}

// decodeJSON decodes the GeoJSON of a record of kind k. Decoding errors are
// *geo.ValidationError naming the field.
func decodeJSON(k store.Kind, b []byte) (store.Record, error) {
	return decodeWith(k, b, true)
}

func decodeWith(k store.Kind, b []byte, asJSON bool) (store.Record, error) {
	switch k {
	case store.KindActor:
		return decodeAs[geo.Actor](b, asJSON)
	case store.KindZone:
		return decodeAs[geo.Zone](b, asJSON)
	case store.KindIncident:
		return decodeAs[geo.Incident](b, asJSON)
	case store.KindSite:
		return decodeAs[geo.Site](b, asJSON)
	case store.KindBoundary:
		return decodeAs[geo.Boundary](b, asJSON)
	case store.KindStatistic:
		return decodeAs[geo.Statistic](b, asJSON)
	}
	return nil, fmt.Errorf("gpkg: unknown kind %q", k)
}

func decodeAs[T store.Record, P stored[T]](b []byte, asJSON bool) (store.Record, error) {
	var v T
	var err error
	if asJSON {
		err = P(&v).UnmarshalJSON(b)
	} else {
		err = P(&v).UnmarshalBinary(b)
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

// recordJSON returns the GeoJSON of a stored form of kind k.
func recordJSON(k store.Kind, b []byte) ([]byte, error) {
	rec, err := decode(k, b)
	if err != nil {
		return nil, err
	}
	return json.Marshal(rec)
}

// withID returns rec with its ID set to id; imports use it to keep the ID of
// the incident they update by origin.
func withID(rec store.Record, id string) store.Record {
	if in, ok := rec.(geo.Incident); ok {
		in.ID = geo.IncidentID(id)
		return in
	}
	return rec
}
