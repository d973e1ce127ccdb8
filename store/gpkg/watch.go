package gpkg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
)

// The watch tables (store/watch.go): watches, the outbox watch_events with
// each event's delivery state, and watch_cursor, the dataset version up to
// which the matcher has turned changes into events. They are attribute
// tables like versions; a file made before them gets them when opened,
// with the cursor at its dataset version then, so no old change alerts.
var watchDDL = []string{
	`CREATE TABLE watches (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  spec TEXT NOT NULL,
  webhook TEXT NOT NULL,
  secret TEXT NOT NULL,
  created TEXT NOT NULL,
  since INTEGER NOT NULL,
  deleted TEXT)`,
	`CREATE TABLE watch_events (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  watch TEXT NOT NULL,
  key TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  dataset_version INTEGER NOT NULL,
  payload TEXT NOT NULL,
  created TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt TEXT,
  lease_until TEXT,
  last_attempt TEXT,
  last_status INTEGER,
  last_error TEXT,
  delivered TEXT)`,
	`CREATE INDEX watch_events_watch ON watch_events (watch, fid)`,
	`CREATE INDEX watch_events_due ON watch_events (next_attempt) WHERE state = 'pending'`,
	`CREATE TABLE watch_cursor (
  fid INTEGER PRIMARY KEY NOT NULL,
  dataset_version INTEGER NOT NULL,
  watches INTEGER NOT NULL)`,
	`INSERT INTO watch_cursor (fid, dataset_version, watches) SELECT 1, coalesce(max(dataset_version), 0), 0 FROM versions`,
}

var watchDescriptions = map[string]string{
	"watches":      "Watched zones, areas and points: owner, definition, webhook",
	"watch_events": "The outbox: every event of every watch, with its webhook delivery state",
	"watch_cursor": "The dataset version up to which changes are matched against the watches, and how often the watches changed",
}

// ensureWatchTables creates the watch tables in tx when the file has none.
func ensureWatchTables(ctx context.Context, tx *sql.Tx) error {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'watches'").Scan(&n); err != nil || n > 0 {
		return err
	}
	stmts := slices.Clone(watchDDL)
	for _, t := range []string{"watches", "watch_events", "watch_cursor"} {
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO gpkg_contents (table_name, data_type, identifier, description)
  VALUES ('%s', 'attributes', '%[1]s', '%s')`, t, watchDescriptions[t]))
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("creating the watch tables: %w", err)
		}
	}
	return nil
}

// CreateWatch stores w. Errors: geo.ErrConflict when a watch, even a
// deleted one, has its ID.
func (s *Store) CreateWatch(ctx context.Context, w store.Watch) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("gpkg: creating a watch: %w", err)
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `INSERT INTO watches (id, owner, spec, webhook, secret, created, since)
  VALUES (?, ?, ?, ?, ?, ?, ?)`, w.ID, w.Owner, string(w.Spec), w.Webhook, w.Secret, w.Created.UTC().Format(timeFormat), w.Since)
	if err != nil && strings.Contains(err.Error(), "UNIQUE") {
		return fmt.Errorf("%w: watch %q", geo.ErrConflict, w.ID)
	}
	if err == nil {
		_, err = tx.ExecContext(ctx, watchesChanged)
	}
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return fmt.Errorf("gpkg: creating a watch: %w", err)
	}
	return nil
}

// watchesChanged counts a change of the watches, so that matchers reload
// them (MatchTx.Watches).
const watchesChanged = "UPDATE watch_cursor SET watches = watches + 1 WHERE fid = 1"

// Watch returns the live watch id, or geo.ErrNotFound.
func (s *Store) Watch(ctx context.Context, id string) (store.Watch, error) {
	ws, err := s.watches(ctx, "id = ?", id)
	if err != nil {
		return store.Watch{}, err
	}
	if len(ws) == 0 {
		return store.Watch{}, fmt.Errorf("%w: watch %q", geo.ErrNotFound, id)
	}
	return ws[0], nil
}

// Watches returns the live watches of owner, or every live watch for
// owner "", in the order they were created.
func (s *Store) Watches(ctx context.Context, owner string) ([]store.Watch, error) {
	if owner == "" {
		return s.watches(ctx, "1")
	}
	return s.watches(ctx, "owner = ?", owner)
}

func (s *Store) watches(ctx context.Context, where string, args ...any) ([]store.Watch, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT id, owner, spec, webhook, secret, created, since FROM watches WHERE deleted IS NULL AND "+
		where+" ORDER BY fid", args...)
	if err != nil {
		return nil, fmt.Errorf("gpkg: reading the watches: %w", err)
	}
	defer rows.Close()
	var out []store.Watch
	for rows.Next() {
		var (
			w             store.Watch
			spec, created string
		)
		if err := rows.Scan(&w.ID, &w.Owner, &spec, &w.Webhook, &w.Secret, &created, &w.Since); err != nil {
			return nil, fmt.Errorf("gpkg: reading the watches: %w", err)
		}
		w.Spec = []byte(spec)
		w.Created, _ = time.Parse(timeFormat, created)
		out = append(out, w)
	}
	return out, rows.Err()
}

// DeleteWatch deletes the live watch id: it is matched no more, and its
// pending deliveries are cancelled; its events stay. It returns
// geo.ErrNotFound when there is no such watch.
func (s *Store) DeleteWatch(ctx context.Context, id string) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("gpkg: deleting a watch: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, "UPDATE watches SET deleted = ? WHERE id = ? AND deleted IS NULL", time.Now().UTC().Format(timeFormat), id)
	if err != nil {
		return fmt.Errorf("gpkg: deleting a watch: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("%w: watch %q", geo.ErrNotFound, id)
	}
	if _, err := tx.ExecContext(ctx, watchesChanged); err != nil {
		return fmt.Errorf("gpkg: deleting a watch: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE watch_events SET state = ?, next_attempt = NULL WHERE watch = ? AND state = ?",
		store.DeliveryCancelled, id, store.DeliveryPending); err != nil {
		return fmt.Errorf("gpkg: deleting a watch: %w", err)
	}
	return tx.Commit()
}

// Match runs fn in one immediate transaction on the writer connection,
// which is the matcher's lock in a GeoPackage, and commits what it added
// when fn returns nil.
func (s *Store) Match(ctx context.Context, fn func(store.MatchTx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("gpkg: matching: %w", err)
	}
	defer tx.Rollback()
	if err := fn(&matchTx{ctx: ctx, tx: tx}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("gpkg: matching: %w", err)
	}
	return nil
}

// matchTx is store.MatchTx in a GeoPackage.
type matchTx struct {
	ctx context.Context
	tx  *sql.Tx
}

func (m *matchTx) Cursor() (int64, error) {
	var v int64
	if err := m.tx.QueryRowContext(m.ctx, "SELECT dataset_version FROM watch_cursor WHERE fid = 1").Scan(&v); err != nil {
		return 0, fmt.Errorf("gpkg: reading the watch cursor: %w", err)
	}
	return v, nil
}

func (m *matchTx) Watches() (int64, error) {
	var n int64
	if err := m.tx.QueryRowContext(m.ctx, "SELECT watches FROM watch_cursor WHERE fid = 1").Scan(&n); err != nil {
		return 0, fmt.Errorf("gpkg: reading the watch cursor: %w", err)
	}
	return n, nil
}

func (m *matchTx) Advance(v int64) error {
	if _, err := m.tx.ExecContext(m.ctx, "UPDATE watch_cursor SET dataset_version = ? WHERE fid = 1", v); err != nil {
		return fmt.Errorf("gpkg: moving the watch cursor: %w", err)
	}
	return nil
}

func (m *matchTx) Add(events []store.Event) error {
	if len(events) == 0 {
		return nil
	}
	st, err := m.tx.PrepareContext(m.ctx, `INSERT INTO watch_events (watch, key, type, dataset_version, payload, created, state, next_attempt)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`)
	if err != nil {
		return fmt.Errorf("gpkg: adding events: %w", err)
	}
	defer st.Close()
	now := time.Now().UTC().Format(timeFormat)
	for _, e := range events {
		if _, err := st.ExecContext(m.ctx, e.Watch, e.Key, e.Type, e.DatasetVersion, string(e.Payload), now,
			string(e.Delivery.State), nullTime(e.Delivery.NextAttempt)); err != nil {
			return fmt.Errorf("gpkg: adding events: %w", err)
		}
	}
	return nil
}

// nullTime is t in timeFormat, NULL when zero.
func nullTime(t time.Time) sql.NullString {
	if t.IsZero() {
		return sql.NullString{}
	}
	return sql.NullString{String: t.UTC().Format(timeFormat), Valid: true}
}

// eventColumns are the columns scanEvent reads, in its order.
const eventColumns = `fid, watch, key, type, dataset_version, payload, created, state, attempts,
  next_attempt, last_attempt, last_status, last_error, delivered`

func scanEvent(sc interface{ Scan(...any) error }, e *store.Event) error {
	var (
		created, state        string
		next, last, delivered sql.NullString
		status                sql.NullInt64
		lastErr               sql.NullString
	)
	if err := sc.Scan(&e.Seq, &e.Watch, &e.Key, &e.Type, &e.DatasetVersion, &e.Payload, &created, &state, &e.Delivery.Attempts,
		&next, &last, &status, &lastErr, &delivered); err != nil {
		return err
	}
	e.Created = parseTime(sql.NullString{String: created, Valid: true})
	e.Delivery.State = store.DeliveryState(state)
	e.Delivery.NextAttempt, e.Delivery.LastAttempt, e.Delivery.Delivered = parseTime(next), parseTime(last), parseTime(delivered)
	e.Delivery.LastStatus, e.Delivery.LastError = int(status.Int64), lastErr.String
	return nil
}

// parseTime reads a time column: the zero time when NULL.
func parseTime(s sql.NullString) time.Time {
	if !s.Valid {
		return time.Time{}
	}
	t, _ := time.Parse(timeFormat, s.String)
	return t
}

// Events returns the events of watch after Seq after, oldest first, at
// most limit (1 or more).
func (s *Store) Events(ctx context.Context, watch string, after int64, limit int) ([]store.Event, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+eventColumns+" FROM watch_events WHERE watch = ? AND fid > ? ORDER BY fid LIMIT ?",
		watch, after, limit)
	if err != nil {
		return nil, fmt.Errorf("gpkg: reading events: %w", err)
	}
	defer rows.Close()
	var out []store.Event
	for rows.Next() {
		var e store.Event
		if err := scanEvent(rows, &e); err != nil {
			return nil, fmt.Errorf("gpkg: reading events: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ClaimDeliveries claims up to limit pending events due at now whose
// earlier claim, if any, has lapsed: each gets its next attempt number and
// a lease until now+lease, within which no other claim takes it. A
// process that dies mid-attempt leaves the lease to lapse, and the event
// is claimed again: delivery is at least once.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.Job, error) {
	at := now.UTC().Format(timeFormat)
	rows, err := s.w.QueryContext(ctx, `UPDATE watch_events SET attempts = attempts + 1, lease_until = ?
  WHERE fid IN (SELECT e.fid FROM watch_events e JOIN watches w ON w.id = e.watch AND w.deleted IS NULL
    WHERE e.state = 'pending' AND e.next_attempt <= ? AND (e.lease_until IS NULL OR e.lease_until < ?)
    ORDER BY e.next_attempt, e.fid LIMIT ?)
  RETURNING `+eventColumns, now.Add(lease).UTC().Format(timeFormat), at, at, limit)
	if err != nil {
		return nil, fmt.Errorf("gpkg: claiming deliveries: %w", err)
	}
	var jobs []store.Job
	for rows.Next() {
		var j store.Job
		if err := scanEvent(rows, &j.Event); err != nil {
			rows.Close()
			return nil, fmt.Errorf("gpkg: claiming deliveries: %w", err)
		}
		j.Attempt = j.Delivery.Attempts
		jobs = append(jobs, j)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("gpkg: claiming deliveries: %w", err)
	}
	for i := range jobs {
		err := s.r.QueryRowContext(ctx, "SELECT webhook, secret FROM watches WHERE id = ?", jobs[i].Watch).Scan(&jobs[i].URL, &jobs[i].Secret)
		if err != nil {
			return nil, fmt.Errorf("gpkg: claiming deliveries: %w", err)
		}
	}
	return jobs, nil
}

// FinishDeliveries records how each attempt ended, in one transaction. An
// attempt whose lease lapsed and was claimed again (a later attempt
// number) changes nothing, nor does one on an event no longer pending.
func (s *Store) FinishDeliveries(ctx context.Context, fs []store.Finished) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("gpkg: recording deliveries: %w", err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `UPDATE watch_events SET state = ?, next_attempt = ?, lease_until = NULL, last_attempt = ?,
  last_status = ?, last_error = ?, delivered = ? WHERE fid = ? AND attempts = ? AND state = 'pending'`)
	if err != nil {
		return fmt.Errorf("gpkg: recording deliveries: %w", err)
	}
	defer st.Close()
	for _, f := range fs {
		o := f.Outcome
		var delivered, next sql.NullString
		if o.State == store.DeliveryDelivered {
			delivered = nullTime(o.At)
		}
		if o.State == store.DeliveryPending {
			next = nullTime(o.Next)
		}
		if _, err := st.ExecContext(ctx, string(o.State), next, nullTime(o.At), o.Status, o.Error, delivered, f.Seq, f.Attempt); err != nil {
			return fmt.Errorf("gpkg: recording deliveries: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("gpkg: recording deliveries: %w", err)
	}
	return nil
}

// DeliveryCounts counts the events in each delivery state.
func (s *Store) DeliveryCounts(ctx context.Context) (map[store.DeliveryState]int64, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT state, count(*) FROM watch_events GROUP BY state")
	if err != nil {
		return nil, fmt.Errorf("gpkg: counting deliveries: %w", err)
	}
	defer rows.Close()
	out := map[store.DeliveryState]int64{}
	for rows.Next() {
		var (
			st string
			n  int64
		)
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("gpkg: counting deliveries: %w", err)
		}
		out[store.DeliveryState(st)] = n
	}
	return out, rows.Err()
}

// EventsAfter returns the events of every watch after Seq after, oldest
// first, at most limit, and the outbox's last Seq (0 when empty).
func (s *Store) EventsAfter(ctx context.Context, after int64, limit int) ([]store.Event, int64, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, fmt.Errorf("gpkg: reading events: %w", err)
	}
	defer tx.Rollback()
	var last int64
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(fid), 0) FROM watch_events").Scan(&last); err != nil {
		return nil, 0, fmt.Errorf("gpkg: reading events: %w", err)
	}
	rows, err := tx.QueryContext(ctx, "SELECT "+eventColumns+" FROM watch_events WHERE fid > ? ORDER BY fid LIMIT ?", after, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("gpkg: reading events: %w", err)
	}
	defer rows.Close()
	var out []store.Event
	for rows.Next() {
		var e store.Event
		if err := scanEvent(rows, &e); err != nil {
			return nil, 0, fmt.Errorf("gpkg: reading events: %w", err)
		}
		out = append(out, e)
	}
	return out, last, rows.Err()
}

// PruneEvents deletes the events created before before that no delivery
// waits on (every state but pending) and returns how many it deleted.
func (s *Store) PruneEvents(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, "DELETE FROM watch_events WHERE state <> 'pending' AND created < ?", before.UTC().Format(timeFormat))
	if err != nil {
		return 0, fmt.Errorf("gpkg: pruning events: %w", err)
	}
	return res.RowsAffected()
}
