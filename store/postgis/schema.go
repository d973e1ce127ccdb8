package postgis

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/frontline-maps/frontline/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrations are the schema's versions, in order: migrations[i] brings a
// database at schema version i to i+1. They are part of the binary; a
// migration once released is never edited, only followed by another.
var migrations = []func() []string{
	schemaV1,
	schemaV2,
}

// SchemaVersion is the schema version this code reads and writes.
var SchemaVersion = len(migrations)

// migrationLock is the key of the advisory lock that serialises
// migrations, so two instances starting with --migrate at once apply each
// one once.
const migrationLock = 0x46524d47 // "FRMG"

// writeLock is the key of the advisory lock every write transaction takes,
// so that writes from every instance commit one at a time, in dataset
// version order.
const writeLock = 0x46525752 // "FRWR"

// sqlTypes are the PostgreSQL types of the attribute columns.
var sqlTypes = map[store.ColumnType]string{
	store.TextColumn: "text", store.DateColumn: "date", store.DoubleColumn: "double precision",
	store.IntegerColumn: "integer", store.BooleanColumn: "boolean", store.SourcesColumn: "jsonb",
}

// schemaV1 creates PostGIS, the store's metadata, the current tables with
// real PostGIS geometry columns and GiST indexes, the history (versions,
// the change feed every instance follows), the audit log and the tokens.
// IDs sort bytewise (COLLATE "C"), as in the GeoPackage store, whatever the
// database's locale.
func schemaV1() []string {
	stmts := []string{
		`CREATE EXTENSION IF NOT EXISTS postgis`,
		`CREATE TABLE frontline_store (key text PRIMARY KEY, value text NOT NULL)`,
		`INSERT INTO frontline_store (key, value) VALUES ('id', md5(random()::text || clock_timestamp()::text))`,
		`CREATE TABLE versions (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind text NOT NULL,
  id text COLLATE "C" NOT NULL,
  version bigint NOT NULL,
  dataset_version bigint NOT NULL,
  valid_from timestamptz NOT NULL,
  author text NOT NULL,
  deleted boolean NOT NULL,
  origin text,
  record bytea,
  UNIQUE (kind, id, version))`,
		`CREATE INDEX versions_dataset_version ON versions (dataset_version, seq)`,
		`CREATE INDEX versions_valid_from ON versions (valid_from)`,
		`CREATE INDEX versions_origin ON versions (origin) WHERE origin IS NOT NULL`,
		`CREATE TABLE audit (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL,
  who text NOT NULL,
  action text NOT NULL,
  kind text NOT NULL,
  id text COLLATE "C" NOT NULL,
  version_before bigint,
  version_after bigint,
  dataset_version bigint NOT NULL)`,
		`CREATE INDEX audit_record ON audit (kind, id)`,
		`CREATE TABLE tokens (
  name text PRIMARY KEY,
  role text NOT NULL,
  sha256 text NOT NULL UNIQUE,
  created timestamptz NOT NULL,
  revoked timestamptz)`,
	}
	for i := range store.Tables {
		t := &store.Tables[i]
		var b strings.Builder
		fmt.Fprintf(&b, "CREATE TABLE %s (\n  id text COLLATE \"C\" PRIMARY KEY", t.Name)
		switch t.Geometry {
		case "POINT":
			b.WriteString(",\n  geom geometry(Point, 4326) NOT NULL")
		case "MULTIPOLYGON":
			b.WriteString(",\n  geom geometry(MultiPolygon, 4326) NOT NULL")
		}
		for _, c := range t.Columns {
			fmt.Fprintf(&b, ",\n  %s %s", c.Name, sqlTypes[c.Type])
		}
		b.WriteString(",\n  version bigint NOT NULL,\n  updated timestamptz NOT NULL,\n  record bytea NOT NULL)")
		stmts = append(stmts, b.String(), fmt.Sprintf("COMMENT ON TABLE %s IS '%s'", t.Name, t.Description))
		if t.Geometry != "" {
			stmts = append(stmts, fmt.Sprintf("CREATE INDEX %s_geom ON %[1]s USING gist (geom)", t.Name))
		}
	}
	return append(stmts,
		`CREATE UNIQUE INDEX incidents_origin ON incidents (origin, origin_id) WHERE origin <> '' AND origin_id <> ''`,
		`CREATE INDEX incidents_date ON incidents (date)`)
}

// Migrate brings the database at url to SchemaVersion, one transaction per
// migration, and reports the versions before and after. It is idempotent:
// a database at SchemaVersion is left alone. It fails on a database of a
// later schema than this code knows, or one that has tables of its own
// but no Frontline schema.
func Migrate(ctx context.Context, url string) (from, to int, err error) {
	pool, err := connect(ctx, url, Options{PoolSize: 2})
	if err != nil {
		return 0, 0, err
	}
	defer pool.Close()
	return migrate(ctx, pool)
}

func migrate(ctx context.Context, pool *pgxpool.Pool) (from, to int, err error) {
	from = -1
	for {
		before, after, err := migrateOne(ctx, pool)
		if from < 0 {
			from = before
		}
		if err != nil || after == before {
			return from, after, err
		}
	}
}

// migrateOne applies the next migration, when there is one, in one
// transaction under the migration lock, and reports the schema version
// before and after.
func migrateOne(ctx context.Context, pool *pgxpool.Pool) (before, after int, err error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("postgis: migrate: %w", err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLock); err != nil {
		return 0, 0, fmt.Errorf("postgis: migrate: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS frontline_schema (
  version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())`); err != nil {
		return 0, 0, fmt.Errorf("postgis: migrate: %w", err)
	}
	v, err := schemaVersion(ctx, tx)
	if err != nil {
		return 0, 0, err
	}
	if v > SchemaVersion {
		return v, v, fmt.Errorf("postgis: the database's schema is at version %d, later than this frontline's %d: upgrade frontline", v, SchemaVersion)
	}
	if v == SchemaVersion {
		return v, v, tx.Commit(ctx)
	}
	if v == 0 {
		var n int
		err := tx.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables
  WHERE table_schema = current_schema() AND table_name = ANY($1)`, []string{"versions", "incidents", "zones", "tokens"}).Scan(&n)
		if err != nil {
			return v, v, fmt.Errorf("postgis: migrate: %w", err)
		}
		if n > 0 {
			return v, v, errors.New("postgis: the database has tables named like Frontline's but no Frontline schema; use an empty database")
		}
	}
	for _, s := range migrations[v]() {
		if _, err := tx.Exec(ctx, s); err != nil {
			return v, v, fmt.Errorf("postgis: migration %d: %w", v+1, err)
		}
	}
	if _, err := tx.Exec(ctx, "INSERT INTO frontline_schema (version) VALUES ($1)", v+1); err != nil {
		return v, v, fmt.Errorf("postgis: migration %d: %w", v+1, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return v, v, fmt.Errorf("postgis: migration %d: %w", v+1, err)
	}
	return v, v + 1, nil
}

// schemaVersion reads the schema version, 0 for a database without
// frontline_schema.
func schemaVersion(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (int, error) {
	var exists bool
	if err := q.QueryRow(ctx, "SELECT to_regclass('frontline_schema') IS NOT NULL").Scan(&exists); err != nil {
		return 0, fmt.Errorf("postgis: reading the schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v int
	if err := q.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM frontline_schema").Scan(&v); err != nil {
		return 0, fmt.Errorf("postgis: reading the schema version: %w", err)
	}
	return v, nil
}
