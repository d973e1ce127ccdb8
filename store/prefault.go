package store

import (
	"runtime/debug"
	"slices"
	"sync"
	"unsafe"
)

// prefaultMin is the size, in bytes, from which grown writes a new array's
// memory before returning it: a megabyte, 256 pages. Below it the faults
// are too few to matter.
const prefaultMin = 1 << 20

// prefaultMu serialises grown's switching the collector off and on, so two
// loads at once cannot leave it off (the second would restore the first's
// -1).
var prefaultMu sync.Mutex

// grown returns s with room for at least n more elements, as slices.Grow
// does, but with every byte of a large new array (prefaultMin or more)
// written before it is returned, with the garbage collector held off while
// it is allocated and written. A store's loader makes one array for a
// million records and decodes into it on every core; an array the
// collector is free to scan first is slow to fill:
//
// a new large object has no pages yet; the collector's mark workers scan
// it (it holds pointers) and, reading, map each of its pages to the
// kernel's shared zero page; the decoders' first write to each page then
// takes a copy-on-write fault, which unmaps the zero page with a TLB
// shootdown on every core. On the 2-core VM of docs/benchmarks.md those
// interrupts cost a start-up at 1M incidents 1.2-4.6 s of system time
// (serve --db 4.0-7.4 s -> 3.0-3.4 s, side by side). Written first, each page
// takes one ordinary fault instead. debug.SetGCPercent(-1) returns only
// once a running mark has ended, so none is under way while the array is
// written; the previous setting is restored before grown returns.
func grown[T any](s []T, n int) []T {
	if n <= cap(s)-len(s) {
		return s
	}
	size := uintptr(len(s)+n) * unsafe.Sizeof(*new(T))
	if size < prefaultMin {
		return slices.Grow(s, n)
	}
	prefaultMu.Lock()
	defer prefaultMu.Unlock()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	t := make([]T, len(s), len(s)+n)
	copy(t, s)
	clear(t[len(s):cap(t)])
	return t
}
