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
	_, err = s.pool.Exec(ctx, "INSERT INTO tokens (name, role, sha256, created) VALUES ($1, $2, $3, $4)",
		name, string(role), sum, time.Now().UTC())
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" { // unique_violation
		return "", fmt.Errorf("%w: token %q", geo.ErrConflict, name)
	}
	if err != nil {
		return "", fmt.Errorf("postgis: creating a token: %w", unavailable(err))
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
	tag, err := s.pool.Exec(ctx, "UPDATE tokens SET revoked = coalesce(revoked, $1) WHERE name = $2", time.Now().UTC(), name)
	if err != nil {
		return fmt.Errorf("postgis: revoking a token: %w", unavailable(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: token %q", geo.ErrNotFound, name)
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
