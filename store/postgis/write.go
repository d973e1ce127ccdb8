package postgis

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/encoding/wkb"
)

// The writes below are store.Write's rules (store/write.go) over a writeTx,
// this file's implementation of store.Tx in one transaction that holds the
// write lock.

// ImportBatch stores records in one transaction, all or none:
// store.Write.Import, whose first invalid record fails the batch with a
// *store.BatchError. Another instance sees the batch whole or not at all.
func (s *Store) ImportBatch(ctx context.Context, records []store.Record, author string) (store.ImportResult, error) {
	var res store.ImportResult
	err := s.write(ctx, author, func(w *store.Write, _ *writeTx) error {
		var err error
		res, err = w.Import(records)
		return err
	})
	if err != nil {
		return store.ImportResult{}, err
	}
	return res, nil
}

// run is store.Writes's Run: fn in one write transaction.
func (s *Store) run(ctx context.Context, author string, fn func(*store.Write) error) error {
	return s.write(ctx, author, func(w *store.Write, _ *writeTx) error { return fn(w) })
}

// writeTx is one write transaction, store.Tx for the rules.
type writeTx struct {
	ctx    context.Context
	tx     pgx.Tx
	filled bool // a copy filled the store (Fill)
}

// exec runs one statement of the transaction.
func (w *writeTx) exec(sql string, args ...any) error {
	_, err := w.tx.Exec(w.ctx, sql, args...)
	return err
}

// write runs fn in one transaction holding the write lock and commits it,
// with a NOTIFY of its dataset version when it wrote anything. Any error
// from fn rolls everything back. An error that says the database went away
// is marked store.ErrUnavailable.
func (s *Store) write(ctx context.Context, author string, fn func(*store.Write, *writeTx) error) (err error) {
	defer func() { err = unavailable(err) }()
	if strings.TrimSpace(author) == "" {
		return errors.New("postgis: a write needs an author")
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgis: beginning a write: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", writeLock); err != nil {
		return fmt.Errorf("postgis: beginning a write: %w", err)
	}
	var (
		dataset int64
		last    *time.Time
	)
	err = tx.QueryRow(ctx, `SELECT coalesce(max(dataset_version), 0),
  (SELECT valid_from FROM versions ORDER BY dataset_version DESC, seq DESC LIMIT 1) FROM versions`).Scan(&dataset, &last)
	if err != nil {
		return fmt.Errorf("postgis: beginning a write: %w", err)
	}
	// timestamptz keeps microseconds. AsOf relies on later versions having
	// later times; a clock stepped back, or another instance's clock
	// behind this one's, must not break that.
	at := time.Now().UTC().Truncate(time.Microsecond)
	if last != nil && !at.After(*last) {
		at = last.UTC().Add(time.Microsecond)
	}
	wt := &writeTx{ctx: ctx, tx: tx}
	w := store.NewWrite(wt, author, at, dataset+1)
	if err := fn(w, wt); err != nil {
		return err
	}
	if w.Wrote() || wt.filled {
		if _, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", ChangesChannel, strconv.FormatInt(dataset+1, 10)); err != nil {
			return fmt.Errorf("postgis: notifying: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		// A commit whose answer was lost may or may not have happened:
		// the client retries with If-Match, which tells.
		return fmt.Errorf("postgis: committing: %w", err)
	}
	return nil
}

// Latest implements store.Tx.
func (w *writeTx) Latest(k store.Kind, id string) (store.Latest, error) {
	var st store.Latest
	err := w.tx.QueryRow(w.ctx, "SELECT version, deleted, record, coalesce(origin, '') FROM versions WHERE kind = $1 AND id = $2 ORDER BY version DESC LIMIT 1",
		string(k), id).Scan(&st.Number, &st.Deleted, &st.Record, &st.Origin)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Latest{}, nil
	}
	return st, err
}

// Stored implements store.Tx.
func (w *writeTx) Stored(k store.Kind, id string, n int64) ([]byte, bool, bool, error) {
	var (
		deleted bool
		record  []byte
	)
	err := w.tx.QueryRow(w.ctx, "SELECT deleted, record FROM versions WHERE kind = $1 AND id = $2 AND version = $3",
		string(k), id, n).Scan(&deleted, &record)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, false, nil
	}
	return record, deleted, err == nil, err
}

// OriginHolder implements store.Tx, in one round trip; the second lookup
// runs only when the first finds no holder.
func (w *writeTx) OriginHolder(o geo.Origin, except string) (string, bool, error) {
	var (
		id      *string
		deleted bool
	)
	err := w.tx.QueryRow(w.ctx, `WITH h(id) AS (SELECT (SELECT id FROM incidents WHERE origin = $1 AND origin_id = $2 AND id <> $3
  AND origin <> '' AND origin_id <> ''))
SELECT id, CASE WHEN id IS NULL THEN EXISTS (SELECT 1 FROM versions v WHERE v.kind = 'incident' AND v.origin = $4 AND v.deleted
  AND v.version = (SELECT max(version) FROM versions x WHERE x.kind = 'incident' AND x.id = v.id)) ELSE false END FROM h`,
		o.Dataset, o.ID, except, store.OriginKey(o)).Scan(&id, &deleted)
	if err != nil {
		return "", false, fmt.Errorf("postgis: looking up origin %s: %w", o, err)
	}
	if id == nil {
		return "", deleted, nil
	}
	return *id, false, nil
}

// Existing implements store.Tx, in one query for the IDs and one for the
// origins, each list sent as one array.
func (w *writeTx) Existing(k store.Kind, ids, origins []string) (map[string]bool, map[string]bool, error) {
	haveIDs, err := w.present("SELECT DISTINCT id FROM versions WHERE kind = $1 AND id = ANY($2)", ids, string(k))
	if err != nil {
		return nil, nil, fmt.Errorf("postgis: looking up %s IDs: %w", k, err)
	}
	haveOrigins, err := w.present("SELECT DISTINCT origin FROM versions WHERE origin = ANY($1)", origins)
	if err != nil {
		return nil, nil, fmt.Errorf("postgis: looking up origins: %w", err)
	}
	return haveIDs, haveOrigins, nil
}

// present runs query with args and then values, as one array, and returns
// the set of the single column's answers; no values, no query.
func (w *writeTx) present(query string, values []string, args ...any) (map[string]bool, error) {
	found := map[string]bool{}
	if len(values) == 0 {
		return found, nil
	}
	rows, err := w.tx.Query(w.ctx, query, append(args, values)...)
	if err != nil {
		return nil, err
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	for _, v := range got {
		found[v] = true
	}
	return found, nil
}

// ActorIDs implements store.Tx.
func (w *writeTx) ActorIDs() (map[geo.ActorID]bool, error) {
	rows, err := w.tx.Query(w.ctx, "SELECT id FROM actors")
	if err != nil {
		return nil, fmt.Errorf("postgis: reading the actors: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgis: reading the actors: %w", err)
	}
	out := make(map[geo.ActorID]bool, len(ids))
	for _, id := range ids {
		out[geo.ActorID(id)] = true
	}
	return out, nil
}

// Put implements store.Tx: a row of versions, and the current row written
// or removed.
func (w *writeTx) Put(v store.Version, rw *store.Row) error {
	var (
		origin *string
		record []byte
	)
	if rw != nil {
		record = rw.Record
		if rw.Origin != "" {
			origin = &rw.Origin
		}
	} else {
		prev, err := w.Latest(v.Kind, v.ID)
		if err != nil {
			return err
		}
		if prev.Origin != "" {
			origin = &prev.Origin
		}
	}
	err := w.exec(`INSERT INTO versions (kind, id, version, dataset_version, valid_from, author, deleted, origin, record)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		string(v.Kind), v.ID, v.Number, v.DatasetVersion, v.ValidFrom, v.Author, v.Deleted, origin, record)
	if err == nil {
		if rw != nil {
			err = w.setCurrent(*rw, v)
		} else {
			t, _ := store.TableOf(v.Kind)
			err = w.exec("DELETE FROM "+t.Name+" WHERE id = $1", v.ID)
		}
	}
	if err != nil {
		return fmt.Errorf("postgis: writing %s %q: %w", v.Kind, v.ID, err)
	}
	return nil
}

// Audit implements store.Tx.
func (w *writeTx) Audit(e store.AuditEntry) error {
	var before *int64
	if e.Before > 0 {
		before = &e.Before
	}
	err := w.exec(`INSERT INTO audit (at, who, action, kind, id, version_before, version_after, dataset_version)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, e.At, e.Who, e.Action, string(e.Kind), e.ID, before, e.After, e.DatasetVersion)
	if err != nil {
		return fmt.Errorf("postgis: writing the audit log: %w", err)
	}
	return nil
}

// setCurrent writes rw as the current row of its kind's table, at version
// v.
func (w *writeTx) setCurrent(rw store.Row, v store.Version) error {
	args := make([]any, 0, len(rw.Attrs)+5)
	args = append(args, rw.ID)
	if rw.Geometry != nil {
		b, err := wkb.Marshal(rw.Geometry, binary.LittleEndian)
		if err != nil {
			return fmt.Errorf("encoding the geometry: %w", err)
		}
		args = append(args, b)
	}
	for i, c := range rw.Table.Columns {
		val, err := columnValue(c, rw.Attrs[i])
		if err != nil {
			return err
		}
		args = append(args, val)
	}
	args = append(args, v.Number, v.ValidFrom, rw.Record)
	return w.exec(upserts[rw.Table.Kind], args...)
}

// columnValue converts an attribute of store.Row to its PostgreSQL column:
// a day as a date (NULL when open), sources as their JSON.
func columnValue(c store.Column, v any) (any, error) {
	switch c.Type {
	case store.DateColumn:
		if d := v.(geo.Day); !d.IsOpen() {
			return d.String(), nil
		}
		return nil, nil
	case store.SourcesColumn:
		b, err := json.Marshal(v.([]geo.Source))
		return string(b), err
	}
	return v, nil
}

// upserts holds each kind's upsert statement: insert a current record or
// update the row of the same id in place.
var upserts = func() map[store.Kind]string {
	m := map[store.Kind]string{}
	for i := range store.Tables {
		t := &store.Tables[i]
		names := []string{"id"}
		values := []string{"$1"}
		if t.Geometry != "" {
			names = append(names, "geom")
			values = append(values, fmt.Sprintf("ST_SetSRID(ST_GeomFromWKB($%d), 4326)", len(values)+1))
		}
		for _, c := range t.Columns {
			names = append(names, c.Name)
			cast := ""
			switch c.Type {
			case store.DateColumn:
				cast = "::date"
			case store.SourcesColumn:
				cast = "::jsonb"
			}
			values = append(values, fmt.Sprintf("$%d%s", len(values)+1, cast))
		}
		for _, n := range []string{"version", "updated", "record"} {
			names = append(names, n)
			values = append(values, fmt.Sprintf("$%d", len(values)+1))
		}
		sets := make([]string, 0, len(names)-1)
		for _, n := range names[1:] {
			sets = append(sets, n+" = excluded."+n)
		}
		m[t.Kind] = fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (id) DO UPDATE SET %s",
			t.Name, strings.Join(names, ", "), strings.Join(values, ", "), strings.Join(sets, ", "))
	}
	return m
}()
