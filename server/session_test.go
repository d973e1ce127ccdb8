package server

import (
	"encoding/json"
	"testing"
)

// TestSession checks GET /api/session for each kind of caller, on a
// server whose reads are public and on one whose reads are private: who
// the token is, what it may do, and that it needs no token even then.
func TestSession(t *testing.T) {
	for _, private := range []bool{false, true} {
		h, _ := newEditServer(t, Config{PrivateRead: private})
		for _, tt := range []struct {
			token, name, role string
			status            int
			may               sessionMay
		}{
			{"", "", "", 200, sessionMay{Read: !private}},
			{"viewer-secret", "viewer", "viewer", 200, sessionMay{Read: true, History: true}},
			{"editor-secret", "editor", "editor", 200, sessionMay{Read: true, History: true, Edit: true}},
			{"admin-secret", "admin", "admin", 200, sessionMay{Read: true, History: true, Edit: true, Admin: true}},
			{"revoked", "", "", 401, sessionMay{}},
		} {
			var header []string
			if tt.token != "" {
				header = []string{"Authorization", "Bearer " + tt.token}
			}
			rec := do(h, "GET", "/api/session", "", header...)
			if rec.Code != tt.status {
				t.Errorf("private=%v token %q: %d, want %d: %s", private, tt.token, rec.Code, tt.status, rec.Body)
				continue
			}
			if tt.status != 200 {
				continue
			}
			var doc struct {
				Name, Role *string
				May        sessionMay
				PublicRead bool `json:"public_read"`
				Editable   bool
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			name, role := "", ""
			if doc.Name != nil {
				name, role = *doc.Name, *doc.Role
			}
			if name != tt.name || role != tt.role || doc.May != tt.may || doc.PublicRead == private || !doc.Editable {
				t.Errorf("private=%v token %q: %s", private, tt.token, rec.Body)
			}
			if rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("session answer Cache-Control %q, want no-store", rec.Header().Get("Cache-Control"))
			}
		}
	}
}
