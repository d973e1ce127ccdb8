package postgis

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/frontline-maps/frontline/store"
	"github.com/jackc/pgx/v5/pgconn"
)

// unavailable marks err with store.ErrUnavailable when it says the
// database could not be reached or is going away (a connection error,
// SQLSTATE class 08, or 57P: shutting down, starting up), so the server
// answers 503 rather than 500; other errors pass unchanged.
func unavailable(err error) error {
	if err == nil || errors.Is(err, store.ErrUnavailable) {
		return err
	}
	var (
		pe *pgconn.PgError
		ce *pgconn.ConnectError
		ne net.Error
	)
	switch {
	case errors.As(err, &pe):
		if !strings.HasPrefix(pe.Code, "08") && !strings.HasPrefix(pe.Code, "57P") {
			return err
		}
	case errors.As(err, &ce), errors.As(err, &ne), errors.Is(err, io.ErrUnexpectedEOF), pgconn.SafeToRetry(err):
	default:
		return err
	}
	return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
}
