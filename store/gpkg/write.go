package gpkg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
	"github.com/paulmach/orb"
)

// The writes below are store.Write's rules (store/write.go) over a writeTx,
// this file's implementation of store.Tx in one immediate transaction.

// ImportBatch stores records in one transaction, all or none:
// store.Write.Import, whose first invalid record fails the batch with a
// *store.BatchError.
func (s *Store) ImportBatch(ctx context.Context, records []store.Record, author string) (store.ImportResult, error) {
	var res store.ImportResult
	err := s.write(ctx, author, func(w *store.Write, tx *writeTx) error {
		bulk := len(records) >= bulkRecords
		if bulk {
			// The point tables' lon and lat indexes take their inserts in
			// random order; a large batch goes in without them and has them
			// built again, sorted, in the same transaction.
			for _, idx := range pointIndexes {
				if _, err := tx.tx.ExecContext(ctx, "DROP INDEX "+idx.name); err != nil {
					return fmt.Errorf("gpkg: import: %w", err)
				}
			}
		}
		var err error
		if res, err = w.Import(records); err != nil {
			return err
		}
		if bulk {
			for _, idx := range pointIndexes {
				if _, err := tx.tx.ExecContext(ctx, idx.create); err != nil {
					return fmt.Errorf("gpkg: import: %w", err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return store.ImportResult{}, err
	}
	return res, nil
}

// bulkRecords is the size of a batch from which ImportBatch builds the
// incidents' lon and lat indexes again rather than inserting into them (a
// variable so that a test can make a small batch bulk).
var bulkRecords = 50_000

// pointIndexes are the incidents table's lon and lat indexes.
var pointIndexes = []struct{ name, create string }{
	{"incidents_lon", "CREATE INDEX incidents_lon ON incidents (lon)"},
	{"incidents_lat", "CREATE INDEX incidents_lat ON incidents (lat)"},
}

// run is store.Writes's Run: fn in one write transaction.
func (s *Store) run(ctx context.Context, author string, fn func(*store.Write) error) error {
	return s.write(ctx, author, func(w *store.Write, _ *writeTx) error { return fn(w) })
}

// writeTx is one immediate write transaction, store.Tx for the rules.
type writeTx struct {
	ctx     context.Context
	row     context.Context // ctx without its cancellation (see write)
	tx      *sql.Tx
	stmts   map[string]*sql.Stmt
	touched map[store.Kind]bool // the kinds whose tables changed
	audit   []store.AuditEntry  // entries not yet inserted (Audit)
}

// write runs fn in one immediate transaction on the writer connection and
// commits it, then returns. Any error from fn rolls everything back.
func (s *Store) write(ctx context.Context, author string, fn func(*store.Write, *writeTx) error) error {
	if strings.TrimSpace(author) == "" {
		return errors.New("gpkg: a write needs an author")
	}
	// The transaction, and the statements every record of a batch repeats
	// (exec, queryRow), run under ctx without its cancellation, checking
	// ctx before each statement instead: under a context that can end,
	// database/sql and the driver start a goroutine for every statement to
	// watch it, a tenth of an import's time. Those statements take
	// microseconds; the few long ones run under ctx itself.
	if err := ctx.Err(); err != nil {
		return err
	}
	tx, err := s.w.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return fmt.Errorf("gpkg: beginning a write: %w", err)
	}
	defer tx.Rollback()
	var (
		dataset int64
		last    sql.NullString
	)
	err = tx.QueryRowContext(ctx, `SELECT (SELECT coalesce(max(dataset_version), 0) FROM versions),
  (SELECT valid_from FROM versions ORDER BY fid DESC LIMIT 1)`).Scan(&dataset, &last)
	if err != nil {
		return fmt.Errorf("gpkg: beginning a write: %w", err)
	}
	at := time.Now().UTC()
	// AsOf relies on later versions having later times; a clock stepped
	// back must not break that.
	if t, err := time.Parse(timeFormat, last.String); err == nil && !at.After(t) {
		at = t.Add(time.Nanosecond)
	}
	wt := &writeTx{ctx: ctx, row: context.WithoutCancel(ctx), tx: tx, stmts: map[string]*sql.Stmt{}, touched: map[store.Kind]bool{}}
	if err := fn(store.NewWrite(wt, author, at, dataset+1), wt); err != nil {
		return err
	}
	if err := wt.flushAudit(); err != nil {
		return err
	}
	if err := wt.updateContents(at); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("gpkg: committing: %w", err)
	}
	return nil
}

// stmt returns query prepared in the transaction, preparing it once: a
// batch runs the same few statements for every record.
func (w *writeTx) stmt(query string) (*sql.Stmt, error) {
	if st, ok := w.stmts[query]; ok {
		return st, nil
	}
	st, err := w.tx.PrepareContext(w.ctx, query)
	if err != nil {
		return nil, err
	}
	w.stmts[query] = st
	return st, nil
}

// exec runs one of the few statements a batch repeats for every record
// (a single-row write), prepared once, under w.row once ctx is checked
// (see write).
func (w *writeTx) exec(query string, args ...any) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	st, err := w.stmt(query)
	if err == nil {
		_, err = st.ExecContext(w.row, args...)
	}
	return err
}

// queryRow is QueryRow on a prepared statement, a single-row lookup run as
// exec runs its statements; an error of ctx or of the preparation is
// reported by Scan.
func (w *writeTx) queryRow(query string, args ...any) *sql.Row {
	st, err := w.stmt(query)
	if err != nil || w.ctx.Err() != nil {
		return w.tx.QueryRowContext(w.ctx, query, args...)
	}
	return st.QueryRowContext(w.row, args...)
}

// Latest implements store.Tx.
func (w *writeTx) Latest(k store.Kind, id string) (store.Latest, error) {
	var (
		st     store.Latest
		origin sql.NullString
	)
	err := w.queryRow("SELECT version, deleted, record, origin FROM versions WHERE kind = ? AND id = ? ORDER BY version DESC LIMIT 1",
		string(k), id).Scan(&st.Number, &st.Deleted, &st.Record, &origin)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Latest{}, nil
	}
	st.Origin = origin.String
	return st, err
}

// Stored implements store.Tx.
func (w *writeTx) Stored(k store.Kind, id string, n int64) ([]byte, bool, bool, error) {
	var (
		deleted bool
		record  []byte
	)
	err := w.queryRow("SELECT deleted, record FROM versions WHERE kind = ? AND id = ? AND version = ?",
		string(k), id, n).Scan(&deleted, &record)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, false, nil
	}
	return record, deleted, err == nil, err
}

// OriginHolder implements store.Tx. The second lookup runs only when the
// first finds no holder.
func (w *writeTx) OriginHolder(o geo.Origin, except string) (string, bool, error) {
	var (
		id      sql.NullString
		deleted bool
	)
	err := w.queryRow(`WITH h(id) AS (SELECT (SELECT id FROM incidents WHERE origin = ? AND origin_id = ? AND id <> ? AND `+originIndexed+`))
SELECT id, CASE WHEN id IS NULL THEN EXISTS (SELECT 1 FROM versions v WHERE v.kind = 'incident' AND v.origin = ? AND v.deleted
  AND v.version = (SELECT max(version) FROM versions x WHERE x.kind = 'incident' AND x.id = v.id)) ELSE 0 END FROM h`,
		o.Dataset, o.ID, except, store.OriginKey(o)).Scan(&id, &deleted)
	if err != nil {
		return "", false, fmt.Errorf("gpkg: looking up origin %s: %w", o, err)
	}
	return id.String, deleted, nil
}

// Existing implements store.Tx, in one statement for the IDs and one for
// the origins (store.Write.Import asks for a few hundred at a time, within
// SQLite's limit of 32766 parameters).
func (w *writeTx) Existing(k store.Kind, ids, origins []string) (map[string]bool, map[string]bool, error) {
	haveIDs, err := w.present("SELECT DISTINCT id FROM versions WHERE kind = ? AND id IN (%s)", []any{string(k)}, ids)
	if err != nil {
		return nil, nil, fmt.Errorf("gpkg: looking up %s IDs: %w", k, err)
	}
	haveOrigins, err := w.present("SELECT DISTINCT origin FROM versions WHERE origin IN (%s)", nil, origins)
	if err != nil {
		return nil, nil, fmt.Errorf("gpkg: looking up origins: %w", err)
	}
	return haveIDs, haveOrigins, nil
}

// present runs query, whose %s becomes a placeholder for each of values
// (after the arguments args), and returns the set of the single column's
// answers; no values, no query.
func (w *writeTx) present(query string, args []any, values []string) (map[string]bool, error) {
	found := map[string]bool{}
	if len(values) == 0 {
		return found, nil
	}
	for _, v := range values {
		args = append(args, v)
	}
	marks := strings.Repeat(",?", len(values))[1:]
	rows, err := w.tx.QueryContext(w.ctx, fmt.Sprintf(query, marks), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		found[v] = true
	}
	return found, rows.Err()
}

// ActorIDs implements store.Tx.
func (w *writeTx) ActorIDs() (map[geo.ActorID]bool, error) {
	rows, err := w.tx.QueryContext(w.ctx, "SELECT id FROM actors")
	if err != nil {
		return nil, fmt.Errorf("gpkg: reading the actors: %w", err)
	}
	defer rows.Close()
	ids := map[geo.ActorID]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("gpkg: reading the actors: %w", err)
		}
		ids[geo.ActorID(id)] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("gpkg: reading the actors: %w", err)
	}
	return ids, nil
}

// Put implements store.Tx: a row of versions, and the current row written
// or removed.
func (w *writeTx) Put(v store.Version, rw *store.Row) error {
	var origin, record any
	switch {
	case rw != nil:
		origin, record = nullString(rw.Origin), rw.Record
	default:
		prev, err := w.Latest(v.Kind, v.ID)
		if err != nil {
			return err
		}
		origin = nullString(prev.Origin)
	}
	err := w.exec(`INSERT INTO versions (kind, id, version, dataset_version, valid_from, author, deleted, origin, record)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		string(v.Kind), v.ID, v.Number, v.DatasetVersion, v.ValidFrom.Format(timeFormat), v.Author, v.Deleted, origin, record)
	if err == nil {
		if rw != nil {
			err = w.setCurrent(*rw, v)
		} else {
			t, _ := store.TableOf(v.Kind)
			err = w.exec("DELETE FROM "+t.Name+" WHERE id = ?", v.ID)
		}
	}
	if err != nil {
		return fmt.Errorf("gpkg: writing %s %q: %w", v.Kind, v.ID, err)
	}
	w.touched[v.Kind] = true
	return nil
}

// Audit implements store.Tx. Nothing in a transaction reads the audit log
// back, so entries are written auditBatch at a time, in one statement, and
// write flushes the rest before it commits: one statement for every record
// of a batch fewer.
func (w *writeTx) Audit(e store.AuditEntry) error {
	w.audit = append(w.audit, e)
	if len(w.audit) < auditBatch {
		return nil
	}
	return w.flushAudit()
}

// auditBatch is how many audit entries one statement inserts.
const auditBatch = 64

// flushAudit inserts the audit entries Audit holds.
func (w *writeTx) flushAudit() error {
	if len(w.audit) == 0 {
		return nil
	}
	var q strings.Builder
	q.WriteString("INSERT INTO audit (at, who, action, kind, id, version_before, version_after, dataset_version) VALUES ")
	args := make([]any, 0, 8*len(w.audit))
	for i, e := range w.audit {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
		var before any
		if e.Before > 0 {
			before = e.Before
		}
		args = append(args, e.At.Format(timeFormat), e.Who, e.Action, string(e.Kind), e.ID, before, e.After, e.DatasetVersion)
	}
	w.audit = w.audit[:0]
	if err := w.exec(q.String(), args...); err != nil {
		return fmt.Errorf("gpkg: writing the audit log: %w", err)
	}
	return nil
}

// setCurrent writes rw as the current row of its kind's table, at version
// v.
func (w *writeTx) setCurrent(rw store.Row, v store.Version) error {
	args := make([]any, 0, len(rw.Attrs)+5)
	args = append(args, rw.ID)
	if rw.Geometry != nil {
		blob, err := encodeGeometry(rw.Geometry)
		if err != nil {
			return fmt.Errorf("encoding the geometry: %w", err)
		}
		args = append(args, blob)
	}
	for i, c := range rw.Table.Columns {
		args = append(args, columnValue(c, rw.Attrs[i]))
	}
	args = append(args, v.Number, v.ValidFrom.Format(datetimeFormat), rw.Record)
	return w.exec(upserts[rw.Table.Kind], args...)
}

// columnValue converts an attribute of store.Row to its GeoPackage column:
// a day as DATE text (NULL when open), sources as their publishers.
func columnValue(c store.Column, v any) any {
	switch c.Type {
	case store.DateColumn:
		if d := v.(geo.Day); !d.IsOpen() {
			return d.String()
		}
		return nil
	case store.SourcesColumn:
		return store.Publishers(v.([]geo.Source))
	}
	return v
}

// updateContents brings gpkg_contents up to date for every table the
// transaction changed: last_change, and the extent of feature tables
// (NULL when empty), which ogrinfo and QGIS report.
func (w *writeTx) updateContents(at time.Time) error {
	for i := range store.Tables {
		sp := &store.Tables[i]
		if !w.touched[sp.Kind] {
			continue
		}
		var ext [4]sql.NullFloat64 // min_x, min_y, max_x, max_y
		switch {
		case sp.Points():
			err := w.tx.QueryRowContext(w.ctx, fmt.Sprintf(`SELECT (SELECT min(lon) FROM %[1]s), (SELECT min(lat) FROM %[1]s),
  (SELECT max(lon) FROM %[1]s), (SELECT max(lat) FROM %[1]s)`, sp.Name)).Scan(&ext[0], &ext[1], &ext[2], &ext[3])
			if err != nil {
				return fmt.Errorf("gpkg: computing the extent of %s: %w", sp.Name, err)
			}
		case sp.Geometry != "":
			b, ok, err := w.polygonExtent(sp.Name)
			if err != nil {
				return err
			}
			for j, v := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
				ext[j] = sql.NullFloat64{Float64: v, Valid: ok}
			}
		}
		_, err := w.tx.ExecContext(w.ctx, `UPDATE gpkg_contents SET last_change = ?, min_x = ?, min_y = ?, max_x = ?, max_y = ?
  WHERE table_name = ?`, at.Format(datetimeFormat), ext[0], ext[1], ext[2], ext[3], sp.Name)
		if err != nil {
			return fmt.Errorf("gpkg: updating gpkg_contents: %w", err)
		}
	}
	return nil
}

// polygonExtent unions the envelopes of a polygon table's geometries; ok is
// false when the table is empty. Zone and boundary tables hold hundreds of
// rows, so a scan of the blob headers is cheap.
func (w *writeTx) polygonExtent(table string) (ext orb.Bound, ok bool, err error) {
	rows, err := w.tx.QueryContext(w.ctx, "SELECT geom FROM "+table)
	if err != nil {
		return orb.Bound{}, false, fmt.Errorf("gpkg: computing the extent of %s: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var blob []byte
		if err := rows.Scan(&blob); err != nil {
			return orb.Bound{}, false, err
		}
		b, err := blobBound(blob)
		if err != nil {
			return orb.Bound{}, false, fmt.Errorf("gpkg: computing the extent of %s: %w", table, err)
		}
		if ok {
			ext = ext.Union(b)
		} else {
			ext, ok = b, true
		}
	}
	return ext, ok, rows.Err()
}

// upserts holds each kind's upsert statement, built once from the tables.
var upserts = func() map[store.Kind]string {
	m := map[store.Kind]string{}
	for i := range store.Tables {
		m[store.Tables[i].Kind] = upsertSQL(&store.Tables[i])
	}
	return m
}()

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
