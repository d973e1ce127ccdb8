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

// CreateToken creates a token and returns its secret (store.NewSecret),
// shown to the caller once; the store keeps only its SHA-256. Names are
// unique forever, revoked tokens included. Errors: *geo.ValidationError for
// a bad name or role; geo.ErrConflict when the name is taken.
func (s *Store) CreateToken(ctx context.Context, name string, role store.Role) (string, error) {
	secret, sum, err := store.NewSecret(name, role)
	if err != nil {
		return "", err
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		now := time.Now().UTC()
		if _, err := tx.Exec(ctx, "INSERT INTO tokens (name, role, sha256, created) VALUES ($1, $2, $3, $4)",
			name, string(role), sum, now); err != nil {
			return err
		}
		return auditToken(ctx, tx, store.ActionTokenCreate, name, now)
	})
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" { // unique_violation
		return "", fmt.Errorf("%w: token %q", geo.ErrConflict, name)
	}
	if err != nil {
		return "", fmt.Errorf("postgis: creating a token: %w", unavailable(err))
	}
	return secret, nil
}

// auditToken adds the audit entry of a token's creation or revocation,
// at the dataset version current then, in tx.
func auditToken(ctx context.Context, tx pgx.Tx, action, name string, at time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO audit (at, who, action, kind, id, version_after, dataset_version)
  VALUES ($1, $2, $3, $4, $5, 0, (SELECT coalesce(max(dataset_version), 0) FROM versions))`, at, store.TokenWho, action, string(store.KindToken), name)
	return err
}

// AuditPolicy records that the server now runs with the publication
// policy of digest (store.ActionPolicy), by who, unless the audit log's
// last policy entry already says so; it reports whether it added one.
// Instances starting together take the write lock in turn, so one policy
// change makes one entry.
func (s *Store) AuditPolicy(ctx context.Context, digest, who string) (bool, error) {
	added := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", writeLock); err != nil {
			return err
		}
		var last string
		err := tx.QueryRow(ctx, "SELECT id FROM audit WHERE kind = $1 ORDER BY seq DESC LIMIT 1", string(store.KindPolicy)).Scan(&last)
		switch {
		case err == nil && last == digest, errors.Is(err, pgx.ErrNoRows) && digest == store.NoPolicy:
			return nil
		case err != nil && !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO audit (at, who, action, kind, id, version_after, dataset_version)
  VALUES ($1, $2, $3, $4, $5, 0, (SELECT coalesce(max(dataset_version), 0) FROM versions))`,
			time.Now().UTC(), who, store.ActionPolicy, string(store.KindPolicy), digest)
		added = err == nil
		return err
	})
	if err != nil {
		return false, fmt.Errorf("postgis: auditing the policy: %w", unavailable(err))
	}
	return added, nil
}

// ListTokens returns every token, revoked ones included, ordered by name.
func (s *Store) ListTokens(ctx context.Context) ([]store.Token, error) {
	return store.Tokens(s.StoredTokens(ctx))
}

// StoredTokens returns every token with the hash of its secret, ordered by
// name.
func (s *Store) StoredTokens(ctx context.Context) ([]store.StoredToken, error) {
	rows, err := s.pool.Query(ctx, `SELECT name, role, sha256, created, revoked FROM tokens ORDER BY name COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("postgis: reading the tokens: %w", unavailable(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.StoredToken, error) {
		var (
			t       store.StoredToken
			role    string
			revoked *time.Time
		)
		err := row.Scan(&t.Name, &role, &t.SHA256, &t.Created, &revoked)
		t.Role, t.Created = store.Role(role), t.Created.UTC()
		if revoked != nil {
			t.Revoked = revoked.UTC()
		}
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgis: reading the tokens: %w", unavailable(err))
	}
	return out, nil
}

// RevokeToken revokes the named token; Authenticate refuses it from then
// on. Revoking a revoked token changes nothing. It returns geo.ErrNotFound
// when there is no such token.
func (s *Store) RevokeToken(ctx context.Context, name string) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		now := time.Now().UTC()
		tag, err := tx.Exec(ctx, "UPDATE tokens SET revoked = $1 WHERE name = $2 AND revoked IS NULL", now, name)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var known bool
			if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM tokens WHERE name = $1)", name).Scan(&known); err != nil {
				return err
			}
			if !known {
				return fmt.Errorf("%w: token %q", geo.ErrNotFound, name)
			}
			return nil // revoked before: nothing changes, nothing to audit
		}
		return auditToken(ctx, tx, store.ActionTokenRevoke, name, now)
	})
	if errors.Is(err, geo.ErrNotFound) {
		return err
	}
	if err != nil {
		return fmt.Errorf("postgis: revoking a token: %w", unavailable(err))
	}
	return nil
}

// Authenticate returns the name and role of the valid token whose secret
// this is, or store.ErrUnauthorized (store.MatchToken).
func (s *Store) Authenticate(ctx context.Context, secret string) (string, store.Role, error) {
	tokens, err := s.StoredTokens(ctx)
	if err != nil {
		return "", "", fmt.Errorf("postgis: authenticating: %w", err)
	}
	return store.MatchToken(secret, tokens)
}
