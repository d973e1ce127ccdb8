package cql2

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// undeclared are the OGC examples of classes this server does not declare
// (testdata/ogc/README.md), by file name without extension, with the
// class; every other example must parse, in both encodings.
var undeclared = map[string]string{
	"clause6_01": "functions (avg)", "clause6_02b": "functions (avg)", "clause7_18": "functions (Buffer)",
	"example68": "functions (Foo)", "example69": "functions (Bar)",
	"clause6_02c": "arithmetic", "clause7_19": "arithmetic", "example72": "arithmetic", "example73": "arithmetic",
	"example74": "arithmetic", "example75": "arithmetic", "example76": "arithmetic", "example77": "arithmetic",
	"example78": "arithmetic", "example85": "arithmetic", "example85-alt01": "arithmetic",
	"clause7_05": "accent-insensitive comparison", "example27": "accent-insensitive comparison", "example70": "accent-insensitive comparison",
	"clause7_15": "array functions", "example79": "array functions", "example80": "array functions",
	"example81": "array functions", "example82": "array functions",
}

// TestOGCExamples parses the examples of the CQL2 standard.
func TestOGCExamples(t *testing.T) {
	for _, enc := range []string{"text", "json"} {
		ext := map[string]string{"text": ".txt", "json": ".json"}[enc]
		files, err := filepath.Glob(filepath.Join("testdata", "ogc", enc, "*"+ext))
		if err != nil || len(files) < 100 {
			t.Fatalf("%d %s examples: %v", len(files), enc, err)
		}
		var failed []string
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			name := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
			if enc == "text" {
				_, err = ParseText(strings.TrimSpace(string(b)))
			} else {
				_, err = ParseJSON(b)
			}
			_, skip := undeclared[name]
			switch {
			case err != nil && !skip:
				failed = append(failed, name+": "+err.Error()+"\n    "+strings.TrimSpace(string(b)))
			case err == nil && skip:
				t.Errorf("%s %s parses, but is listed as of an undeclared class (%s)", enc, name, undeclared[name])
			}
		}
		slices.Sort(failed)
		for _, f := range failed {
			t.Errorf("%s %s", enc, f)
		}
	}
}
