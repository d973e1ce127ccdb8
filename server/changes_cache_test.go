package server

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/frontline-maps/frontline/catalog"
	"github.com/frontline-maps/frontline/geo"
)

// countingFeed is a History whose feed counts its reads and blocks each
// until release is closed.
type countingFeed struct {
	History
	mu      sync.Mutex
	gen     chan struct{}
	reads   atomic.Int64
	release chan struct{}
	fail    atomic.Bool
}

func (f *countingFeed) Changed() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gen
}

func (f *countingFeed) change() {
	f.mu.Lock()
	close(f.gen)
	f.gen = make(chan struct{})
	f.mu.Unlock()
}

func (f *countingFeed) Changes(_ context.Context, since int64, _, _ int) ([]catalog.Change, error) {
	f.reads.Add(1)
	<-f.release
	if f.fail.Load() {
		return nil, errors.New("the store is away")
	}
	in := geo.Incident{ID: "a"}
	return []catalog.Change{{Kind: "incident", ID: "a", Record: in, Version: catalog.Version{Number: 1, DatasetVersion: since + 1}}}, nil
}

// TestPageCache: streams asking for one position at once share one read
// and its rendering; the page stands until the feed changes; a failed
// read is not kept.
func TestPageCache(t *testing.T) {
	f := &countingFeed{gen: make(chan struct{}), release: make(chan struct{})}
	var c pageCache
	var wg sync.WaitGroup
	results := make([][][]byte, 50)
	for i := range results {
		wg.Go(func() {
			_, data, err := c.get(context.Background(), f, 7, 0)
			if err != nil {
				t.Error(err)
			}
			results[i] = data
		})
	}
	time.Sleep(50 * time.Millisecond)
	close(f.release)
	wg.Wait()
	if n := f.reads.Load(); n != 1 {
		t.Fatalf("50 streams at one position read the feed %d times, want once", n)
	}
	for _, r := range results {
		if len(r) != 1 || &r[0][0] != &results[0][0][0] {
			t.Fatal("the streams did not share one rendering")
		}
	}
	if _, _, _ = c.get(context.Background(), f, 7, 0); f.reads.Load() != 1 {
		t.Error("the page was read again while the feed stood")
	}
	f.change()
	if _, _, _ = c.get(context.Background(), f, 7, 0); f.reads.Load() != 2 {
		t.Error("the page was not read again after the feed changed")
	}
	f.fail.Store(true)
	if _, _, err := c.get(context.Background(), f, 8, 0); err == nil {
		t.Fatal("a failed read answered no error")
	}
	f.fail.Store(false)
	if _, _, err := c.get(context.Background(), f, 8, 0); err != nil || f.reads.Load() != 4 {
		t.Errorf("after a failed read: %v, %d reads; want a new read that succeeds", err, f.reads.Load())
	}
}
