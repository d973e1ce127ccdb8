package store

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/frontline-maps/frontline/geo"
)

// This file is what every store's tokens share: their secrets, the hashes
// stores keep instead, and the constant-time check of a secret.

// Token describes an API token. The secret itself is never stored, only its
// SHA-256.
type Token struct {
	Name    string
	Role    Role
	Created time.Time // UTC
	Revoked time.Time // UTC; zero while the token is valid
}

// StoredToken is a token as a store keeps it: with the hex SHA-256 of its
// secret, which a copy between stores carries over.
type StoredToken struct {
	Token
	SHA256 string
}

// maxTokenName bounds token names, which appear in the audit log.
const maxTokenName = 64

// NewSecret checks a new token's name and role and draws its secret: 32
// random bytes from crypto/rand, base64url without padding (43
// characters). It returns the secret, shown to the caller once, and the
// hex SHA-256 a store keeps. Errors: *geo.ValidationError for a name that
// is not 1-64 printable ASCII characters without spaces, or an unknown
// role.
func NewSecret(name string, role Role) (secret, sha string, err error) {
	if !validTokenName(name) {
		return "", "", &geo.ValidationError{Field: "name", Reason: fmt.Sprintf("%q is not 1-%d printable ASCII characters without spaces", name, maxTokenName)}
	}
	if !role.Valid() {
		return "", "", &geo.ValidationError{Field: "role", Reason: fmt.Sprintf("%q is not viewer, editor or admin", role)}
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", "", fmt.Errorf("store: drawing a token secret: %w", err)
	}
	secret = base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(secret))
	return secret, hex.EncodeToString(sum[:]), nil
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

// MatchToken returns the name and role of the valid token among tokens
// whose secret this is, or ErrUnauthorized. It compares the secret's
// SHA-256 with every stored hash in constant time, without stopping at a
// match, so its timing tells nothing about which stored hash is closest;
// token tables hold tens of rows.
func MatchToken(secret string, tokens []StoredToken) (string, Role, error) {
	sum := sha256.Sum256([]byte(secret))
	var (
		match StoredToken
		found bool
	)
	for _, t := range tokens {
		stored, err := hex.DecodeString(t.SHA256)
		if err != nil || len(stored) != len(sum) {
			continue
		}
		if subtle.ConstantTimeCompare(stored, sum[:]) == 1 {
			match, found = t, true
		}
	}
	if !found || !match.Revoked.IsZero() {
		return "", "", ErrUnauthorized
	}
	return match.Name, match.Role, nil
}

// Tokens returns stored without the hashes: a store's ListTokens.
func Tokens(stored []StoredToken, err error) ([]Token, error) {
	out := make([]Token, len(stored))
	for i, t := range stored {
		out[i] = t.Token
	}
	return out, err
}
