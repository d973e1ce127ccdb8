package webhook

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontline-maps/frontline/store"
)

func TestAllowed(t *testing.T) {
	lo := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.2.0.0/16")}
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "2001:4860:4860::8888": true, "93.184.216.34": true,
		"127.0.0.1": false, "::1": false, "10.1.2.3": false, "172.16.0.9": false, "192.168.1.1": false,
		"169.254.169.254": false, "fe80::1": false, "fd00::1": false, "100.64.0.1": false, "0.0.0.0": false,
		"0.1.2.3": false, "224.0.0.1": false, "::": false, "::ffff:127.0.0.1": false, "::ffff:8.8.8.8": true,
	} {
		if got := Allowed(netip.MustParseAddr(addr), nil); got != want {
			t.Errorf("Allowed(%s) = %v, want %v", addr, got, want)
		}
	}
	for addr, want := range map[string]bool{"127.0.0.1": true, "127.0.0.2": false, "10.2.3.4": true, "10.3.0.1": false, "::ffff:127.0.0.1": true} {
		if got := Allowed(netip.MustParseAddr(addr), lo); got != want {
			t.Errorf("Allowed(%s, %v) = %v, want %v", addr, lo, got, want)
		}
	}
}

// TestSign checks the signature against a value computed independently
// (printf '1767225600.{"a":1}' | openssl dgst -sha256 -hmac s3cret).
func TestSign(t *testing.T) {
	got := Sign("s3cret", 1767225600, []byte(`{"a":1}`))
	if want := "sha256=7d4120fcebf444efab10ba7cd6c651bf463cefb039db5fad37ff9f7231ac8a4a"; got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
	if Sign("s3cret", 1767225600, []byte(`{"a":1}`)) != got || Sign("other", 1767225600, []byte(`{"a":1}`)) == got ||
		Sign("s3cret", 1767225601, []byte(`{"a":1}`)) == got || Sign("s3cret", 1767225600, []byte(`{"a":2}`)) == got {
		t.Error("the signature does not depend on exactly the secret, the time and the body")
	}
}

// fakeOutbox is an outbox of jobs handed out once each, recording the
// outcomes.
type fakeOutbox struct {
	mu       sync.Mutex
	jobs     []store.Job
	outcomes map[int64]store.Outcome
	done     chan struct{}
}

func (f *fakeOutbox) ClaimDeliveries(_ context.Context, _ time.Time, _ time.Duration, limit int) ([]store.Job, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := min(limit, len(f.jobs))
	out := f.jobs[:n]
	f.jobs = f.jobs[n:]
	return out, nil
}

func (f *fakeOutbox) FinishDeliveries(_ context.Context, fs []store.Finished) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, x := range fs {
		f.outcomes[x.Seq] = x.Outcome
	}
	if len(f.jobs) == 0 && len(f.outcomes) == cap(f.done) {
		close(f.done)
	}
	return nil
}

// deliver runs a dispatcher over jobs until each has an outcome.
func deliver(t *testing.T, cfg Config, jobs ...store.Job) map[int64]store.Outcome {
	t.Helper()
	f := &fakeOutbox{jobs: jobs, outcomes: map[int64]store.Outcome{}, done: make(chan struct{}, len(jobs))}
	d := New(f, cfg, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go d.Run(ctx, func() <-chan struct{} { return nil })
	select {
	case <-f.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the deliveries did not end")
	}
	return f.outcomes
}

func job(seq int64, url string, attempt int) store.Job {
	return store.Job{Event: store.Event{Seq: seq, Key: "k", Type: "incident.entered", Payload: []byte(`{"id":"k"}`)}, URL: url, Secret: "s", Attempt: attempt}
}

// TestFence: loopback is refused unless allowed; a redirect to another
// host is not followed, one on the same host is; a slow receiver times
// out; a huge answer is cut off and still counts; an attempt short of the
// budget is retried later, the last one failed.
func TestFence(t *testing.T) {
	big := strings.Repeat("x", 10<<20)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer other.Close()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.WriteHeader(204)
		case "/away":
			http.Redirect(w, r, other.URL+"/x", http.StatusFound)
		case "/here":
			http.Redirect(w, r, srv.URL+"/ok", http.StatusFound)
		case "/slow":
			time.Sleep(2 * time.Second)
		case "/big":
			_, _ = w.Write([]byte(big))
		case "/500":
			w.WriteHeader(500)
		}
	}))
	defer srv.Close()

	refused := deliver(t, Config{}, job(1, srv.URL+"/ok", 1))
	if o := refused[1]; o.State != store.DeliveryPending || !strings.Contains(o.Error, "not allowed") {
		t.Errorf("loopback without --webhook-allow: %+v", o)
	}
	allow := Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Timeout: 500 * time.Millisecond, Attempts: 3, Backoff: time.Minute}
	got := deliver(t, allow, job(1, srv.URL+"/ok", 1), job(2, srv.URL+"/away", 1), job(3, srv.URL+"/here", 1),
		job(4, srv.URL+"/slow", 1), job(5, srv.URL+"/big", 1), job(6, srv.URL+"/500", 1), job(7, srv.URL+"/500", 3))
	if o := got[1]; o.State != store.DeliveryDelivered || o.Status != 204 {
		t.Errorf("/ok: %+v", o)
	}
	if o := got[2]; o.State != store.DeliveryPending || !strings.Contains(o.Error, "another host") {
		t.Errorf("a redirect to another host: %+v", o)
	}
	if o := got[3]; o.State != store.DeliveryDelivered {
		t.Errorf("a redirect on the same host: %+v", o)
	}
	if o := got[4]; o.State != store.DeliveryPending || o.Error == "" {
		t.Errorf("a receiver slower than the timeout: %+v", o)
	}
	if o := got[5]; o.State != store.DeliveryDelivered {
		t.Errorf("a 10 MB answer: %+v", o)
	}
	now := time.Now()
	if o := got[6]; o.State != store.DeliveryPending || o.Status != 500 || o.Next.Before(now.Add(29*time.Second)) || o.Next.After(now.Add(91*time.Second)) {
		t.Errorf("a 500 on the first of 3 attempts: %+v, want a retry in 30-90 s", o)
	}
	if o := got[7]; o.State != store.DeliveryFailed || o.Status != 500 {
		t.Errorf("a 500 on the last attempt: %+v", o)
	}
}

// TestBackoff checks that waits double from Backoff, cap at an hour and
// stay within the jitter's ±50%.
func TestBackoff(t *testing.T) {
	d := New(&fakeOutbox{}, Config{Backoff: time.Second}, nil)
	for _, r := range []float64{0, 0.5, 0.999} {
		d.rand = func() float64 { return r }
		for n, base := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 5: 16 * time.Second, 13: time.Hour, 40: time.Hour} {
			want := time.Duration(float64(base) * (0.5 + r))
			if got := d.backoff(n); got != want {
				t.Errorf("backoff(%d) with jitter %g = %v, want %v", n, r, got, want)
			}
		}
	}
}
