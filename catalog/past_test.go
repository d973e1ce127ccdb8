package catalog

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/frontline-maps/frontline/geo"
)

// snapshotOf returns a distinct snapshot for each call.
func snapshotOf(t *testing.T) *geo.Snapshot {
	t.Helper()
	ix, err := geo.NewIndex(&geo.Dataset{})
	if err != nil {
		t.Fatal(err)
	}
	return ix.Snapshot()
}

// TestPastStatesOneBuildPerVersion: eight concurrent requests for one
// version share one build, and later ones are served from the cache.
func TestPastStatesOneBuildPerVersion(t *testing.T) {
	var builds atomic.Int32
	release := make(chan struct{})
	snap := snapshotOf(t)
	p := NewPastStates(func(context.Context, int64) (*geo.Snapshot, int64, error) {
		builds.Add(1)
		<-release
		return snap, 100, nil
	}, 1, 1<<20, time.Minute)
	var wg sync.WaitGroup
	got := make([]*geo.Snapshot, 8)
	errs := make([]error, 8)
	for i := range 8 {
		wg.Go(func() { got[i], errs[i] = p.Get(context.Background(), 7) })
	}
	time.Sleep(50 * time.Millisecond) // let them all join the build
	close(release)
	wg.Wait()
	for i := range 8 {
		if errs[i] != nil || got[i] != snap {
			t.Fatalf("request %d: %v, %p", i, errs[i], got[i])
		}
	}
	if _, err := p.Get(context.Background(), 7); err != nil {
		t.Fatal(err)
	}
	if n := builds.Load(); n != 1 {
		t.Errorf("%d builds for one version, want 1", n)
	}
}

// TestPastStatesBusy: with every build slot taken, a request for another
// version is refused at once with ErrBusy, and served once a slot frees.
func TestPastStatesBusy(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	p := NewPastStates(func(_ context.Context, v int64) (*geo.Snapshot, int64, error) {
		if v == 1 {
			close(started)
			<-release
		}
		return snapshotOf(t), 1, nil
	}, 1, 1<<20, time.Minute)
	done := make(chan error)
	go func() { _, err := p.Get(context.Background(), 1); done <- err }()
	<-started
	if _, err := p.Get(context.Background(), 2); !errors.Is(err, ErrBusy) {
		t.Errorf("another version while the first builds: %v, want ErrBusy", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := p.Get(context.Background(), 2); err != nil {
		t.Errorf("the refused version after the first build: %v", err)
	}
}

// TestPastStatesBudget: however many versions are asked for, the kept
// states stay within the budget and the count; a state over the budget is
// served and not kept.
func TestPastStatesBudget(t *testing.T) {
	var builds atomic.Int32
	p := NewPastStates(func(_ context.Context, v int64) (*geo.Snapshot, int64, error) {
		builds.Add(1)
		return snapshotOf(t), 300 * v, nil
	}, 2, 1000, time.Minute)
	for round := range 3 {
		for v := int64(1); v <= 4; v++ {
			if _, err := p.Get(context.Background(), v); err != nil {
				t.Fatal(err)
			}
			if b := p.Bytes(); b > 1000 {
				t.Fatalf("round %d version %d: %d bytes kept, budget 1000", round, v, b)
			}
		}
	}
	// 4 (1,200 bytes) is never kept; 1-3 cannot all be (1,800 bytes).
	if n := builds.Load(); n <= 4 {
		t.Errorf("%d builds: the budget kept everything", n)
	}
	for v := int64(1); v <= 6; v++ {
		p.Get(context.Background(), v%2+1) // 300 or 600 bytes: both fit
	}
	before := builds.Load()
	p.Get(context.Background(), 1)
	p.Get(context.Background(), 2)
	if builds.Load() != before {
		t.Error("two states that fit the budget were built again")
	}
}

// TestPastStatesCallerGone: a caller whose context ends stops waiting;
// the build goes on and its state is kept for the next caller.
func TestPastStatesCallerGone(t *testing.T) {
	release := make(chan struct{})
	var builds atomic.Int32
	p := NewPastStates(func(ctx context.Context, _ int64) (*geo.Snapshot, int64, error) {
		builds.Add(1)
		<-release
		return snapshotOf(t), 1, ctx.Err()
	}, 1, 1<<20, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() { _, err := p.Get(ctx, 3); errc <- err }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("the gone caller: %v, want context.Canceled", err)
	}
	close(release)
	deadline := time.Now().Add(10 * time.Second)
	for p.Bytes() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if _, err := p.Get(context.Background(), 3); err != nil || builds.Load() != 1 {
		t.Errorf("the next caller: %v after %d builds, want the kept state of the one build", err, builds.Load())
	}
}
