package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The attack suite (-suite attack) replays, for -d, the requests of issue
// 11's findings 1, 2 and 6 against a server on this machine, each from an
// attacker address of its own on the loopback network, while a reader on
// 127.0.0.1 makes the normal reads of a map user and times them:
//
//   - as_of: anonymous as_of date-times cycling through 24 instants from
//     -since to now, on two connections without pause (the answer now:
//     401); and, with a viewer token, bursts of 8 concurrent requests for
//     one instant, the next instant half a second after a burst ends (a
//     past state to build per version: shared by the burst, bounded, 503
//     past the bound), from 127.0.0.3;
//   - import: a GeoJSON import of one 1 MB feature and then 1,500,000 empty
//     ones (a 7 MB body whose reading was quadratic), with an editor
//     token, from 127.0.0.3;
//   - slow bodies: attackSlowConns connections at once, from 127.0.0.2,
//     each sending a search body one byte a second; each attacker, when
//     its connection ends (answered, refused or closed), waits a second
//     and starts another.
//
// With -pid it samples the server's resident memory (Linux /proc) every
// 100 ms. It prints a summary per part and benchmark lines for benchdoc:
// BenchmarkNAME/NormalReads (latency percentiles and errors of the normal
// reads), one line per attack part (requests and how they were answered),
// and BenchmarkNAME/ServerRSS (peak-MB).
//
// The viewer and editor tokens come from the environment variables
// LOADGEN_VIEWER_TOKEN and LOADGEN_EDITOR_TOKEN.

// attackSlowConns is how many slow-body connections the attack keeps
// trying to hold open at once.
const attackSlowConns = 1000

// attackTally counts how an attack part's requests were answered: by
// status code, or "reset" for a connection the server closed unanswered.
type attackTally struct {
	mu     sync.Mutex
	counts map[string]int
}

func (t *attackTally) add(outcome string) {
	if outcome == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.counts == nil {
		t.counts = map[string]int{}
	}
	t.counts[outcome]++
}

// String lists the outcomes in order, such as "401:1200 503:3".
func (t *attackTally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	parts := make([]string, 0, len(t.counts))
	for _, k := range slices.Sorted(maps.Keys(t.counts)) {
		parts = append(parts, fmt.Sprintf("%s:%d", k, t.counts[k]))
	}
	return strings.Join(parts, " ")
}

// total returns the number of requests counted.
func (t *attackTally) total() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, c := range t.counts {
		n += c
	}
	return n
}

// clientFrom returns an HTTP client whose connections come from the
// loopback address local, at most conns of them.
func clientFrom(local string, conns int) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 10 * time.Second}
	return &http.Client{
		Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true},
		Timeout:   2 * time.Minute,
	}
}

// send makes one request and returns its status as a string, "reset"
// when no answer came, or "" when ctx ended first; the body is read and
// dropped.
func send(ctx context.Context, client *http.Client, method, target, token, contentType string, body []byte) string {
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		return "bad-request"
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil && ctx.Err() != nil {
		return "" // the run ended: not an answer of the server's
	} else if err != nil {
		return "reset"
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return strconv.Itoa(resp.StatusCode)
}

// quadraticImport is the body of finding 2: one feature with a 1 MB
// description, then 1,500,000 empty features, one a line.
func quadraticImport() []byte {
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","features":[{"type":"Feature","id":"big","geometry":{"type":"Point","coordinates":[38,35]},"properties":{"description":"`)
	b.WriteString(strings.Repeat("x", 1<<20))
	b.WriteString(`"}}`)
	for range 1_500_000 {
		b.WriteString(",\n{}")
	}
	b.WriteString("]}\n")
	return b.Bytes()
}

// slowBody opens one connection from 127.0.0.2 and sends a search whose
// 1,000-byte body comes one byte a second, until the server answers or
// closes, or ctx ends; it returns the outcome.
func slowBody(ctx context.Context, hostport string) string {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, Timeout: 10 * time.Second}
	c, err := d.DialContext(ctx, "tcp", hostport)
	if err != nil {
		return "refused"
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if _, err := fmt.Fprintf(c, "POST /api/search HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", hostport); err != nil {
		return "reset"
	}
	answered := make(chan string, 1)
	go func() {
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			answered <- "reset"
			return
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			answered <- "reset"
			return
		}
		answered <- f[1]
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for range 999 {
		select {
		case out := <-answered:
			return out
		case <-ctx.Done():
			return "held"
		case <-tick.C:
			if _, err := c.Write([]byte(" ")); err != nil {
				return <-answered
			}
		}
	}
	return <-answered
}

// rssSampler records the largest VmRSS of process pid, in bytes.
type rssSampler struct {
	peak atomic.Int64
}

// sample reads /proc/pid/status once.
func (s *rssSampler) sample(pid int) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			for {
				old := s.peak.Load()
				if kb*1024 <= old || s.peak.CompareAndSwap(old, kb*1024) {
					break
				}
			}
		}
	}
}

// b2i is 1 for true and 0 for false.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// runAttack runs the attack suite against the server at c.url for
// c.duration and reports it to w.
func runAttack(ctx context.Context, c config, w io.Writer) error {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.duration)
	defer cancel()
	base := strings.TrimSuffix(c.url, "/")
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	viewer, editor := os.Getenv("LOADGEN_VIEWER_TOKEN"), os.Getenv("LOADGEN_EDITOR_TOKEN")
	var rss rssSampler
	var wg sync.WaitGroup
	if c.pid > 0 {
		wg.Go(func() {
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			for {
				rss.sample(c.pid)
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		})
	}

	// as_of: 24 instants spread from c.since to the start of the run, so
	// that they fall between the store's writes.
	var anonAsOf, viewerAsOf, imports, slow attackTally
	attacker := clientFrom("127.0.0.3", 16)
	runStart := time.Now().UTC()
	instant := func(i int) string {
		at := c.since.Add(runStart.Sub(c.since) * time.Duration(i%24) / 23)
		return url.QueryEscape(at.Format(time.RFC3339Nano))
	}
	on := func(part string) bool { return c.attacks == "" || slices.Contains(strings.Split(c.attacks, ","), part) }
	for g := range 2 * b2i(on("asof")) {
		wg.Go(func() {
			for i := g; ctx.Err() == nil; i += 2 {
				anonAsOf.add(send(ctx, attacker, http.MethodGet, base+"/api/collections/incidents/items?limit=10&as_of="+instant(i), "", "", nil))
			}
		})
	}
	if on("asof") {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				var burst sync.WaitGroup
				for range 8 {
					burst.Go(func() {
						viewerAsOf.add(send(ctx, attacker, http.MethodGet, base+"/api/collections/incidents/items?limit=10&as_of="+instant(i), viewer, "", nil))
					})
				}
				burst.Wait()
				select {
				case <-ctx.Done():
				case <-time.After(500 * time.Millisecond):
				}
			}
		})
	}
	if on("import") {
		body := quadraticImport()
		wg.Go(func() {
			for ctx.Err() == nil {
				imports.add(send(ctx, attacker, http.MethodPost, base+"/api/import?format=geojson", editor, "application/geo+json", body))
			}
		})
	}
	for range attackSlowConns * b2i(on("slow")) {
		wg.Go(func() {
			for ctx.Err() == nil {
				slow.add(slowBody(ctx, u.Host))
				select {
				case <-ctx.Done():
				case <-time.After(time.Second):
				}
			}
		})
	}

	// The normal reader: a map user's reads, one after another.
	reads := []string{
		"/api/collections/incidents/items?limit=100&bbox=36,33,38,35",
		"/api/stats?group=type",
		"/api/collections/zones/items?as_of=2025-06-01",
		"/api/control?point=37.16,36.2&date=2025-06-01",
	}
	reader := clientFrom("127.0.0.1", 2)
	res := &result{}
	start := time.Now()
	for i := 0; ctx.Err() == nil || len(res.latencies) == 0; i++ {
		// The first read completes whatever the duration (on a loaded
		// machine the attacks can take all of a short run), so every run
		// times at least one.
		rctx := ctx
		if len(res.latencies) == 0 {
			rctx = parent
		}
		t0 := time.Now()
		out := send(rctx, reader, http.MethodGet, base+reads[i%len(reads)], "", "", nil)
		if rctx.Err() != nil {
			break
		}
		res.latencies = append(res.latencies, time.Since(t0))
		if out != "200" {
			res.errors++
		}
	}
	res.elapsed = time.Since(start)
	cancel()
	wg.Wait()
	if c.pid > 0 {
		rss.sample(c.pid)
	}
	res.requests = len(res.latencies)
	if res.requests == 0 {
		return fmt.Errorf("no normal read completed")
	}
	slices.Sort(res.latencies)

	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Fprintf(w, "normal reads from 127.0.0.1: %d in %s, %d errors; latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
		res.requests, res.elapsed.Round(time.Millisecond), res.errors, ms(res.percentile(0.5)), ms(res.percentile(0.99)), ms(res.latencies[len(res.latencies)-1]))
	for _, p := range []struct {
		name string
		t    *attackTally
	}{{"as_of anonymous", &anonAsOf}, {"as_of with a viewer token", &viewerAsOf}, {"7 MB quadratic import", &imports}, {"slow-body connections", &slow}} {
		fmt.Fprintf(w, "attack %s: %d requests: %s\n", p.name, p.t.total(), p.t)
	}
	if c.pid > 0 {
		fmt.Fprintf(w, "server peak RSS %.0f MB\n", float64(rss.peak.Load())/1e6)
	}
	if c.bench == "" {
		return nil
	}
	fmt.Fprintf(w, "Benchmark%s/NormalReads\t%d\t%.0f ns/op\t%.3f p50-ms\t%.3f p99-ms\t%.3f max-ms\t%d errors\n", c.bench, res.requests,
		float64(res.elapsed.Nanoseconds())/float64(res.requests), ms(res.percentile(0.5)), ms(res.percentile(0.99)), ms(res.latencies[len(res.latencies)-1]), res.errors)
	for _, p := range []struct {
		name string
		t    *attackTally
	}{{"AsOfAnonymous", &anonAsOf}, {"AsOfViewer", &viewerAsOf}, {"QuadraticImport", &imports}, {"SlowBodies", &slow}} {
		fmt.Fprintf(w, "Benchmark%s/%s\t%d\t%.0f ns/op\n", c.bench, p.name, p.t.total(), float64(res.elapsed.Nanoseconds())/float64(max(p.t.total(), 1)))
	}
	if c.pid > 0 {
		fmt.Fprintf(w, "Benchmark%s/ServerRSS\t1\t0 ns/op\t%.0f peak-MB\n", c.bench, float64(rss.peak.Load())/1e6)
	}
	return nil
}
