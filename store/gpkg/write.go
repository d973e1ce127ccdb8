package gpkg

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
	"github.com/paulmach/orb"
)

// BatchError reports the record of a batch that is invalid or of a type the
// store cannot hold; nothing of the batch was stored. errors.As finds a
// *geo.ValidationError in Err.
type BatchError struct {
	Index int // position of the record in the batch
	Kind  store.Kind
	ID    string
	Err   error
}

// Error implements error.
func (e *BatchError) Error() string {
	return fmt.Sprintf("record %d (%s %q): %v", e.Index, e.Kind, e.ID, e.Err)
}

// Unwrap returns the validation error.
func (e *BatchError) Unwrap() error { return e.Err }

// Create stores a new record as version 1, or as the next version when its
// ID belongs to a deleted record. rec is validated and normalised first;
// a *geo.ValidationError is returned unchanged and nothing is stored. It
// returns geo.ErrConflict when a live record of the kind has the ID, or an
// incident has the same origin ("dataset:id").
func (s *Store) Create(ctx context.Context, rec store.Record, author string) (store.Version, error) {
	rw, err := prepare(rec)
	if err != nil {
		return store.Version{}, err
	}
	var v store.Version
	err = s.write(ctx, author, func(w *writeTx) error {
		st, err := w.current(rw.spec.kind, rw.id)
		if err != nil {
			return err
		}
		if st.live() {
			return fmt.Errorf("%w: %s %q", geo.ErrConflict, rw.spec.kind, rw.id)
		}
		v, err = w.put(rw, store.ActionCreate, st)
		return err
	})
	return v, err
}

// Replace stores rec as the next version of the record with its ID, when
// that record's current version is expected. Errors: a *geo.ValidationError
// from validation, geo.ErrNotFound when no live record has the ID,
// ErrPreconditionFailed when the current version is not expected, and
// geo.ErrConflict when another incident has rec's origin. Nothing is stored
// on error.
func (s *Store) Replace(ctx context.Context, rec store.Record, expected int64, author string) (store.Version, error) {
	rw, err := prepare(rec)
	if err != nil {
		return store.Version{}, err
	}
	var v store.Version
	err = s.write(ctx, author, func(w *writeTx) error {
		st, err := w.current(rw.spec.kind, rw.id)
		if err == nil {
			err = st.expect(rw.spec.kind, rw.id, expected)
		}
		if err != nil {
			return err
		}
		v, err = w.put(rw, store.ActionReplace, st)
		return err
	})
	return v, err
}

// Patch applies a JSON merge patch (RFC 7396) to the current record's JSON,
// as geo's MarshalJSON writes it (a GeoJSON Feature for zones, incidents,
// sites and boundaries: {"properties": {...}} merges properties, a
// "geometry" replaces the geometry, null removes a member; a circle zone's
// "circle" property outranks its geometry, as in geo's decoding), and stores the
// result as the next version. The merge happens in the write transaction,
// against the version it checks. Errors as for Replace, plus a
// *geo.ValidationError when patch is not a JSON object or would change the
// ID. derive, when not nil, fills the derived fields of the merged record
// (such as an incident's governorate, after a patch moved its point)
// before it is validated and stored.
func (s *Store) Patch(ctx context.Context, kind store.Kind, id string, patch []byte, expected int64, author string, derive func(store.Record) store.Record) (store.Version, error) {
	var v store.Version
	err := s.write(ctx, author, func(w *writeTx) error {
		st, err := w.current(kind, id)
		if err == nil {
			err = st.expect(kind, id, expected)
		}
		if err != nil {
			return err
		}
		current, err := recordJSON(kind, st.record)
		if err != nil {
			return err
		}
		merged, err := mergePatch(current, patch)
		if err != nil {
			return err
		}
		rec, err := decodeJSON(kind, merged)
		if err != nil {
			return err
		}
		if derive != nil {
			rec = derive(rec)
		}
		rw, err := prepare(rec)
		if err != nil {
			return err
		}
		if rw.id != id {
			return &geo.ValidationError{Field: "id", Reason: "cannot be changed"}
		}
		v, err = w.put(rw, store.ActionUpdate, st)
		return err
	})
	return v, err
}

// Delete appends a tombstone version to the record and removes it from the
// current records; its history stays. Errors: geo.ErrNotFound when no live
// record has the ID, ErrPreconditionFailed when the current version is not
// expected.
func (s *Store) Delete(ctx context.Context, kind store.Kind, id string, expected int64, author string) (store.Version, error) {
	var v store.Version
	err := s.write(ctx, author, func(w *writeTx) error {
		st, err := w.current(kind, id)
		if err == nil {
			err = st.expect(kind, id, expected)
		}
		if err != nil {
			return err
		}
		v, err = w.tombstone(kind, id, st, store.ActionDelete)
		return err
	})
	return v, err
}

// Restore stores the record as it was at version number as its next
// version, whether the record is live or deleted. The old record is
// validated by today's rules. Errors: geo.ErrNotFound when the record or
// that version does not exist, a *geo.ValidationError when that version is
// a deletion or no longer valid, geo.ErrConflict when another incident now
// has its origin.
func (s *Store) Restore(ctx context.Context, kind store.Kind, id string, number int64, author string) (store.Version, error) {
	var v store.Version
	err := s.write(ctx, author, func(w *writeTx) error {
		st, err := w.current(kind, id)
		if err != nil {
			return err
		}
		var (
			deleted bool
			record  []byte
		)
		err = w.queryRow("SELECT deleted, record FROM versions WHERE kind = ? AND id = ? AND version = ?",
			string(kind), id, number).Scan(&deleted, &record)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: version %d of %s %q", geo.ErrNotFound, number, kind, id)
		}
		if err != nil {
			return err
		}
		if deleted {
			return &geo.ValidationError{Field: "version", Reason: fmt.Sprintf("version %d is a deletion", number)}
		}
		rec, err := decode(kind, record)
		if err != nil {
			return err
		}
		rw, err := prepare(rec)
		if err != nil {
			return err
		}
		v, err = w.put(rw, store.ActionRestore, st)
		return err
	})
	return v, err
}

// ImportBatch stores records in one transaction: all of them or, on any
// error, none. Each record is validated just before it is written (a few
// thousand ahead, on another goroutine); the first invalid one fails the
// batch with a *BatchError and the transaction rolls back, so a batch of a
// million records is never held twice. Each record is an upsert: an incident with
// an origin ("dataset:id") updates the incident with that origin, keeping
// that incident's ID; any other record, or an incident whose origin is new,
// updates the record with its ID or is created. A record identical to the
// current version is left alone, so importing the same file twice adds
// nothing, and a record whose match was deleted is skipped. Audit rows name
// the action "import".
func (s *Store) ImportBatch(ctx context.Context, records []store.Record, author string) (store.ImportResult, error) {
	var res store.ImportResult
	err := s.write(ctx, author, func(w *writeTx) error {
		if len(records) >= bulkRecords {
			// The point tables' lon and lat indexes take their inserts in
			// random order; a large batch goes in without them and has them
			// built again, sorted, in the same transaction.
			for _, idx := range pointIndexes {
				if err := w.exec("DROP INDEX " + idx.name); err != nil {
					return fmt.Errorf("gpkg: import: %w", err)
				}
			}
		}
		rows, stop := prepareAhead(records)
		defer stop()
		for p := range rows {
			if p.err != nil {
				k, _ := store.KindOf(records[p.index])
				return &BatchError{Index: p.index, Kind: k, ID: idOf(records[p.index]), Err: p.err}
			}
			if err := w.importRow(p.row, &res); err != nil {
				return err
			}
		}
		if len(records) >= bulkRecords {
			for _, idx := range pointIndexes {
				if err := w.exec(idx.create); err != nil {
					return fmt.Errorf("gpkg: import: %w", err)
				}
			}
		}
		res.DatasetVersion = w.dataset
		if !w.wrote {
			res.DatasetVersion--
		}
		return nil
	})
	if err != nil {
		return store.ImportResult{}, err
	}
	return res, nil
}

// preparedRow is a record of a batch prepared for writing, or why it
// cannot be.
type preparedRow struct {
	index int
	row   row
	err   error
}

// prepareAhead validates and prepares records on another goroutine, a few
// thousand ahead of the writer, in order, so that the writer's SQLite work
// and the preparing share the CPUs. The channel ends after the first
// record that fails. Call stop when done reading, early or not.
func prepareAhead(records []store.Record) (<-chan preparedRow, func()) {
	rows := make(chan preparedRow, 4096)
	done := make(chan struct{})
	go func() {
		defer close(rows)
		for i, rec := range records {
			rw, err := prepare(rec)
			select {
			case rows <- preparedRow{i, rw, err}:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return rows, sync.OnceFunc(func() { close(done) })
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

// importRow upserts one record of a batch and counts the outcome.
func (w *writeTx) importRow(rw row, res *store.ImportResult) error {
	if rw.origin != "" {
		id, deleted, err := w.byOrigin(rw)
		switch {
		case err != nil:
			return err
		case deleted:
			res.Skipped++
			return nil
		case id != "" && id != rw.id:
			if rw, err = prepare(withID(rw.value, id)); err != nil {
				return err
			}
		}
	}
	st, err := w.current(rw.spec.kind, rw.id)
	switch {
	case err != nil:
		return err
	case st.deleted:
		res.Skipped++
		return nil
	case st.version > 0 && bytes.Equal(st.record, rw.record):
		res.Unchanged++
		return nil
	case st.version > 0:
		res.Updated++
	default:
		res.Created++
	}
	_, err = w.put(rw, store.ActionImport, st)
	return err
}

// byOrigin finds the incident with rw's origin: the ID of the live one, or
// deleted when the last incident to have it was deleted with it.
func (w *writeTx) byOrigin(rw row) (id string, deleted bool, err error) {
	in := rw.value.(geo.Incident)
	err = w.queryRow("SELECT id FROM incidents WHERE origin = ? AND origin_id = ? AND "+originIndexed,
		in.Origin.Dataset, in.Origin.ID).Scan(&id)
	if !errors.Is(err, sql.ErrNoRows) {
		return id, false, err
	}
	err = w.queryRow(`SELECT 1 FROM versions v WHERE v.kind = 'incident' AND v.origin = ? AND v.deleted
  AND v.version = (SELECT max(version) FROM versions x WHERE x.kind = 'incident' AND x.id = v.id) LIMIT 1`,
		rw.origin).Scan(new(int))
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return "", err == nil, err
}

// mergePatch applies the JSON merge patch (RFC 7396) patch to doc. Numbers
// are kept as written, so coordinates round-trip exactly.
func mergePatch(doc, patch []byte) ([]byte, error) {
	var d, p any
	if err := decodeNumbers(patch, &p); err != nil {
		return nil, &geo.ValidationError{Field: "body", Reason: "malformed JSON"}
	}
	if _, ok := p.(map[string]any); !ok {
		return nil, &geo.ValidationError{Field: "body", Reason: "a merge patch must be a JSON object"}
	}
	if err := decodeNumbers(doc, &d); err != nil {
		return nil, fmt.Errorf("gpkg: decoding a stored record: %w", err)
	}
	return json.Marshal(merge(d, p))
}

func decodeNumbers(b []byte, v *any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON value")
	}
	return nil
}

// merge is MergePatch(Target, Patch) of RFC 7396, section 2.
func merge(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
			continue
		}
		tm[k] = merge(tm[k], v)
	}
	return tm
}

// writeTx is one immediate write transaction: one dataset version, one
// timestamp, one author.
type writeTx struct {
	ctx     context.Context
	tx      *sql.Tx
	stmts   map[string]*sql.Stmt
	author  string
	at      time.Time
	dataset int64 // the dataset version this transaction commits
	wrote   bool  // whether any version was written
	touched map[store.Kind]bool
	// actors are the IDs in the actors table, read at the first record
	// that refers to one.
	actors map[geo.ActorID]bool
}

// write runs fn in one immediate transaction on the writer connection and
// commits it, then returns. Any error from fn rolls everything back.
func (s *Store) write(ctx context.Context, author string, fn func(*writeTx) error) error {
	if strings.TrimSpace(author) == "" {
		return errors.New("gpkg: a write needs an author")
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("gpkg: beginning a write: %w", err)
	}
	defer tx.Rollback()
	w := &writeTx{ctx: ctx, tx: tx, stmts: map[string]*sql.Stmt{}, author: author, touched: map[store.Kind]bool{}}
	var last sql.NullString
	err = tx.QueryRowContext(ctx, `SELECT (SELECT coalesce(max(dataset_version), 0) FROM versions),
  (SELECT valid_from FROM versions ORDER BY fid DESC LIMIT 1)`).Scan(&w.dataset, &last)
	if err != nil {
		return fmt.Errorf("gpkg: beginning a write: %w", err)
	}
	w.dataset++
	w.at = time.Now().UTC()
	// AsOf relies on later versions having later times; a clock stepped
	// back must not break that.
	if t, err := time.Parse(timeFormat, last.String); err == nil && !w.at.After(t) {
		w.at = t.Add(time.Nanosecond)
	}
	if err := fn(w); err != nil {
		return err
	}
	if err := w.updateContents(); err != nil {
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

func (w *writeTx) exec(query string, args ...any) error {
	st, err := w.stmt(query)
	if err == nil {
		_, err = st.ExecContext(w.ctx, args...)
	}
	return err
}

// queryRow is QueryRow on a prepared statement; a preparation error is
// reported by Scan.
func (w *writeTx) queryRow(query string, args ...any) *sql.Row {
	st, err := w.stmt(query)
	if err != nil {
		return w.tx.QueryRowContext(w.ctx, query, args...)
	}
	return st.QueryRowContext(w.ctx, args...)
}

// state is the latest version of a record.
type state struct {
	version int64  // 0 when the record never existed
	deleted bool   // the latest version is a tombstone
	record  []byte // nil for a tombstone
	origin  string
}

func (st state) live() bool { return st.version > 0 && !st.deleted }

// expect checks that the record is live and at version expected.
func (st state) expect(k store.Kind, id string, expected int64) error {
	if !st.live() {
		return fmt.Errorf("%w: %s %q", geo.ErrNotFound, k, id)
	}
	if st.version != expected {
		return fmt.Errorf("%w: %s %q is at version %d, not %d", store.ErrPreconditionFailed, k, id, st.version, expected)
	}
	return nil
}

// current returns the latest version of the record, and fails for a kind
// the store does not know.
func (w *writeTx) current(k store.Kind, id string) (state, error) {
	if _, ok := specOf(k); !ok {
		return state{}, fmt.Errorf("gpkg: unknown kind %q", k)
	}
	var (
		st     state
		origin sql.NullString
	)
	err := w.queryRow("SELECT version, deleted, record, origin FROM versions WHERE kind = ? AND id = ? ORDER BY version DESC LIMIT 1",
		string(k), id).Scan(&st.version, &st.deleted, &st.record, &origin)
	if errors.Is(err, sql.ErrNoRows) {
		return state{}, nil
	}
	st.origin = origin.String
	return st, err
}

// put appends rw as the version after prev, makes it the current record and
// writes the audit row.
func (w *writeTx) put(rw row, action string, prev state) (store.Version, error) {
	if err := w.checkActors(rw.value); err != nil {
		return store.Version{}, err
	}
	// An import has matched the record by its origin already (importRow).
	if rw.origin != "" && action != store.ActionImport {
		var other string
		in := rw.value.(geo.Incident)
		err := w.queryRow("SELECT id FROM incidents WHERE origin = ? AND origin_id = ? AND id <> ? AND "+originIndexed,
			in.Origin.Dataset, in.Origin.ID, rw.id).Scan(&other)
		if err == nil {
			return store.Version{}, fmt.Errorf("%w: incident %q already has origin %s", geo.ErrConflict, other, rw.origin)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return store.Version{}, err
		}
	}
	n := prev.version + 1
	k := rw.spec.kind
	err := w.exec(`INSERT INTO versions (kind, id, version, dataset_version, valid_from, author, deleted, origin, record)
  VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)`,
		string(k), rw.id, n, w.dataset, w.at.Format(timeFormat), w.author, nullString(rw.origin), rw.record)
	if err != nil {
		return store.Version{}, fmt.Errorf("gpkg: writing %s %q: %w", k, rw.id, err)
	}
	if err := w.setCurrent(rw, n); err != nil {
		return store.Version{}, err
	}
	if err := w.audit(action, k, rw.id, prev.version, n); err != nil {
		return store.Version{}, err
	}
	return store.Version{Kind: k, ID: rw.id, Number: n, DatasetVersion: w.dataset, ValidFrom: w.at,
		Author: w.author, Record: rw.value}, nil
}

// setCurrent writes rw as the current row of its kind's table, at version
// n.
func (w *writeTx) setCurrent(rw row, n int64) error {
	args := make([]any, 0, len(rw.attrs)+5)
	args = append(args, rw.id)
	if rw.blob != nil {
		args = append(args, rw.blob)
	}
	args = append(args, rw.attrs...)
	args = append(args, n, w.at.Format(datetimeFormat), rw.record)
	if err := w.exec(upserts[rw.spec.kind], args...); err != nil {
		return fmt.Errorf("gpkg: writing %s %q: %w", rw.spec.kind, rw.id, err)
	}
	return nil
}

// checkActors returns the *geo.ValidationError of a zone or incident that
// refers to an actor the actors table lacks (the rule frontline check
// applies), so no write or import stores a dangling reference.
func (w *writeTx) checkActors(rec store.Record) error {
	var check func(known func(geo.ActorID) bool) error
	switch r := rec.(type) {
	case geo.Zone:
		check = r.CheckActors
	case geo.Incident:
		check = r.CheckActors
	default:
		return nil
	}
	if w.actors == nil {
		rows, err := w.tx.QueryContext(w.ctx, "SELECT id FROM actors")
		if err != nil {
			return fmt.Errorf("gpkg: reading the actors: %w", err)
		}
		defer rows.Close()
		w.actors = map[geo.ActorID]bool{}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return fmt.Errorf("gpkg: reading the actors: %w", err)
			}
			w.actors[geo.ActorID(id)] = true
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("gpkg: reading the actors: %w", err)
		}
	}
	return check(func(id geo.ActorID) bool { return w.actors[id] })
}

// tombstone appends a deletion as the version after prev and removes the
// current record.
func (w *writeTx) tombstone(k store.Kind, id string, prev state, action string) (store.Version, error) {
	n := prev.version + 1
	sp, _ := specOf(k)
	err := w.exec(`INSERT INTO versions (kind, id, version, dataset_version, valid_from, author, deleted, origin, record)
  VALUES (?, ?, ?, ?, ?, ?, 1, ?, NULL)`,
		string(k), id, n, w.dataset, w.at.Format(timeFormat), w.author, nullString(prev.origin))
	if err == nil {
		err = w.exec("DELETE FROM "+sp.table+" WHERE id = ?", id)
	}
	if err != nil {
		return store.Version{}, fmt.Errorf("gpkg: deleting %s %q: %w", k, id, err)
	}
	if err := w.audit(action, k, id, prev.version, n); err != nil {
		return store.Version{}, err
	}
	return store.Version{Kind: k, ID: id, Number: n, DatasetVersion: w.dataset, ValidFrom: w.at,
		Author: w.author, Deleted: true}, nil
}

// audit appends one row to the audit log; before is 0 for a new record.
func (w *writeTx) audit(action string, k store.Kind, id string, before, after int64) error {
	var b any
	if before > 0 {
		b = before
	}
	err := w.exec(`INSERT INTO audit (at, who, action, kind, id, version_before, version_after, dataset_version)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, w.at.Format(timeFormat), w.author, action, string(k), id, b, after, w.dataset)
	if err != nil {
		return fmt.Errorf("gpkg: writing the audit log: %w", err)
	}
	w.wrote = true
	w.touched[k] = true
	return nil
}

// updateContents brings gpkg_contents up to date for every table the
// transaction changed: last_change, and the extent of feature tables
// (NULL when empty), which ogrinfo and QGIS report.
func (w *writeTx) updateContents() error {
	for i := range specs {
		sp := &specs[i]
		if !w.touched[sp.kind] {
			continue
		}
		var ext [4]sql.NullFloat64 // min_x, min_y, max_x, max_y
		switch {
		case sp.points():
			err := w.tx.QueryRowContext(w.ctx, fmt.Sprintf(`SELECT (SELECT min(lon) FROM %[1]s), (SELECT min(lat) FROM %[1]s),
  (SELECT max(lon) FROM %[1]s), (SELECT max(lat) FROM %[1]s)`, sp.table)).Scan(&ext[0], &ext[1], &ext[2], &ext[3])
			if err != nil {
				return fmt.Errorf("gpkg: computing the extent of %s: %w", sp.table, err)
			}
		case sp.geometryType != "":
			b, ok, err := w.polygonExtent(sp.table)
			if err != nil {
				return err
			}
			for j, v := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
				ext[j] = sql.NullFloat64{Float64: v, Valid: ok}
			}
		}
		_, err := w.tx.ExecContext(w.ctx, `UPDATE gpkg_contents SET last_change = ?, min_x = ?, min_y = ?, max_x = ?, max_y = ?
  WHERE table_name = ?`, w.at.Format(datetimeFormat), ext[0], ext[1], ext[2], ext[3], sp.table)
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

// upserts holds each kind's upsert statement, built once from specs.
var upserts = func() map[store.Kind]string {
	m := map[store.Kind]string{}
	for i := range specs {
		m[specs[i].kind] = specs[i].upsertSQL()
	}
	return m
}()

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
