package server

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/frontline-maps/frontline/catalog"
	"github.com/frontline-maps/frontline/geo"
)

// Media types of write request bodies.
const (
	contentTypeMergePatch = "application/merge-patch+json"
	contentTypeCSV        = "text/csv"
)

// editableCollections are the collections the write routes change.
var editableCollections = []string{collectionZones, collectionIncidents, collectionSites}

// exportFormats are the values of export's "format".
var exportFormats = []string{"gpkg", "geojson", "csv"}

// importFormats are the values of import's "format", as package ingest
// names them.
var importFormats = []string{"ucdp", "acled", "geojson"}

// maxAuditLimit bounds GET /api/audit's limit.
const maxAuditLimit = 10_000

// Errors of the write routes.
var (
	errNotFeatureBody = &problemError{http.StatusUnsupportedMediaType, problemUnsupportedMediaType, "Unsupported media type",
		"the body must be a GeoJSON Feature: Content-Type application/geo+json or application/json"}
	errNotMergePatch = &problemError{http.StatusUnsupportedMediaType, problemUnsupportedMediaType, "Unsupported media type",
		"the body must be a JSON merge patch (RFC 7396): Content-Type application/merge-patch+json or application/json"}
	errNoHistory = &problemError{http.StatusBadRequest, problemInvalidParameter, "Invalid parameter",
		"this server serves a dataset directory, which has no edit history (versions, as_of date-times, audit); start it with --db"}
	errNoIfMatch = &problemError{http.StatusPreconditionRequired, problemPreconditionRequired, "If-Match required",
		`a write of an existing feature needs If-Match with the feature's ETag (its version, such as "3"), from GET .../items/{featureId}`}
)

// editableCollection returns r's collectionId when it is zones, incidents
// or sites; governorates and unknown collections are a 404 naming it.
func editableCollection(r *http.Request) (string, error) {
	id := chi.URLParam(r, "collectionId")
	if slices.Contains(editableCollections, id) {
		return id, nil
	}
	return "", &notFoundError{field: "collectionId", reason: quote(id) + " is not an editable collection; editable: zones, incidents, sites"}
}

// parseWrite parses a write of an existing feature: the collection, the
// feature ID and the If-Match header, which must name one version as a
// strong ETag such as "3". No If-Match, or "*", is errNoIfMatch (428); a
// tag that is not a version number can match no version, so it is
// ErrPreconditionFailed (412).
func parseWrite(r *http.Request) (collection, id string, expected int64, err error) {
	if collection, err = editableCollection(r); err != nil {
		return "", "", 0, err
	}
	if err := rejectUnknown(r.URL.Query()); err != nil {
		return "", "", 0, err
	}
	if expected, err = parseIfMatch(r); err != nil {
		return "", "", 0, err
	}
	return collection, chi.URLParam(r, "featureId"), expected, nil
}

// parseIfMatch parses the If-Match header, which must name one version as
// a strong ETag such as "3": errNoIfMatch (428) without one or for "*",
// ErrPreconditionFailed (412) for a tag that is not a version number.
func parseIfMatch(r *http.Request) (int64, error) {
	tag := strings.TrimSpace(r.Header.Get("If-Match"))
	if tag == "" || tag == "*" {
		return 0, errNoIfMatch
	}
	unquoted, ok := strings.CutPrefix(tag, `"`)
	if unquoted, ok = strings.CutSuffix(unquoted, `"`); !ok {
		return 0, ErrPreconditionFailed
	}
	n, err := strconv.ParseInt(unquoted, 10, 64)
	if err != nil || n < 1 {
		return 0, ErrPreconditionFailed
	}
	return n, nil
}

// successorRequest is the body of POST .../zones/items/{featureId}/successor.
type successorRequest struct {
	Date  string          `json:"date"`
	ID    string          `json:"id"`
	Patch json.RawMessage `json:"patch"`
}

// readSuccessor reads a successor request: the day the line moved, the
// successor's ID (the zone's ID and the day, such as "sdf-2025-2026-01-10",
// when absent) and its merge patch (nil for none). Errors:
// errNotJSON (415) for another media type, *http.MaxBytesError (413),
// and a *geo.ValidationError naming "body", "date", "id" or "patch" (400).
func readSuccessor(w http.ResponseWriter, r *http.Request, zone string, limit int64) (geo.Day, string, []byte, error) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != contentTypeJSON {
		return 0, "", nil, errNotJSON
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return 0, "", nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var req successorRequest
	if err := dec.Decode(&req); err != nil {
		return 0, "", nil, &geo.ValidationError{Field: "body", Reason: "is not a successor request {date, id, patch}: " + jsonProblem(err)}
	}
	if req.Date == "" {
		return 0, "", nil, &geo.ValidationError{Field: "date", Reason: "is missing; the day the line moved, YYYY-MM-DD"}
	}
	on, err := geo.ParseDay(req.Date)
	if err != nil {
		return 0, "", nil, &geo.ValidationError{Field: "date", Reason: quote(req.Date) + " is not a date YYYY-MM-DD"}
	}
	id := req.ID
	if id == "" {
		id = zone + "-" + on.String()
	}
	var patch []byte
	if p := bytes.TrimSpace(req.Patch); len(p) > 0 && !bytes.Equal(p, []byte("null")) {
		if p[0] != '{' {
			return 0, "", nil, &geo.ValidationError{Field: "patch", Reason: "must be a JSON object (a merge patch of the successor)"}
		}
		patch = p
	}
	return on, id, patch, nil
}

// parseVersionNumber parses the path parameter "version", a positive
// integer.
func parseVersionNumber(r *http.Request) (int64, error) {
	if err := rejectUnknown(r.URL.Query()); err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(chi.URLParam(r, "version"), 10, 64)
	if err != nil || n < 1 {
		return 0, invalidParam("version", "%s is not a version number (1, 2, ...)", quote(chi.URLParam(r, "version")))
	}
	return n, nil
}

// readFeature reads r's body, at most limit bytes, as a GeoJSON Feature of
// collection. With id (a replace) the body's "id" must be absent or id;
// without (a create) an absent "id" is given a new random one, such as
// "incident-3f9c2a1b7d4e". Errors: errNotFeatureBody (415) for another
// media type, *http.MaxBytesError (413), and *geo.ValidationError (400)
// naming the field for malformed JSON or an invalid feature.
func readFeature(w http.ResponseWriter, r *http.Request, collection, id string, limit int64) (catalog.Feature, error) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || (mt != contentTypeGeoJSON && mt != contentTypeJSON) {
		return nil, errNotFeatureBody
	}
	if err := rejectUnknown(r.URL.Query()); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return nil, err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil || members == nil {
		return nil, &geo.ValidationError{Field: "body", Reason: "is not a JSON object (a GeoJSON Feature): " + jsonProblem(err)}
	}
	var given string
	if raw, ok := members["id"]; ok && json.Unmarshal(raw, &given) != nil {
		return nil, &geo.ValidationError{Field: "id", Reason: "must be a string"}
	}
	switch {
	case id != "" && given != "" && given != id:
		return nil, &geo.ValidationError{Field: "id", Reason: quote(given) + " differs from the featureId " + quote(id) + " of the URL"}
	case id == "" && given == "":
		id = newFeatureID(collection)
	case id == "":
		id = given
	}
	members["id"], _ = json.Marshal(id)
	body, err = json.Marshal(members)
	if err != nil {
		return nil, err
	}
	f, err := decodeFeature(collection, body)
	if err == nil && featureID(f) != id {
		// JSON cannot carry an ID that is not UTF-8.
		return nil, &geo.ValidationError{Field: "id", Reason: quote(id) + " is not an identifier"}
	}
	return f, err
}

// decodeFeature decodes a GeoJSON Feature of collection.
func decodeFeature(collection string, body []byte) (catalog.Feature, error) {
	switch collection {
	case collectionZones:
		var z geo.Zone
		err := z.UnmarshalJSON(body)
		return z, err
	case collectionIncidents:
		var in geo.Incident
		err := in.UnmarshalJSON(body)
		return in, err
	default:
		var st geo.Site
		err := st.UnmarshalJSON(body)
		return st, err
	}
}

// newFeatureID returns a new random feature ID for collection: its
// singular, a dash and 12 hex digits.
func newFeatureID(collection string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return strings.TrimSuffix(collection, "s") + "-" + hex.EncodeToString(b)
}

// readMergePatch reads r's body, at most limit bytes, as an RFC 7396 JSON
// merge patch: a JSON object. Errors: errNotMergePatch (415),
// *http.MaxBytesError (413), *geo.ValidationError naming "body" (400).
func readMergePatch(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || (mt != contentTypeMergePatch && mt != contentTypeJSON) {
		return nil, errNotMergePatch
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return nil, err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil || members == nil {
		return nil, &geo.ValidationError{Field: "body", Reason: "is not a JSON object (a merge patch): " + jsonProblem(err)}
	}
	return bytes.TrimSpace(body), nil
}

// parseAsOfTime parses "as_of" when it is an RFC 3339 date-time, which asks
// for the edit history's state at that instant, and returns q without it. A
// plain date YYYY-MM-DD is left in q when allowDate (zones items, where it
// is the map as of that day); elsewhere it is an error naming the
// date-time form.
func parseAsOfTime(q url.Values, collection string, allowDate bool) (time.Time, bool, url.Values, error) {
	s, ok, err := single(q, "as_of")
	if !ok || err != nil {
		return time.Time{}, false, q, err
	}
	if len(s) <= len(time.DateOnly) {
		if allowDate {
			return time.Time{}, false, q, nil
		}
		return time.Time{}, false, q, invalidParam("as_of", "%s is not an RFC 3339 date-time such as 2026-01-20T09:00:00Z; here as_of reads the edit history of %s at that instant", quote(s), collection)
	}
	t, perr := time.Parse(time.RFC3339Nano, strings.ToUpper(s))
	if perr != nil {
		return time.Time{}, false, q, invalidParam("as_of", "%s is not an RFC 3339 date-time such as 2026-01-20T09:00:00Z (or, on zones items, a date YYYY-MM-DD)", quote(s))
	}
	rest := url.Values{}
	for k, v := range q {
		if k != "as_of" {
			rest[k] = v
		}
	}
	return t.UTC(), true, rest, nil
}

// exportRequest is a parsed GET /api/export.
type exportRequest struct {
	format string
	// collections are those a geojson or csv export holds.
	collections []string
}

// parseExport parses "format" (required: gpkg, geojson or csv) and
// "collection" (geojson, csv: one of zones, incidents, sites; absent is all
// three for geojson, and required for csv, whose columns differ by
// collection).
func parseExport(q url.Values) (exportRequest, error) {
	var errs paramErrors
	errs.add(rejectUnknown(q, "format", "collection"))
	format, err := parseEnum(q, "format", exportFormats)
	errs.add(err)
	collection, err := parseEnum(q, "collection", editableCollections)
	errs.add(err)
	if err := errs.err(); err != nil {
		return exportRequest{}, err
	}
	switch {
	case format == "":
		return exportRequest{}, invalidParam("format", "is required: gpkg, geojson or csv")
	case format == "gpkg" && collection != "":
		return exportRequest{}, invalidParam("collection", "a GeoPackage export holds the whole store; leave collection out")
	case format == "csv" && collection == "":
		return exportRequest{}, invalidParam("collection", "is required with csv: zones, incidents or sites")
	case collection == "":
		return exportRequest{format: format, collections: editableCollections}, nil
	}
	return exportRequest{format: format, collections: []string{collection}}, nil
}

// releaseRE is the form of a UCDP GED release, such as 23.1 or 24.0.1.
var releaseRE = regexp.MustCompile(`^\d{1,2}\.\d{1,2}(\.\d{1,2})?$`)

// parseImport parses import's "format" (ucdp, acled or geojson, required),
// "release" (ucdp only: the GED release cited in each incident's source,
// such as 23.1) and "partial" (true stores the accepted rows of a file with
// rejected ones; default false, all or nothing), and checks the body's media type, contentType:
// text/csv for ucdp and acled, application/geo+json or application/json
// for geojson; another is a 415.
func parseImport(q url.Values, contentType string) (catalog.ImportRequest, error) {
	var errs paramErrors
	errs.add(rejectUnknown(q, "format", "release", "partial"))
	format, err := parseEnum(q, "format", importFormats)
	errs.add(err)
	partial, err := parseEnum(q, "partial", []string{"true", "false"})
	errs.add(err)
	release, hasRelease, err := single(q, "release")
	errs.add(err)
	switch {
	case hasRelease && format != "ucdp":
		errs.add(invalidParam("release", "only format=ucdp cites a release"))
	case hasRelease && !releaseRE.MatchString(release):
		errs.add(invalidParam("release", "%s is not a UCDP GED release such as 23.1", quote(release)))
	}
	if err := errs.err(); err != nil {
		return catalog.ImportRequest{}, err
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case format == "":
		return catalog.ImportRequest{}, invalidParam("format", "is required: ucdp, acled or geojson")
	case format == "geojson" && mt != contentTypeGeoJSON && mt != contentTypeJSON:
		return catalog.ImportRequest{}, &problemError{http.StatusUnsupportedMediaType, problemUnsupportedMediaType, "Unsupported media type",
			"format=geojson takes a GeoJSON FeatureCollection: Content-Type application/geo+json or application/json"}
	case format != "geojson" && mt != contentTypeCSV:
		return catalog.ImportRequest{}, &problemError{http.StatusUnsupportedMediaType, problemUnsupportedMediaType, "Unsupported media type",
			"format=" + format + " takes a CSV file: Content-Type text/csv"}
	}
	return catalog.ImportRequest{Format: format, Release: release, Partial: partial == "true"}, nil
}

// parseAudit parses the audit log's filters: "collection", "id" (which
// needs collection) and "limit" (default 100).
func parseAudit(q url.Values) (catalog.AuditFilter, error) {
	var errs paramErrors
	errs.add(rejectUnknown(q, "collection", "id", "limit"))
	collection, err := parseEnum(q, "collection", editableCollections)
	errs.add(err)
	id, _, err := single(q, "id")
	errs.add(err)
	limit, err := parseInt(q, "limit", 100, 1, maxAuditLimit, "entries")
	errs.add(err)
	if id != "" && collection == "" {
		errs.add(invalidParam("id", "needs collection"))
	}
	return catalog.AuditFilter{Collection: collection, ID: id, Limit: limit}, errs.err()
}
