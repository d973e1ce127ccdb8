package gpkg

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
)

// CreateToken creates a token and returns its secret (store.NewSecret),
// shown to the caller once; the store keeps only its SHA-256, so it cannot
// be recovered. Names are unique forever, revoked tokens included, so the
// audit log's names stay unambiguous. Errors: *geo.ValidationError for a
// bad name or role; geo.ErrConflict when the name is taken.
func (s *Store) CreateToken(ctx context.Context, name string, role store.Role) (string, error) {
	secret, sum, err := store.NewSecret(name, role)
	if err != nil {
		return "", err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("gpkg: creating a token: %w", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM tokens WHERE name = ?", name).Scan(&n); err != nil {
		return "", fmt.Errorf("gpkg: creating a token: %w", err)
	}
	if n > 0 {
		return "", fmt.Errorf("%w: token %q", geo.ErrConflict, name)
	}
	now := time.Now().UTC().Format(timeFormat)
	_, err = tx.ExecContext(ctx, "INSERT INTO tokens (name, role, sha256, created) VALUES (?, ?, ?, ?)",
		name, string(role), sum, now)
	if err == nil {
		err = auditToken(ctx, tx, store.ActionTokenCreate, name, now)
	}
	if err != nil {
		return "", fmt.Errorf("gpkg: creating a token: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("gpkg: creating a token: %w", err)
	}
	return secret, nil
}

// ListTokens returns every token, revoked ones included, ordered by name.
func (s *Store) ListTokens(ctx context.Context) ([]store.Token, error) {
	return store.Tokens(s.StoredTokens(ctx))
}

// StoredTokens returns every token with the hash of its secret, ordered by
// name.
func (s *Store) StoredTokens(ctx context.Context) ([]store.StoredToken, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT name, role, sha256, created, revoked FROM tokens ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("gpkg: reading the tokens: %w", err)
	}
	defer rows.Close()
	var out []store.StoredToken
	for rows.Next() {
		var (
			t       store.StoredToken
			role    string
			created string
			revoked sql.NullString
		)
		if err := rows.Scan(&t.Name, &role, &t.SHA256, &created, &revoked); err != nil {
			return nil, fmt.Errorf("gpkg: reading the tokens: %w", err)
		}
		t.Role = store.Role(role)
		t.Created, _ = time.Parse(timeFormat, created)
		if revoked.Valid {
			t.Revoked, _ = time.Parse(timeFormat, revoked.String)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes the named token; Authenticate refuses it from then
// on. Revoking a revoked token changes nothing. It returns geo.ErrNotFound
// when there is no such token.
func (s *Store) RevokeToken(ctx context.Context, name string) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("gpkg: revoking a token: %w", err)
	}
	defer tx.Rollback()
	now := time.Now().UTC().Format(timeFormat)
	res, err := tx.ExecContext(ctx, "UPDATE tokens SET revoked = coalesce(revoked, ?) WHERE name = ? AND revoked IS NULL", now, name)
	if err != nil {
		return fmt.Errorf("gpkg: revoking a token: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		var known int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM tokens WHERE name = ?", name).Scan(&known); err != nil {
			return fmt.Errorf("gpkg: revoking a token: %w", err)
		}
		if known == 0 {
			return fmt.Errorf("%w: token %q", geo.ErrNotFound, name)
		}
		return nil // revoked before: nothing changes, nothing to audit
	}
	if err := auditToken(ctx, tx, store.ActionTokenRevoke, name, now); err != nil {
		return fmt.Errorf("gpkg: revoking a token: %w", err)
	}
	return tx.Commit()
}

// auditToken adds the audit entry of a token's creation or revocation,
// at the dataset version current then, in tx.
func auditToken(ctx context.Context, tx *sql.Tx, action, name, at string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit (at, who, action, kind, id, version_after, dataset_version)
  VALUES (?, ?, ?, ?, ?, 0, (SELECT coalesce(max(dataset_version), 0) FROM versions))`, at, store.TokenWho, action, string(store.KindToken), name)
	return err
}

// AuditPolicy records that the server now runs with the publication
// policy of digest (store.ActionPolicy), by who, unless the audit log's
// last policy entry already says so; it reports whether it added one.
func (s *Store) AuditPolicy(ctx context.Context, digest, who string) (bool, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("gpkg: auditing the policy: %w", err)
	}
	defer tx.Rollback()
	var last string
	err = tx.QueryRowContext(ctx, "SELECT id FROM audit WHERE kind = ? ORDER BY fid DESC LIMIT 1", string(store.KindPolicy)).Scan(&last)
	switch {
	case err == nil && last == digest, err == sql.ErrNoRows && digest == store.NoPolicy:
		return false, nil
	case err != nil && err != sql.ErrNoRows:
		return false, fmt.Errorf("gpkg: auditing the policy: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit (at, who, action, kind, id, version_after, dataset_version)
  VALUES (?, ?, ?, ?, ?, 0, (SELECT coalesce(max(dataset_version), 0) FROM versions))`,
		time.Now().UTC().Format(timeFormat), who, store.ActionPolicy, string(store.KindPolicy), digest)
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return false, fmt.Errorf("gpkg: auditing the policy: %w", err)
	}
	return true, nil
}

// Authenticate returns the name and role of the valid token whose secret
// this is, or store.ErrUnauthorized (store.MatchToken).
func (s *Store) Authenticate(ctx context.Context, secret string) (string, store.Role, error) {
	tokens, err := s.StoredTokens(ctx)
	if err != nil {
		return "", "", fmt.Errorf("gpkg: authenticating: %w", err)
	}
	return store.MatchToken(secret, tokens)
}
