package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixtureCopy copies testdata/dataset, a small valid dataset directory, to a
// temporary directory the test may break.
func fixtureCopy(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir("testdata/dataset", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("testdata/dataset", path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// runCmd runs the frontline command line and returns stdout, stderr and the
// error.
func runCmd(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(string) string { return "" }, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestCheckFixture(t *testing.T) {
	out, _, err := runCmd(t, "check", "testdata/dataset")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if want := "testdata/dataset: ok: 5 actors, 2 zones, 1 sites, 1 incidents, 1 statistics, 2 boundaries\n"; out != want {
		t.Errorf("output %q, want %q", out, want)
	}
}

func TestCheckBrokenCopies(t *testing.T) {
	tests := []struct {
		name      string
		file      string
		old, new  string // replace old by new in file; new "" with old "" deletes the file
		wantLines []string
	}{
		{"bad coordinate", "incidents.geojson", "[40.73, 36.06]", "[40.73, 136.06]",
			[]string{"incidents.geojson: shaddadi-escape: geometry: latitude 136.06 is outside [-90, 90]"}},
		{"unknown actor", "zones.geojson", `"actor": "sdf"`, `"actor": "sfd"`,
			[]string{`zones.geojson: sdf-2026-01: properties.actor: actor "sfd" does not exist`}},
		{"unknown affiliation", "actors.json", `"affiliation": "us-coalition"`, `"affiliation": "usa"`,
			[]string{`actors.json: sdf: affiliation: actor "usa" does not exist`}},
		{"duplicate id", "zones.geojson", `"id": "tanf-55km"`, `"id": "sdf-2026-01"`,
			[]string{"zones.geojson: sdf-2026-01: id: duplicate zone id (first in zones.geojson)"}},
		{"missing sources", "sites.geojson", `"sources": [{"publisher": "Test fixture"}]`, `"sources": []`,
			[]string{"sites.geojson: shaddadi-prison: properties.sources: at least one source is required"}},
		{"valid_to before valid_from", "zones.geojson", `"valid_to": null`, `"valid_to": "2025-06-30"`,
			[]string{"zones.geojson: sdf-2026-01: properties.valid_to: 2025-06-30 is before 2026-01-01"}},
		{"governorate inconsistent with boundaries", "incidents.geojson", `"governorate": "Al-Hasakeh"`, `"governorate": "Deir-ez-Zor"`,
			[]string{`incidents.geojson: shaddadi-escape: properties.governorate: is "Deir-ez-Zor" but the location lies in "Al-Hasakeh"`}},
		{"malformed JSON", "zones.geojson", `"status": "control",`, `"status": "control"`,
			[]string{"zones.geojson: features[0]: malformed JSON at byte"}},
		{"unknown property", "statistics.json", `"unit"`, `"units"`,
			[]string{"statistics.json: isis-attacks-2021: units: unknown property"}},
		{"missing actors.json", "actors.json", "", "",
			[]string{"actors.json: required file is missing"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := fixtureCopy(t)
			path := filepath.Join(dir, tc.file)
			if tc.old == "" {
				os.Remove(path)
			} else {
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Contains(b, []byte(tc.old)) {
					t.Fatalf("%s does not contain %q", tc.file, tc.old)
				}
				os.WriteFile(path, bytes.Replace(b, []byte(tc.old), []byte(tc.new), 1), 0o644)
			}
			out, _, err := runCmd(t, "check", dir)
			if err == nil {
				t.Fatalf("check passed a broken copy:\n%s", out)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != len(tc.wantLines) {
				t.Fatalf("%d problem lines, want %d:\n%s", len(lines), len(tc.wantLines), out)
			}
			for i, w := range tc.wantLines {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("line %q, want it to start %q", lines[i], w)
				}
			}
		})
	}
}

func TestCheckUsage(t *testing.T) {
	if _, _, err := runCmd(t, "check", "a", "b"); exitCode(err) != 2 {
		t.Errorf("two directories: %v, want a usage error", err)
	}
	if _, _, err := runCmd(t, "check", filepath.Join(t.TempDir(), "nope")); err == nil || !strings.Contains(err.Error(), "is not a directory") {
		t.Errorf("missing directory: %v", err)
	}
}
