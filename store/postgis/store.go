// Package postgis is Frontline's shared store: a PostgreSQL database with
// PostGIS, which several Frontline instances serve at once. It keeps what
// the GeoPackage store keeps, with the same rules (store.Write) and the
// same answers: the current records in tables with real PostGIS columns
// (geometry(Point, 4326) and geometry(MultiPolygon, 4326) with GiST
// indexes, dates as date, sources as jsonb) that QGIS and GDAL open as
// they are, and the record column (geo's stored form) as the source of
// truth; the append-only history (versions), the audit log and the tokens
// (hashes only). docs/store.md describes the tables, docs/deploy.md a
// deployment.
//
// Writes from every instance are serialised by one advisory lock, taken by
// each write transaction, so dataset versions are numbered in commit order
// and an If-Match check and its write are atomic across instances. The
// versions table is the change feed: a commit NOTIFYs channel
// ChangesChannel with its dataset version, and each instance reads the
// versions after its own (Changes); Listen wakes an instance on each
// notification, and nothing depends on one arriving.
//
// The schema is versioned in this binary (SchemaVersion) and applied by
// Migrate, one transaction per migration; Open refuses a database whose
// schema is behind unless told to migrate it. A Store is safe for
// concurrent use.
package postgis

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"time"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ChangesChannel is the channel every commit NOTIFYs, with its dataset
// version as the payload.
const ChangesChannel = "frontline_changes"

// SeedAuthor is the author the versions and audit rows of a seed name.
const SeedAuthor = "seed"

// Options configure Open. The zero value opens a migrated database.
type Options struct {
	// Seed, when not nil, gives a dataset to import in one transaction (as
	// ImportBatch does, by author SeedAuthor) when the store has no history
	// yet; it is called only then. Its error fails Open.
	Seed func() (*geo.Dataset, error)
	// Migrate applies the schema's migrations first (Migrate); without it,
	// a database whose schema is behind fails Open.
	Migrate bool
	// PoolSize is the most connections the store holds open; 0 means
	// 4 + 2 per CPU.
	PoolSize int
	// StatementTimeout bounds each statement on the server; 0 means 30
	// seconds. Loads and copies, whose statements read whole tables, set
	// their own.
	StatementTimeout time.Duration
}

// Store is an open PostGIS store.
type Store struct {
	// Writes are Create, Replace, Patch, Delete and Restore: the rules of
	// store.Write, each in one transaction under the write lock (write.go).
	store.Writes
	pool *pgxpool.Pool
	url  string // for Listen's connection of its own; never logged
	id   string
}

// Open connects to the database at url (a libpq URL or keyword/value
// string; the password from the URL, PGPASSWORD or PGPASSFILE, as libpq
// takes it), checks its schema (migrating it with opts.Migrate), and seeds
// it from opts.Seed when it has no history. Errors never include the
// password: they name the host and database at most.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	pool, err := connect(ctx, url, opts)
	if err != nil {
		return nil, err
	}
	s := &Store{pool: pool, url: url}
	s.Writes = store.Writes{Run: s.run}
	if err := s.init(ctx, opts); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// connect opens a pool on url and checks that the server answers.
func connect(ctx context.Context, url string, opts Options) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgconn's parse errors quote the string, with a password removed
		// only on a best effort; none of it is repeated.
		return nil, errors.New("postgis: the connection string does not parse: want a postgres:// URL or libpq keyword=value pairs")
	}
	cfg.MaxConns = int32(opts.PoolSize)
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = int32(4 + 2*runtime.GOMAXPROCS(0))
	}
	timeout := opts.StatementTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(timeout.Milliseconds(), 10)
	cfg.ConnConfig.RuntimeParams["application_name"] = "frontline"
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgis: connecting to %s: %w", where(cfg.ConnConfig), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgis: connecting to %s: %w", where(cfg.ConnConfig), err)
	}
	return pool, nil
}

// where names a connection's server and database, without credentials.
func where(c *pgx.ConnConfig) string {
	return fmt.Sprintf("%s:%d/%s", c.Host, c.Port, c.Database)
}

// init checks or migrates the schema, reads the store id and seeds.
func (s *Store) init(ctx context.Context, opts Options) error {
	if opts.Migrate {
		if _, _, err := migrate(ctx, s.pool); err != nil {
			return err
		}
	}
	v, err := schemaVersion(ctx, s.pool)
	if err != nil {
		return err
	}
	switch {
	case v < SchemaVersion:
		return fmt.Errorf("postgis: the database's schema is at version %d and this frontline needs %d: run frontline migrate --postgres URL (or serve --migrate)", v, SchemaVersion)
	case v > SchemaVersion:
		return fmt.Errorf("postgis: the database's schema is at version %d, later than this frontline's %d: upgrade frontline", v, SchemaVersion)
	}
	if err := s.pool.QueryRow(ctx, "SELECT value FROM frontline_store WHERE key = 'id'").Scan(&s.id); err != nil {
		return fmt.Errorf("postgis: reading the store id: %w", err)
	}
	if opts.Seed != nil {
		dv, err := s.DatasetVersion(ctx)
		if err != nil {
			return err
		}
		if dv == 0 {
			ds, err := opts.Seed()
			if err != nil {
				return fmt.Errorf("postgis: seed: %w", err)
			}
			if _, err := s.ImportBatch(ctx, store.Records(ds), SeedAuthor); err != nil {
				return err
			}
		}
	}
	return nil
}

// ID identifies the store: drawn when its schema was created, the same for
// every instance on the database.
func (s *Store) ID() string { return s.id }

// Close closes every connection. The Store must not be used afterwards.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// DatasetVersion returns the current dataset version: the number of the
// last write transaction that changed a record, 0 for a store without
// history.
func (s *Store) DatasetVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.pool.QueryRow(ctx, "SELECT coalesce(max(dataset_version), 0) FROM versions").Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("postgis: reading the dataset version: %w", unavailable(err))
	}
	return v, nil
}
