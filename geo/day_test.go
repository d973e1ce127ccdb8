package geo_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/frontline-maps/frontline/geo"
)

func TestParseDay(t *testing.T) {
	tests := []struct {
		in   string
		want geo.Day
		ok   bool
	}{
		{"1970-01-01", 0, true},
		{"2026-01-20", geo.DateOf(2026, 1, 20), true},
		{"2024-02-29", geo.DateOf(2024, 2, 29), true},
		{"2025-02-29", 0, false},
		{"2026-1-20", 0, false},
		{"20/01/2026", 0, false},
		{"2026-01-20T10:00:00Z", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := geo.ParseDay(tt.in)
			if !tt.ok {
				wantValidationError(t, err, "*")
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseDay(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			if s := got.String(); s != tt.in {
				t.Errorf("String() = %q, want %q", s, tt.in)
			}
		})
	}
}

func TestDayOf(t *testing.T) {
	damascus := time.FixedZone("Damascus", 3*3600)
	tests := []struct {
		name string
		t    time.Time
		want string
	}{
		{"UTC midnight", time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC), "2026-01-20"},
		{"UTC last second", time.Date(2026, 1, 20, 23, 59, 59, 0, time.UTC), "2026-01-20"},
		{"local early morning is the UTC day before", time.Date(2026, 1, 20, 1, 0, 0, 0, damascus), "2026-01-19"},
		{"before 1970", time.Date(1969, 12, 31, 12, 0, 0, 0, time.UTC), "1969-12-31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := geo.DayOf(tt.t).String(); got != tt.want {
				t.Errorf("DayOf(%v) = %s, want %s", tt.t, got, tt.want)
			}
		})
	}
}

func TestDayMonth(t *testing.T) {
	if got, want := geo.DateOf(2026, 2, 28).Month(), geo.DateOf(2026, 2, 1); got != want {
		t.Errorf("Month() = %v, want %v", got, want)
	}
}

func TestDayJSON(t *testing.T) {
	tests := []struct {
		name string
		d    geo.Day
		want string
	}{
		{"date", geo.DateOf(2026, 1, 20), `"2026-01-20"`},
		{"open start", geo.OpenStart, `null`},
		{"open end", geo.OpenEnd, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.d)
			if err != nil || string(b) != tt.want {
				t.Fatalf("Marshal = %s, %v; want %s", b, err, tt.want)
			}
			got := tt.d
			if !tt.d.IsOpen() {
				got = 0
			}
			if err := json.Unmarshal(b, &got); err != nil || got != tt.d {
				t.Errorf("Unmarshal(%s) = %v, %v; want %v", b, got, err, tt.d)
			}
		})
	}
	// Bad dates are *json.UnmarshalTypeError, the error encoding/json
	// annotates with the field being decoded.
	for _, bad := range []string{`20260120`, `"2026-13-01"`} {
		var d geo.Day
		var te *json.UnmarshalTypeError
		if err := json.Unmarshal([]byte(bad), &d); !errors.As(err, &te) {
			t.Errorf("Unmarshal(%s) error = %v, want a *json.UnmarshalTypeError", bad, err)
		}
	}
}

func TestInterval(t *testing.T) {
	jan := geo.Interval{From: geo.DateOf(2026, 1, 1), To: geo.DateOf(2026, 1, 31)}
	tests := []struct {
		name string
		iv   geo.Interval
		d    geo.Day
		want bool
	}{
		{"first day", jan, jan.From, true},
		{"last day", jan, jan.To, true},
		{"day before", jan, jan.From - 1, false},
		{"day after", jan, jan.To + 1, false},
		{"open start", geo.Interval{From: geo.OpenStart, To: jan.To}, geo.DateOf(1900, 1, 1), true},
		{"open end", geo.Interval{From: jan.From, To: geo.OpenEnd}, geo.DateOf(2100, 1, 1), true},
		{"always", geo.Always, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.iv.Contains(tt.d); got != tt.want {
				t.Errorf("%v.Contains(%v) = %v, want %v", tt.iv, tt.d, got, tt.want)
			}
		})
	}
	if got, want := jan.String(), "2026-01-01/2026-01-31"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got, want := geo.Always.String(), "../.."; got != want {
		t.Errorf("Always.String() = %q, want %q", got, want)
	}
	feb := geo.Interval{From: jan.To + 1, To: jan.To + 28}
	if jan.Overlaps(feb) || !jan.Overlaps(geo.Interval{From: jan.To, To: feb.To}) {
		t.Error("Overlaps is wrong at the shared bound")
	}
}

func TestIntervalValidate(t *testing.T) {
	d := geo.DateOf(2026, 1, 20)
	tests := []struct {
		name  string
		iv    geo.Interval
		field string
	}{
		{"one day", geo.Interval{From: d, To: d}, ""},
		{"open ends", geo.Always, ""},
		{"to before from", geo.Interval{From: d, To: d - 1}, "to"},
		{"from out of range", geo.Interval{From: geo.DateOf(999, 1, 1), To: d}, "from"},
		{"to out of range", geo.Interval{From: d, To: geo.DateOf(10000, 1, 1)}, "to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantValidationError(t, tt.iv.Validate(), tt.field)
		})
	}
}
