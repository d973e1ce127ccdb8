package server

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/frontline-maps/frontline/catalog"
	"github.com/frontline-maps/frontline/geo"
)

// Media types written by the server.
const (
	contentTypeJSON    = "application/json"
	contentTypeGeoJSON = "application/geo+json"
	contentTypeProblem = "application/problem+json"
	contentTypeMVT     = "application/vnd.mapbox-vector-tile"
)

// Problem type URIs: a small, fixed set that clients may rely on, every
// one named here (docs/api.md lists them).
const (
	problemInvalidParameter     = "/problems/invalid-parameter"
	problemNotFound             = "/problems/not-found"
	problemMethod               = "/problems/method-not-allowed"
	problemInternal             = "/problems/internal-error"
	problemTooLarge             = "/problems/body-too-large"
	problemUnavailable          = "/problems/not-ready"
	problemStoreUnavailable     = "/problems/store-unavailable"
	problemRequestTimeout       = "/problems/request-timeout"
	problemBusy                 = "/problems/busy"
	problemUnsupportedMediaType = "/problems/unsupported-media-type"
	problemPreconditionRequired = "/problems/precondition-required"
	problemPreconditionFailed   = "/problems/precondition-failed"
	problemUnauthorized         = "/problems/unauthorized"
	problemForbidden            = "/problems/forbidden"
	problemReadOnly             = "/problems/read-only"
	problemTooManyRequests      = "/problems/too-many-requests"
	problemConflict             = "/problems/conflict"
	problemImportRejected       = "/problems/import-rejected"
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
	Report *catalog.ImportReport `json:"report,omitempty"`
}

// fieldError names one invalid parameter or field.
type fieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// problemError is an error that maps to a fixed HTTP status, problem type,
// title and detail ("" for none).
type problemError struct {
	status             int
	typ, title, detail string
}

// Error returns the detail, or the title when there is none.
func (e *problemError) Error() string { return cmp.Or(e.detail, e.title) }

// The server's own problems, and (domainErrors) those of the packages it
// serves.
var (
	errNotFoundRoute    = &problemError{http.StatusNotFound, problemNotFound, "Not Found", ""}
	errMethodNotAllowed = &problemError{http.StatusMethodNotAllowed, problemMethod, "Method Not Allowed", ""}
	// errNotReady answers API requests while the catalog is still loading.
	errNotReady = &problemError{http.StatusServiceUnavailable, problemUnavailable, "Dataset still loading", ""}
	// ErrUnauthorized answers a request without a valid token where one
	// is needed, or with an unknown or revoked one (401).
	ErrUnauthorized = &problemError{http.StatusUnauthorized, problemUnauthorized, "Unauthorized",
		"this needs a valid API token: Authorization: Bearer TOKEN (frontline token create)"}
	// ErrPreconditionFailed answers a write whose If-Match is not the
	// feature's current version: someone else changed it first (412).
	ErrPreconditionFailed = &problemError{http.StatusPreconditionFailed, problemPreconditionFailed, "Precondition failed",
		"If-Match is not the feature's current version: it changed since you read it; GET it again and retry"}
	// errReadOnly answers a write to a server that serves a dataset
	// directory.
	errReadOnly = &problemError{http.StatusMethodNotAllowed, problemReadOnly, "Read-only server",
		"this server is read-only: it serves a dataset directory; start it with --db to edit"}
	// errBusy answers a read of a past state (as_of=DATE-TIME) while the
	// catalog builds as many past states as it may at once (503, with
	// Retry-After).
	errBusy = &problemError{http.StatusServiceUnavailable, problemBusy, "Busy",
		"the server is building as many past states as it may at once; retry after the Retry-After seconds"}
	// errStoreUnavailable answers a request the store could not serve
	// because its database does not answer (503, with Retry-After).
	errStoreUnavailable = &problemError{http.StatusServiceUnavailable, problemStoreUnavailable, "Store unavailable",
		"the database behind this server does not answer just now; retry after the Retry-After seconds"}
	// errTooManyStreams answers a change stream over Config.MaxStreams,
	// errShuttingDown one asked for while the server shuts down (503, with
	// Retry-After).
	errTooManyStreams = &problemError{http.StatusServiceUnavailable, problemBusy, "Busy",
		"as many change streams are open as this server allows; retry after the Retry-After seconds"}
	errShuttingDown = &problemError{http.StatusServiceUnavailable, problemUnavailable, "Shutting down",
		"this server is shutting down; retry after the Retry-After seconds, or at another instance"}
	// errTooMany answers a client over a rate limit.
	errTooMany = &problemError{http.StatusTooManyRequests, problemTooManyRequests, "Too many requests",
		"too many writes or failed authentications from this address; retry after the Retry-After seconds"}
	errConflict = &problemError{http.StatusConflict, problemConflict, "Conflict",
		"a feature with this ID, or an incident with this origin, already exists"}
	errTimeout = &problemError{http.StatusRequestTimeout, problemRequestTimeout, "Request timeout",
		"the request body did not arrive in time; send it at once"}
	errNoSuchResource = &problemError{http.StatusNotFound, problemNotFound, "Not Found", "no such resource"}
)

// domainErrors maps the sentinel errors of the packages the server serves
// to the problems it answers them with, first match first: the one table
// from domain errors to (status, problem type).
var domainErrors = []struct {
	err     error
	problem *problemError
}{
	{geo.ErrNotFound, errNoSuchResource},
	{geo.ErrConflict, errConflict},
	{catalog.ErrPreconditionFailed, ErrPreconditionFailed},
	{catalog.ErrUnauthorized, ErrUnauthorized},
	{catalog.ErrBusy, errBusy},
	{catalog.ErrUnavailable, errStoreUnavailable},
	{catalog.ErrReadOnly, errReadOnly},
	{os.ErrDeadlineExceeded, errTimeout},
}

// importRejectedError answers an import that stored nothing because rows
// were rejected or the file was refused (422), with the report.
type importRejectedError struct{ report catalog.ImportReport }

// Error summarises the report.
func (e *importRejectedError) Error() string {
	if e.report.Error != "" {
		return "the file was refused, nothing was imported: " + e.report.Error
	}
	return fmt.Sprintf("rejected rows: %d; nothing was imported, the report lists them", e.report.Rejected)
}

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

// asDomainError sets *pr to the problem domainErrors gives err, if any.
func asDomainError(err error, pr **problemError) bool {
	for _, d := range domainErrors {
		if errors.Is(err, d.err) {
			*pr = d.problem
			return true
		}
	}
	return false
}

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
// *http.MaxBytesError → 413, a *problemError or an error of domainErrors →
// its problem, *forbiddenError → 403, *importRejectedError → 422 with the
// report, anything else → 500 with a generic detail, logged once with the
// request id. A 401 says
// WWW-Authenticate: Bearer, a 429 or 503 Retry-After.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	p := problem{Instance: r.URL.RequestURI(), RequestID: requestID(r)}
	var pe paramErrors
	var ve *geo.ValidationError
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
	case errors.As(err, &ve):
		p.Type, p.Title, p.Status = problemInvalidParameter, "Invalid parameter", http.StatusBadRequest
		p.Detail = ve.Error()
		p.Errors = []fieldError{{Field: ve.Field, Reason: ve.Reason}}
	case errors.As(err, &nf):
		p.Type, p.Title, p.Status = problemNotFound, "Not Found", http.StatusNotFound
		p.Detail = nf.Error()
		p.Errors = []fieldError{{Field: nf.field, Reason: nf.reason}}
	case errors.As(err, &pr) || asDomainError(err, &pr):
		p.Type, p.Title, p.Status, p.Detail = pr.typ, pr.title, pr.status, pr.detail
		if pr == errTimeout {
			w.Header().Set("Connection", "close")
		}
	case errors.As(err, &fe):
		p.Type, p.Title, p.Status, p.Detail = problemForbidden, "Forbidden", http.StatusForbidden, fe.Error()
	case errors.As(err, &ir):
		p.Type, p.Title, p.Status, p.Detail = problemImportRejected, "Import rejected", http.StatusUnprocessableEntity, ir.Error()
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
