package server

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/frontline-maps/frontline/geo"
)

// TestCSVExportNeutralizesFormulas: a text cell a spreadsheet would run
// as a formula is written with a leading apostrophe (OWASP CSV injection);
// numbers keep their sign and other text is unchanged.
func TestCSVExportNeutralizesFormulas(t *testing.T) {
	ds := ogcDataset()
	in := &ds.Incidents[0]
	in.Place = `=HYPERLINK("https://example.org","x")`
	in.Description = "+1 killed"
	id := in.ID // NewIndex reorders ds.Incidents
	ix, err := geo.NewIndex(ds)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := writeCSV(&buf, ix.Snapshot(), collectionIncidents); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	for _, row := range rows[1:] {
		if row[col["id"]] != string(id) {
			continue
		}
		if got := row[col["place"]]; got != `'=HYPERLINK("https://example.org","x")` {
			t.Errorf("place = %q", got)
		}
		if got := row[col["description"]]; got != "'+1 killed" {
			t.Errorf("description = %q", got)
		}
		return
	}
	t.Fatalf("incident %s not exported", id)
}

func TestNeutralizeFormula(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "=1+1": "'=1+1", "+x": "'+x", "-x": "'-x", "@SUM(A1)": "'@SUM(A1)",
		"\tx": "'\tx", "\rx": "'\rx", "Aleppo": "Aleppo", " =x": " =x", "'=x": "'=x",
	} {
		if got := neutralizeFormula(in); got != want {
			t.Errorf("neutralizeFormula(%q) = %q, want %q", in, got, want)
		}
	}
}
