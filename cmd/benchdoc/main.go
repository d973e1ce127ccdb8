// Command benchdoc reads `go test -bench` output on stdin, echoes it, and
// replaces one marked section of a Markdown file with the figures: the
// command that produced them, the date, the machine, a table of every
// benchmark, and which targets are met. A section is delimited by
//
//	<!-- bench:NAME -->
//	<!-- /bench:NAME -->
//
// and is appended if the file lacks it, so each suite (geo, HTTP, ...)
// writes its own section. The file is left alone if the run failed.
//
// Targets are given as a comma-separated list of NAME[:METRIC]<=LIMIT, for
// example "Q1Count/n=1000000<=6ms,Build/n=1000000:heap-B/incident<=300".
// Without METRIC the limit is a duration compared with ns/op.
//
// A benchmark run several times (go test -count N) is one row: the median
// of its runs, metric by metric, so that one run slowed by a neighbour on
// a shared machine does not decide a target.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout, time.Now()); err != nil {
		fmt.Fprintln(os.Stderr, "benchdoc:", err)
		os.Exit(1)
	}
}

func run(args []string, in io.Reader, out io.Writer, now time.Time) error {
	fs := flag.NewFlagSet("benchdoc", flag.ContinueOnError)
	doc := fs.String("doc", "docs/benchmarks.md", "Markdown file to update")
	section := fs.String("section", "geo", "name of the marked section to replace")
	command := fs.String("cmd", "", "the command that produced the input, recorded verbatim")
	targetList := fs.String("targets", "", "comma-separated NAME[:METRIC]<=LIMIT")
	if err := fs.Parse(args); err != nil {
		return err
	}
	targets, err := parseTargets(*targetList)
	if err != nil {
		return err
	}
	res, err := parseBench(io.TeeReader(in, out))
	if err != nil {
		return err
	}
	res.lines = medians(res.lines)
	old, err := os.ReadFile(*doc)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	body := render(res, targets, *command, now, machine(res))
	return os.WriteFile(*doc, replaceSection(old, *section, body), 0o644)
}

// result is one benchmark line: its name without the GOMAXPROCS suffix and
// its metrics by unit ("ns/op", "B/op", "allocs/op", custom ones); or,
// after medians, the median of runs such lines.
type result struct {
	name    string
	iters   int
	metrics map[string]float64
	units   []string // in the order printed
	runs    int
}

// medians merges the lines of each benchmark, in the order first seen,
// into one whose iterations and metrics are the medians of its lines' (the
// mean of the middle two for an even number).
func medians(lines []result) []result {
	var out []result
	byName := map[string][]result{}
	for _, l := range lines {
		if _, ok := byName[l.name]; !ok {
			out = append(out, result{name: l.name, units: l.units})
		}
		byName[l.name] = append(byName[l.name], l)
	}
	for i := range out {
		runs := byName[out[i].name]
		out[i].runs = len(runs)
		out[i].iters = int(median(runs, func(r result) (float64, bool) { return float64(r.iters), true }))
		out[i].metrics = map[string]float64{}
		for _, u := range out[i].units {
			out[i].metrics[u] = median(runs, func(r result) (float64, bool) { v, ok := r.metrics[u]; return v, ok })
		}
	}
	return out
}

// median returns the median of the values get reports for runs, skipping
// runs without one.
func median(runs []result, get func(result) (float64, bool)) float64 {
	var vs []float64
	for _, r := range runs {
		if v, ok := get(r); ok {
			vs = append(vs, v)
		}
	}
	slices.Sort(vs)
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2]
	}
	return (vs[n/2-1] + vs[n/2]) / 2
}

type results struct {
	lines  []result
	header map[string]string // goos, goarch, pkg, cpu
}

var procSuffix = regexp.MustCompile(`-\d+$`)

// parseBench reads go test output. It fails if the run reported a failure
// or produced no benchmark.
func parseBench(r io.Reader) (*results, error) {
	res := &results{header: map[string]string{}}
	sc := bufio.NewScanner(r)
	failed := false
	for sc.Scan() {
		line := sc.Text()
		if k, v, ok := strings.Cut(line, ": "); ok && !strings.Contains(k, " ") {
			res.header[k] = v
			continue
		}
		if strings.HasPrefix(line, "FAIL") || strings.HasPrefix(line, "--- FAIL") || strings.HasPrefix(line, "panic:") {
			failed = true
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			continue
		}
		b := result{name: procSuffix.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), ""), iters: n, metrics: map[string]float64{}}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				break
			}
			b.metrics[f[i+1]] = v
			b.units = append(b.units, f[i+1])
		}
		res.lines = append(res.lines, b)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	switch {
	case failed:
		return nil, errors.New("the benchmark run failed; the document is unchanged")
	case len(res.lines) == 0:
		return nil, errors.New("no benchmark results on stdin")
	}
	return res, nil
}

// target is a limit on one metric of one benchmark.
type target struct {
	name, metric string
	limit        float64
	text         string // as given, for the table
}

func parseTargets(s string) ([]target, error) {
	var out []target
	for _, t := range strings.Split(s, ",") {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		lhs, rhs, ok := strings.Cut(t, "<=")
		if !ok {
			return nil, fmt.Errorf("target %q: want NAME[:METRIC]<=LIMIT", t)
		}
		tg := target{name: lhs, metric: "ns/op", text: rhs}
		if name, metric, ok := strings.Cut(lhs, ":"); ok {
			tg.name, tg.metric = name, metric
			v, err := strconv.ParseFloat(rhs, 64)
			if err != nil {
				return nil, fmt.Errorf("target %q: %v", t, err)
			}
			tg.limit = v
		} else {
			d, err := time.ParseDuration(rhs)
			if err != nil {
				return nil, fmt.Errorf("target %q: %v", t, err)
			}
			tg.limit = float64(d.Nanoseconds())
		}
		out = append(out, tg)
	}
	return out, nil
}

// machine describes where the benchmarks ran.
func machine(res *results) string {
	cpu := res.header["cpu"]
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	load := "unknown"
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			load = strings.Join(f[:3], " ")
		}
	}
	return fmt.Sprintf("%s %s/%s, CPU %q, %d logical CPUs (nproc), load average %s when the figures were written",
		runtime.Version(), orDefault(res.header["goos"], runtime.GOOS), orDefault(res.header["goarch"], runtime.GOARCH),
		cpu, runtime.NumCPU(), load)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// render writes the section body.
func render(res *results, targets []target, command string, now time.Time, mach string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Command: `%s`\n\n", command)
	fmt.Fprintf(&b, "Date: %s\n\n", now.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "Machine: %s\n\n", mach)
	if runs := res.lines[0].runs; runs > 1 {
		fmt.Fprintf(&b, "Each row is the median of %d runs (go test -count %d), metric by metric.\n\n", runs, runs)
	}

	var extra []string // custom metrics, in first-seen order
	for _, r := range res.lines {
		for _, u := range r.units {
			switch u {
			case "ns/op", "B/op", "allocs/op":
			default:
				if !contains(extra, u) {
					extra = append(extra, u)
				}
			}
		}
	}
	b.WriteString("| benchmark | runs | time/op | B/op | allocs/op |")
	for _, u := range extra {
		b.WriteString(" " + u + " |")
	}
	b.WriteString("\n|---|---:|---:|---:|---:|")
	for range extra {
		b.WriteString("---:|")
	}
	b.WriteString("\n")
	for _, r := range res.lines {
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s |", r.name, r.iters, duration(r.metrics, "ns/op"), number(r.metrics, "B/op"), number(r.metrics, "allocs/op"))
		for _, u := range extra {
			b.WriteString(" " + number(r.metrics, u) + " |")
		}
		b.WriteString("\n")
	}

	if len(targets) > 0 {
		b.WriteString("\n| target | limit | measured | met |\n|---|---:|---:|---|\n")
		for _, t := range targets {
			measured, met := "not run", "no"
			for _, r := range res.lines {
				if v, ok := r.metrics[t.metric]; ok && r.name == t.name {
					if t.metric == "ns/op" {
						measured = duration(r.metrics, "ns/op")
					} else {
						measured = number(r.metrics, t.metric)
					}
					if v <= t.limit {
						met = "yes"
					}
				}
			}
			label := t.name
			if t.metric != "ns/op" {
				label += " " + t.metric
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", label, t.text, measured, met)
		}
	}
	return b.String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func duration(m map[string]float64, unit string) string {
	v, ok := m[unit]
	if !ok {
		return ""
	}
	return time.Duration(v).Round(durationPrecision(v)).String()
}

// durationPrecision keeps about three significant digits.
func durationPrecision(ns float64) time.Duration {
	p := time.Duration(1)
	for float64(p)*1000 <= ns {
		p *= 10
	}
	return p
}

func number(m map[string]float64, unit string) string {
	v, ok := m[unit]
	if !ok {
		return ""
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// replaceSection returns doc with the named section's body replaced, or the
// section appended when doc has none.
func replaceSection(doc []byte, name, body string) []byte {
	open, end := "<!-- bench:"+name+" -->", "<!-- /bench:"+name+" -->"
	block := open + "\n" + body + end
	i := bytes.Index(doc, []byte(open))
	j := bytes.Index(doc, []byte(end))
	if i >= 0 && j > i {
		return append(append(append([]byte{}, doc[:i]...), block...), doc[j+len(end):]...)
	}
	if len(doc) == 0 {
		doc = []byte("# Benchmarks\n")
	}
	if !bytes.HasSuffix(doc, []byte("\n")) {
		doc = append(doc, '\n')
	}
	return append(append(doc, '\n'), block+"\n"...)
}
