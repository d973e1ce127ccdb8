package catalog_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/frontline-maps/frontline/catalog"
	"github.com/frontline-maps/frontline/store/gpkg"
)

// TestImportLast: an import is in the index when Import returns, so the
// next file of one command is matched against it; the last file's import
// (Last) is stored without the index catching up, and a catalog opened
// afterwards has it.
func TestImportLast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.gpkg")
	st, err := gpkg.Open(t.Context(), path, gpkg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c := catalog.New(st)
	if err := c.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	file := func(id string) *strings.Reader {
		return strings.NewReader(`{"type":"FeatureCollection","features":[{"type":"Feature","id":"` + id + `",` +
			`"geometry":{"type":"Point","coordinates":[38.9,35]},"properties":{"date":"2026-01-19","date_precision":"day",` +
			`"type":"battles","sub_type":"armed_clash","actors":[],"precision_m":1000,"fatalities_low":0,"fatalities_best":0,` +
			`"fatalities_high":0,"fatalities_civilians":0,"sources":[{"publisher":"Reuters","url":"https://www.reuters.com/x"}],` +
			`"status":"reported"}}]}`)
	}
	for _, last := range []bool{false, true} {
		id := map[bool]string{false: "first", true: "second"}[last]
		rep, err := c.Import(t.Context(), catalog.ImportRequest{Format: "geojson", Last: last}, file(id), "cli")
		if err != nil || !rep.Stored || rep.Added != 1 {
			t.Fatalf("import of %s (Last %v): %+v, %v", id, last, rep, err)
		}
	}
	if _, in, _ := c.Snapshot().Len(); in != 1 {
		t.Errorf("after an import and a last one the index holds %d incidents, want the first only", in)
	}
	again := catalog.New(st)
	if err := again.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, in, _ := again.Snapshot().Len(); in != 2 {
		t.Errorf("a catalog loaded after the last import holds %d incidents, want 2", in)
	}
}
