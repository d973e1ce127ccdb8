package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontline-maps/frontline/internal/pgtest"
	"github.com/frontline-maps/frontline/server/webhook"
)

// incidentAt is a valid incident Feature with id at [lon, lat] on date.
func incidentAt(id string, lon, lat float64, date string) string {
	return fmt.Sprintf(`{"type":"Feature","id":%q,"geometry":{"type":"Point","coordinates":[%g,%g]},"properties":{`+
		`"date":%q,"date_precision":"day","type":"battles","sub_type":"armed_clash","actors":[],"precision_m":1000,`+
		`"fatalities_low":0,"fatalities_best":1,"fatalities_high":2,"fatalities_civilians":0,"description":"watched",`+
		`"sources":[{"publisher":"Test"}],"status":"reported"}}`, id, lon, lat, date)
}

// createWatch POSTs a watch definition and returns its id and secret.
func createWatch(t *testing.T, base, token, body string) (id, secret string) {
	t.Helper()
	resp := send(t, "POST", base+"/api/watches", token, body, "Content-Type", "application/json")
	if resp.StatusCode != 201 {
		t.Fatalf("POST /api/watches %s: %d %s", body, resp.StatusCode, resp.body)
	}
	var doc struct{ ID, Secret string }
	if err := json.Unmarshal(resp.body, &doc); err != nil || doc.ID == "" {
		t.Fatalf("the created watch: %v %s", err, resp.body)
	}
	return doc.ID, doc.Secret
}

// watchEvents returns the documents of a watch's events list.
func watchEvents(t *testing.T, base, token, id string) []map[string]any {
	t.Helper()
	resp := send(t, "GET", base+"/api/watches/"+id+"/events?limit=1000", token, "")
	if resp.StatusCode != 200 {
		t.Fatalf("events of %s: %d %s", id, resp.StatusCode, resp.body)
	}
	var page struct {
		Events []struct {
			Event map[string]any `json:"event"`
		} `json:"events"`
	}
	if err := json.Unmarshal(resp.body, &page); err != nil {
		t.Fatal(err)
	}
	out := make([]map[string]any, len(page.Events))
	for i, e := range page.Events {
		out[i] = e.Event
	}
	return out
}

// post writes an incident through base and fails the test unless it is
// created.
func post(t *testing.T, base, token, feature string) {
	t.Helper()
	resp := send(t, "POST", base+"/api/collections/incidents/items", token, feature, "Content-Type", "application/geo+json")
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, resp.body)
	}
}

// Raqqa city, [lon, lat]: held by the SDF through 2025, passed to the
// interim government in January 2026 in the curated zones.
const raqqaLon, raqqaLat = 39.0100, 35.9520

// TestWatchTimeAware watches the SDF zone of 2025 (valid 2024-12-08 to
// 2026-01-17): an incident in Raqqa dated 2025-06-01 alerts, backdated,
// on the watch's stream and in its events; the same point dated
// 2026-02-01 does not, nor does one outside the zone, nor one that fails
// the filter. A point watch hears control.changed when a new control zone
// covers it, naming the zones before and after. Definitions that are wrong
// are 400s naming the field; another editor's watch is a 404.
func TestWatchTimeAware(t *testing.T) {
	db, tokens := storeWithTokens(t)
	base, _ := startServe(t, "--db", db)
	ed := tokens["editor"]
	id, secret := createWatch(t, base, ed, `{"target":{"zone":"sdf-2025"},"filter":{"type":["battles"]},"events":["incident.entered"]}`)
	if secret != "" {
		t.Errorf("a watch without a webhook got a secret")
	}
	stream := openStream(t, base+"/api/watches/"+id+"/stream", ed, "")
	defer stream.resp.Body.Close()

	post(t, base, ed, incidentAt("raqqa-2025", raqqaLon, raqqaLat, "2025-06-01"))
	post(t, base, ed, incidentAt("raqqa-2026", raqqaLon, raqqaLat, "2026-02-01"))
	post(t, base, ed, incidentAt("damascus-2025", 36.2920, 33.5130, "2025-06-01"))
	protest := strings.Replace(incidentAt("raqqa-protest", raqqaLon, raqqaLat, "2025-06-02"), `"type":"battles","sub_type":"armed_clash"`, `"type":"protests","sub_type":"peaceful_protest"`, 1)
	post(t, base, ed, protest)

	ev := stream.next(t, 5*time.Second)
	if ev.err != nil || ev.event != "incident.entered" || ev.id == "" {
		t.Fatalf("the stream's first event: %+v", ev)
	}
	var doc struct {
		ID, Type, Watch, Date string
		Backdated             bool
		Record                struct{ ID string }
	}
	if err := json.Unmarshal([]byte(ev.data), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Record.ID != "raqqa-2025" || doc.Watch != id || !doc.Backdated || doc.Date != "2025-06-01" || doc.ID == "" {
		t.Errorf("the event: %s", ev.data)
	}
	if more := stream.next(t, 1500*time.Millisecond); more.err == nil {
		t.Errorf("a second event: %+v", more)
	}
	if evs := watchEvents(t, base, ed, id); len(evs) != 1 || evs[0]["id"] != doc.ID {
		t.Errorf("the events list: %v", evs)
	}
	// Moving raqqa-2026 back into 2025 makes it enter.
	resp := send(t, "PATCH", base+"/api/collections/incidents/items/raqqa-2026", ed, `{"properties":{"date":"2025-07-01"}}`,
		"Content-Type", "application/merge-patch+json", "If-Match", `"1"`)
	if resp.StatusCode != 200 {
		t.Fatalf("patch: %d %s", resp.StatusCode, resp.body)
	}
	if ev := stream.next(t, 5*time.Second); ev.err != nil || !strings.Contains(ev.data, `"raqqa-2026"`) {
		t.Errorf("after re-dating raqqa-2026 into 2025: %+v", ev)
	}

	// control.changed: a new control zone over a watched point.
	point, _ := createWatch(t, base, ed, `{"target":{"point":[38.0,34.9]}}`)
	pstream := openStream(t, base+"/api/watches/"+point+"/stream", ed, "")
	defer pstream.resp.Body.Close()
	today := time.Now().UTC().Format("2006-01-02")
	zone := `{"type":"Feature","id":"test-hold","geometry":{"type":"Polygon","coordinates":[[[37.9,34.8],[38.1,34.8],[38.1,35.0],[37.9,35.0],[37.9,34.8]]]},` +
		`"properties":{"name":"Test hold","actor":"sdf","status":"control","valid_from":"` + today + `","valid_to":null,"sources":[{"publisher":"Test"}]}}`
	if resp := send(t, "POST", base+"/api/collections/zones/items", ed, zone, "Content-Type", "application/geo+json"); resp.StatusCode != 201 {
		t.Fatalf("create zone: %d %s", resp.StatusCode, resp.body)
	}
	cev := pstream.next(t, 5*time.Second)
	var change struct {
		Before, After []struct{ Zone string }
	}
	if cev.err != nil || cev.event != "control.changed" || json.Unmarshal([]byte(cev.data), &change) != nil {
		t.Fatalf("control.changed: %+v", cev)
	}
	if !slicesHas(change.After, "test-hold") || slicesHas(change.Before, "test-hold") {
		t.Errorf("control.changed before/after: %s", cev.data)
	}

	// Bad definitions, and other people's watches.
	for body, field := range map[string]string{
		`{"target":{}}`:                                                                "target",
		`{"target":{"zone":"no-such-zone"}}`:                                           "target.zone",
		`{"target":{"circle":{"center":[38,35],"radius_m":0}}}`:                        "target.circle.radius_m",
		`{"target":{"point":[38,35]},"events":["incident.entered"]}`:                   "events",
		`{"target":{"zone":"sdf-2025"},"filter":{"type":["parade"]}}`:                  "filter.type",
		`{"target":{"zone":"sdf-2025"},"webhook":{"url":"ftp://example.org/x"}}`:       "webhook.url",
		`{"target":{"zone":"sdf-2025"},"webhook":{"url":"http://10.1.2.3/hook"}}`:      "webhook.url",
		`{"target":{"zone":"sdf-2025"},"colour":"red"}`:                                "colour",
		`{"target":{"geometry":{"type":"Polygon","coordinates":[[[38,35],[39,35]]]}}}`: "target.geometry.coordinates[0]",
	} {
		resp := send(t, "POST", base+"/api/watches", ed, body, "Content-Type", "application/json")
		if resp.StatusCode != 400 || !strings.Contains(string(resp.body), `"field":"`+field+`"`) {
			t.Errorf("POST %s: %d %s; want a 400 naming %s", body, resp.StatusCode, resp.body, field)
		}
	}
	if resp := send(t, "POST", base+"/api/watches", tokens["viewer"], `{"target":{"zone":"sdf-2025"}}`, "Content-Type", "application/json"); resp.StatusCode != 403 {
		t.Errorf("a viewer's watch: %d", resp.StatusCode)
	}
	if resp := send(t, "GET", base+"/api/watches/"+id, tokens["admin"], ""); resp.StatusCode != 200 {
		t.Errorf("an admin reading an editor's watch: %d", resp.StatusCode)
	}
	if resp := send(t, "DELETE", base+"/api/watches/"+id, ed, ""); resp.StatusCode != 204 {
		t.Errorf("DELETE: %d %s", resp.StatusCode, resp.body)
	}
	if resp := send(t, "GET", base+"/api/watches/"+id, ed, ""); resp.StatusCode != 404 {
		t.Errorf("a deleted watch: %d", resp.StatusCode)
	}
}

func slicesHas(zs []struct{ Zone string }, id string) bool {
	for _, z := range zs {
		if z.Zone == id {
			return true
		}
	}
	return false
}

// receiver is a loopback webhook receiver: it checks each request's
// signature, answers fail(n) for the n-th request (from 1) of each key,
// and counts the requests of each idempotency key.
type receiver struct {
	*httptest.Server
	mu      sync.Mutex // guards secret, delay, got and bad
	secret  string
	delay   time.Duration
	got     map[string]int
	bad     []string
	fail    func(key string, n int) int // the status to answer
	arrived chan string
}

func newReceiver(t *testing.T, fail func(key string, n int) int) *receiver {
	r := &receiver{got: map[string]int{}, fail: fail, arrived: make(chan string, 10000)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		key := req.Header.Get("Idempotency-Key")
		ts, _ := strconv.ParseInt(req.Header.Get("X-Frontline-Timestamp"), 10, 64)
		r.mu.Lock()
		if r.secret == "" || req.Header.Get("X-Frontline-Signature") != webhook.Sign(r.secret, ts, body) || !strings.Contains(string(body), key) {
			r.bad = append(r.bad, key)
		}
		r.got[key]++
		n, delay := r.got[key], r.delay
		r.mu.Unlock()
		r.arrived <- key
		time.Sleep(delay)
		w.WriteHeader(r.fail(key, n))
	}))
	t.Cleanup(r.Close)
	return r
}

// set sets the secret the signatures are checked with and how long each
// request is held before its answer.
func (r *receiver) set(secret string, delay time.Duration) {
	r.mu.Lock()
	r.secret, r.delay = secret, delay
	r.mu.Unlock()
}

// bads returns the keys of the requests whose signature was wrong.
func (r *receiver) bads() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.bad)
}

// counts returns a copy of the requests by key.
func (r *receiver) counts() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.got))
	for k, n := range r.got {
		out[k] = n
	}
	return out
}

// delivery is one entry of a watch's deliveries.
type delivery struct {
	Key      string `json:"idempotency_key"`
	State    string `json:"state"`
	Attempts int    `json:"attempts"`
	Status   int    `json:"last_status"`
	Error    string `json:"last_error"`
}

func deliveries(t *testing.T, base, token, id string) []delivery {
	t.Helper()
	resp := send(t, "GET", base+"/api/watches/"+id+"/deliveries?limit=1000", token, "")
	var page struct{ Deliveries []delivery }
	if resp.StatusCode != 200 || json.Unmarshal(resp.body, &page) != nil {
		t.Fatalf("deliveries of %s: %d %s", id, resp.StatusCode, resp.body)
	}
	return page.Deliveries
}

// TestWebhookRetries: a receiver that fails three times then succeeds
// gets the event four times under one idempotency key, every request
// signed, and the delivery ends delivered after 4 attempts; a receiver
// down for the whole retry budget ends failed, in the deliveries list and
// in /metrics.
func TestWebhookRetries(t *testing.T) {
	db, tokens := storeWithTokens(t)
	base, _ := startServe(t, "--db", db, "--webhook-allow", "127.0.0.1", "--webhook-backoff", "40ms", "--webhook-attempts", "5", "--webhook-timeout", "2s")
	ed := tokens["editor"]
	flaky := newReceiver(t, func(_ string, n int) int {
		if n <= 3 {
			return 503
		}
		return 204
	})
	down := newReceiver(t, func(string, int) int { return 500 })
	target := `{"circle":{"center":[38.9,35.0],"radius_m":5000}}`
	flakyID, flakySecret := createWatch(t, base, ed, `{"target":`+target+`,"webhook":{"url":"`+flaky.URL+`/hook"}}`)
	downID, downSecret := createWatch(t, base, ed, `{"target":`+target+`,"webhook":{"url":"`+down.URL+`/hook"}}`)
	flaky.set(flakySecret, 0)
	down.set(downSecret, 0)
	if flakySecret == "" || flakySecret == downSecret {
		t.Fatalf("secrets %q and %q", flakySecret, downSecret)
	}
	post(t, base, ed, incidentAt("hooked", 38.9, 35.0, time.Now().UTC().Format("2006-01-02")))

	waitFor(t, 20*time.Second, "both deliveries to end", func() bool {
		f, d := deliveries(t, base, ed, flakyID), deliveries(t, base, ed, downID)
		return len(f) == 1 && f[0].State == "delivered" && len(d) == 1 && d[0].State == "failed"
	})
	f, d := deliveries(t, base, ed, flakyID)[0], deliveries(t, base, ed, downID)[0]
	if f.Attempts != 4 || f.Status != 204 || f.Error != "" {
		t.Errorf("the flaky receiver's delivery: %+v", f)
	}
	if d.Attempts != 5 || d.Status != 500 || d.Error == "" {
		t.Errorf("the down receiver's delivery: %+v", d)
	}
	if c := flaky.counts(); len(c) != 1 || c[f.Key] != 4 {
		t.Errorf("the flaky receiver got %v, want 4 requests of %s", c, f.Key)
	}
	if c := down.counts(); c[d.Key] != 5 {
		t.Errorf("the down receiver got %v, want 5 requests", c)
	}
	if len(flaky.bads()) > 0 || len(down.bads()) > 0 {
		t.Errorf("requests without a valid signature: %v %v", flaky.bads(), down.bads())
	}
	metrics := string(send(t, "GET", base+"/metrics", "", "").body)
	for _, want := range []string{`frontline_watch_events{state="failed"} 1`, `frontline_watch_events{state="delivered"} 1`,
		`frontline_webhook_attempts_total{outcome="failed"} 1`, `frontline_webhook_attempts_total{outcome="retried"} 7`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestWebhookSurvivesKill: the server is SIGKILLed while its receiver
// holds the first of 20 deliveries; after a restart every event of every
// committed change arrives, and none more than twice (the attempt cut off,
// then its retry) under its idempotency key. Then it is killed again the
// moment its last write of 20 more is acknowledged, before it may have
// matched them: after a restart their events arrive too.
func TestWebhookSurvivesKill(t *testing.T) {
	bin := buildFrontline(t)
	db, tokens := storeWithTokens(t)
	ed := tokens["editor"]
	rcv := newReceiver(t, func(string, int) int { return 204 })
	args := []string{"--db", db, "--webhook-allow", "127.0.0.0/8", "--webhook-timeout", "1s", "--webhook-backoff", "50ms"}
	srv := startServerProcess(t, bin, args...)
	_, secret := createWatch(t, srv.base, ed, `{"target":{"circle":{"center":[38.9,35.0],"radius_m":5000}},"webhook":{"url":"`+rcv.URL+`"}}`)
	rcv.set(secret, 300*time.Millisecond)
	for i := range 20 {
		post(t, srv.base, ed, incidentAt(fmt.Sprintf("kill-%02d", i), 38.9, 35.0, "2026-11-30"))
	}
	select {
	case <-rcv.arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery started")
	}
	srv.kill(t)
	srv = startServerProcess(t, bin, args...)
	waitFor(t, 30*time.Second, "every event to arrive", func() bool { return len(rcv.counts()) == 20 })
	rcv.set(secret, 0)
	for i := range 20 {
		post(t, srv.base, ed, incidentAt(fmt.Sprintf("kill-late-%02d", i), 38.9, 35.0, "2026-11-30"))
	}
	srv.kill(t)
	srv = startServerProcess(t, bin, args...)
	waitFor(t, 30*time.Second, "the late writes' events to arrive", func() bool { return len(rcv.counts()) == 40 })
	time.Sleep(500 * time.Millisecond)
	for key, n := range rcv.counts() {
		if n > 2 {
			t.Errorf("%s arrived %d times", key, n)
		}
	}
	if len(rcv.bads()) > 0 {
		t.Errorf("requests without a valid signature: %v", rcv.bads())
	}
}

// TestWatchTwoInstances: two instances on one PostGIS database, writes
// through both; each change's event is delivered once, not once per
// instance, and the watch's stream on either instance hears the events.
func TestWatchTwoInstances(t *testing.T) {
	bin := buildFrontline(t)
	url := pgtest.NewDatabase(t)
	var out strings.Builder
	getenv := func(string) string { return "" }
	if err := run(t.Context(), []string{"migrate", "--postgres", url}, getenv, &out, &out); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	var token strings.Builder
	if err := run(t.Context(), []string{"token", "create", "--postgres", url, "--name", "ed", "--role", "editor"}, getenv, &token, &out); err != nil {
		t.Fatal(err)
	}
	ed := strings.TrimSpace(token.String())
	rcv := newReceiver(t, func(string, int) int { return 200 })
	args := []string{"--postgres", url, "--webhook-allow", "127.0.0.1"}
	a, b := startServerProcess(t, bin, args...), startServerProcess(t, bin, args...)
	id, secret := createWatch(t, a.base, ed, `{"target":{"circle":{"center":[38.9,35.0],"radius_m":5000}},"webhook":{"url":"`+rcv.URL+`"}}`)
	rcv.set(secret, 0)
	stream := openStream(t, b.base+"/api/watches/"+id+"/stream", ed, "")
	defer stream.resp.Body.Close()
	for i := range 20 {
		via := a.base
		if i%2 == 1 {
			via = b.base
		}
		post(t, via, ed, incidentAt(fmt.Sprintf("pair-%02d", i), 38.9, 35.0, "2026-11-30"))
	}
	for i := range 20 {
		if ev := stream.next(t, 10*time.Second); ev.err != nil {
			t.Fatalf("event %d on B's stream: %v", i, ev.err)
		}
	}
	waitFor(t, 20*time.Second, "20 deliveries", func() bool { return len(rcv.counts()) == 20 })
	time.Sleep(time.Second)
	for key, n := range rcv.counts() {
		if n != 1 {
			t.Errorf("%s delivered %d times", key, n)
		}
	}
	if evs := watchEvents(t, b.base, ed, id); len(evs) != 20 {
		t.Errorf("%d events listed, want 20", len(evs))
	}
}

// TestEventRetention: a server started with --event-retention 1ms deletes,
// at start, the events no delivery waits on; the watch stays, and new
// events keep coming.
func TestEventRetention(t *testing.T) {
	bin := buildFrontline(t)
	db, tokens := storeWithTokens(t)
	ed := tokens["editor"]
	srv := startServerProcess(t, bin, "--db", db)
	id, _ := createWatch(t, srv.base, ed, `{"target":{"circle":{"center":[38.9,35.0],"radius_m":5000}}}`)
	post(t, srv.base, ed, incidentAt("kept-1", 38.9, 35.0, "2026-11-30"))
	waitFor(t, 10*time.Second, "the first event", func() bool { return len(watchEvents(t, srv.base, ed, id)) == 1 })
	srv.kill(t)
	srv = startServerProcess(t, bin, "--db", db, "--event-retention", "1ms")
	waitFor(t, 10*time.Second, "the old event to be pruned", func() bool { return len(watchEvents(t, srv.base, ed, id)) == 0 })
	post(t, srv.base, ed, incidentAt("kept-2", 38.9, 35.0, "2026-11-30"))
	waitFor(t, 10*time.Second, "a new event", func() bool { return len(watchEvents(t, srv.base, ed, id)) == 1 })
}
