package server

import (
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/geo/synth"
	"github.com/frontline-maps/frontline/internal/fuzzguard"
)

// query parses a raw query string, failing the test on malformed input.
func query(t testing.TB, raw string) url.Values {
	t.Helper()
	q, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatalf("ParseQuery(%q): %v", raw, err)
	}
	return q
}

// checkErr fails unless err is nil when wantErr is "", or is a
// *geo.ValidationError naming field whose reason contains wantErr.
func checkErr(t *testing.T, err error, field, wantErr string) {
	t.Helper()
	if wantErr == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var ve *geo.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error = %v (%T), want a *geo.ValidationError containing %q", err, err, wantErr)
	}
	if ve.Field != field {
		t.Errorf("field = %q, want %q", ve.Field, field)
	}
	if !strings.Contains(ve.Reason, wantErr) {
		t.Errorf("reason = %q, want it to contain %q", ve.Reason, wantErr)
	}
}

func TestParseBBox(t *testing.T) {
	world := orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	syria := orb.Bound{Min: orb.Point{35.5, 32.3}, Max: orb.Point{42.4, 37.3}}
	tests := []struct {
		name    string
		raw     string
		want    orb.Bound
		wantOK  bool
		wantErr string
	}{
		{"absent is the world", "", world, false, ""},
		{"syria", "bbox=35.5,32.3,42.4,37.3", syria, true, ""},
		{"spaces around numbers", "bbox=35.5,+32.3,+42.4,+37.3", syria, true, ""},
		{"3D form ignores heights", "bbox=35.5,32.3,-100,42.4,37.3,9000", syria, true, ""},
		{"3D form with reversed heights", "bbox=35.5,32.3,9000,42.4,37.3,-100", world, false, "minHeight 9000 is greater than maxHeight -100"},
		{"whole world", "bbox=-180,-90,180,90", world, true, ""},
		{"degenerate point box", "bbox=40,35,40,35", orb.Bound{Min: orb.Point{40, 35}, Max: orb.Point{40, 35}}, true, ""},
		{"three numbers", "bbox=1,2,3", world, false, "has 3 numbers"},
		{"five numbers", "bbox=1,2,3,4,5", world, false, "has 5 numbers"},
		{"not a number", "bbox=a,2,3,4", world, false, `number 1: "a" is not a finite number`},
		{"empty number", "bbox=1,,3,4", world, false, "number 2"},
		{"NaN", "bbox=NaN,2,3,4", world, false, "not a finite number"},
		{"Inf", "bbox=1,2,Inf,4", world, false, "number 3"},
		{"lat over 90", "bbox=35,32,42,95", world, false, "maxLat 95 is outside [-90, 90]"},
		{"lon under -180", "bbox=-181,32,42,35", world, false, "minLon -181 is outside [-180, 180]"},
		{"reversed lat", "bbox=35,37,42,32", world, false, "minLat 37 is greater than maxLat 32"},
		{"antimeridian", "bbox=170,-10,-170,10", world, false, "antimeridian are not supported"},
		{"repeated", "bbox=1,2,3,4&bbox=1,2,3,4", world, false, "given 2 times"},
		{"empty", "bbox=", world, false, "is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := parseBBox(query(t, tt.raw))
			checkErr(t, err, "bbox", tt.wantErr)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("parseBBox = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestParsePoint(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    orb.Point
		wantOK  bool
		wantErr string
	}{
		{"absent", "", orb.Point{}, false, ""},
		{"al-tanf", "point=38.6167,33.5", orb.Point{38.6167, 33.5}, true, ""},
		{"negative", "point=-0.5,-89.9", orb.Point{-0.5, -89.9}, true, ""},
		{"edges", "point=180,-90", orb.Point{180, -90}, true, ""},
		{"lat,lon order", "point=38.6,100", orb.Point{}, false, "(longitude first)"},
		{"lon out of range", "point=181,33", orb.Point{}, false, "longitude 181 is outside"},
		{"one number", "point=38", orb.Point{}, false, "has 1 numbers"},
		{"three numbers", "point=1,2,3", orb.Point{}, false, "has 3 numbers"},
		{"garbage", "point=x,y", orb.Point{}, false, `"x" is not a finite number`},
		{"NaN", "point=NaN,1", orb.Point{}, false, "not a finite number"},
		{"repeated", "point=1,2&point=3,4", orb.Point{}, false, "given 2 times"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := parsePoint(query(t, tt.raw), "point")
			checkErr(t, err, "point", tt.wantErr)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("parsePoint = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestParseRadius(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    float64
		wantOK  bool
		wantErr string
	}{
		{"absent", "", 0, false, ""},
		{"al-tanf 55 km", "radius=55000", 55000, true, ""},
		{"fraction", "radius=0.5", 0.5, true, ""},
		{"maximum", "radius=5000000", geo.MaxRadiusMeters, true, ""},
		{"zero", "radius=0", 0, false, "not a number of metres in (0, 5000000]"},
		{"negative", "radius=-1", 0, false, "(0, 5000000]"},
		{"over maximum", "radius=5000001", 0, false, "(0, 5000000]"},
		{"NaN", "radius=NaN", 0, false, `"NaN"`},
		{"Inf", "radius=Inf", 0, false, `"Inf"`},
		{"unit suffix", "radius=55km", 0, false, `"55km"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := parseRadius(query(t, tt.raw))
			checkErr(t, err, "radius", tt.wantErr)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("parseRadius = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestRequirePair(t *testing.T) {
	tests := []struct {
		name      string
		raw       string
		wantField string
		wantErr   string
	}{
		{"neither", "", "", ""},
		{"both", "point=1,2&radius=3", "", ""},
		{"point alone", "point=1,2", "radius", "is required with point"},
		{"radius alone", "radius=3", "point", "is required with radius"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, requirePair(query(t, tt.raw), "point", "radius"), tt.wantField, tt.wantErr)
		})
	}
}

func TestParseLimitOffsetFatalities(t *testing.T) {
	tests := []struct {
		name    string
		parse   func(url.Values) (int, error)
		param   string
		raw     string
		want    int
		wantErr string
	}{
		{"limit default", parseLimit, "limit", "", 100, ""},
		{"limit one", parseLimit, "limit", "limit=1", 1, ""},
		{"limit maximum", parseLimit, "limit", "limit=10000", 10000, ""},
		{"limit over maximum is an error", parseLimit, "limit", "limit=10001", 100, "10001 is above the maximum 10000 features"},
		{"limit zero", parseLimit, "limit", "limit=0", 100, "below the minimum 1"},
		{"limit negative", parseLimit, "limit", "limit=-5", 100, "below the minimum 1"},
		{"limit float", parseLimit, "limit", "limit=1.5", 100, `"1.5" is not a whole number`},
		{"limit huge", parseLimit, "limit", "limit=99999999999999999999999", 100, "not a whole number"},
		{"limit repeated", parseLimit, "limit", "limit=1&limit=2", 100, "given 2 times"},
		{"offset default", parseOffset, "offset", "", 0, ""},
		{"offset", parseOffset, "offset", "offset=200", 200, ""},
		{"offset negative", parseOffset, "offset", "offset=-1", 0, "below the minimum 0"},
		{"offset absurd", parseOffset, "offset", "offset=10000001", 0, "above the maximum 10000000"},
		{"min_fatalities default", parseMinFatalities, "min_fatalities", "", 0, ""},
		{"min_fatalities", parseMinFatalities, "min_fatalities", "min_fatalities=10", 10, ""},
		{"min_fatalities negative", parseMinFatalities, "min_fatalities", "min_fatalities=-1", 0, "below the minimum 0"},
		{"min_fatalities word", parseMinFatalities, "min_fatalities", "min_fatalities=many", 0, "not a whole number; expected deaths from 0 to 1000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.parse(query(t, tt.raw))
			checkErr(t, err, tt.param, tt.wantErr)
			if got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestParseDatetime(t *testing.T) {
	d := func(s string) geo.Day {
		v, err := geo.ParseDay(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name    string
		raw     string
		want    geo.Interval
		wantErr string
	}{
		{"absent is always", "", geo.Always, ""},
		{"date", "datetime=2025-01-31", geo.Interval{From: d("2025-01-31"), To: d("2025-01-31")}, ""},
		{"date-time is its UTC day", "datetime=2025-01-31T10:00:00Z", geo.Interval{From: d("2025-01-31"), To: d("2025-01-31")}, ""},
		{"offset moves the UTC day", "datetime=2025-01-31T01:00:00%2B03:00", geo.Interval{From: d("2025-01-30"), To: d("2025-01-30")}, ""},
		{"fractional seconds", "datetime=2025-01-31T10:00:00.123Z", geo.Interval{From: d("2025-01-31"), To: d("2025-01-31")}, ""},
		{"lower-case t and z", "datetime=2025-01-31t10:00:00z", geo.Interval{From: d("2025-01-31"), To: d("2025-01-31")}, ""},
		{"closed interval", "datetime=2024-12-01/2025-01-31", geo.Interval{From: d("2024-12-01"), To: d("2025-01-31")}, ""},
		{"closed date-times", "datetime=2024-12-01T00:00:00Z/2025-01-31T23:59:59Z", geo.Interval{From: d("2024-12-01"), To: d("2025-01-31")}, ""},
		{"one-day interval", "datetime=2025-01-31/2025-01-31", geo.Interval{From: d("2025-01-31"), To: d("2025-01-31")}, ""},
		{"open start", "datetime=../2025-01-31", geo.Interval{From: geo.OpenStart, To: d("2025-01-31")}, ""},
		{"open end", "datetime=2025-01-31/..", geo.Interval{From: d("2025-01-31"), To: geo.OpenEnd}, ""},
		{"empty end", "datetime=2025-01-31/", geo.Interval{From: d("2025-01-31"), To: geo.OpenEnd}, ""},
		{"empty start", "datetime=/2025-01-31", geo.Interval{From: geo.OpenStart, To: d("2025-01-31")}, ""},
		{"both open", "datetime=../..", geo.Always, "has no date"},
		{"both empty", "datetime=/", geo.Always, "has no date"},
		{"reversed", "datetime=2025-02-01/2025-01-01", geo.Always, "end 2025-01-01 is before start 2025-02-01"},
		{"unparseable", "datetime=yesterday", geo.Always, `"yesterday" is not a date YYYY-MM-DD or an RFC 3339 date-time`},
		{"bad start", "datetime=2025-13-01/..", geo.Always, `start: "2025-13-01"`},
		{"bad end", "datetime=../2025-02-30", geo.Always, `end: "2025-02-30"`},
		{"three parts", "datetime=2025-01-01/2025-01-02/2025-01-03", geo.Always, "end:"},
		{"date-time without zone", "datetime=2025-01-31T10:00:00", geo.Always, "not a date"},
		{"year too early", "datetime=0999-01-01", geo.Always, "outside the years 1000 to 9999"},
		{"UTC day past 9999", "datetime=9999-12-31T23:00:00-05:00", geo.Always, "outside the years"},
		{"repeated", "datetime=2025-01-01&datetime=2025-01-02", geo.Always, "given 2 times"},
		{"empty", "datetime=", geo.Always, "is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseDatetime(query(t, tt.raw))
			checkErr(t, err, "datetime", tt.wantErr)
			if got != tt.want {
				t.Errorf("parseDatetime = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	jan31 := geo.DateOf(2025, time.January, 31)
	tests := []struct {
		name     string
		raw      string
		required bool
		want     geo.Day
		wantOK   bool
		wantErr  string
	}{
		{"optional absent", "", false, 0, false, ""},
		{"optional", "date=2025-01-31", false, jan31, true, ""},
		{"required", "date=2025-01-31", true, jan31, true, ""},
		{"required absent", "", true, 0, false, "is required; expected a date YYYY-MM-DD"},
		{"date-time refused", "date=2025-01-31T00:00:00Z", false, 0, false, "is not a date of the form YYYY-MM-DD"},
		{"day of month out of range", "date=2025-02-30", true, 0, false, `"2025-02-30"`},
		{"repeated", "date=2025-01-31&date=2025-01-31", true, 0, false, "given 2 times"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := query(t, tt.raw)
			var got geo.Day
			var ok bool
			var err error
			if tt.required {
				got, err = requireDate(q, "date")
				ok = err == nil
			} else {
				got, ok, err = parseDate(q, "date")
			}
			checkErr(t, err, "date", tt.wantErr)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("got %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestParseEnums(t *testing.T) {
	actors := []geo.ActorID{"isis", "sdf", "syrian-government"}
	governorates := []string{"Aleppo", "Deir-ez-Zor", "Homs"}
	tests := []struct {
		name    string
		param   string
		parse   func(url.Values) (string, error)
		raw     string
		want    string
		wantErr string
	}{
		{"type absent", "type", str(parseEventType), "", "", ""},
		{"type", "type", str(parseEventType), "type=battles", "battles", ""},
		{"type unknown", "type", str(parseEventType), "type=war", "", `"war" is not one of: battles, explosions_remote_violence,`},
		{"type wrong case", "type", str(parseEventType), "type=Battles", "", "is not one of"},
		{"sub_type", "sub_type", subTypeOf(""), "sub_type=ied", "ied", ""},
		{"sub_type unknown", "sub_type", subTypeOf(""), "sub_type=bomb", "", `"bomb" is not one of: abduction,`},
		{"sub_type of its type", "sub_type", subTypeOf(geo.RemoteViolence), "sub_type=ied", "ied", ""},
		{"sub_type of another type", "sub_type", subTypeOf(geo.Battles), "sub_type=ied", "",
			`"ied" belongs to type explosions_remote_violence, not battles; sub-types of battles: armed_clash,`},
		{"incident status", "status", str(parseIncidentStatus), "status=confirmed", "confirmed", ""},
		{"incident status is not a zone status", "status", str(parseIncidentStatus), "status=control", "", "not one of: reported, confirmed, disputed"},
		{"zone status", "status", str(parseZoneStatus), "status=deconfliction", "deconfliction", ""},
		{"zone status repeated", "status", str(parseZoneStatus), "status=control&status=joint", "", "given 2 times"},
		{"actor", "actor", actorOf(actors), "actor=sdf", "sdf", ""},
		{"actor unknown", "actor", actorOf(actors), "actor=SDF", "", `"SDF" is not one of: isis, sdf, syrian-government`},
		{"governorate exact", "governorate", governorateOf(governorates), "governorate=Homs", "Homs", ""},
		{"governorate any case", "governorate", governorateOf(governorates), "governorate=deir-ez-zor", "Deir-ez-Zor", ""},
		{"governorate unknown", "governorate", governorateOf(governorates), "governorate=Raqqa", "", `"Raqqa" is not one of: Aleppo, Deir-ez-Zor, Homs`},
		{"group", "group", str(parseGroup), "group=month", "month", ""},
		{"group required", "group", str(parseGroup), "", "", "is required; one of: zone, actor, type, month, governorate"},
		{"group unknown", "group", str(parseGroup), "group=year", "", `"year" is not one of: zone, actor`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.parse(query(t, tt.raw))
			checkErr(t, err, tt.param, tt.wantErr)
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// str adapts a parser of a string type to one returning string, so that
// every enum shares one table.
func str[T ~string](f func(url.Values) (T, error)) func(url.Values) (string, error) {
	return func(q url.Values) (string, error) {
		v, err := f(q)
		return string(v), err
	}
}

func subTypeOf(typ geo.EventType) func(url.Values) (string, error) {
	return str(func(q url.Values) (geo.SubType, error) { return parseSubType(q, typ) })
}

func actorOf(known []geo.ActorID) func(url.Values) (string, error) {
	return str(func(q url.Values) (geo.ActorID, error) { return parseActor(q, known) })
}

func governorateOf(known []string) func(url.Values) (string, error) {
	return func(q url.Values) (string, error) { return parseGovernorate(q, known) }
}

func TestParseResultType(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		wantHits bool
		wantErr  string
	}{
		{"default results", "", false, ""},
		{"results", "resultType=results", false, ""},
		{"hits", "resultType=hits", true, ""},
		{"unknown", "resultType=count", false, `"count" is not one of: results, hits`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := parseResultType(query(t, tt.raw))
			checkErr(t, err, "resultType", tt.wantErr)
			if hits != tt.wantHits {
				t.Errorf("hits = %v, want %v", hits, tt.wantHits)
			}
		})
	}
}

func TestParseCell(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    float64
		wantErr string
	}{
		{"default", "", 0.1, ""},
		{"minimum", "cell=0.01", 0.01, ""},
		{"maximum", "cell=10", 10, ""},
		{"quarter degree", "cell=0.25", 0.25, ""},
		{"too small", "cell=0.001", 0.1, `"0.001" is not a number of degrees in [0.01, 10]`},
		{"too large", "cell=11", 0.1, "in [0.01, 10]"},
		{"NaN", "cell=NaN", 0.1, "in [0.01, 10]"},
		{"word", "cell=big", 0.1, `"big"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCell(query(t, tt.raw))
			checkErr(t, err, "cell", tt.wantErr)
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCheckGridCells(t *testing.T) {
	syria := orb.Bound{Min: orb.Point{35.5, 32.3}, Max: orb.Point{42.4, 37.3}}
	world := orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	tests := []struct {
		name    string
		b       orb.Bound
		cell    float64
		wantErr string
	}{
		{"syria at the finest cell", syria, 0.01, ""},
		{"world at 0.5", world, 0.5, ""},
		{"point box", orb.Bound{Min: orb.Point{40, 35}, Max: orb.Point{40, 35}}, 0.01, ""},
		{"world at the finest cell", world, 0.01, "make 648000000 cells, more than 1000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, checkGridCells(tt.b, tt.cell), "cell", tt.wantErr)
		})
	}
}

func TestRejectUnknown(t *testing.T) {
	tests := []struct {
		name       string
		raw        string
		wantFields []string
	}{
		{"none", "", nil},
		{"all known", "bbox=1,2,3,4&limit=5", nil},
		{"one unknown", "bbox=1,2,3,4&bbbox=1", []string{"bbbox"}},
		{"sorted", "zeta=1&alpha=2&limit=3", []string{"alpha", "zeta"}},
		{"case matters", "BBOX=1,2,3,4", []string{"BBOX"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := rejectUnknown(query(t, tt.raw), "bbox", "limit")
			if tt.wantFields == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var pe paramErrors
			if !errors.As(err, &pe) {
				t.Fatalf("error = %v (%T), want paramErrors", err, err)
			}
			var fields []string
			for _, e := range pe {
				fields = append(fields, e.Field)
				if e.Reason != "unknown parameter; allowed: bbox, limit" {
					t.Errorf("reason = %q", e.Reason)
				}
			}
			if strings.Join(fields, ",") != strings.Join(tt.wantFields, ",") {
				t.Errorf("fields = %v, want %v", fields, tt.wantFields)
			}
		})
	}
}

// TestParamErrorsCollectsEveryParameter is the handler's pattern: every bad
// parameter of one request is reported, in the order checked.
func TestParamErrorsCollectsEveryParameter(t *testing.T) {
	q := query(t, "bbox=35,37,42,32&datetime=2025-02-01/2025-01-01&limit=20000&colour=red&point=1,2")
	var errs paramErrors
	errs.add(rejectUnknown(q, "bbox", "datetime", "limit", "point", "radius"))
	_, _, err := parseBBox(q)
	errs.add(err)
	_, err = parseDatetime(q)
	errs.add(err)
	_, err = parseLimit(q)
	errs.add(err)
	errs.add(requirePair(q, "point", "radius"))
	_, err = parseOffset(q)
	errs.add(err)

	err = errs.err()
	var pe paramErrors
	if !errors.As(err, &pe) {
		t.Fatalf("err() = %v (%T), want paramErrors", err, err)
	}
	var fields []string
	for _, e := range pe {
		fields = append(fields, e.Field)
	}
	if got, want := strings.Join(fields, ","), "colour,bbox,datetime,limit,radius"; got != want {
		t.Errorf("fields = %s, want %s", got, want)
	}
	// Before problem.go knows paramErrors, errors.As still finds the first.
	var ve *geo.ValidationError
	if !errors.As(err, &ve) || ve.Field != "colour" {
		t.Errorf("errors.As(*geo.ValidationError) = %v", ve)
	}
	if !strings.Contains(err.Error(), "invalid bbox: minLat 37") || strings.Count(err.Error(), "; invalid ") != 4 {
		t.Errorf("Error() = %q", err.Error())
	}

	var none paramErrors
	none.add(nil)
	if err := none.err(); err != nil {
		t.Errorf("err() of nothing = %v, want nil", err)
	}
}

func TestQuoteTruncates(t *testing.T) {
	long := strings.Repeat("ب", 100) // two bytes a rune: the cut must not split one
	got := quote(long)
	if !strings.HasSuffix(got, "…") || strings.ContainsRune(got, '\uFFFD') || len(got) > maxQuoted+8 {
		t.Errorf("quote(long) = %q", got)
	}
	if got := quote(`a"b`); got != `"a\"b"` {
		t.Errorf("quote = %s", got)
	}
}

func FuzzParseBBox(f *testing.F) {
	for _, s := range []string{"35.5,32.3,42.4,37.3", "1,2,3,4,5,6", "-180,-90,180,90", "170,-10,-170,10", "NaN,1,2,3", "1e308,1,2,3", "0x1p-2,0,1,1", ",,,", "1,2,3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		defer fuzzguard.Start(t)()
		b, ok, err := parseBBox(url.Values{"bbox": {s}})
		if err != nil {
			var ve *geo.ValidationError
			if !errors.As(err, &ve) || ve.Field != "bbox" || ok {
				t.Fatalf("error %v (%T), ok %v", err, err, ok)
			}
			return
		}
		if !ok {
			t.Fatal("no error and not ok")
		}
		if !(-180 <= b.Min[0] && b.Min[0] <= b.Max[0] && b.Max[0] <= 180 &&
			-90 <= b.Min[1] && b.Min[1] <= b.Max[1] && b.Max[1] <= 90) {
			t.Fatalf("accepted out-of-range or reversed box %v from %q", b, s)
		}
		// Shortest formatting is exact, so the box round-trips.
		f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
		again, _, err := parseBBox(url.Values{"bbox": {f(b.Min[0]) + "," + f(b.Min[1]) + "," + f(b.Max[0]) + "," + f(b.Max[1])}})
		if err != nil || again != b {
			t.Fatalf("round trip of %v: %v, %v", b, again, err)
		}
	})
}

func FuzzParsePoint(f *testing.F) {
	for _, s := range []string{"38.6167,33.5", "180,-90", "38.6,100", "1", "x,y", "-0,0", "Inf,0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		defer fuzzguard.Start(t)()
		p, ok, err := parsePoint(url.Values{"point": {s}}, "point")
		if err != nil {
			var ve *geo.ValidationError
			if !errors.As(err, &ve) || ve.Field != "point" || ok {
				t.Fatalf("error %v (%T), ok %v", err, err, ok)
			}
			return
		}
		if !ok || geo.ValidatePoint(p) != nil {
			t.Fatalf("accepted %q as %v, ok %v", s, p, ok)
		}
		f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
		again, _, err := parsePoint(url.Values{"point": {f(p[0]) + "," + f(p[1])}}, "point")
		if err != nil || again != p {
			t.Fatalf("round trip of %v: %v, %v", p, again, err)
		}
	})
}

func FuzzParseDatetime(f *testing.F) {
	for _, s := range []string{"2025-01-31", "2025-01-31T10:00:00Z", "2025-01-31T01:00:00+03:00", "2024-12-01/2025-01-31",
		"../2025-01-31", "2025-01-31/..", "2025-01-31/", "/2025-01-31", "../..", "/", "2025-02-01/2025-01-01", "yesterday", "9999-12-31T23:59:59-14:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		defer fuzzguard.Start(t)()
		iv, err := parseDatetime(url.Values{"datetime": {s}})
		if err != nil {
			var ve *geo.ValidationError
			if !errors.As(err, &ve) || ve.Field != "datetime" {
				t.Fatalf("error %v (%T)", err, err)
			}
			return
		}
		if err := iv.Validate(); err != nil {
			t.Fatalf("accepted %q as invalid interval %v: %v", s, iv, err)
		}
		// The interval's own string form ("from/to" with ".." for open
		// ends) is a valid datetime and parses back to the same days.
		again, err := parseDatetime(url.Values{"datetime": {iv.String()}})
		if err != nil || again != iv {
			t.Fatalf("round trip of %v (from %q): %v, %v", iv, s, again, err)
		}
	})
}

func TestParseDateRange(t *testing.T) {
	tests := []struct {
		name, raw, field, wantErr string
	}{
		{"ordered", "from=2024-01-01&to=2025-01-01", "", ""},
		{"same day", "from=2024-01-01&to=2024-01-01", "", ""},
		{"reversed", "from=2025-01-01&to=2024-01-01", "to", "is before from 2025-01-01"},
		{"from missing", "to=2024-01-01", "from", "is required"},
		{"to malformed", "from=2024-01-01&to=2024-1-1", "to", "YYYY-MM-DD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := parseDateRange(query(t, tt.raw))
			checkErr(t, err, tt.field, tt.wantErr)
		})
	}
}

func TestRequirePointAndBBox(t *testing.T) {
	_, err := requirePoint(query(t, ""), "point")
	checkErr(t, err, "point", "is required")
	p, err := requirePoint(query(t, "point=38.63,33.5"), "point")
	checkErr(t, err, "", "")
	if p != (orb.Point{38.63, 33.5}) {
		t.Errorf("point = %v, want [38.63 33.5] (lon first)", p)
	}
	_, err = requireBBox(query(t, ""))
	checkErr(t, err, "bbox", "is required")
	_, err = requireBBox(query(t, "bbox=1,2,3"))
	checkErr(t, err, "bbox", "has 3 numbers")
}

func TestParseIncidentFilters(t *testing.T) {
	actors := []geo.ActorID{"isis", "sdf"}
	exists := func(id geo.ZoneID) bool { return id == "tanf" }
	iq, err := parseIncidentFilters(query(t, "zone=tanf&datetime=2025-01-01/..&type=battles&sub_type=armed_clash&actor=isis&status=reported&min_fatalities=3"), actors, exists)
	checkErr(t, err, "", "")
	if iq.Window == nil || iq.Window.From != geo.DateOf(2025, 1, 1) || iq.Window.To != geo.OpenEnd ||
		!slices.Equal(iq.Types, []geo.EventType{geo.Battles}) || !slices.Equal(iq.SubTypes, []geo.SubType{"armed_clash"}) ||
		!slices.Equal(iq.Actors, []geo.ActorID{"isis"}) || !slices.Equal(iq.Statuses, []geo.IncidentStatus{geo.Reported}) || iq.MinFatalities != 3 {
		t.Errorf("query = %+v", iq)
	}
	iq, err = parseIncidentFilters(query(t, ""), actors, exists)
	checkErr(t, err, "", "")
	if iq.Window != nil || iq.Types != nil || iq.Actors != nil || iq.MinFatalities != 0 {
		t.Errorf("no parameters gave %+v, want the zero query", iq)
	}
	_, err = parseIncidentFilters(query(t, "zone=nowhere"), actors, exists)
	checkErr(t, err, "zone", "is not the ID of a zone")
	_, err = parseIncidentFilters(query(t, "actor=hts"), actors, exists)
	checkErr(t, err, "actor", "is not one of")
}

func TestParseSearchBody(t *testing.T) {
	actors := []geo.ActorID{"isis"}
	exists := func(id geo.ZoneID) bool { return id == "tanf" }
	const square = `{"type":"Polygon","coordinates":[[[36,33],[38,33],[38,36],[36,36],[36,33]]]}`
	tests := []struct {
		name, body, field, wantErr string
		check                      func(t *testing.T, req searchRequest)
	}{
		{"polygon with defaults", `{"geometry":` + square + `}`, "", "", func(t *testing.T, req searchRequest) {
			if req.Query.Limit != defaultLimit || req.Query.Offset != 0 || req.Hits {
				t.Errorf("limit %d offset %d hits %v, want the defaults", req.Query.Limit, req.Query.Offset, req.Hits)
			}
		}},
		{"point and radius, filters, page", `{"geometry":{"type":"Point","coordinates":[38.63,33.5]},"radius":55000,"actor":"isis","min_fatalities":2,"limit":5,"offset":10,"resultType":"hits"}`, "", "",
			func(t *testing.T, req searchRequest) {
				if req.Query.Limit != 5 || req.Query.Offset != 10 || !req.Hits || req.Query.MinFatalities != 2 || len(req.Query.Actors) != 1 {
					t.Errorf("parsed %+v", req)
				}
			}},
		{"zone", `{"zone":"tanf","datetime":"2025-01-01"}`, "", "", func(t *testing.T, req searchRequest) {
			if req.Query.Window == nil || req.Query.Window.From != geo.DateOf(2025, 1, 1) {
				t.Errorf("window %v, want 2025-01-01", req.Query.Window)
			}
		}},
		{"null members are absent", `{"zone":"tanf","geometry":null,"limit":null}`, "", "", nil},
		{"quoted number", `{"zone":"tanf","limit":"5"}`, "limit", "is not a JSON number", nil},
		{"fractional limit", `{"zone":"tanf","limit":2.5}`, "limit", "not a whole number", nil},
		{"unknown member", `{"zone":"tanf","where":1}`, "where", "unknown member", nil},
		{"long unknown member is cut", `{"zone":"tanf","` + strings.Repeat("a", 100) + `":1}`, strings.Repeat("a", maxQuoted) + "…", "unknown member", nil},
		{"malformed", `{"zone":"tanf",}`, "body", "not valid JSON at byte", nil},
		{"array", `[]`, "body", "JSON array where an object was expected", nil},
		{"empty", ``, "body", "is empty", nil},
		{"unclosed ring", `{"geometry":{"type":"Polygon","coordinates":[[[36,33],[38,33],[38,36],[36,36]]]}}`, "geometry.coordinates[0]", "", nil},
		{"longitude 200", `{"geometry":{"type":"Point","coordinates":[200,0]},"radius":1}`, "geometry.coordinates", "", nil},
		{"radius too big", `{"geometry":{"type":"Point","coordinates":[38,33]},"radius":6e6}`, "radius", "not a number of metres", nil},
		{"geometry and zone", `{"geometry":` + square + `,"zone":"tanf"}`, "zone", "cannot be combined with geometry", nil},
		{"no place", `{}`, "geometry", "is required unless zone is given", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := parseSearchBody([]byte(tt.body), actors, exists)
			if tt.field != "" && tt.wantErr == "" {
				var ve *geo.ValidationError
				if !errors.As(err, &ve) || ve.Field != tt.field {
					t.Fatalf("error %v, want one naming %q", err, tt.field)
				}
				return
			}
			checkErr(t, err, tt.field, tt.wantErr)
			if err == nil && tt.check != nil {
				tt.check(t, req)
			}
		})
	}
}

// BenchmarkSearchBody reads the benchmarks' Q1 search body (a 2,000-vertex
// polygon, 44 KB) into its place, as parseSearchBody does; PrepareRegion is
// left out.
func BenchmarkSearchBody(b *testing.B) {
	geom, err := json.Marshal(map[string]any{"type": "Polygon", "coordinates": synth.Q1Polygon(httpBenchSeed)})
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"geometry":` + string(geom) + `,"limit":10000,"resultType":"hits"}`)
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			members, err := decodeSearchBody(body)
			if err != nil {
				b.Fatal(err)
			}
			var g struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			}
			if err := json.Unmarshal(members["geometry"], &g); err != nil {
				b.Fatal(err)
			}
			if _, err := readCoordinates(g.Coordinates, (*coordReader).polygon); err != nil {
				b.Fatal(err)
			}
		}
	})
}
