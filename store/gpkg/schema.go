package gpkg

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/frontline-maps/frontline/store"
)

// The GeoPackage header values (GeoPackage 1.3, clause 1.1.1.1.1). GDAL 3.6
// warns about 10400, so the store writes 1.3.
const (
	applicationID = 0x47504B47 // "GPKG"
	userVersion   = 10300
)

// wgs84WKT is the definition of EPSG:4326 as the GeoPackage specification
// (Annex C, table 17) and GDAL write it.
const wgs84WKT = `GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]`

// coreDDL creates the mandatory GeoPackage tables exactly as the
// specification's Annex C gives them, and their three required SRS rows.
var coreDDL = []string{
	`CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL PRIMARY KEY,
  organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL,
  definition TEXT NOT NULL,
  description TEXT)`,
	`INSERT INTO gpkg_spatial_ref_sys VALUES
  ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'),
  ('WGS 84 geodetic', 4326, 'EPSG', 4326, '` + wgs84WKT + `', 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid')`,
	`CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY,
  data_type TEXT NOT NULL,
  identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
  srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))`,
	`CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL,
  column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL,
  z TINYINT NOT NULL,
  m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))`,
}

// historyDDL creates the store's own attribute tables. Timestamps in them
// are TEXT rather than DATETIME because they keep nanoseconds (timeFormat),
// which GeoPackage's DATETIME (milliseconds) cannot hold; fixed width makes
// them sort as text in time order.
var historyDDL = []string{
	// versions is the append-only history: every version of every record,
	// tombstones included. dataset_version numbers the write transaction.
	`CREATE TABLE versions (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  dataset_version INTEGER NOT NULL,
  valid_from TEXT NOT NULL,
  author TEXT NOT NULL,
  deleted BOOLEAN NOT NULL,
  origin TEXT,
  record BLOB,
  UNIQUE (kind, id, version))`,
	`CREATE INDEX versions_dataset_version ON versions (dataset_version)`,
	`CREATE INDEX versions_origin ON versions (origin) WHERE origin IS NOT NULL`,
	`CREATE TABLE audit (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  at TEXT NOT NULL,
  who TEXT NOT NULL,
  action TEXT NOT NULL,
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  version_before INTEGER,
  version_after INTEGER,
  dataset_version INTEGER NOT NULL)`,
	`CREATE INDEX audit_record ON audit (kind, id)`,
	`CREATE TABLE tokens (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  sha256 TEXT NOT NULL UNIQUE,
  created TEXT NOT NULL,
  revoked TEXT)`,
}

// sqlTypes are the GeoPackage types of the attribute columns: a day as
// DATE text, sources as their publishers' names.
var sqlTypes = map[store.ColumnType]string{
	store.TextColumn: "TEXT", store.DateColumn: "DATE", store.DoubleColumn: "DOUBLE",
	store.IntegerColumn: "INTEGER", store.BooleanColumn: "BOOLEAN", store.SourcesColumn: "TEXT",
}

// ddl returns the statements that create the content table and register it
// in gpkg_contents (and gpkg_geometry_columns for a feature table).
func ddl(sp *store.Table) []string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (\n  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL", sp.Name)
	if sp.Geometry != "" {
		fmt.Fprintf(&b, ",\n  geom %s NOT NULL", sp.Geometry)
	}
	b.WriteString(",\n  id TEXT NOT NULL UNIQUE")
	for _, c := range sp.Columns {
		fmt.Fprintf(&b, ",\n  %s %s", c.Name, sqlTypes[c.Type])
	}
	b.WriteString(",\n  version INTEGER NOT NULL,\n  updated DATETIME NOT NULL,\n  record BLOB NOT NULL)")
	out := []string{b.String()}
	if sp.Geometry == "" {
		return append(out, fmt.Sprintf(`INSERT INTO gpkg_contents (table_name, data_type, identifier, description)
  VALUES ('%s', 'attributes', '%[1]s', '%s')`, sp.Name, sp.Description))
	}
	out = append(out,
		fmt.Sprintf(`INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
  VALUES ('%s', 'features', '%[1]s', '%s', %d)`, sp.Name, sp.Description, srsWGS84),
		fmt.Sprintf(`INSERT INTO gpkg_geometry_columns VALUES ('%s', 'geom', '%s', %d, 0, 0)`,
			sp.Name, sp.Geometry, srsWGS84))
	if sp.Points() {
		// min() and max() over an indexed column are single index probes,
		// so the extent stays cheap to recompute with a million incidents.
		out = append(out,
			fmt.Sprintf("CREATE INDEX %s_lon ON %[1]s (lon)", sp.Name),
			fmt.Sprintf("CREATE INDEX %s_lat ON %[1]s (lat)", sp.Name))
	}
	if sp.Kind == store.KindIncident {
		out = append(out, "CREATE UNIQUE INDEX incidents_origin ON incidents (origin, origin_id) WHERE "+originIndexed)
	}
	return out
}

// upsertSQL returns the statement that inserts a current record or updates
// the row of the same id in place, so a record keeps its fid (QGIS's
// feature id) across versions.
func upsertSQL(sp *store.Table) string {
	names := []string{"id"}
	if sp.Geometry != "" {
		names = append(names, "geom")
	}
	for _, c := range sp.Columns {
		names = append(names, c.Name)
	}
	names = append(names, "version", "updated", "record")
	sets := make([]string, 0, len(names)-1)
	for _, n := range names[1:] {
		sets = append(sets, n+" = excluded."+n)
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (id) DO UPDATE SET %s",
		sp.Name, strings.Join(names, ", "), strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", "),
		strings.Join(sets, ", "))
}

// originIndexed is the condition of the partial index on incidents' origin.
// SQLite uses a partial index only for a query whose WHERE clause contains
// its condition, so lookups by origin repeat it.
const originIndexed = "origin <> '' AND origin_id <> ''"

// createSchema creates every table of an empty database and sets the
// GeoPackage header fields, inside tx.
func createSchema(ctx context.Context, tx *sql.Tx) error {
	stmts := []string{
		fmt.Sprintf("PRAGMA application_id = %d", applicationID),
		fmt.Sprintf("PRAGMA user_version = %d", userVersion),
	}
	stmts = append(stmts, coreDDL...)
	for i := range store.Tables {
		stmts = append(stmts, ddl(&store.Tables[i])...)
	}
	stmts = append(stmts, historyDDL...)
	for _, table := range []string{"versions", "audit", "tokens"} {
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO gpkg_contents (table_name, data_type, identifier, description)
  VALUES ('%s', 'attributes', '%[1]s', '%s')`, table, historyDescriptions[table]))
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("gpkg: creating schema: %w", err)
		}
	}
	return nil
}

var historyDescriptions = map[string]string{
	"versions": "Every version of every record, tombstones included",
	"audit":    "Who changed what, when, with the versions before and after",
	"tokens":   "API tokens: name, role and the SHA-256 of the secret",
}
