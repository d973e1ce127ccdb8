package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/frontline-maps/frontline/geo"
)

// This file holds the rules of every write, the same for every store: what
// a create, replace, patch, delete, restore or import checks and appends.
// A store provides the transaction (Tx): reads of the latest versions and
// the appends; Write applies the rules on top of it.

// BatchError reports the record of a batch that is invalid or of a type no
// store holds; nothing of the batch was stored. errors.As finds a
// *geo.ValidationError in Err.
type BatchError struct {
	Index int // position of the record in the batch
	Kind  Kind
	ID    string
	Err   error
}

// Error implements error.
func (e *BatchError) Error() string {
	return fmt.Sprintf("record %d (%s %q): %v", e.Index, e.Kind, e.ID, e.Err)
}

// Unwrap returns the validation error.
func (e *BatchError) Unwrap() error { return e.Err }

// Latest is the latest version of a record, as a write transaction reads it.
type Latest struct {
	Number  int64  // 0 when the record never existed
	Deleted bool   // the latest version is a tombstone
	Record  []byte // its stored form; nil for a tombstone
	Origin  string // "dataset:id" of an incident, else ""
}

// Live reports whether the record exists and is not deleted.
func (l Latest) Live() bool { return l.Number > 0 && !l.Deleted }

// Tx is one write transaction of a store, as the rules use it. Its errors
// are the store's own (I/O, constraint violations); each aborts the write.
type Tx interface {
	// Latest returns the latest version of a record, zero when it never
	// existed.
	Latest(k Kind, id string) (Latest, error)
	// Stored returns version n of a record: its stored form, or deleted for
	// a tombstone; ok is false when there is no such version.
	Stored(k Kind, id string, n int64) (record []byte, deleted, ok bool, err error)
	// OriginHolder returns the ID of the live incident with origin o other
	// than except, or, when there is none, "" and whether the last incident
	// to have o was deleted with it (one lookup, as an import asks both for
	// every record).
	OriginHolder(o geo.Origin, except string) (id string, deleted bool, err error)
	// Existing returns, of ids, those that have a stored version of kind k
	// (a tombstone counts), and of origins ("dataset:id", as OriginKey
	// gives them), those a stored version holds: one lookup for many
	// records, where Latest and OriginHolder take one each.
	Existing(k Kind, ids, origins []string) (haveIDs, haveOrigins map[string]bool, err error)
	// ActorIDs returns the IDs of every stored actor.
	ActorIDs() (map[geo.ActorID]bool, error)
	// Put appends v, a version, and makes it the current record (row) or,
	// for a tombstone (v.Deleted, row nil), removes the current record.
	Put(v Version, row *Row) error
	// Audit appends e to the audit log.
	Audit(e AuditEntry) error
}

// Writes gives a store the write methods of the rules, each in one
// transaction that Run opens, hands to fn and commits when fn returns nil
// (rolling it back otherwise). A store embeds it.
type Writes struct {
	Run func(ctx context.Context, author string, fn func(*Write) error) error
}

// Create stores a new record: Write.Create in one transaction.
func (ws Writes) Create(ctx context.Context, rec Record, author string) (Version, error) {
	return ws.one(ctx, author, func(w *Write) (Version, error) { return w.Create(rec) })
}

// Replace stores the next version of a record: Write.Replace in one
// transaction.
func (ws Writes) Replace(ctx context.Context, rec Record, expected int64, author string) (Version, error) {
	return ws.one(ctx, author, func(w *Write) (Version, error) { return w.Replace(rec, expected) })
}

// Patch merges a JSON merge patch into a record: Write.Patch in one
// transaction.
func (ws Writes) Patch(ctx context.Context, kind Kind, id string, patch []byte, expected int64, author string, derive func(Record) Record) (Version, error) {
	return ws.one(ctx, author, func(w *Write) (Version, error) { return w.Patch(kind, id, patch, expected, derive) })
}

// Delete appends a tombstone: Write.Delete in one transaction.
func (ws Writes) Delete(ctx context.Context, kind Kind, id string, expected int64, author string) (Version, error) {
	return ws.one(ctx, author, func(w *Write) (Version, error) { return w.Delete(kind, id, expected) })
}

// Restore stores an old version as the next: Write.Restore in one
// transaction.
func (ws Writes) Restore(ctx context.Context, kind Kind, id string, number int64, author string) (Version, error) {
	return ws.one(ctx, author, func(w *Write) (Version, error) { return w.Restore(kind, id, number) })
}

// Succeed ends a zone on the day before on and starts its successor on on:
// Write.Succeed in one transaction.
func (ws Writes) Succeed(ctx context.Context, id string, expected int64, on geo.Day, successorID string, patch []byte, author string) (closed, successor Version, err error) {
	err = ws.Run(ctx, author, func(w *Write) error {
		closed, successor, err = w.Succeed(id, expected, on, successorID, patch)
		return err
	})
	return closed, successor, err
}

// Merge stores kept, the merge of two incidents, as the next version of
// its record (at version keptExpected) and deletes the other incident
// (otherID at version otherExpected), in one transaction: Write.Delete
// then Write.Replace, whose errors it returns; nothing is stored when
// either fails.
func (ws Writes) Merge(ctx context.Context, kept geo.Incident, keptExpected int64, otherID string, otherExpected int64, author string) (merged, deleted Version, err error) {
	err = ws.Run(ctx, author, func(w *Write) error {
		if deleted, err = w.Delete(KindIncident, otherID, otherExpected); err != nil {
			return err
		}
		merged, err = w.Replace(kept, keptExpected)
		return err
	})
	return merged, deleted, err
}

func (ws Writes) one(ctx context.Context, author string, op func(*Write) (Version, error)) (Version, error) {
	var v Version
	err := ws.Run(ctx, author, func(w *Write) error {
		var err error
		v, err = op(w)
		return err
	})
	return v, err
}

// Write applies the rules of one write transaction: one dataset version,
// one time, one author.
type Write struct {
	tx      Tx
	author  string
	at      time.Time
	dataset int64
	wrote   bool
	touched map[Kind]bool
	actors  map[geo.ActorID]bool // read at the first record that refers to one
}

// NewWrite returns the rules over tx, a transaction that commits dataset
// version dataset at time at (UTC, later than every earlier version's),
// by author.
func NewWrite(tx Tx, author string, at time.Time, dataset int64) *Write {
	return &Write{tx: tx, author: author, at: at, dataset: dataset, touched: map[Kind]bool{}}
}

// Wrote reports whether the transaction appended any version.
func (w *Write) Wrote() bool { return w.wrote }

// Touched reports whether the transaction changed a record of kind k.
func (w *Write) Touched(k Kind) bool { return w.touched[k] }

// Create stores a new record as version 1, or as the next version when its
// ID belongs to a deleted record. rec is validated and normalised first; a
// *geo.ValidationError is returned unchanged. It returns geo.ErrConflict
// when a live record of the kind has the ID, or an incident has the same
// origin ("dataset:id").
func (w *Write) Create(rec Record) (Version, error) {
	rw, err := Prepare(rec)
	if err != nil {
		return Version{}, err
	}
	st, err := w.tx.Latest(rw.Table.Kind, rw.ID)
	if err != nil {
		return Version{}, err
	}
	if st.Live() {
		return Version{}, fmt.Errorf("%w: %s %q", geo.ErrConflict, rw.Table.Kind, rw.ID)
	}
	return w.put(rw, ActionCreate, st)
}

// Replace stores rec as the next version of the record with its ID, when
// that record's current version is expected. Errors: a *geo.ValidationError
// from validation, geo.ErrNotFound when no live record has the ID,
// ErrPreconditionFailed when the current version is not expected, and
// geo.ErrConflict when another incident has rec's origin.
func (w *Write) Replace(rec Record, expected int64) (Version, error) {
	rw, err := Prepare(rec)
	if err != nil {
		return Version{}, err
	}
	st, err := w.expect(rw.Table.Kind, rw.ID, expected)
	if err != nil {
		return Version{}, err
	}
	return w.put(rw, ActionReplace, st)
}

// Patch applies a JSON merge patch (RFC 7396) to the current record's JSON,
// as geo's MarshalJSON writes it (a GeoJSON Feature for zones, incidents,
// sites and boundaries: {"properties": {...}} merges properties, a
// "geometry" replaces the geometry, null removes a member; a circle zone's
// "circle" property outranks its geometry, as in geo's decoding), and stores
// the result as the next version. The merge happens against the version it
// checks. Errors as for Replace, plus a *geo.ValidationError when patch is
// not a JSON object or would change the ID. derive, when not nil, fills the
// derived fields of the merged record (such as an incident's governorate,
// after a patch moved its point) before it is validated and stored.
func (w *Write) Patch(kind Kind, id string, patch []byte, expected int64, derive func(Record) Record) (Version, error) {
	st, err := w.expect(kind, id, expected)
	if err != nil {
		return Version{}, err
	}
	current, err := recordJSON(kind, st.Record)
	if err != nil {
		return Version{}, err
	}
	merged, err := mergePatch(current, patch)
	if err != nil {
		return Version{}, err
	}
	rec, err := DecodeJSON(kind, merged)
	if err != nil {
		return Version{}, err
	}
	if derive != nil {
		rec = derive(rec)
	}
	rw, err := Prepare(rec)
	if err != nil {
		return Version{}, err
	}
	if rw.ID != id {
		return Version{}, &geo.ValidationError{Field: "id", Reason: "cannot be changed"}
	}
	return w.put(rw, ActionUpdate, st)
}

// Delete appends a tombstone version to the record and removes it from the
// current records; its history stays. Errors: geo.ErrNotFound when no live
// record has the ID, ErrPreconditionFailed when the current version is not
// expected.
func (w *Write) Delete(kind Kind, id string, expected int64) (Version, error) {
	st, err := w.expect(kind, id, expected)
	if err != nil {
		return Version{}, err
	}
	v := Version{Kind: kind, ID: id, Number: st.Number + 1, DatasetVersion: w.dataset, ValidFrom: w.at,
		Author: w.author, Deleted: true}
	if err := w.append(v, nil, ActionDelete, st.Number); err != nil {
		return Version{}, err
	}
	return v, nil
}

// Restore stores the record as it was at version number as its next
// version, whether the record is live or deleted. The old record is
// validated by today's rules. Errors: geo.ErrNotFound when the record or
// that version does not exist, a *geo.ValidationError when that version is
// a deletion or no longer valid, geo.ErrConflict when another incident now
// has its origin.
func (w *Write) Restore(kind Kind, id string, number int64) (Version, error) {
	st, err := w.latest(kind, id)
	if err != nil {
		return Version{}, err
	}
	record, deleted, ok, err := w.tx.Stored(kind, id, number)
	switch {
	case err != nil:
		return Version{}, err
	case !ok:
		return Version{}, fmt.Errorf("%w: version %d of %s %q", geo.ErrNotFound, number, kind, id)
	case deleted:
		return Version{}, &geo.ValidationError{Field: "version", Reason: fmt.Sprintf("version %d is a deletion", number)}
	}
	rec, err := Decode(kind, record)
	if err != nil {
		return Version{}, err
	}
	rw, err := Prepare(rec)
	if err != nil {
		return Version{}, err
	}
	return w.put(rw, ActionRestore, st)
}

// Succeed records that zone id's line moved on day on: the zone, at
// version expected, is closed on the day before on (its validity is a
// closed interval of days), and a new zone with ID successorID starts on
// on and ends when the zone did. The successor is a copy of the zone with
// the JSON merge patch patch (RFC 7396, as for Patch; nil for none)
// applied: a new geometry, another actor or status. Both versions share
// one dataset version, so no state of the map shows one without the other,
// and the map as of every day before on is unchanged.
//
// Errors: a *geo.ValidationError naming "date" when on is not after the
// zone's first day or is after its last, naming "id" when successorID is
// id, or from the successor's validation; geo.ErrNotFound when no live
// zone has ID id; ErrPreconditionFailed when its current version is not
// expected; geo.ErrConflict when a live zone has ID successorID.
func (w *Write) Succeed(id string, expected int64, on geo.Day, successorID string, patch []byte) (closed, successor Version, err error) {
	if successorID == id {
		return Version{}, Version{}, &geo.ValidationError{Field: "id", Reason: "the successor needs an ID of its own"}
	}
	st, err := w.expect(KindZone, id, expected)
	if err != nil {
		return Version{}, Version{}, err
	}
	rec, err := Decode(KindZone, st.Record)
	if err != nil {
		return Version{}, Version{}, err
	}
	z := rec.(geo.Zone)
	if on <= z.Valid.From || on > z.Valid.To || on.IsOpen() {
		return Version{}, Version{}, &geo.ValidationError{Field: "date", Reason: fmt.Sprintf(
			"%s is not within the zone's validity %s: the line can move only after the zone's first day and by its last", on, z.Valid)}
	}
	next := z
	next.ID = geo.ZoneID(successorID)
	next.Valid.From = on
	if len(patch) > 0 {
		doc, err := json.Marshal(next)
		if err != nil {
			return Version{}, Version{}, err
		}
		if doc, err = mergePatch(doc, patch); err != nil {
			return Version{}, Version{}, err
		}
		if rec, err = DecodeJSON(KindZone, doc); err != nil {
			return Version{}, Version{}, err
		}
		next = rec.(geo.Zone)
		switch {
		case string(next.ID) != successorID:
			return Version{}, Version{}, &geo.ValidationError{Field: "id", Reason: "is set by the successor's id"}
		case next.Valid.From != on:
			return Version{}, Version{}, &geo.ValidationError{Field: "valid_from", Reason: fmt.Sprintf("a successor starts on the day the line moved, %s", on)}
		}
	}
	z.Valid.To = on - 1
	rw, err := Prepare(z)
	if err != nil {
		return Version{}, Version{}, err
	}
	if closed, err = w.put(rw, ActionUpdate, st); err != nil {
		return Version{}, Version{}, err
	}
	if successor, err = w.Create(next); err != nil {
		return Version{}, Version{}, err
	}
	return closed, successor, nil
}

// Import upserts records, in order: all of them or, on the first error,
// none (the caller rolls the transaction back). Each record is validated
// just before it is written (a few thousand ahead, on another goroutine);
// the first invalid one fails the batch with a *BatchError, so a batch of
// a million records is never held twice. An incident with an origin
// ("dataset:id") updates the incident with that origin, keeping that
// incident's ID; any other record, or an incident whose origin is new,
// updates the record with its ID or is created. A record identical to the
// current version is left alone, so importing the same file twice adds
// nothing, and a record whose match was deleted is skipped. Audit rows name
// the action "import".
func (w *Write) Import(records []Record) (ImportResult, error) {
	var res ImportResult
	rows, stop := prepareAhead(records)
	defer stop()
	chunk := make([]preparedRow, 0, importChunk)
	for {
		chunk = chunk[:0]
		for p := range rows {
			chunk = append(chunk, p)
			if len(chunk) == importChunk {
				break
			}
		}
		if len(chunk) == 0 {
			break
		}
		fresh, err := w.fresh(chunk)
		if err != nil {
			return ImportResult{}, err
		}
		for i, p := range chunk {
			if p.err != nil {
				k, _ := KindOf(records[p.index])
				return ImportResult{}, &BatchError{Index: p.index, Kind: k, ID: IDOf(records[p.index]), Err: p.err}
			}
			if err := w.importRow(p.row, fresh[i], &res); err != nil {
				return ImportResult{}, err
			}
		}
	}
	res.DatasetVersion = w.dataset
	if !w.wrote {
		res.DatasetVersion--
	}
	return res, nil
}

// importChunk is how many records of a batch Import looks up at once (a
// variable so that a test can make chunks small).
var importChunk = 512

// fresh reports, for each row of chunk, whether it is new: no stored
// version has its ID or its origin, and no other row of chunk has either,
// so that no write of the chunk before it can have stored one. A new row
// is created without Latest and OriginHolder, whose per-record lookups
// were a fifth of a large import's time. Rows that failed are not new.
func (w *Write) fresh(chunk []preparedRow) ([]bool, error) {
	type key struct {
		kind Kind
		id   string
	}
	ids := map[key]int{}
	origins := map[string]int{}
	byKind := map[Kind][]string{}
	var held []string
	for _, p := range chunk {
		if p.err != nil {
			continue
		}
		k := key{p.row.Table.Kind, p.row.ID}
		if ids[k]++; ids[k] == 1 {
			byKind[k.kind] = append(byKind[k.kind], k.id)
		}
		if o := p.row.Origin; o != "" {
			if origins[o]++; origins[o] == 1 {
				held = append(held, o)
			}
		}
	}
	haveIDs := map[Kind]map[string]bool{}
	haveOrigins := map[string]bool{}
	for k, list := range byKind {
		var byOrigin []string
		if k == KindIncident {
			byOrigin = held
		}
		have, haveO, err := w.tx.Existing(k, list, byOrigin)
		if err != nil {
			return nil, err
		}
		haveIDs[k] = have
		for o := range haveO {
			haveOrigins[o] = true
		}
	}
	fresh := make([]bool, len(chunk))
	for i, p := range chunk {
		if p.err != nil {
			continue
		}
		k, o := p.row.Table.Kind, p.row.Origin
		fresh[i] = ids[key{k, p.row.ID}] == 1 && !haveIDs[k][p.row.ID] &&
			(o == "" || origins[o] == 1 && !haveOrigins[o])
	}
	return fresh, nil
}

// preparedRow is a record of a batch prepared for writing, or why it
// cannot be.
type preparedRow struct {
	index int
	row   Row
	err   error
}

// prepareAhead validates and prepares records on another goroutine, a few
// thousand ahead of the writer, in order, so that the store's work and the
// preparing share the CPUs. The channel ends after the first record that
// fails. Call stop when done reading, early or not.
func prepareAhead(records []Record) (<-chan preparedRow, func()) {
	rows := make(chan preparedRow, 4096)
	done := make(chan struct{})
	go func() {
		defer close(rows)
		for i, rec := range records {
			rw, err := Prepare(rec)
			select {
			case rows <- preparedRow{i, rw, err}:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return rows, sync.OnceFunc(func() { close(done) })
}

// importRow upserts one record of a batch and counts the outcome; a fresh
// row (see fresh) is created without looking up what it would update.
func (w *Write) importRow(rw Row, fresh bool, res *ImportResult) error {
	if fresh {
		res.Created++
		_, err := w.put(rw, ActionImport, Latest{})
		return err
	}
	if rw.Origin != "" {
		in := rw.Value.(geo.Incident)
		id, deleted, err := w.tx.OriginHolder(in.Origin, "")
		switch {
		case err != nil:
			return err
		case deleted:
			res.Skipped++
			return nil
		case id != "" && id != rw.ID:
			if rw, err = Prepare(withID(rw.Value, id)); err != nil {
				return err
			}
		}
	}
	st, err := w.latest(rw.Table.Kind, rw.ID)
	switch {
	case err != nil:
		return err
	case st.Deleted:
		res.Skipped++
		return nil
	case st.Number > 0 && bytes.Equal(st.Record, rw.Record):
		res.Unchanged++
		return nil
	case st.Number > 0:
		res.Updated++
	default:
		res.Created++
	}
	_, err = w.put(rw, ActionImport, st)
	return err
}

// latest reads the latest version of a record of a kind the stores know.
func (w *Write) latest(k Kind, id string) (Latest, error) {
	if _, ok := TableOf(k); !ok {
		return Latest{}, fmt.Errorf("store: unknown kind %q", k)
	}
	return w.tx.Latest(k, id)
}

// expect returns the latest version of a record that is live and at
// version expected.
func (w *Write) expect(k Kind, id string, expected int64) (Latest, error) {
	st, err := w.latest(k, id)
	switch {
	case err != nil:
		return Latest{}, err
	case !st.Live():
		return Latest{}, fmt.Errorf("%w: %s %q", geo.ErrNotFound, k, id)
	case st.Number != expected:
		return Latest{}, fmt.Errorf("%w: %s %q is at version %d, not %d", ErrPreconditionFailed, k, id, st.Number, expected)
	}
	return st, nil
}

// put appends rw as the version after prev and makes it the current record.
func (w *Write) put(rw Row, action string, prev Latest) (Version, error) {
	if err := w.checkActors(rw.Value); err != nil {
		return Version{}, err
	}
	// An import has matched the record by its origin already (importRow).
	if rw.Origin != "" && action != ActionImport {
		other, _, err := w.tx.OriginHolder(rw.Value.(geo.Incident).Origin, rw.ID)
		if err != nil {
			return Version{}, err
		}
		if other != "" {
			return Version{}, fmt.Errorf("%w: incident %q already has origin %s", geo.ErrConflict, other, rw.Origin)
		}
	}
	v := Version{Kind: rw.Table.Kind, ID: rw.ID, Number: prev.Number + 1, DatasetVersion: w.dataset, ValidFrom: w.at,
		Author: w.author, Record: rw.Value}
	if err := w.append(v, &rw, action, prev.Number); err != nil {
		return Version{}, err
	}
	return v, nil
}

func (w *Write) append(v Version, rw *Row, action string, before int64) error {
	if err := w.tx.Put(v, rw); err != nil {
		return err
	}
	err := w.tx.Audit(AuditEntry{At: v.ValidFrom, Who: v.Author, Action: action, Kind: v.Kind, ID: v.ID,
		Before: before, After: v.Number, DatasetVersion: v.DatasetVersion})
	if err != nil {
		return err
	}
	w.wrote = true
	w.touched[v.Kind] = true
	return nil
}

// checkActors returns the *geo.ValidationError of a zone or incident that
// refers to an actor the store lacks (the rule frontline check applies), so
// no write or import stores a dangling reference.
func (w *Write) checkActors(rec Record) error {
	var check func(known func(geo.ActorID) bool) error
	switch r := rec.(type) {
	case geo.Zone:
		check = r.CheckActors
	case geo.Incident:
		check = r.CheckActors
	default:
		return nil
	}
	if w.actors == nil {
		ids, err := w.tx.ActorIDs()
		if err != nil {
			return err
		}
		w.actors = ids
	}
	return check(func(id geo.ActorID) bool { return w.actors[id] })
}

// LiveVersion returns the one version latest holds (a record's latest, or
// none) when it is live: a store's Get. It returns geo.ErrNotFound when the
// record does not exist or is deleted.
func LiveVersion(latest []Version, kind Kind, id string) (Version, error) {
	if len(latest) == 0 || latest[0].Deleted {
		return Version{}, fmt.Errorf("%w: %s %q", geo.ErrNotFound, kind, id)
	}
	return latest[0], nil
}

// WholeHistory returns a record's versions, or geo.ErrNotFound when it has
// none: a store's History.
func WholeHistory(vs []Version, kind Kind, id string) ([]Version, error) {
	if len(vs) == 0 {
		return nil, fmt.Errorf("%w: %s %q", geo.ErrNotFound, kind, id)
	}
	return vs, nil
}
