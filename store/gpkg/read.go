package gpkg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
)

// Load returns every current record, each kind ordered by ID, and the
// dataset version they are the state of. It reads one snapshot: a write committed meanwhile is
// either wholly in the result or not at all.
func (s *Store) Load(ctx context.Context) (*geo.Dataset, int64, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, fmt.Errorf("gpkg: load: %w", err)
	}
	defer tx.Rollback()
	var v int64
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(dataset_version), 0) FROM versions").Scan(&v); err != nil {
		return nil, 0, fmt.Errorf("gpkg: load: %w", err)
	}
	ds, err := readDataset(ctx, tx, func(sp *store.Table) (string, []any) { return sp.Name, nil })
	if err != nil {
		return nil, 0, err
	}
	return ds, v, nil
}

// readDataset reads one source of records per kind into a dataset: from
// gives, for a kind's spec, the FROM clause (a table, or a subquery and
// its WHERE) whose rows' record column holds them, and its arguments.
func readDataset(ctx context.Context, tx *sql.Tx, from func(*store.Table) (string, []any)) (*geo.Dataset, error) {
	ds := &geo.Dataset{}
	err := errors.Join(
		readKind(ctx, tx, &ds.Actors, store.KindActor, from),
		readKind(ctx, tx, &ds.Zones, store.KindZone, from),
		readKind(ctx, tx, &ds.Incidents, store.KindIncident, from),
		readKind(ctx, tx, &ds.Sites, store.KindSite, from),
		readKind(ctx, tx, &ds.Boundaries, store.KindBoundary, from),
		readKind(ctx, tx, &ds.Statistics, store.KindStatistic, from))
	if err != nil {
		return nil, err
	}
	return ds, nil
}

// readKind reads the records of kind k from what from gives for it.
func readKind[T store.Record, P store.Stored[T]](ctx context.Context, tx *sql.Tx, out *[]T, k store.Kind, from func(*store.Table) (string, []any)) error {
	sp, _ := store.TableOf(k)
	f, args := from(sp)
	return loadTable[T, P](ctx, tx, out, sp.Name, f, args...)
}

// loadTable reads the records of table, as the rows of from (a FROM
// clause and its args) give them, into *out, ordered by id: it counts them
// first, then store.DecodeRows decodes them on every core as they are read.
func loadTable[T store.Record, P store.Stored[T]](ctx context.Context, tx *sql.Tx, out *[]T, table, from string, args ...any) error {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+from, args...).Scan(&n); err != nil {
		return fmt.Errorf("gpkg: load %s: %w", table, err)
	}
	rows, err := tx.QueryContext(ctx, "SELECT record FROM "+from+" ORDER BY id", args...)
	if err != nil {
		return fmt.Errorf("gpkg: load %s: %w", table, err)
	}
	defer rows.Close()
	recs, err := store.DecodeRows[T, P](n, table, func() (string, bool, error) {
		if !rows.Next() {
			return "", false, rows.Err()
		}
		var raw sql.RawBytes
		if err := rows.Scan(&raw); err != nil {
			return "", false, err
		}
		return string(raw), true, nil
	})
	if err != nil {
		return fmt.Errorf("gpkg: load %s: %w", table, err)
	}
	*out = recs
	return nil
}

// versionColumns are the columns scanVersion reads, in order.
const versionColumns = "kind, id, version, dataset_version, valid_from, author, deleted, record"

// scanVersion reads one row of versionColumns.
func scanVersion(sc interface{ Scan(...any) error }) (store.Version, error) {
	var (
		v      store.Version
		kind   string
		at     string
		record []byte
	)
	if err := sc.Scan(&kind, &v.ID, &v.Number, &v.DatasetVersion, &at, &v.Author, &v.Deleted, &record); err != nil {
		return store.Version{}, err
	}
	v.Kind = store.Kind(kind)
	t, err := time.Parse(timeFormat, at)
	if err != nil {
		return store.Version{}, fmt.Errorf("gpkg: %s %q version %d: bad timestamp %q", kind, v.ID, v.Number, at)
	}
	v.ValidFrom = t
	if !v.Deleted {
		if v.Record, err = store.Decode(v.Kind, record); err != nil {
			return store.Version{}, fmt.Errorf("gpkg: stored %s %q version %d does not decode: %w", kind, v.ID, v.Number, err)
		}
	}
	return v, nil
}

// versions runs a query selecting versionColumns and decodes every row.
func (s *Store) versions(ctx context.Context, query string, args ...any) ([]store.Version, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("gpkg: reading versions: %w", err)
	}
	defer rows.Close()
	var out []store.Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("gpkg: reading versions: %w", err)
	}
	return out, nil
}

// Get returns the current version of a live record: its Number is the
// expected version a write of it takes. It returns geo.ErrNotFound when the
// record does not exist or is deleted.
func (s *Store) Get(ctx context.Context, kind store.Kind, id string) (store.Version, error) {
	vs, err := s.versions(ctx, "SELECT "+versionColumns+
		" FROM versions WHERE kind = ? AND id = ? ORDER BY version DESC LIMIT 1", string(kind), id)
	if err != nil {
		return store.Version{}, err
	}
	return store.LiveVersion(vs, kind, id)
}

// History returns every version of a record, oldest first, tombstones
// included. It returns geo.ErrNotFound when the record never existed.
func (s *Store) History(ctx context.Context, kind store.Kind, id string) ([]store.Version, error) {
	vs, err := s.versions(ctx, "SELECT "+versionColumns+
		" FROM versions WHERE kind = ? AND id = ? ORDER BY version", string(kind), id)
	if err != nil {
		return nil, err
	}
	return store.WholeHistory(vs, kind, id)
}

// AsOf returns the records as they were at time t (each record's last
// version committed at or before t, unless that is a deletion), each kind
// ordered by ID, and the dataset version of that state. A t before the
// first write gives an empty dataset and version 0.
func (s *Store) AsOf(ctx context.Context, t time.Time) (*geo.Dataset, int64, error) {
	at := t.UTC().Format(timeFormat)
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, fmt.Errorf("gpkg: as of %s: %w", at, err)
	}
	defer tx.Rollback()
	var v int64
	err = tx.QueryRowContext(ctx, "SELECT coalesce(max(dataset_version), 0) FROM versions WHERE valid_from <= ?", at).Scan(&v)
	if err != nil {
		return nil, 0, fmt.Errorf("gpkg: as of %s: %w", at, err)
	}
	ds, err := datasetAt(ctx, tx, v)
	return ds, v, err
}

// DatasetAt returns the records as they were at dataset version v (each
// record's last version at or before v, unless that is a deletion), each
// kind ordered by ID: AsOf for a version rather than a time.
func (s *Store) DatasetAt(ctx context.Context, v int64) (*geo.Dataset, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("gpkg: the state at %d: %w", v, err)
	}
	defer tx.Rollback()
	return datasetAt(ctx, tx, v)
}

// datasetAt reads the records at dataset version v in tx.
func datasetAt(ctx context.Context, tx *sql.Tx, v int64) (*geo.Dataset, error) {
	// SQLite takes the bare columns of an aggregate query with max() from
	// the row holding the maximum
	// (https://sqlite.org/lang_select.html#bareagg): here, each record's
	// last version at v.
	ds, err := readDataset(ctx, tx, func(sp *store.Table) (string, []any) {
		return `(SELECT id, max(version), deleted, record FROM versions WHERE kind = ? AND dataset_version <= ? GROUP BY id)
WHERE NOT deleted`, []any{string(sp.Kind), v}
	})
	if err != nil {
		return nil, fmt.Errorf("gpkg: the state at %d: %w", v, err)
	}
	return ds, nil
}

// ChangedSince returns how many records the write transactions after
// dataset version v changed: the length of StateAt(_, v), without reading
// the records.
func (s *Store) ChangedSince(ctx context.Context, v int64) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT DISTINCT kind, id FROM versions WHERE dataset_version > ?)", v).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("gpkg: counting the changes since %d: %w", v, err)
	}
	return n, nil
}

// VersionAt returns the dataset version current at t: the last write
// transaction committed at or before t, or 0 before the first. The state
// AsOf(t) returns is the state at that version, so callers can cache it.
func (s *Store) VersionAt(ctx context.Context, t time.Time) (int64, error) {
	at := t.UTC().Format(timeFormat)
	var v int64
	err := s.r.QueryRowContext(ctx, "SELECT coalesce(max(dataset_version), 0) FROM versions WHERE valid_from <= ?", at).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("gpkg: version at %s: %w", at, err)
	}
	return v, nil
}

// StateAt returns every record changed by the write transactions after
// dataset version since, as it was at dataset version at: its last version
// committed at or before at, or, when it had none then, a Version of its
// Kind and ID with Deleted set and Number 0. A process holding the state at
// any version from since on (say, the current state) reaches the state at
// at by applying them, so a past state costs what the changes since it
// cost, not a reload. The records are in kind and ID order; it reads in
// one transaction, so the answer is consistent.
func (s *Store) StateAt(ctx context.Context, at, since int64) ([]store.Version, error) {
	rows, err := s.r.QueryContext(ctx, `WITH touched AS (SELECT DISTINCT kind, id FROM versions WHERE dataset_version > ?)
SELECT t.kind, t.id, v.version, v.dataset_version, v.valid_from, v.author, v.deleted, v.record
FROM touched t LEFT JOIN versions v ON v.fid = (
  SELECT x.fid FROM versions x WHERE x.kind = t.kind AND x.id = t.id AND x.dataset_version <= ?
  ORDER BY x.version DESC LIMIT 1)
ORDER BY t.kind, t.id`, since, at)
	if err != nil {
		return nil, fmt.Errorf("gpkg: reading the state at %d: %w", at, err)
	}
	defer rows.Close()
	var out []store.Version
	for rows.Next() {
		var (
			kind, id      string
			number, dsv   sql.NullInt64
			validFrom, by sql.NullString
			deleted       sql.NullBool
			record        []byte
		)
		if err := rows.Scan(&kind, &id, &number, &dsv, &validFrom, &by, &deleted, &record); err != nil {
			return nil, fmt.Errorf("gpkg: reading the state at %d: %w", at, err)
		}
		v := store.Version{Kind: store.Kind(kind), ID: id, Deleted: true}
		if number.Valid {
			v.Number, v.DatasetVersion, v.Author, v.Deleted = number.Int64, dsv.Int64, by.String, deleted.Bool
			if v.ValidFrom, err = time.Parse(timeFormat, validFrom.String); err != nil {
				return nil, fmt.Errorf("gpkg: %s %q version %d: bad timestamp %q", kind, id, v.Number, validFrom.String)
			}
		}
		if !v.Deleted {
			if v.Record, err = store.Decode(v.Kind, record); err != nil {
				return nil, fmt.Errorf("gpkg: stored %s %q version %d does not decode: %w", kind, id, v.Number, err)
			}
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("gpkg: reading the state at %d: %w", at, err)
	}
	return out, nil
}

// Changes returns every version committed by write transactions after
// dataset version since, in commit order, so that a process holding the
// state at since (say, another server's in-memory index) can apply them
// and reach the current state. Each transaction's versions are returned
// whole; a deletion has Deleted set and no Record.
func (s *Store) Changes(ctx context.Context, since int64) ([]store.Version, error) {
	// Ordering by dataset_version first lets SQLite walk its index rather
	// than scan the table; fid grows with it, so the order is commit order.
	return s.versions(ctx, "SELECT "+versionColumns+
		" FROM versions WHERE dataset_version > ? ORDER BY dataset_version, fid", since)
}

// ChangesPage returns a page of the change feed: the versions Changes(since)
// returns, in the same order, skipping the first offset and at most limit
// (limit > 0, offset >= 0). Committed transactions never change, so a
// (since, offset) cursor names the same change every time it is read.
func (s *Store) ChangesPage(ctx context.Context, since int64, offset, limit int) ([]store.Version, error) {
	return s.versions(ctx, "SELECT "+versionColumns+
		" FROM versions WHERE dataset_version > ? ORDER BY dataset_version, fid LIMIT ? OFFSET ?", since, limit, offset)
}

// Audit returns the audit log of one record, oldest first; nil when it has
// none.
func (s *Store) Audit(ctx context.Context, kind store.Kind, id string) ([]store.AuditEntry, error) {
	entries, err := s.AuditLog(ctx, store.AuditFilter{Kind: kind, ID: id})
	slices.Reverse(entries)
	return entries, err
}

// AuditLog returns the entries of the audit log that f selects, newest
// first; nil when there are none.
func (s *Store) AuditLog(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error) {
	query := `SELECT at, who, action, kind, id, coalesce(version_before, 0), version_after, dataset_version FROM audit`
	var args []any
	switch {
	case f.Kind != "" && f.ID != "":
		query, args = query+` WHERE kind = ? AND id = ?`, []any{string(f.Kind), f.ID}
	case f.Kind != "":
		query, args = query+` WHERE kind = ?`, []any{string(f.Kind)}
	}
	query += ` ORDER BY fid DESC`
	if f.Limit > 0 {
		query, args = query+` LIMIT ?`, append(args, f.Limit)
	}
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("gpkg: reading the audit log: %w", err)
	}
	defer rows.Close()
	var out []store.AuditEntry
	for rows.Next() {
		var e store.AuditEntry
		var at string
		if err := rows.Scan(&at, &e.Who, &e.Action, &e.Kind, &e.ID, &e.Before, &e.After, &e.DatasetVersion); err != nil {
			return nil, fmt.Errorf("gpkg: reading the audit log: %w", err)
		}
		if e.At, err = time.Parse(timeFormat, at); err != nil {
			return nil, fmt.Errorf("gpkg: audit of %s %q: bad timestamp %q", e.Kind, e.ID, at)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
