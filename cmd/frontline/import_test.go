package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/frontline-maps/frontline/ingest"
)

// ucdpSample is the real UCDP GED 23.1 Syria sample (CC BY 4.0, see
// ingest/testdata/README.md).
const ucdpSample = "../../ingest/testdata/ucdp-ged-23.1-syria-sample.csv"

// snapshot returns every file's content under dir, by relative path.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	return out
}

func TestImportUCDPInto(t *testing.T) {
	dir := fixtureCopy(t)
	before := snapshot(t, dir)
	out, _, err := runCmd(t, "import", "--format", "ucdp", "--into", dir, ucdpSample)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := ucdpSample + ": 265 accepted, 0 rejected\nmerged into " + dir + ": 265 added, 0 updated; files: [incidents-ucdp.geojson]\n"
	if out != want {
		t.Errorf("output\n%s\nwant\n%s", out, want)
	}
	after := snapshot(t, dir)
	for name, content := range before {
		if after[name] != content {
			t.Errorf("%s was rewritten", name)
		}
	}
	written := after["incidents-ucdp.geojson"]
	if n := strings.Count(written, `"type":"Feature"`); n != 265 {
		t.Fatalf("incidents-ucdp.geojson holds %d features, want 265", n)
	}
	if !strings.Contains(written, `"publisher":"UCDP GED 23.1"`) {
		t.Error("the release was not read from the file name")
	}

	// Governorates come from the directory's boundaries (boxes in the
	// fixture), and the result passes check.
	if out, _, err := runCmd(t, "check", dir); err != nil {
		t.Errorf("check after import: %v\n%s", err, out)
	}

	// Importing again updates the same records and changes nothing.
	out, _, err = runCmd(t, "import", "--format", "ucdp", "--into", dir, ucdpSample)
	if err != nil || !strings.Contains(out, "0 added, 265 updated") {
		t.Fatalf("re-import: %v\n%s", err, out)
	}
	if again := snapshot(t, dir); !reflect.DeepEqual(again, after) {
		t.Error("re-import changed the dataset")
	}
}

func TestImportDryRunJSON(t *testing.T) {
	dir := fixtureCopy(t)
	csv := filepath.Join(t.TempDir(), "ged.csv")
	os.WriteFile(csv, []byte("id,latitude,longitude,date_start,side_a,side_b\n"+
		"1,36.5,40.7,2020-01-02,IS,SDF\n"+
		"2,north,40.7,2020-01-02,IS,SDF\n"+
		"3,36.5,40.7,2020-13-02,IS,SDF\n"), 0o644)
	before := snapshot(t, dir)
	out, _, err := runCmd(t, "import", "--format", "ucdp", "--dry-run", "--json", "--into", dir, csv)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		DryRun   bool `json:"dry_run"`
		Accepted int  `json:"accepted"`
		Rejected int  `json:"rejected"`
		Added    int  `json:"added"`
		Files    []struct {
			File     string             `json:"file"`
			Accepted int                `json:"accepted"`
			Rejected int                `json:"rejected"`
			Rows     []ingest.Rejection `json:"rows"`
		} `json:"files"`
		Written []string `json:"written"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	wantRows := []ingest.Rejection{
		{Line: 3, Column: "latitude", Reason: `"north" is not a number`},
		{Line: 4, Column: "date_start", Reason: `"2020-13-02" is not a date of the form YYYY-MM-DD`},
	}
	if !rep.DryRun || rep.Accepted != 1 || rep.Rejected != 2 || rep.Added != 1 || len(rep.Files) != 1 ||
		rep.Files[0].File != csv || !reflect.DeepEqual(rep.Files[0].Rows, wantRows) ||
		!reflect.DeepEqual(rep.Written, []string{"incidents-ucdp.geojson"}) {
		t.Errorf("report:\n%s", out)
	}
	if !reflect.DeepEqual(snapshot(t, dir), before) {
		t.Error("a dry run wrote to the dataset")
	}
}

func TestImportRefusedFile(t *testing.T) {
	dir := fixtureCopy(t)
	csv := filepath.Join(t.TempDir(), "no-latitude.csv")
	os.WriteFile(csv, []byte("id,longitude,date_start\n1,40.7,2020-01-02\n"), 0o644)
	before := snapshot(t, dir)
	out, _, err := runCmd(t, "import", "--format", "ucdp", "--into", dir, ucdpSample, csv)
	if err == nil || !strings.Contains(err.Error(), "1 of 2 files refused; nothing was written") {
		t.Fatalf("error %v", err)
	}
	if !strings.Contains(out, csv+`: refused: header lacks required column "latitude"`) {
		t.Errorf("output does not name the column:\n%s", out)
	}
	if !reflect.DeepEqual(snapshot(t, dir), before) {
		t.Error("a refused import wrote to the dataset")
	}
}

func TestImportACLEDSynthetic(t *testing.T) {
	dir := fixtureCopy(t)
	out, _, err := runCmd(t, "import", "--format", "acled", "--into", dir, "../../ingest/testdata/acled-synthetic.csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"acled-synthetic.csv: 6 accepted, 5 rejected\n",
		"acled-synthetic.csv:8: latitude: 95.2 is outside [-90, 90]\n",
		"acled-synthetic.csv:10: event_id_cnty: is empty\n",
		"files: [incidents-acled.geojson]",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestImportGeoJSON(t *testing.T) {
	dir := fixtureCopy(t)
	in := filepath.Join(t.TempDir(), "export.geojson")
	os.WriteFile(in, []byte(`{"type": "FeatureCollection", "features": [
{"type": "Feature", "id": "tabqa-dam", "geometry": {"type": "Point", "coordinates": [38.58, 35.87]}, "properties": {"name": "Tabqa dam", "kind": "dam", "sources": [{"publisher": "Test fixture"}]}},
{"type": "Feature", "id": "attack-1", "geometry": {"type": "Point", "coordinates": [40.14, 35.33]}, "properties": {"date": "2025-03-14", "date_precision": "day", "type": "battles", "actors": [{"actor": "isis", "role": "perpetrator"}], "precision_m": 2000, "fatalities_low": 1, "fatalities_best": 1, "fatalities_high": 1, "fatalities_civilians": 0, "sources": [{"publisher": "Test fixture"}], "status": "reported"}}
]}`), 0o644)
	before := snapshot(t, dir)
	out, _, err := runCmd(t, "import", "--format", "geojson", "--into", dir, in)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "2 added, 0 updated; files: [incidents.geojson sites.geojson]") {
		t.Errorf("output:\n%s", out)
	}
	after := snapshot(t, dir)
	if after["zones.geojson"] != before["zones.geojson"] {
		t.Error("zones.geojson rewritten by an import with no zones")
	}
	// The curated incident keeps its place; the new one got its
	// governorate from the fixture's boundaries.
	if !strings.Contains(after["incidents.geojson"], `"id":"shaddadi-escape"`) || !strings.Contains(after["incidents.geojson"], `"governorate":"Deir-ez-Zor"`) {
		t.Errorf("incidents.geojson:\n%s", after["incidents.geojson"])
	}
	if out, _, err := runCmd(t, "check", dir); err != nil {
		t.Errorf("check after import: %v\n%s", err, out)
	}
}

func TestImportUsage(t *testing.T) {
	for _, args := range [][]string{
		{"import", ucdpSample},
		{"import", "--format", "csv", ucdpSample},
		{"import", "--format", "ucdp"},
	} {
		if _, _, err := runCmd(t, args...); exitCode(err) != 2 {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}
