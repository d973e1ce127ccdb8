package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontline-maps/frontline/catalog"
	"github.com/frontline-maps/frontline/geo"
)

// fakeEditor is an in-memory Editor and Authenticator for handler tests:
// versions by "collection/id", and tokens by secret. Safe for concurrent
// use.
type fakeEditor struct {
	mu       sync.Mutex
	versions map[string][]catalog.Version
	imported []string // bodies of accepted imports
}

// fakeTokens are the test secrets: one per role, and "revoked".
var fakeTokens = map[string]catalog.Role{"viewer-secret": catalog.RoleViewer, "editor-secret": catalog.RoleEditor, "admin-secret": catalog.RoleAdmin}

// Authenticate implements Authenticator.
func (f *fakeEditor) Authenticate(_ context.Context, secret string) (string, catalog.Role, error) {
	role, ok := fakeTokens[secret]
	if !ok {
		return "", "", ErrUnauthorized
	}
	return strings.TrimSuffix(secret, "-secret"), role, nil
}

// key is the versions map's key of a feature.
func key(collection, id string) string { return collection + "/" + id }

// collectionOfFeature names the collection of f.
func collectionOfFeature(f catalog.Feature) string {
	switch f.(type) {
	case geo.Zone:
		return collectionZones
	case geo.Incident:
		return collectionIncidents
	}
	return collectionSites
}

// current returns the live version of a feature; the caller holds mu.
func (f *fakeEditor) current(collection, id string) (catalog.Version, error) {
	vs := f.versions[key(collection, id)]
	if len(vs) == 0 || vs[len(vs)-1].Deleted {
		return catalog.Version{}, geo.ErrNotFound
	}
	return vs[len(vs)-1], nil
}

// add appends the next version of a feature; the caller holds mu.
func (f *fakeEditor) add(collection, id string, feature catalog.Feature, author string) catalog.Version {
	k := key(collection, id)
	v := catalog.Version{Number: int64(len(f.versions[k]) + 1), Committed: time.Now().UTC(), Author: author, Deleted: feature == nil, Feature: feature}
	f.versions[k] = append(f.versions[k], v)
	return v
}

// Get implements Editor.
func (f *fakeEditor) Get(_ context.Context, collection, id string) (catalog.Version, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.current(collection, id)
}

// Create implements Editor.
func (f *fakeEditor) Create(_ context.Context, feature catalog.Feature, author string) (catalog.Version, error) {
	if err := feature.Validate(); err != nil {
		return catalog.Version{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c := collectionOfFeature(feature)
	if _, err := f.current(c, featureID(feature)); err == nil {
		return catalog.Version{}, geo.ErrConflict
	}
	return f.add(c, featureID(feature), feature, author), nil
}

// Replace implements Editor.
func (f *fakeEditor) Replace(_ context.Context, feature catalog.Feature, expected int64, author string) (catalog.Version, error) {
	if err := feature.Validate(); err != nil {
		return catalog.Version{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c := collectionOfFeature(feature)
	cur, err := f.current(c, featureID(feature))
	if err != nil {
		return catalog.Version{}, err
	}
	if cur.Number != expected {
		return catalog.Version{}, ErrPreconditionFailed
	}
	return f.add(c, featureID(feature), feature, author), nil
}

// Patch implements Editor: it only checks the version and stores the
// current feature again.
func (f *fakeEditor) Patch(_ context.Context, collection, id string, _ []byte, expected int64, author string) (catalog.Version, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur, err := f.current(collection, id)
	if err != nil {
		return catalog.Version{}, err
	}
	if cur.Number != expected {
		return catalog.Version{}, ErrPreconditionFailed
	}
	return f.add(collection, id, cur.Feature, author), nil
}

// Delete implements Editor.
func (f *fakeEditor) Delete(_ context.Context, collection, id string, expected int64, author string) (catalog.Version, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur, err := f.current(collection, id)
	if err != nil {
		return catalog.Version{}, err
	}
	if cur.Number != expected {
		return catalog.Version{}, ErrPreconditionFailed
	}
	return f.add(collection, id, nil, author), nil
}

// Succeed implements Editor: it checks the version, ends the zone the day
// before on and creates the successor as a copy (the patch is not merged).
func (f *fakeEditor) Succeed(_ context.Context, id string, expected int64, on geo.Day, next string, _ []byte, author string) (catalog.Version, catalog.Version, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur, err := f.current("zones", id)
	if err != nil {
		return catalog.Version{}, catalog.Version{}, err
	}
	if cur.Number != expected {
		return catalog.Version{}, catalog.Version{}, ErrPreconditionFailed
	}
	z := cur.Feature.(geo.Zone)
	succ := z
	succ.ID, succ.Valid.From = geo.ZoneID(next), on
	z.Valid.To = on - 1
	return f.add("zones", id, z, author), f.add("zones", next, succ, author), nil
}

// Versions implements Editor.
func (f *fakeEditor) Versions(_ context.Context, collection, id string) ([]catalog.Version, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	vs := f.versions[key(collection, id)]
	if len(vs) == 0 {
		return nil, geo.ErrNotFound
	}
	return vs, nil
}

// Restore implements Editor.
func (f *fakeEditor) Restore(_ context.Context, collection, id string, number int64, author string) (catalog.Version, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	vs := f.versions[key(collection, id)]
	if number > int64(len(vs)) || vs[number-1].Deleted {
		return catalog.Version{}, geo.ErrNotFound
	}
	return f.add(collection, id, vs[number-1].Feature, author), nil
}

// Import implements Editor: a body containing "bad" has one rejected row.
func (f *fakeEditor) Import(_ context.Context, req catalog.ImportRequest, body io.Reader, _ string) (catalog.ImportReport, error) {
	b, err := io.ReadAll(body)
	if err != nil {
		return catalog.ImportReport{}, err
	}
	rep := catalog.ImportReport{Format: req.Format, Accepted: 1, Rows: []catalog.ImportRejection{}}
	if strings.Contains(string(b), "bad") {
		rep.Rejected, rep.Rows = 1, []catalog.ImportRejection{{Line: 2, Column: "date_start", Reason: "not a date"}}
		return rep, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.imported = append(f.imported, string(b))
	rep.Stored, rep.Added = true, 1
	return rep, nil
}

// AsOf implements Editor: the past is empty.
func (f *fakeEditor) AsOf(context.Context, time.Time) (*geo.Snapshot, error) {
	ix, err := geo.NewIndex(&geo.Dataset{})
	if err != nil {
		return nil, err
	}
	return ix.Snapshot(), nil
}

// Audit implements Editor.
func (f *fakeEditor) Audit(context.Context, catalog.AuditFilter) ([]catalog.AuditEntry, error) {
	return []catalog.AuditEntry{{Who: "editor", Action: "create", Collection: "incidents", ID: "x", After: 1}}, nil
}

// Changes implements History: the fake has no feed (cmd/frontline's
// TestChangeFeed reads a real one).
func (f *fakeEditor) Changes(context.Context, int64, int, int) ([]catalog.Change, error) {
	return nil, nil
}

// Changed implements History: nothing ever changes the fake's feed.
func (f *fakeEditor) Changed() <-chan struct{} { return nil }

// Backup implements Editor.
func (f *fakeEditor) Backup(_ context.Context, w io.Writer) error {
	_, err := io.WriteString(w, "SQLite format 3\x00")
	return err
}

// newEditServer returns a server over the OGC test data with a
// fakeEditor holding the incident "tanf-drone" at version 1.
func newEditServer(t *testing.T, cfg Config) (http.Handler, *fakeEditor) {
	t.Helper()
	ed := &fakeEditor{versions: map[string][]catalog.Version{}}
	for _, in := range ogcDataset().Incidents {
		ed.add(collectionIncidents, string(in.ID), in, "seed")
	}
	cfg.Editor, cfg.Tokens = ed, ed
	if cfg.WritesPerMinute == 0 {
		cfg.WritesPerMinute = -1
	}
	if cfg.AuthFailuresPerMinute == 0 {
		cfg.AuthFailuresPerMinute = -1
	}
	h, _ := newOGCServer(t, cfg)
	return h, ed
}

// do sends a request to h with header pairs and returns the recorder.
func do(h http.Handler, method, target, body string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// fakeIncident is a valid incident Feature; id "" leaves the member out.
func fakeIncident(id string) string {
	in := ogcDataset().Incidents[0]
	b, _ := in.MarshalJSON()
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	delete(m, "id")
	if id != "" {
		m["id"] = id
	}
	b, _ = json.Marshal(m)
	return string(b)
}

// TestEditRoutes calls each write, history and transfer route with good
// and bad requests and checks the status, the problem type or field, and
// the headers that matter.
func TestEditRoutes(t *testing.T) {
	h, ed := newEditServer(t, Config{MaxBodyBytes: 4096})
	const items = "/api/collections/incidents/items"
	editor := []string{"Authorization", "Bearer editor-secret"}
	admin := []string{"Authorization", "Bearer admin-secret"}
	viewer := []string{"Authorization", "Bearer viewer-secret"}
	geojson := []string{"Content-Type", "application/geo+json"}
	merge := []string{"Content-Type", "application/merge-patch+json"}
	with := func(hs ...[]string) []string {
		var out []string
		for _, h := range hs {
			out = append(out, h...)
		}
		return out
	}
	ifMatch := func(tag string) []string { return []string{"If-Match", tag} }
	jsonBody := []string{"Content-Type", "application/json"}
	const succ = "/api/collections/zones/items/no-such-zone/successor"
	for _, tt := range []struct {
		name, method, target, body string
		header                     []string
		status                     int
		want                       string // in the body: a problem type, a field or content
	}{
		{"create", "POST", items, fakeIncident("new-one"), with(editor, geojson), 201, `"id":"new-one"`},
		{"create with a taken ID", "POST", items, fakeIncident("new-one"), with(editor, geojson), 409, "/problems/conflict"},
		{"create without an ID", "POST", items, fakeIncident(""), with(editor, geojson), 201, `"id":"incident-`},
		{"create as JSON", "POST", items, fakeIncident("as-json"), with(editor, []string{"Content-Type", "application/json"}), 201, `"id":"as-json"`},
		{"create bad JSON", "POST", items, `{"type":`, with(editor, geojson), 400, `"field":"body"`},
		{"create an array", "POST", items, `[]`, with(editor, geojson), 400, `"field":"body"`},
		{"create a number id", "POST", items, `{"id":3}`, with(editor, geojson), 400, `"field":"id"`},
		{"create invalid", "POST", items, strings.Replace(fakeIncident("x"), `"status":"disputed"`, `"status":"rumoured"`, 1), with(editor, geojson), 400, "/problems/invalid-parameter"},
		{"create as text", "POST", items, fakeIncident("x"), with(editor, []string{"Content-Type", "text/plain"}), 415, "/problems/unsupported-media-type"},
		{"create too large", "POST", items, `{"p":"` + strings.Repeat("x", 5000) + `"}`, with(editor, geojson), 413, "/problems/body-too-large"},
		{"create in governorates", "POST", "/api/collections/governorates/items", fakeIncident("x"), with(editor, geojson), 404, `"field":"collectionId"`},
		{"create with a query", "POST", items + "?x=1", fakeIncident("y"), with(editor, geojson), 400, `"field":"x"`},
		{"replace", "PUT", items + "/tanf-drone", fakeIncident(""), with(editor, geojson, ifMatch(`"1"`)), 200, `"id":"tanf-drone"`},
		{"replace again with the old ETag", "PUT", items + "/tanf-drone", fakeIncident(""), with(editor, geojson, ifMatch(`"1"`)), 412, "/problems/precondition-failed"},
		{"replace without If-Match", "PUT", items + "/tanf-drone", fakeIncident(""), with(editor, geojson), 428, "/problems/precondition-required"},
		{"replace with If-Match *", "PUT", items + "/tanf-drone", fakeIncident(""), with(editor, geojson, ifMatch("*")), 428, "/problems/precondition-required"},
		{"replace with a weak ETag", "PUT", items + "/tanf-drone", fakeIncident(""), with(editor, geojson, ifMatch(`W/"2"`)), 412, "/problems/precondition-failed"},
		{"replace with another ID", "PUT", items + "/tanf-drone", fakeIncident("other"), with(editor, geojson, ifMatch(`"2"`)), 400, `"field":"id"`},
		{"replace a missing feature", "PUT", items + "/nothing", fakeIncident(""), with(editor, geojson, ifMatch(`"1"`)), 404, "/problems/not-found"},
		{"patch", "PATCH", items + "/tanf-drone", `{"properties":{"status":"confirmed"}}`, with(editor, merge, ifMatch(`"2"`)), 200, `"id":"tanf-drone"`},
		{"patch as text", "PATCH", items + "/tanf-drone", `{}`, with(editor, []string{"Content-Type", "text/plain"}, ifMatch(`"3"`)), 415, "/problems/unsupported-media-type"},
		{"patch with an array", "PATCH", items + "/tanf-drone", `[{"op":"remove"}]`, with(editor, merge, ifMatch(`"3"`)), 400, `"field":"body"`},
		{"delete stale", "DELETE", items + "/tanf-drone", "", with(editor, ifMatch(`"2"`)), 412, "/problems/precondition-failed"},
		{"delete", "DELETE", items + "/tanf-drone", "", with(editor, ifMatch(`"3"`)), 204, ""},
		{"delete again", "DELETE", items + "/tanf-drone", "", with(editor, ifMatch(`"4"`)), 404, "/problems/not-found"},
		{"versions", "GET", items + "/tanf-drone/versions", "", viewer, 200, `"deleted":true`},
		{"versions without a token", "GET", items + "/tanf-drone/versions", "", nil, 401, "/problems/unauthorized"},
		{"versions of nothing", "GET", items + "/nothing/versions", "", viewer, 404, "/problems/not-found"},
		{"restore", "POST", items + "/tanf-drone/versions/1/restore", "", admin, 200, `"id":"tanf-drone"`},
		{"restore version x", "POST", items + "/tanf-drone/versions/x/restore", "", admin, 400, `"field":"version"`},
		{"import", "POST", "/api/import?format=ucdp&release=23.1", "id\n1\n", with(editor, []string{"Content-Type", "text/csv"}), 200, `"stored":true`},
		{"import a bad row", "POST", "/api/import?format=acled", "id\nbad\n", with(editor, []string{"Content-Type", "text/csv"}), 422, `"rows":[{"line":2,"column":"date_start"`},
		{"import CSV as GeoJSON", "POST", "/api/import?format=geojson", "id\n1\n", with(editor, []string{"Content-Type", "text/csv"}), 415, "/problems/unsupported-media-type"},
		{"import without format", "POST", "/api/import", "id\n1\n", with(editor, []string{"Content-Type", "text/csv"}), 400, `"field":"format"`},
		{"import a release of ACLED", "POST", "/api/import?format=acled&release=23.1", "id\n1\n", with(editor, []string{"Content-Type", "text/csv"}), 400, `"field":"release"`},
		{"export geojson", "GET", "/api/export?format=geojson", "", nil, 200, `"numberMatched":`},
		{"export csv", "GET", "/api/export?format=csv&collection=sites", "", nil, 200, "id,name,name_ar,alt_names,kind,governorate,sources,notes,wkt\n"},
		{"export csv of everything", "GET", "/api/export?format=csv", "", nil, 400, `"field":"collection"`},
		{"export gpkg", "GET", "/api/export?format=gpkg", "", admin, 200, "SQLite format 3"},
		{"export gpkg without a token", "GET", "/api/export?format=gpkg", "", nil, 401, "/problems/unauthorized"},
		{"export gpkg as an editor", "GET", "/api/export?format=gpkg", "", editor, 403, "/problems/forbidden"},
		{"export without format", "GET", "/api/export", "", nil, 400, `"field":"format"`},
		{"audit", "GET", "/api/audit?collection=incidents&id=x&limit=5", "", admin, 200, `"who":"editor"`},
		{"audit of an id without collection", "GET", "/api/audit?id=x", "", admin, 400, `"field":"id"`},
		{"audit with an unknown parameter", "GET", "/api/audit?who=x", "", admin, 400, `"field":"who"`},
		{"successor without If-Match", "POST", succ, `{"date":"2026-01-10"}`, with(editor, jsonBody), 428, "/problems/precondition-required"},
		{"successor without a date", "POST", succ, `{"patch":{}}`, with(editor, jsonBody, ifMatch(`"1"`)), 400, `"field":"date"`},
		{"successor on a bad date", "POST", succ, `{"date":"10/01/2026"}`, with(editor, jsonBody, ifMatch(`"1"`)), 400, `"field":"date"`},
		{"successor with an unknown member", "POST", succ, `{"date":"2026-01-10","when":1}`, with(editor, jsonBody, ifMatch(`"1"`)), 400, `"field":"body"`},
		{"successor with a patch that is not an object", "POST", succ, `{"date":"2026-01-10","patch":[1]}`, with(editor, jsonBody, ifMatch(`"1"`)), 400, `"field":"patch"`},
		{"successor as GeoJSON", "POST", succ, `{"date":"2026-01-10"}`, with(editor, geojson, ifMatch(`"1"`)), 415, "/problems/unsupported-media-type"},
		{"successor as a viewer", "POST", succ, `{"date":"2026-01-10"}`, with(viewer, jsonBody, ifMatch(`"1"`)), 403, "/problems/forbidden"},
		{"successor of a missing zone", "POST", succ, `{"date":"2026-01-10"}`, with(editor, jsonBody, ifMatch(`"1"`)), 404, "/problems/not-found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(h, tt.method, tt.target, tt.body, tt.header...)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.want) {
				t.Fatalf("%s %s: %d, want %d with %q\n%.500s", tt.method, tt.target, rec.Code, tt.status, tt.want, rec.Body)
			}
			if tt.status == 201 && (rec.Header().Get("ETag") != `"1"` || !strings.Contains(rec.Header().Get("Location"), items+"/")) {
				t.Errorf("create: ETag %q Location %q", rec.Header().Get("ETag"), rec.Header().Get("Location"))
			}
		})
	}
	if len(ed.imported) != 1 {
		t.Errorf("%d imports stored, want 1 (the rejected one stores nothing)", len(ed.imported))
	}
	if rec := do(h, "GET", "/api/export?format=gpkg", "", admin...); !strings.Contains(rec.Header().Get("Content-Disposition"), `attachment; filename=frontline-ogctest.`) {
		t.Errorf("gpkg export Content-Disposition %q", rec.Header().Get("Content-Disposition"))
	}
}

// TestItemETagIsVersion checks that a single feature's ETag is its
// version, the value If-Match takes, and that If-None-Match with it is a
// 304, while features without versions keep the response hash.
func TestItemETagIsVersion(t *testing.T) {
	h, _ := newEditServer(t, Config{})
	rec := ogcGet(h, "/api/collections/incidents/items/tanf-drone")
	if rec.Code != 200 || rec.Header().Get("ETag") != `"1"` {
		t.Fatalf("GET item: %d ETag %q", rec.Code, rec.Header().Get("ETag"))
	}
	if rec := ogcGet(h, "/api/collections/incidents/items/tanf-drone", "If-None-Match", `"1"`); rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match the version: %d, want 304", rec.Code)
	}
	put := do(h, "PUT", "/api/collections/incidents/items/tanf-drone", fakeIncident(""),
		"Authorization", "Bearer editor-secret", "Content-Type", "application/geo+json", "If-Match", rec.Header().Get("ETag"))
	if put.Code != 200 || put.Header().Get("ETag") != `"2"` {
		t.Fatalf("PUT with the GET's ETag: %d ETag %q", put.Code, put.Header().Get("ETag"))
	}
	if rec := ogcGet(h, "/api/collections/incidents/items/tanf-drone"); rec.Header().Get("ETag") != `"2"` {
		t.Errorf("GET after PUT: ETag %q, want \"2\"", rec.Header().Get("ETag"))
	}
	if rec := ogcGet(h, "/api/collections/governorates/items/homs"); rec.Code == 200 && len(rec.Header().Get("ETag")) < 20 {
		t.Errorf("a governorate's ETag %q is not the response hash", rec.Header().Get("ETag"))
	}
}

// TestAsOf checks the two forms of as_of: a date on zones items is the map
// as of that day, a date-time anywhere is the edit history's state then.
func TestAsOf(t *testing.T) {
	h, _ := newEditServer(t, Config{PublicHistory: true})
	for _, tt := range []struct {
		target  string
		status  int
		matched float64
	}{
		{"/api/collections/zones/items?as_of=2026-01-20", 200, 3},
		{"/api/collections/zones/items?as_of=2026-01-20T00:00:00Z", 200, 0},
		{"/api/collections/incidents/items?as_of=2026-01-20T10:00:00%2B03:00", 200, 0},
		{"/api/collections/incidents/items?as_of=2026-01-20", 400, 0},
		{"/api/collections/incidents/items?as_of=yesterday", 400, 0},
		{"/api/collections/incidents/items/tanf-drone?as_of=2026-01-20T00:00:00Z", 404, 0},
		{"/api/collections/governorates/items?as_of=2026-01-20T00:00:00Z", 400, 0},
	} {
		rec := ogcGet(h, tt.target)
		if rec.Code != tt.status {
			t.Errorf("%s: %d, want %d\n%.300s", tt.target, rec.Code, tt.status, rec.Body)
			continue
		}
		if tt.status == 200 {
			if got := decode(t, rec)["numberMatched"]; got != tt.matched {
				t.Errorf("%s: numberMatched %v, want %v", tt.target, got, tt.matched)
			}
		}
	}
	ro, _ := newOGCServer(t, Config{})
	if rec := ogcGet(ro, "/api/collections/incidents/items?as_of=2026-01-20T00:00:00Z"); rec.Code != 400 || !strings.Contains(rec.Body.String(), "--db") {
		t.Errorf("as_of date-time without a store: %d %s", rec.Code, rec.Body)
	}
}

// TestHistoryNeedsViewer: by default the edit history (as_of date-times,
// versions) needs a viewer token though other reads are public; the map as
// of a day does not; Config.PublicHistory opens it.
func TestHistoryNeedsViewer(t *testing.T) {
	h, _ := newEditServer(t, Config{})
	open, _ := newEditServer(t, Config{PublicHistory: true})
	pastItems := "/api/collections/incidents/items?as_of=2026-01-20T00:00:00Z"
	versions := "/api/collections/incidents/items/tanf-drone/versions"
	for _, tt := range []struct {
		name          string
		h             http.Handler
		target, token string
		status        int
	}{
		{"as_of date-time anonymously", h, pastItems, "", 401},
		{"as_of date-time as a viewer", h, pastItems, "Bearer viewer-secret", 200},
		{"a past feature anonymously", h, "/api/collections/incidents/items/tanf-drone?as_of=2026-01-20T00:00:00Z", "", 401},
		{"versions anonymously", h, versions, "", 401},
		{"versions as a viewer", h, versions, "Bearer viewer-secret", 200},
		{"the map as of a day anonymously", h, "/api/collections/zones/items?as_of=2026-01-20", "", 200},
		{"current items anonymously", h, "/api/collections/incidents/items", "", 200},
		{"public history: as_of", open, pastItems, "", 200},
		{"public history: versions", open, versions, "", 200},
	} {
		if rec := do(tt.h, "GET", tt.target, "", "Authorization", tt.token); rec.Code != tt.status {
			t.Errorf("%s: %d, want %d\n%.300s", tt.name, rec.Code, tt.status, rec.Body)
		}
	}
	doc := openAPIDoc(t, h)
	op := doc["paths"].(map[string]any)["/collections/{collectionId}/items/{featureId}/versions"].(map[string]any)["get"].(map[string]any)
	if op["x-role"] != "viewer" {
		t.Errorf("the OpenAPI document gives versions the role %v, want viewer", op["x-role"])
	}
}

// slowPast is an Editor whose past states take until release to build,
// like a store's; it answers ErrBusy past two builds at once, and says on
// started when one begins.
type slowPast struct {
	*fakeEditor
	started, release chan struct{}
	mu               sync.Mutex
	building         int
}

// AsOf implements Editor.
func (e *slowPast) AsOf(ctx context.Context, t time.Time) (*geo.Snapshot, error) {
	e.mu.Lock()
	if e.building >= 2 {
		e.mu.Unlock()
		return nil, catalog.ErrBusy
	}
	e.building++
	e.mu.Unlock()
	e.started <- struct{}{}
	<-e.release
	return e.fakeEditor.AsOf(ctx, t)
}

// TestAsOfBusy: an Editor's ErrBusy is a 503 problem with Retry-After,
// and the requests it was busy with are answered.
func TestAsOfBusy(t *testing.T) {
	ed := &slowPast{fakeEditor: &fakeEditor{versions: map[string][]catalog.Version{}}, started: make(chan struct{}), release: make(chan struct{})}
	h, _ := newOGCServer(t, Config{Editor: ed, Tokens: ed, PublicHistory: true, AuthFailuresPerMinute: -1})
	past := func(day int) *httptest.ResponseRecorder {
		return ogcGet(h, fmt.Sprintf("/api/collections/incidents/items?as_of=2026-01-%02dT00:00:00Z", day))
	}
	codes := make(chan int, 2)
	for day := range 2 {
		go func() { codes <- past(day + 1).Code }()
	}
	<-ed.started
	<-ed.started
	rec := past(3)
	if rec.Code != 503 || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "/problems/busy") {
		t.Errorf("a third past state while two build: %d Retry-After %q %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	close(ed.release)
	for range 2 {
		if c := <-codes; c != 200 {
			t.Errorf("a request the server was busy with: %d, want 200", c)
		}
	}
}

// TestAuthorization checks the token rules on a write and an admin route,
// and reads with PrivateRead.
func TestAuthorization(t *testing.T) {
	h, _ := newEditServer(t, Config{})
	private, _ := newEditServer(t, Config{PrivateRead: true})
	restore := "/api/collections/incidents/items/tanf-drone/versions/1/restore"
	for _, tt := range []struct {
		name          string
		h             http.Handler
		method, path  string
		authorization string
		status        int
	}{
		{"write without a token", h, "DELETE", "/api/collections/incidents/items/tanf-drone", "", 401},
		{"write with an unknown token", h, "DELETE", "/api/collections/incidents/items/tanf-drone", "Bearer revoked-secret", 401},
		{"write with Basic", h, "DELETE", "/api/collections/incidents/items/tanf-drone", "Basic editor-secret", 401},
		{"write as a viewer", h, "DELETE", "/api/collections/incidents/items/tanf-drone", "Bearer viewer-secret", 403},
		{"restore as an editor", h, "POST", restore, "Bearer editor-secret", 403},
		{"restore as an admin", h, "POST", restore, "Bearer admin-secret", 200},
		{"public read", h, "GET", "/api/collections/incidents/items", "", 200},
		{"public read with a bad token", h, "GET", "/api/collections/incidents/items", "Bearer nonsense", 401},
		{"private read without a token", private, "GET", "/api/collections/incidents/items", "", 401},
		{"private read as a viewer", private, "GET", "/api/collections/incidents/items", "Bearer viewer-secret", 200},
		{"private health", private, "GET", "/readyz", "", 200},
	} {
		rec := do(tt.h, tt.method, tt.path, "", "Authorization", tt.authorization)
		if rec.Code != tt.status {
			t.Errorf("%s: %d, want %d\n%s", tt.name, rec.Code, tt.status, rec.Body)
		}
		if rec.Code == 401 && rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", tt.name)
		}
		if rec.Code >= 400 && rec.Header().Get("Content-Type") != contentTypeProblem {
			t.Errorf("%s: Content-Type %q", tt.name, rec.Header().Get("Content-Type"))
		}
	}
}

// TestRateLimits checks the per-client limits: writes beyond the limit,
// and bad tokens after too many of them, get 429 with Retry-After; a valid
// token is never refused for failures, its own client's or another's.
func TestRateLimits(t *testing.T) {
	h, _ := newEditServer(t, Config{WritesPerMinute: 2, AuthFailuresPerMinute: 2})
	var codes []int
	for range 3 {
		codes = append(codes, do(h, "DELETE", "/api/collections/incidents/items/nothing", "", "Authorization", "Bearer editor-secret", "If-Match", `"1"`).Code)
	}
	if codes[0] != 404 || codes[1] != 404 || codes[2] != 429 {
		t.Errorf("three writes: %v, want 404 404 429", codes)
	}
	codes = codes[:0]
	for range 3 {
		codes = append(codes, do(h, "GET", "/api/collections", "", "Authorization", "Bearer guess").Code)
	}
	if codes[0] != 401 || codes[1] != 401 || codes[2] != 429 {
		t.Errorf("three bad tokens: %v, want 401 401 429", codes)
	}
	rec := do(h, "GET", "/api/collections", "", "Authorization", "Bearer guess")
	if rec.Code != 429 || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "/problems/too-many-requests") {
		t.Errorf("a bad token over the limit: %d Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	if rec := do(h, "GET", "/api/collections", "", "Authorization", "Bearer viewer-secret"); rec.Code != 200 {
		t.Errorf("a good token from the same address after the failures: %d, want 200", rec.Code)
	}
}

// TestTrustedProxies: behind a trusted proxy the limits key on the client
// that X-Forwarded-For names, so one client's failures do not count
// against another; an untrusted peer's X-Forwarded-For is ignored.
func TestTrustedProxies(t *testing.T) {
	proxy := netip.MustParsePrefix("10.0.0.0/8")
	h, _ := newEditServer(t, Config{AuthFailuresPerMinute: 1, TrustedProxies: []netip.Prefix{proxy}})
	send := func(peer, forwarded, token string) int {
		req := httptest.NewRequest("GET", "/api/collections", nil)
		req.RemoteAddr = peer + ":4000"
		req.Header.Set("Authorization", "Bearer "+token)
		if forwarded != "" {
			req.Header.Set("X-Forwarded-For", forwarded)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	// 198.51.100.1 guesses through the proxy, with a forged left-most entry.
	send("10.0.0.2", "203.0.113.5, 198.51.100.1", "guess")
	if c := send("10.0.0.2", "203.0.113.5, 198.51.100.1", "guess"); c != 429 {
		t.Errorf("the guessing client's second bad token: %d, want 429", c)
	}
	if c := send("10.0.0.2", "198.51.100.2", "guess"); c != 401 {
		t.Errorf("another client behind the same proxy: %d, want 401 (its own first failure)", c)
	}
	// Two proxies in a row: the right-most untrusted entry is the client.
	if c := send("10.0.0.3", "198.51.100.1, 10.0.0.9", "guess"); c != 429 {
		t.Errorf("the guessing client through two proxies: %d, want 429", c)
	}
	// An untrusted peer cannot choose its key with the header.
	send("192.0.2.7", "198.51.100.50", "guess")
	if c := send("192.0.2.7", "198.51.100.51", "guess"); c != 429 {
		t.Errorf("an untrusted peer naming a new client: %d, want 429", c)
	}
}

// TestSecurityHeaders checks the headers of the page, the API and errors.
func TestSecurityHeaders(t *testing.T) {
	h, _ := newEditServer(t, Config{})
	for target, csp := range map[string]string{"/": cspPage, "/api/collections": cspAPI, "/nothing": cspPage, "/api/nothing": cspAPI} {
		rec := ogcGet(h, target)
		want := map[string]string{"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff"}
		if csp == cspPage { // headers that act on HTML
			want["Referrer-Policy"], want["X-Frame-Options"] = "strict-origin-when-cross-origin", "DENY"
		}
		for _, name := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"} {
			if got := rec.Header().Get(name); got != want[name] {
				t.Errorf("%s: %s %q, want %q", target, name, got, want[name])
			}
		}
	}
	if !strings.Contains(cspAPI, "frame-ancestors 'none'") {
		t.Errorf("API CSP %q lacks frame-ancestors", cspAPI)
	}
	if !strings.Contains(cspPage, "frame-ancestors 'none'") || !strings.Contains(cspPage, "https://tile.openstreetmap.org") {
		t.Errorf("page CSP %q lacks frame-ancestors or the tile host", cspPage)
	}
}

// TestReadOnlyServer checks that without an Editor every write answers the
// read-only problem with Allow, before any token check.
func TestReadOnlyServer(t *testing.T) {
	h, _ := newOGCServer(t, Config{})
	for _, rt := range (&Server{}).apiRoutes() {
		if rt.op.Auth == "" || rt.method == http.MethodGet {
			continue
		}
		rec := do(h, rt.method, "/api"+strings.NewReplacer("{collectionId}", "incidents", "{featureId}", "x", "{version}", "1").Replace(rt.pattern), "")
		if rec.Code != 405 || rec.Header().Get("Allow") != "GET, HEAD" || !strings.Contains(rec.Body.String(), "/problems/read-only") {
			t.Errorf("%s %s: %d Allow %q %s", rt.method, rt.pattern, rec.Code, rec.Header().Get("Allow"), rec.Body)
		}
	}
}

// TestConcurrentIfMatch sends pairs of replaces with the same If-Match at
// once: one wins (200), the other gets 412.
func TestConcurrentIfMatch(t *testing.T) {
	h, _ := newEditServer(t, Config{})
	for round := 1; round <= 20; round++ {
		codes := make([]int, 2)
		var wg sync.WaitGroup
		for i := range codes {
			wg.Go(func() {
				codes[i] = do(h, "PUT", "/api/collections/incidents/items/tanf-drone", fakeIncident(""),
					"Authorization", "Bearer editor-secret", "Content-Type", "application/geo+json", "If-Match", versionETag(int64(round))).Code
			})
		}
		wg.Wait()
		if codes[0]+codes[1] != 200+412 {
			t.Fatalf("round %d: %v, want one 200 and one 412", round, codes)
		}
	}
}

// TestOpenAPISecuredParametersAreAccepted is TestOpenAPIParametersAreAccepted
// for the GET routes that need a token: with an admin token, each
// documented parameter is accepted and an undocumented one refused.
func TestOpenAPISecuredParametersAreAccepted(t *testing.T) {
	h, _ := newEditServer(t, Config{})
	doc := openAPIDoc(t, h)
	checked := 0
	for path, item := range doc["paths"].(map[string]any) {
		o, ok := item.(map[string]any)["get"].(map[string]any)
		if !ok || o["security"] == nil {
			continue
		}
		checked++
		target := "/api" + strings.NewReplacer("{collectionId}", collectionIncidents, "{featureId}", "tanf-drone").Replace(path)
		// An event stream that opens runs until its client leaves: this one
		// leaves after 300 ms.
		_, stream := o["responses"].(map[string]any)["200"].(map[string]any)["content"].(map[string]any)["text/event-stream"]
		get := func(target string) *httptest.ResponseRecorder {
			req := httptest.NewRequest("GET", target, nil)
			req.Header.Set("Authorization", "Bearer admin-secret")
			if stream {
				ctx, cancel := context.WithTimeout(req.Context(), 300*time.Millisecond)
				defer cancel()
				req = req.WithContext(ctx)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			return rec
		}
		for _, p := range o["parameters"].([]any) {
			if p.(map[string]any)["in"] != "query" {
				continue
			}
			name := p.(map[string]any)["name"].(string)
			if got := unknownParam(t, get(target+"?"+name+"=1")); got == name {
				t.Errorf("GET %s refuses documented parameter %s", path, name)
			}
		}
		if got := unknownParam(t, get(target+"?undocumented=1")); got != "undocumented" {
			t.Errorf("GET %s accepts an undocumented parameter", path)
		}
	}
	if checked == 0 {
		t.Error("no GET route needs a token")
	}
}
