package catalog

import (
	"context"
	"sync/atomic"
	"time"
)

// This file keeps a catalog in step with writes other processes commit to
// its store: other instances on one PostgreSQL database, or another
// frontline process on one GeoPackage file. A notification (Wake) only
// wakes the catalog, which then reads the store's change feed from its own
// version; a poll does the same when no notification comes, so a lost
// notification or connection delays a change by one poll at most and
// loses nothing.

// follow is the state of a catalog's following, all atomic.
type follow struct {
	wake          chan struct{} // a notification arrived; capacity 1
	notifications atomic.Uint64
	catchUps      atomic.Uint64
	listening     atomic.Bool
	lastErr       atomic.Pointer[string] // the last catch-up's error, nil after a success
}

// Wake tells the catalog that the store has committed a change (a
// notification arrived); Follow catches up at once. It never blocks.
func (c *Catalog) Wake() {
	c.follow.notifications.Add(1)
	select {
	case c.follow.wake <- struct{}{}:
	default:
	}
}

// Listening records the state of the connection notifications arrive on,
// for SyncStatus.
func (c *Catalog) Listening(ok bool, _ error) { c.follow.listening.Store(ok) }

// Follow applies to the index, in commit order, the changes other
// processes commit to the store, until ctx is done: at each Wake, and at
// least every poll. Errors are kept for SyncStatus and retried at the next
// wake or poll; report, when not nil, hears of the first error after a
// success (the store went away) and of the next success (nil: it is back).
func (c *Catalog) Follow(ctx context.Context, poll time.Duration, report func(error)) {
	t := time.NewTicker(poll)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.follow.wake:
		case <-t.C:
		}
		err := c.Refresh(ctx)
		if ctx.Err() != nil {
			return
		}
		if (err != nil) != failing && report != nil {
			report(err)
		}
		failing = err != nil
	}
}

// Refresh applies the changes committed to the store since the index's
// version, as a write does after committing, and returns the store's error
// if reading them failed.
func (c *Catalog) Refresh(ctx context.Context) error {
	if c.store == nil {
		return nil
	}
	c.mu.Lock()
	before := c.applied
	err := c.catchUp(ctx)
	after := c.applied
	c.mu.Unlock()
	if err != nil {
		msg := err.Error()
		c.follow.lastErr.Store(&msg)
		return err
	}
	c.follow.lastErr.Store(nil)
	if after != before {
		c.follow.catchUps.Add(1)
	}
	return nil
}

// SyncStatus is how a catalog follows its store.
type SyncStatus struct {
	// Connected reports that the store answered just now.
	Connected bool `json:"connected"`
	// Listening reports that the notification connection is up (always
	// false for a store without notifications, which is polled).
	Listening bool `json:"listening"`
	// StoreVersion is the store's dataset version, Applied the index's;
	// Lag is how many write transactions the index is behind.
	StoreVersion int64 `json:"store_version"`
	Applied      int64 `json:"applied_version"`
	Lag          int64 `json:"lag"`
	// Notifications and CatchUps count the notifications received and
	// the catch-ups that applied changes of other processes.
	Notifications uint64 `json:"notifications"`
	CatchUps      uint64 `json:"catch_ups"`
	// Error is the last catch-up's or this check's error, "" when none.
	Error string `json:"error,omitempty"`
}

// syncCheckTimeout bounds SyncStatus's question to the store, so that a
// readiness probe answers while the store is unreachable.
const syncCheckTimeout = 2 * time.Second

// SyncStatus asks the store for its dataset version (within 2 s) and
// reports how far behind the index is. A catalog without a store reports a
// zero status.
func (c *Catalog) SyncStatus(ctx context.Context) SyncStatus {
	if c.store == nil {
		return SyncStatus{}
	}
	ctx, cancel := context.WithTimeout(ctx, syncCheckTimeout)
	defer cancel()
	c.mu.Lock()
	applied := c.applied
	c.mu.Unlock()
	st := SyncStatus{Listening: c.follow.listening.Load(), Applied: applied,
		Notifications: c.follow.notifications.Load(), CatchUps: c.follow.catchUps.Load()}
	v, err := c.store.DatasetVersion(ctx)
	switch {
	case err != nil:
		st.Error = err.Error()
	default:
		st.Connected, st.StoreVersion, st.Lag = true, v, max(v-applied, 0)
		if e := c.follow.lastErr.Load(); e != nil {
			st.Error = *e
		}
	}
	return st
}
