package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/frontline-maps/frontline/geo/synth"
)

func TestCheckLoopback(t *testing.T) {
	tests := []struct {
		url     string
		wantErr string
	}{
		{"http://127.0.0.1:8080/api", ""},
		{"http://127.8.9.10/", ""},
		{"https://localhost:8443/x", ""},
		{"http://LOCALHOST/", ""},
		{"http://[::1]:8080/api", ""},
		{"", "required"},
		{"http://10.0.0.1/", "only loopback"},
		{"http://192.168.1.5:8080/", "only loopback"},
		{"http://example.org/", "only loopback"},
		{"http://localhost.example.org/", "only loopback"},
		{"http://127.0.0.1.nip.io/", "only loopback"},
		{"http://[::ffff:8.8.8.8]/", "only loopback"},
		{"http://0.0.0.0:8080/", "only loopback"},
		{"ftp://127.0.0.1/", "scheme"},
		{"127.0.0.1:8080", "-url"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			err := checkLoopback(tt.url)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseConfigBounds(t *testing.T) {
	for _, args := range [][]string{
		{"-url", "http://127.0.0.1/"},
		{"-url", "http://127.0.0.1/", "-n", "-1"},
		{"-url", "http://127.0.0.1/", "-n", "10000001"},
		{"-url", "http://127.0.0.1/", "-d", "11m"},
		{"-url", "http://127.0.0.1/", "-n", "1", "-c", "0"},
		{"-url", "http://127.0.0.1/", "-n", "1", "-bench", "a b"},
		{"-url", "http://127.0.0.1/", "-n", "1", "-body", "/nonexistent/file"},
		{"-url", "http://127.0.0.1/", "-n", "1", "extra"},
	} {
		if _, err := parseConfig(args, io.Discard); err == nil {
			t.Errorf("parseConfig(%q) succeeded, want an error", args)
		}
	}
}

// TestRun loads a local server and checks the counts, the body sent and
// the benchmark line.
func TestRun(t *testing.T) {
	var served, failed atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || string(body) != `{"zone":"tanf"}` || r.Header.Get("Content-Type") != "application/json" {
			failed.Add(1)
		}
		if served.Add(1)%10 == 0 {
			http.Error(w, "every tenth fails", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "0123456789")
	}))
	defer srv.Close()
	bodyFile := filepath.Join(t.TempDir(), "body.json")
	if err := os.WriteFile(bodyFile, []byte(`{"zone":"tanf"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := run(context.Background(), []string{"-url", srv.URL, "-method", "POST", "-body", bodyFile, "-n", "100", "-c", "3", "-bench", "Test/Q"}, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if served.Load() != 100 || failed.Load() != 0 {
		t.Errorf("served %d requests (%d wrong), want 100 right ones", served.Load(), failed.Load())
	}
	s := out.String()
	for _, want := range []string{"100 requests on 3 connections", "10 errors", "BenchmarkTest/Q\t100\t", "req/s", "p99-ms", "10 errors\t"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
}

// TestRunDuration checks that -d ends a run.
func TestRunDuration(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-url", srv.URL, "-d", "200ms", "-c", "2"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), " 0 errors") {
		t.Errorf("output: %s", out.String())
	}
}

// TestSuite runs the core suite against a local server that checks each
// request is one of the suite's.
func TestSuite(t *testing.T) {
	var bad atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch {
		case r.URL.Path == "/api/search" && r.Method == http.MethodPost && strings.Contains(string(body), `"type":"Polygon"`):
		case r.URL.Path == "/api/collections/incidents/items" && r.Method == http.MethodGet:
		default:
			bad.Add(1)
		}
	}))
	defer srv.Close()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-suite", "core", "-url", srv.URL + "/", "-n", "3", "-c", "1", "-bench", "Load"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if bad.Load() != 0 {
		t.Errorf("%d requests were not the suite's", bad.Load())
	}
	for _, name := range []string{"Q1Count", "Q1GeoJSON", "Q2Count", "Q2GeoJSON", "Q3Count", "Q3GeoJSON", "Q5Count", "Q5GeoJSON"} {
		if !strings.Contains(out.String(), "BenchmarkLoad/"+name+"\t3\t") {
			t.Errorf("no benchmark line for %s:\n%s", name, out.String())
		}
	}
}

// TestTileSuite runs one pass of the tiles suite on two connections against
// a local server and checks it asked for every tile of the tour once per
// filter, and nothing else.
func TestTileSuite(t *testing.T) {
	var mu sync.Mutex
	got := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got[r.URL.RequestURI()]++
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	var out bytes.Buffer
	n := strconv.Itoa(synth.TileTourLength)
	if err := run(context.Background(), []string{"-suite", "tiles", "-url", srv.URL, "-n", n, "-c", "2", "-bench", "Tiles"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	for _, q := range []string{"", "?datetime=2025-01-01/2025-12-31"} {
		for _, tile := range synth.TileTour() {
			want[fmt.Sprintf("/api/collections/incidents/tiles/WebMercatorQuad/%d/%d/%d%s", tile.Z, tile.Y, tile.X, q)]++
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("asked for %d distinct paths, want %d (the tour's, once each per filter)", len(got), len(want))
	}
	for _, name := range []string{"all", "year"} {
		if !strings.Contains(out.String(), "BenchmarkTiles/"+name+"\t"+n+"\t") {
			t.Errorf("no benchmark line for %s:\n%s", name, out.String())
		}
	}
}

// TestAttackSuite runs the as_of and import parts of the attack suite for
// a moment against a stub server and checks the report names every part
// and the normal reads.
func TestAttackSuite(t *testing.T) {
	var imports atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/import" {
			imports.Add(1)
			w.WriteHeader(http.StatusUnprocessableEntity)
		}
	}))
	defer srv.Close()
	c, err := parseConfig([]string{"-suite", "attack", "-attacks", "asof,import", "-url", srv.URL, "-d", "1s", "-bench", "A"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := runAttack(context.Background(), c, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"BenchmarkA/NormalReads", "BenchmarkA/AsOfAnonymous", "BenchmarkA/AsOfViewer", "BenchmarkA/QuadraticImport", "attack 7 MB quadratic import"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
	if imports.Load() == 0 {
		t.Error("no import was sent")
	}
	if len(quadraticImport()) < 7_000_000 {
		t.Errorf("the quadratic import is %d bytes, want 7 MB or more", len(quadraticImport()))
	}
}
