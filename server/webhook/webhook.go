// Package webhook delivers watch events to their webhooks: it claims due
// deliveries from the store's outbox (store/watch.go), POSTs each signed
// event, and records the outcome: delivered on a 2xx answer, retried with
// exponential backoff and jitter otherwise, failed once the attempts are
// spent. Delivery is at least once: an attempt is claimed under a lease, so
// a process that dies mid-attempt leaves it to be claimed again; receivers
// deduplicate by the event's idempotency key (the Idempotency-Key header,
// the document's id).
//
// Requests are signed with HMAC-SHA256 over the timestamp, a full stop and
// the body, keyed by the watch's secret:
//
//	X-Frontline-Timestamp: 1767225600
//	X-Frontline-Signature: sha256=<hex of HMAC-SHA256(secret, "1767225600." + body)>
//
// The HTTP client is fenced: only addresses the allow-list admits are
// dialled (loopback, private, link-local, shared and multicast addresses
// are refused unless listed), checked at connection time so a name that
// resolves to a refused address is refused too; no proxy from the
// environment; connect and whole-request timeouts; at most 64 KiB of an
// answer read; redirects followed only to the same host, three at most.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/frontline-maps/frontline/store"
)

// Store is the outbox a Dispatcher drains (store/gpkg's and
// store/postgis's methods of these names).
type Store interface {
	ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.Job, error)
	FinishDeliveries(ctx context.Context, fs []store.Finished) error
}

// Config configures a Dispatcher. The zero value is usable.
type Config struct {
	// Allow lists the networks a webhook may reach even though the policy
	// refuses them (Allowed): say 127.0.0.0/8 for a receiver on the same
	// host. Empty refuses every non-public address.
	Allow []netip.Prefix
	// Timeout bounds one attempt, connection to answer; 0 is 10 s. The
	// connection alone has at most 5 s of it.
	Timeout time.Duration
	// Attempts is how many attempts an event gets before it is failed; 0
	// is 12.
	Attempts int
	// Backoff is the wait after the first failed attempt, doubled after
	// each further one up to an hour, each wait jittered by ±50%; 0 is 1 s.
	// With the defaults an event is failed about 68 minutes after its
	// first attempt.
	Backoff time.Duration
	// Workers is how many attempts run at once; 0 is 8.
	Workers int
	// Poll is how often the outbox is read when nothing wakes the
	// dispatcher; 0 is 250 ms.
	Poll time.Duration
}

// maxAnswerBytes bounds what is read of an answer.
const maxAnswerBytes = 64 << 10

// Dispatcher delivers the outbox's pending events. Create it with New.
type Dispatcher struct {
	st     Store
	cfg    Config
	client *http.Client
	log    *slog.Logger
	rand   func() float64 // in [0, 1), for jitter

	delivered, retried, failed atomic.Uint64
}

// New returns a dispatcher of st's outbox.
func New(st Store, cfg Config, log *slog.Logger) *Dispatcher {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 12
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 250 * time.Millisecond
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Dispatcher{st: st, cfg: cfg, log: log, rand: rand.Float64}
	d.client = fencedClient(cfg)
	return d
}

// Allowed is the address policy: an address in allow may be called;
// otherwise loopback, private (RFC 1918, RFC 4193), link-local, shared
// (RFC 6598), "this network", unspecified and multicast addresses are
// refused, and the rest allowed.
func Allowed(a netip.Addr, allow []netip.Prefix) bool {
	a = a.Unmap()
	for _, p := range allow {
		if p.Contains(a) {
			return true
		}
	}
	return a.IsValid() && !a.IsLoopback() && !a.IsPrivate() && !a.IsLinkLocalUnicast() && !a.IsLinkLocalMulticast() &&
		!a.IsInterfaceLocalMulticast() && !a.IsMulticast() && !a.IsUnspecified() &&
		!sharedSpace.Contains(a) && !thisNetwork.Contains(a)
}

var (
	sharedSpace = netip.MustParsePrefix("100.64.0.0/10")
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")
)

// ErrRefused is the error of an attempt to reach an address the policy
// refuses.
var ErrRefused = errors.New("webhook: the address is not allowed (see --webhook-allow)")

// fencedClient is the HTTP client of the package comment.
func fencedClient(cfg Config) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !Allowed(ap.Addr(), cfg.Allow) {
			return fmt.Errorf("%w: %s", ErrRefused, address)
		}
		return nil
	}}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
	return &http.Client{Transport: tr, Timeout: cfg.Timeout, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 3 {
			return errors.New("webhook: more than 3 redirects")
		}
		if req.URL.Host != via[0].URL.Host {
			return fmt.Errorf("webhook: a redirect to another host (%s) is not followed", req.URL.Host)
		}
		return nil
	}}
}

// Sign returns the X-Frontline-Signature of body sent at unix time ts with
// secret.
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Counts are a dispatcher's attempts since it started, by outcome.
type Counts struct{ Delivered, Retried, Failed uint64 }

// Counts returns the attempts' outcomes so far.
func (d *Dispatcher) Counts() Counts {
	return Counts{Delivered: d.delivered.Load(), Retried: d.retried.Load(), Failed: d.failed.Load()}
}

// Run delivers until ctx is done: whenever wake() yields a channel that
// closes (new events), and at least every Poll. In-flight attempts finish
// or time out, and their outcomes are recorded, before it returns.
func (d *Dispatcher) Run(ctx context.Context, wake func() <-chan struct{}) {
	t := time.NewTicker(d.cfg.Poll)
	defer t.Stop()
	sem := make(chan struct{}, d.cfg.Workers)
	finished := make(chan store.Finished, 4*d.cfg.Workers)
	recorded := make(chan struct{})
	go d.record(context.WithoutCancel(ctx), finished, recorded)
	var wg sync.WaitGroup
	defer func() {
		wg.Wait()
		close(finished)
		<-recorded
	}()
	for {
		ch := wake()
		for ctx.Err() == nil {
			free := d.cfg.Workers - len(sem)
			if free == 0 {
				break
			}
			// The lease outlasts an attempt's timeout, so no other claim
			// takes an event while its attempt may still be running.
			jobs, err := d.st.ClaimDeliveries(ctx, time.Now(), d.cfg.Timeout+5*time.Second, free)
			if err != nil {
				if ctx.Err() == nil {
					d.log.Warn("webhook: claiming deliveries", "err", err)
				}
				break
			}
			for _, j := range jobs {
				sem <- struct{}{}
				wg.Add(1)
				go func() {
					defer func() { <-sem; wg.Done() }()
					finished <- d.attempt(context.WithoutCancel(ctx), j)
				}()
			}
			if len(jobs) < free {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-ch:
		case <-t.C:
		}
	}
}

// maxRecordBatch bounds the outcomes recorded in one transaction.
const maxRecordBatch = 256

// record writes the outcomes of finished attempts to the store until
// finished is closed, all that have arrived in one transaction (a store
// that syncs each commit to disk takes one sync for many), then closes
// done. An outcome that fails to be recorded leaves its lease to lapse:
// the event is tried again.
func (d *Dispatcher) record(ctx context.Context, finished <-chan store.Finished, done chan<- struct{}) {
	defer close(done)
	for f := range finished {
		batch := []store.Finished{f}
	more:
		for len(batch) < maxRecordBatch {
			select {
			case g, ok := <-finished:
				if !ok {
					break more
				}
				batch = append(batch, g)
			default:
				break more
			}
		}
		if err := d.st.FinishDeliveries(ctx, batch); err != nil {
			d.log.Warn("webhook: recording deliveries", "deliveries", len(batch), "err", err)
		}
	}
}

// attempt sends one job and returns its outcome.
func (d *Dispatcher) attempt(ctx context.Context, j store.Job) store.Finished {
	status, err := d.send(ctx, j)
	o := store.Outcome{At: time.Now().UTC(), Status: status}
	switch {
	case err == nil:
		o.State = store.DeliveryDelivered
		d.delivered.Add(1)
	case j.Attempt >= d.cfg.Attempts:
		o.State, o.Error = store.DeliveryFailed, err.Error()
		d.failed.Add(1)
		d.log.Warn("webhook: delivery failed", "watch", j.Watch, "event", j.Key, "attempts", j.Attempt, "err", err)
	default:
		o.State, o.Error, o.Next = store.DeliveryPending, err.Error(), o.At.Add(d.backoff(j.Attempt))
		d.retried.Add(1)
	}
	return store.Finished{Seq: j.Seq, Attempt: j.Attempt, Outcome: o}
}

// backoff is the wait after failed attempt n (1 for the first): Backoff
// doubled n-1 times, at most an hour, times a jitter in [0.5, 1.5).
func (d *Dispatcher) backoff(n int) time.Duration {
	wait := d.cfg.Backoff
	for i := 1; i < n && wait < time.Hour; i++ {
		wait *= 2
	}
	wait = min(wait, time.Hour)
	return time.Duration(float64(wait) * (0.5 + d.rand()))
}

// send POSTs j's document and returns the answer's status, with an error
// unless it is 2xx.
func (d *Dispatcher) send(ctx context.Context, j store.Job) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.URL, bytes.NewReader(j.Payload))
	if err != nil {
		return 0, err
	}
	ts := time.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Frontline-Webhook/1")
	req.Header.Set("Idempotency-Key", j.Key)
	req.Header.Set("X-Frontline-Event", j.Type)
	req.Header.Set("X-Frontline-Attempt", strconv.Itoa(j.Attempt))
	req.Header.Set("X-Frontline-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-Frontline-Signature", Sign(j.Secret, ts, j.Payload))
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswerBytes))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}
