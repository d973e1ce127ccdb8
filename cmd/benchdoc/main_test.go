package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const sample = `goos: linux
goarch: amd64
pkg: github.com/frontline-maps/frontline/geo
cpu: AMD EPYC
BenchmarkQ1Count/n=1000000-2   	     300	   4012345 ns/op	    283675 matches	     296 B/op	       4 allocs/op
BenchmarkBuild/n=1000000-2     	       1	1200000000 ns/op	       128.2 heap-B/incident	175204344 B/op	 2846966 allocs/op
PASS
ok  	github.com/frontline-maps/frontline/geo	51.772s
`

func TestRun(t *testing.T) {
	doc := filepath.Join(t.TempDir(), "benchmarks.md")
	before := "# Benchmarks\n\nIntro.\n\n<!-- bench:geo -->\nold\n<!-- /bench:geo -->\n\nOutro.\n"
	if err := os.WriteFile(doc, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-doc", doc, "-section", "geo", "-cmd", "go test -bench .",
		"-targets", "Q1Count/n=1000000<=6ms,Build/n=1000000:heap-B/incident<=100,Q2Count/n=1000000<=1ms"}
	if err := run(args, strings.NewReader(sample), io.Discard, time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(doc)
	got := string(b)
	for _, want := range []string{
		"Intro.", "Outro.", "Command: `go test -bench .`", "Date: 2026-11-21 12:00 UTC",
		"| Q1Count/n=1000000 | 300 | 4.01ms | 296 | 4 | 283675 |  |",
		"| Q1Count/n=1000000 | 6ms | 4.01ms | yes |",
		"| Build/n=1000000 heap-B/incident | 100 | 128.2 | no |",
		"| Q2Count/n=1000000 | 1ms | not run | no |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("document lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "old") || strings.Count(got, "<!-- bench:geo -->") != 1 {
		t.Errorf("section not replaced:\n%s", got)
	}
}

func TestRunRefusesFailures(t *testing.T) {
	doc := filepath.Join(t.TempDir(), "benchmarks.md")
	err := run([]string{"-doc", doc}, strings.NewReader(sample+"--- FAIL: TestX\nFAIL\n"), io.Discard, time.Now())
	if err == nil {
		t.Fatal("a failed run was written")
	}
	if _, err := os.Stat(doc); !os.IsNotExist(err) {
		t.Errorf("document written after a failure: %v", err)
	}
}

// TestRunMedians checks that a benchmark run several times is one row of
// medians, and that its targets are judged on them.
func TestRunMedians(t *testing.T) {
	const runs = `BenchmarkQ3Count/n=1000000-2   	  100	   9000 ns/op	  2.5 x-in-process
BenchmarkQ3Count/n=1000000-2   	  300	   7000 ns/op	  1.9 x-in-process
BenchmarkQ3Count/n=1000000-2   	  200	  30000 ns/op	  1.8 x-in-process
BenchmarkQ2Count/n=1000000-2   	   10	   1000 ns/op
BenchmarkQ2Count/n=1000000-2   	   30	   3000 ns/op
PASS
`
	doc := filepath.Join(t.TempDir(), "benchmarks.md")
	args := []string{"-doc", doc, "-section", "http", "-targets", "Q3Count/n=1000000:x-in-process<=2,Q3Count/n=1000000<=8us"}
	if err := run(args, strings.NewReader(runs), io.Discard, time.Now()); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(doc)
	got := string(b)
	for _, want := range []string{
		"Each row is the median of 3 runs",
		"| Q3Count/n=1000000 | 200 | 9µs |  |  | 1.9 |",
		"| Q2Count/n=1000000 | 20 | 2µs |  |  |  |",
		"| Q3Count/n=1000000 x-in-process | 2 | 1.9 | yes |",
		"| Q3Count/n=1000000 | 8us | 9µs | no |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("document lacks %q:\n%s", want, got)
		}
	}
	if strings.Count(got, "| Q3Count/n=1000000 |") != 2 {
		t.Errorf("Q3Count is not one row and one target:\n%s", got)
	}
}
