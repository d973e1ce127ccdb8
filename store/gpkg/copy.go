package gpkg

import (
	"context"
	"errors"
	"fmt"

	"github.com/frontline-maps/frontline/store"
)

// EachVersion calls fn with every version, in commit order (store.Archive).
func (s *Store) EachVersion(ctx context.Context, fn func(store.Version) error) error {
	rows, err := s.r.QueryContext(ctx, "SELECT "+versionColumns+" FROM versions ORDER BY dataset_version, fid")
	if err != nil {
		return fmt.Errorf("gpkg: reading versions: %w", err)
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
}

// EachAudit calls fn with every audit entry, oldest first (store.Archive).
func (s *Store) EachAudit(ctx context.Context, fn func(store.AuditEntry) error) error {
	return store.EachAudit(ctx, s.AuditLog, fn)
}

// Counts counts the versions, audit entries, tokens and current records
// (store.Archive).
func (s *Store) Counts(ctx context.Context) (store.Counts, error) {
	c, err := store.CountTables(func(table string, n *int) error {
		return s.r.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(n)
	})
	if err != nil {
		return store.Counts{}, fmt.Errorf("gpkg: counting: %w", err)
	}
	return c, nil
}

// Fill copies everything src holds into this store, which must be empty
// (no versions, no tokens), in one transaction (store.Fill): all or
// nothing.
func (s *Store) Fill(ctx context.Context, src store.Archive) error {
	return s.write(ctx, "copy", func(_ *store.Write, tx *writeTx) error {
		var n int
		err := tx.tx.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM versions) + (SELECT count(*) FROM tokens)").Scan(&n)
		if err != nil {
			return fmt.Errorf("gpkg: copy: %w", err)
		}
		if n > 0 {
			return errors.New("gpkg: copy: the destination store is not empty")
		}
		return store.Fill(ctx, src, tx)
	})
}

// PutToken implements store.FillTx.
func (w *writeTx) PutToken(t store.StoredToken) error {
	var revoked any
	if !t.Revoked.IsZero() {
		revoked = t.Revoked.UTC().Format(timeFormat)
	}
	err := w.exec("INSERT INTO tokens (name, role, sha256, created, revoked) VALUES (?, ?, ?, ?, ?)",
		t.Name, string(t.Role), t.SHA256, t.Created.UTC().Format(timeFormat), revoked)
	if err != nil {
		return fmt.Errorf("gpkg: writing token %q: %w", t.Name, err)
	}
	return nil
}
