package ingest

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/internal/fuzzguard"
)

const ucdpSample = "testdata/ucdp-ged-23.1-syria-sample.csv"

// testActors carry the aliases the curated data/actors.json gives the UCDP
// side names in the sample.
var testActors = []geo.Actor{
	{ID: "assad-government", Name: "Government of Syria under Bashar al-Assad", Aliases: []string{"Government of Syria", "SAA"}, Colour: "#cc6677", Kind: geo.KindState},
	{ID: "syrian-opposition", Name: "Syrian opposition", Aliases: []string{"Syrian insurgents", "Ahrar al-Sham"}, Colour: "#882255", Kind: geo.KindNonState},
	{ID: "hts", Name: "Hayat Tahrir al-Sham", ShortName: "HTS", Aliases: []string{"Jabhat Fateh al-Sham"}, Colour: "#999933", Kind: geo.KindNonState},
	{ID: "isis", Name: "Islamic State", ShortName: "ISIS", Aliases: []string{"IS", "Daesh"}, Colour: "#000000", Kind: geo.KindNonState},
	{ID: "sdf", Name: "Syrian Democratic Forces", ShortName: "SDF", Aliases: []string{"PYD", "Asayish"}, Colour: "#e69f00", Kind: geo.KindNonState},
}

// readAll reads a file with read and returns the incidents by ID, in order,
// and the report.
func readAll(t *testing.T, read func(*bytes.Reader, Options, func(Record) error) (*Report, error), data []byte, opts Options) ([]geo.Incident, map[geo.IncidentID]Record, *Report) {
	t.Helper()
	var list []geo.Incident
	byID := map[geo.IncidentID]Record{}
	rep, err := read(bytes.NewReader(data), opts, func(r Record) error {
		if r.Incident == nil {
			t.Fatalf("line %d: a CSV reader emitted a non-incident", r.Line)
		}
		list = append(list, *r.Incident)
		byID[r.Incident.ID] = r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return list, byID, rep
}

func readUCDP(r *bytes.Reader, o Options, emit func(Record) error) (*Report, error) {
	return ReadUCDP(context.Background(), r, o, emit)
}

func TestUCDPSample(t *testing.T) {
	data, err := os.ReadFile(ucdpSample)
	if err != nil {
		t.Fatal(err)
	}
	var calls []Progress
	list, byID, rep := readAll(t, readUCDP, data, Options{Actors: testActors, Release: "23.1", Progress: func(p Progress) { calls = append(calls, p) }})
	if rep.Accepted != 265 || rep.Rejected != 0 || len(rep.Rows) != 0 {
		t.Fatalf("accepted %d, rejected %d, rows %v; want 265, 0", rep.Accepted, rep.Rejected, rep.Rows)
	}
	if len(calls) == 0 || calls[len(calls)-1] != (Progress{Rows: 265}) {
		t.Errorf("progress calls %v, want the last to be {265 0}", calls)
	}
	for _, in := range list {
		if err := in.Validate(); err != nil {
			t.Errorf("%s: %v", in.ID, err)
		}
		if in.Sources[0].Publisher != "UCDP GED 23.1" || !strings.Contains(in.Sources[0].Note, "CC BY 4.0") {
			t.Errorf("%s: first source %+v is not UCDP's attribution", in.ID, in.Sources[0])
		}
	}
	// The last row starts on physical line 274: five rows above it hold
	// newlines inside quoted fields.
	if got := byID["ucdp-454256"].Line; got != 274 {
		t.Errorf("line of the last row = %d, want 274", got)
	}

	ucdp := func(id string) geo.Source {
		return geo.Source{Publisher: "UCDP GED 23.1", Title: "UCDP Georeferenced Event Dataset, event " + id, URL: "https://ucdp.uu.se/downloads/", Note: UCDPAttribution}
	}
	// Three rows checked field by field against the CSV.
	want := []struct {
		line int
		in   geo.Incident
	}{
		{2, geo.Incident{ // state-based; a free-text source with no outlet
			ID: "ucdp-186940", Date: geo.DateOf(2011, 10, 2), DateEnd: geo.DateOf(2011, 10, 2), DatePrecision: geo.PrecisionDay,
			Type: geo.Battles, SubType: "armed_clash",
			Actors: []geo.IncidentActor{
				{Actor: "assad-government", Name: "Government of Syria", Role: geo.RoleOther},
				{Actor: "syrian-opposition", Name: "Syrian insurgents", Role: geo.RoleOther},
			},
			Location: orb.Point{36.732381, 34.926532}, PrecisionMeters: 2000, Place: "Ar Rastan town", Governorate: "Homs",
			Fatalities: geo.Fatalities{Low: 24, Best: 24, High: 100, Civilians: 24},
			Description: "UCDP GED event 186940 (Government of Syria - Syrian insurgents). " +
				"Deaths: side A (Government of Syria) 0, side B (Syrian insurgents) 0, civilians 24, unknown 0. " +
				"UCDP estimate: low 24, best 24, high 100. Original source: Syrian Observatory for HR. Location: Rastan town.",
			Sources: []geo.Source{func() geo.Source {
				s := ucdp("186940")
				s.Note = "Source as cited by UCDP: AFP 20111002. " + UCDPAttribution
				return s
			}()},
			Status: geo.Confirmed, Origin: geo.Origin{Dataset: "ucdp", ID: "186940"},
		}},
		{17, geo.Incident{ // low above best; a headline containing ';'; where_prec 4
			ID: "ucdp-304491", Date: geo.DateOf(2012, 6, 28), DateEnd: geo.DateOf(2012, 6, 28), DatePrecision: geo.PrecisionDay,
			Type: geo.Battles, SubType: "armed_clash",
			Actors: []geo.IncidentActor{
				{Actor: "assad-government", Name: "Government of Syria", Role: geo.RoleOther},
				{Actor: "syrian-opposition", Name: "Syrian insurgents", Role: geo.RoleOther},
			},
			Location: orb.Point{36.21667, 32.85}, PrecisionMeters: 150_000, Place: "Daraa governorate", Governorate: "Dar'a",
			Fatalities: geo.Fatalities{Low: 4, Best: 4, High: 5, Civilians: 0},
			Description: "UCDP GED event 304491 (Government of Syria - Syrian insurgents). " +
				"Deaths: side A (Government of Syria) 4, side B (Syrian insurgents) 0, civilians 0, unknown 0. " +
				"UCDP estimate: low 5, best 4, high 5. Original source: SOHR. " +
				"Location: Deir Izzor, Dera’a, Homs, Idlib, Aleppo, Hama and Reef Dimashq..",
			Sources: []geo.Source{
				ucdp("304491"),
				{Publisher: "Agence France Presse", Title: "Turkey reinforces border as Syria violence rages", Published: geo.DateOf(2012, 6, 28)},
				{Publisher: "Associated Press Newswires", Title: "Syrian troops besiege rebellious suburb; dozens reported killed", Published: geo.DateOf(2012, 6, 29)},
			},
			Status: geo.Confirmed, Origin: geo.Origin{Dataset: "ucdp", ID: "304491"},
		}},
		{53, geo.Incident{ // a quoted newline in source_article; Rif Dimashq
			ID: "ucdp-116283", Date: geo.DateOf(2013, 1, 13), DateEnd: geo.DateOf(2013, 1, 13), DatePrecision: geo.PrecisionDay,
			Type: geo.Battles, SubType: "armed_clash",
			Actors: []geo.IncidentActor{
				{Actor: "assad-government", Name: "Government of Syria", Role: geo.RoleOther},
				{Actor: "syrian-opposition", Name: "Syrian insurgents", Role: geo.RoleOther},
			},
			Location: orb.Point{36.364316, 33.521311}, PrecisionMeters: 2000, Place: "Hezzeh suburb", Governorate: "Rural Damascus",
			Fatalities: geo.Fatalities{Low: 9, Best: 9, High: 36, Civilians: 9},
			Description: "UCDP GED event 116283 (Government of Syria - Syrian insurgents). " +
				"Deaths: side A (Government of Syria) 0, side B (Syrian insurgents) 0, civilians 9, unknown 0. " +
				"UCDP estimate: low 9, best 9, high 36. Original source: SOHR, source 2: opposition sources, source 3: unknown. " +
				"Location: town of Hazzeh east of Damascus, Hazzeh area of Eastern Ghuta.",
			Sources: []geo.Source{func() geo.Source {
				s := ucdp("116283")
				s.Note = "Source as cited by UCDP: Agence France Presse 13 January 2013 Children killed in Syria bombardment: watchdog " +
					"Reuters News 13 January 2013 WORLD-NEWS-SCHEDULE AT 1900 GMT/2 PM ET Associated Press Newswires14 January 2013 " +
					"Syrian activists say an airstrike on Damascus suburb kill 13 people, including 8 children. " + UCDPAttribution
				return s
			}()},
			Status: geo.Confirmed, Origin: geo.Origin{Dataset: "ucdp", ID: "116283"},
		}},
	}
	for _, w := range want {
		got, ok := byID[w.in.ID]
		if !ok {
			t.Errorf("%s not imported", w.in.ID)
			continue
		}
		if got.Line != w.line {
			t.Errorf("%s: line %d, want %d", w.in.ID, got.Line, w.line)
		}
		compareIncident(t, *got.Incident, w.in)
	}

	// One-sided violence: side A perpetrator, "Civilians" the target.
	os := byID["ucdp-187382"].Incident
	if os.Type != geo.ViolenceAgainstCivils || os.SubType != "attack" || os.Actors[0].Role != geo.RolePerpetrator ||
		os.Actors[1] != (geo.IncidentActor{Name: "Civilians", Role: geo.RoleTarget}) {
		t.Errorf("one-sided event: %s/%s %+v", os.Type, os.SubType, os.Actors)
	}
	// A side listing several groups gives one actor each, matched alone.
	multi := byID["ucdp-313638"].Incident
	wantActors := []geo.IncidentActor{
		{Actor: "syrian-opposition", Name: "Ahrar al-Sham", Role: geo.RoleOther},
		{Actor: "hts", Name: "Jabhat Fateh al-Sham", Role: geo.RoleOther},
		{Name: "Southern Front", Role: geo.RoleOther},
		{Actor: "isis", Name: "IS", Role: geo.RoleOther},
	}
	if !reflect.DeepEqual(multi.Actors, wantActors) {
		t.Errorf("ucdp-313638 actors %+v, want %+v", multi.Actors, wantActors)
	}
}

// compareIncident reports each field of got that differs from want.
func compareIncident(t *testing.T, got, want geo.Incident) {
	t.Helper()
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := 0; i < gv.NumField(); i++ {
		if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
			t.Errorf("%s: %s =\n  %+v\nwant\n  %+v", want.ID, gv.Type().Field(i).Name, gv.Field(i).Interface(), wv.Field(i).Interface())
		}
	}
}

// olderSchema rewrites the GED 23.1 sample as older releases lay it out:
// relid, code_status, the *_dset_id columns, where_description and gwnoa
// removed, low, best, high in that order, and the other columns reversed.
func olderSchema(t *testing.T, data []byte) []byte {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	drop := map[string]bool{"relid": true, "code_status": true, "where_description": true, "gwnoa": true, "low": true, "best": true, "high": true}
	var keep []int
	for i, h := range recs[0] {
		if !drop[h] && !strings.HasSuffix(h, "_dset_id") {
			keep = append(keep, i)
		}
	}
	slices.Reverse(keep)
	for _, h := range []string{"low", "best", "high"} {
		keep = append(keep, slices.Index(recs[0], h))
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for _, rec := range recs {
		out := make([]string, len(keep))
		for j, i := range keep {
			out[j] = rec[i]
		}
		w.Write(out)
	}
	w.Flush()
	return buf.Bytes()
}

func TestUCDPOlderSchema(t *testing.T) {
	data, err := os.ReadFile(ucdpSample)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Actors: testActors, Release: "23.1"}
	cur, _, repCur := readAll(t, readUCDP, data, opts)
	old, _, repOld := readAll(t, readUCDP, olderSchema(t, data), opts)
	if repOld.Accepted != 265 || repOld.Rejected != 0 {
		t.Fatalf("older schema: accepted %d, rejected %d %v", repOld.Accepted, repOld.Rejected, repOld.Rows)
	}
	if len(cur) != len(old) || repCur.Accepted != repOld.Accepted {
		t.Fatalf("%d incidents, older schema %d", len(cur), len(old))
	}
	for i := range cur {
		// where_description, gone from older releases, only ever ends the
		// description.
		c := cur[i]
		if j := strings.Index(c.Description, " Location: "); j >= 0 {
			c.Description = c.Description[:j]
		}
		compareIncident(t, old[i], c)
	}
}

const ucdpHeader = "id,year,type_of_violence,side_a,side_b,where_prec,adm_1,latitude,longitude,date_prec,date_start,date_end,deaths_civilians,best,low,high\n"

func TestUCDPRejectedRows(t *testing.T) {
	file := ucdpHeader +
		"1,2020,1,IS,SDF,1,Al Hasakah governorate,36.5,40.7,1,2020-01-02,2020-01-02,0,3,2,4\n" + // line 2: fine
		"2,2020,1,IS,SDF,1,,north,40.7,1,2020-01-02,2020-01-02,0,3,2,4\n" + // 3: bad latitude
		"3,2020,1,IS,SDF,1,,36.5,40.7,1,02/01/2020,2020-01-02,0,3,2,4\n" + // 4: unparseable date
		",2020,1,IS,SDF,1,,36.5,40.7,1,2020-01-02,2020-01-02,0,3,2,4\n" + // 5: missing id
		"5,2020,1,\"IS,\nSDF\",Civilians,1,,36.5,40.7,1,2020-01-02,2020-01-02,0,3,2,4\n" + // 6-7: fine, quoted newline
		"6,2020,1,IS,SDF,9,,36.5,191,1,2020-01-02,2020-01-02,0,3,2,4\n" + // 8: longitude out of range
		"7,2020,4,IS,SDF,1,,36.5,40.7,1,2020-01-02,2020-01-02,0,3,2,4\n" + // 9: type_of_violence
		"8,2020,1,IS,SDF,1,,36.5,40.7,1,2020-01-02\n" + // 10: short row
		"9,2020,1,IS,SDF,8,,36.5,40.7,1,2020-01-02,2020-01-02,0,3,2,4\n" + // 11: where_prec
		"10,2020,1,IS,SDF,1,,36.5,40.7,1,2020-01-05,2020-01-02,0,3,2,4\n" + // 12: date_end before date_start
		"11,2020,1,IS,SDF,1,,36.5,40.7,1,2020-01-02,2020-01-02,9,3,2,4\n" + // 13: civilians above high
		"12,2020,1,IS,SDF,1,,36.5,40.7,1,2020-01-02,2020-01-02,0,three,2,4\n" + // 14: best not a number
		"1 2,2020,1,IS,SDF,1,,36.5,40.7,1,2020-01-02,2020-01-02,0,3,2,4\n" // 15: id not usable
	_, byID, rep := readAll(t, readUCDP, []byte(file), Options{Actors: testActors})
	want := []Rejection{
		{3, "latitude", `"north" is not a number`},
		{4, "date_start", `"02/01/2020" is not a date of the form YYYY-MM-DD`},
		{5, "id", "is empty"},
		{8, "longitude", "191 is outside [-180, 180]"},
		{9, "type_of_violence", `"4" is not 1, 2 or 3`},
		{10, "", "the row has 11 fields, the header 16"},
		{11, "where_prec", `"8" is not a code 1-7`},
		{12, "date_end", "2020-01-02 is before date_start 2020-01-05"},
		{13, "deaths_civilians", "9 is above fatalities_high 4"},
		{14, "best", `"three" is not a whole number`},
		{15, "id", `"ucdp-1 2" is not an identifier (1-128 letters, digits, '-', '_', '.', ':', starting with a letter or digit)`},
	}
	if !reflect.DeepEqual(rep.Rows, want) {
		t.Errorf("rejections:\n%v\nwant\n%v", rep.Rows, want)
	}
	if rep.Accepted != 2 || rep.Rejected != len(want) {
		t.Errorf("accepted %d, rejected %d", rep.Accepted, rep.Rejected)
	}
	if r := byID["ucdp-5"]; r.Line != 6 || len(r.Incident.Actors) != 3 {
		t.Errorf("row with a quoted newline: line %d, actors %+v", r.Line, r.Incident.Actors)
	}
	in := byID["ucdp-1"].Incident
	if in.Actors[0].Actor != "isis" || in.Actors[1].Actor != "sdf" || in.Governorate != "Al-Hasakeh" {
		t.Errorf("ucdp-1: actors %+v, governorate %q", in.Actors, in.Governorate)
	}
}

func TestUCDPMissingColumn(t *testing.T) {
	for _, col := range UCDPRequired {
		cols := strings.Split(strings.TrimSpace(ucdpHeader), ",")
		cols = slices.DeleteFunc(cols, func(c string) bool { return c == col })
		_, err := ReadUCDP(context.Background(), strings.NewReader(strings.Join(cols, ",")+"\n"), Options{}, func(Record) error { return nil })
		var he *HeaderError
		if !errors.As(err, &he) || he.Column != col {
			t.Errorf("without %s: error %v, want a HeaderError naming it", col, err)
		}
	}
	_, err := ReadUCDP(context.Background(), strings.NewReader(""), Options{}, func(Record) error { return nil })
	if err == nil {
		t.Error("empty file: no error")
	}
}

func TestActorIndexAmbiguous(t *testing.T) {
	ix := newActorIndex([]geo.Actor{
		{ID: "a", Name: "Alpha", Aliases: []string{"Shared"}},
		{ID: "b", Name: "Beta", Aliases: []string{"shared", "  Beta   Force "}},
	})
	tests := map[string]geo.ActorID{"alpha": "a", "SHARED": "", "beta force": "b", "B": "b", "gamma": ""}
	for name, want := range tests {
		if got := ix.actor(name, geo.RoleOther, geo.Always).Actor; got != want {
			t.Errorf("%q matched %q, want %q", name, got, want)
		}
	}
}

// TestActorIndexDated: a dated alias names its actor only for events
// wholly inside its days; a name that changes hands on a day matches
// neither actor for an event that spans that day.
func TestActorIndexDated(t *testing.T) {
	fall := geo.DateOf(2024, 12, 8)
	ix := newActorIndex([]geo.Actor{
		{ID: "assad-government", Name: "Assad government", DatedAliases: []geo.DatedAlias{
			{Name: "Government of Syria", Valid: geo.Interval{From: geo.OpenStart, To: fall - 1}},
			{Name: "Military Forces of Syria (2000-2024)", Valid: geo.Interval{From: geo.DateOf(2000, 1, 1), To: fall - 1}},
		}, Aliases: []string{"Assad regime"}},
		{ID: "interim-government", Name: "Interim government", DatedAliases: []geo.DatedAlias{
			{Name: "Government of Syria", Valid: geo.Interval{From: fall, To: geo.OpenEnd}},
			{Name: "Assad regime", Valid: geo.Interval{From: fall, To: geo.OpenEnd}}, // a deliberate clash
		}},
	})
	day := func(d geo.Day) geo.Interval { return geo.Interval{From: d, To: d} }
	for _, tt := range []struct {
		name string
		when geo.Interval
		want geo.ActorID
	}{
		{"Government of Syria", day(fall - 1), "assad-government"},
		{"government of  syria", day(fall), "interim-government"},
		{"Government of Syria", geo.Interval{From: fall - 3, To: fall + 3}, ""}, // spans the fall
		{"Military Forces of Syria (2000-2024)", day(geo.DateOf(2012, 3, 1)), "assad-government"},
		{"Military Forces of Syria (2000-2024)", day(geo.DateOf(1999, 3, 1)), ""},
		{"Military Forces of Syria (2000-2024)", day(fall), ""},
		{"Assad regime", day(fall - 1), "assad-government"},
		{"Assad regime", day(fall), ""}, // two actors claim it that day
	} {
		if got := ix.actor(tt.name, geo.RoleOther, tt.when).Actor; got != tt.want {
			t.Errorf("%q on %v matched %q, want %q", tt.name, tt.when, got, tt.want)
		}
	}
}

// FuzzUCDPRow feeds one arbitrary data row under a full header: the reader
// must never panic, and whatever it accepts must be valid.
func FuzzUCDPRow(f *testing.F) {
	data, err := os.ReadFile(ucdpSample)
	if err != nil {
		f.Fatal(err)
	}
	lines := strings.SplitN(string(data), "\n", 4)
	header := lines[0] + "\n"
	f.Add(lines[1])
	f.Add(lines[2])
	f.Add(`1,,2011,1,Clear,3,,,,,,,,,IS,,,Civilians,1,"",,,,,7,,,,,-90,180,,,,,,2,5,2011-01-01 00:00:00,2011-12-31,1,1,1,1,1,1,1,,`)
	f.Add(`x,,,,,9,,,,,,,,,,,,,,,,,,,,0,,,,,NaN,Inf,,,,,,,,0001-01-01,9999-99-99,,,,,-1,1e9,2,,`)
	f.Add("\"unterminated,")
	f.Fuzz(func(t *testing.T, row string) {
		defer fuzzguard.Start(t)()
		_, err := ReadUCDP(context.Background(), strings.NewReader(header+row), Options{Actors: testActors}, func(r Record) error {
			if err := r.Incident.Validate(); err != nil {
				t.Fatalf("accepted an invalid incident: %v", err)
			}
			return nil
		})
		var he *HeaderError
		if errors.As(err, &he) {
			t.Fatalf("header refused: %v", err)
		}
	})
}

// repeatReader yields a header and then the same rows over and over, so the
// benchmark streams as many rows as it likes without a file.
type repeatReader struct {
	head, body []byte
	left       int // rows still to yield
	buf        []byte
}

func (r *repeatReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.head != nil {
			r.buf, r.head = r.head, nil
			continue
		}
		if r.left == 0 {
			return 0, io.EOF
		}
		r.left--
		r.buf = r.body
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// BenchmarkReadUCDP streams the real sample's rows repeatedly (the
// correctness test on the same rows is TestUCDPSample); memory stays flat
// however many rows pass.
func BenchmarkReadUCDP(b *testing.B) {
	data, err := os.ReadFile(ucdpSample)
	if err != nil {
		b.Fatal(err)
	}
	head, body, _ := bytes.Cut(data, []byte("\n"))
	head = append(head, '\n')
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		rep, err := ReadUCDP(context.Background(), &repeatReader{head: head, body: body, left: 1}, Options{Actors: testActors}, func(Record) error { return nil })
		if err != nil || rep.Accepted != 265 {
			b.Fatal(err, rep.Accepted)
		}
	}
}
