package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/frontline-maps/frontline/store"
	"github.com/frontline-maps/frontline/store/gpkg"
)

// acledOverlap is the SYNTHETIC ACLED file whose rows mirror eight events
// of the UCDP sample and imitate seven others (ingest/dedup/testdata).
const acledOverlap = "../../ingest/dedup/testdata/acled-synthetic-overlap.csv"

// knownPairs are the pairs of ingest/dedup/testdata/pairs.csv marked true.
var knownPairs = []string{
	"acled-SYNTHDUP01 ucdp-164118", "acled-SYNTHDUP02 ucdp-293839", "acled-SYNTHDUP03 ucdp-216596",
	"acled-SYNTHDUP04 ucdp-265479", "acled-SYNTHDUP05 ucdp-259458", "acled-SYNTHDUP06 ucdp-298296",
	"acled-SYNTHDUP07 ucdp-400658", "acled-SYNTHDUP08 ucdp-352169",
}

// TestImportReportsKnownPairs imports the UCDP sample and then the
// overlapping ACLED file into a store: the ACLED import reports exactly the
// known pairs; frontline dedup lists them and --merge merges them; both
// files then import again without a new incident or a new pair, updating
// the merged incidents; and a UCDP re-import with no release keeps 23.1.
func TestImportReportsKnownPairs(t *testing.T) {
	db := filepath.Join(t.TempDir(), "f.gpkg")
	importJSON := func(format, file string) fileReport {
		t.Helper()
		out, _, err := runCmd(t, "import", "--format", format, "--db", db, "--json", file)
		if err != nil {
			t.Fatalf("import %s: %v\n%s", file, err, out)
		}
		var rep importReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		return rep.Files[0]
	}
	pairsOf := func(fr fileReport) []string {
		var l []string
		for _, m := range fr.Matches {
			a, b := m.Incident, m.Matches
			if b < a {
				a, b = b, a
			}
			l = append(l, a+" "+b)
		}
		slices.Sort(l)
		return l
	}

	missing := filepath.Join(t.TempDir(), "typo.gpkg")
	if _, _, err := runCmd(t, "dedup", "--db", missing); err == nil {
		t.Error("dedup of a store that does not exist succeeded")
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("dedup created a store at a path that had none")
	}

	if fr := importJSON("ucdp", ucdpSample); fr.Accepted != 265 || fr.MatchCount != 0 {
		t.Fatalf("UCDP import: %+v", fr)
	}
	fr := importJSON("acled", acledOverlap)
	if got := pairsOf(fr); !slices.Equal(got, knownPairs) || fr.MatchCount != len(knownPairs) {
		t.Fatalf("the ACLED import reported %v, want %v", got, knownPairs)
	}

	out, _, err := runCmd(t, "dedup", "--db", db, "--json")
	if err != nil {
		t.Fatal(err, out)
	}
	var rep dedupReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, p := range rep.Pairs {
		listed = append(listed, string(p.A)+" "+string(p.B))
	}
	slices.Sort(listed)
	if !slices.Equal(listed, knownPairs) {
		t.Fatalf("dedup listed %v, want %v", listed, knownPairs)
	}

	out, _, err = runCmd(t, "dedup", "--db", db, "--merge", "--min-score", "0")
	if err != nil || !strings.Contains(out, "8 candidate pairs, 8 merged") {
		t.Fatalf("dedup --merge: %v\n%s", err, out)
	}
	out, _, err = runCmd(t, "dedup", "--db", db)
	if err != nil || !strings.Contains(out, "0 candidate pairs") {
		t.Fatalf("after the merge: %v\n%s", err, out)
	}

	// Re-imports: nothing added, no pair, the merged incidents updated.
	for _, f := range [][2]string{{"acled", acledOverlap}, {"ucdp", ucdpSample}} {
		fr := importJSON(f[0], f[1])
		if fr.Folded != len(knownPairs) || fr.MatchCount != 0 {
			t.Errorf("re-import of %s: folded %d, %d pairs; want %d and 0", f[1], fr.Folded, fr.MatchCount, len(knownPairs))
		}
	}
	out, _, err = runCmd(t, "dedup", "--db", db)
	if err != nil || !strings.Contains(out, "0 candidate pairs") {
		t.Fatalf("after the re-imports: %v\n%s", err, out)
	}
	out, _, err = runCmd(t, "import", "--format", "ucdp", "--db", db, ucdpSample)
	if err != nil || !strings.Contains(out, "0 added") {
		t.Fatalf("a third import added records: %v\n%s", err, out)
	}

	// A merged incident has both origins and both datasets' sources.
	serveOut := exportIncident(t, db, "ucdp-164118")
	for _, want := range []string{`"merged_origins":["acled:SYNTHDUP01"]`, `"publisher":"UCDP GED 23.1"`, `"publisher":"Synthetic Monitor"`} {
		if !strings.Contains(serveOut, want) {
			t.Errorf("merged incident lacks %s:\n%s", want, serveOut)
		}
	}

	// No release: the stored 23.1 is kept, with a warning.
	bare := filepath.Join(t.TempDir(), "ucdp-sample.csv")
	b, err := os.ReadFile(ucdpSample)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bare, b, 0o644); err != nil {
		t.Fatal(err)
	}
	fr = importJSON("ucdp", bare)
	if len(fr.Warnings) != 1 || !strings.Contains(fr.Warnings[0], "265 incidents keep") {
		t.Errorf("warnings %q", fr.Warnings)
	}
	if got := exportIncident(t, db, "ucdp-186940"); !strings.Contains(got, `"publisher":"UCDP GED 23.1"`) {
		t.Errorf("the release was dropped:\n%s", got)
	}
}

// exportIncident returns the stored incident id of the store at db as
// GeoJSON.
func exportIncident(t *testing.T, db, id string) string {
	t.Helper()
	st, err := gpkg.Open(t.Context(), db, gpkg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v, err := st.Get(t.Context(), store.KindIncident, id)
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	b, err := json.Marshal(v.Record)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
