package store

import (
	"errors"
	"time"

	"github.com/frontline-maps/frontline/geo"
)

// This file is what every store of Frontline's records shares with its
// users (package catalog): the kinds of record, a record's versions, the
// audit log's entries, an import's counts and the tokens' roles. The
// GeoPackage store (store/gpkg) implements them today.

// ErrPreconditionFailed is returned by a write whose expected version is
// not the record's current version: someone else changed it first (HTTP 412).
var ErrPreconditionFailed = errors.New("store: version precondition failed")

// ErrUnavailable wraps the errors of a store that cannot reach its
// database (a lost connection, a server shutting down or starting up): the
// request may succeed when retried later (HTTP 503).
var ErrUnavailable = errors.New("store: the database is unavailable")

// The actions of the audit log.
const (
	ActionCreate  = "create"
	ActionReplace = "replace"
	ActionUpdate  = "update"
	ActionDelete  = "delete"
	ActionRestore = "restore"
	ActionImport  = "import"
	// ActionTokenCreate and ActionTokenRevoke record a token created or
	// revoked (KindToken, the token's name as ID); ActionPolicy a change
	// of the publication policy a server runs with (KindPolicy, the
	// policy's digest as ID, "none" for no policy). They change no record.
	ActionTokenCreate = "token.create"
	ActionTokenRevoke = "token.revoke"
	ActionPolicy      = "policy"
)

// The kinds of the audit entries that change no record: tokens and the
// publication policy. No table holds them.
const (
	KindToken  Kind = "token"
	KindPolicy Kind = "policy"
)

// NoPolicy is the policy digest of a server without a publication
// policy.
const NoPolicy = "none"

// TokenWho is the Who of a token's audit entries: tokens are created and
// revoked on the command line, by whoever runs it on the store.
const TokenWho = "command line"

// Version is one version of one record.
type Version struct {
	Kind Kind
	ID   string
	// Number counts the record's versions from 1; a deletion takes the next
	// number too. Writes take it as their expected version (an ETag).
	Number int64
	// DatasetVersion is the dataset version of the write transaction that
	// committed this version.
	DatasetVersion int64
	// ValidFrom is when this version was committed and became current, UTC.
	// Versions committed later have later times.
	ValidFrom time.Time
	Author    string // name of the token that wrote it
	Deleted   bool   // a tombstone: the record was deleted
	Record    Record // the record as stored (normalised), nil when Deleted
}

// ImportResult counts what ImportBatch did with each record.
type ImportResult struct {
	Created   int
	Updated   int
	Unchanged int // identical to the current version, so no new version
	// Skipped counts records whose match was deleted: an import never
	// brings back a record an editor deleted (Restore does).
	Skipped int
	// DatasetVersion is the dataset version after the import; the batch's
	// versions are Changes(DatasetVersion-1) when it changed anything.
	DatasetVersion int64
}

// AuditEntry is one row of the audit log.
type AuditEntry struct {
	At     time.Time // UTC
	Who    string    // token name
	Action string    // one of the Action constants
	Kind   Kind
	ID     string
	// Before and After are the record's version numbers before and after
	// the change; Before is 0 when the record was new.
	Before, After  int64
	DatasetVersion int64
}

// AuditFilter selects entries of the audit log. The zero value selects
// every entry.
type AuditFilter struct {
	Kind Kind   // only this kind; "" for every kind
	ID   string // only this record, with Kind
	// Limit is the most entries returned, the newest; 0 is no limit.
	Limit int
}

// ErrUnauthorized is returned by Authenticate for a secret that matches no
// token, or a revoked one (HTTP 401).
var ErrUnauthorized = errors.New("store: unknown or revoked token")

// Role is what a token may do. Each role includes the ones below it.
type Role string

// The roles, from least to most powerful.
const (
	RoleViewer Role = "viewer" // read, when reads are not public
	RoleEditor Role = "editor" // create, replace, update, delete and import records
	RoleAdmin  Role = "admin"  // manage tokens and restore versions
)

var roleRank = map[Role]int{RoleViewer: 1, RoleEditor: 2, RoleAdmin: 3}

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool { return roleRank[r] > 0 }

// Allows reports whether a token with role r may do what needs role need:
// admin allows everything, editor allows editor and viewer.
func (r Role) Allows(need Role) bool { return r.Valid() && roleRank[r] >= roleRank[need] }

// Kind names a kind of record. Each kind has its own table of current
// records; versions and audit rows name it.
type Kind string

// The kinds of record the store holds, one per field of geo.Dataset.
const (
	KindActor     Kind = "actor"
	KindZone      Kind = "zone"
	KindIncident  Kind = "incident"
	KindSite      Kind = "site"
	KindBoundary  Kind = "boundary"
	KindStatistic Kind = "statistic"
)

// Record is a record the store can hold: a geo.Actor, geo.Zone,
// geo.Incident, geo.Site, geo.Boundary or geo.Statistic value (not a
// pointer). Writes reject any other type with an error.
type Record interface {
	Validate() error
}

// KindOf returns the kind of rec, or false when the store cannot hold it.
func KindOf(rec Record) (Kind, bool) {
	switch rec.(type) {
	case geo.Actor:
		return KindActor, true
	case geo.Zone:
		return KindZone, true
	case geo.Incident:
		return KindIncident, true
	case geo.Site:
		return KindSite, true
	case geo.Boundary:
		return KindBoundary, true
	case geo.Statistic:
		return KindStatistic, true
	}
	return "", false
}
