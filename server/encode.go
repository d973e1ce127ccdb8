package server

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
)

// This file streams GeoJSON FeatureCollections. Each feature is appended in
// place to the writer's buffer with strconv.Append*, and the buffer goes to
// the connection whenever it holds 64 KiB, so memory stays flat however
// many features a response has and an incident costs no allocation. The
// bytes of a feature are the bytes geo's MarshalJSON writes for the same record (same keys in the same order,
// the same omissions, encoding/json's number formatting and string escaping);
// encode_test.go holds the two to that.

// encodeBufferSize is how many bytes a featureWriter holds before writing
// them to its destination: large enough that writes to the connection are
// few, small enough to be negligible per request.
const encodeBufferSize = 64 << 10

// initialBufferSize is a featureWriter's first buffer, in bytes: room for
// a count's whole document (header and paging links), so a count does not
// pay for allocating and clearing 64 KiB it never uses. Once features
// fill half of it, begin replaces it with one of fullBufferSize.
const initialBufferSize = 1 << 10

// fullBufferSize is the capacity of a featureWriter's buffer once features
// flow: encodeBufferSize and room for the feature that crosses it.
const fullBufferSize = encodeBufferSize + encodeBufferSize/8

// errWriterState is returned when featureWriter methods are called out of
// order (a feature before Begin or after Close, Begin twice).
var errWriterState = errors.New("server: featureWriter used out of order")

// link is a web link of OGC API documents (RFC 8288 in JSON): Href is an
// absolute or root-relative URL, Rel its relation ("self", "next",
// "alternate", ...), Type its media type and Title a label.
type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// collectionHeader holds the members of a FeatureCollection other than
// its features, as OGC API – Features names them, plus the dataset version
// so that a response says which data it reflects.
type collectionHeader struct {
	// NumberMatched is how many features match the query before paging;
	// negative leaves it out (unknown).
	NumberMatched int
	// NumberReturned is how many features the document holds. Close fails
	// if a different number was written, because the document would lie.
	NumberReturned int
	// TimeStamp is when the answer was valid, written as RFC 3339 UTC to the
	// second; the zero time leaves it out. Pass the dataset's time, not the
	// clock's, if the same URL must give the same bytes.
	TimeStamp time.Time
	// DatasetVersion identifies the data answered from, written as
	// "datasetVersion"; "" leaves it out.
	DatasetVersion string
	// Links are written as "links"; none leaves it out.
	Links []link
}

// writerState is where a featureWriter is in the document.
type writerState uint8

const (
	stateNew      writerState = iota // nothing written
	stateFeatures                    // header written, features may follow
	stateClosed                      // document complete
)

// featureWriter streams one GeoJSON FeatureCollection to an io.Writer:
// Begin, then WriteIncident, WriteZone, WriteSite or WriteBoundary for each
// feature, then Close. Coordinates are written [lon, lat] as geo stores
// them. The first error is sticky: every later call returns it and writes
// nothing. A featureWriter is not safe for concurrent use.
type featureWriter struct {
	dst io.Writer
	// buf holds the bytes not yet written to dst. Features are appended to
	// it in place, with no copy from a scratch buffer, and it is written
	// out after the feature that fills it to encodeBufferSize.
	buf []byte
	// start is where the current feature begins in buf, so that one which
	// cannot be encoded is cut off.
	start    int
	state    writerState
	expected int // NumberReturned announced by Begin
	written  int // features written
	// bad says why the current feature cannot be encoded (a NaN or
	// infinite number, an unknown geometry type), or is "". The feature is
	// then dropped with an error, as json.Marshal fails on such a record.
	bad string
	err error
	// warm sums what warmIncidents read, so the compiler keeps its loads.
	warm int
	// safe is a direct-mapped cache of strings found to need no escaping
	// (see appendValue), indexed by safeSlot; begin allocates it with the
	// first feature, so a count does not pay for it.
	safe *[safeSlots]string
	// day and dayText are the last day appendDate wrote and its JSON.
	day     geo.Day
	dayText []byte
	// lead is the members the next feature starts with, before "type"
	// (see leadDistance); empty for none.
	lead []byte
}

// featureWriters keeps released featureWriters, their buffers and caches,
// for later responses: a full buffer is 72 KiB to allocate and clear, and
// a count's document would otherwise allocate a writer for a few hundred
// bytes.
var featureWriters = sync.Pool{New: func() any { return &featureWriter{buf: make([]byte, 0, initialBufferSize)} }}

// newFeatureWriter returns a featureWriter that buffers up to 64 KiB before
// writing to w. Call release when done with it.
func newFeatureWriter(w io.Writer) *featureWriter {
	fw := featureWriters.Get().(*featureWriter)
	fw.dst = w
	return fw
}

// release resets fw and keeps it for a later newFeatureWriter; fw must not
// be used after. The buffer, the cache of safe strings and the last day's
// text (still the text of day) are kept; they say nothing about the
// document written. A buffer a large feature grew past fullBufferSize is
// dropped, so the pool holds no more than that per writer.
func (fw *featureWriter) release() {
	buf := fw.buf[:0]
	if cap(buf) > fullBufferSize {
		buf = make([]byte, 0, initialBufferSize)
	}
	*fw = featureWriter{buf: buf, safe: fw.safe, day: fw.day, dayText: fw.dayText, lead: fw.lead[:0]}
	featureWriters.Put(fw)
}

// Begin writes the collection's opening and the members of h, and opens
// the "features" array. It returns errWriterState if called twice, and any
// write error.
func (fw *featureWriter) Begin(h collectionHeader) error {
	if fw.err == nil && fw.state != stateNew {
		fw.err = errWriterState
	}
	if fw.err != nil {
		return fw.err
	}
	b := append(fw.buf, `{"type":"FeatureCollection"`...)
	if h.NumberMatched >= 0 {
		b = append(b, `,"numberMatched":`...)
		b = strconv.AppendInt(b, int64(h.NumberMatched), 10)
	}
	b = append(b, `,"numberReturned":`...)
	b = strconv.AppendInt(b, int64(h.NumberReturned), 10)
	if !h.TimeStamp.IsZero() {
		b = append(b, `,"timeStamp":"`...)
		b = h.TimeStamp.UTC().AppendFormat(b, time.RFC3339)
		b = append(b, '"')
	}
	if h.DatasetVersion != "" {
		b = append(b, `,"datasetVersion":`...)
		b = appendString(b, h.DatasetVersion)
	}
	if len(h.Links) > 0 {
		b = append(b, `,"links":[`...)
		for i, l := range h.Links {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"href":`...)
			b = appendString(b, l.Href)
			b = append(b, `,"rel":`...)
			b = appendString(b, l.Rel)
			if l.Type != "" {
				b = append(b, `,"type":`...)
				b = appendString(b, l.Type)
			}
			if l.Title != "" {
				b = append(b, `,"title":`...)
				b = appendString(b, l.Title)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"features":[`...)
	fw.state, fw.expected = stateFeatures, h.NumberReturned
	fw.buf = b
	return fw.spill()
}

// spill writes the buffer to the destination once it holds
// encodeBufferSize bytes, and returns the sticky error.
func (fw *featureWriter) spill() error {
	if len(fw.buf) >= encodeBufferSize {
		return fw.writeBuffer()
	}
	return nil
}

// writeBuffer writes the buffer, if not empty, to the destination and
// empties it. The buffer keeps its capacity, so it grows to the largest
// feature once and no more.
func (fw *featureWriter) writeBuffer() error {
	if len(fw.buf) == 0 {
		return nil
	}
	_, fw.err = fw.dst.Write(fw.buf)
	fw.buf = fw.buf[:0]
	return fw.err
}

// begin starts a feature: it checks the state, and returns the buffer with
// the separator from the previous feature and the feature's opening up to
// its geometry appended, or ok false when nothing may be written.
func (fw *featureWriter) begin(id string) (b []byte, ok bool) {
	if fw.err == nil && fw.state != stateFeatures {
		fw.err = errWriterState
	}
	if fw.err != nil {
		return nil, false
	}
	if fw.safe == nil {
		fw.safe = new([safeSlots]string)
	}
	if cap(fw.buf) < fullBufferSize && len(fw.buf) > cap(fw.buf)/2 {
		fw.buf = append(make([]byte, 0, fullBufferSize), fw.buf...)
	}
	b, fw.start = fw.buf, len(fw.buf)
	if fw.written > 0 {
		b = append(b, ',')
	}
	b = append(b, '{')
	b = append(b, fw.lead...)
	fw.lead = fw.lead[:0]
	b = append(b, `"type":"Feature","id":`...)
	b = appendString(b, id)
	b = append(b, `,"geometry":`...)
	fw.bad = ""
	return b, true
}

// leadDistance makes the next feature start with the foreign member
// "distance_m": meters, to the centimetre, as GET /api/nearest writes it.
func (fw *featureWriter) leadDistance(meters float64) {
	b := append(fw.lead[:0], `"distance_m":`...)
	b = strconv.AppendFloat(b, float64(int64(meters*100+0.5))/100, 'f', -1, 64)
	fw.lead = append(b, ',')
}

// end closes the feature in b, the buffer begin returned with the feature
// appended, and keeps it, or cuts it off with an error naming id when it
// could not be encoded.
func (fw *featureWriter) end(b []byte, id string) error {
	if fw.bad != "" {
		fw.buf = b[:fw.start]
		fw.err = fmt.Errorf("server: feature %q has %s", id, fw.bad)
		return fw.err
	}
	fw.buf = append(b, "}}"...)
	fw.written++
	return fw.spill()
}

// WriteIncident writes in as a Feature with a Point geometry, as
// geo.Incident.MarshalJSON does. It allocates nothing once the scratch
// buffer has grown to the largest incident. It returns the sticky error, an
// error naming the incident if a number is NaN or infinite, or
// errWriterState outside Begin and Close.
func (fw *featureWriter) WriteIncident(in *geo.Incident) error {
	b, ok := fw.begin(string(in.ID))
	if !ok {
		return fw.err
	}
	b = fw.appendPointGeometry(b, in.Location)
	b = append(b, `,"properties":{"date":`...)
	b = fw.appendDate(b, in.Date)
	if in.DateEnd != in.Date {
		b = append(b, `,"date_end":`...)
		b = fw.appendDate(b, in.DateEnd)
	}
	b = append(b, `,"date_precision":`...)
	b = fw.appendValue(b, string(in.DatePrecision))
	b = append(b, `,"type":`...)
	b = fw.appendValue(b, string(in.Type))
	if in.SubType != "" {
		b = append(b, `,"sub_type":`...)
		b = fw.appendValue(b, string(in.SubType))
	}
	b = append(b, `,"actors":[`...)
	for i, a := range in.Actors {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		if a.Actor != "" {
			b = append(b, `"actor":`...)
			b = fw.appendValue(b, string(a.Actor))
			b = append(b, ',')
		}
		if a.Name != "" {
			b = append(b, `"name":`...)
			b = fw.appendValue(b, a.Name)
			b = append(b, ',')
		}
		b = append(b, `"role":`...)
		b = fw.appendValue(b, string(a.Role))
		b = append(b, '}')
	}
	b = append(b, `],"precision_m":`...)
	b = fw.appendFloat(b, in.PrecisionMeters)
	b = fw.appendOptionalValue(b, `,"place":`, in.Place)
	b = fw.appendOptionalValue(b, `,"governorate":`, in.Governorate)
	b = append(b, `,"fatalities_low":`...)
	b = appendInt(b, in.Fatalities.Low)
	b = append(b, `,"fatalities_best":`...)
	b = appendInt(b, in.Fatalities.Best)
	b = append(b, `,"fatalities_high":`...)
	b = appendInt(b, in.Fatalities.High)
	b = append(b, `,"fatalities_civilians":`...)
	b = appendInt(b, in.Fatalities.Civilians)
	b = fw.appendOptionalValue(b, `,"description":`, in.Description)
	b = fw.appendSources(b, in.Sources)
	b = append(b, `,"status":`...)
	b = fw.appendValue(b, string(in.Status))
	b = fw.appendOptionalValue(b, `,"origin":`, in.Origin.Dataset)
	b = appendOptional(b, `,"origin_id":`, in.Origin.ID)
	return fw.end(b, string(in.ID))
}

// readAhead is how many incidents warmIncidents reads at a time, ahead of
// the encoder. An index's page of incidents is spread over a heap of
// hundreds of megabytes, in (date, ID) order rather than memory order, so
// each record and the strings behind it can be cache misses, which the
// encoder would meet one after another, as its own loads depend on each
// other. Loading the next 32 records' cache lines in one independent burst
// lets the processor wait for those misses together: when it was written
// this halved the time per served incident (BenchmarkHTTPGeoJSON); 16 to
// 64 did about as well. Since geo.NewIndex lays records and their strings
// out in the order pages read them it matters less, but still took Q1 at
// a million incidents (a large area, whose page reads a few records of
// every part of it) from about 520 to 415 serve-ns/feature, and costs Q3
// (a small area) little if anything.
const readAhead = 32

// writeIncidentAt writes ins[i] as WriteIncident does. Every readAhead
// incidents it first warms the batch after the one it starts (and at 0
// the first as well), so the records are in cache when their turn comes.
func (fw *featureWriter) writeIncidentAt(ins []*geo.Incident, i int) error {
	if i%readAhead == 0 {
		from := i + readAhead
		if i == 0 {
			from = 0
		}
		fw.warmIncidents(ins[min(from, len(ins)):min(i+2*readAhead, len(ins))])
	}
	return fw.WriteIncident(ins[i])
}

// warmIncidents reads a field in each 64-byte stretch of every record of
// ins, then the first byte of the strings and slices behind them that
// WriteIncident reads, so that their cache misses overlap. What it reads
// is summed into fw.warm only so that the loads are not optimised away.
func (fw *featureWriter) warmIncidents(ins []*geo.Incident) {
	n := 0
	for _, in := range ins {
		n += len(in.ID) + len(in.Type) + int(in.Location[0]) + len(in.Place) + len(in.Description) + len(in.Sources) + len(in.Origin.ID)
	}
	for _, in := range ins {
		for _, s := range [...]string{string(in.ID), in.Place, in.Description, in.Origin.ID} {
			if s != "" {
				n += int(s[0])
			}
		}
		if len(in.Actors) > 0 {
			n += len(in.Actors[0].Actor)
		}
		if len(in.Sources) > 0 {
			n += len(in.Sources[0].Publisher)
		}
	}
	fw.warm += n
}

// WriteZone writes z as geo.Zone.MarshalJSON does: its Polygon or
// MultiPolygon, or for a circle zone the drawn polygon of
// geo.CirclePolygonVertices vertices plus the "circle" property
// ({"center": [lon, lat], "radius_m": metres}); open interval ends are
// null. Errors as WriteIncident.
func (fw *featureWriter) WriteZone(z *geo.Zone) error {
	b, ok := fw.begin(string(z.ID))
	if !ok {
		return fw.err
	}
	b = fw.appendGeometry(b, z.Geometry())
	b = append(b, `,"properties":{`...)
	if z.Name != "" {
		b = append(b, `"name":`...)
		b = appendString(b, z.Name)
		b = append(b, ',')
	}
	b = append(b, `"actor":`...)
	b = appendString(b, string(z.Actor))
	b = append(b, `,"status":`...)
	b = appendString(b, string(z.Status))
	b = append(b, `,"valid_from":`...)
	b = appendDay(b, z.Valid.From)
	b = append(b, `,"valid_to":`...)
	b = appendDay(b, z.Valid.To)
	if z.Circle != nil {
		b = append(b, `,"circle":{"center":`...)
		b = fw.appendPosition(b, z.Circle.Center)
		b = append(b, `,"radius_m":`...)
		b = fw.appendFloat(b, z.Circle.RadiusMeters)
		b = append(b, '}')
	}
	b = append(b, `,"approximate":`...)
	b = strconv.AppendBool(b, z.Approximate)
	// encoding/json's omitempty drops a float equal to zero (so -0 too).
	if z.UncertaintyMeters != 0 {
		b = append(b, `,"uncertainty_m":`...)
		b = fw.appendFloat(b, z.UncertaintyMeters)
	}
	b = fw.appendSources(b, z.Sources)
	b = appendOptional(b, `,"notes":`, z.Notes)
	return fw.end(b, string(z.ID))
}

// WriteSite writes s as geo.Site.MarshalJSON does, with a Point geometry.
// Errors as WriteIncident.
func (fw *featureWriter) WriteSite(s *geo.Site) error {
	b, ok := fw.begin(string(s.ID))
	if !ok {
		return fw.err
	}
	b = fw.appendPointGeometry(b, s.Location)
	b = append(b, `,"properties":{"name":`...)
	b = appendString(b, s.Name)
	b = appendOptional(b, `,"name_ar":`, s.NameAR)
	if len(s.AltNames) > 0 {
		b = append(b, `,"alt_names":[`...)
		for i, n := range s.AltNames {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, n)
		}
		b = append(b, ']')
	}
	b = append(b, `,"kind":`...)
	b = appendString(b, string(s.Kind))
	b = appendOptional(b, `,"governorate":`, s.Governorate)
	b = fw.appendSources(b, s.Sources)
	b = appendOptional(b, `,"notes":`, s.Notes)
	return fw.end(b, string(s.ID))
}

// WriteBoundary writes bd as geo.Boundary.MarshalJSON does. Errors as
// WriteIncident.
func (fw *featureWriter) WriteBoundary(bd *geo.Boundary) error {
	b, ok := fw.begin(bd.ID)
	if !ok {
		return fw.err
	}
	b = fw.appendGeometry(b, bd.Area)
	b = append(b, `,"properties":{"name":`...)
	b = appendString(b, bd.Name)
	b = appendOptional(b, `,"name_ar":`, bd.NameAR)
	b = append(b, `,"level":`...)
	b = appendString(b, string(bd.Level))
	b = appendOptional(b, `,"source":`, bd.Source)
	return fw.end(b, bd.ID)
}

// Flush writes buffered bytes to the underlying writer and, when that is an
// http.Flusher, flushes it too, so a client sees the features so far. Call
// it every few thousand features on a slow query; it returns the sticky
// error.
func (fw *featureWriter) Flush() error {
	if fw.err != nil || fw.writeBuffer() != nil {
		return fw.err
	}
	if f, ok := fw.dst.(http.Flusher); ok {
		f.Flush()
	}
	return nil
}

// Close ends the features array and the collection with a newline, and
// flushes the buffer. It returns the sticky error, errWriterState when
// Begin was not called or Close was, and an error when the number of
// features written differs from the header's NumberReturned.
func (fw *featureWriter) Close() error {
	if fw.err == nil && fw.state != stateFeatures {
		fw.err = errWriterState
	}
	if fw.err != nil {
		return fw.err
	}
	fw.state = stateClosed
	fw.buf = append(fw.buf, "]}\n"...)
	if fw.writeBuffer() != nil {
		return fw.err
	}
	if fw.written != fw.expected {
		fw.err = fmt.Errorf("server: wrote %d features after announcing numberReturned %d", fw.written, fw.expected)
	}
	return fw.err
}

// appendPointGeometry appends a GeoJSON Point geometry at p ([lon, lat]).
// Incidents and sites take this path rather than appendGeometry so that p is
// never boxed in an interface.
func (fw *featureWriter) appendPointGeometry(b []byte, p orb.Point) []byte {
	return append(fw.appendPosition(openGeometry(b, "Point"), p), '}')
}

// openGeometry appends a geometry's opening up to its coordinates.
func openGeometry(b []byte, typ string) []byte {
	b = append(b, `{"type":"`...)
	b = append(b, typ...)
	return append(b, `","coordinates":`...)
}

// appendGeometry appends g as orb's geojson.NewGeometry marshals it: null
// for nil or an empty Collection, a Ring or Bound as a Polygon, a nil
// coordinate slice as null, and a Collection's members recursively. A type
// outside orb's set marks the feature unencodable.
func (fw *featureWriter) appendGeometry(b []byte, g orb.Geometry) []byte {
	switch g := g.(type) {
	case nil:
		return append(b, "null"...)
	case orb.Point:
		return fw.appendPointGeometry(b, g)
	case orb.MultiPoint:
		return append(fw.appendPositions(openGeometry(b, "MultiPoint"), g), '}')
	case orb.LineString:
		return append(fw.appendPositions(openGeometry(b, "LineString"), g), '}')
	case orb.MultiLineString:
		return append(appendPositionLists(fw, openGeometry(b, "MultiLineString"), g), '}')
	case orb.Ring:
		return fw.appendGeometry(b, orb.Polygon{g})
	case orb.Polygon:
		return append(appendPositionLists(fw, openGeometry(b, "Polygon"), g), '}')
	case orb.MultiPolygon:
		b = openGeometry(b, "MultiPolygon")
		if g == nil {
			return append(b, "null}"...)
		}
		b = append(b, '[')
		for i, p := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendPositionLists(fw, b, p)
		}
		return append(b, "]}"...)
	case orb.Bound:
		return fw.appendGeometry(b, g.ToPolygon())
	case orb.Collection:
		if len(g) == 0 {
			return append(b, "null"...)
		}
		b = append(b, `{"type":"GeometryCollection","geometries":[`...)
		for i, m := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = fw.appendGeometry(b, m)
		}
		return append(b, "]}"...)
	default:
		fw.bad = fmt.Sprintf("a geometry of type %T, which GeoJSON cannot encode", g)
		return b
	}
}

// appendPositionLists appends the rings of a polygon or the lines of a
// multi-line, or null for a nil slice.
func appendPositionLists[L ~[]orb.Point](fw *featureWriter, b []byte, lists []L) []byte {
	if lists == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, ps := range lists {
		if i > 0 {
			b = append(b, ',')
		}
		b = fw.appendPositions(b, ps)
	}
	return append(b, ']')
}

// appendPositions appends [[lon,lat],...], or null for a nil slice.
func (fw *featureWriter) appendPositions(b []byte, ps []orb.Point) []byte {
	if ps == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = fw.appendPosition(b, p)
	}
	return append(b, ']')
}

// appendPosition appends [lon,lat].
func (fw *featureWriter) appendPosition(b []byte, p orb.Point) []byte {
	b = append(b, '[')
	b = fw.appendFloat(b, p[0])
	b = append(b, ',')
	b = fw.appendFloat(b, p[1])
	return append(b, ']')
}

// appendFloat appends f as encoding/json does (ES6 number formatting:
// shortest round-trip digits, exponent only below 1e-6 or from 1e21, no
// leading zero in the exponent). A NaN or infinity marks the feature
// unencodable and appends nothing, for end to report.
func (fw *featureWriter) appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		fw.bad = "a NaN or infinite number, which JSON cannot encode"
		return b
	}
	abs := math.Abs(f)
	if i := int64(f); float64(i) == f && abs < 1e15 && (i != 0 || !math.Signbit(f)) {
		// A whole number (precisions in metres, often 0) is its integer;
		// -0 is left to strconv, which writes "-0" as encoding/json does.
		return appendInt(b, int(i))
	}
	if abs >= 1e-6 && abs < 1e9 {
		if k := math.Round(f * 1e6); k/1e6 == f {
			return appendMicros(b, int64(k))
		}
	}
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// Turn e-07 into e-7, as encoding/json does.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendMicros appends k millionths as a decimal with the trailing zeros
// of its fraction dropped: 38630000 is 38.63, -500000 is -0.5.
//
// appendFloat takes this path for a float f that is exactly the double
// nearest k/10⁶ (|f| from 10⁻⁶ to 10⁹), as coordinates stored to a few
// decimals and whole metres are, and it writes what strconv's shortest
// round-trip formatting would, several times faster: the decimal parses
// back to f, and no other decimal with as few digits does, because two
// decimals of at most six places differ by at least 10⁻⁶ while the doubles
// near f are less than 2.4×10⁻⁷ apart.
func appendMicros(b []byte, k int64) []byte {
	if k < 0 {
		b = append(b, '-')
		k = -k
	}
	if k < 100e6 {
		// Two digits or fewer before the point, as degrees have.
		if whole := int(k / 1e6); whole < 10 {
			b = append(b, byte('0'+whole))
		} else {
			b = append(b, digitPairs[2*whole], digitPairs[2*whole+1])
		}
	} else {
		b = strconv.AppendInt(b, k/1e6, 10)
	}
	frac := int(k % 1e6)
	if frac == 0 {
		return b
	}
	hi, mid, lo := frac/10000, frac/100%100, frac%100
	digits := [7]byte{'.',
		digitPairs[2*hi], digitPairs[2*hi+1], digitPairs[2*mid], digitPairs[2*mid+1], digitPairs[2*lo], digitPairs[2*lo+1]}
	n := 7
	for digits[n-1] == '0' {
		n--
	}
	return append(b, digits[:n]...)
}

// digitPairs holds the two decimal digits of 0 to 99 at 2i and 2i+1.
const digitPairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// appendDay appends d as geo.Day.MarshalJSON does: "YYYY-MM-DD" (UTC), or
// null for an open bound.
func appendDay(b []byte, d geo.Day) []byte {
	if d.IsOpen() {
		return append(b, "null"...)
	}
	y, m, dd := civil(int64(d))
	if y < 0 || y > 9999 {
		// Only time's formatting knows how geo writes such years.
		b = append(b, '"')
		b = d.Time().AppendFormat(b, time.DateOnly)
		return append(b, '"')
	}
	return append(b, '"',
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+dd/10), byte('0'+dd%10), '"')
}

// civil returns the proleptic Gregorian year, month (1-12) and day (1-31)
// of the day days after 1970-01-01, by Howard Hinnant's days_from_civil
// inverse ("chrono-Compatible Low-Level Date Algorithms"). It is several
// times faster than formatting through time.Time, and dates are in every
// incident.
func civil(days int64) (year, month, day int64) {
	days += 719468 // shift the epoch to 0000-03-01
	era := days
	if era < 0 {
		era -= 146096
	}
	era /= 146097
	doe := days - era*146097                               // day of era, [0, 146096]
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // year of era, [0, 399]
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // day of year from March 1, [0, 365]
	mp := (5*doy + 2) / 153                                // month from March, [0, 11]
	day = doy - (153*mp+2)/5 + 1
	month = mp + 3
	if month > 12 {
		month -= 12
	}
	year = yoe + era*400
	if month <= 2 {
		year++
	}
	return year, month, day
}

// appendOptional appends key and s unless s is empty, the omitempty rule.
func appendOptional(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return appendString(append(b, key...), s)
}

// safeSlots is the size of featureWriter.safe: room for the hundred or so
// values that repeat in the fields of a page (types, sub-types, statuses,
// town names, actors, publishers) with few collisions.
const safeSlots = 256

// safeSlot returns the slot of fw.safe for s, which is not empty: a hash
// of its length and its first, middle and last bytes, which tells apart
// the values of the fields that repeat.
func safeSlot(s string) int {
	h := uint32(len(s)) | uint32(s[0])<<8 | uint32(s[len(s)/2])<<16 | uint32(s[len(s)-1])<<24
	return int(h * 0x9e3779b1 >> 24 % safeSlots)
}

// appendValue appends s as appendString does, for a field whose values
// repeat from feature to feature (a type, a status, a place, an actor): a
// value found to need no escaping is kept in fw.safe, and the next time
// the same value comes it is copied without being scanned. Comparing it
// costs nothing when it is the very same string (geo.NewIndex gives
// repeated values one copy), and no more than the scan otherwise.
func (fw *featureWriter) appendValue(b []byte, s string) []byte {
	if s == "" {
		return append(b, `""`...)
	}
	slot := &fw.safe[safeSlot(s)]
	if *slot != s {
		if !jsonSafeString(s) {
			return appendString(b, s)
		}
		*slot = s
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendOptionalValue is appendOptional through appendValue.
func (fw *featureWriter) appendOptionalValue(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return fw.appendValue(append(b, key...), s)
}

// appendDate appends d as appendDay does, remembering the last day: a page
// in (date, ID) order has runs of features of one day.
func (fw *featureWriter) appendDate(b []byte, d geo.Day) []byte {
	if d != fw.day || fw.dayText == nil {
		fw.day, fw.dayText = d, appendDay(fw.dayText[:0], d)
	}
	return append(b, fw.dayText...)
}

// appendInt appends v in decimal, as strconv.AppendInt does, with a
// shortcut for one digit: fatality counts are mostly 0 to 9.
func appendInt(b []byte, v int) []byte {
	if uint(v) < 10 {
		return append(b, byte('0'+v))
	}
	return strconv.AppendInt(b, int64(v), 10)
}

// appendSources appends ,"sources":[...] as geo.Source.MarshalJSON writes
// each source; no sources is [], never null.
func (fw *featureWriter) appendSources(b []byte, srcs []geo.Source) []byte {
	b = append(b, `,"sources":[`...)
	for i := range srcs {
		s := &srcs[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"publisher":`...)
		b = fw.appendValue(b, s.Publisher)
		b = fw.appendOptionalValue(b, `,"title":`, s.Title)
		b = appendOptional(b, `,"url":`, s.URL)
		// The zero Day means unknown and is left out, as in geo.
		if s.Published != 0 {
			b = append(b, `,"published":`...)
			b = appendDay(b, s.Published)
		}
		b = fw.appendOptionalValue(b, `,"note":`, s.Note)
		b = append(b, '}')
	}
	return append(b, ']')
}

// jsonSafe[c] reports whether byte c can appear unescaped in a JSON string
// written by encoding/json with HTML escaping: ASCII, and not a control
// character, '"', '\\', '<', '>' or '&'. Bytes from 0x80 are false, so the
// common case costs one lookup per byte.
var jsonSafe = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// jsonSafeString reports whether no byte of s needs escaping (jsonSafe),
// eight bytes at a time: the last, short stretch of a string of eight bytes
// or more is tested as its last eight bytes, overlapping the ones before.
func jsonSafeString(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if !safeWord(s[i : i+8]) {
			return false
		}
	}
	switch {
	case i == len(s):
		return true
	case len(s) >= 8:
		return safeWord(s[len(s)-8:])
	}
	for ; i < len(s); i++ {
		if !jsonSafe[s[i]] {
			return false
		}
	}
	return true
}

// safeWord reports whether no byte of the 8 bytes s needs escaping, as
// jsonSafe says, testing them together with the word-at-a-time tricks of
// Sean Anderson's "Bit Twiddling Hacks" (haszero, hasless): a byte is
// unsafe if it is 0x80 or above, below 0x20, or equal to '"', '\\', '<',
// '>' or '&'. Strings are mostly safe ASCII, which this passes several
// times faster than a lookup per byte.
func safeWord(s string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	_ = s[7]
	x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	// v-ones & ^v & highs is non-zero when a byte of v is zero, so each
	// x^(c*ones) finds a byte equal to c; x-0x20*ones & ^x & highs finds one
	// below 0x20.
	q, bs, lt, gt, amp := x^('"'*ones), x^('\\'*ones), x^('<'*ones), x^('>'*ones), x^('&'*ones)
	unsafe := x | (x-0x20*ones)&^x |
		(q-ones)&^q | (bs-ones)&^bs | (lt-ones)&^lt | (gt-ones)&^gt | (amp-ones)&^amp
	return unsafe&highs == 0
}

// hexDigits are the lower-case hex digits encoding/json uses in \u escapes.
const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string exactly as encoding/json writes
// it: \" \\ \b \f \n \r \t, other control characters and <, >, & as \u00XX
// (so the output is safe inside HTML), U+2028 and U+2029 as \u2028 and
// \u2029 (so it is safe as JavaScript), and each invalid UTF-8 byte as
// \ufffd.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	if jsonSafeString(s) {
		b = append(b, s...)
		return append(b, '"')
	}
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if jsonSafe[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
