// Package fuzzguard bounds the time one fuzz input may take, so that an
// input that makes a parser slow (quadratic, say) is a failure that the
// fuzzer saves under testdata/fuzz like a crasher, not a run that merely
// takes longer. It is imported by tests only.
package fuzzguard

import (
	"testing"
	"time"
)

// Budget is the most one input may take. A fuzz input is at most a few
// kilobytes and takes microseconds to milliseconds, even under the race
// detector on a loaded machine; two seconds is a thousand times that, so
// only an input that is slow in itself crosses it.
const Budget = 2 * time.Second

// Start starts timing one input; defer the function it returns at the top
// of the fuzz body:
//
//	f.Fuzz(func(t *testing.T, b []byte) {
//		defer fuzzguard.Start(t)()
//		…
//	})
//
// The deferred call fails t when the body took longer than Budget.
func Start(t testing.TB) func() {
	start := time.Now()
	return func() {
		if d := time.Since(start); d > Budget {
			t.Fatalf("this input took %v, more than the %v budget of one fuzz input", d.Round(time.Millisecond), Budget)
		}
	}
}
