package gpkg

import (
	"bytes"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// decodeGeometry decodes a GeoPackage geometry blob.
func decodeGeometry(b []byte) (orb.Geometry, error) {
	_, _, body, err := parseHeader(b)
	if err != nil {
		return nil, err
	}
	return wkb.Unmarshal(body)
}

func TestGeometryBlob(t *testing.T) {
	square := orb.MultiPolygon{{{{40, 36}, {41, 36}, {41, 37.5}, {40, 37.5}, {40, 36}}}}
	tests := []struct {
		name  string
		g     orb.Geometry
		flags byte
		env   []float64 // minx, maxx, miny, maxy
	}{
		{"point", orb.Point{38.6333, 33.5}, 0x01, nil},
		{"multipolygon", square, 0x03, []float64{40, 41, 36, 37.5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := encodeGeometry(tc.g)
			if err != nil {
				t.Fatal(err)
			}
			if string(b[:2]) != "GP" || b[2] != 0 || b[3] != tc.flags || binary.LittleEndian.Uint32(b[4:]) != 4326 {
				t.Fatalf("header % x", b[:8])
			}
			for i, want := range tc.env {
				if got := math.Float64frombits(binary.LittleEndian.Uint64(b[8+8*i:])); got != want {
					t.Errorf("envelope[%d] = %g, want %g", i, got, want)
				}
			}
			wkbStart := 8 + 8*len(tc.env)
			if b[wkbStart] != 1 {
				t.Errorf("WKB byte order %d, want 1 (little endian)", b[wkbStart])
			}
			g, err := decodeGeometry(b)
			if err != nil {
				t.Fatal(err)
			}
			if !orb.Equal(g, tc.g) {
				t.Errorf("decoded %v, want %v", g, tc.g)
			}
		})
	}
	// GDAL's bytes for POINT(1 2), from ogr2ogr (see the ecosystem notes).
	gdal := "47500001e6100000" + "0101000000" + "000000000000f03f" + "0000000000000040"
	b, _ := encodeGeometry(orb.Point{1, 2})
	if got := hex.EncodeToString(b); got != gdal {
		t.Errorf("POINT(1 2) = %s, want GDAL's %s", got, gdal)
	}
	for _, bad := range [][]byte{nil, []byte("GP"), []byte("XP\x00\x01\xe6\x10\x00\x00"), []byte("GP\x00\x0f\xe6\x10\x00\x00")} {
		if _, err := decodeGeometry(bad); err == nil {
			t.Errorf("decoded % x", bad)
		}
	}
}

// TestGeoPackageStructure checks the file against the parts of GeoPackage
// 1.3 that GIS tools rely on.
func TestGeoPackageStructure(t *testing.T) {
	s, path := openTest(t, Options{Seed: seedOf(testDataset())})
	if _, err := s.Delete(t.Context(), store.KindIncident, "ucdp-2", 1, "alice"); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	var app, uv int64
	if err := db.QueryRow("PRAGMA application_id").Scan(&app); err != nil || app != 0x47504B47 {
		t.Errorf("application_id = %#x, %v", app, err)
	}
	if err := db.QueryRow("PRAGMA user_version").Scan(&uv); err != nil || uv != 10300 {
		t.Errorf("user_version = %d, %v", uv, err)
	}
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v", mode, err)
	}
	// GDAL reads the header from the file itself, so it must be on disk
	// while the store is open (SQLite header: user_version at byte 60,
	// application_id at 68, big endian).
	header := make([]byte, 100)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.ReadAt(header, 0)
	f.Close()
	if err != nil || binary.BigEndian.Uint32(header[68:]) != 0x47504B47 || binary.BigEndian.Uint32(header[60:]) != 10300 {
		t.Errorf("file header: application_id %#x, user_version %d, %v",
			binary.BigEndian.Uint32(header[68:]), binary.BigEndian.Uint32(header[60:]), err)
	}

	var def string
	if err := db.QueryRow("SELECT definition FROM gpkg_spatial_ref_sys WHERE srs_id = 4326 AND organization = 'EPSG' AND organization_coordsys_id = 4326").Scan(&def); err != nil || def != wgs84WKT {
		t.Errorf("EPSG:4326 definition %q, %v", def, err)
	}
	if n := countDB(t, db, "SELECT count(*) FROM gpkg_spatial_ref_sys WHERE srs_id IN (-1, 0) AND definition = 'undefined'"); n != 2 {
		t.Errorf("%d undefined SRS rows, want 2", n)
	}

	contents := []struct {
		table, dataType, geomType string
		rows                      int
		extent                    *orb.Bound
	}{
		{"actors", "attributes", "", 3, nil},
		{"zones", "features", "MULTIPOLYGON", 2, &orb.Bound{Min: orb.Point{38.04, 33.0}, Max: orb.Point{41, 37}}},
		// ucdp-2 (40.502, 36.1) is deleted: the extent shrinks to what is left.
		{"incidents", "features", "POINT", 2, &orb.Bound{Min: orb.Point{40.501, 36.06}, Max: orb.Point{40.6, 36.1}}},
		{"sites", "features", "POINT", 1, &orb.Bound{Min: orb.Point{40.6, 36.05}, Max: orb.Point{40.6, 36.05}}},
		{"boundaries", "features", "MULTIPOLYGON", 1, &orb.Bound{Min: orb.Point{39.5, 35.5}, Max: orb.Point{42.4, 37.4}}},
		{"statistics", "attributes", "", 1, nil},
		{"versions", "attributes", "", len(store.Records(testDataset())) + 1, nil},
		{"audit", "attributes", "", len(store.Records(testDataset())) + 1, nil},
		{"tokens", "attributes", "", 0, nil},
		{"frontline_store", "attributes", "", 2, nil},
		{"watches", "attributes", "", 0, nil},
		{"watch_events", "attributes", "", 0, nil},
		{"watch_cursor", "attributes", "", 1, nil},
	}
	for _, tc := range contents {
		var (
			dataType   string
			srs        sql.NullInt64
			minX, minY sql.NullFloat64
			maxX, maxY sql.NullFloat64
			lastChange string
		)
		err := db.QueryRow("SELECT data_type, srs_id, min_x, min_y, max_x, max_y, last_change || '' FROM gpkg_contents WHERE table_name = ?",
			tc.table).Scan(&dataType, &srs, &minX, &minY, &maxX, &maxY, &lastChange)
		if err != nil {
			t.Errorf("%s: gpkg_contents: %v", tc.table, err)
			continue
		}
		if dataType != tc.dataType {
			t.Errorf("%s: data_type %q, want %q", tc.table, dataType, tc.dataType)
		}
		if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`).MatchString(lastChange) {
			t.Errorf("%s: last_change %q is not a GeoPackage DATETIME", tc.table, lastChange)
		}
		if n := countDB(t, db, "SELECT count(*) FROM "+tc.table); n != tc.rows {
			t.Errorf("%s: %d rows, want %d", tc.table, n, tc.rows)
		}
		if tc.geomType == "" {
			if srs.Valid || minX.Valid {
				t.Errorf("%s: attribute table with srs_id or extent", tc.table)
			}
			continue
		}
		var geomType string
		var gsrs, z, m int
		err = db.QueryRow("SELECT geometry_type_name, srs_id, z, m FROM gpkg_geometry_columns WHERE table_name = ? AND column_name = 'geom'",
			tc.table).Scan(&geomType, &gsrs, &z, &m)
		if err != nil || geomType != tc.geomType || gsrs != 4326 || z != 0 || m != 0 || srs.Int64 != 4326 {
			t.Errorf("%s: gpkg_geometry_columns %s %d %d %d, %v", tc.table, geomType, gsrs, z, m, err)
		}
		got := []float64{minX.Float64, minY.Float64, maxX.Float64, maxY.Float64}
		want := []float64{tc.extent.Min[0], tc.extent.Min[1], tc.extent.Max[0], tc.extent.Max[1]}
		for i := range got {
			// The circle's drawn polygon gives the zones' extent a
			// few-decimal fuzz.
			if math.Abs(got[i]-want[i]) > 0.01 {
				t.Errorf("%s: extent %v, want %v", tc.table, got, want)
				break
			}
		}

		// Every geometry blob decodes to the record's geometry.
		rows, err := db.Query("SELECT geom, record FROM " + tc.table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var blob, record []byte
			if err := rows.Scan(&blob, &record); err != nil {
				t.Fatal(err)
			}
			g, err := decodeGeometry(blob)
			if err != nil {
				t.Fatalf("%s: %v", tc.table, err)
			}
			kind := map[string]store.Kind{"zones": store.KindZone, "incidents": store.KindIncident, "sites": store.KindSite, "boundaries": store.KindBoundary}[tc.table]
			rec, err := store.Decode(kind, record)
			if err != nil {
				t.Fatal(err)
			}
			if want := recordGeometry(rec); !orb.Equal(g, want) {
				t.Errorf("%s: blob decodes to %v, record has %v", tc.table, g, want)
			}
		}
		rows.Close()
	}

	// The circle zone keeps its true circle in attribute columns.
	var lon, lat, radius float64
	if err := db.QueryRow("SELECT circle_lon, circle_lat, circle_radius_m FROM zones WHERE id = 'al-tanf'").Scan(&lon, &lat, &radius); err != nil || lon != 38.6333 || lat != 33.5 || radius != 55000 {
		t.Errorf("circle columns %g %g %g, %v", lon, lat, radius, err)
	}
	var from, to sql.NullString
	if err := db.QueryRow("SELECT valid_from || '', valid_to || '' FROM zones WHERE id = 'sdf-2026'").Scan(&from, &to); err != nil || from.String != "2024-12-06" || to.Valid {
		t.Errorf("valid_from %v, valid_to %v, %v; want 2024-12-06 and NULL", from, to, err)
	}
}

// recordGeometry is what the geom column must hold for rec: the geometry,
// polygons as multipolygons, circles as their drawn polygon.
func recordGeometry(rec store.Record) orb.Geometry {
	var g orb.Geometry
	switch r := rec.(type) {
	case geo.Zone:
		g = r.Area
		if r.Circle != nil {
			g = r.Circle.Polygon(geo.CirclePolygonVertices)
		}
	case geo.Boundary:
		g = r.Area
	case geo.Incident:
		return r.Location
	case geo.Site:
		return r.Location
	}
	if p, ok := g.(orb.Polygon); ok {
		return orb.MultiPolygon{p}
	}
	return g
}

func countDB(t *testing.T, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func integrityCheck(t *testing.T, db *sql.DB) {
	t.Helper()
	var res string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Errorf("integrity_check = %q, %v", res, err)
	}
	rows, err := db.Query("PRAGMA foreign_key_check")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if rows.Next() {
		t.Error("foreign_key_check reports violations")
	}
}

// TestOlderPageSize: a file made with another page size (SQLite's default,
// as stores before pageSize were) keeps it, is switched to WAL like any
// other, and takes writes.
func TestOlderPageSize(t *testing.T) {
	s, path := openTest(t, Options{Seed: seedOf(testDataset())})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	db.SetMaxOpenConns(1) // page_size holds for the connection that vacuums
	for _, q := range []string{"PRAGMA journal_mode = DELETE", "PRAGMA page_size = 4096", "VACUUM"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	db.Close()
	s, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for pragma, want := range map[string]string{"page_size": "4096", "journal_mode": "wal"} {
		var got string
		if err := s.w.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil || got != want {
			t.Errorf("PRAGMA %s = %q, %v; want %q", pragma, got, err, want)
		}
	}
	if _, err := s.Create(t.Context(), testUCDP(7), "alice"); err != nil {
		t.Fatal(err)
	}
}

// TestConnectionSettings checks the pragmas durability and concurrency rest
// on.
func TestConnectionSettings(t *testing.T) {
	s, _ := openTest(t, Options{})
	tests := []struct {
		db     *sql.DB
		pragma string
		want   string
	}{
		{s.w, "journal_mode", "wal"},
		{s.w, "page_size", "16384"},
		{s.w, "synchronous", "2"}, // FULL
		{s.w, "foreign_keys", "1"},
		{s.w, "busy_timeout", "5000"},
		{s.r, "query_only", "1"},
		{s.r, "busy_timeout", "5000"},
	}
	for _, tc := range tests {
		var got string
		if err := tc.db.QueryRow("PRAGMA " + tc.pragma).Scan(&got); err != nil || got != tc.want {
			t.Errorf("PRAGMA %s = %q, %v; want %q", tc.pragma, got, err, tc.want)
		}
	}
}

func TestIntegrityAndBackup(t *testing.T) {
	s, path := openTest(t, Options{Seed: seedOf(testDataset())})
	if _, err := s.ImportBatch(t.Context(), ucdpBatch(10, 200), "importer"); err != nil {
		t.Fatal(err)
	}
	integrityCheck(t, rawDB(t, path))

	backup := filepath.Join(t.TempDir(), "backup.gpkg")
	if err := s.BackupTo(t.Context(), backup); err != nil {
		t.Fatal(err)
	}
	if err := s.BackupTo(t.Context(), backup); err == nil {
		t.Error("BackupTo overwrote an existing file")
	}
	// The backup is a complete store on its own, in rollback-journal mode.
	if _, err := os.Stat(backup + "-wal"); err == nil {
		t.Error("the backup has a WAL file")
	}
	db := rawDB(t, backup)
	integrityCheck(t, db)
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "delete" {
		t.Errorf("backup journal_mode = %q, %v", mode, err)
	}
	db.Close()
	b, err := Open(t.Context(), backup, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	want, wv, _ := s.Load(t.Context())
	got, gv, err := b.Load(t.Context())
	if err != nil || gv != wv || mustJSON(t, got) != mustJSON(t, want) {
		t.Errorf("backup loads version %d, %v; want the store's version %d and records", gv, err, wv)
	}
}

// TestGDAL opens the file with GDAL's ogrinfo and checks each layer's
// feature count, then runs GDAL's GeoPackage validator when it is installed.
func TestGDAL(t *testing.T) {
	ogrinfo, err := exec.LookPath("ogrinfo")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ogrinfo is not on PATH; CI must install gdal-bin")
		}
		t.Skip("ogrinfo is not on PATH; install gdal-bin (apt-get install gdal-bin) to run this test")
	}
	s, path := openTest(t, Options{Seed: seedOf(testDataset())})
	if _, err := s.ImportBatch(t.Context(), ucdpBatch(10, 60), "importer"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete(t.Context(), store.KindIncident, "ucdp-20", 1, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateToken(t.Context(), "alice", store.RoleEditor); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	for _, table := range []string{"actors", "zones", "incidents", "sites", "boundaries", "statistics", "versions", "audit", "tokens", "frontline_store",
		"watches", "watch_events", "watch_cursor"} {
		want[table] = count(t, s, "SELECT count(*) FROM "+table)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	out := checkOgrinfo(t, ogrinfo, path, want)
	if !bytes.Contains(out, []byte("Geometry: Point")) || !bytes.Contains(out, []byte("Geometry: Multi Polygon")) {
		t.Errorf("ogrinfo geometry types:\n%s", out)
	}
	t.Logf("ogrinfo:\n%s", out)

	validator := "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"
	if p, err := exec.LookPath("validate_gpkg.py"); err == nil {
		validator = p
	}
	if _, err := os.Stat(validator); err != nil {
		t.Logf("validate_gpkg.py not found; skipping GDAL's validator")
		return
	}
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		python = "python3"
	}
	vout, err := exec.Command(python, validator, "--extra", "--warning-as-error", path).CombinedOutput()
	if err != nil {
		t.Fatalf("validate_gpkg.py: %v\n%s", err, vout)
	}
	t.Logf("validate_gpkg.py --extra --warning-as-error: ok %s", vout)
}

// checkOgrinfo runs ogrinfo on the file and checks that the layers of want
// have those feature counts (and that there are no other layers, when want
// names them all). It returns ogrinfo's output.
func checkOgrinfo(t *testing.T, ogrinfo, path string, want map[string]int) []byte {
	t.Helper()
	out, err := exec.Command(ogrinfo, "-ro", "-so", "-al", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	if bytes.Contains(out, []byte("Warning")) || bytes.Contains(out, []byte("ERROR")) {
		t.Errorf("ogrinfo complained:\n%s", out)
	}
	got := map[string]int{}
	var layer string
	for line := range strings.Lines(string(out)) {
		line = strings.TrimSpace(line)
		if name, ok := strings.CutPrefix(line, "Layer name: "); ok {
			layer = name
		}
		if n, ok := strings.CutPrefix(line, "Feature Count: "); ok {
			got[layer], _ = strconv.Atoi(n)
		}
	}
	for table, n := range want {
		if got[table] != n {
			t.Errorf("ogrinfo: layer %s has %d features, want %d", table, got[table], n)
		}
	}
	// The current tables, versions, audit, tokens, frontline_store and the
	// three watch tables.
	if tables := len(store.Tables) + 4 + 3; len(got) != tables {
		t.Errorf("ogrinfo lists layers %v, want the %d tables", got, tables)
	}
	return out
}
