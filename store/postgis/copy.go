package postgis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/frontline-maps/frontline/store"
	"github.com/frontline-maps/frontline/store/gpkg"
	"github.com/jackc/pgx/v5"
)

// EachVersion calls fn with every version, in commit order, from one
// snapshot (store.Archive).
func (s *Store) EachVersion(ctx context.Context, fn func(store.Version) error) error {
	return s.snapshot(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+versionColumns+" FROM versions ORDER BY dataset_version, seq")
		if err != nil {
			return fmt.Errorf("postgis: reading versions: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scanVersion(rows)
			if err != nil {
				return err
			}
			if err := fn(v); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// EachAudit calls fn with every audit entry, oldest first (store.Archive).
func (s *Store) EachAudit(ctx context.Context, fn func(store.AuditEntry) error) error {
	return store.EachAudit(ctx, s.AuditLog, fn)
}

// Counts counts the versions, audit entries, tokens and current records,
// in one snapshot (store.Archive).
func (s *Store) Counts(ctx context.Context) (store.Counts, error) {
	var c store.Counts
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		var err error
		c, err = store.CountTables(func(table string, n *int) error {
			return tx.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(n)
		})
		return err
	})
	if err != nil {
		return store.Counts{}, fmt.Errorf("postgis: counting: %w", err)
	}
	return c, nil
}

// Fill copies everything src holds into this store, which must be empty
// (no versions, no tokens), in one transaction (store.Fill): all or
// nothing; other instances are told of it as of a write.
func (s *Store) Fill(ctx context.Context, src store.Archive) error {
	return s.write(ctx, "copy", func(_ *store.Write, tx *writeTx) error {
		if _, err := tx.tx.Exec(ctx, "SET LOCAL statement_timeout = 0"); err != nil {
			return err
		}
		var n int
		err := tx.tx.QueryRow(ctx, "SELECT (SELECT count(*) FROM versions) + (SELECT count(*) FROM tokens)").Scan(&n)
		if err != nil {
			return fmt.Errorf("postgis: copy: %w", err)
		}
		if n > 0 {
			return errors.New("postgis: copy: the destination database is not empty")
		}
		tx.filled = true
		return store.Fill(ctx, src, tx)
	})
}

// PutToken implements store.FillTx.
func (w *writeTx) PutToken(t store.StoredToken) error {
	var revoked *time.Time
	if !t.Revoked.IsZero() {
		revoked = &t.Revoked
	}
	err := w.exec("INSERT INTO tokens (name, role, sha256, created, revoked) VALUES ($1, $2, $3, $4, $5)",
		t.Name, string(t.Role), t.SHA256, t.Created, revoked)
	if err != nil {
		return fmt.Errorf("postgis: writing token %q: %w", t.Name, err)
	}
	return nil
}

// Backup writes everything the store holds, history and tokens included,
// to w as a GeoPackage file (the GeoPackage store's format, which frontline
// serve --db opens and QGIS reads), filled from one snapshot
// (gpkg.BackupWith).
func (s *Store) Backup(ctx context.Context, w io.Writer) error {
	return gpkg.BackupWith(w, func(path string) error {
		g, err := gpkg.Open(ctx, path, gpkg.Options{})
		if err != nil {
			return err
		}
		if err := g.Fill(ctx, s); err != nil {
			g.Close()
			return err
		}
		return g.Close()
	})
}
