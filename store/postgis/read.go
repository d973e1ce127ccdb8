package postgis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
	"github.com/jackc/pgx/v5"
)

// snapshot runs fn in a read-only REPEATABLE READ transaction: one
// consistent state of the database, a write committed meanwhile either
// wholly in it or not at all. Its statements may run for as long as ctx
// allows: loads read whole tables.
func (s *Store) snapshot(ctx context.Context, fn func(pgx.Tx) error) (err error) {
	defer func() { err = unavailable(err) }()
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = 0"); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Load returns every current record, each kind ordered by ID (bytewise),
// and the dataset version they are the state of, from one snapshot.
func (s *Store) Load(ctx context.Context) (*geo.Dataset, int64, error) {
	var (
		ds *geo.Dataset
		v  int64
	)
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(dataset_version), 0) FROM versions").Scan(&v); err != nil {
			return err
		}
		var err error
		ds, err = readDataset(ctx, tx, func(t *store.Table) (string, []any) { return t.Name, nil })
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("postgis: load: %w", err)
	}
	return ds, v, nil
}

// readDataset reads one source of records per kind into a dataset: from
// gives, for a kind's table, the FROM clause (a table, or a subquery and
// its WHERE) whose rows' record column holds them, and its arguments.
func readDataset(ctx context.Context, tx pgx.Tx, from func(*store.Table) (string, []any)) (*geo.Dataset, error) {
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

// readKind reads the records of kind k from what from gives for it: it
// counts them, then store.DecodeRows decodes them on every core as pgx
// reads them (the record column, bytea, arrives in binary as it is).
func readKind[T store.Record, P store.Stored[T]](ctx context.Context, tx pgx.Tx, out *[]T, k store.Kind, from func(*store.Table) (string, []any)) error {
	t, _ := store.TableOf(k)
	f, args := from(t)
	var n int
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+f, args...).Scan(&n); err != nil {
		return fmt.Errorf("reading %s: %w", t.Name, err)
	}
	rows, err := tx.Query(ctx, "SELECT record FROM "+f+" ORDER BY id", args...)
	if err != nil {
		return fmt.Errorf("reading %s: %w", t.Name, err)
	}
	defer rows.Close()
	recs, err := store.DecodeRows[T, P](n, t.Name, func() (string, bool, error) {
		if !rows.Next() {
			return "", false, rows.Err()
		}
		return string(rows.RawValues()[0]), true, nil
	})
	if err != nil {
		return fmt.Errorf("reading %s: %w", t.Name, err)
	}
	*out = recs
	return nil
}

// versionColumns are the columns scanVersion reads, in order.
const versionColumns = "kind, id, version, dataset_version, valid_from, author, deleted, record"

// scanVersion reads one row of versionColumns.
func scanVersion(row pgx.CollectableRow) (store.Version, error) {
	var (
		v      store.Version
		kind   string
		record []byte
	)
	if err := row.Scan(&kind, &v.ID, &v.Number, &v.DatasetVersion, &v.ValidFrom, &v.Author, &v.Deleted, &record); err != nil {
		return store.Version{}, err
	}
	v.Kind = store.Kind(kind)
	v.ValidFrom = v.ValidFrom.UTC()
	if !v.Deleted {
		var err error
		if v.Record, err = store.Decode(v.Kind, record); err != nil {
			return store.Version{}, fmt.Errorf("postgis: stored %s %q version %d does not decode: %w", kind, v.ID, v.Number, err)
		}
	}
	return v, nil
}

// versions runs a query selecting versionColumns and decodes every row.
func (s *Store) versions(ctx context.Context, query string, args ...any) ([]store.Version, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("postgis: reading versions: %w", unavailable(err))
	}
	out, err := pgx.CollectRows(rows, scanVersion)
	if err != nil {
		return nil, fmt.Errorf("postgis: reading versions: %w", unavailable(err))
	}
	return out, nil
}

// Get returns the current version of a live record: its Number is the
// expected version a write of it takes. It returns geo.ErrNotFound when the
// record does not exist or is deleted.
func (s *Store) Get(ctx context.Context, kind store.Kind, id string) (store.Version, error) {
	vs, err := s.versions(ctx, "SELECT "+versionColumns+
		" FROM versions WHERE kind = $1 AND id = $2 ORDER BY version DESC LIMIT 1", string(kind), id)
	if err != nil {
		return store.Version{}, err
	}
	return store.LiveVersion(vs, kind, id)
}

// History returns every version of a record, oldest first, tombstones
// included. It returns geo.ErrNotFound when the record never existed.
func (s *Store) History(ctx context.Context, kind store.Kind, id string) ([]store.Version, error) {
	vs, err := s.versions(ctx, "SELECT "+versionColumns+
		" FROM versions WHERE kind = $1 AND id = $2 ORDER BY version", string(kind), id)
	if err != nil {
		return nil, err
	}
	return store.WholeHistory(vs, kind, id)
}

// Changes returns every version committed by write transactions after
// dataset version since, in commit order: the change feed. Writes commit
// one at a time in dataset version order (the write lock), so a version is
// visible only after every earlier one; each transaction's versions are
// returned whole.
func (s *Store) Changes(ctx context.Context, since int64) ([]store.Version, error) {
	return s.versions(ctx, "SELECT "+versionColumns+
		" FROM versions WHERE dataset_version > $1 ORDER BY dataset_version, seq", since)
}

// ChangesPage returns a page of the change feed: the versions Changes(since)
// returns, in the same order, skipping the first offset and at most limit
// (limit > 0, offset >= 0). Committed transactions never change, so a
// (since, offset) cursor names the same change every time it is read.
func (s *Store) ChangesPage(ctx context.Context, since int64, offset, limit int) ([]store.Version, error) {
	return s.versions(ctx, "SELECT "+versionColumns+
		" FROM versions WHERE dataset_version > $1 ORDER BY dataset_version, seq LIMIT $2 OFFSET $3", since, limit, offset)
}

// VersionAt returns the dataset version current at t: the last write
// transaction committed at or before t, or 0 before the first.
func (s *Store) VersionAt(ctx context.Context, t time.Time) (int64, error) {
	var v int64
	err := s.pool.QueryRow(ctx, "SELECT coalesce(max(dataset_version), 0) FROM versions WHERE valid_from <= $1", t.UTC()).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("postgis: version at %s: %w", t.UTC().Format(time.RFC3339Nano), unavailable(err))
	}
	return v, nil
}

// DatasetAt returns the records as they were at dataset version v (each
// record's last version at or before v, unless that is a deletion), each
// kind ordered by ID.
func (s *Store) DatasetAt(ctx context.Context, v int64) (*geo.Dataset, error) {
	var ds *geo.Dataset
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		var err error
		ds, err = readDataset(ctx, tx, func(t *store.Table) (string, []any) {
			return `(SELECT DISTINCT ON (id) id, deleted, record FROM versions
  WHERE kind = $1 AND dataset_version <= $2 ORDER BY id, version DESC) AS at_version
WHERE NOT deleted`, []any{string(t.Kind), v}
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgis: the state at %d: %w", v, err)
	}
	return ds, nil
}

// ChangedSince returns how many records the write transactions after
// dataset version v changed.
func (s *Store) ChangedSince(ctx context.Context, v int64) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, "SELECT count(*) FROM (SELECT DISTINCT kind, id FROM versions WHERE dataset_version > $1) AS c", v).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgis: counting the changes since %d: %w", v, unavailable(err))
	}
	return n, nil
}

// StateAt returns every record changed by the write transactions after
// dataset version since, as it was at dataset version at: its last version
// committed at or before at, or, when it had none then, a Version of its
// Kind and ID with Deleted set and Number 0; in kind and ID order.
func (s *Store) StateAt(ctx context.Context, at, since int64) ([]store.Version, error) {
	rows, err := s.pool.Query(ctx, `WITH touched AS (SELECT DISTINCT kind, id FROM versions WHERE dataset_version > $1)
SELECT t.kind, t.id, v.version, v.dataset_version, v.valid_from, v.author, v.deleted, v.record
FROM touched t LEFT JOIN LATERAL (
  SELECT * FROM versions x WHERE x.kind = t.kind AND x.id = t.id AND x.dataset_version <= $2
  ORDER BY x.version DESC LIMIT 1) v ON true
ORDER BY t.kind, t.id`, since, at)
	if err != nil {
		return nil, fmt.Errorf("postgis: reading the state at %d: %w", at, unavailable(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Version, error) {
		var (
			kind, id    string
			number, dsv *int64
			validFrom   *time.Time
			by          *string
			deleted     *bool
			record      []byte
		)
		if err := row.Scan(&kind, &id, &number, &dsv, &validFrom, &by, &deleted, &record); err != nil {
			return store.Version{}, err
		}
		v := store.Version{Kind: store.Kind(kind), ID: id, Deleted: true}
		if number == nil {
			return v, nil
		}
		v.Number, v.DatasetVersion, v.ValidFrom, v.Author, v.Deleted = *number, *dsv, validFrom.UTC(), *by, *deleted
		if !v.Deleted {
			var err error
			if v.Record, err = store.Decode(v.Kind, record); err != nil {
				return store.Version{}, fmt.Errorf("stored %s %q version %d does not decode: %w", kind, id, v.Number, err)
			}
		}
		return v, nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgis: reading the state at %d: %w", at, unavailable(err))
	}
	return out, nil
}

// AuditLog returns the entries of the audit log that f selects, newest
// first; nil when there are none.
func (s *Store) AuditLog(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error) {
	query := `SELECT at, who, action, kind, id, coalesce(version_before, 0), version_after, dataset_version FROM audit`
	var args []any
	switch {
	case f.Kind != "" && f.ID != "":
		query, args = query+` WHERE kind = $1 AND id = $2`, []any{string(f.Kind), f.ID}
	case f.Kind != "":
		query, args = query+` WHERE kind = $1`, []any{string(f.Kind)}
	}
	query += ` ORDER BY seq DESC`
	if f.Limit > 0 {
		query, args = query+fmt.Sprintf(` LIMIT $%d`, len(args)+1), append(args, f.Limit)
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("postgis: reading the audit log: %w", unavailable(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.AuditEntry, error) {
		var (
			e    store.AuditEntry
			kind string
		)
		err := row.Scan(&e.At, &e.Who, &e.Action, &kind, &e.ID, &e.Before, &e.After, &e.DatasetVersion)
		e.Kind, e.At = store.Kind(kind), e.At.UTC()
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgis: reading the audit log: %w", unavailable(err))
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}
