package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"
)

// startServe runs "frontline serve" on port 0 with extra args and returns
// its base URL; the server stops when the test ends and must exit cleanly.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
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
	for base == "" && lines.Scan() {
		if m := addrRE.FindStringSubmatch(lines.Text()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("server did not report its address: %v", <-done)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
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
	return base
}

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

func TestServeDemoData(t *testing.T) {
	base := startServe(t)
	if h := getJSON(t, base+"/healthz", 200, "application/json"); h["status"] != "ok" {
		t.Errorf("healthz status = %v, want ok", h["status"])
	}
	fc := getJSON(t, base+"/api/collections/zones/items", 200, "application/geo+json")
	if fc["type"] != "FeatureCollection" {
		t.Errorf("zones type = %v, want FeatureCollection", fc["type"])
	}
	p := getJSON(t, base+"/api/no-such-route", 404, "application/problem+json")
	if p["status"] != float64(404) {
		t.Errorf("problem status = %v, want 404", p["status"])
	}
}

func TestServeRejectsBadConfig(t *testing.T) {
	getenv := func(k string) string {
		if k == "FRONTLINE_ADDR" {
			return "no-port"
		}
		return ""
	}
	err := run(context.Background(), []string{"serve"}, getenv, io.Discard, io.Discard)
	if err == nil || exitCode(err) != 2 {
		t.Fatalf("serve with FRONTLINE_ADDR=no-port: err %v (exit %d), want a usage error", err, exitCode(err))
	}
}
