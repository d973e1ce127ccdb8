package fuzzguard

import (
	"testing"
	"time"
)

// recorder is a testing.TB that notes a failure instead of stopping.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Fatalf(string, ...any) { r.failed = true }

func TestStart(t *testing.T) {
	quick := &recorder{TB: t}
	Start(quick)()
	if quick.failed {
		t.Error("a quick input failed")
	}
	slow := &recorder{TB: t}
	done := Start(slow)
	time.Sleep(Budget + 10*time.Millisecond)
	done()
	if !slow.failed {
		t.Error("an input slower than the budget passed")
	}
}
