package store

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/frontline-maps/frontline/geo"
	"github.com/paulmach/orb"
)

// This file is what every store's tables share: each kind's table, its
// attribute columns for GIS tools, and the row a record becomes. A store
// maps the column types to its own (store/gpkg to GeoPackage's, store/postgis
// to PostgreSQL's); the record column, the record's stored form, is the
// source of truth and the attribute columns are derived from it.

// ColumnType is the kind of value an attribute column holds.
type ColumnType int

// The attribute column types, with the Go values Row.Attrs holds for them.
const (
	TextColumn    ColumnType = iota // string
	DateColumn                      // geo.Day; an open day is NULL
	DoubleColumn                    // float64, or nil for NULL
	IntegerColumn                   // int
	BooleanColumn                   // bool
	SourcesColumn                   // []geo.Source
)

// Column is one attribute column of a kind's table.
type Column struct {
	Name string
	Type ColumnType
}

// Table describes the table of one kind's current records.
type Table struct {
	Kind        Kind
	Name        string
	Description string
	// Geometry is "POINT" or "MULTIPOLYGON" (a zone's or boundary's
	// polygon is promoted, and a circle zone's is its drawn polygon), or ""
	// for a table without geometry. Coordinates are [lon, lat] in degrees
	// on WGS 84 (EPSG:4326).
	Geometry string
	// Columns come after the geometry and the id; a store adds the version,
	// the time of the last change and the record.
	Columns []Column
}

// Points reports whether the table's geometries are points.
func (t *Table) Points() bool { return t.Geometry == "POINT" }

// Tables lists each kind's table, in the order stores load them.
var Tables = []Table{
	{Kind: KindActor, Name: "actors", Description: "Armed groups, states and coalitions",
		Columns: []Column{{"name", TextColumn}, {"name_ar", TextColumn}, {"short_name", TextColumn}, {"colour", TextColumn},
			{"kind", TextColumn}, {"affiliation", TextColumn}}},
	{Kind: KindZone, Name: "zones", Geometry: "MULTIPOLYGON",
		Description: "Areas of control with validity intervals; circle zones as their drawn polygon",
		Columns: []Column{{"name", TextColumn}, {"actor", TextColumn}, {"status", TextColumn}, {"valid_from", DateColumn},
			{"valid_to", DateColumn}, {"circle_lon", DoubleColumn}, {"circle_lat", DoubleColumn}, {"circle_radius_m", DoubleColumn},
			{"approximate", BooleanColumn}, {"uncertainty_m", DoubleColumn}, {"sources", SourcesColumn}}},
	{Kind: KindIncident, Name: "incidents", Geometry: "POINT",
		Description: "Reported incidents with dates, actors, fatalities and sources",
		Columns: []Column{{"date", DateColumn}, {"date_end", DateColumn}, {"date_precision", TextColumn}, {"type", TextColumn},
			{"sub_type", TextColumn}, {"actors", TextColumn}, {"lon", DoubleColumn}, {"lat", DoubleColumn}, {"precision_m", DoubleColumn},
			{"place", TextColumn}, {"governorate", TextColumn}, {"fatalities_low", IntegerColumn}, {"fatalities_best", IntegerColumn},
			{"fatalities_high", IntegerColumn}, {"fatalities_civilians", IntegerColumn}, {"status", TextColumn},
			{"origin", TextColumn}, {"origin_id", TextColumn}, {"description", TextColumn}, {"sources", SourcesColumn}}},
	{Kind: KindSite, Name: "sites", Geometry: "POINT",
		Description: "Prisons, camps, bases, fields, crossings and towns",
		Columns: []Column{{"name", TextColumn}, {"name_ar", TextColumn}, {"kind", TextColumn}, {"lon", DoubleColumn}, {"lat", DoubleColumn},
			{"governorate", TextColumn}, {"sources", SourcesColumn}}},
	{Kind: KindBoundary, Name: "boundaries", Geometry: "MULTIPOLYGON",
		Description: "Country and governorate boundaries",
		Columns:     []Column{{"name", TextColumn}, {"name_ar", TextColumn}, {"level", TextColumn}, {"source", TextColumn}}},
	{Kind: KindStatistic, Name: "statistics", Description: "Aggregate figures quoted by sources",
		Columns: []Column{{"subject", TextColumn}, {"value", DoubleColumn}, {"unit", TextColumn}, {"period_from", DateColumn},
			{"period_to", DateColumn}, {"area", TextColumn}, {"sources", SourcesColumn}}},
}

// TableOf returns the table of kind k.
func TableOf(k Kind) (*Table, bool) {
	for i := range Tables {
		if Tables[i].Kind == k {
			return &Tables[i], true
		}
	}
	return nil, false
}

// Row is a validated, normalised record with everything its table row
// needs.
type Row struct {
	Table *Table
	ID    string
	// Origin is "dataset:id" of an incident that has both, else "".
	Origin   string
	Geometry orb.Geometry // nil for a table without geometry
	Attrs    []any        // the values of Table.Columns, in order
	Record   []byte       // the record's stored form (geo's AppendBinary)
	Value    Record       // the normalised record
}

// Prepare validates and normalises rec (geo's Normalize where it has one)
// and derives its row. Validation failures are returned unchanged, so a
// *geo.ValidationError reaches the caller as such; a value of a type no
// store holds is an error too.
func Prepare(rec Record) (Row, error) {
	var (
		geom  orb.Geometry
		attrs []any
	)
	origin := ""
	switch r := rec.(type) {
	case geo.Actor:
		if err := r.Validate(); err != nil {
			return Row{}, err
		}
		attrs = []any{r.Name, r.NameAR, r.ShortName, r.Colour, string(r.Kind), string(r.Affiliation)}
	case geo.Zone:
		if err := r.Normalize(); err != nil {
			return Row{}, err
		}
		// The geometry column holds what GIS tools can draw (a circle as
		// its drawn polygon); the true circle stays in the attributes and
		// the record, the normalised zone.
		rec, geom = r, r.Geometry()
		var lon, lat, radius any
		if r.Circle != nil {
			lon, lat, radius = r.Circle.Center[0], r.Circle.Center[1], r.Circle.RadiusMeters
		}
		attrs = []any{r.Name, string(r.Actor), string(r.Status), r.Valid.From, r.Valid.To,
			lon, lat, radius, r.Approximate, r.UncertaintyMeters, r.Sources}
	case geo.Incident:
		if err := r.Validate(); err != nil {
			return Row{}, err
		}
		geom = r.Location
		names := make([]string, len(r.Actors))
		for i, a := range r.Actors {
			names[i] = string(a.Actor)
			if names[i] == "" {
				names[i] = a.Name
			}
		}
		attrs = []any{r.Date, r.DateEnd, string(r.DatePrecision), string(r.Type), string(r.SubType),
			strings.Join(names, "; "), r.Location[0], r.Location[1], r.PrecisionMeters, r.Place, r.Governorate,
			r.Fatalities.Low, r.Fatalities.Best, r.Fatalities.High, r.Fatalities.Civilians, string(r.Status),
			r.Origin.Dataset, r.Origin.ID, r.Description, r.Sources}
		origin = OriginKey(r.Origin)
	case geo.Site:
		if err := r.Validate(); err != nil {
			return Row{}, err
		}
		geom = r.Location
		attrs = []any{r.Name, r.NameAR, string(r.Kind), r.Location[0], r.Location[1], r.Governorate, r.Sources}
	case geo.Boundary:
		if err := r.Validate(); err != nil {
			return Row{}, err
		}
		a, err := geo.NormalizeArea(r.Area)
		if err != nil {
			return Row{}, err
		}
		r.Area = a
		rec, geom = r, a
		attrs = []any{r.Name, r.NameAR, string(r.Level), r.Source}
	case geo.Statistic:
		if err := r.Validate(); err != nil {
			return Row{}, err
		}
		attrs = []any{r.Subject, r.Value, r.Unit, r.From, r.To, r.Area, r.Sources}
	default:
		return Row{}, fmt.Errorf("store: cannot store a %T", rec)
	}
	kind, _ := KindOf(rec)
	table, _ := TableOf(kind)
	id := IDOf(rec)
	b, err := Encode(rec)
	if err != nil {
		return Row{}, fmt.Errorf("store: encoding %s %q: %w", kind, id, err)
	}
	if p, ok := geom.(orb.Polygon); ok {
		// One declared type per table (MULTIPOLYGON) is what QGIS handles
		// best, so polygons are promoted.
		geom = orb.MultiPolygon{p}
	}
	return Row{Table: table, ID: id, Origin: origin, Geometry: geom, Attrs: attrs, Record: b, Value: rec}, nil
}

// IDOf returns the ID of a record a store can hold, "" for any other value.
func IDOf(rec Record) string {
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

// OriginKey returns "dataset:id" when both are set: the key imports match
// incidents by. Records without an origin ID are matched by their own ID.
func OriginKey(o geo.Origin) string {
	if o.Dataset == "" || o.ID == "" {
		return ""
	}
	return o.String()
}

// Publishers lists the sources' publishers, "; "-separated: a sources
// column for a store without a JSON type.
func Publishers(srcs []geo.Source) string {
	names := make([]string, len(srcs))
	for i, s := range srcs {
		names[i] = s.Publisher
	}
	return strings.Join(names, "; ")
}

// Stored is a record kind's codec: geo's encodings of a record type, as
// *geo.Incident has them.
type Stored[T Record] interface {
	*T
	Record
	UnmarshalBinary([]byte) error
	DecodeStored(string) error
	UnmarshalJSON([]byte) error
}

// Encode returns the stored form of rec, a record a store can hold.
func Encode(rec Record) ([]byte, error) {
	if _, ok := KindOf(rec); ok {
		if r, ok := rec.(encoding.BinaryAppender); ok {
			return r.AppendBinary(nil)
		}
	}
	return nil, fmt.Errorf("store: cannot store a %T", rec)
}

// Decode decodes the stored form of a record of kind k (or its JSON, the
// stored form of GeoPackage files before format 1).
func Decode(k Kind, b []byte) (Record, error) {
	return decodeWith(k, b, false)
}

// DecodeJSON decodes the GeoJSON of a record of kind k. Decoding errors are
// *geo.ValidationError naming the field.
func DecodeJSON(k Kind, b []byte) (Record, error) {
	return decodeWith(k, b, true)
}

func decodeWith(k Kind, b []byte, asJSON bool) (Record, error) {
	switch k {
	case KindActor:
		return decodeAs[geo.Actor](b, asJSON)
	case KindZone:
		return decodeAs[geo.Zone](b, asJSON)
	case KindIncident:
		return decodeAs[geo.Incident](b, asJSON)
	case KindSite:
		return decodeAs[geo.Site](b, asJSON)
	case KindBoundary:
		return decodeAs[geo.Boundary](b, asJSON)
	case KindStatistic:
		return decodeAs[geo.Statistic](b, asJSON)
	}
	return nil, fmt.Errorf("store: unknown kind %q", k)
}

func decodeAs[T Record, P Stored[T]](b []byte, asJSON bool) (Record, error) {
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

// decodeRowsBatch is how many rows DecodeRows hands a decoding worker at once.
const decodeRowsBatch = 1024

// DecodeRows decodes the stored forms of a table's rows, which next reads
// one at a time (ok false after the last), into a slice in read order: the
// loading path of every store. n is how many rows the table holds (a
// count in the same snapshot), so the slice is made once and every row is
// decoded straight into its place, on every core, while next reads on. More
// rows than n is an error.
func DecodeRows[T Record, P Stored[T]](n int, table string, next func() (raw string, ok bool, err error)) ([]T, error) {
	recs := grown[T](nil, n)[:n] // written first: see grown
	type batch struct {
		at  int // index in recs of raw[0]
		raw []string
	}
	work := make(chan batch, runtime.GOMAXPROCS(0))
	errs := make([]error, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for w := range errs {
		wg.Go(func() {
			seen := map[string]string{}
			for b := range work {
				for i, r := range b.raw {
					if err := P(&recs[b.at+i]).DecodeStored(r); err != nil && errs[w] == nil {
						errs[w] = fmt.Errorf("store: a record of %s does not decode: %w", table, err)
					}
				}
				// Incidents, the many: their batch of stored forms is freed
				// now, not at NewIndex.
				if incs, ok := any(recs[b.at : b.at+len(b.raw)]).([]geo.Incident); ok {
					geo.DetachStrings(incs, seen)
				}
			}
		})
	}
	var err error
	b := batch{}
	i := 0
	for {
		raw, ok, rerr := next()
		if rerr != nil || !ok {
			err = rerr
			break
		}
		if i == n { // a table of one snapshot does not grow
			err = fmt.Errorf("store: reading %s: more rows than counted", table)
			break
		}
		b.raw = append(b.raw, raw)
		i++
		if len(b.raw) == decodeRowsBatch {
			work <- b
			b = batch{at: i}
		}
	}
	if len(b.raw) > 0 {
		work <- b
	}
	close(work)
	wg.Wait()
	if err = errors.Join(err, errors.Join(errs...)); err != nil {
		return nil, err
	}
	return recs[:i], nil
}

// withID returns rec with its ID set to id; imports use it to keep the ID
// of the incident they update by origin.
func withID(rec Record, id string) Record {
	if in, ok := rec.(geo.Incident); ok {
		in.ID = geo.IncidentID(id)
		return in
	}
	return rec
}

// recordJSON returns the GeoJSON of a stored form of kind k.
func recordJSON(k Kind, b []byte) ([]byte, error) {
	rec, err := Decode(k, b)
	if err != nil {
		return nil, err
	}
	return json.Marshal(rec)
}

// mergePatch applies the JSON merge patch (RFC 7396) patch to doc. Numbers
// are kept as written, so coordinates round-trip exactly.
func mergePatch(doc, patch []byte) ([]byte, error) {
	var d, p any
	if err := decodeNumbers(patch, &p); err != nil {
		return nil, &geo.ValidationError{Field: "body", Reason: "malformed JSON"}
	}
	if _, ok := p.(map[string]any); !ok {
		return nil, &geo.ValidationError{Field: "body", Reason: "a merge patch must be a JSON object"}
	}
	if err := decodeNumbers(doc, &d); err != nil {
		return nil, fmt.Errorf("store: decoding a stored record: %w", err)
	}
	return json.Marshal(merge(d, p))
}

func decodeNumbers(b []byte, v *any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON value")
	}
	return nil
}

// merge is MergePatch(Target, Patch) of RFC 7396, section 2.
func merge(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
			continue
		}
		tm[k] = merge(tm[k], v)
	}
	return tm
}

// Records flattens ds into the records ImportBatch takes, kind by kind.
func Records(ds *geo.Dataset) []Record {
	out := make([]Record, 0, len(ds.Actors)+len(ds.Zones)+len(ds.Incidents)+len(ds.Sites)+
		len(ds.Boundaries)+len(ds.Statistics))
	for _, r := range ds.Actors {
		out = append(out, r)
	}
	for _, r := range ds.Zones {
		out = append(out, r)
	}
	for _, r := range ds.Incidents {
		out = append(out, r)
	}
	for _, r := range ds.Sites {
		out = append(out, r)
	}
	for _, r := range ds.Boundaries {
		out = append(out, r)
	}
	for _, r := range ds.Statistics {
		out = append(out, r)
	}
	return out
}
