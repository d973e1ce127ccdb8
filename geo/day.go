package geo

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"
)

// Day is a calendar date in UTC, counted in days since 1970-01-01. It is
// compact and totally ordered, so the index keeps it inline with each item.
type Day int32

const (
	// OpenStart is the lower bound of an interval with no start.
	OpenStart Day = math.MinInt32
	// OpenEnd is the upper bound of an interval with no end.
	OpenEnd Day = math.MaxInt32
)

// minDay and maxDay bound the dates a record may carry (years 1000 to 9999),
// so that an arithmetic slip or a corrupted file is caught at validation.
var (
	minDay = DayOf(time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC))
	maxDay = DayOf(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))
)

// DayOf returns the UTC calendar day containing t.
func DayOf(t time.Time) Day {
	t = t.UTC()
	return Day(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// DateOf returns the Day of a calendar date.
func DateOf(year int, month time.Month, day int) Day {
	return DayOf(time.Date(year, month, day, 0, 0, 0, 0, time.UTC))
}

// ParseDay parses an ISO 8601 calendar date, YYYY-MM-DD. It returns a
// *ValidationError with an empty Field when s is not such a date; callers
// set the field name.
func ParseDay(s string) (Day, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, &ValidationError{Reason: fmt.Sprintf("%q is not a date of the form YYYY-MM-DD", s)}
	}
	return DayOf(t), nil
}

// Time returns midnight UTC at the start of d.
func (d Day) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// String formats d as YYYY-MM-DD, or ".." for an open bound.
func (d Day) String() string {
	if d == OpenStart || d == OpenEnd {
		return ".."
	}
	return d.Time().Format(time.DateOnly)
}

// IsOpen reports whether d is one of the open-bound sentinels.
func (d Day) IsOpen() bool { return d == OpenStart || d == OpenEnd }

// Month returns the first day of d's month, the key of monthly aggregations.
func (d Day) Month() Day {
	t := d.Time()
	return DateOf(t.Year(), t.Month(), 1)
}

// Interval is a closed range of days [From, To]. From may be OpenStart and To
// may be OpenEnd. The zero Interval is the single day 1970-01-01; use Always
// for the unbounded interval.
type Interval struct {
	From Day
	To   Day
}

// Always is the interval that contains every day.
var Always = Interval{From: OpenStart, To: OpenEnd}

// Contains reports whether d lies in iv, bounds included.
func (iv Interval) Contains(d Day) bool { return iv.From <= d && d <= iv.To }

// Overlaps reports whether iv and o share at least one day.
func (iv Interval) Overlaps(o Interval) bool { return iv.From <= o.To && o.From <= iv.To }

// String formats iv as an ISO 8601 interval, with ".." for open ends.
func (iv Interval) String() string { return iv.From.String() + "/" + iv.To.String() }

// Validate checks that To is not before From and that closed bounds are
// plausible dates (years 1000 to 9999).
func (iv Interval) Validate() error {
	if iv.From != OpenStart && (iv.From < minDay || iv.From > maxDay) {
		return invalid("from", "date out of range")
	}
	if iv.To != OpenEnd && (iv.To < minDay || iv.To > maxDay) {
		return invalid("to", "date out of range")
	}
	if iv.To < iv.From {
		return invalid("to", "%s is before %s", iv.To, iv.From)
	}
	return nil
}

// MarshalJSON encodes d as "YYYY-MM-DD", or null for an open bound.
func (d Day) MarshalJSON() ([]byte, error) {
	if d.IsOpen() {
		return []byte("null"), nil
	}
	return []byte(`"` + d.String() + `"`), nil
}

// UnmarshalJSON decodes "YYYY-MM-DD". null leaves d unchanged, so a caller
// can preset an open bound. A bad value is reported as a
// *json.UnmarshalTypeError, the one error type to which encoding/json adds
// the name of the field being decoded.
func (d *Day) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &json.UnmarshalTypeError{Value: clip(string(b)), Type: dayType}
	}
	v, err := ParseDay(s)
	if err != nil {
		return &json.UnmarshalTypeError{Value: clip(strconv.Quote(s)), Type: dayType}
	}
	*d = v
	return nil
}

var dayType = reflect.TypeFor[Day]()

// clip shortens a bad value quoted back in an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
