package gpkg

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
)

// Token describes an API token. The secret itself is never stored, only its
// SHA-256.
type Token struct {
	Name    string
	Role    store.Role
	Created time.Time // UTC
	Revoked time.Time // UTC; zero while the token is valid
}

// maxTokenName bounds token names, which appear in the audit log.
const maxTokenName = 64

// CreateToken creates a token and returns its secret: 32 random bytes from
// crypto/rand, base64url without padding (43 characters). The secret is
// shown to the caller once; the store keeps only its SHA-256, so it cannot
// be recovered. Names are unique forever, revoked tokens included, so the
// audit log's names stay unambiguous. Errors: *geo.ValidationError for a
// name that is not 1-64 printable ASCII characters without spaces, or an
// unknown role; geo.ErrConflict when the name is taken.
func (s *Store) CreateToken(ctx context.Context, name string, role store.Role) (string, error) {
	if !validTokenName(name) {
		return "", &geo.ValidationError{Field: "name", Reason: fmt.Sprintf("%q is not 1-%d printable ASCII characters without spaces", name, maxTokenName)}
	}
	if !role.Valid() {
		return "", &geo.ValidationError{Field: "role", Reason: fmt.Sprintf("%q is not viewer, editor or admin", role)}
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("gpkg: creating a token: %w", err)
	}
	secret := base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(secret))
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
		name, string(role), hex.EncodeToString(sum[:]), time.Now().UTC().Format(timeFormat))
	if err != nil {
		return "", fmt.Errorf("gpkg: creating a token: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("gpkg: creating a token: %w", err)
	}
	return secret, nil
}

func validTokenName(name string) bool {
	if len(name) == 0 || len(name) > maxTokenName {
		return false
	}
	for i := 0; i < len(name); i++ {
		if name[i] <= ' ' || name[i] > '~' {
			return false
		}
	}
	return true
}

// ListTokens returns every token, revoked ones included, ordered by name.
func (s *Store) ListTokens(ctx context.Context) ([]Token, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT name, role, created, revoked FROM tokens ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("gpkg: listing tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var (
			t       Token
			role    string
			created string
			revoked sql.NullString
		)
		if err := rows.Scan(&t.Name, &role, &created, &revoked); err != nil {
			return nil, fmt.Errorf("gpkg: listing tokens: %w", err)
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
// this is, or ErrUnauthorized. It compares the secret's SHA-256 with every
// stored hash in constant time, without stopping at a match, so its timing
// tells nothing about which stored hash is closest; token tables hold tens
// of rows.
func (s *Store) Authenticate(ctx context.Context, secret string) (string, store.Role, error) {
	sum := sha256.Sum256([]byte(secret))
	rows, err := s.r.QueryContext(ctx, "SELECT name, role, sha256, revoked IS NOT NULL FROM tokens")
	if err != nil {
		return "", "", fmt.Errorf("gpkg: authenticating: %w", err)
	}
	defer rows.Close()
	var (
		name, role string
		found      bool
		revoked    bool
	)
	for rows.Next() {
		var (
			n, r, h string
			rev     bool
		)
		if err := rows.Scan(&n, &r, &h, &rev); err != nil {
			return "", "", fmt.Errorf("gpkg: authenticating: %w", err)
		}
		stored, err := hex.DecodeString(h)
		if err != nil || len(stored) != len(sum) {
			continue
		}
		if subtle.ConstantTimeCompare(stored, sum[:]) == 1 {
			name, role, found, revoked = n, r, true, rev
		}
	}
	if err := rows.Err(); err != nil {
		return "", "", fmt.Errorf("gpkg: authenticating: %w", err)
	}
	if !found || revoked {
		return "", "", store.ErrUnauthorized
	}
	return name, store.Role(role), nil
}
