package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontline-maps/frontline/store"
)

// testTokens are the secrets of a test store's tokens, by name: viewer,
// editor, admin, and revoked (an editor token that was revoked).
type testTokens map[string]string

// storeWithTokens creates a seeded store in a temporary directory with one
// token of each role and a revoked one, and returns its path.
func storeWithTokens(t testing.TB) (string, testTokens) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "frontline.gpkg")
	st, err := openStore(t.Context(), path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tokens := testTokens{}
	for name, role := range map[string]store.Role{"viewer": store.RoleViewer, "editor": store.RoleEditor, "admin": store.RoleAdmin, "revoked": store.RoleEditor} {
		if tokens[name], err = st.CreateToken(t.Context(), name, role); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.RevokeToken(t.Context(), "revoked"); err != nil {
		t.Fatal(err)
	}
	return path, tokens
}

// apiResponse is a response with its body read.
type apiResponse struct {
	*http.Response
	body []byte
}

// send sends a request with an optional bearer token and header pairs,
// and reads the response.
func send(t *testing.T, method, url, token, body string, header ...string) apiResponse {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return apiResponse{resp, b}
}

// testIncident is a valid incident Feature with id (none when "") and a
// description.
func testIncident(id, description string) string {
	idMember := ""
	if id != "" {
		idMember = `"id":"` + id + `",`
	}
	return `{"type":"Feature",` + idMember + `"geometry":{"type":"Point","coordinates":[38.9,35.0]},"properties":{` +
		`"date":"2026-01-21","date_precision":"day","type":"battles","sub_type":"armed_clash","actors":[],"precision_m":1000,` +
		`"fatalities_low":0,"fatalities_best":1,"fatalities_high":2,"fatalities_civilians":0,"description":"` + description + `",` +
		`"sources":[{"publisher":"Test"}],"status":"reported"}}`
}

// editCall is one request to a write, history or transfer route, and the
// status it must get with the right token.
type editCall struct {
	method, path, body, contentType, ifMatch string
	role                                     string // the token it needs; "" for none
	status                                   int
}

// editCalls are successful calls of every write, history and transfer
// route, in an order that works on a fresh store: the incident "t-edit" is
// created, read, replaced, patched, restored and deleted.
func editCalls() []editCall {
	item := "/api/collections/incidents/items/t-edit"
	csv, err := os.ReadFile("../../ingest/testdata/ucdp-ged-23.1-syria-sample.csv")
	if err != nil {
		panic(err)
	}
	return []editCall{
		{"POST", "/api/collections/incidents/items", testIncident("t-edit", "created"), "application/geo+json", "", "editor", 201},
		{"PUT", item, testIncident("", "replaced"), "application/geo+json", `"1"`, "editor", 200},
		{"PATCH", item, `{"properties":{"status":"confirmed"}}`, "application/merge-patch+json", `"2"`, "editor", 200},
		{"GET", item + "/versions", "", "", "", "viewer", 200},
		{"POST", item + "/versions/1/restore", "", "", "", "admin", 200},
		{"DELETE", item, "", "", `"4"`, "editor", 204},
		{"POST", "/api/import?format=ucdp&release=23.1", string(csv), "text/csv", "", "editor", 200},
		{"GET", "/api/export?format=gpkg", "", "", "", "admin", 200},
		{"GET", "/api/export?format=geojson", "", "", "", "", 200},
		{"GET", "/api/audit?collection=incidents&id=t-edit", "", "", "", "admin", 200},
		{"GET", "/api/changes?since=0&limit=5", "", "", "", "viewer", 200},
		{"GET", "/api/changes?since=-1", "", "", "", "viewer", 400},
		// The line of sdf-2025 (valid 2024-12-08 to 2026-01-17) moved on
		// 1 June 2025; it now ends on 31 May, so a move on 1 June is a 400,
		// and a stale If-Match a 412.
		{"POST", "/api/collections/zones/items/sdf-2025/successor", `{"date":"2025-06-01","patch":{"properties":{"status":"contested"}}}`, "application/json", `"1"`, "editor", 201},
		{"POST", "/api/collections/zones/items/sdf-2025/successor", `{"date":"2025-06-01"}`, "application/json", `"2"`, "editor", 400},
		{"POST", "/api/collections/zones/items/sdf-2025/successor", `{"date":"2025-05-01"}`, "application/json", `"1"`, "editor", 412},
		{"GET", "/api/session", "", "", "", "", 200},
	}
}

// do sends c to base with the token of role name, or none for "".
func (c editCall) do(t *testing.T, base string, tokens testTokens, name string) apiResponse {
	t.Helper()
	var header []string
	if c.contentType != "" {
		header = append(header, "Content-Type", c.contentType)
	}
	if c.ifMatch != "" {
		header = append(header, "If-Match", c.ifMatch)
	}
	return send(t, c.method, base+c.path, tokens[name], c.body, header...)
}

// everyEditRoute makes each of editCalls with its token, checks its
// status, and returns "METHOD path" of each for TestServeEveryRoute.
func everyEditRoute(t *testing.T, base string, tokens testTokens) map[string]bool {
	t.Helper()
	hit := map[string]bool{}
	for _, c := range editCalls() {
		resp := c.do(t, base, tokens, c.role)
		if resp.StatusCode != c.status {
			t.Errorf("%s %s: %d, want %d\n%.500s", c.method, c.path, resp.StatusCode, c.status, resp.body)
			continue
		}
		if c.status < 400 {
			hit[c.method+" "+strings.SplitN(c.path, "?", 2)[0]] = true
		}
	}
	// The change stream from the start: its first event, then hang up.
	stream := openStream(t, base+"/api/changes/stream?since=0", tokens["viewer"], "")
	if ev := stream.next(t, 10*time.Second); ev.event != "change" {
		t.Errorf("the change stream's first event: %+v", ev)
	} else {
		hit["GET /api/changes/stream"] = true
	}
	stream.close()
	// The live stream, public.
	openStream(t, base+"/api/live", "", "").close()
	hit["GET /api/live"] = true
	// A watch: created, listed, read, its events, deliveries and stream,
	// then deleted.
	id, _ := createWatch(t, base, tokens["editor"], `{"target":{"zone":"sdf-2025"}}`)
	hit["POST /api/watches"] = true
	for _, path := range []string{"/api/watches", "/api/watches/" + id, "/api/watches/" + id + "/events", "/api/watches/" + id + "/deliveries"} {
		if resp := send(t, "GET", base+path, tokens["editor"], ""); resp.StatusCode != 200 {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, resp.body)
		} else {
			hit["GET "+path] = true
		}
	}
	openStream(t, base+"/api/watches/"+id+"/stream", tokens["editor"], "").close()
	hit["GET /api/watches/"+id+"/stream"] = true
	if resp := send(t, "DELETE", base+"/api/watches/"+id, tokens["editor"], ""); resp.StatusCode != 204 {
		t.Errorf("DELETE the watch: %d %s", resp.StatusCode, resp.body)
	} else {
		hit["DELETE /api/watches/"+id] = true
	}
	return hit
}

// TestEditAuthorization calls every write and admin route without a token
// (401 with WWW-Authenticate), with a revoked token (401), with a token of
// too low a role (403) and with the right one (2xx), on a real store.
func TestEditAuthorization(t *testing.T) {
	db, tokens := storeWithTokens(t)
	base, _ := startServe(t, "--db", db, "--write-limit", "0", "--auth-failure-limit", "0")
	for _, c := range editCalls() {
		if c.role == "" {
			continue
		}
		type authCase struct {
			token  string
			status int
		}
		cases := []authCase{{"", 401}, {"revoked", 401}, {c.role, c.status}}
		switch c.role { // the roles below the one needed
		case "admin":
			cases = append(cases, authCase{"editor", 403}, authCase{"viewer", 403})
		case "editor":
			cases = append(cases, authCase{"viewer", 403})
		}
		for _, tt := range cases {
			resp := c.do(t, base, tokens, tt.token)
			if resp.StatusCode != tt.status {
				t.Errorf("%s %s with token %q: %d, want %d\n%.300s", c.method, c.path, tt.token, resp.StatusCode, tt.status, resp.body)
			}
			if tt.status >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s %s with token %q: Content-Type %q, want problem+json", c.method, c.path, tt.token, resp.Header.Get("Content-Type"))
			}
			if tt.status == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s %s with token %q: WWW-Authenticate %q", c.method, c.path, tt.token, resp.Header.Get("WWW-Authenticate"))
			}
		}
	}
}

// TestPrivateRead checks --public-read=false: every API read needs a
// viewer token, and the health checks and the page do not.
func TestPrivateRead(t *testing.T) {
	db, tokens := storeWithTokens(t)
	base, _ := startServe(t, "--db", db, "--public-read=false", "--auth-failure-limit", "0")
	for _, tt := range []struct {
		path, token string
		status      int
	}{
		{"/api/collections/incidents/items", "", 401},
		{"/api/collections/incidents/items", "revoked", 401},
		{"/api/collections/incidents/items", "nonsense", 401},
		{"/api/collections/incidents/items", "viewer", 200},
		{"/api/stats?group=actor", "", 401},
		{"/api/stats?group=actor", "editor", 200},
		{"/api/export?format=geojson", "", 401},
		{"/readyz", "", 200},
		{"/metrics", "", 401},
		{"/metrics", "viewer", 200},
		{"/", "", 200},
		{"/api/session", "", 200},
		{"/api/session", "revoked", 401},
		{"/api/session", "viewer", 200},
	} {
		secret := tokens[tt.token]
		if secret == "" {
			secret = tt.token
		}
		if resp := send(t, "GET", base+tt.path, secret, ""); resp.StatusCode != tt.status {
			t.Errorf("GET %s with token %q: %d, want %d", tt.path, tt.token, resp.StatusCode, tt.status)
		}
	}
	// Readiness is public, and says no more than that.
	if got := send(t, "GET", base+"/readyz", "", ""); strings.TrimSpace(string(got.body)) != `{"status":"ready"}` {
		t.Errorf("private /readyz: %s", got.body)
	}
}

// TestMetricsAddr: --metrics-addr serves /metrics on a listener of its
// own, and the main one no longer does.
func TestMetricsAddr(t *testing.T) {
	base, logs := startServe(t, "--metrics-addr", "127.0.0.1:0")
	if resp := send(t, "GET", base+"/metrics", "", ""); resp.StatusCode != 404 {
		t.Errorf("/metrics on the main listener: %d, want 404", resp.StatusCode)
	}
	var metrics string
	for deadline := time.Now().Add(10 * time.Second); metrics == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := regexp.MustCompile(`msg="serving metrics" addr=(http://\S+)`).FindStringSubmatch(logs.String()); m != nil {
			metrics = m[1]
		}
	}
	resp := send(t, "GET", metrics, "", "")
	if resp.StatusCode != 200 || !strings.Contains(string(resp.body), "frontline_index_records") {
		t.Errorf("GET %s: %d %.200s", metrics, resp.StatusCode, resp.body)
	}
}

// TestEditConcurrentIfMatch has two editors replace the same incident at
// once with the same If-Match, many times over: exactly one of each pair
// wins with 200 and the other gets 412, and the winner's text is what the
// server then serves.
func TestEditConcurrentIfMatch(t *testing.T) {
	db, tokens := storeWithTokens(t)
	base, _ := startServe(t, "--db", db, "--write-limit", "0")
	item := base + "/api/collections/incidents/items/t-race"
	if resp := send(t, "POST", base+"/api/collections/incidents/items", tokens["editor"], testIncident("t-race", "v1"), "Content-Type", "application/geo+json"); resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, resp.body)
	}
	for round := 1; round <= 20; round++ {
		etag := send(t, "GET", item, "", "").Header.Get("ETag")
		if etag != fmt.Sprintf(`"%d"`, round) {
			t.Fatalf("round %d: ETag %s", round, etag)
		}
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i := range statuses {
			wg.Go(func() {
				resp := send(t, "PUT", item, tokens["editor"], testIncident("", fmt.Sprintf("round %d editor %d", round, i)),
					"Content-Type", "application/geo+json", "If-Match", etag)
				statuses[i] = resp.StatusCode
			})
		}
		wg.Wait()
		if !(statuses[0] == 200 && statuses[1] == 412) && !(statuses[0] == 412 && statuses[1] == 200) {
			t.Fatalf("round %d: statuses %v, want one 200 and one 412", round, statuses)
		}
		winner := 0
		if statuses[1] == 200 {
			winner = 1
		}
		var f struct{ Properties struct{ Description string } }
		if err := json.Unmarshal(send(t, "GET", item, "", "").body, &f); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("round %d editor %d", round, winner); f.Properties.Description != want {
			t.Fatalf("round %d: served %q, want the winner's %q", round, f.Properties.Description, want)
		}
	}
}

// TestEditWrites walks the write paths on a real store and checks that the
// index (items, search by collection) follows each committed write, and
// that refused writes store nothing.
func TestEditWrites(t *testing.T) {
	db, tokens := storeWithTokens(t)
	base, _ := startServe(t, "--db", db, "--write-limit", "0")
	ed := tokens["editor"]
	items := base + "/api/collections/incidents/items"
	count := func() int {
		var fc struct{ NumberMatched int }
		if err := json.Unmarshal(send(t, "GET", items+"?resultType=hits", "", "").body, &fc); err != nil {
			t.Fatal(err)
		}
		return fc.NumberMatched
	}
	before := count()
	geojson := []string{"Content-Type", "application/geo+json"}
	for _, tt := range []struct {
		name, body string
		header     []string
		status     int
		field      string
	}{
		{"bad JSON", `{"type":`, geojson, 400, "body"},
		{"not an object", `[1]`, geojson, 400, "body"},
		{"latitude out of range", strings.Replace(testIncident("", "x"), "35.0", "95.0", 1), geojson, 400, "geometry"},
		{"no sources", strings.Replace(testIncident("", "x"), `[{"publisher":"Test"}]`, "[]", 1), geojson, 400, "sources"},
		{"unknown actor", strings.Replace(testIncident("", "x"), `"actors":[]`, `"actors":[{"actor":"no-such-group","role":"perpetrator"}]`, 1), geojson, 400, "actors[0].actor"},
		{"wrong content type", testIncident("", "x"), []string{"Content-Type", "text/plain"}, 415, ""},
		{"too large", `{"pad":"` + strings.Repeat("x", 5<<20) + `"}`, geojson, 413, ""},
	} {
		resp := send(t, "POST", items, ed, tt.body, tt.header...)
		if resp.StatusCode != tt.status {
			t.Errorf("%s: %d, want %d\n%.300s", tt.name, resp.StatusCode, tt.status, resp.body)
		}
		if tt.field != "" && !strings.Contains(string(resp.body), `"field":"`+tt.field) {
			t.Errorf("%s: the problem does not name %s: %.300s", tt.name, tt.field, resp.body)
		}
	}
	if n := count(); n != before {
		t.Fatalf("refused writes changed the count from %d to %d", before, n)
	}

	created := send(t, "POST", items, ed, testIncident("", "new"), geojson...)
	loc := created.Header.Get("Location")
	if created.StatusCode != 201 || created.Header.Get("ETag") != `"1"` || !strings.HasPrefix(loc, items+"/incident-") {
		t.Fatalf("create: %d ETag %s Location %s", created.StatusCode, created.Header.Get("ETag"), loc)
	}
	if !strings.Contains(string(created.body), `"governorate":"Homs"`) {
		t.Errorf("the created incident has no governorate from the boundaries: %s", created.body)
	}
	if n := count(); n != before+1 {
		t.Errorf("after create: %d incidents, want %d", n, before+1)
	}
	if resp := send(t, "POST", items, ed, strings.Replace(testIncident("", "dup"), `"type":"Feature",`, `"type":"Feature","id":"`+filepath.Base(loc)+`",`, 1), geojson...); resp.StatusCode != 409 {
		t.Errorf("create with a taken ID: %d, want 409", resp.StatusCode)
	}
	// A patch that moves the incident recomputes its governorate.
	moved := send(t, "PATCH", loc, ed, `{"geometry":{"type":"Point","coordinates":[39.0167,35.95]}}`,
		"Content-Type", "application/merge-patch+json", "If-Match", `"1"`)
	if moved.StatusCode != 200 || moved.Header.Get("ETag") != `"2"` {
		t.Fatalf("patch moving the incident: %d ETag %s %.300s", moved.StatusCode, moved.Header.Get("ETag"), moved.body)
	}
	if got := send(t, "GET", loc, "", ""); !strings.Contains(string(got.body), `"governorate":"Ar-Raqqa"`) {
		t.Errorf("an incident moved to Raqqa keeps a stale governorate: %.400s", got.body)
	}
	if resp := send(t, "PUT", loc, ed, testIncident("other-id", "x"), "Content-Type", "application/geo+json", "If-Match", `"2"`); resp.StatusCode != 400 {
		t.Errorf("replace with another ID in the body: %d, want 400", resp.StatusCode)
	}
	if resp := send(t, "PATCH", loc, ed, `{"properties":{"status":"confirmed"}}`, "Content-Type", "text/plain", "If-Match", `"1"`); resp.StatusCode != 415 {
		t.Errorf("patch as text/plain: %d, want 415", resp.StatusCode)
	}
	if resp := send(t, "DELETE", loc, ed, "", "If-Match", `W/"1"`); resp.StatusCode != 412 {
		t.Errorf("delete with a weak ETag: %d, want 412", resp.StatusCode)
	}
	if resp := send(t, "DELETE", loc, ed, ""); resp.StatusCode != 428 {
		t.Errorf("delete without If-Match: %d, want 428", resp.StatusCode)
	}
	if resp := send(t, "DELETE", loc, ed, "", "If-Match", `"2"`); resp.StatusCode != 204 {
		t.Fatalf("delete: %d %s", resp.StatusCode, resp.body)
	}
	if n := count(); n != before {
		t.Errorf("after delete: %d incidents, want %d", n, before)
	}
	if resp := send(t, "GET", loc, "", ""); resp.StatusCode != 404 {
		t.Errorf("GET a deleted incident: %d, want 404", resp.StatusCode)
	}
	versions := send(t, "GET", loc+"/versions", tokens["viewer"], "")
	if versions.StatusCode != 200 || strings.Count(string(versions.body), `"version":`) != 3 || !strings.Contains(string(versions.body), `"deleted":true`) {
		t.Errorf("versions after delete: %d %s", versions.StatusCode, versions.body)
	}

	// A rejected import stores nothing and answers the report.
	rejected := send(t, "POST", base+"/api/import?format=ucdp", ed, ucdpWithBadDate(t), "Content-Type", "text/csv")
	if rejected.StatusCode != 422 || !strings.Contains(string(rejected.body), `"rejected":1`) || !strings.Contains(string(rejected.body), `"stored":false`) {
		t.Errorf("import with a bad row: %d %.600s", rejected.StatusCode, rejected.body)
	}
	if n := count(); n != before {
		t.Errorf("a rejected import changed the count from %d to %d", before, n)
	}
	// So does one that names an actor the store lacks, with its line and field.
	unknown := `{"type":"FeatureCollection","features":[` + testIncident("import-a", "a") + ",\n" +
		strings.Replace(testIncident("import-b", "b"), `"actors":[]`, `"actors":[{"actor":"no-such-group","role":"target"}]`, 1) + "]}"
	rejected = send(t, "POST", base+"/api/import?format=geojson", ed, unknown, geojson...)
	if rejected.StatusCode != 422 || !strings.Contains(string(rejected.body), `{"line":2,"column":"properties.actors[0].actor","reason":"actor \"no-such-group\" does not exist"}`) {
		t.Errorf("import naming an unknown actor: %d %.600s", rejected.StatusCode, rejected.body)
	}
	if n := count(); n != before {
		t.Errorf("a rejected import changed the count from %d to %d", before, n)
	}
}

// TestEditHistoryAsOf reads an incident and the incidents collection as
// they were before an edit, twice (the second answer comes from the
// editor's cache of past states), and before the incident existed.
func TestEditHistoryAsOf(t *testing.T) {
	db, tokens := storeWithTokens(t)
	base, _ := startServe(t, "--db", db, "--write-limit", "0")
	items := base + "/api/collections/incidents/items"
	beforeCreate := time.Now().UTC()
	time.Sleep(5 * time.Millisecond)
	created := send(t, "POST", items, tokens["editor"], testIncident("asof-test", "first"), "Content-Type", "application/geo+json")
	if created.StatusCode != 201 {
		t.Fatalf("create: %d %s", created.StatusCode, created.body)
	}
	time.Sleep(5 * time.Millisecond)
	beforeEdit := time.Now().UTC()
	time.Sleep(5 * time.Millisecond)
	if resp := send(t, "PATCH", items+"/asof-test", tokens["editor"], `{"properties":{"description":"second"}}`,
		"Content-Type", "application/merge-patch+json", "If-Match", `"1"`); resp.StatusCode != 200 {
		t.Fatalf("patch: %d %s", resp.StatusCode, resp.body)
	}
	at := url.QueryEscape(beforeEdit.Format(time.RFC3339Nano))
	if anon := send(t, "GET", items+"/asof-test?as_of="+at, "", ""); anon.StatusCode != 401 {
		t.Errorf("the edit history without a token: %d, want 401", anon.StatusCode)
	}
	for range 2 {
		old := send(t, "GET", items+"/asof-test?as_of="+at, tokens["viewer"], "")
		if old.StatusCode != 200 || !strings.Contains(string(old.body), `"description":"first"`) {
			t.Errorf("the incident as of before the edit: %d %.300s", old.StatusCode, old.body)
		}
	}
	// Eight readers at once of the collection at that instant all get the
	// past state (one build, shared), and it is not the current one.
	var wg sync.WaitGroup
	bodies := make([]apiResponse, 8)
	for i := range bodies {
		wg.Go(func() { bodies[i] = send(t, "GET", items+"?limit=10000&as_of="+at, tokens["viewer"], "") })
	}
	wg.Wait()
	for i, b := range bodies {
		if b.StatusCode != 200 || !strings.Contains(string(b.body), `"description":"first"`) || strings.Contains(string(b.body), `"description":"second"`) {
			t.Errorf("reader %d of the past collection: %d %.200s", i, b.StatusCode, b.body)
		}
	}
	now := send(t, "GET", items+"/asof-test", "", "")
	if !strings.Contains(string(now.body), `"description":"second"`) {
		t.Errorf("the incident now: %.300s", now.body)
	}
	gone := send(t, "GET", items+"/asof-test?as_of="+url.QueryEscape(beforeCreate.Format(time.RFC3339Nano)), tokens["viewer"], "")
	if gone.StatusCode != 404 {
		t.Errorf("the incident as of before it was created: %d, want 404", gone.StatusCode)
	}
}

// ucdpWithBadDate returns the UCDP sample with the date_start of its
// second row spoilt, so that row is rejected.
func ucdpWithBadDate(t *testing.T) string {
	t.Helper()
	f, err := os.Open("../../ingest/testdata/ucdp-ged-23.1-syria-sample.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rows[2][slices.Index(rows[0], "date_start")] = "not-a-date"
	var b strings.Builder
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestServeDataDirIsReadOnly checks that --data serves a dataset directory
// whose write routes answer the read-only problem, even with a token.
func TestServeDataDirIsReadOnly(t *testing.T) {
	base, _ := startServe(t, "--data", "../../data")
	resp := send(t, "POST", base+"/api/collections/incidents/items", "x", testIncident("", "x"), "Content-Type", "application/geo+json")
	if resp.StatusCode != 405 || !strings.Contains(string(resp.body), "start it with --db") {
		t.Errorf("write to --data: %d %s", resp.StatusCode, resp.body)
	}
	if resp := send(t, "GET", base+"/api/export?format=gpkg", "", ""); resp.StatusCode != 400 {
		t.Errorf("gpkg export from --data: %d, want 400", resp.StatusCode)
	}
	if resp := send(t, "GET", base+"/api/export?format=csv&collection=incidents", "", ""); resp.StatusCode != 200 || !strings.HasPrefix(string(resp.body), "id,date,") {
		t.Errorf("csv export from --data: %d %.100s", resp.StatusCode, resp.body)
	}
}

// TestTokenCommands creates, lists and revokes a token with the command
// line.
func TestTokenCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.gpkg")
	var out strings.Builder
	getenv := func(string) string { return "" }
	if err := run(context.Background(), []string{"token", "create", "--db", db, "--name", "ed", "--role", "editor"}, getenv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(out.String())
	if len(secret) != 43 {
		t.Errorf("token create printed %q, want a 43-character secret", secret)
	}
	for _, args := range [][]string{
		{"token", "create", "--db", db, "--name", "ed", "--role", "editor"},
		{"token", "create", "--db", db, "--name", "x", "--role", "root"},
		{"token", "revoke", "--db", db, "--name", "nobody"},
		{"token", "delete"},
	} {
		if err := run(context.Background(), args, getenv, io.Discard, io.Discard); err == nil {
			t.Errorf("%v succeeded", args)
		}
	}
	out.Reset()
	if err := run(context.Background(), []string{"token", "revoke", "--db", db, "--name", "ed"}, getenv, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"token", "list", "--db", db}, getenv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], "ed ") || strings.HasSuffix(lines[1], " -") {
		t.Errorf("token list after revoke:\n%s", out.String())
	}
}

// TestImportIntoStore imports files into a store with the command line:
// each file in one transaction; a file with rejected rows stores nothing
// unless --partial, a refused file adds nothing, and a second import of
// the same file changes nothing.
func TestImportIntoStore(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "i.gpkg")
	getenv := func(string) string { return "" }
	acled := "../../ingest/testdata/acled-synthetic.csv"
	var out strings.Builder
	if err := run(context.Background(), []string{"import", "--format", "acled", "--db", db, acled}, getenv, &out, io.Discard); err == nil ||
		!strings.Contains(out.String(), "0 added, 0 updated") {
		t.Fatalf("import of a file with rejected rows without --partial: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"import", "--format", "acled", "--partial", "--db", db, acled}, getenv, &out, io.Discard); err != nil {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "imported into "+db+": 6 added, 0 updated") {
		t.Errorf("first import:\n%s", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"import", "--format", "acled", "--partial", "--db", db, acled}, getenv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "0 added, 0 updated") {
		t.Errorf("second import:\n%s", out.String())
	}
	refused := filepath.Join(dir, "refused.csv")
	if err := os.WriteFile(refused, []byte("no,such,columns\n1,2,3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"import", "--format", "acled", "--db", db, refused}, getenv, io.Discard, io.Discard); err == nil {
		t.Error("importing a file without the required columns succeeded")
	}
	if err := run(context.Background(), []string{"import", "--format", "acled", "--db", db, "--into", dir, acled}, getenv, io.Discard, io.Discard); exitCode(err) != 2 {
		t.Errorf("--db with --into: %v, want a usage error", err)
	}
}

// TestDatasetVersionIdentifiesContent: two processes serving one store
// report the same X-Dataset-Version, so an ETag from one is a 304 at the
// other (as it is after a restart); a write answers with the version after
// it, which both then report.
func TestDatasetVersionIdentifiesContent(t *testing.T) {
	db, tokens := storeWithTokens(t)
	// One public address, as behind a load balancer: links in a body are
	// absolute, so the ETag covers the base URL.
	a, _ := startServe(t, "--db", db, "--write-limit", "0", "--base-url", "https://frontline.example")
	b, _ := startServe(t, "--db", db, "--write-limit", "0", "--base-url", "https://frontline.example")
	ready := func(base string) apiResponse {
		t.Helper()
		for range 200 {
			if r := send(t, "GET", base+"/api/collections/zones/items", "", ""); r.StatusCode == 200 {
				return r
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("%s not ready", base)
		return apiResponse{}
	}
	ra, rb := ready(a), ready(b)
	va, vb := ra.Header.Get("X-Dataset-Version"), rb.Header.Get("X-Dataset-Version")
	if va == "" || va != vb {
		t.Fatalf("two processes on one store report versions %q and %q", va, vb)
	}
	if r := send(t, "GET", b+"/api/collections/zones/items", "", "", "If-None-Match", ra.Header.Get("ETag")); r.StatusCode != 304 {
		t.Errorf("process B answers process A's ETag with %d, want 304", r.StatusCode)
	}
	w := send(t, "POST", a+"/api/collections/incidents/items", tokens["editor"], testIncident("", "a write"), "Content-Type", "application/geo+json")
	if w.StatusCode != 201 {
		t.Fatalf("create: %d %s", w.StatusCode, w.body)
	}
	after := w.Header.Get("X-Dataset-Version")
	if after == va {
		t.Errorf("the write answered the version from before it, %q", after)
	}
	if got := send(t, "GET", a+"/api/collections/zones/items", "", "").Header.Get("X-Dataset-Version"); got != after {
		t.Errorf("after the write process A reports %q, the write answered %q", got, after)
	}
}

// TestTwoProcessesOnOneGeoPackage: a second server on the same file
// follows the first's writes (it polls the versions table), so its item
// lists never keep showing a state the other has moved past.
func TestTwoProcessesOnOneGeoPackage(t *testing.T) {
	db, tokens := storeWithTokens(t)
	a, _ := startServe(t, "--db", db, "--write-limit", "0")
	b, _ := startServe(t, "--db", db, "--write-limit", "0")
	geojson := []string{"Content-Type", "application/geo+json"}
	for i, base := range []string{a, b, a} {
		other := []string{b, a, b}[i]
		id := fmt.Sprintf("follow-%d", i)
		w := send(t, "POST", base+"/api/collections/incidents/items", tokens["editor"], testIncident(id, "written"), geojson...)
		if w.StatusCode != 201 {
			t.Fatalf("create: %d %s", w.StatusCode, w.body)
		}
		want := w.Header.Get("X-Dataset-Version")
		deadline := time.Now().Add(10 * time.Second)
		for {
			r := send(t, "GET", other+"/api/collections/incidents/items?limit=1", "", "")
			if r.Header.Get("X-Dataset-Version") == want {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s still at %s 10 s after a write through the other process answered %s", other, r.Header.Get("X-Dataset-Version"), want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// A patch through B shows in A's list too, not only in its single GET.
	item := "/api/collections/incidents/items/follow-0"
	etag := send(t, "GET", b+item, "", "").Header.Get("ETag")
	if r := send(t, "PATCH", b+item, tokens["editor"], `{"properties":{"status":"disputed"}}`, "Content-Type", "application/merge-patch+json", "If-Match", etag); r.StatusCode != 200 {
		t.Fatalf("patch: %d %s", r.StatusCode, r.body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(string(send(t, "GET", a+"/api/collections/incidents/items?status=disputed", "", "").body), "follow-0") {
		if time.Now().After(deadline) {
			t.Fatal("A's list does not show B's patch 10 s later")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
