// Package gpkg is Frontline's embedded store: one GeoPackage 1.3 file (an
// OGC-standard SQLite database that QGIS and GDAL open directly) holding the
// current records, every version of every record, an audit log and the API
// tokens. docs/store.md describes the file format and the guarantees.
//
// The feature tables zones, incidents, sites and boundaries and the
// attribute tables actors and statistics hold the current records: one row
// per live record, with attribute columns for GIS tools and the record's
// stored form (geo's AppendBinary, docs/store.md) in the record column,
// which is the source of truth; the table frontline_store holds the store's
// id and the format of that column, and Open converts a file of an earlier
// format. The attribute table versions is the append-only history every
// read of the past is answered from; deleting a record appends a tombstone
// version and removes its current row, so nothing is ever lost.
//
// Writes go through one connection in immediate transactions with
// synchronous=FULL in WAL mode: a write that returned nil is on disk and
// survives kill -9 and power loss, and a batch commits whole or not at all.
// Reads use a separate pool of connections, so they never wait for a writer
// and always see a committed state. A Store is safe for concurrent use.
package gpkg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Timestamps in the versions, audit and tokens tables: RFC 3339, UTC, with
// nanoseconds at fixed width so that text order is time order.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

// datetimeFormat is the form GeoPackage requires of DATETIME columns.
const datetimeFormat = "2006-01-02T15:04:05.000Z"

// defaultBusyTimeout is how long a write waits for the write lock held by
// another process (another frontline command on the same file).
const defaultBusyTimeout = 5 * time.Second

// readConns is the most read connections a Store opens, and readCacheKiB
// the page cache of each (negative: KiB, as SQLite's cache_size takes it).
const (
	readConns    = 4
	readCacheKiB = -1024
)

// pageSize is the page size of a new store's file, in bytes. With
// SQLite's default of 4096 a million incidents fill 300,000 pages; at 16
// KiB a quarter as many pages are written, spilled to the WAL and copied
// back, and an import of a million incidents took 15-23% less time side
// by side (docs/benchmarks.md, start-up and import). A file made before
// keeps its page size.
const pageSize = 16384

// SeedAuthor is the author the versions and audit rows of a seed name.
const SeedAuthor = "seed"

// Options configure Open. The zero value opens or creates an empty store.
type Options struct {
	// Seed, when not nil, gives a dataset to import in one transaction (as
	// ImportBatch does, by author SeedAuthor) when the store has no history
	// yet, which is the case for a new file; it is called only then, so a
	// store that has one opens without reading it. Its error, or one
	// invalid record, fails Open and leaves the store empty.
	Seed func() (*geo.Dataset, error)
	// BusyTimeout is how long a write waits for a lock held by another
	// process before failing; 0 means 5 seconds.
	BusyTimeout time.Duration
}

// Store is an open GeoPackage store. Its methods are safe for concurrent
// use.
type Store struct {
	// Writes are Create, Replace, Patch, Delete and Restore: the rules of
	// store.Write, each in one immediate transaction (write.go).
	store.Writes
	w *sql.DB // a single connection, so writes are serialised in-process
	r *sql.DB // read-only connections
	// backupDSN opens a reader that may run VACUUM INTO, which query_only
	// forbids.
	backupDSN string
	id        string // see ID
}

// Open opens the GeoPackage at path, creating it with Frontline's schema
// when the file is missing or empty, and seeds it from opts.Seed when it has
// no history. It fails when the file is not a GeoPackage, is a GeoPackage
// without Frontline's tables, or cannot be opened, and with the seed's
// error (a *BatchError) when a seed record is invalid.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	busy := opts.BusyTimeout
	if busy <= 0 {
		busy = defaultBusyTimeout
	}
	common := []string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", busy.Milliseconds()),
		"_pragma=foreign_keys(1)",
	}
	// synchronous=FULL makes every commit fsync the WAL: NORMAL would
	// survive a crash of the process but could lose the last commits on
	// power loss. init sets WAL mode (after the page size of a new file).
	w, err := sql.Open("sqlite", dsn(path, slices.Concat(common,
		[]string{"_pragma=synchronous(FULL)", "_txlock=immediate"})...))
	if err != nil {
		return nil, fmt.Errorf("gpkg: opening %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	s := &Store{w: w, backupDSN: dsn(path, common...)}
	s.Writes = store.Writes{Run: s.run}
	if err := s.init(ctx, path); err != nil {
		w.Close()
		return nil, err
	}
	s.r, err = sql.Open("sqlite", dsn(path, slices.Concat(common, []string{"_pragma=query_only(1)", fmt.Sprintf("_pragma=cache_size(%d)", readCacheKiB)})...))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("gpkg: opening %s: %w", path, err)
	}
	// Each connection keeps a page cache of its own (readCacheKiB; SQLite's
	// default is 2 MiB), and reads are CPU-bound: past a few per core more
	// connections only cost memory. Many readers at once (a thousand event
	// streams woken by one write) queue for these instead. The reads that
	// matter to users are the index's, not these (history, feeds, exports).
	s.r.SetMaxOpenConns(readConns)
	s.r.SetMaxIdleConns(readConns)
	if opts.Seed != nil {
		if err := s.seed(ctx, opts.Seed); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// dsn returns the modernc DSN of a file URI for path. SQLite decodes %XX in
// URI paths and would cut the path at '?' or '#', so those are escaped.
func dsn(path string, params ...string) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + esc + "?" + strings.Join(params, "&")
}

// init creates the schema in an empty database, or checks that an existing
// one is a GeoPackage with Frontline's tables.
func (s *Store) init(ctx context.Context, path string) error {
	// The page size takes effect only in a file with no pages yet, and
	// WAL mode, which the store runs in, fixes it for good. The writer's
	// connection is the only one open, so the switch to WAL cannot be
	// refused by a reader of this process; the mode persists in the file
	// for every later connection.
	for _, p := range []string{fmt.Sprintf("PRAGMA page_size = %d", pageSize), "PRAGMA journal_mode = WAL"} {
		if _, err := s.w.ExecContext(ctx, p); err != nil {
			return fmt.Errorf("gpkg: opening %s: %w", path, err)
		}
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("gpkg: opening %s: %w", path, err)
	}
	defer tx.Rollback()
	var app, tables int64
	if err := tx.QueryRowContext(ctx, "PRAGMA application_id").Scan(&app); err != nil {
		return fmt.Errorf("gpkg: opening %s: %w", path, err)
	}
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&tables); err != nil {
		return fmt.Errorf("gpkg: opening %s: %w", path, err)
	}
	created := false
	switch {
	case app == 0 && tables == 0:
		if err := createSchema(ctx, tx); err != nil {
			return err
		}
		if err := createMeta(ctx, tx); err != nil {
			return fmt.Errorf("gpkg: creating schema: %w", err)
		}
		created = true
	case app != applicationID:
		return fmt.Errorf("gpkg: %s is not a GeoPackage (application_id %#x)", path, app)
	default:
		want := []string{"versions", "audit", "tokens"}
		for _, sp := range store.Tables {
			want = append(want, sp.Name)
		}
		for _, t := range want {
			var n int
			err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", t).Scan(&n)
			if err != nil {
				return fmt.Errorf("gpkg: opening %s: %w", path, err)
			}
			if n == 0 {
				return fmt.Errorf("gpkg: %s is a GeoPackage without Frontline's %s table", path, t)
			}
		}
		if err := migrate(ctx, tx); err != nil {
			return fmt.Errorf("gpkg: opening %s: %w", path, err)
		}
	}
	if err := ensureWatchTables(ctx, tx); err != nil {
		return fmt.Errorf("gpkg: opening %s: %w", path, err)
	}
	if err := tx.QueryRowContext(ctx, "SELECT value FROM frontline_store WHERE key = 'id'").Scan(&s.id); err != nil {
		return fmt.Errorf("gpkg: opening %s: reading the store id: %w", path, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("gpkg: opening %s: %w", path, err)
	}
	if created {
		// GDAL reads application_id and user_version from the file's
		// first page on disk, not through SQLite; until a checkpoint
		// copies the new schema out of the WAL it would see zeros and
		// warn that this is no GeoPackage.
		if _, err := s.w.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			return fmt.Errorf("gpkg: opening %s: %w", path, err)
		}
	}
	return nil
}

// seed imports the dataset seed gives when the store has no history. Two processes seeding the
// same new file at once are harmless: the import upserts, so the second
// finds every record unchanged.
func (s *Store) seed(ctx context.Context, seed func() (*geo.Dataset, error)) error {
	v, err := s.DatasetVersion(ctx)
	if err != nil || v > 0 {
		return err
	}
	ds, err := seed()
	if err != nil {
		return fmt.Errorf("gpkg: seed: %w", err)
	}
	_, err = s.ImportBatch(ctx, store.Records(ds), SeedAuthor)
	return err
}

// Close checkpoints the WAL into the main file, so the .gpkg alone is
// complete once Close returns, and closes every connection. The Store must
// not be used afterwards.
func (s *Store) Close() error {
	rerr := s.r.Close()
	// A checkpoint that another process's reader keeps from finishing is
	// not an error: the WAL stays and is replayed by the next opener.
	_, cerr := s.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	return errors.Join(rerr, cerr, s.w.Close())
}

// DatasetVersion returns the current dataset version: the number of the
// last write transaction that changed a record, 0 for a store without
// history. It only ever grows, so it serves as an ETag of the whole dataset.
func (s *Store) DatasetVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.r.QueryRowContext(ctx, "SELECT coalesce(max(dataset_version), 0) FROM versions").Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("gpkg: reading the dataset version: %w", err)
	}
	return v, nil
}

// Backup writes a consistent snapshot of the store to w as a GeoPackage
// file: BackupTo a temporary file, streamed to w (BackupWith).
func (s *Store) Backup(ctx context.Context, w io.Writer) error {
	return BackupWith(w, func(path string) error { return s.BackupTo(ctx, path) })
}

// BackupWith has write make a GeoPackage file at a path in a new temporary
// directory, streams the file to w and removes it: the export of a store
// as a GeoPackage, whichever store.
func BackupWith(w io.Writer, write func(path string) error) error {
	dir, err := os.MkdirTemp("", "frontline-export-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "frontline.gpkg")
	if err := write(path); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// BackupTo writes a consistent snapshot of the store to a new GeoPackage
// file at path with VACUUM INTO, while reads and writes go on, and syncs it
// to disk. The copy is compacted and in rollback-journal mode, so the file
// alone is complete. It fails when path already exists.
func (s *Store) BackupTo(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("gpkg: backup: %s already exists", path)
	}
	db, err := sql.Open("sqlite", s.backupDSN)
	if err != nil {
		return fmt.Errorf("gpkg: backup: %w", err)
	}
	_, err = db.ExecContext(ctx, "VACUUM INTO ?", path)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("gpkg: backup to %s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("gpkg: backup: %w", err)
	}
	// VACUUM INTO does not sync its output.
	return errors.Join(f.Sync(), f.Close())
}
