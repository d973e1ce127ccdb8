package geo

import (
	"errors"
	"fmt"
)

// ErrNotFound is returned when a record asked for by ID does not exist.
// Callers test for it with errors.Is.
var ErrNotFound = errors.New("geo: not found")

// ErrConflict is returned when an insert names an ID that is already present.
var ErrConflict = errors.New("geo: already exists")

// ValidationError reports which field of a record or query is invalid and why.
// Field is a dotted path in the record's JSON schema, for example
// "geometry.coordinates[0][3]" or "properties.valid_to".
type ValidationError struct {
	Field  string
	Reason string
}

// Error implements error.
func (e *ValidationError) Error() string {
	return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason)
}

// invalid builds a *ValidationError; the format applies to the reason.
func invalid(field, format string, args ...any) *ValidationError {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// prefixField returns err with prefix prepended to its field when err is a
// *ValidationError, so nested validators can report full paths.
func prefixField(prefix string, err error) error {
	var ve *ValidationError
	if errors.As(err, &ve) {
		f := prefix
		if ve.Field != "" {
			f = prefix + "." + ve.Field
		}
		return &ValidationError{Field: f, Reason: ve.Reason}
	}
	return err
}
