package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers:
// the server's log, read by tests after a failure.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startServe runs "frontline serve" on port 0 with extra args, waits until
// /readyz answers 200, and returns its base URL and its log; the server
// stops when the test ends and must exit cleanly. Without --db or --data it
// serves a new store, seeded, in a temporary directory.
func startServe(t *testing.T, args ...string) (string, *syncBuffer) {
	t.Helper()
	if !slices.Contains(args, "--db") && !slices.Contains(args, "--data") && !slices.Contains(args, "--postgres") {
		args = append(args, "--db", filepath.Join(t.TempDir(), "frontline.gpkg"))
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	getenv := func(string) string { return "" }
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), getenv, io.Discard, pw)
		pw.Close()
	}()
	addrRE := regexp.MustCompile(`addr=(http://[0-9.:]+)`)
	lines := bufio.NewScanner(pr)
	var base string
	logs := &syncBuffer{}
	for base == "" && lines.Scan() {
		logs.Write(append(lines.Bytes(), '\n'))
		if m := addrRE.FindStringSubmatch(lines.Text()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("server did not report its address: %v", <-done)
	}
	go func() { _, _ = io.Copy(logs, pr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v after shutdown, want nil", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("serve did not shut down within 15 s")
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base, logs
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready after 30 s (last: %v)\n%s", err, logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// getJSON GETs url, checks its status and Content-Type, and decodes its
// JSON object.
func getJSON(t *testing.T, url string, wantStatus int, wantType string) map[string]any {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != wantStatus {
		t.Fatalf("GET %s: status %d, want %d", url, resp.StatusCode, wantStatus)
	}
	if got := resp.Header.Get("Content-Type"); got != wantType {
		t.Fatalf("GET %s: Content-Type %q, want %q", url, got, wantType)
	}
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return v
}

// firstID returns the id of the first feature of a collection.
func firstID(t *testing.T, base, collection string) string {
	t.Helper()
	fc := getJSON(t, base+"/api/collections/"+collection+"/items?limit=1", 200, "application/geo+json")
	features := fc["features"].([]any)
	if len(features) == 0 {
		t.Fatalf("collection %s is empty", collection)
	}
	return features[0].(map[string]any)["id"].(string)
}

// TestServeEveryRoute runs the real server on the demo data and calls every
// route of the API, as the OpenAPI document lists them, with a good request
// (200) and a bad one (400), plus the operational routes and the web map. A
// route added to the table without a case here fails the test.
func TestServeEveryRoute(t *testing.T) {
	db, tokens := storeWithTokens(t)
	base, logs := startServe(t, "--db", db)
	zone := firstID(t, base, "zones")
	type call struct {
		method, target, body string
		status               int
		contentType          string
	}
	var calls []call
	for _, c := range []string{"zones", "incidents", "sites", "governorates"} {
		calls = append(calls,
			call{"GET", "/api/collections/" + c, "", 200, "application/json"},
			call{"GET", "/api/collections/" + c + "/items", "", 200, "application/geo+json"},
			call{"GET", "/api/collections/" + c + "/items?limit=10001", "", 400, "application/problem+json"},
			call{"GET", "/api/collections/" + c + "/items/" + firstID(t, base, c), "", 200, "application/geo+json"},
			call{"GET", "/api/collections/" + c + "/items/no-such-feature", "", 404, "application/problem+json"},
			call{"GET", "/api/collections/" + c + "/queryables", "", 200, "application/json"},
		)
	}
	calls = append(calls,
		call{"GET", "/api", "", 200, "application/json"},
		call{"GET", "/api/conformance", "", 200, "application/json"},
		call{"GET", "/api/openapi.json", "", 200, "application/vnd.oai.openapi+json;version=3.0"},
		call{"GET", "/api/collections", "", 200, "application/json"},
		call{"GET", "/api/collections/tanks", "", 404, "application/problem+json"},
		call{"GET", "/api/control?point=38.63,33.5&date=2026-01-20", "", 200, "application/json"},
		call{"GET", "/api/control?point=38.63,93.5&date=2026-01-20", "", 400, "application/problem+json"},
		call{"GET", "/api/control/history?point=38.63,33.5", "", 200, "application/json"},
		call{"GET", "/api/control/history", "", 400, "application/problem+json"},
		call{"GET", "/api/control/diff?from=2024-12-01&to=2026-01-20", "", 200, "application/json"},
		call{"GET", "/api/control/diff?from=2026-01-20&to=2024-12-01", "", 400, "application/problem+json"},
		call{"POST", "/api/search", `{"zone":"` + zone + `"}`, 200, "application/geo+json"},
		call{"POST", "/api/search", `{"zone":`, 400, "application/problem+json"},
		call{"GET", "/api/stats?group=actor", "", 200, "application/json"},
		call{"POST", "/api/stats", `{"zone":"` + zone + `","group":"type"}`, 200, "application/json"},
		call{"POST", "/api/stats", `{"zone":"` + zone + `"}`, 400, "application/problem+json"},
		call{"GET", "/api/stats?group=colour", "", 400, "application/problem+json"},
		call{"GET", "/api/grid?cell=0.5&bbox=35,32,43,38", "", 200, "application/geo+json"},
		call{"GET", "/api/grid?cell=0", "", 400, "application/problem+json"},
		call{"GET", "/api/clusters?bbox=35,32,43,38&zoom=6", "", 200, "application/geo+json"},
		call{"GET", "/api/clusters?bbox=35,32,43,38", "", 400, "application/problem+json"},
		call{"GET", "/api/nearest?point=38.63,33.50&k=5", "", 200, "application/geo+json"},
		call{"GET", "/api/nearest?point=38.63,33.50&collection=sites&kind=base", "", 200, "application/geo+json"},
		call{"GET", "/api/nearest?point=38.63,95", "", 400, "application/problem+json"},
		call{"GET", "/api/actors", "", 200, "application/json"},
		call{"GET", "/api/statistics", "", 200, "application/json"},
		call{"GET", "/api/statistics?x=1", "", 400, "application/problem+json"},
		call{"GET", "/api/tileMatrixSets", "", 200, "application/json"},
		call{"GET", "/api/tileMatrixSets/WebMercatorQuad", "", 200, "application/json"},
		call{"GET", "/api/collections/incidents/tiles", "", 200, "application/json"},
		call{"GET", "/api/collections/zones/tiles/WebMercatorQuad", "", 200, "application/json"},
		call{"GET", "/api/collections/incidents/tiles/WebMercatorQuad/6/25/38", "", 200, "application/vnd.mapbox-vector-tile"},
		call{"GET", "/api/collections/incidents/tiles/WebMercatorQuad/21/0/0", "", 404, "application/problem+json"},
		call{"DELETE", "/api/collections", "", 405, "application/problem+json"},
		call{"GET", "/healthz", "", 200, "application/json"},
		call{"GET", "/readyz", "", 200, "application/json"},
		call{"GET", "/", "", 200, "text/html; charset=utf-8"},
	)

	hit := map[string]bool{}
	for _, c := range calls {
		req, err := http.NewRequest(c.method, base+c.target, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		if c.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || resp.Header.Get("Content-Type") != c.contentType {
			t.Errorf("%s %s: %d %s, want %d %s\n%.300s", c.method, c.target, resp.StatusCode, resp.Header.Get("Content-Type"), c.status, c.contentType, body)
		}
		if resp.Header.Get("X-Dataset-Version") == "" || resp.Header.Get("X-Request-Id") == "" {
			t.Errorf("%s %s: no X-Dataset-Version or X-Request-Id", c.method, c.target)
		}
		if c.status == 200 {
			hit[c.method+" "+strings.SplitN(c.target, "?", 2)[0]] = true
		}
	}

	for k := range everyEditRoute(t, base, tokens) {
		hit[k] = true
	}

	doc := getJSON(t, base+"/api/openapi.json", 200, "application/vnd.oai.openapi+json;version=3.0")
	for path, item := range doc["paths"].(map[string]any) {
		pattern := regexp.MustCompile("^/api" + strings.TrimSuffix(regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "[^/]+"), "/") + "/?$")
		for method := range item.(map[string]any) {
			method = strings.ToUpper(method)
			if !slices.ContainsFunc(keys(hit), func(k string) bool {
				m, p, _ := strings.Cut(k, " ")
				return m == method && pattern.MatchString(p)
			}) {
				t.Errorf("%s %s has no successful call in this test", method, path)
			}
		}
	}

	metrics, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(metrics.Body)
	metrics.Body.Close()
	if !strings.Contains(string(text), `frontline_http_requests_total{method="GET",route="/api/collections/{collectionId}/items",status="200"}`) {
		t.Errorf("/metrics does not count the items requests:\n%.2000s", text)
	}
	if t.Failed() {
		t.Logf("server log:\n%s", logs)
	}
}

// keys returns m's keys.
func keys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// TestServeRejectsBadConfig checks that bad settings are usage errors
// (exit status 2) before anything listens.
func TestServeRejectsBadConfig(t *testing.T) {
	for _, tt := range []struct{ name, key, value string }{
		{"address without port", "FRONTLINE_ADDR", "no-port"},
		{"relative base URL", "FRONTLINE_BASE_URL", "/frontline"},
		{"base URL with a query", "FRONTLINE_BASE_URL", "https://maps.example.org/?a=b"},
		{"trusted proxy not an address", "FRONTLINE_TRUSTED_PROXIES", "10.0.0.0/8, proxy.example"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == tt.key {
					return tt.value
				}
				return ""
			}
			err := run(context.Background(), []string{"serve"}, getenv, io.Discard, io.Discard)
			if err == nil || exitCode(err) != 2 {
				t.Fatalf("serve with %s=%s: err %v (exit %d), want a usage error", tt.key, tt.value, err, exitCode(err))
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	cfg, err := parseServeConfig([]string{"--trusted-proxies", "127.0.0.1, 10.1.2.3/8,::1, ::ffff:192.0.2.1"}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("192.0.2.1/32")}
	if !slices.Equal(cfg.TrustedProxies, want) {
		t.Errorf("trusted proxies %v, want %v", cfg.TrustedProxies, want)
	}
}

// TestServeFlags checks that --base-url drives the links and
// --cors-origins restricts browsers' reads.
func TestServeFlags(t *testing.T) {
	base, _ := startServe(t, "--base-url", "https://maps.example.org/frontline", "--cors-origins", "https://a.example, https://b.example")
	landing := getJSON(t, base+"/api", 200, "application/json")
	self := landing["links"].([]any)[0].(map[string]any)["href"]
	if self != "https://maps.example.org/frontline/api" {
		t.Errorf("self link %v, want https://maps.example.org/frontline/api", self)
	}
	for origin, want := range map[string]string{"https://b.example": "https://b.example", "https://c.example": ""} {
		req, _ := http.NewRequest(http.MethodGet, base+"/api", nil)
		req.Header.Set("Origin", origin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != want {
			t.Errorf("Origin %s: Access-Control-Allow-Origin %q, want %q", origin, got, want)
		}
	}
}
