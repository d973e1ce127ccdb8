// Command loadgen is Frontline's HTTP load generator: it sends one request
// over and over from several connections to a server on this machine and
// reports throughput and latency. It is what `make bench-http` runs against
// `frontline serve`.
//
// Usage:
//
//	loadgen -url http://127.0.0.1:8080/api/stats?group=type [-c 8] [-n 1000 | -d 10s]
//	        [-method POST -body query.json [-content-type application/json]] [-bench NAME]
//	loadgen -suite core -url http://127.0.0.1:8080 [-seed 2026] [-c 8] [-n 1000 | -d 10s] [-bench NAME]
//	loadgen -suite tiles -url http://127.0.0.1:8080 [-c 8] [-n 500 | -d 10s] [-bench NAME]
//	loadgen -suite attack -url http://127.0.0.1:8080 -d 60s [-pid PID] [-bench NAME]
//
// With -suite core, -url is the server's root and loadgen runs, one after
// the other, the core benchmark queries of issue 2 over the synthetic
// workload of -seed (see coreSuite), each with the given bounds, naming
// their benchmark lines NAME/Q1Count, NAME/Q1GeoJSON, and so on. With
// -suite tiles it asks for the 500 incident tiles of the tile benchmarks'
// tour (synth.TileTour), in order and round again, first with no filter
// (NAME/all) then with a one-year datetime (NAME/year); -n 500 is one pass.
// With -suite attack it replays attacks while timing normal reads
// (attack.go).
//
// Only loopback targets are allowed (127.0.0.0/8, ::1 or the name
// localhost): it is a benchmark tool, not a way to load someone else's
// server. Requests are bounded by -n (at most 10,000,000) or -d (at most 10
// minutes), whichever is given; with both, the first reached ends the run.
//
// It reports requests per second, latency percentiles (p50, p90, p99,
// max), errors (transport failures and non-2xx statuses) and response
// bytes; with -bench NAME it also prints a line in `go test -bench` format,
// which cmd/benchdoc reads:
//
//	BenchmarkNAME  REQUESTS  NS/OP ns/op  R req/s  P50 p50-ms  P90 p90-ms  P99 p99-ms  E errors  B B/response
//
// where ns/op is the wall time per request across all connections
// (1e9 / req/s).
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Bounds on a run, so a typo cannot start an endless one.
const (
	maxRequests    = 10_000_000
	maxDuration    = 10 * time.Minute
	maxConcurrency = 1024
	// maxBodyBytes bounds the -body file.
	maxBodyBytes = 16 << 20
)

// main runs until the requests or the duration are done, or Ctrl-C.
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
		}
		os.Exit(2)
	}
}

// config is a parsed command line.
type config struct {
	url         string
	paths       []string // if set, the requests' URLs in turn: url + paths[i % len]
	method      string
	body        []byte
	contentType string
	concurrency int
	requests    int           // 0: bounded by duration only
	duration    time.Duration // 0: bounded by requests only
	bench       string        // name for the benchmark line; "" prints none
	suite       string        // "core" runs coreSuite against url as the root, "attack" runAttack
	seed        int64         // the synthetic workload's seed, for the suite
	pid         int           // the server's process, whose memory -suite attack samples
	since       time.Time     // -suite attack spreads its as_of instants from here to now
	attacks     string        // -suite attack's parts, comma-separated; "" is all
}

// parseConfig parses args and reads the body file. It returns an error for
// a target that is not loopback, missing or out-of-range bounds, and an
// unreadable or oversized body.
func parseConfig(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	var bodyFile string
	fs.StringVar(&c.url, "url", "", "target `URL`; its host must be loopback (127.0.0.0/8, ::1, localhost)")
	fs.StringVar(&c.method, "method", http.MethodGet, "HTTP method")
	fs.StringVar(&bodyFile, "body", "", "`file` whose content is sent as the request body")
	fs.StringVar(&c.contentType, "content-type", "application/json", "Content-Type of the body")
	fs.IntVar(&c.concurrency, "c", 4, "concurrent connections")
	fs.IntVar(&c.requests, "n", 0, fmt.Sprintf("number of requests (at most %d)", maxRequests))
	fs.DurationVar(&c.duration, "d", 0, fmt.Sprintf("duration of the run (at most %s)", maxDuration))
	fs.StringVar(&c.bench, "bench", "", "print a `go test -bench` line named BenchmarkNAME")
	fs.StringVar(&c.suite, "suite", "", "run a suite against -url as the server root: core (the benchmark queries), tiles (the tile tour) or attack (see attack.go)")
	since := fs.String("since", "", "with -suite attack, an RFC 3339 `time`: its as_of instants are spread from it to now (default 24 hours ago)")
	fs.StringVar(&c.attacks, "attacks", "", "with -suite attack, the attacks to run, comma-separated: asof, import, slow; empty is all (none: only the normal reads)")
	fs.IntVar(&c.pid, "pid", 0, "with -suite attack, the server's process `id`, whose resident memory is sampled")
	fs.Int64Var(&c.seed, "seed", 2026, "seed of the synthetic workload the server holds, for -suite")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := checkLoopback(c.url); err != nil {
		return c, err
	}
	switch {
	case c.requests == 0 && c.duration == 0:
		return c, errors.New("give -n requests or -d duration")
	case c.requests < 0 || c.requests > maxRequests:
		return c, fmt.Errorf("-n %d is outside [1, %d]", c.requests, maxRequests)
	case c.duration < 0 || c.duration > maxDuration:
		return c, fmt.Errorf("-d %s is outside (0, %s]", c.duration, maxDuration)
	case c.concurrency < 1 || c.concurrency > maxConcurrency:
		return c, fmt.Errorf("-c %d is outside [1, %d]", c.concurrency, maxConcurrency)
	case c.suite != "" && c.suite != "core" && c.suite != "tiles" && c.suite != "attack":
		return c, fmt.Errorf("-suite %q is not one of: core, tiles, attack", c.suite)
	case c.suite == "attack" && c.duration == 0:
		return c, errors.New("-suite attack runs for -d; give it")
	case c.suite != "" && bodyFile != "":
		return c, errors.New("-body does not go with -suite, whose queries have their own bodies")
	case strings.ContainsAny(c.bench, " \t\n"):
		return c, fmt.Errorf("-bench %q must not contain spaces", c.bench)
	}
	c.since = time.Now().UTC().Add(-24 * time.Hour)
	if *since != "" {
		t, err := time.Parse(time.RFC3339Nano, *since)
		if err != nil {
			return c, fmt.Errorf("-since: %v", err)
		}
		c.since = t.UTC()
	}
	if bodyFile != "" {
		f, err := os.Open(bodyFile)
		if err != nil {
			return c, err
		}
		defer f.Close()
		if c.body, err = io.ReadAll(io.LimitReader(f, maxBodyBytes+1)); err != nil {
			return c, err
		}
		if len(c.body) > maxBodyBytes {
			return c, fmt.Errorf("-body %s is larger than %d bytes", bodyFile, maxBodyBytes)
		}
	}
	return c, nil
}

// checkLoopback returns an error unless raw is an http(s) URL whose host is
// a loopback IP address or "localhost". Names other than localhost are
// refused rather than resolved, so no DNS answer can point the load
// elsewhere.
func checkLoopback(raw string) error {
	if raw == "" {
		return errors.New("-url is required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("-url: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("-url %q: scheme must be http or https", raw)
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-url %q: only loopback targets are allowed (127.0.0.0/8, ::1, localhost), not %q", raw, host)
}

// result is what one run measured.
type result struct {
	requests  int
	errors    int
	bytes     int64
	elapsed   time.Duration
	latencies []time.Duration // of every request, sorted
}

// percentile returns the latency below which p (0..1) of requests fell,
// by the nearest-rank method.
func (r *result) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(p*float64(len(r.latencies))+0.5) - 1
	return r.latencies[min(max(i, 0), len(r.latencies)-1)]
}

// run parses args, runs the load (or each query of the suite) and writes
// the reports to stdout; flag errors go to stderr. It returns an error for
// a bad command line or a run in which no request completed.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseConfig(args, stderr)
	if err != nil {
		return err
	}
	if c.suite == "attack" {
		return runAttack(ctx, c, stdout)
	}
	runs := []config{c}
	if c.suite != "" {
		if runs, err = suiteConfigs(c, c.url, c.seed); err != nil {
			return err
		}
	}
	for _, rc := range runs {
		res, err := load(ctx, rc)
		if err != nil {
			return fmt.Errorf("%s %s: %w", rc.method, rc.url, err)
		}
		report(stdout, rc, res)
	}
	return nil
}

// load runs the requests of c on c.concurrency connections.
func load(ctx context.Context, c config) (*result, error) {
	if c.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.duration)
		defer cancel()
	}
	transport := &http.Transport{MaxIdleConnsPerHost: c.concurrency, MaxConnsPerHost: c.concurrency, DisableCompression: true}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: time.Minute}

	var issued, sent atomic.Int64
	var mu sync.Mutex
	res := &result{}
	var wg sync.WaitGroup
	start := time.Now()
	for range c.concurrency {
		wg.Go(func() {
			var lat []time.Duration
			var errs int
			var n int64
			for ctx.Err() == nil && (c.requests == 0 || issued.Add(1) <= int64(c.requests)) {
				target := c.url
				if len(c.paths) > 0 {
					target += c.paths[(sent.Add(1)-1)%int64(len(c.paths))]
				}
				t0 := time.Now()
				size, err := once(ctx, client, c, target)
				if ctx.Err() != nil && err != nil {
					break // the duration ended mid-request: not an error of the server
				}
				lat = append(lat, time.Since(t0))
				n += size
				if err != nil {
					errs++
				}
			}
			mu.Lock()
			res.latencies = append(res.latencies, lat...)
			res.errors += errs
			res.bytes += n
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.requests = len(res.latencies)
	slices.Sort(res.latencies)
	if res.requests == 0 {
		return nil, errors.New("no request completed")
	}
	return res, nil
}

// once sends c's request to target and reads the whole response, returning
// its body size and an error for a transport failure or a status outside
// 2xx.
func once(ctx context.Context, client *http.Client, c config, target string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, c.method, target, bytes.NewReader(c.body))
	if err != nil {
		return 0, err
	}
	if c.body != nil {
		req.Header.Set("Content-Type", c.contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil && (resp.StatusCode < 200 || resp.StatusCode > 299) {
		err = fmt.Errorf("status %d", resp.StatusCode)
	}
	return n, err
}

// report prints the summary and, with -bench, the benchmark line.
func report(w io.Writer, c config, r *result) {
	rate := float64(r.requests) / r.elapsed.Seconds()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	perResponse := float64(r.bytes) / float64(r.requests)
	target := c.url
	if len(c.paths) > 0 {
		target += fmt.Sprintf(" (%d paths in turn)", len(c.paths))
	}
	if len(c.body) > 0 {
		target += fmt.Sprintf(" (%d-byte body)", len(c.body))
	}
	fmt.Fprintf(w, "%s %s: %d requests on %d connections in %s\n", c.method, target, r.requests, c.concurrency, r.elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "  %.1f req/s; latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
		rate, ms(r.percentile(0.50)), ms(r.percentile(0.90)), ms(r.percentile(0.99)), ms(r.latencies[len(r.latencies)-1]))
	fmt.Fprintf(w, "  %d errors; %d response bytes (%.0f per response, %.1f MB/s)\n", r.errors, r.bytes, perResponse, float64(r.bytes)/r.elapsed.Seconds()/1e6)
	if c.bench != "" {
		fmt.Fprintf(w, "Benchmark%s\t%d\t%.0f ns/op\t%.1f req/s\t%.3f p50-ms\t%.3f p90-ms\t%.3f p99-ms\t%d errors\t%.0f B/response\n",
			c.bench, r.requests, 1e9/rate, rate, ms(r.percentile(0.50)), ms(r.percentile(0.90)), ms(r.percentile(0.99)), r.errors, perResponse)
	}
}
