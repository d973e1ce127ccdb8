package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontline-maps/frontline/data"
	"github.com/frontline-maps/frontline/geo/synth"
	"github.com/frontline-maps/frontline/internal/pgtest"
	"github.com/frontline-maps/frontline/store"
	"github.com/paulmach/orb"
)

func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	if built != "" {
		os.RemoveAll(filepath.Dir(built))
	}
	os.Exit(code)
}

// readyState is what /readyz says of an instance.
type readyState struct {
	DatasetVersion string `json:"dataset_version"`
	Incidents      int    `json:"incidents"`
	Store          struct {
		Connected bool  `json:"connected"`
		Lag       int64 `json:"lag"`
	} `json:"store"`
}

func ready(t *testing.T, base string) readyState {
	t.Helper()
	var st readyState
	resp := send(t, "GET", base+"/readyz", "", "")
	if err := json.Unmarshal(resp.body, &st); err != nil {
		t.Fatalf("/readyz: %v: %s", err, resp.body)
	}
	return st
}

// versionNumber is the number after the store id in a dataset version.
func versionNumber(v string) int {
	n, _ := strconv.Atoi(v[strings.LastIndexByte(v, '.')+1:])
	return n
}

// waitFor polls until cond holds, failing the test after d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", d, what)
		}
	}
}

// TestInstancesStayInSync runs two real frontline serve --postgres
// processes on one database, as behind a load balancer, and checks that
// every write through one is visible on the other, that If-Match holds
// across them, and that neither a killed instance nor a restarted
// PostgreSQL loses an acknowledged write.
func TestInstancesStayInSync(t *testing.T) {
	if testing.Short() {
		t.Skip("runs PostgreSQL and two servers")
	}
	bin := buildFrontline(t)
	url := pgtest.NewDatabase(t)
	runOK := func(args ...string) string {
		t.Helper()
		var out strings.Builder
		if err := run(t.Context(), args, func(string) string { return "" }, &out, &out); err != nil {
			t.Fatalf("frontline %s: %v\n%s", args[0], err, out.String())
		}
		return out.String()
	}
	runOK("migrate", "--postgres", url)
	if out := runOK("migrate", "--postgres", url); !strings.Contains(out, "nothing to do") {
		t.Errorf("a second migrate: %s", out)
	}
	var token strings.Builder
	if err := run(t.Context(), []string{"token", "create", "--postgres", url, "--name", "ed", "--role", "editor"},
		func(string) string { return "" }, &token, &strings.Builder{}); err != nil {
		t.Fatal(err)
	}
	ed := strings.TrimSpace(token.String())
	// One public URL, as behind a load balancer: links, and so ETags,
	// are the same on both.
	serve := []string{"--postgres", url, "--base-url", "https://maps.example.org"}
	a := startServerProcess(t, bin, serve...)
	b := startServerProcess(t, bin, serve...)
	items := "/api/collections/incidents/items"
	geojson := []string{"Content-Type", "application/geo+json"}

	// 1,000 creates through A, each visible on B: B's index reaches the
	// version A answered with.
	var lat []time.Duration
	for i := range 1000 {
		resp := send(t, "POST", a.base+items, ed, testIncident(fmt.Sprintf("sync-%04d", i), "one"), geojson...)
		if resp.StatusCode != 201 {
			t.Fatalf("create %d: %d %s", i, resp.StatusCode, resp.body)
		}
		at := time.Now()
		want := versionNumber(resp.Header.Get("X-Dataset-Version"))
		waitFor(t, 5*time.Second, fmt.Sprintf("create %d on B", i), func() bool {
			return versionNumber(ready(t, b.base).DatasetVersion) >= want
		})
		lat = append(lat, time.Since(at))
	}
	slices.Sort(lat)
	t.Logf("propagation A→B over 1,000 writes: p50 %v, p99 %v, max %v", lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1])
	ra, rb := send(t, "GET", a.base+items+"?limit=5", "", ""), send(t, "GET", b.base+items+"?limit=5", "", "")
	if ra.Header.Get("ETag") == "" || ra.Header.Get("ETag") != rb.Header.Get("ETag") ||
		ra.Header.Get("X-Dataset-Version") != rb.Header.Get("X-Dataset-Version") {
		t.Errorf("the same state has ETag %s / version %s on A and %s / %s on B", ra.Header.Get("ETag"),
			ra.Header.Get("X-Dataset-Version"), rb.Header.Get("ETag"), rb.Header.Get("X-Dataset-Version"))
	}

	// A change stream on B hears a write through A, with A's dataset
	// version as its id. (The stream's position is taken before its
	// headers are sent, so the write comes after it.)
	stream := openStream(t, b.base+"/api/changes/stream", ed, "")
	heard := send(t, "POST", a.base+items, ed, testIncident("sync-stream", "heard on B"), geojson...)
	if heard.StatusCode != 201 {
		t.Fatalf("create sync-stream: %d %s", heard.StatusCode, heard.body)
	}
	if ev := stream.next(t, 5*time.Second); ev.err != nil || ev.id != strconv.Itoa(versionNumber(heard.Header.Get("X-Dataset-Version"))) || changeOf(t, ev)["id"] != "sync-stream" {
		t.Errorf("B's stream after a write through A (version %s): %+v", heard.Header.Get("X-Dataset-Version"), ev)
	}
	stream.close()

	// Editors on A and B with the same If-Match: exactly one wins.
	item := items + "/sync-0000"
	for round := 1; round <= 20; round++ {
		etag := send(t, "GET", a.base+item, "", "").Header.Get("ETag")
		statuses := make([]int, 2)
		var wg sync.WaitGroup
		for i, base := range []string{a.base, b.base} {
			wg.Go(func() {
				statuses[i] = send(t, "PUT", base+item, ed, testIncident("", fmt.Sprintf("round %d on %d", round, i)),
					append(geojson, "If-Match", etag)...).StatusCode
			})
		}
		wg.Wait()
		slices.Sort(statuses)
		if statuses[0] != 200 || statuses[1] != 412 {
			t.Fatalf("round %d: statuses %v, want one 200 and one 412", round, statuses)
		}
	}

	// SIGKILL B, write through A, start B again: it has every write.
	b.kill(t)
	for i := range 100 {
		if resp := send(t, "POST", a.base+items, ed, testIncident(fmt.Sprintf("while-b-down-%03d", i), "x"), geojson...); resp.StatusCode != 201 {
			t.Fatalf("create while B is down: %d %s", resp.StatusCode, resp.body)
		}
	}
	b = startServerProcess(t, bin, serve...)
	if na, nb := ready(t, a.base).Incidents, ready(t, b.base).Incidents; na != nb {
		t.Errorf("after B's restart, A has %d incidents and B %d", na, nb)
	}
	for i := range 100 {
		if resp := send(t, "GET", b.base+items+fmt.Sprintf("/while-b-down-%03d", i), "", ""); resp.StatusCode != 200 {
			t.Fatalf("B lacks while-b-down-%03d: %d", i, resp.StatusCode)
		}
	}

	// Restart PostgreSQL while both run and A takes writes: every
	// acknowledged write reaches both.
	acked := []string{}
	statuses := map[int]int{}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			id := fmt.Sprintf("pg-restart-%04d", i)
			req, _ := http.NewRequest("POST", a.base+items, strings.NewReader(testIncident(id, "r")))
			req.Header.Set("Authorization", "Bearer "+ed)
			req.Header.Set("Content-Type", "application/geo+json")
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
				statuses[resp.StatusCode]++
				if resp.StatusCode == 201 {
					acked = append(acked, id)
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	time.Sleep(200 * time.Millisecond)
	if err := pgtest.Shared().Restart(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	close(stop)
	<-done
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged around the restart")
	}
	for _, s := range []*crashServer{a, b} {
		waitFor(t, 15*time.Second, "both instances caught up after the restart", func() bool {
			st := ready(t, s.base)
			return st.Store.Connected && st.Store.Lag == 0
		})
		for _, id := range acked {
			if resp := send(t, "GET", s.base+items+"/"+id, "", ""); resp.StatusCode != 200 {
				t.Fatalf("%s lost the acknowledged write %s: %d", s.base, id, resp.StatusCode)
			}
		}
	}
	if sa, sb := ready(t, a.base), ready(t, b.base); sa.Incidents != sb.Incidents || sa.DatasetVersion != sb.DatasetVersion {
		t.Errorf("after the restart A holds %d incidents at %s, B %d at %s", sa.Incidents, sa.DatasetVersion, sb.Incidents, sb.DatasetVersion)
	}
	t.Logf("%d writes acknowledged around the PostgreSQL restart, all on both instances; statuses %v", len(acked), statuses)
	if statuses[500] > 0 {
		t.Errorf("writes while PostgreSQL restarted were answered 500 (%v); a database that does not answer is a 503; A's log:\n%s", statuses, a.log)
	}

	// A 10,000-incident import through A: B shows all of it or none.
	var body strings.Builder
	body.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range 10000 {
		if i > 0 {
			body.WriteString(",\n")
		}
		body.WriteString(testIncident(fmt.Sprintf("bulk-%05d", i), "bulk"))
	}
	body.WriteString("]}")
	before := ready(t, b.base).Incidents
	imported := make(chan apiResponse, 1)
	go func() {
		req, _ := http.NewRequest("POST", a.base+"/api/import?format=geojson", strings.NewReader(body.String()))
		req.Header.Set("Authorization", "Bearer "+ed)
		req.Header.Set("Content-Type", "application/geo+json")
		// A connection of its own: a kept-alive one from before the
		// PostgreSQL restart could be closed by the server just as this
		// request goes out on it, which no client retries for a POST.
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := client.Do(req)
		if err != nil {
			t.Errorf("import: %v; A's log:\n%s", err, a.log)
			imported <- apiResponse{Response: &http.Response{StatusCode: 0}}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		imported <- apiResponse{resp, b}
	}()
	for {
		n := ready(t, b.base).Incidents
		if n != before && n != before+10000 {
			t.Fatalf("B showed %d incidents during a 10,000-row import from %d", n, before)
		}
		if n == before+10000 {
			break
		}
		select {
		case resp := <-imported:
			if resp.StatusCode == 0 {
				t.FailNow()
			}
			if resp.StatusCode != 200 {
				t.Fatalf("import: %d %.500s", resp.StatusCode, resp.body)
			}
			imported <- resp
		default:
		}
		time.Sleep(2 * time.Millisecond)
	}
	// B can show the import before A has answered it: wait for A's answer
	// before the servers stop.
	if resp := <-imported; resp.StatusCode != 200 {
		t.Fatalf("import: %d %.500s", resp.StatusCode, resp.body)
	}
}

// TestCopyCommand moves a GeoPackage store with history and tokens to
// PostgreSQL and back with frontline copy; the tokens still work on the
// copy, served by frontline serve --postgres.
func TestCopyCommand(t *testing.T) {
	db, tokens := storeWithTokens(t)
	url := pgtest.NewDatabase(t)
	noEnv := func(string) string { return "" }
	var out strings.Builder
	if err := run(t.Context(), []string{"copy", "--from", "gpkg:" + db, "--to", "postgres:" + url}, noEnv, &out, &out); err != nil {
		t.Fatalf("copy to postgres: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "copied ") || !strings.Contains(out.String(), "4 tokens") {
		t.Errorf("copy reported %q", out.String())
	}
	if err := run(t.Context(), []string{"copy", "--from", "gpkg:" + db, "--to", "postgres:" + url}, noEnv, &out, &out); err == nil {
		t.Error("a copy into a database that is not empty succeeded")
	}
	back := filepath.Join(t.TempDir(), "back.gpkg")
	out.Reset()
	if err := run(t.Context(), []string{"copy", "--from", url, "--to", "gpkg:" + back}, noEnv, &out, &out); err != nil {
		t.Fatalf("copy back: %v\n%s", err, out.String())
	}
	if err := run(t.Context(), []string{"copy", "--from", url, "--to", "gpkg:" + back}, noEnv, &out, &out); err == nil {
		t.Error("a copy onto an existing GeoPackage succeeded")
	}
	if err := run(t.Context(), []string{"copy", "--from", "mysql:x", "--to", "gpkg:" + back}, noEnv, &out, &out); exitCode(err) != 2 {
		t.Errorf("copy --from mysql:x: %v, want a usage error", err)
	}
	base, _ := startServe(t, "--postgres", url, "--write-limit", "0")
	if r := send(t, "POST", base+"/api/collections/incidents/items", tokens["editor"], testIncident("after-copy", "x"), "Content-Type", "application/geo+json"); r.StatusCode != 201 {
		t.Errorf("the editor token on the copy: %d %s", r.StatusCode, r.body)
	}
	if r := send(t, "POST", base+"/api/collections/incidents/items", tokens["revoked"], testIncident("revoked", "x"), "Content-Type", "application/geo+json"); r.StatusCode != 401 {
		t.Errorf("the revoked token on the copy: %d", r.StatusCode)
	}
}

// TestPostgresPasswordNeverShown: a connection string's password appears
// in no error and no log line of serve, token or migrate.
func TestPostgresPasswordNeverShown(t *testing.T) {
	pgtest.NewDatabase(t) // the cluster, for a port that answers
	port := pgtest.Shared().Port()
	noEnv := func(string) string { return "" }
	for _, conn := range []string{
		fmt.Sprintf("postgres://postgres:hunter2secret@127.0.0.1:%d/no_such_db?sslmode=disable", port),
		fmt.Sprintf("host=127.0.0.1 port=%d user=postgres password=hunter2secret dbname=no_such_db", port),
		"postgres://postgres:hunter2secret@127.0.0.1:1/x?connect_timeout=2",
		"postgres://postgres:hunter2secret@[bad",
	} {
		for _, args := range [][]string{
			{"serve", "--addr", "127.0.0.1:0", "--postgres", conn},
			{"token", "list", "--postgres", conn},
			{"migrate", "--postgres", conn},
		} {
			var out strings.Builder
			err := run(t.Context(), args, noEnv, &out, &out)
			if err == nil {
				t.Errorf("%s with %q succeeded", args[0], conn)
				continue
			}
			if strings.Contains(err.Error()+out.String(), "hunter2secret") {
				t.Errorf("%s shows the password: %v\n%s", args[0], err, out.String())
			}
		}
	}
}

// TestPostGISInstanceOracle: an instance serving a PostGIS store answers
// box counts as brute force over the records written does.
func TestPostGISInstanceOracle(t *testing.T) {
	url := pgtest.NewDatabase(t)
	noEnv := func(string) string { return "" }
	file := filepath.Join(t.TempDir(), "synthetic.geojson")
	var out strings.Builder
	for _, args := range [][]string{
		{"migrate", "--postgres", url},
		{"gen", "--n", "3000", "--seed", "7", "--out", file},
		{"import", "--format", "geojson", "--postgres", url, file},
	} {
		if err := run(t.Context(), args, noEnv, &out, &out); err != nil {
			t.Fatalf("frontline %s: %v\n%s", args[0], err, out.String())
		}
	}
	// Brute force over every incident written: the synthetic ones and the
	// curated ones the import seeded the store with.
	curated, err := store.ReadDir(data.FS())
	if err != nil {
		t.Fatal(err)
	}
	var points []orb.Point
	for _, in := range curated.Incidents {
		points = append(points, in.Location)
	}
	for in := range synth.All(3000, 7) {
		points = append(points, in.Location)
	}
	base, _ := startServe(t, "--postgres", url)
	rng := rand.New(rand.NewPCG(7, 7))
	for range 60 {
		lon, lat := 35.5+rng.Float64()*7, 32+rng.Float64()*5.5
		b := orb.Bound{Min: orb.Point{lon, lat}, Max: orb.Point{lon + rng.Float64()*2, lat + rng.Float64()*2}}
		want := 0
		for _, p := range points {
			if b.Contains(p) {
				want++
			}
		}
		var page struct{ NumberMatched int }
		q := fmt.Sprintf("%s/api/collections/incidents/items?limit=1&bbox=%g,%g,%g,%g", base, b.Min[0], b.Min[1], b.Max[0], b.Max[1])
		resp := send(t, "GET", q, "", "")
		if err := json.Unmarshal(resp.body, &page); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %d %v %.300s", q, resp.StatusCode, err, resp.body)
		}
		if page.NumberMatched != want {
			t.Fatalf("bbox %v: numberMatched %d, brute force %d", b, page.NumberMatched, want)
		}
	}
}
