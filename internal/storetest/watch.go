package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/frontline-maps/frontline/catalog/watch"
	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/server/webhook"
	"github.com/frontline-maps/frontline/store"
)

// WatchStore is what the watch contract uses of a store: what the
// matcher and the webhook dispatcher use.
type WatchStore interface {
	watch.Store
	webhook.Store
}

// RunWatches is the watch contract: watches are kept and deleted, the
// cursor starts at the store's dataset version and moves only with a
// committed match, an event's key is never stored twice, claims lease and
// number attempts, a lapsed attempt's late answer changes nothing, and a
// deleted watch's pending deliveries are cancelled.
func RunWatches(t *testing.T, s WatchStore) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	dv, err := s.DatasetVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hook := store.Watch{ID: "w-hook", Owner: "ana", Spec: []byte(`{"target":{"point":[38,35]}}`), Webhook: "https://example.org/h",
		Secret: "s3cret", Created: t0, Since: dv}
	quiet := store.Watch{ID: "w-quiet", Owner: "bo", Spec: []byte(`{"target":{"point":[39,35]}}`), Created: t0.Add(time.Second), Since: dv}
	for _, w := range []store.Watch{hook, quiet} {
		if err := s.CreateWatch(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateWatch(ctx, hook); !errors.Is(err, geo.ErrConflict) {
		t.Fatalf("a second watch w-hook: %v, want geo.ErrConflict", err)
	}
	got, err := s.Watch(ctx, "w-hook")
	if err != nil || got.Owner != "ana" || got.Webhook != hook.Webhook || got.Secret != "s3cret" || !got.Created.Equal(t0) || got.Since != dv {
		t.Fatalf("Watch(w-hook) = %+v, %v", got, err)
	}
	if all, err := s.Watches(ctx, ""); err != nil || len(all) != 2 || all[0].ID != "w-hook" {
		t.Fatalf("Watches() = %+v, %v", all, err)
	}
	if mine, err := s.Watches(ctx, "bo"); err != nil || len(mine) != 1 || mine[0].ID != "w-quiet" {
		t.Fatalf("Watches(bo) = %+v, %v", mine, err)
	}

	// The cursor starts at or below the dataset version; a failed match moves
	// nothing, a committed one adds its events once per key.
	event := func(watch, key string, state store.DeliveryState) store.Event {
		e := store.Event{Watch: watch, Key: key, Type: "incident.entered", DatasetVersion: dv + 1, Payload: []byte(`{"k":"` + key + `"}`)}
		e.Delivery.State = state
		if state == store.DeliveryPending {
			e.Delivery.NextAttempt = t0
		}
		return e
	}
	boom := errors.New("boom")
	var first int64
	err = s.Match(ctx, func(m store.MatchTx) error {
		c, err := m.Cursor()
		if err != nil || c > dv {
			t.Fatalf("the first cursor = %d, %v; want at most the dataset version %d", c, err, dv)
		}
		first = c
		if err := m.Add([]store.Event{event("w-hook", "k1", store.DeliveryPending)}); err != nil {
			t.Fatal(err)
		}
		if err := m.Advance(dv + 1); err != nil {
			t.Fatal(err)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Match returned %v, want fn's error", err)
	}
	if evs, err := s.Events(ctx, "w-hook", 0, 10); err != nil || len(evs) != 0 {
		t.Fatalf("a rolled-back match left %d events (%v)", len(evs), err)
	}
	var gen int64
	_ = s.Match(ctx, func(m store.MatchTx) error { gen, _ = m.Watches(); return nil })
	for range 2 {
		err = s.Match(ctx, func(m store.MatchTx) error {
			if c, err := m.Cursor(); err != nil || c != first && c != dv+1 {
				t.Fatalf("cursor %d, %v", c, err)
			}
			if err := m.Add([]store.Event{event("w-hook", "k1", store.DeliveryPending), event("w-hook", "k2", store.DeliveryPending),
				event("w-quiet", "k3", store.DeliveryNone)}); err != nil {
				return err
			}
			return m.Advance(dv + 1)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	evs, err := s.Events(ctx, "w-hook", 0, 10)
	if err != nil || len(evs) != 2 || evs[0].Key != "k1" || evs[1].Key != "k2" || evs[0].Seq >= evs[1].Seq ||
		string(evs[0].Payload) == "" || evs[0].Delivery.State != store.DeliveryPending {
		t.Fatalf("events of w-hook = %+v, %v", evs, err)
	}
	if page, err := s.Events(ctx, "w-hook", evs[0].Seq, 10); err != nil || len(page) != 1 || page[0].Key != "k2" {
		t.Fatalf("events after the first = %+v, %v", page, err)
	}
	if all, last, err := s.EventsAfter(ctx, evs[0].Seq, 10); err != nil || len(all) != 2 || all[0].Key != "k2" || all[1].Key != "k3" || all[1].Watch != "w-quiet" || last != all[1].Seq {
		t.Fatalf("EventsAfter k1 = %+v, %d, %v; want k2 and k3, and the last seq", all, last, err)
	}
	if all, last, err := s.EventsAfter(ctx, evs[0].Seq-1, 1); err != nil || len(all) != 1 || all[0].Key != "k1" || last != evs[1].Seq+1 {
		t.Fatalf("EventsAfter with limit 1 = %+v, %d, %v", all, last, err)
	}
	_ = s.Match(ctx, func(m store.MatchTx) error {
		if c, err := m.Cursor(); c != dv+1 || err != nil {
			t.Fatalf("the cursor after a committed match = %d, %v; want %d", c, err, dv+1)
		}
		return nil
	})

	// Claims: due events only, leased, numbered; a lapsed lease is claimed
	// again with the next attempt, and the first attempt's late answer is
	// ignored.
	if jobs, err := s.ClaimDeliveries(ctx, t0.Add(-time.Second), time.Minute, 10); err != nil || len(jobs) != 0 {
		t.Fatalf("claims before the events are due: %+v, %v", jobs, err)
	}
	jobs, err := s.ClaimDeliveries(ctx, t0, time.Minute, 1)
	if err != nil || len(jobs) != 1 || jobs[0].Key != "k1" || jobs[0].Attempt != 1 || jobs[0].URL != hook.Webhook || jobs[0].Secret != "s3cret" {
		t.Fatalf("the first claim = %+v, %v", jobs, err)
	}
	if again, err := s.ClaimDeliveries(ctx, t0.Add(time.Second), time.Minute, 10); err != nil || len(again) != 1 || again[0].Key != "k2" {
		t.Fatalf("a claim within k1's lease = %+v, %v; want k2 only", again, err)
	}
	lapsed, err := s.ClaimDeliveries(ctx, t0.Add(2*time.Minute), time.Minute, 10)
	if err != nil || len(lapsed) != 2 || lapsed[0].Key != "k1" || lapsed[0].Attempt != 2 {
		t.Fatalf("claims after the leases lapsed = %+v, %v", lapsed, err)
	}
	late := store.Outcome{State: store.DeliveryFailed, At: t0.Add(3 * time.Minute), Error: "late"}
	if err := s.FinishDeliveries(ctx, []store.Finished{{Seq: jobs[0].Seq, Attempt: 1, Outcome: late}}); err != nil {
		t.Fatal(err)
	}
	ok := store.Outcome{State: store.DeliveryDelivered, At: t0.Add(3 * time.Minute), Status: 204}
	retry := store.Outcome{State: store.DeliveryPending, At: t0.Add(3 * time.Minute), Next: t0.Add(10 * time.Minute), Status: 500, Error: "HTTP 500"}
	if err := s.FinishDeliveries(ctx, []store.Finished{{Seq: lapsed[0].Seq, Attempt: 2, Outcome: ok}, {Seq: lapsed[1].Seq, Attempt: 2, Outcome: retry}}); err != nil {
		t.Fatal(err)
	}
	evs, _ = s.Events(ctx, "w-hook", 0, 10)
	if d := evs[0].Delivery; d.State != store.DeliveryDelivered || d.Attempts != 2 || d.LastStatus != 204 || d.LastError != "" || !d.Delivered.Equal(ok.At) {
		t.Fatalf("k1 after its second attempt: %+v", d)
	}
	if d := evs[1].Delivery; d.State != store.DeliveryPending || !d.NextAttempt.Equal(retry.Next) || d.LastStatus != 500 || d.LastError != "HTTP 500" || !d.LastAttempt.Equal(retry.At) {
		t.Fatalf("k2 after a failed attempt: %+v", d)
	}
	if jobs, _ := s.ClaimDeliveries(ctx, t0.Add(5*time.Minute), time.Minute, 10); len(jobs) != 0 {
		t.Fatalf("k2 claimed before its next attempt: %+v", jobs)
	}
	// Pruning keeps what is recent, and what a delivery waits on.
	if n, err := s.PruneEvents(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("pruning before an hour ago: %d, %v; want nothing", n, err)
	}

	counts, err := s.DeliveryCounts(ctx)
	if err != nil || counts[store.DeliveryDelivered] != 1 || counts[store.DeliveryPending] != 1 || counts[store.DeliveryNone] != 1 {
		t.Fatalf("DeliveryCounts = %v, %v", counts, err)
	}
	if err := s.DeleteWatch(ctx, "w-hook"); err != nil {
		t.Fatal(err)
	}
	_ = s.Match(ctx, func(m store.MatchTx) error {
		if n, err := m.Watches(); err != nil || n != gen+1 {
			t.Fatalf("the watches' count after a delete = %d, %v; want %d", n, err, gen+1)
		}
		return nil
	})
	if err := s.DeleteWatch(ctx, "w-hook"); !errors.Is(err, geo.ErrNotFound) {
		t.Fatalf("deleting w-hook twice: %v, want geo.ErrNotFound", err)
	}
	if _, err := s.Watch(ctx, "w-hook"); !errors.Is(err, geo.ErrNotFound) {
		t.Fatalf("a deleted watch: %v, want geo.ErrNotFound", err)
	}
	if jobs, _ := s.ClaimDeliveries(ctx, t0.Add(time.Hour), time.Minute, 10); len(jobs) != 0 {
		t.Fatalf("a deleted watch's event claimed: %+v", jobs)
	}
	evs, _ = s.Events(ctx, "w-hook", 0, 10)
	if len(evs) != 2 || evs[1].Delivery.State != store.DeliveryCancelled || evs[0].Delivery.State != store.DeliveryDelivered {
		t.Fatalf("a deleted watch's events: %+v", evs)
	}
	// Every event is done with (delivered, cancelled, none) but one kept
	// pending for the check.
	pending := event("w-quiet", "k4", store.DeliveryPending)
	if err := s.Match(ctx, func(m store.MatchTx) error { return m.Add([]store.Event{pending}) }); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PruneEvents(ctx, time.Now().Add(time.Hour)); err != nil || n != 3 {
		t.Fatalf("pruning everything done with: %d, %v; want 3 (k1, k2, k3)", n, err)
	}
	if left, _, err := s.EventsAfter(ctx, 0, 10); err != nil || len(left) != 1 || left[0].Key != "k4" {
		t.Fatalf("after pruning: %+v, %v; want the pending k4 only", left, err)
	}
}
