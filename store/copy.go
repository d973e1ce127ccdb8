package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
)

// This file is the copy of everything one store holds into another (the
// command frontline copy, and the PostGIS store's GeoPackage export): every
// version in commit order, with its dataset version, time and author; the
// audit log; the tokens' hashes. The copy's current records are the last
// versions, so it answers every read, as_of included, as the original does.

// Archive is a store read out whole, in an order another store can write
// it back in.
type Archive interface {
	// EachVersion calls fn with every version, in commit order.
	EachVersion(ctx context.Context, fn func(Version) error) error
	// EachAudit calls fn with every audit entry, oldest first.
	EachAudit(ctx context.Context, fn func(AuditEntry) error) error
	// StoredTokens returns every token with its secret's hash.
	StoredTokens(ctx context.Context) ([]StoredToken, error)
	// Counts counts what the store holds.
	Counts(ctx context.Context) (Counts, error)
}

// Counts is how much a store holds, for checking a copy.
type Counts struct {
	Versions, Audit, Tokens int
	// Current counts the current records of each kind.
	Current map[Kind]int
}

// Equal reports whether c and o count the same.
func (c Counts) Equal(o Counts) bool {
	return c.Versions == o.Versions && c.Audit == o.Audit && c.Tokens == o.Tokens && maps.Equal(c.Current, o.Current)
}

// String lists the counts, for a report.
func (c Counts) String() string {
	s := fmt.Sprintf("%d versions, %d audit entries, %d tokens", c.Versions, c.Audit, c.Tokens)
	for _, t := range Tables {
		s += fmt.Sprintf(", %d %s", c.Current[t.Kind], t.Name)
	}
	return s
}

// FillTx is the transaction of an empty store being filled by Fill.
type FillTx interface {
	Put(v Version, row *Row) error
	Audit(e AuditEntry) error
	PutToken(t StoredToken) error
}

// Fill writes everything src holds into tx, the transaction of an empty
// store. Each version's record is prepared by today's rules (store.Prepare)
// for its current row; one that no longer validates fails the copy, naming
// it. Errors are src's and tx's, wrapped.
func Fill(ctx context.Context, src Archive, tx FillTx) error {
	err := src.EachVersion(ctx, func(v Version) error {
		if v.Deleted {
			return tx.Put(v, nil)
		}
		rw, err := Prepare(v.Record)
		if err != nil {
			return fmt.Errorf("%s %q version %d: %w", v.Kind, v.ID, v.Number, err)
		}
		return tx.Put(v, &rw)
	})
	if err != nil {
		return fmt.Errorf("copying the versions: %w", err)
	}
	if err := src.EachAudit(ctx, tx.Audit); err != nil {
		return fmt.Errorf("copying the audit log: %w", err)
	}
	tokens, err := src.StoredTokens(ctx)
	if err != nil {
		return fmt.Errorf("copying the tokens: %w", err)
	}
	for _, t := range tokens {
		if err := tx.PutToken(t); err != nil {
			return fmt.Errorf("copying the tokens: %w", err)
		}
	}
	return nil
}

// EachAudit calls fn with every entry of log (a store's AuditLog, newest
// first), oldest first: a store's Archive.EachAudit.
func EachAudit(ctx context.Context, log func(context.Context, AuditFilter) ([]AuditEntry, error), fn func(AuditEntry) error) error {
	entries, err := log(ctx, AuditFilter{})
	if err != nil {
		return err
	}
	for i := len(entries) - 1; i >= 0; i-- {
		if err := fn(entries[i]); err != nil {
			return err
		}
	}
	return nil
}

// CountTables counts a store's tables with count (the rows of a table
// into n): a store's Archive.Counts.
func CountTables(count func(table string, n *int) error) (Counts, error) {
	c := Counts{Current: map[Kind]int{}}
	err := errors.Join(count("versions", &c.Versions), count("audit", &c.Audit), count("tokens", &c.Tokens))
	for _, t := range Tables {
		var n int
		err = errors.Join(err, count(t.Name, &n))
		c.Current[t.Kind] = n
	}
	return c, err
}
