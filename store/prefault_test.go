package store

import (
	"runtime/debug"
	"sync"
	"testing"
	"unsafe"
)

// pointerful is an element with pointers, as records are: the collector
// scans arrays of it.
type pointerful struct {
	s string
	p *int
	n [6]int
}

// TestGrown: grown is slices.Grow below prefaultMin and above it: the
// elements kept, in order, room for n more, the new room zero.
func TestGrown(t *testing.T) {
	big := prefaultMin/int(unsafe.Sizeof(pointerful{})) + 1
	for _, c := range []struct{ have, extra int }{{0, 0}, {0, 3}, {5, 100}, {0, big}, {1000, big}, {big, big / 2}} {
		s := make([]pointerful, c.have, c.have+1)
		one := 1
		for i := range s {
			s[i] = pointerful{s: "x", p: &one, n: [6]int{i}}
		}
		g := grown(s, c.extra)
		if len(g) != c.have || cap(g)-len(g) < c.extra {
			t.Fatalf("grown(len %d, %d): len %d cap %d", c.have, c.extra, len(g), cap(g))
		}
		for i := range g {
			if g[i].n[0] != i || g[i].p != &one || g[i].s != "x" {
				t.Fatalf("grown(len %d, %d)[%d] = %+v, not the element kept", c.have, c.extra, i, g[i])
			}
		}
		for i, e := range g[len(g):cap(g)] {
			if e != (pointerful{}) {
				t.Fatalf("grown(len %d, %d): new element %d is %+v, not zero", c.have, c.extra, i, e)
			}
		}
	}
}

// TestGrownRestoresGC: however many loads grow at once, the collector's
// setting is what it was before them.
func TestGrownRestoresGC(t *testing.T) {
	prev := debug.SetGCPercent(77)
	defer debug.SetGCPercent(prev)
	big := prefaultMin/int(unsafe.Sizeof(pointerful{})) + 1
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 4 {
				_ = grown([]pointerful(nil), big)
			}
		})
	}
	wg.Wait()
	if got := debug.SetGCPercent(77); got != 77 {
		t.Fatalf("GC percent after concurrent grows = %d, want 77", got)
	}
}
