package server

import (
	"net/http"

	"github.com/frontline-maps/frontline/catalog"
	"github.com/frontline-maps/frontline/catalog/publish"
)

// opSession is GET /api/session: who the request's token is and what the
// server lets it do, for the web map's sign-in. Open, so a page can ask
// before it may read.
var opSession = operation{ID: "getSession", Summary: "Who this token is, its role, and what this server lets it do", Open: true,
	Description: "Needs no token, even when reads are not public: without one it answers name and role null; with a valid one, its name and role; " +
		"an unknown or revoked token is a 401 as everywhere. may says what the caller may do: read, read the history, edit, administer; " +
		"public_read and public_history are the server's settings, editable whether it has a store to write to; " +
		"publication, when the server publishes incidents under a policy (embargo, coarsening, withheld properties), gives the policy, its longest embargo in hours, and view: published for this caller (not an editor) or exact."}

// sessionDoc is the answer of GET /api/session.
type sessionDoc struct {
	Name          *string       `json:"name"`
	Role          *catalog.Role `json:"role"`
	May           sessionMay    `json:"may"`
	PublicRead    bool          `json:"public_read"`
	PublicHistory bool          `json:"public_history"`
	Editable      bool          `json:"editable"`
	// Publication is the server's publication policy and whether this
	// caller reads the published view; nil when it has none.
	Publication *sessionPublication `json:"publication"`
}

// sessionPublication is what the page says of the publication policy.
type sessionPublication struct {
	// View is "published" for a caller who reads the published view,
	// "exact" for an editor.
	View string `json:"view"`
	// Policy is the policy's document (docs/publication.md); MaxEmbargo
	// its longest embargo in hours.
	Policy          *publish.Policy `json:"policy"`
	MaxEmbargoHours float64         `json:"max_embargo_hours"`
}

// sessionMay is what a session may do.
type sessionMay struct {
	Read    bool `json:"read"`
	History bool `json:"history"`
	Edit    bool `json:"edit"`
	Admin   bool `json:"admin"`
}

// handleSession answers who the request's token is (sessionDoc).
func (s *Server) handleSession(w http.ResponseWriter, r *http.Request) error {
	if err := rejectUnknown(r.URL.Query()); err != nil {
		return err
	}
	p, _ := r.Context().Value(principalKey{}).(*principal)
	allows := func(need catalog.Role) bool { return p != nil && p.role.Allows(need) }
	doc := sessionDoc{
		PublicRead: !s.cfg.PrivateRead, PublicHistory: s.cfg.PublicHistory, Editable: s.cfg.Editor != nil,
		May: sessionMay{
			Read:    !s.cfg.PrivateRead || allows(catalog.RoleViewer),
			History: s.cfg.PublicHistory || allows(catalog.RoleViewer),
			Edit:    s.cfg.Editor != nil && allows(catalog.RoleEditor),
			Admin:   s.cfg.Editor != nil && allows(catalog.RoleAdmin),
		},
	}
	if p != nil {
		doc.Name, doc.Role = &p.name, &p.role
	}
	if pub := s.cfg.Publication; pub != nil && pub.Publishing() {
		sp := &sessionPublication{View: "exact", Policy: pub.Policy()}
		if s.readsPublished(p) {
			sp.View = "published"
		}
		if sp.Policy == nil {
			sp.Policy = &publish.Policy{} // editors' overrides alone
		}
		sp.MaxEmbargoHours = sp.Policy.MaxEmbargo().Hours()
		doc.Publication = sp
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Vary", "Authorization")
	return writeJSON(w, contentTypeJSON, doc)
}
