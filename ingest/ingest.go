// Package ingest reads outside data formats into geo records: UCDP GED CSV
// (ReadUCDP), ACLED CSV (ReadACLED) and GeoJSON FeatureCollections in
// Frontline's own schema (ReadGeoJSON).
//
// Every reader streams: it holds one row or feature at a time and hands each
// accepted record to an emit function, so a file of a million rows imports in
// constant memory. CSV columns are found by header name, never by position,
// so older and newer releases with other column sets and orders load alike; a
// header lacking a required column refuses the whole file with a
// *HeaderError naming it. A row that cannot be mapped or fails geo
// validation is rejected, with its physical line number (quoted newlines
// counted), the column and the reason, in the Report; the rest of the file
// still imports. A Report's size is bounded (MaxListed rejections in full,
// the rest counted by column), and every reader checks its context before
// each row or feature, returning the context's error with the report so far
// once it is done, so a client that hangs up stops the work.
//
// Readers never write anywhere. Merge folds their output into a dataset by
// origin ID, so importing the same file twice updates records rather than
// duplicating them.
package ingest

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
)

// Format names an input format.
type Format string

// The formats Read accepts.
const (
	UCDP    Format = "ucdp"
	ACLED   Format = "acled"
	GeoJSON Format = "geojson"
)

// Formats lists every Format.
var Formats = []Format{UCDP, ACLED, GeoJSON}

// Options tune a reader. The zero value is usable.
type Options struct {
	// Actors are matched against the actor names of CSV rows by ID, name,
	// short name, Arabic name and aliases, ignoring case and spacing. A name
	// that matches no actor, or more than one, is kept as a name only.
	Actors []geo.Actor
	// KnownActors, when set, makes ReadGeoJSON reject a zone or incident
	// that names an actor ID not among Actors, as frontline check and the
	// store do (CSV readers only ever name actors they matched).
	KnownActors bool
	// Release is the UCDP GED release the file comes from, such as "23.1";
	// it goes into the attribution source of each UCDP incident.
	Release string
	// Progress, when set, is called every ProgressEvery rows and once at the
	// end with the counts so far.
	Progress func(Progress)
}

// ProgressEvery is how many rows or features pass between Progress calls.
const ProgressEvery = 10_000

// Progress is the state of a running import.
type Progress struct {
	Rows     int // rows or features read, rejected ones included
	Rejected int
}

// Report is the outcome of reading one file. Its size is bounded whatever
// the file: the first MaxListed rejections are listed in full, and the
// rest only counted by column.
type Report struct {
	Accepted int `json:"accepted"`
	Rejected int `json:"rejected"`
	// Rows are the first MaxListed rejected rows, in file order.
	Rows []Rejection `json:"rows"`
	// Unlisted counts the rejections past Rows by their Column ("" for a
	// row wrong as a whole); at most MaxUnlistedColumns columns are
	// named, the rest counted under "(other)". Nil when Rows lists every
	// rejection.
	Unlisted map[string]int `json:"unlisted,omitempty"`
}

// Bounds of a Report: rejections listed in full, columns named in its
// Unlisted counts, and bytes of one rejection's reason.
const (
	MaxListed          = 1000
	MaxUnlistedColumns = 50
	maxReasonBytes     = 500
)

// Rejection says why one row or feature was not imported.
type Rejection struct {
	// Line is the 1-based physical line of the file on which the row or
	// feature starts; CSV fields with quoted newlines are counted, so an
	// editor's "go to line" lands on the row.
	Line int `json:"line"`
	// Column is the CSV header name, or for GeoJSON the property path such
	// as "properties.date"; "" when the row as a whole is wrong.
	Column string `json:"column"`
	Reason string `json:"reason"`
}

// HeaderError refuses a CSV file whose header lacks a required column.
type HeaderError struct {
	Column string
}

// Error implements error.
func (e *HeaderError) Error() string {
	return fmt.Sprintf("header lacks required column %q; the file was not imported", e.Column)
}

// Record is one accepted record: exactly one of Zone, Incident and Site is
// set. CSV readers produce incidents only. Line is where it starts in the
// file.
type Record struct {
	Line     int
	Zone     *geo.Zone
	Incident *geo.Incident
	Site     *geo.Site
}

// Read reads r in format f; see ReadUCDP, ReadACLED and ReadGeoJSON.
func Read(ctx context.Context, f Format, r io.Reader, opts Options, emit func(Record) error) (*Report, error) {
	switch f {
	case UCDP:
		return ReadUCDP(ctx, r, opts, emit)
	case ACLED:
		return ReadACLED(ctx, r, opts, emit)
	case GeoJSON:
		return ReadGeoJSON(ctx, r, opts, emit)
	}
	return nil, fmt.Errorf("unknown format %q (want one of %v)", f, Formats)
}

// rowError rejects a row because of one column.
type rowError struct {
	column string
	reason string
}

func (e *rowError) Error() string { return e.column + ": " + e.reason }

func reject(column, format string, args ...any) *rowError {
	return &rowError{column: column, reason: fmt.Sprintf(format, args...)}
}

// row is one CSV record with access by column name.
type row struct {
	cols   map[string]int
	fields []string
}

// get returns the trimmed value of column name, or "" when the header has no
// such column.
func (r row) get(name string) string {
	i, ok := r.cols[name]
	if !ok || i >= len(r.fields) {
		return ""
	}
	return strings.TrimSpace(r.fields[i])
}

// float parses a required finite number in [lo, hi].
func (r row) float(name string, lo, hi float64) (float64, error) {
	s := r.get(name)
	if s == "" {
		return 0, reject(name, "is empty")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, reject(name, "%q is not a number", s)
	}
	if v < lo || v > hi {
		return 0, reject(name, "%g is outside [%g, %g]", v, lo, hi)
	}
	return v, nil
}

// location parses the required latitude and longitude columns into an
// [lon, lat] point.
func (r row) location() (orb.Point, error) {
	lat, err := r.float("latitude", -90, 90)
	if err != nil {
		return orb.Point{}, err
	}
	lon, err := r.float("longitude", -180, 180)
	if err != nil {
		return orb.Point{}, err
	}
	return orb.Point{lon, lat}, nil
}

// precision maps a location-precision code through table to an
// uncertainty radius in metres; an empty cell or a missing column reads as
// the most precise code, "1". what describes the valid codes in the error.
func (r row) precision(name string, table map[string]float64, what string) (float64, error) {
	code := r.get(name)
	if code == "" {
		code = "1"
	}
	m, ok := table[code]
	if !ok {
		return 0, reject(name, "%q is not %s", code, what)
	}
	return m, nil
}

// count parses an optional non-negative whole number; an empty cell or a
// missing column is (0, false).
func (r row) count(name string) (int, bool, error) {
	s := r.get(name)
	if s == "" {
		return 0, false, nil
	}
	// Some exports write counts as "24.0".
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v != math.Trunc(v) || v > math.MaxInt32 {
		return 0, false, reject(name, "%q is not a whole number", s)
	}
	if v < 0 {
		return 0, false, reject(name, "%g is negative", v)
	}
	return int(v), true, nil
}

// csvMapper turns one row into an incident, or returns a *rowError.
type csvMapper func(r row) (geo.Incident, error)

// readCSV is the streaming loop shared by the CSV formats: header check,
// per-row mapping and validation, rejections with physical line numbers,
// progress. fieldColumn maps a geo validation field to the column it came
// from.
func readCSV(ctx context.Context, r io.Reader, required []string, opts Options, mapRow csvMapper, fieldColumn func(string) string, emit func(Record) error) (*Report, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("the file is empty: no header row")
	}
	if err != nil {
		return nil, fmt.Errorf("reading the header: %w", err)
	}
	cols := make(map[string]int, len(header))
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff") // a byte-order mark from spreadsheet exports
		}
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := cols[h]; !dup {
			cols[h] = i
		}
	}
	for _, c := range required {
		if _, ok := cols[c]; !ok {
			return nil, &HeaderError{Column: c}
		}
	}
	cr.FieldsPerRecord = len(header)

	rep := &Report{Rows: []Rejection{}}
	rows := 0
	progress := func() {
		if opts.Progress != nil {
			opts.Progress(Progress{Rows: rows, Rejected: rep.Rejected})
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		fields, err := cr.Read()
		if err == io.EOF {
			break
		}
		rows++
		if rows%ProgressEvery == 0 {
			progress()
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			rep.reject(Rejection{Line: pe.StartLine, Reason: csvReason(pe, len(fields), len(header))})
			continue
		}
		if err != nil {
			return rep, err
		}
		line, _ := cr.FieldPos(0)
		in, err := mapRow(row{cols: cols, fields: fields})
		if err == nil {
			err = in.Validate()
		}
		if err != nil {
			rep.reject(rowRejection(line, err, fieldColumn))
			continue
		}
		if err := emit(Record{Line: line, Incident: &in}); err != nil {
			return rep, err
		}
		rep.Accepted++
	}
	progress()
	return rep, nil
}

// reject counts r, and lists it while fewer than MaxListed are listed.
func (rep *Report) reject(r Rejection) {
	rep.Rejected++
	if len(rep.Rows) < MaxListed {
		if len(r.Reason) > maxReasonBytes {
			r.Reason = strings.ToValidUTF8(r.Reason[:maxReasonBytes], "") + "…"
		}
		rep.Rows = append(rep.Rows, r)
		return
	}
	if rep.Unlisted == nil {
		rep.Unlisted = map[string]int{}
	}
	col := r.Column
	if _, named := rep.Unlisted[col]; !named && len(rep.Unlisted) >= MaxUnlistedColumns {
		col = "(other)"
	}
	rep.Unlisted[col]++
}

func csvReason(pe *csv.ParseError, got, want int) string {
	if errors.Is(pe.Err, csv.ErrFieldCount) {
		return fmt.Sprintf("the row has %d fields, the header %d", got, want)
	}
	return fmt.Sprintf("malformed CSV at line %d, byte %d: %v", pe.Line, pe.Column, pe.Err)
}

// rowRejection describes err, from a mapper or from geo validation.
func rowRejection(line int, err error, fieldColumn func(string) string) Rejection {
	var re *rowError
	var ve *geo.ValidationError
	switch {
	case errors.As(err, &re):
		return Rejection{Line: line, Column: re.column, Reason: re.reason}
	case errors.As(err, &ve):
		return Rejection{Line: line, Column: fieldColumn(ve.Field), Reason: ve.Reason}
	}
	return Rejection{Line: line, Reason: err.Error()}
}

// parseDate reads an ISO date, allowing a time of day after it as some
// exports write ("2011-10-02 00:00:00.000").
func parseDate(column, s string) (geo.Day, error) {
	if len(s) > 10 && (s[10] == ' ' || s[10] == 'T') {
		s = s[:10]
	}
	d, err := geo.ParseDay(s)
	if err != nil {
		if s == "" {
			return 0, reject(column, "is empty")
		}
		return 0, reject(column, "%q is not a date of the form YYYY-MM-DD", s)
	}
	return d, nil
}

// actorIndex matches reported actor names to actor IDs: each name key
// holds the claims of the actors that go by it, with the days on which
// they do (Always for an ID, a name or a plain alias).
type actorIndex map[string][]nameClaim

// nameClaim is one actor's claim on a name over the days of valid.
type nameClaim struct {
	actor geo.ActorID
	valid geo.Interval
}

// newActorIndex indexes each actor under its ID, names, aliases and dated
// aliases.
func newActorIndex(actors []geo.Actor) actorIndex {
	ix := actorIndex{}
	add := func(name string, id geo.ActorID, valid geo.Interval) {
		k := nameKey(name)
		if k == "" {
			return
		}
		for _, c := range ix[k] {
			if c.actor == id && c.valid == valid {
				return
			}
		}
		ix[k] = append(ix[k], nameClaim{id, valid})
	}
	for _, a := range actors {
		for _, n := range append([]string{string(a.ID), a.Name, a.ShortName, a.NameAR}, a.Aliases...) {
			add(n, a.ID, geo.Always)
		}
		for _, al := range a.DatedAliases {
			add(al.Name, a.ID, al.Valid)
		}
	}
	return ix
}

// actor returns the IncidentActor for a name reported of an event on the
// days of when. The name names an actor when exactly one actor claims it
// on every one of those days and no other claims it on any of them: a
// wrong attribution is worse than none, so a name two actors share, or an
// event that straddles the day a dated alias changes hands, keeps the name
// only.
func (ix actorIndex) actor(name string, role geo.ActorRole, when geo.Interval) geo.IncidentActor {
	var id geo.ActorID
	covered := false
	for _, c := range ix[nameKey(name)] {
		if !c.valid.Overlaps(when) {
			continue
		}
		if id != "" && id != c.actor {
			return geo.IncidentActor{Name: name, Role: role}
		}
		id = c.actor
		covered = covered || c.valid.From <= when.From && when.To <= c.valid.To
	}
	if !covered {
		id = ""
	}
	return geo.IncidentActor{Actor: id, Name: name, Role: role}
}

// nameKey folds case and runs of spaces, which sources write inconsistently.
func nameKey(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// splitList splits a sep-separated cell into trimmed, non-empty items.
func splitList(s, sep string) []string {
	var out []string
	for _, p := range strings.Split(s, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// clean collapses runs of white space (tabs and newlines in names and
// headlines) into single spaces.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }
