package gpkg

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/frontline-maps/frontline/store"
)

// The store's own metadata is the attribute table frontline_store, one row
// per key:
//
//   - "id": 32 hex digits drawn when the file is created (or first opened
//     by a Frontline that keeps an id). With the dataset version it names
//     a stored state: every process opening the file, and any copy of it
//     (BackupTo), reports the same pair for the same state.
//   - "record_format": the format of the record columns, geo's stored form
//     (recordFormat). A file without the table holds format 0, the
//     records' GeoJSON as text; Open converts it.
const metaDDL = `CREATE TABLE frontline_store (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  key TEXT NOT NULL UNIQUE,
  value TEXT NOT NULL)`

// recordFormat is the format of the record columns this code writes.
const recordFormat = 1

// migrateBatch is how many rows a format conversion reads at a time.
const migrateBatch = 10_000

// createMeta creates frontline_store with a new id, in tx.
func createMeta(ctx context.Context, tx *sql.Tx) error {
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return err
	}
	stmts := []string{metaDDL,
		`INSERT INTO gpkg_contents (table_name, data_type, identifier, description)
  VALUES ('frontline_store', 'attributes', 'frontline_store', 'The store''s id and the format of its record columns')`}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO frontline_store (key, value) VALUES ('id', ?), ('record_format', ?)",
		hex.EncodeToString(raw[:]), strconv.Itoa(recordFormat))
	return err
}

// migrate brings an existing store to recordFormat inside tx: a store of
// format 0 gets frontline_store and has every record column (the current
// tables' and the versions') rewritten in geo's stored form, declared
// BLOB. A store of a later format than this code knows is refused.
func migrate(ctx context.Context, tx *sql.Tx) error {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'frontline_store'").Scan(&n); err != nil {
		return err
	}
	if n == 1 {
		var v string
		if err := tx.QueryRowContext(ctx, "SELECT value FROM frontline_store WHERE key = 'record_format'").Scan(&v); err != nil {
			return fmt.Errorf("reading the record format: %w", err)
		}
		if f, err := strconv.Atoi(v); err != nil || f > recordFormat {
			return fmt.Errorf("its records are in format %q, newer than this Frontline's %d", v, recordFormat)
		}
		return nil
	}
	if err := createMeta(ctx, tx); err != nil {
		return err
	}
	for _, sp := range store.Tables {
		kind := sp.Kind
		if err := convertRecords(ctx, tx, sp.Name, "''", "NOT NULL DEFAULT x''", func(string) store.Kind { return kind }); err != nil {
			return err
		}
	}
	return convertRecords(ctx, tx, "versions", "kind", "", func(k string) store.Kind { return store.Kind(k) })
}

// convertRecords rewrites the record column of table from stored JSON to
// geo's stored form: a new BLOB column (with constraint) filled row by row,
// the old column dropped and the new one renamed. kindColumn selects each
// row's kind (an empty string literal for a table of one kind), and kindOf
// maps it to a Kind.
// A NULL record (a tombstone's) stays NULL.
func convertRecords(ctx context.Context, tx *sql.Tx, table, kindColumn, constraint string, kindOf func(string) store.Kind) error {
	if _, err := tx.ExecContext(ctx, "ALTER TABLE "+table+" ADD COLUMN record_next BLOB "+constraint); err != nil {
		return fmt.Errorf("converting %s: %w", table, err)
	}
	update, err := tx.PrepareContext(ctx, "UPDATE "+table+" SET record_next = ? WHERE fid = ?")
	if err != nil {
		return fmt.Errorf("converting %s: %w", table, err)
	}
	defer update.Close()
	type stale struct {
		fid    int64
		kind   string
		record []byte
	}
	for after := int64(-1); ; {
		rows, err := tx.QueryContext(ctx, "SELECT fid, "+kindColumn+", record FROM "+table+
			" WHERE fid > ? AND record IS NOT NULL ORDER BY fid LIMIT ?", after, migrateBatch)
		if err != nil {
			return fmt.Errorf("converting %s: %w", table, err)
		}
		var batch []stale
		for rows.Next() {
			var st stale
			if err := rows.Scan(&st.fid, &st.kind, &st.record); err != nil {
				rows.Close()
				return fmt.Errorf("converting %s: %w", table, err)
			}
			batch = append(batch, st)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return fmt.Errorf("converting %s: %w", table, err)
		}
		if len(batch) == 0 {
			break
		}
		for _, st := range batch {
			rec, err := store.DecodeJSON(kindOf(st.kind), st.record)
			if err != nil {
				return fmt.Errorf("converting %s row %d: %w", table, st.fid, err)
			}
			b, err := store.Encode(rec)
			if err != nil {
				return fmt.Errorf("converting %s row %d: %w", table, st.fid, err)
			}
			if _, err := update.ExecContext(ctx, b, st.fid); err != nil {
				return fmt.Errorf("converting %s: %w", table, err)
			}
		}
		after = batch[len(batch)-1].fid
	}
	for _, s := range []string{
		"ALTER TABLE " + table + " DROP COLUMN record",
		"ALTER TABLE " + table + " RENAME COLUMN record_next TO record",
	} {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("converting %s: %w", table, err)
		}
	}
	return nil
}

// ID returns the store's id: 32 hex digits kept in the file, the same for
// every process that opens it and for its backups.
func (s *Store) ID() string { return s.id }
