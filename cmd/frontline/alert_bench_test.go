package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// alertLatencies collects commit-to-delivery latencies.
type alertLatencies struct {
	mu sync.Mutex
	d  []time.Duration
}

// add records the latency of an event document received now.
func (l *alertLatencies) add(doc []byte) {
	var ev struct{ Committed time.Time }
	if json.Unmarshal(doc, &ev) != nil || ev.Committed.IsZero() {
		return
	}
	d := time.Since(ev.Committed)
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// quantile returns the q-quantile in milliseconds, 0 with no sample.
func (l *alertLatencies) quantile(q float64) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(l.d))
	return float64(s[min(len(s)-1, int(q*float64(len(s))))]) / 1e6
}

func (l *alertLatencies) n() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.d)
}

// readSSE reads the data lines of an event stream until it ends, handing
// each to fn.
func readSSE(body io.ReadCloser, fn func(data []byte)) {
	defer body.Close()
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			fn([]byte(d))
		}
	}
}

// getStream opens an event stream with a bearer token.
func getStream(url, token string) (*http.Response, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err == nil && resp.StatusCode != 200 {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %d", url, resp.StatusCode)
	}
	return resp, err
}

// rssMB is a process's resident set, in MiB, from /proc.
func rssMB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

// BenchmarkAlerts measures commit-to-delivery latency: 1,000 circle
// watches of 25 km over Syria, half with a loopback webhook and half read
// by their own SSE streams (500 open), and 100 incident writes a second
// (four writers of 25 a second) for 20 s at random points. It runs on one
// server with a GeoPackage store (store=gpkg) and on two instances of one
// PostGIS database (store=postgis-2), where writes, streams and webhooks
// are spread over both. The target is an alert p99 of 1 s, by
// webhook and by stream.
func BenchmarkAlerts(b *testing.B) {
	flags := []string{"--webhook-allow", "127.0.0.1", "--max-client-conns", "0", "--write-limit", "0"}
	b.Run("store=gpkg", func(b *testing.B) {
		db, tokens := storeWithTokens(b)
		srv := startServerProcess(b, buildFrontline(b), append([]string{"--db", db}, flags...)...)
		benchAlerts(b, []*crashServer{srv}, tokens["editor"])
	})
	b.Run("store=postgis-2", func(b *testing.B) {
		servers, token := pgInstances(b, 2, flags...)
		benchAlerts(b, servers, token)
	})
}

func benchAlerts(b *testing.B, servers []*crashServer, ed string) {
	var hooks, streams alertLatencies
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		hooks.add(body)
		w.WriteHeader(204)
	}))
	defer rcv.Close()
	r := rand.New(rand.NewPCG(2026, 15))
	point := func(r *rand.Rand) (float64, float64) { return 36 + 6*r.Float64(), 32.5 + 4.5*r.Float64() }
	var ids []string
	for i := range 1000 {
		lon, lat := point(r)
		spec := fmt.Sprintf(`{"target":{"circle":{"center":[%.4f,%.4f],"radius_m":25000}}`, lon, lat)
		if i%2 == 0 {
			spec += `,"webhook":{"url":"` + rcv.URL + `"}`
		}
		resp := sendB(b, "POST", servers[i%len(servers)].base+"/api/watches", ed, spec+"}", "application/json")
		var doc struct{ ID string }
		if err := json.Unmarshal(resp, &doc); err != nil || doc.ID == "" {
			b.Fatalf("create watch: %s", resp)
		}
		if i%2 == 1 {
			ids = append(ids, doc.ID)
		}
	}
	for i, id := range ids {
		resp, err := getStream(servers[i%len(servers)].base+"/api/watches/"+id+"/stream", ed)
		if err != nil {
			b.Fatal(err)
		}
		go readSSE(resp.Body, streams.add)
	}
	before := rssMB(servers[0].cmd.Process.Pid)
	b.ResetTimer()
	const writers, seconds = 8, 20
	const every = 80 * time.Millisecond // each writer's pace: 12.5 a second
	var wg sync.WaitGroup
	var writes atomic.Int64
	for w := range writers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 99))
			client := &http.Client{}
			tick := time.NewTicker(every)
			defer tick.Stop()
			for i := range int(seconds * time.Second / every) {
				<-tick.C
				lon, lat := point(r)
				base := servers[(w+i)%len(servers)].base
				req, _ := http.NewRequest("POST", base+"/api/collections/incidents/items", strings.NewReader(incidentAt(fmt.Sprintf("alert-%d-%05d", w, i), lon, lat, "2026-11-30")))
				req.Header.Set("Authorization", "Bearer "+ed)
				req.Header.Set("Content-Type", "application/geo+json")
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 201 {
					b.Errorf("write: %d", resp.StatusCode)
					return
				}
				writes.Add(1)
			}
		})
	}
	start := time.Now()
	wg.Wait()
	elapsed := time.Since(start)
	time.Sleep(3 * time.Second) // the last deliveries
	b.StopTimer()
	b.ReportMetric(float64(writes.Load())/elapsed.Seconds(), "writes/s")
	b.ReportMetric(float64(hooks.n()), "webhook-events")
	b.ReportMetric(hooks.quantile(0.5), "webhook-p50-ms")
	b.ReportMetric(hooks.quantile(0.99), "webhook-p99-ms")
	b.ReportMetric(float64(streams.n()), "sse-events")
	b.ReportMetric(streams.quantile(0.5), "sse-p50-ms")
	b.ReportMetric(streams.quantile(0.99), "sse-p99-ms")
	b.ReportMetric(rssMB(servers[0].cmd.Process.Pid)-before, "rss-growth-MB")
}

// BenchmarkStreams opens 1,000 SSE streams on one server (500 change
// streams, 500 watch streams) and reports the growth of its resident set:
// with the streams idle, 3 s after 100 writes each stream hears (the
// target figure; the target is 100 MB), and 20 s later.
func BenchmarkStreams(b *testing.B) {
	bin := buildFrontline(b)
	db, tokens := storeWithTokens(b)
	ed := tokens["editor"]
	srv := startServerProcess(b, bin, "--db", db, "--max-client-conns", "0")
	var ids []string
	for range 500 {
		resp := sendB(b, "POST", srv.base+"/api/watches", ed, `{"target":{"circle":{"center":[38.9,35.0],"radius_m":5000}}}`, "application/json")
		var doc struct{ ID string }
		if err := json.Unmarshal(resp, &doc); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, doc.ID)
	}
	time.Sleep(time.Second)
	before := rssMB(srv.cmd.Process.Pid)
	b.ResetTimer()
	var heard alertLatencies
	for i := range 1000 {
		url := srv.base + "/api/changes/stream"
		if i%2 == 1 {
			url = srv.base + "/api/watches/" + ids[i/2] + "/stream"
		}
		resp, err := getStream(url, ed)
		if err != nil {
			b.Fatal(err)
		}
		go readSSE(resp.Body, heard.add)
	}
	time.Sleep(3 * time.Second)
	idle := rssMB(srv.cmd.Process.Pid) - before
	for i := range 100 {
		sendB(b, "POST", srv.base+"/api/collections/incidents/items", ed, incidentAt(fmt.Sprintf("s-%03d", i), 38.9, 35.0, "2026-11-30"), "application/geo+json")
	}
	time.Sleep(3 * time.Second)
	b.StopTimer()
	grown := rssMB(srv.cmd.Process.Pid) - before
	b.ReportMetric(1000, "streams")
	b.ReportMetric(goMetric(srv.base, "go_memstats_heap_inuse_bytes")/(1<<20), "heap-inuse-MB")
	b.ReportMetric(goMetric(srv.base, "go_memstats_sys_bytes")/(1<<20), "go-sys-MB")
	b.ReportMetric(goMetric(srv.base, "go_memstats_stack_inuse_bytes")/(1<<20), "stack-MB")
	b.ReportMetric((goMetric(srv.base, "go_memstats_heap_idle_bytes")-goMetric(srv.base, "go_memstats_heap_released_bytes"))/(1<<20), "heap-idle-kept-MB")
	// The same streams 20 s later, quiet again: what the burst left.
	time.Sleep(20 * time.Second)
	b.ReportMetric(rssMB(srv.cmd.Process.Pid)-before, "settled-rss-growth-MB")
	b.ReportMetric(idle, "idle-rss-growth-MB")
	b.ReportMetric(grown, "rss-growth-MB")
	b.ReportMetric(float64(heard.n()), "events-heard")
}

// sendB sends a request with a bearer token and a body of type ct, and
// returns the body; a status of 400 or more fails b.
func sendB(b *testing.B, method, url, token, body, ct string) []byte {
	b.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", ct)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 400 {
		b.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, out)
	}
	return out
}

// goMetric reads one unlabelled series of a server's /metrics.
func goMetric(base, name string) float64 {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}
