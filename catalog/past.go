// Package catalog is the live dataset's application layer: a store (the
// Store interface it declares) and the in-memory index kept in step in
// commit order (Catalog), the past states that as_of reads ask for
// (PastStates), and imports with one policy for every caller. It knows
// neither HTTP nor the file system; docs/architecture.md shows where it
// sits.
package catalog

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/frontline-maps/frontline/geo"
)

// ErrBusy is returned by PastStates.Get when as many past states as it
// builds at once are being built already; the caller should retry shortly
// (HTTP: 503 with Retry-After).
var ErrBusy = errors.New("catalog: too many past states are being built at once")

// BuildFunc builds the state of the index at a dataset version, returning
// its snapshot and the bytes of memory it holds beyond the live index's (as
// geo's Tx.Result estimates them).
type BuildFunc func(ctx context.Context, version int64) (*geo.Snapshot, int64, error)

// PastStates builds past states of the index on demand and keeps the most
// recently used ones (four at most) within a memory budget. A past state
// never changes, so
// the state of a dataset version is built once however many requests want it
// at once (they share the one build), at most a fixed number of different
// versions are built at a time (beyond that Get answers ErrBusy at once,
// rather than queueing work a client can make unbounded), and a state larger
// than the whole budget is served but not kept. It is safe for concurrent
// use.
type PastStates struct {
	build   BuildFunc
	slots   chan struct{}
	budget  int64
	timeout time.Duration
	flights singleflight.Group

	mu    sync.Mutex
	held  []pastState // least recently used first
	bytes int64       // the sum of held's sizes
}

// maxKept bounds the kept states whatever their size: a kept state also
// holds on to the parts of the live index that later writes replaced, which
// its estimate cannot see.
const maxKept = 4

// pastState is one kept state.
type pastState struct {
	version int64
	snap    *geo.Snapshot
	bytes   int64
}

// NewPastStates returns a cache that builds states with build, at most
// concurrent of them at once, keeps states of at most budget bytes in all,
// and gives each build at most timeout.
func NewPastStates(build BuildFunc, concurrent int, budget int64, timeout time.Duration) *PastStates {
	return &PastStates{build: build, slots: make(chan struct{}, max(concurrent, 1)), budget: budget, timeout: timeout}
}

// Get returns the state at dataset version version: kept, or built now,
// or being built for another caller already, which it waits for. It
// returns ErrBusy when the build would exceed the concurrent builds, ctx's
// error when ctx ends first (the build goes on for its other callers and
// the cache), and the build's error otherwise.
func (p *PastStates) Get(ctx context.Context, version int64) (*geo.Snapshot, error) {
	if snap := p.kept(version); snap != nil {
		return snap, nil
	}
	ch := p.flights.DoChan(strconv.FormatInt(version, 10), func() (any, error) {
		select {
		case p.slots <- struct{}{}:
		default:
			return nil, ErrBusy
		}
		defer func() { <-p.slots }()
		// The build outlives the caller that started it: the others
		// waiting on it, and the cache, still want it.
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.timeout)
		defer cancel()
		snap, size, err := p.build(bctx, version)
		if err != nil {
			return nil, err
		}
		p.keep(version, snap, size)
		return snap, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*geo.Snapshot), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Bytes returns the memory the kept states hold by their estimates, at
// most the budget.
func (p *PastStates) Bytes() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.bytes
}

// kept returns the kept state at version, marked most recently used, or
// nil.
func (p *PastStates) kept(version int64) *geo.Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, h := range p.held {
		if h.version == version {
			p.held = append(append(p.held[:i:i], p.held[i+1:]...), h)
			return h.snap
		}
	}
	return nil
}

// keep adds a built state, evicting the least recently used ones until
// all fit the budget; a state larger than the budget is not kept.
func (p *PastStates) keep(version int64, snap *geo.Snapshot, size int64) {
	if size > p.budget {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.held) > 0 && (p.bytes+size > p.budget || len(p.held) >= maxKept) {
		p.bytes -= p.held[0].bytes
		p.held = p.held[1:]
	}
	p.held = append(p.held, pastState{version, snap, size})
	p.bytes += size
}
