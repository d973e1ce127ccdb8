package gpkg

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
)

func TestTokens(t *testing.T) {
	s, path := openTest(t, Options{})
	c := t.Context()
	secrets := map[string]string{}
	for _, tc := range []struct {
		name string
		role store.Role
	}{{"ops", store.RoleAdmin}, {"alice", store.RoleEditor}, {"reader", store.RoleViewer}} {
		secret, err := s.CreateToken(c, tc.name, tc.role)
		if err != nil {
			t.Fatal(err)
		}
		if raw, err := base64.RawURLEncoding.DecodeString(secret); err != nil || len(raw) != 32 {
			t.Errorf("secret %q is not 32 bytes of base64url", secret)
		}
		secrets[tc.name] = secret
		name, role, err := s.Authenticate(c, secret)
		if err != nil || name != tc.name || role != tc.role {
			t.Errorf("Authenticate(%s) = %q, %q, %v", tc.name, name, role, err)
		}
	}

	invalid := []struct {
		name, role, field string
	}{
		{"", "editor", "name"},
		{"has space", "editor", "name"},
		{string(bytes.Repeat([]byte("x"), 65)), "editor", "name"},
		{"bob", "owner", "role"},
	}
	for _, tc := range invalid {
		var ve *geo.ValidationError
		if _, err := s.CreateToken(c, tc.name, store.Role(tc.role)); !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("CreateToken(%q, %q): err = %v, want a validation error of %s", tc.name, tc.role, err, tc.field)
		}
	}
	if _, err := s.CreateToken(c, "alice", store.RoleViewer); !errors.Is(err, geo.ErrConflict) {
		t.Errorf("duplicate name: err = %v", err)
	}

	for _, secret := range []string{"", "nope", secrets["alice"] + "x", secrets["alice"][1:]} {
		if _, _, err := s.Authenticate(c, secret); !errors.Is(err, store.ErrUnauthorized) {
			t.Errorf("Authenticate(%q): err = %v", secret, err)
		}
	}
	if err := s.RevokeToken(c, "alice"); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(c, "alice"); err != nil {
		t.Errorf("second revoke: %v", err)
	}
	if err := s.RevokeToken(c, "nobody"); !errors.Is(err, geo.ErrNotFound) {
		t.Errorf("revoking a missing token: err = %v", err)
	}
	if _, _, err := s.Authenticate(c, secrets["alice"]); !errors.Is(err, store.ErrUnauthorized) {
		t.Errorf("revoked token: err = %v", err)
	}
	if _, err := s.CreateToken(c, "alice", store.RoleEditor); !errors.Is(err, geo.ErrConflict) {
		t.Errorf("reusing a revoked name: err = %v", err)
	}

	list, err := s.ListTokens(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].Name != "alice" || list[0].Revoked.IsZero() || !list[1].Revoked.IsZero() ||
		list[1].Role != store.RoleAdmin || list[0].Created.IsZero() {
		t.Errorf("ListTokens = %+v", list)
	}

	// Only hashes reach the disk: no secret appears in the file or its WAL.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(path + "*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for name, secret := range secrets {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s contains the secret of %s", f, name)
			}
			sum := sha256.Sum256([]byte(secret))
			if !bytes.Contains(b, []byte(hex.EncodeToString(sum[:]))) {
				t.Errorf("%s lacks the hash of %s's secret", f, name)
			}
		}
	}
}

func TestRoleAllows(t *testing.T) {
	tests := []struct {
		have, need store.Role
		want       bool
	}{
		{store.RoleAdmin, store.RoleEditor, true},
		{store.RoleAdmin, store.RoleAdmin, true},
		{store.RoleEditor, store.RoleEditor, true},
		{store.RoleEditor, store.RoleViewer, true},
		{store.RoleEditor, store.RoleAdmin, false},
		{store.RoleViewer, store.RoleEditor, false},
		{"", store.RoleViewer, false},
		{"root", store.RoleViewer, false},
	}
	for _, tc := range tests {
		if got := tc.have.Allows(tc.need); got != tc.want {
			t.Errorf("%q.Allows(%q) = %v", tc.have, tc.need, got)
		}
	}
}
