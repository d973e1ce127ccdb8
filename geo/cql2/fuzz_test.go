package cql2

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/internal/fuzzguard"
)

// fuzzIncidents are a few incidents every parsed filter is run on, so the
// evaluation is fuzzed too.
var fuzzIncidents = randomIncidents(rand.New(rand.NewPCG(1, 2)), 20)

// seedExamples adds the OGC examples of an encoding to f's corpus.
func seedExamples(f *testing.F, glob string) {
	files, _ := filepath.Glob(filepath.Join("testdata", "ogc", glob))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
}

// FuzzParseText: any input is parsed or refused with an *Error, never a
// panic, within the fuzz guard's time; what parses compiles or is refused,
// and what compiles runs.
func FuzzParseText(f *testing.F) {
	seedExamples(f, "text/*.txt")
	f.Add("type = 'battles' AND S_INTERSECTS(geometry, POLYGON((38 34, 40 34, 40 36, 38 34)))")
	f.Add("NOT (date > DATE('2024-01-01')) OR actor IN ('isis', 'sdf') AND place LIKE 'al-%'")
	f.Fuzz(func(t *testing.T, src string) {
		defer fuzzguard.Start(t)()
		e, err := ParseText(src)
		checkParsed(t, e, err)
	})
}

// FuzzParseJSON is FuzzParseText for the JSON encoding.
func FuzzParseJSON(f *testing.F) {
	seedExamples(f, "json/*.json")
	f.Add(`{"op":"and","args":[{"op":"=","args":[{"property":"type"},"battles"]},{"op":"t_intersects","args":[{"property":"date"},{"interval":["2024-01-01",".."]}]}]}`)
	f.Fuzz(func(t *testing.T, src string) {
		defer fuzzguard.Start(t)()
		e, err := ParseJSON([]byte(src))
		checkParsed(t, e, err)
	})
}

func checkParsed(t *testing.T, e Expr, err error) {
	if err != nil {
		if _, ok := err.(*Error); !ok {
			t.Fatalf("error %v (%T) is not an *Error", err, err)
		}
		return
	}
	keep, err := Compile(e, IncidentSchema())
	if err != nil {
		if _, ok := err.(*Error); !ok {
			t.Fatalf("compile error %v (%T) is not an *Error", err, err)
		}
		return
	}
	for i := range fuzzIncidents {
		keep(&fuzzIncidents[i])
	}
	if _, err := PlanIncidents(e, geo.IncidentQuery{}); err != nil {
		t.Fatalf("a filter that compiles does not plan: %v", err)
	}
}
