package postgis

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Listen LISTENs on ChangesChannel on a connection of its own and calls
// wake after each notification, and once after each (re)connection, since
// notifications sent while it was not listening are lost. A lost
// connection is opened again after a backoff from 100 ms doubling to 5 s;
// connected reports each change of state (false with the error). It
// returns when ctx is done. A notification only wakes the caller, who then
// reads the change feed (Changes) from its own version, so nothing depends
// on a notification arriving.
func (s *Store) Listen(ctx context.Context, wake func(), connected func(bool, error)) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, wake, connected, &backoff)
		if ctx.Err() != nil {
			return
		}
		connected(false, err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// listenOnce listens until the connection fails.
func (s *Store) listenOnce(ctx context.Context, wake func(), connected func(bool, error), backoff *time.Duration) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.Connect(cctx, s.url)
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+ChangesChannel); err != nil {
		return err
	}
	connected(true, nil)
	*backoff = 100 * time.Millisecond
	wake()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		wake()
	}
}
