package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/frontline-maps/frontline/geo"
)

// Media types written by the server.
const (
	contentTypeJSON    = "application/json"
	contentTypeGeoJSON = "application/geo+json"
	contentTypeProblem = "application/problem+json"
)

// Problem type URIs: a small, fixed set that clients may rely on.
const (
	problemInvalidParameter = "/problems/invalid-parameter"
	problemNotFound         = "/problems/not-found"
	problemMethod           = "/problems/method-not-allowed"
	problemInternal         = "/problems/internal-error"
	problemTooLarge         = "/problems/body-too-large"
	problemUnavailable      = "/problems/not-ready"
	problemRequestTimeout   = "/problems/request-timeout"
	problemBusy             = "/problems/busy"
	// problemTooManyConnections is written by LimitConnsPerClient's
	// listener, not by writeError: it answers before any request is read.
	problemTooManyConnections = "/problems/too-many-connections"
)

// problem is an RFC 9457 problem details document.
type problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail,omitempty"`
	Instance  string       `json:"instance,omitempty"`
	RequestID string       `json:"request_id,omitempty"`
	Errors    []fieldError `json:"errors,omitempty"`
	// Report is the import report of a rejected import (422).
	Report *ImportReport `json:"report,omitempty"`
}

// fieldError names one invalid parameter or field.
type fieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// statusError is an error that maps to a fixed HTTP status and problem type.
type statusError struct {
	status int
	typ    string
	title  string
}

func (e *statusError) Error() string { return e.title }

// problemError is an error that maps to a fixed HTTP status, problem type,
// title and detail.
type problemError struct {
	status             int
	typ, title, detail string
}

// Error returns the detail.
func (e *problemError) Error() string { return e.detail }

// importRejectedError answers an import that stored nothing because rows
// were rejected or the file was refused (422), with the report.
type importRejectedError struct{ report ImportReport }

// Error summarises the report.
func (e *importRejectedError) Error() string {
	if e.report.Error != "" {
		return "the file was refused, nothing was imported: " + e.report.Error
	}
	return fmt.Sprintf("rejected rows: %d; nothing was imported, the report lists them", e.report.Rejected)
}

var (
	errNotFoundRoute    = &statusError{http.StatusNotFound, problemNotFound, "Not Found"}
	errMethodNotAllowed = &statusError{http.StatusMethodNotAllowed, problemMethod, "Method Not Allowed"}
	// errNotReady answers API requests while the catalog is still loading.
	errNotReady = &statusError{http.StatusServiceUnavailable, problemUnavailable, "Dataset still loading"}
)

// notFoundError is a 404 whose errors[] entry names the path parameter
// (collectionId, featureId) that names nothing. It matches geo.ErrNotFound.
type notFoundError struct {
	field  string
	reason string
}

// Error names the parameter and says why.
func (e *notFoundError) Error() string { return e.field + ": " + e.reason }

// Is makes errors.Is(err, geo.ErrNotFound) true.
func (e *notFoundError) Is(target error) bool { return target == geo.ErrNotFound }

// handlerFunc is a handler that returns its error instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// wrap adapts h to http.HandlerFunc, writing any error it returns as
// problem+json.
func (s *Server) wrap(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}
}

// writeError maps err to a problem document: paramErrors → 400 with one
// errors[] entry per parameter, *geo.ValidationError → 400 with errors[],
// geo.ErrNotFound → 404, *http.MaxBytesError → 413, a body read past its
// deadline (os.ErrDeadlineExceeded) → 408, geo.ErrConflict →
// 409, *forbiddenError → 403, *importRejectedError → 422 with the report,
// *statusError and *problemError → their status, anything else → 500 with
// a generic detail, logged once with the request id. A 401 says
// WWW-Authenticate: Bearer, a 429 or 503 Retry-After.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	p := problem{Instance: r.URL.RequestURI(), RequestID: requestID(r)}
	var pe paramErrors
	var ve *geo.ValidationError
	var se *statusError
	var me *http.MaxBytesError
	var nf *notFoundError
	var pr *problemError
	var fe *forbiddenError
	var ir *importRejectedError
	switch {
	case errors.As(err, &pe):
		p.Type, p.Title, p.Status = problemInvalidParameter, "Invalid parameter", http.StatusBadRequest
		p.Detail = pe.Error()
		for _, e := range pe {
			p.Errors = append(p.Errors, fieldError{Field: e.Field, Reason: e.Reason})
		}
	case errors.As(err, &me):
		p.Type, p.Title, p.Status = problemTooLarge, "Request body too large", http.StatusRequestEntityTooLarge
		p.Detail = fmt.Sprintf("the body is over the limit of %d bytes", me.Limit)
	case errors.Is(err, os.ErrDeadlineExceeded):
		p.Type, p.Title, p.Status = problemRequestTimeout, "Request timeout", http.StatusRequestTimeout
		p.Detail = "the request body did not arrive in time; send it at once"
		w.Header().Set("Connection", "close")
	case errors.As(err, &ve):
		p.Type, p.Title, p.Status = problemInvalidParameter, "Invalid parameter", http.StatusBadRequest
		p.Detail = ve.Error()
		p.Errors = []fieldError{{Field: ve.Field, Reason: ve.Reason}}
	case errors.As(err, &nf):
		p.Type, p.Title, p.Status = problemNotFound, "Not Found", http.StatusNotFound
		p.Detail = nf.Error()
		p.Errors = []fieldError{{Field: nf.field, Reason: nf.reason}}
	case errors.Is(err, geo.ErrNotFound):
		p.Type, p.Title, p.Status = problemNotFound, "Not Found", http.StatusNotFound
		p.Detail = "no such resource"
	case errors.As(err, &se):
		p.Type, p.Title, p.Status = se.typ, se.title, se.status
	case errors.As(err, &pr):
		p.Type, p.Title, p.Status, p.Detail = pr.typ, pr.title, pr.status, pr.detail
	case errors.As(err, &fe):
		p.Type, p.Title, p.Status, p.Detail = "/problems/forbidden", "Forbidden", http.StatusForbidden, fe.Error()
	case errors.Is(err, geo.ErrConflict):
		p.Type, p.Title, p.Status = "/problems/conflict", "Conflict", http.StatusConflict
		p.Detail = "a feature with this ID, or an incident with this origin, already exists"
	case errors.As(err, &ir):
		p.Type, p.Title, p.Status, p.Detail = "/problems/import-rejected", "Import rejected", http.StatusUnprocessableEntity, ir.Error()
		p.Report = &ir.report
	default:
		p.Type, p.Title, p.Status = problemInternal, "Internal Server Error", http.StatusInternalServerError
		p.Detail = "internal error; quote the request id when reporting it"
		s.log.Error("internal error", "err", err, "request_id", p.RequestID, "path", r.URL.Path)
	}
	switch p.Status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="frontline"`)
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", retryAfter)
	case http.StatusServiceUnavailable:
		if w.Header().Get("Retry-After") == "" {
			w.Header().Set("Retry-After", "5")
		}
	}
	w.Header().Set("Content-Type", contentTypeProblem)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
