package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
)

// This file is the only place query parameters are parsed. Every parser takes
// the request's url.Values, treats an absent parameter as its default, and
// returns an error that is nil or a *geo.ValidationError whose Field is the
// parameter name and whose Reason says what is wrong and what is expected.
// A parameter given twice, or given with an empty value, is an error: silently
// picking one of two bboxes would answer a question nobody asked.
//
// Handlers collect every failure with paramErrors so that one response lists
// every bad parameter:
//
//	var errs paramErrors
//	errs.add(rejectUnknown(q, "bbox", "datetime", "limit"))
//	bbox, hasBBox, err := parseBBox(q)
//	errs.add(err)
//	limit, err := parseLimit(q)
//	errs.add(err)
//	if err := errs.err(); err != nil {
//		return err
//	}

// Limits of the paging and filter parameters.
const (
	// defaultLimit and maxLimit bound "limit", in features per page. A limit
	// above the maximum is refused rather than clamped, so a client never
	// mistakes a short page for the whole answer.
	defaultLimit = 100
	maxLimit     = 10_000
	// maxOffset bounds "offset", in features: ten times the 1M incidents the
	// service is sized for, so any real page is reachable and an absurd one
	// is refused before it reaches the index.
	maxOffset = 10_000_000
	// maxFatalities bounds "min_fatalities"; no single incident in any
	// dataset we import comes near it.
	maxFatalities = 1_000_000
	// defaultCellDegrees, minCellDegrees and maxCellDegrees bound "cell", the
	// side of a grid cell in degrees of lon and lat. 0.1° is about 11 km of
	// latitude, a useful density over Syria (about 7° by 5°).
	defaultCellDegrees = 0.1
	minCellDegrees     = 0.01
	maxCellDegrees     = 10.0
	// maxGridCells bounds the cells a grid request may span (bbox area over
	// cell area), so a tiny cell over the whole world cannot exhaust memory.
	maxGridCells = 1_000_000
	// minYear and maxYear bound the years of dates in parameters; geo
	// refuses record dates outside them too.
	minYear = 1000
	maxYear = 9999
	// maxQuoted is how many bytes of a bad value an error message echoes.
	maxQuoted = 64
)

// paramErrors is every invalid parameter of one request, in the order the
// handler checked them. It is an error: problem.go writes it as one 400
// problem with one entry in "errors" per element. Unwrap exposes the
// elements, so errors.As finds the first *geo.ValidationError too.
type paramErrors []*geo.ValidationError

// Error joins the elements' messages with "; ".
func (pe paramErrors) Error() string {
	msgs := make([]string, len(pe))
	for i, e := range pe {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// Unwrap returns the elements as errors.
func (pe paramErrors) Unwrap() []error {
	errs := make([]error, len(pe))
	for i, e := range pe {
		errs[i] = e
	}
	return errs
}

// add records err, which is nil, a *geo.ValidationError or a paramErrors,
// as every parser in this file returns. Any other error is a programming
// error in this file, and add panics so serveExchange reports it as a 500
// rather than a client's fault.
func (pe *paramErrors) add(err error) {
	switch err := err.(type) {
	case nil:
	case *geo.ValidationError:
		*pe = append(*pe, err)
	case paramErrors:
		*pe = append(*pe, err...)
	default:
		panic(fmt.Sprintf("server: paramErrors.add given %T, not a validation error", err))
	}
}

// err returns nil when nothing was recorded and the paramErrors otherwise,
// so that a nil result is a nil interface.
func (pe paramErrors) err() error {
	if len(pe) == 0 {
		return nil
	}
	return pe
}

// invalidParam builds the *geo.ValidationError for parameter name; the
// format applies to the reason.
func invalidParam(name, format string, args ...any) error {
	return &geo.ValidationError{Field: name, Reason: fmt.Sprintf(format, args...)}
}

// quote returns s as a Go-quoted string for an error message, cut to
// maxQuoted bytes so a huge parameter does not make a huge problem document.
func quote(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}

// rejectUnknown returns a paramErrors naming, in sorted order, every
// parameter of q that is not in allowed, or nil. OGC API – Features
// (/req/core/query-param-unknown) asks for a 400 here, and it turns a
// misspelt filter into an error instead of an unfiltered answer.
func rejectUnknown(q url.Values, allowed ...string) error {
	var unknown []string
	for name := range q {
		if !slices.Contains(allowed, name) {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	var errs paramErrors
	for _, name := range unknown {
		errs.add(invalidParam(name, "unknown parameter; allowed: %s", strings.Join(allowed, ", ")))
	}
	return errs.err()
}

// single returns the value of parameter name and whether it is present. It
// is an error for the parameter to be repeated or empty.
func single(q url.Values, name string) (string, bool, error) {
	vs, ok := q[name]
	switch {
	case !ok:
		return "", false, nil
	case len(vs) > 1:
		return "", false, invalidParam(name, "given %d times; give it once", len(vs))
	case vs[0] == "":
		return "", false, invalidParam(name, "is empty; give a value or leave the parameter out")
	}
	return vs[0], true, nil
}

// requirePair returns an error naming b when a is present without it, or a
// when b is present without it, for parameters that only make sense
// together, such as point and radius.
func requirePair(q url.Values, a, b string) error {
	_, hasA := q[a]
	_, hasB := q[b]
	switch {
	case hasA && !hasB:
		return invalidParam(b, "is required with %s", a)
	case hasB && !hasA:
		return invalidParam(a, "is required with %s", b)
	}
	return nil
}

// parseFloats splits s at commas into finite float64s. It returns the index
// of the first bad number and a reason, or -1.
func parseFloats(s string, dst []float64) ([]float64, int, string) {
	for i, part := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(part), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, i, fmt.Sprintf("%s is not a finite number", quote(part))
		}
		dst = append(dst, v)
	}
	return dst, -1, ""
}

// parseBBox parses "bbox" as minLon,minLat,maxLon,maxLat in WGS84 degrees,
// or as the 3D form minLon,minLat,minHeight,maxLon,maxLat,maxHeight whose
// heights are ignored (but must not be reversed), as OGC API – Features
// allows. It reports whether
// bbox was given; when it was not, the Bound is the whole world. Boxes
// across the antimeridian (minLon > maxLon) are refused, not wrapped, and so
// are a reversed latitude range and coordinates out of range. A box with
// minLon == maxLon or minLat == maxLat is a line or point and is allowed;
// its edges are inside it.
func parseBBox(q url.Values) (orb.Bound, bool, error) {
	world := orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	s, ok, err := single(q, "bbox")
	if !ok {
		return world, false, err
	}
	const want = "expected minLon,minLat,maxLon,maxLat in degrees"
	v, bad, reason := parseFloats(s, make([]float64, 0, 6))
	if bad >= 0 {
		return world, false, invalidParam("bbox", "number %d: %s; %s", bad+1, reason, want)
	}
	var b orb.Bound
	switch len(v) {
	case 4:
		b = orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}
	case 6:
		if v[2] > v[5] {
			return world, false, invalidParam("bbox", "minHeight %g is greater than maxHeight %g; expected minLon,minLat,minHeight,maxLon,maxLat,maxHeight", v[2], v[5])
		}
		b = orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[3], v[4]}}
	default:
		return world, false, invalidParam("bbox", "has %d numbers; %s (or the 6-number form with heights)", len(v), want)
	}
	for _, c := range []struct {
		name string
		v    float64
		max  float64
	}{{"minLon", b.Min[0], 180}, {"minLat", b.Min[1], 90}, {"maxLon", b.Max[0], 180}, {"maxLat", b.Max[1], 90}} {
		if c.v < -c.max || c.v > c.max {
			return world, false, invalidParam("bbox", "%s %g is outside [%g, %g]; %s", c.name, c.v, -c.max, c.max, want)
		}
	}
	if b.Min[0] > b.Max[0] {
		return world, false, invalidParam("bbox", "minLon %g is greater than maxLon %g; boxes crossing the antimeridian are not supported, split the box in two", b.Min[0], b.Max[0])
	}
	if b.Min[1] > b.Max[1] {
		return world, false, invalidParam("bbox", "minLat %g is greater than maxLat %g; %s", b.Min[1], b.Max[1], want)
	}
	return b, true, nil
}

// parsePoint parses parameter name as "lon,lat" in WGS84 degrees, the
// GeoJSON order, and reports whether it was given.
func parsePoint(q url.Values, name string) (orb.Point, bool, error) {
	s, ok, err := single(q, name)
	if !ok {
		return orb.Point{}, false, err
	}
	const want = "expected lon,lat in degrees"
	v, bad, reason := parseFloats(s, make([]float64, 0, 2))
	if bad >= 0 {
		return orb.Point{}, false, invalidParam(name, "number %d: %s; %s", bad+1, reason, want)
	}
	if len(v) != 2 {
		return orb.Point{}, false, invalidParam(name, "has %d numbers; %s", len(v), want)
	}
	p := orb.Point{v[0], v[1]}
	if p[0] < -180 || p[0] > 180 {
		return orb.Point{}, false, invalidParam(name, "longitude %g is outside [-180, 180]; %s", p[0], want)
	}
	if p[1] < -90 || p[1] > 90 {
		return orb.Point{}, false, invalidParam(name, "latitude %g is outside [-90, 90]; %s (longitude first)", p[1], want)
	}
	return p, true, nil
}

// parseRadius parses "radius" in metres, in (0, geo.MaxRadiusMeters], and
// reports whether it was given. Pair it with "point" using requirePair.
func parseRadius(q url.Values) (float64, bool, error) {
	s, ok, err := single(q, "radius")
	if !ok {
		return 0, false, err
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v <= 0 || v > geo.MaxRadiusMeters {
		return 0, false, invalidParam("radius", "%s is not a number of metres in (0, %d]", quote(s), geo.MaxRadiusMeters)
	}
	return v, true, nil
}

// parseInt parses parameter name as a decimal integer in [lo, hi] of unit
// (plural, for messages), returning def when it is absent. Out of range is
// an error, never a clamp.
func parseInt(q url.Values, name string, def, lo, hi int, unit string) (int, error) {
	s, ok, err := single(q, name)
	if !ok {
		return def, err
	}
	v, err := strconv.Atoi(s)
	switch {
	case err != nil:
		return def, invalidParam(name, "%s is not a whole number; expected %s from %d to %d", quote(s), unit, lo, hi)
	case v < lo:
		return def, invalidParam(name, "%d is below the minimum %d %s", v, lo, unit)
	case v > hi:
		return def, invalidParam(name, "%d is above the maximum %d %s", v, hi, unit)
	}
	return v, nil
}

// parseLimit parses "limit", the most features in one response: default
// 100, from 1 to 10,000. Over the maximum is an error, not a clamp, so a
// client never mistakes a short page for the whole answer.
func parseLimit(q url.Values) (int, error) {
	return parseInt(q, "limit", defaultLimit, 1, maxLimit, "features")
}

// parseOffset parses "offset", how many matching features to skip before
// the first one returned: default 0, at most maxOffset.
func parseOffset(q url.Values) (int, error) {
	return parseInt(q, "offset", 0, 0, maxOffset, "features")
}

// parseMinFatalities parses "min_fatalities", the smallest best estimate of
// deaths an incident must have to match: default 0 (every incident), at
// most maxFatalities.
func parseMinFatalities(q url.Values) (int, error) {
	return parseInt(q, "min_fatalities", 0, 0, maxFatalities, "deaths")
}

// parseDay parses s as a calendar date YYYY-MM-DD (instant false) or, with
// instant true, also as an RFC 3339 date-time, whose UTC day is taken, or
// as a date followed by a bare "T", which GDAL 3.6's OGC API driver writes
// for a filter on a date field (date >= '2026-01-01' becomes
// datetime=2026-01-01T/..). The reason it returns on failure describes the
// expected form.
func parseDay(s string, instant bool) (geo.Day, string) {
	var t time.Time
	var err error
	if instant && len(s) == len(time.DateOnly)+1 && (s[len(s)-1] == 'T' || s[len(s)-1] == 't') {
		s = s[:len(time.DateOnly)]
	}
	if instant && len(s) > len(time.DateOnly) {
		// RFC 3339 allows a lower-case "t" and "z"; Go's parser does not.
		t, err = time.Parse(time.RFC3339, strings.ToUpper(s))
	} else {
		t, err = time.Parse(time.DateOnly, s)
	}
	if err != nil {
		if instant {
			return 0, fmt.Sprintf("%s is not a date YYYY-MM-DD or an RFC 3339 date-time such as 2025-01-31T10:00:00Z", quote(s))
		}
		return 0, fmt.Sprintf("%s is not a date of the form YYYY-MM-DD", quote(s))
	}
	if y := t.UTC().Year(); y < minYear || y > maxYear {
		return 0, fmt.Sprintf("%s is outside the years %d to %d", quote(s), minYear, maxYear)
	}
	return geo.DayOf(t), ""
}

// parseDate parses parameter name as a calendar date YYYY-MM-DD (UTC) and
// reports whether it was given.
func parseDate(q url.Values, name string) (geo.Day, bool, error) {
	s, ok, err := single(q, name)
	if !ok {
		return 0, false, err
	}
	d, reason := parseDay(s, false)
	if reason != "" {
		return 0, false, invalidParam(name, "%s", reason)
	}
	return d, true, nil
}

// requireDate is parseDate for a parameter that must be given.
func requireDate(q url.Values, name string) (geo.Day, error) {
	d, ok, err := parseDate(q, name)
	if err == nil && !ok {
		err = invalidParam(name, "is required; expected a date YYYY-MM-DD")
	}
	return d, err
}

// parseDatetime parses "datetime" as OGC API – Features defines it: an
// instant (a date YYYY-MM-DD, or an RFC 3339 date-time whose UTC day is
// used), or an interval "start/end" whose ends are instants, ".." or empty
// for an open end. The result is a closed interval of days; an instant is
// the single day. Absent, it is geo.Always. An interval with both ends open
// ("../..", "/") is an error, as in the standard's grammar, and so is an
// end before the start.
func parseDatetime(q url.Values) (geo.Interval, error) {
	s, ok, err := single(q, "datetime")
	if !ok {
		return geo.Always, err
	}
	start, end, isInterval := strings.Cut(s, "/")
	if !isInterval {
		d, reason := parseDay(s, true)
		if reason != "" {
			return geo.Always, invalidParam("datetime", "%s", reason)
		}
		return geo.Interval{From: d, To: d}, nil
	}
	open := func(bound string) bool { return bound == "" || bound == ".." }
	if open(start) && open(end) {
		return geo.Always, invalidParam("datetime", "%s has no date: an interval needs a start or an end (2025-01-01/.. or ../2025-12-31); leave datetime out for every date", quote(s))
	}
	iv := geo.Always
	if !open(start) {
		d, reason := parseDay(start, true)
		if reason != "" {
			return geo.Always, invalidParam("datetime", "start: %s; open ends are \"..\"", reason)
		}
		iv.From = d
	}
	if !open(end) {
		d, reason := parseDay(end, true)
		if reason != "" {
			return geo.Always, invalidParam("datetime", "end: %s; open ends are \"..\"", reason)
		}
		iv.To = d
	}
	if iv.To < iv.From {
		return geo.Always, invalidParam("datetime", "end %s is before start %s", iv.To, iv.From)
	}
	return iv, nil
}

// parseEnum parses parameter name as one of allowed, matched exactly, and
// returns "" when it is absent (no filter).
func parseEnum[T ~string](q url.Values, name string, allowed []T) (T, error) {
	s, ok, err := single(q, name)
	if !ok {
		return "", err
	}
	if !slices.Contains(allowed, T(s)) {
		return "", invalidParam(name, "%s is not one of: %s", quote(s), joinStrings(allowed))
	}
	return T(s), nil
}

// joinStrings joins vs with ", ", for the "one of" lists of error messages.
func joinStrings[T ~string](vs []T) string {
	var b strings.Builder
	for i, v := range vs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(v))
	}
	return b.String()
}

// parseEventType parses "type", one of geo.EventTypes, "" when absent.
func parseEventType(q url.Values) (geo.EventType, error) {
	return parseEnum(q, "type", geo.EventTypes)
}

// parseSubType parses "sub_type", a key of geo.SubTypes, "" when absent.
// When typ is set the sub-type must belong to it, since the pair could
// match nothing.
func parseSubType(q url.Values, typ geo.EventType) (geo.SubType, error) {
	if !q.Has("sub_type") {
		return "", nil // spares sorting the sub-types on every request
	}
	st, err := parseEnum(q, "sub_type", sortedSubTypes())
	if err != nil || st == "" || typ == "" {
		return st, err
	}
	if t, _ := st.Type(); t != typ {
		return "", invalidParam("sub_type", "%s belongs to type %s, not %s; sub-types of %s: %s",
			quote(string(st)), t, typ, typ, joinStrings(geo.SubTypesOf(typ)))
	}
	return st, nil
}

// parseIncidentStatus parses "status" for incidents, one of
// geo.IncidentStatuses, "" when absent.
func parseIncidentStatus(q url.Values) (geo.IncidentStatus, error) {
	return parseEnum(q, "status", geo.IncidentStatuses)
}

// parseZoneStatus parses "status" for zones, one of geo.ZoneStatuses, ""
// when absent.
func parseZoneStatus(q url.Values) (geo.ZoneStatus, error) {
	return parseEnum(q, "status", geo.ZoneStatuses)
}

// parseActor parses "actor", the slug of one of known (the catalog's
// actors), "" when absent.
func parseActor(q url.Values, known []geo.ActorID) (geo.ActorID, error) {
	return parseEnum(q, "actor", known)
}

// parseGovernorate parses "governorate", one of known (the catalog's
// governorate names), matched without regard to case, and returns the
// name as known spells it, "" when absent.
func parseGovernorate(q url.Values, known []string) (string, error) {
	s, ok, err := single(q, "governorate")
	if !ok {
		return "", err
	}
	for _, k := range known {
		if strings.EqualFold(k, s) {
			return k, nil
		}
	}
	return "", invalidParam("governorate", "%s is not one of: %s", quote(s), strings.Join(known, ", "))
}

// parseResultType parses "resultType": "results" (the default) or "hits",
// for which the answer has numberMatched and no features. It reports
// whether hits were asked for.
func parseResultType(q url.Values) (bool, error) {
	rt, err := parseEnum(q, "resultType", []string{"results", "hits"})
	return rt == "hits", err
}

// statsGroup is what /api/stats groups incidents by.
type statsGroup string

// The groupings of /api/stats. groupZone attributes each incident to the
// zones that held its location on its date.
const (
	groupZone        statsGroup = "zone"
	groupActor       statsGroup = "actor"
	groupType        statsGroup = "type"
	groupMonth       statsGroup = "month"
	groupGovernorate statsGroup = "governorate"
)

// statsGroups lists every statsGroup, in the order error messages give them.
var statsGroups = []statsGroup{groupZone, groupActor, groupType, groupMonth, groupGovernorate}

// parseGroup parses "group", which is required, as one of statsGroups.
func parseGroup(q url.Values) (statsGroup, error) {
	g, err := parseEnum(q, "group", statsGroups)
	if err == nil && g == "" {
		err = invalidParam("group", "is required; one of: %s", joinStrings(statsGroups))
	}
	return g, err
}

// parseCell parses "cell", the side of a square grid cell in degrees of lon
// and lat, in [0.01, 10], default 0.1.
func parseCell(q url.Values) (float64, error) {
	s, ok, err := single(q, "cell")
	if !ok {
		return defaultCellDegrees, err
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v >= minCellDegrees && v <= maxCellDegrees) {
		return defaultCellDegrees, invalidParam("cell", "%s is not a number of degrees in [%g, %g]", quote(s), minCellDegrees, maxCellDegrees)
	}
	return v, nil
}

// checkGridCells returns an error naming "cell" when a grid of cells of
// cellDegrees over bound b ([lon, lat] degrees) would exceed maxGridCells.
func checkGridCells(b orb.Bound, cellDegrees float64) error {
	cols := math.Ceil((b.Max[0] - b.Min[0]) / cellDegrees)
	rows := math.Ceil((b.Max[1] - b.Min[1]) / cellDegrees)
	if n := max(cols, 1) * max(rows, 1); n > maxGridCells {
		return invalidParam("cell", "%g° cells over this bbox make %.0f cells, more than %d; use a larger cell or a smaller bbox", cellDegrees, n, maxGridCells)
	}
	return nil
}

// incidentFilterParams are the query parameters parseIncidentFilters reads,
// for rejectUnknown: the place (bbox, zone, or point with radius), the time
// window and the attribute filters the incidents collection offers.
var incidentFilterParams = []string{"bbox", "zone", "point", "radius", "datetime", "type", "sub_type", "actor", "status", "min_fatalities"}

// parseIncidentFilters parses the incident filters shared by /api/stats and
// the items of the incidents collection into a geo.IncidentQuery without
// paging: the place of parsePlace ("bbox", "zone", or "point" with
// "radius"; at most one) and the filters of parseAttributeFilters. It
// returns a paramErrors listing every bad parameter, or nil.
func parseIncidentFilters(q url.Values, actors []geo.ActorID, zoneExists func(geo.ZoneID) bool) (geo.IncidentQuery, error) {
	var errs paramErrors
	var iq geo.IncidentQuery
	var err error
	iq.Where, err = parsePlace(q, zoneExists)
	errs.add(err)
	errs.add(parseAttributeFilters(q, actors, &iq))
	return iq, errs.err()
}

// attributeFilterParams are the parameters parseAttributeFilters reads.
var attributeFilterParams = []string{"datetime", "type", "sub_type", "actor", "status", "min_fatalities"}

// parseAttributeFilters parses the time window and attribute filters of
// incidents into iq: "datetime" (absent: all dates), "type", "sub_type"
// (which must belong to type when both are given), "actor" (one of
// actors), "status" and "min_fatalities". It returns a paramErrors naming
// every bad parameter, or nil.
func parseAttributeFilters(q url.Values, actors []geo.ActorID, iq *geo.IncidentQuery) error {
	var errs paramErrors
	window, err := parseDatetime(q)
	errs.add(err)
	typ, err := parseEventType(q)
	errs.add(err)
	subType, err := parseSubType(q, typ)
	errs.add(err)
	actor, err := parseActor(q, actors)
	errs.add(err)
	status, err := parseIncidentStatus(q)
	errs.add(err)
	minFatalities, err := parseMinFatalities(q)
	errs.add(err)
	iq.Window, iq.Types, iq.SubTypes = windowOf(window), optional(typ), optional(subType)
	iq.Actors, iq.Statuses, iq.MinFatalities = optional(actor), optional(status), minFatalities
	return errs.err()
}

// parseZoneID parses "zone", the ID of a stored zone, and reports whether
// it was given. An ID that exists reports false is an error naming "zone"
// (a 400, not a 404: the resource asked for exists, the filter is wrong).
func parseZoneID(q url.Values, exists func(geo.ZoneID) bool) (geo.ZoneID, bool, error) {
	s, ok, err := single(q, "zone")
	if !ok {
		return "", false, err
	}
	if !exists(geo.ZoneID(s)) {
		return "", false, invalidParam("zone", "%s is not the ID of a zone; list them at /api/collections/zones/items", quote(s))
	}
	return geo.ZoneID(s), true, nil
}

// requirePoint is parsePoint for a parameter that must be given.
func requirePoint(q url.Values, name string) (orb.Point, error) {
	p, ok, err := parsePoint(q, name)
	if err == nil && !ok {
		err = invalidParam(name, "is required; expected lon,lat in degrees")
	}
	return p, err
}

// requireBBox is parseBBox for a parameter that must be given.
func requireBBox(q url.Values) (orb.Bound, error) {
	b, ok, err := parseBBox(q)
	if err == nil && !ok {
		err = invalidParam("bbox", "is required; expected minLon,minLat,maxLon,maxLat in degrees")
	}
	return b, err
}

// parseDateRange parses the required dates "from" and "to" (YYYY-MM-DD,
// UTC) of /api/control/diff. The same day twice is allowed (no change);
// "to" before "from" is an error naming "to".
func parseDateRange(q url.Values) (from, to geo.Day, err error) {
	var errs paramErrors
	from, err = requireDate(q, "from")
	errs.add(err)
	to, err = requireDate(q, "to")
	errs.add(err)
	if len(errs) == 0 && to < from {
		errs.add(invalidParam("to", "%s is before from %s; give the earlier date as from", to, from))
	}
	return from, to, errs.err()
}

// maxSearchBodyBytes bounds the body of POST /api/search: 1 MiB holds a
// polygon of about 40,000 vertices, far more than anyone draws.
const maxSearchBodyBytes = 1 << 20

// errNotJSON is the 415 answer to a body whose Content-Type is not
// application/json.
var errNotJSON = &problemError{http.StatusUnsupportedMediaType, problemUnsupportedMediaType, "Content-Type must be application/json", ""}

// readJSONBody returns r's body, at most limit bytes, after checking that
// its Content-Type is application/json (parameters such as charset are
// allowed). It returns errNotJSON (415) for another or missing media type,
// the *http.MaxBytesError that problem.go writes as 413 for a longer body,
// and any other read error as it is.
func readJSONBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != contentTypeJSON {
		return nil, errNotJSON
	}
	return io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
}

// searchRequest is a validated POST /api/search body.
type searchRequest struct {
	// Query is the place (a region, a circle or a zone), window, filters
	// and page.
	Query geo.IncidentQuery
	// Hits is true for resultType "hits": a count without features.
	Hits bool
	// Sort is sortby's order (nil: by date, then ID) and Properties what
	// each feature keeps (nil: all).
	Sort       []sortKey
	Properties []string
}

// searchMembers are the members a search body may have.
var searchMembers = []string{"geometry", "radius", "zone", "datetime", "type", "sub_type", "actor", "status", "min_fatalities", "limit", "offset", "resultType", "filter", "filter-lang", "sortby", "properties"}

// searchNumbers are the members of a search body that are JSON numbers;
// the rest, but geometry, are strings.
var searchNumbers = []string{"radius", "min_fatalities", "limit", "offset"}

// parseSearchBody decodes body, a JSON object, into a searchRequest. Its
// members, each optional but for the place:
//
//	geometry        GeoJSON Polygon or MultiPolygon ([lon, lat]; holes
//	                excluded, edges included), or Point with radius
//	radius          metres around a Point geometry, in (0, 5,000,000]
//	zone            the ID of a stored zone (its shape, whatever its validity)
//	datetime, type, sub_type, actor, status: strings, as the query
//	                parameters of the incidents collection
//	min_fatalities, limit, offset: numbers, as those parameters
//	resultType      "results" (default) or "hits"
//	filter          a CQL2 filter: a JSON object (CQL2 JSON), or a string in
//	                the encoding filter-lang names (cql2-text by default)
//	sortby, properties: strings, as the items' parameters
//
// Exactly one of geometry and zone must be given; null is the same as
// absent. The members that mirror query parameters are checked by the same
// parsers, so limits and messages agree with GET. It returns a paramErrors
// naming every bad member ("body" for malformed JSON, the member's name for
// an unknown member, a path such as "geometry.coordinates[0][3]" inside the
// geometry), or nil.
func parseSearchBody(body []byte, actors []geo.ActorID, zoneExists func(geo.ZoneID) bool) (searchRequest, error) {
	members, err := decodeSearchBody(body)
	if err != nil {
		return searchRequest{}, err
	}
	var errs paramErrors
	q := url.Values{}
	for _, name := range slices.Sorted(maps.Keys(members)) {
		raw := members[name]
		switch {
		case !slices.Contains(searchMembers, name):
			errs.add(invalidParam(memberName(name), "unknown member; allowed: %s", strings.Join(searchMembers, ", ")))
		case string(raw) == "null" || name == "geometry" || name == "filter":
		case slices.Contains(searchNumbers, name):
			// json.Number also takes a quoted number; a body must not.
			var n json.Number
			if raw[0] == '"' || json.Unmarshal(raw, &n) != nil {
				errs.add(invalidParam(name, "%s is not a JSON number", quote(string(raw))))
				continue
			}
			q.Set(name, n.String())
		default:
			var s string
			if json.Unmarshal(raw, &s) != nil {
				errs.add(invalidParam(name, "%s is not a JSON string", quote(string(raw))))
				continue
			}
			q.Set(name, s)
		}
	}
	var req searchRequest
	geom := members["geometry"]
	hasGeometry := len(geom) > 0 && string(geom) != "null"
	if hasGeometry {
		w, err := parseSearchGeometry(geom, q)
		errs.add(err)
		req.Query.Where = w
	} else if q.Has("radius") {
		errs.add(invalidParam("radius", "is given without a Point geometry"))
	}
	zone, hasZone, err := parseZoneID(q, zoneExists)
	errs.add(err)
	switch {
	case hasZone && hasGeometry:
		errs.add(invalidParam("zone", "cannot be combined with geometry; give one of them"))
	case hasZone:
		req.Query.Where = geo.InZone(zone)
	case !hasGeometry && err == nil:
		errs.add(invalidParam("geometry", "is required unless zone is given; a GeoJSON Polygon, MultiPolygon, or Point with radius"))
	}
	errs.add(parseAttributeFilters(q, actors, &req.Query))
	if raw := members["filter"]; len(raw) > 0 && string(raw) != "null" {
		if raw[0] == '{' {
			// A CQL2 JSON filter, as it is.
			q.Set("filter-lang", "cql2-json")
			q.Set("filter", string(raw))
		} else if json.Unmarshal(raw, new(string)) == nil {
			var s string
			_ = json.Unmarshal(raw, &s)
			q.Set("filter", s)
		} else {
			errs.add(invalidParam("filter", "is neither a CQL2 JSON object nor a string of CQL2 text"))
		}
	}
	if filter, err := parseFilter(q); err != nil {
		errs.add(err)
	} else if errs.err() == nil {
		req.Query, err = incidentFilter(filter, req.Query)
		errs.add(err)
	}
	req.Query.Limit, err = parseLimit(q)
	errs.add(err)
	req.Query.Offset, err = parseOffset(q)
	errs.add(err)
	req.Hits, err = parseResultType(q)
	errs.add(err)
	req.Sort, err = parseSortBy(q, incidentSortFields)
	errs.add(err)
	req.Properties, err = parseProperties(q)
	errs.add(err)
	return req, errs.err()
}

// decodeSearchBody decodes body, one JSON object, into its members with
// encoding/json, or returns the "body" error that names what is wrong.
func decodeSearchBody(body []byte) (map[string]json.RawMessage, error) {
	var members map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&members); err != nil || members == nil {
		return nil, invalidParam("body", "%s; expected a JSON object such as {\"geometry\": {...}, \"datetime\": \"2025-01-01/..\"}", jsonProblem(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalidParam("body", "has data after the JSON object; send one object")
	}
	return members, nil
}

// parseSearchGeometry decodes the "geometry" member of a search body, a
// GeoJSON Polygon or MultiPolygon, or a Point with "radius" (read from q,
// in metres), into the place to search, validated by geo. Members other
// than "type" and "coordinates" (such as "bbox") are ignored, as RFC 7946
// allows. Errors name "geometry", a path under it such as
// "geometry.coordinates[0][3]", or "radius".
func parseSearchGeometry(raw json.RawMessage, q url.Values) (geo.Where, error) {
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return geo.Where{}, invalidParam("geometry", "%s; expected a GeoJSON Polygon, MultiPolygon, or Point with radius", jsonProblem(err))
	}
	return searchGeometry(g.Type, g.Coordinates, q)
}

// searchGeometry is parseSearchGeometry after the geometry's members are
// read: typ is its "type" and coordinates its "coordinates", valid JSON or
// nil when absent.
func searchGeometry(typ string, coordinates json.RawMessage, q url.Values) (geo.Where, error) {
	var errs paramErrors
	if q.Has("radius") && typ != "Point" {
		errs.add(invalidParam("radius", "applies only to a Point geometry, not a %s", quote(typ)))
	}
	switch typ {
	case "Point":
		p, err := readCoordinates(coordinates, (*coordReader).position)
		if err == nil {
			err = geo.ValidatePoint(p)
		}
		if err != nil {
			errs.add(invalidParam("geometry.coordinates", "%s", reasonOf(err)))
		}
		radius, ok, err := parseRadius(q)
		if err == nil && !ok {
			err = invalidParam("radius", "is required with a Point geometry; metres in (0, %d]", geo.MaxRadiusMeters)
		}
		errs.add(err)
		return geo.InCircle(geo.Circle{Center: p, RadiusMeters: radius}), errs.err()
	case "Polygon", "MultiPolygon":
		var area orb.Geometry
		var err error
		if typ == "Polygon" {
			area, err = readCoordinates(coordinates, (*coordReader).polygon)
		} else {
			area, err = readCoordinates(coordinates, (*coordReader).multiPolygon)
		}
		if err != nil {
			errs.add(invalidParam("geometry.coordinates", "%s", reasonOf(err)))
			return geo.Where{}, errs.err()
		}
		r, err := geo.PrepareRegion(area)
		var ve *geo.ValidationError
		if errors.As(err, &ve) {
			errs.add(invalidParam(strings.TrimSuffix("geometry."+ve.Field, "."), "%s", ve.Reason))
		} else if err != nil {
			return geo.Where{}, err
		}
		return geo.InRegion(r), errs.err()
	case "":
		errs.add(invalidParam("geometry.type", "is missing; expected Polygon, MultiPolygon, or Point with radius"))
	default:
		errs.add(invalidParam("geometry.type", "%s is not supported; give a Polygon, MultiPolygon, or Point with radius", quote(typ)))
	}
	return geo.Where{}, errs.err()
}

// coordReader reads GeoJSON coordinates, nested arrays of numbers, from
// JSON that encoding/json has already checked, in one pass and without
// reflection: a 2,000-vertex polygon decodes several times faster than
// through orb's geojson package, which matters for a search answered in
// milliseconds. A position is [lon, lat] with an optional altitude, which
// is ignored.
type coordReader struct {
	b []byte
	i int
}

// readCoordinates reads raw whole with item; absent coordinates (nil or
// null) are an error.
func readCoordinates[T any](raw json.RawMessage, item func(*coordReader) (T, error)) (T, error) {
	r := &coordReader{b: raw}
	var zero T
	if r.space(); r.i == len(r.b) || bytes.Equal(raw, []byte("null")) {
		return zero, errors.New("is missing")
	}
	v, err := item(r)
	if err != nil {
		return zero, err
	}
	if r.space(); r.i != len(r.b) {
		return zero, r.fail("an end of the coordinates")
	}
	return v, nil
}

// space skips JSON whitespace.
func (r *coordReader) space() {
	for r.i < len(r.b) && (r.b[r.i] == ' ' || r.b[r.i] == '\t' || r.b[r.i] == '\n' || r.b[r.i] == '\r') {
		r.i++
	}
}

// fail returns an error saying what was expected at the current offset.
func (r *coordReader) fail(want string) error {
	return fmt.Errorf("expected %s at byte %d of the coordinates", want, r.i)
}

// list reads a JSON array whose elements item reads.
func list[T any](r *coordReader, item func(*coordReader) (T, error)) ([]T, error) {
	if r.space(); r.i == len(r.b) || r.b[r.i] != '[' {
		return nil, r.fail("an array")
	}
	r.i++
	out := []T{}
	for {
		if r.space(); r.i < len(r.b) && r.b[r.i] == ']' && len(out) == 0 {
			r.i++
			return out, nil
		}
		v, err := item(r)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		r.space()
		switch {
		case r.i < len(r.b) && r.b[r.i] == ',':
			r.i++
		case r.i < len(r.b) && r.b[r.i] == ']':
			r.i++
			return out, nil
		default:
			return nil, r.fail(", or ]")
		}
	}
}

// number reads one JSON number.
func (r *coordReader) number() (float64, error) {
	r.space()
	start := r.i
	for r.i < len(r.b) && isNumberByte(r.b[r.i]) {
		r.i++
	}
	v, err := strconv.ParseFloat(string(r.b[start:r.i]), 64)
	if err != nil || start == r.i {
		r.i = start
		return 0, r.fail("a number")
	}
	return v, nil
}

// isNumberByte reports whether c may be part of a JSON number.
func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'
}

// position reads [lon, lat] or [lon, lat, altitude], without allocating.
func (r *coordReader) position() (orb.Point, error) {
	const want = "a position [lon, lat] (or [lon, lat, altitude])"
	if r.space(); r.i == len(r.b) || r.b[r.i] != '[' {
		return orb.Point{}, r.fail(want)
	}
	r.i++
	var v [3]float64
	for n := 0; ; n++ {
		if n == len(v) {
			return orb.Point{}, r.fail(want)
		}
		var err error
		if v[n], err = r.number(); err != nil {
			return orb.Point{}, err
		}
		r.space()
		switch {
		case r.i < len(r.b) && r.b[r.i] == ',':
			r.i++
		case r.i < len(r.b) && r.b[r.i] == ']' && n >= 1:
			r.i++
			return orb.Point{v[0], v[1]}, nil
		default:
			return orb.Point{}, r.fail(want)
		}
	}
}

// ring reads an array of positions.
func (r *coordReader) ring() (orb.Ring, error) { return list(r, (*coordReader).position) }

// polygon reads an array of rings.
func (r *coordReader) polygon() (orb.Polygon, error) {
	rings, err := list(r, (*coordReader).ring)
	return orb.Polygon(rings), err
}

// multiPolygon reads an array of polygons.
func (r *coordReader) multiPolygon() (orb.MultiPolygon, error) {
	polys, err := list(r, (*coordReader).polygon)
	return orb.MultiPolygon(polys), err
}

// jsonProblem describes a JSON decoding error for a client: the syntax
// error and its byte offset, the mismatched type, or "is null or empty"
// for a nil error (a JSON null where an object was needed).
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		return "is null"
	case errors.Is(err, io.EOF):
		return "is empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "ends in the middle of a JSON value"
	case errors.As(err, &syn):
		return fmt.Sprintf("is not valid JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		return fmt.Sprintf("has a JSON %s where %s was expected", typ.Value, geo.JSONTypeName(typ.Type))
	}
	return "is not valid: " + err.Error()
}

// reasonOf returns the Reason of a *geo.ValidationError, or err's message.
func reasonOf(err error) string {
	var ve *geo.ValidationError
	if errors.As(err, &ve) {
		return ve.Reason
	}
	return err.Error()
}

// memberName returns a client's member name for use as a field name: cut
// to maxQuoted bytes at a rune boundary, and `""` for the empty name so
// that the field is never blank.
func memberName(s string) string {
	if s == "" {
		return `""`
	}
	if len(s) <= maxQuoted {
		return s
	}
	n := maxQuoted
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// The query parameters each OGC API – Features request accepts; the
// handlers reject any other with rejectUnknown, and ogc.go documents the
// union of the items lists as the parameters of getItems.
var (
	// docParams are those of the landing page, conformance, OpenAPI,
	// collection and queryables documents.
	docParams = []string{"f"}
	// pageParams are those of every items request.
	pageParams = []string{"f", "limit", "offset", "resultType"}
	// incidentItemParams, zoneItemParams, siteItemParams and
	// governorateItemParams are those of each collection's items.
	incidentItemParams = slices.Concat(pageParams, incidentFilterParams, []string{"governorate"}, filterParams, incidentQueryableParams, orderParams)
	zoneItemParams     = slices.Concat(pageParams, []string{"bbox", "datetime", "as_of", "actor", "status"}, filterParams, orderParams)
	siteItemParams     = slices.Concat(pageParams, []string{"bbox", "zone", "point", "radius", "kind", "governorate"}, filterParams, orderParams)
	// orderParams are the order of the features and the properties they
	// keep (sortby.go).
	orderParams           = []string{"sortby", "properties"}
	governorateItemParams = slices.Concat(pageParams, []string{"bbox"})
)

// parseFormat parses "f", OGC API's format parameter. Only "json" is
// served (GeoJSON for features); absent means the same.
func parseFormat(q url.Values) error {
	_, err := parseEnum(q, "f", []string{"json"})
	return err
}

// parseDocument checks the query of a request for a fixed document (landing
// page, conformance, OpenAPI, collections, queryables): "f" only.
func parseDocument(q url.Values) error {
	var errs paramErrors
	errs.add(rejectUnknown(q, docParams...))
	errs.add(parseFormat(q))
	return errs.err()
}

// page is the paging of an items request: at most limit features after
// skipping offset of them, or with hits only the count.
type page struct {
	limit, offset int
	hits          bool
}

// parsePage parses "limit", "offset" and "resultType" into a page.
func parsePage(q url.Values) (page, error) {
	var errs paramErrors
	limit, err := parseLimit(q)
	errs.add(err)
	offset, err := parseOffset(q)
	errs.add(err)
	hits, err := parseResultType(q)
	errs.add(err)
	return page{limit: limit, offset: offset, hits: hits}, errs.err()
}

// parsePlace parses the place of an items request: "bbox", "zone" (the ID
// of a stored zone, checked with zoneExists) or "point" with "radius" (a
// geodesic circle in metres). They are alternatives; giving two is an error
// naming the second. None is everywhere, the zero geo.Where.
func parsePlace(q url.Values, zoneExists func(geo.ZoneID) bool) (geo.Where, error) {
	var errs paramErrors
	bbox, hasBBox, err := parseBBox(q)
	errs.add(err)
	zone, hasZone, err := parseZoneID(q, zoneExists)
	errs.add(err)
	errs.add(requirePair(q, "point", "radius"))
	point, hasPoint, err := parsePoint(q, "point")
	errs.add(err)
	radius, _, err := parseRadius(q)
	errs.add(err)
	if err := errs.err(); err != nil {
		return geo.Where{}, err
	}
	switch {
	case hasBBox && hasZone:
		return geo.Where{}, invalidParam("zone", "cannot be combined with bbox; give one of bbox, zone, or point with radius")
	case (hasBBox || hasZone) && hasPoint:
		return geo.Where{}, invalidParam("point", "cannot be combined with bbox or zone; give one of bbox, zone, or point with radius")
	case hasBBox:
		return geo.InBound(bbox), nil
	case hasZone:
		return geo.InZone(zone), nil
	case hasPoint:
		return geo.InCircle(geo.Circle{Center: point, RadiusMeters: radius}), nil
	}
	return geo.Where{}, nil
}

// optional returns nil for the zero value of T and a one-element list
// otherwise: an absent filter parameter is no condition.
func optional[T comparable](v T) []T {
	var zero T
	if v == zero {
		return nil
	}
	return []T{v}
}

// windowOf returns nil for geo.Always (no time condition) and &iv
// otherwise.
func windowOf(iv geo.Interval) *geo.Interval {
	if iv == geo.Always {
		return nil
	}
	return &iv
}

// incidentItems is a parsed request for incidents items.
type incidentItems struct {
	query geo.IncidentQuery
	// governorate keeps incidents whose governorate property is this name;
	// "" keeps all. geo.IncidentQuery has no such condition.
	governorate string
	page        page
	// sort is sortby's order; nil: by date, then ID.
	sort []sortKey
}

// parseIncidentItems parses the parameters of incidents items: paging,
// the filters of parseIncidentFilters and "governorate" (one of
// governorates).
func parseIncidentItems(q url.Values, actors []geo.ActorID, governorates []string, zoneExists func(geo.ZoneID) bool) (incidentItems, error) {
	var errs paramErrors
	errs.add(rejectUnknown(q, incidentItemParams...))
	errs.add(parseFormat(q))
	pg, err := parsePage(q)
	errs.add(err)
	iq, err := parseIncidentFilters(q, actors, zoneExists)
	errs.add(err)
	gov, err := parseGovernorate(q, governorates)
	errs.add(err)
	sort, err := parseSortBy(q, incidentSortFields)
	errs.add(err)
	filter, err := parseFilter(q)
	errs.add(err)
	if err == nil {
		filter, err = queryableEqualities(q, filter)
		errs.add(err)
	}
	if err := errs.err(); err != nil {
		return incidentItems{}, err
	}
	iq, err = incidentFilter(filter, iq)
	return incidentItems{query: iq, governorate: gov, page: pg, sort: sort}, err
}

// zoneItems is a parsed request for zones items.
type zoneItems struct {
	query geo.ZoneQuery
	page  page
	sort  []sortKey // sortby's order; nil: by ID
}

// parseZoneItems parses the parameters of zones items: paging, "bbox"
// (zones whose shape meets the box), "datetime" (zones whose validity
// overlaps it) or "as_of" (the map as of that date: zones valid on that
// day), and the queryables actor (one of actors) and status.
func parseZoneItems(q url.Values, actors []geo.ActorID) (zoneItems, error) {
	var errs paramErrors
	errs.add(rejectUnknown(q, zoneItemParams...))
	errs.add(parseFormat(q))
	pg, err := parsePage(q)
	errs.add(err)
	bbox, hasBBox, err := parseBBox(q)
	errs.add(err)
	window, err := parseDatetime(q)
	errs.add(err)
	asOf, hasAsOf, err := parseDate(q, "as_of")
	errs.add(err)
	if _, hasDatetime := q["datetime"]; hasAsOf && hasDatetime {
		errs.add(invalidParam("as_of", "cannot be combined with datetime; as_of=D is datetime=D"))
	}
	actor, err := parseActor(q, actors)
	errs.add(err)
	status, err := parseZoneStatus(q)
	errs.add(err)
	filter, err := parseFilter(q)
	errs.add(err)
	keep, err := zoneFilter(filter)
	errs.add(err)
	sort, err := parseSortBy(q, zoneSortFields)
	errs.add(err)
	zq := geo.ZoneQuery{Window: windowOf(window), Actors: optional(actor), Statuses: optional(status), Keep: keep}
	if hasBBox {
		zq.Bound = &bbox
	}
	if hasAsOf {
		zq.Window = &geo.Interval{From: asOf, To: asOf}
	}
	return zoneItems{query: zq, page: pg, sort: sort}, errs.err()
}

// siteItems is a parsed request for sites items.
type siteItems struct {
	query geo.SiteQuery
	// governorate keeps sites whose governorate property is this name; ""
	// keeps all. geo.SiteQuery has no such condition.
	governorate string
	page        page
	sort        []sortKey // sortby's order; nil: by ID
}

// parseSiteItems parses the parameters of sites items: paging, place and
// the queryables kind and governorate (one of governorates).
func parseSiteItems(q url.Values, governorates []string, zoneExists func(geo.ZoneID) bool) (siteItems, error) {
	var errs paramErrors
	errs.add(rejectUnknown(q, siteItemParams...))
	errs.add(parseFormat(q))
	pg, err := parsePage(q)
	errs.add(err)
	where, err := parsePlace(q, zoneExists)
	errs.add(err)
	kind, err := parseEnum(q, "kind", geo.SiteKinds)
	errs.add(err)
	gov, err := parseGovernorate(q, governorates)
	errs.add(err)
	filter, err := parseFilter(q)
	errs.add(err)
	keep, err := siteFilter(filter)
	errs.add(err)
	sort, err := parseSortBy(q, siteSortFields)
	errs.add(err)
	return siteItems{query: geo.SiteQuery{Where: where, Kinds: optional(kind), Keep: keep}, governorate: gov, page: pg, sort: sort}, errs.err()
}

// governorateItems is a parsed request for governorates items.
type governorateItems struct {
	// bbox is nil for no spatial condition.
	bbox *orb.Bound
	page page
}

// parseGovernorateItems parses the parameters of governorates items:
// paging and "bbox".
func parseGovernorateItems(q url.Values) (governorateItems, error) {
	var errs paramErrors
	errs.add(rejectUnknown(q, governorateItemParams...))
	errs.add(parseFormat(q))
	pg, err := parsePage(q)
	errs.add(err)
	bbox, hasBBox, err := parseBBox(q)
	errs.add(err)
	gi := governorateItems{page: pg}
	if hasBBox {
		gi.bbox = &bbox
	}
	return gi, errs.err()
}

// Limits of GET /api/nearest.
const (
	// defaultNearest and maxNearest bound "k", the number of features
	// asked for.
	defaultNearest = 10
	maxNearest     = 1_000
)

// nearestCollections are the collections GET /api/nearest searches.
var nearestCollections = []string{collectionIncidents, collectionSites}

// nearestQuery is a parsed GET /api/nearest: the collection searched, the
// point distances are measured from ([lon, lat]) and the query of that
// collection, whose Limit is k.
type nearestQuery struct {
	collection string
	point      orb.Point
	incidents  geo.IncidentQuery
	sites      geo.SiteQuery
}

// parseNearest parses "point" (required), "k", "collection" (incidents or
// sites) and the filters of that collection: the incidents' attribute
// filters, or the sites' "kind". A filter of the other collection is an
// error naming it.
func parseNearest(q url.Values, actors []geo.ActorID) (nearestQuery, error) {
	var errs paramErrors
	nq := nearestQuery{collection: collectionIncidents}
	collection, err := parseEnum(q, "collection", nearestCollections)
	errs.add(err)
	if collection != "" {
		nq.collection = collection
	}
	errs.add(rejectUnknown(q, slices.Concat([]string{"point", "k", "collection", "kind"}, attributeFilterParams)...))
	errs.add(onlyFor(q, nq.collection, collectionSites, "kind"))
	errs.add(onlyFor(q, nq.collection, collectionIncidents, attributeFilterParams...))
	nq.point, err = requirePoint(q, "point")
	errs.add(err)
	k, err := parseInt(q, "k", defaultNearest, 1, maxNearest, "features")
	errs.add(err)
	if nq.collection == collectionIncidents {
		errs.add(parseAttributeFilters(q, actors, &nq.incidents))
	} else {
		kind, err := parseEnum(q, "kind", geo.SiteKinds)
		errs.add(err)
		nq.sites.Kinds = optional(kind)
	}
	nq.incidents.Limit, nq.sites.Limit = k, k
	return nq, errs.err()
}

// onlyFor names each of params that q gives although collection is not
// the one they apply to.
func onlyFor(q url.Values, collection, appliesTo string, params ...string) error {
	if collection == appliesTo {
		return nil
	}
	var errs paramErrors
	for _, name := range params {
		if q.Has(name) {
			errs.add(invalidParam(name, "applies to collection=%s only", appliesTo))
		}
	}
	return errs.err()
}
