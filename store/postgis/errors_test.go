package postgis

import (
	"errors"
	"fmt"
	"testing"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestUnavailable(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "57P01"}, true}, // admin shutdown
		{&pgconn.PgError{Code: "57P03"}, true}, // cannot connect now
		{&pgconn.PgError{Code: "08006"}, true}, // connection failure
		{fmt.Errorf("reading: %w", &pgconn.PgError{Code: "08003"}), true},
		{&pgconn.PgError{Code: "23505"}, false}, // unique violation
		{&pgconn.PgError{Code: "57014"}, false}, // statement timeout: not the database going away
		{&geo.ValidationError{Field: "id", Reason: "x"}, false},
		{store.ErrPreconditionFailed, false},
		{errors.New("other"), false},
	} {
		got := unavailable(tt.err)
		if errors.Is(got, store.ErrUnavailable) != tt.want {
			t.Errorf("unavailable(%v) = %v, want ErrUnavailable %v", tt.err, got, tt.want)
		}
		if !errors.Is(got, tt.err) {
			t.Errorf("unavailable(%v) lost the error: %v", tt.err, got)
		}
	}
	if unavailable(nil) != nil {
		t.Error("unavailable(nil) is not nil")
	}
}
