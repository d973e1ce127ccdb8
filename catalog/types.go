package catalog

import (
	"time"

	"github.com/frontline-maps/frontline/store"
)

// This file holds the values the live dataset answers with, which the
// HTTP layer serves as they are.

// Feature is a record of an editable collection: a geo.Zone, geo.Incident or
// geo.Site value. Its MarshalJSON writes the GeoJSON Feature the API serves.
type Feature interface {
	Validate() error
	MarshalJSON() ([]byte, error)
}

// Version is one version of a feature, as an Editor returns it.
type Version struct {
	// Number counts the feature's versions from 1; it is the feature's
	// ETag and the If-Match a write of it expects.
	Number int64
	// DatasetVersion is the store's dataset version of the write that
	// committed this version.
	DatasetVersion int64
	// Committed is when this version became current, UTC.
	Committed time.Time
	// Author is the name of the token that wrote it.
	Author string
	// Deleted marks a tombstone: the feature was deleted.
	Deleted bool
	// Feature is the feature as stored; nil when Deleted.
	Feature Feature
}

// Change is one entry of the change feed: a version of a record of any
// kind.
type Change struct {
	// Kind is the record's kind: zone, incident, site, actor, boundary or
	// statistic (store.Kind).
	Kind string
	ID   string
	// Version is the version; its Feature is set for a zone, incident or
	// site that was not deleted.
	Version
	// Record is the record as stored (a geo.Zone, geo.Incident, geo.Site,
	// geo.Actor, geo.Boundary or geo.Statistic); nil when Deleted.
	Record any
}

// ImportRequest is what an import asks for (POST /api/import, frontline
// import --db).
type ImportRequest struct {
	Format string // ucdp, acled or geojson, as package ingest names them
	// Partial stores the accepted rows of a file that has rejected ones;
	// without it, one rejected row stores nothing.
	Partial bool
	// Release is the UCDP GED release the file comes from, such as "23.1",
	// cited in each UCDP incident's source; "" cites none.
	Release string
	// Last says the caller reads nothing more through the catalog once
	// the file is stored (the command line's last file): the index is not
	// brought up to the store, which would read back and index every
	// record imported, the import's own size again in memory.
	Last bool
}

// ImportReport is the outcome of an import of one file, over HTTP and on
// the command line alike.
type ImportReport struct {
	Format   string `json:"format"`
	Accepted int    `json:"accepted"`
	Rejected int    `json:"rejected"`
	// Rows has one entry per rejected row, in file order, for the first
	// 1,000 of them (ingest.MaxListed).
	Rows []ImportRejection `json:"rows"`
	// Unlisted counts the rejected rows past Rows by column ("" for a row
	// wrong as a whole; at most 50 columns, the rest under "(other)").
	Unlisted map[string]int `json:"unlisted,omitempty"`
	// Error says why the whole file was refused, such as a missing column.
	Error string `json:"error,omitempty"`
	// Stored is true when the records were committed.
	Stored    bool `json:"stored"`
	Added     int  `json:"added"`
	Updated   int  `json:"updated"`
	Unchanged int  `json:"unchanged"`
	// Skipped counts records whose match an editor deleted: an import never
	// brings a deleted record back.
	Skipped        int   `json:"skipped"`
	DatasetVersion int64 `json:"dataset_version"`
	// Folded counts imported incidents that were new versions of records
	// merged into another incident (frontline dedup) and updated it.
	Folded int `json:"folded"`
	// Matches are the imported incidents that may report the same event
	// as a stored incident of another dataset, best first (the first
	// 1,000; MatchCount counts them all). An import stores them as they
	// are; frontline dedup merges.
	Matches    []ImportMatch `json:"matches"`
	MatchCount int           `json:"match_count"`
	// Warnings say what the import did that its caller may not expect,
	// such as keeping the stored UCDP release for a file given none.
	Warnings []string `json:"warnings,omitempty"`
}

// ImportRejection says why one row or feature of an import was rejected.
type ImportRejection struct {
	Line   int    `json:"line"`
	Column string `json:"column"`
	Reason string `json:"reason"`
}

// AuditFilter selects audit entries: by collection, by feature ID (with a
// collection), and at most Limit of them.
type AuditFilter struct {
	Collection string
	ID         string
	Limit      int
}

// AuditEntry is one change in the audit log.
type AuditEntry struct {
	At         time.Time `json:"at"`
	Who        string    `json:"who"`
	Action     string    `json:"action"`
	Collection string    `json:"collection"`
	ID         string    `json:"id"`
	// Before is the version before the change, 0 for a new feature.
	Before         int64 `json:"version_before"`
	After          int64 `json:"version_after"`
	DatasetVersion int64 `json:"dataset_version"`
}

// Role is what a token may do: the store's roles, named here so that the
// catalog's users (the server) need not name the store.
type Role = store.Role

// The roles, from least to most powerful (store.Role's).
const (
	RoleViewer = store.RoleViewer
	RoleEditor = store.RoleEditor
	RoleAdmin  = store.RoleAdmin
)

// The store's errors that reach the catalog's users unchanged.
var (
	// ErrPreconditionFailed: a write's expected version is not the
	// record's current one.
	ErrPreconditionFailed = store.ErrPreconditionFailed
	// ErrUnauthorized: a secret that matches no valid token.
	ErrUnauthorized = store.ErrUnauthorized
	// ErrUnavailable: the store cannot reach its database just now.
	ErrUnavailable = store.ErrUnavailable
)
