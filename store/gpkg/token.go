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
	_, err = tx.ExecContext(ctx, "INSERT INTO tokens (name, role, sha256, created) VALUES (?, ?, ?, ?)",
		name, string(role), sum, time.Now().UTC().Format(timeFormat))
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
	res, err := tx.ExecContext(ctx, "UPDATE tokens SET revoked = coalesce(revoked, ?) WHERE name = ?",
		time.Now().UTC().Format(timeFormat), name)
	if err != nil {
		return fmt.Errorf("gpkg: revoking a token: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("%w: token %q", geo.ErrNotFound, name)
	}
	return tx.Commit()
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
