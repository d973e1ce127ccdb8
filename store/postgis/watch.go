package postgis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// schemaV2 adds the watch tables (store/watch.go): watches, the outbox
// watch_events with each event's delivery state, and watch_cursor, the
// dataset version up to which changes are matched, set at migration to
// the database's dataset version so that no old change alerts.
func schemaV2() []string {
	return []string{
		`CREATE TABLE watches (
  id text COLLATE "C" PRIMARY KEY,
  owner text NOT NULL,
  spec jsonb NOT NULL,
  webhook text NOT NULL,
  secret text NOT NULL,
  created timestamptz NOT NULL,
  since bigint NOT NULL,
  deleted timestamptz)`,
		`CREATE TABLE watch_events (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  watch text COLLATE "C" NOT NULL REFERENCES watches (id),
  key text NOT NULL UNIQUE,
  type text NOT NULL,
  dataset_version bigint NOT NULL,
  payload jsonb NOT NULL,
  created timestamptz NOT NULL,
  state text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt timestamptz,
  lease_until timestamptz,
  last_attempt timestamptz,
  last_status integer,
  last_error text,
  delivered timestamptz)`,
		`CREATE INDEX watch_events_watch ON watch_events (watch, seq)`,
		`CREATE INDEX watch_events_due ON watch_events (next_attempt) WHERE state = 'pending'`,
		`CREATE TABLE watch_cursor (id integer PRIMARY KEY CHECK (id = 1), dataset_version bigint NOT NULL, watches bigint NOT NULL)`,
		`INSERT INTO watch_cursor SELECT 1, coalesce(max(dataset_version), 0), 0 FROM versions`,
		`COMMENT ON TABLE watches IS 'Watched zones, areas and points: owner, definition, webhook'`,
		`COMMENT ON TABLE watch_events IS 'The outbox: every event of every watch, with its webhook delivery state'`,
		`COMMENT ON TABLE watch_cursor IS 'The dataset version up to which changes are matched against the watches, and how often the watches changed'`,
	}
}

// CreateWatch stores w. Errors: geo.ErrConflict when a watch, even a
// deleted one, has its ID.
func (s *Store) CreateWatch(ctx context.Context, w store.Watch) error {
	return s.tx(ctx, "creating a watch", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO watches (id, owner, spec, webhook, secret, created, since)
  VALUES ($1, $2, $3, $4, $5, $6, $7)`, w.ID, w.Owner, string(w.Spec), w.Webhook, w.Secret, w.Created.UTC(), w.Since)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" {
			return fmt.Errorf("%w: watch %q", geo.ErrConflict, w.ID)
		}
		if err == nil {
			_, err = tx.Exec(ctx, watchesChanged)
		}
		return err
	})
}

// watchesChanged counts a change of the watches, so that matchers reload
// them (MatchTx.Watches).
const watchesChanged = "UPDATE watch_cursor SET watches = watches + 1 WHERE id = 1"

// Watch returns the live watch id, or geo.ErrNotFound.
func (s *Store) Watch(ctx context.Context, id string) (store.Watch, error) {
	ws, err := s.watches(ctx, "id = $1", id)
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
		return s.watches(ctx, "true")
	}
	return s.watches(ctx, "owner = $1", owner)
}

func (s *Store) watches(ctx context.Context, where string, args ...any) ([]store.Watch, error) {
	rows, err := s.pool.Query(ctx, "SELECT id, owner, spec::text, webhook, secret, created, since FROM watches WHERE deleted IS NULL AND "+
		where+" ORDER BY created, id", args...)
	if err != nil {
		return nil, fmt.Errorf("postgis: reading the watches: %w", unavailable(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Watch, error) {
		var (
			w    store.Watch
			spec string
		)
		err := r.Scan(&w.ID, &w.Owner, &spec, &w.Webhook, &w.Secret, &w.Created, &w.Since)
		w.Spec, w.Created = []byte(spec), w.Created.UTC()
		return w, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgis: reading the watches: %w", unavailable(err))
	}
	return out, nil
}

// DeleteWatch deletes the live watch id: it is matched no more, and its
// pending deliveries are cancelled; its events stay. It returns
// geo.ErrNotFound when there is no such watch.
func (s *Store) DeleteWatch(ctx context.Context, id string) error {
	return s.tx(ctx, "deleting a watch", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE watches SET deleted = now() WHERE id = $1 AND deleted IS NULL", id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("%w: watch %q", geo.ErrNotFound, id)
		}
		if _, err := tx.Exec(ctx, watchesChanged); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE watch_events SET state = $1, next_attempt = NULL WHERE watch = $2 AND state = $3",
			store.DeliveryCancelled, id, store.DeliveryPending)
		return err
	})
}

// tx runs fn in one transaction and commits it; what names the work in
// errors, except geo's, which pass unchanged.
func (s *Store) tx(ctx context.Context, what string, fn func(pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgis: %s: %w", what, unavailable(err))
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(tx); err != nil {
		if errors.Is(err, geo.ErrNotFound) || errors.Is(err, geo.ErrConflict) {
			return err
		}
		return fmt.Errorf("postgis: %s: %w", what, unavailable(err))
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgis: %s: %w", what, unavailable(err))
	}
	return nil
}

// Match runs fn in one transaction holding the row lock of watch_cursor
// (SELECT … FOR UPDATE), which every instance's matcher takes, and commits
// what it added when fn returns nil. The changes a matcher reads are
// committed in dataset-version order (the write lock), so none can appear
// below a cursor later.
func (s *Store) Match(ctx context.Context, fn func(store.MatchTx) error) error {
	return s.tx(ctx, "matching", func(tx pgx.Tx) error {
		m := &matchTx{ctx: ctx, tx: tx}
		if err := tx.QueryRow(ctx, "SELECT dataset_version FROM watch_cursor WHERE id = 1 FOR UPDATE").Scan(&m.cursor); err != nil {
			return err
		}
		return fn(m)
	})
}

// matchTx is store.MatchTx in PostgreSQL.
type matchTx struct {
	ctx    context.Context
	tx     pgx.Tx
	cursor int64
}

func (m *matchTx) Cursor() (int64, error) { return m.cursor, nil }

// Watches reads the count now, not at the lock: a watch committed before
// a change the matcher has read is counted.
func (m *matchTx) Watches() (int64, error) {
	var n int64
	err := m.tx.QueryRow(m.ctx, "SELECT watches FROM watch_cursor WHERE id = 1").Scan(&n)
	return n, err
}

func (m *matchTx) Advance(v int64) error {
	_, err := m.tx.Exec(m.ctx, "UPDATE watch_cursor SET dataset_version = $1 WHERE id = 1", v)
	m.cursor = v
	return err
}

func (m *matchTx) Add(events []store.Event) error {
	if len(events) == 0 {
		return nil
	}
	var b pgx.Batch
	for _, e := range events {
		var next *time.Time
		if !e.Delivery.NextAttempt.IsZero() {
			t := e.Delivery.NextAttempt.UTC()
			next = &t
		}
		b.Queue(`INSERT INTO watch_events (watch, key, type, dataset_version, payload, created, state, next_attempt)
  VALUES ($1, $2, $3, $4, $5, now(), $6, $7) ON CONFLICT (key) DO NOTHING`,
			e.Watch, e.Key, e.Type, e.DatasetVersion, string(e.Payload), string(e.Delivery.State), next)
	}
	return m.tx.SendBatch(m.ctx, &b).Close()
}

// eventColumns are the columns scanEvent reads, in its order.
const eventColumns = `seq, watch, key, type, dataset_version, payload::text, created, state, attempts,
  next_attempt, last_attempt, last_status, last_error, delivered`

// scanEvent scans a row of eventColumns, then extra, into e and extra.
func scanEvent(r pgx.Row, e *store.Event, extra ...any) error {
	var (
		payload, state        string
		next, last, delivered *time.Time
		status                *int
		lastErr               *string
	)
	dest := []any{&e.Seq, &e.Watch, &e.Key, &e.Type, &e.DatasetVersion, &payload, &e.Created, &state, &e.Delivery.Attempts,
		&next, &last, &status, &lastErr, &delivered}
	if err := r.Scan(append(dest, extra...)...); err != nil {
		return err
	}
	e.Payload, e.Created, e.Delivery.State = []byte(payload), e.Created.UTC(), store.DeliveryState(state)
	utc := func(t *time.Time) time.Time {
		if t == nil {
			return time.Time{}
		}
		return t.UTC()
	}
	e.Delivery.NextAttempt, e.Delivery.LastAttempt, e.Delivery.Delivered = utc(next), utc(last), utc(delivered)
	if status != nil {
		e.Delivery.LastStatus = *status
	}
	if lastErr != nil {
		e.Delivery.LastError = *lastErr
	}
	return nil
}

// Events returns the events of watch after Seq after, oldest first, at
// most limit (1 or more).
func (s *Store) Events(ctx context.Context, watch string, after int64, limit int) ([]store.Event, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+eventColumns+" FROM watch_events WHERE watch = $1 AND seq > $2 ORDER BY seq LIMIT $3",
		watch, after, limit)
	if err != nil {
		return nil, fmt.Errorf("postgis: reading events: %w", unavailable(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Event, error) {
		var e store.Event
		return e, scanEvent(r, &e)
	})
	if err != nil {
		return nil, fmt.Errorf("postgis: reading events: %w", unavailable(err))
	}
	return out, nil
}

// ClaimDeliveries claims up to limit pending events due at now whose
// earlier claim, if any, has lapsed (FOR UPDATE SKIP LOCKED, so instances
// claiming at once take different events): each gets its next attempt
// number and a lease until now+lease, within which no other claim takes
// it. An instance that dies mid-attempt leaves the lease to lapse, and the
// event is claimed again: delivery is at least once.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.Job, error) {
	rows, err := s.pool.Query(ctx, `WITH due AS (
    SELECT e.seq FROM watch_events e JOIN watches w ON w.id = e.watch AND w.deleted IS NULL
      WHERE e.state = 'pending' AND e.next_attempt <= $1 AND (e.lease_until IS NULL OR e.lease_until < $1)
      ORDER BY e.next_attempt, e.seq LIMIT $3 FOR UPDATE OF e SKIP LOCKED)
  UPDATE watch_events e SET attempts = attempts + 1, lease_until = $2
  FROM due, watches w WHERE e.seq = due.seq AND w.id = e.watch
  RETURNING e.seq, e.watch, e.key, e.type, e.dataset_version, e.payload::text, e.created, e.state, e.attempts,
    e.next_attempt, e.last_attempt, e.last_status, e.last_error, e.delivered, w.webhook, w.secret`,
		now.UTC(), now.Add(lease).UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("postgis: claiming deliveries: %w", unavailable(err))
	}
	jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Job, error) {
		var j store.Job
		err := scanEvent(r, &j.Event, &j.URL, &j.Secret)
		j.Attempt = j.Delivery.Attempts
		return j, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgis: claiming deliveries: %w", unavailable(err))
	}
	return jobs, nil
}

// FinishDeliveries records how each attempt ended, in one transaction. An
// attempt whose lease lapsed and was claimed again (a later attempt
// number) changes nothing, nor does one on an event no longer pending.
func (s *Store) FinishDeliveries(ctx context.Context, fs []store.Finished) error {
	return s.tx(ctx, "recording deliveries", func(tx pgx.Tx) error {
		var b pgx.Batch
		for _, f := range fs {
			o := f.Outcome
			var delivered, next *time.Time
			if o.State == store.DeliveryDelivered {
				delivered = &o.At
			}
			if o.State == store.DeliveryPending {
				next = &o.Next
			}
			b.Queue(`UPDATE watch_events SET state = $1, next_attempt = $2, lease_until = NULL, last_attempt = $3,
  last_status = $4, last_error = $5, delivered = $6 WHERE seq = $7 AND attempts = $8 AND state = 'pending'`,
				string(o.State), next, o.At, o.Status, o.Error, delivered, f.Seq, f.Attempt)
		}
		return tx.SendBatch(ctx, &b).Close()
	})
}

// DeliveryCounts counts the events in each delivery state.
func (s *Store) DeliveryCounts(ctx context.Context) (map[store.DeliveryState]int64, error) {
	rows, err := s.pool.Query(ctx, "SELECT state, count(*) FROM watch_events GROUP BY state")
	if err != nil {
		return nil, fmt.Errorf("postgis: counting deliveries: %w", unavailable(err))
	}
	out := map[store.DeliveryState]int64{}
	var (
		st string
		n  int64
	)
	if _, err := pgx.ForEachRow(rows, []any{&st, &n}, func() error { out[store.DeliveryState(st)] = n; return nil }); err != nil {
		return nil, fmt.Errorf("postgis: counting deliveries: %w", unavailable(err))
	}
	return out, nil
}

// EventsAfter returns the events of every watch after Seq after, oldest
// first, at most limit, and the outbox's last Seq (0 when empty).
func (s *Store) EventsAfter(ctx context.Context, after int64, limit int) ([]store.Event, int64, error) {
	var (
		out  []store.Event
		last int64
	)
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(seq), 0) FROM watch_events").Scan(&last); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+eventColumns+" FROM watch_events WHERE seq > $1 ORDER BY seq LIMIT $2", after, limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Event, error) {
			var e store.Event
			return e, scanEvent(r, &e)
		})
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("postgis: reading events: %w", unavailable(err))
	}
	return out, last, nil
}

// PruneEvents deletes the events created before before that no delivery
// waits on (every state but pending) and returns how many it deleted.
func (s *Store) PruneEvents(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, "DELETE FROM watch_events WHERE state <> 'pending' AND created < $1", before.UTC())
	if err != nil {
		return 0, fmt.Errorf("postgis: pruning events: %w", unavailable(err))
	}
	return tag.RowsAffected(), nil
}
