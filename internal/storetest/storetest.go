// Package storetest is the contract every store of Frontline's records
// keeps (store/gpkg, store/postgis): one script of writes, imports, reads
// of the past and token checks, run against a store, asserting each rule
// and writing down each answer. Run it on two stores and compare the
// transcripts: the same script gets the same answers from both.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/frontline-maps/frontline/catalog"
	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
	"github.com/paulmach/orb"
)

// Store is what the contract uses of a store: what the catalog uses, the
// tokens, and the copy's both ends.
type Store interface {
	catalog.Store
	CreateToken(ctx context.Context, name string, role store.Role) (string, error)
	ListTokens(ctx context.Context) ([]store.Token, error)
	RevokeToken(ctx context.Context, name string) error
	store.Archive
	Fill(ctx context.Context, src store.Archive) error
}

var src = []geo.Source{{Publisher: "Reuters", Title: "Clashes reported", URL: "https://www.reuters.com/x", Published: geo.DateOf(2026, 1, 20)}}

// Actors are the actors the script's records refer to; Run imports them
// first.
func Actors() []store.Record {
	return []store.Record{
		geo.Actor{ID: "sdf", Name: "Syrian Democratic Forces", Colour: "#e8c33b", Kind: geo.KindNonState},
		geo.Actor{ID: "isis", Name: "Islamic State", Colour: "#222222", Kind: geo.KindNonState},
	}
}

func incident(id string, lon, lat float64) geo.Incident {
	return geo.Incident{
		ID: geo.IncidentID(id), Date: geo.DateOf(2026, 1, 19), DateEnd: geo.DateOf(2026, 1, 19),
		DatePrecision: geo.PrecisionDay, Type: geo.Battles, SubType: "armed_clash",
		Actors:   []geo.IncidentActor{{Actor: "isis", Role: geo.RolePerpetrator}},
		Location: orb.Point{lon, lat}, Place: "al-Shaddadi", Governorate: "Al-Hasakeh",
		Fatalities: geo.Fatalities{Low: 1, Best: 2, High: 5},
		Sources:    src, Status: geo.Reported,
	}
}

func zone(id string) geo.Zone {
	return geo.Zone{
		ID: geo.ZoneID(id), Name: "Zone " + id, Actor: "sdf", Status: geo.StatusControl,
		Area:    orb.Polygon{{{40, 36}, {41, 36}, {41, 37}, {40, 37}, {40, 36}}},
		Valid:   geo.Interval{From: geo.DateOf(2024, 12, 6), To: geo.OpenEnd},
		Sources: src,
	}
}

func ucdp(n int) geo.Incident {
	in := incident(fmt.Sprintf("ucdp-%d", n), 40.5+float64(n%100)/1000, 36.1)
	in.Origin = geo.Origin{Dataset: "ucdp", ID: fmt.Sprint(n)}
	return in
}

// Run runs the contract against s, a new empty store, and returns the
// transcript of its answers, free of what differs between stores by
// design (the store id, the times of writes).
func Run(t *testing.T, s Store) []string {
	ctx := t.Context()
	var log []string
	note := func(format string, args ...any) { log = append(log, fmt.Sprintf(format, args...)) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	wantErr := func(what string, err, want error) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Errorf("%s: err = %v, want %v", what, err, want)
		}
		note("%s: %v", what, errors.Is(err, want))
	}
	version := func(v store.Version) string {
		return fmt.Sprintf("%s %s #%d dv%d by %s deleted=%v", v.Kind, v.ID, v.Number, v.DatasetVersion, v.Author, v.Deleted)
	}

	if v, err := s.DatasetVersion(ctx); err != nil || v != 0 {
		t.Fatalf("a new store is at dataset version %d, %v; want 0", v, err)
	}
	res, err := s.ImportBatch(ctx, Actors(), "seed")
	must(err)
	note("import actors: %+v", res)

	// Create, and the conflicts a create meets.
	start := time.Now()
	v, err := s.Create(ctx, incident("a", 40.7, 36.4), "alice")
	must(err)
	note("create: %s", version(v))
	if v.Number != 1 || v.DatasetVersion != 2 || v.ValidFrom.Before(start.Add(-time.Second)) {
		t.Errorf("create = %s at %v", version(v), v.ValidFrom)
	}
	_, err = s.Create(ctx, incident("a", 40.7, 36.4), "alice")
	wantErr("create again", err, geo.ErrConflict)
	bad := incident("bad", 400, 36)
	_, err = s.Create(ctx, bad, "alice")
	var ve *geo.ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("create invalid: err = %v, want a validation error", err)
	}
	note("create invalid: field %v", ve != nil && ve.Field != "")
	unknown := incident("b", 40.7, 36.4)
	unknown.Actors = []geo.IncidentActor{{Actor: "nobody", Role: geo.RolePerpetrator}}
	_, err = s.Create(ctx, unknown, "alice")
	note("create with an unknown actor: %v", errors.As(err, &ve))
	u1 := ucdp(1)
	v, err = s.Create(ctx, u1, "alice")
	must(err)
	note("create ucdp-1: %s", version(v))
	dup := ucdp(1)
	dup.ID = "other"
	_, err = s.Create(ctx, dup, "alice")
	wantErr("create with a taken origin", err, geo.ErrConflict)
	_, err = s.Create(ctx, zone("z"), "alice")
	must(err)

	// Replace and patch with If-Match.
	a := incident("a", 40.8, 36.5)
	a.Fatalities.Best = 3
	v, err = s.Replace(ctx, a, 1, "bob")
	must(err)
	note("replace: %s", version(v))
	_, err = s.Replace(ctx, a, 1, "bob")
	wantErr("replace stale", err, store.ErrPreconditionFailed)
	_, err = s.Replace(ctx, incident("missing", 40, 36), 1, "bob")
	wantErr("replace missing", err, geo.ErrNotFound)
	v, err = s.Patch(ctx, store.KindIncident, "a", []byte(`{"properties": {"status": "disputed"}}`), 2, "carol", nil)
	must(err)
	note("patch: %s %s", version(v), v.Record.(geo.Incident).Status)
	_, err = s.Patch(ctx, store.KindIncident, "a", []byte(`{"properties": {"id": "renamed"}}`), 3, "carol", nil)
	note("patch the id: %v", errors.As(err, &ve))
	_, err = s.Patch(ctx, store.KindIncident, "a", []byte(`[1]`), 3, "carol", nil)
	note("patch not an object: %v", errors.As(err, &ve))

	// Delete, tombstones, restore.
	_, err = s.Delete(ctx, store.KindIncident, "a", 2, "dave")
	wantErr("delete stale", err, store.ErrPreconditionFailed)
	v, err = s.Delete(ctx, store.KindIncident, "a", 3, "dave")
	must(err)
	note("delete: %s", version(v))
	_, err = s.Get(ctx, store.KindIncident, "a")
	wantErr("get deleted", err, geo.ErrNotFound)
	h, err := s.History(ctx, store.KindIncident, "a")
	must(err)
	for _, v := range h {
		note("history: %s", version(v))
	}
	_, err = s.Restore(ctx, store.KindIncident, "a", 4, "erin")
	note("restore a tombstone: %v", errors.As(err, &ve))
	_, err = s.Restore(ctx, store.KindIncident, "a", 9, "erin")
	wantErr("restore a missing version", err, geo.ErrNotFound)
	v, err = s.Restore(ctx, store.KindIncident, "a", 1, "erin")
	must(err)
	note("restore: %s at %v", version(v), v.Record.(geo.Incident).Location)
	got, err := s.Get(ctx, store.KindIncident, "a")
	must(err)
	if got.Number != 5 || got.Record.(geo.Incident).Location != (orb.Point{40.7, 36.4}) {
		t.Errorf("after restore, get = %s %v", version(got), got.Record)
	}
	mid := got.ValidFrom

	// Imports: all or nothing, upserts by origin, skips deleted matches.
	before, err := s.DatasetVersion(ctx)
	must(err)
	batch := []store.Record{ucdp(2), ucdp(3), incident("bad", 400, 36), ucdp(4)}
	_, err = s.ImportBatch(ctx, batch, "importer")
	var be *store.BatchError
	if !errors.As(err, &be) || be.Index != 2 {
		t.Errorf("import with an invalid record: err = %v, want a BatchError at 2", err)
	}
	after, err := s.DatasetVersion(ctx)
	must(err)
	if after != before {
		t.Errorf("a failed import moved the dataset version from %d to %d", before, after)
	}
	if _, err := s.Get(ctx, store.KindIncident, "ucdp-2"); !errors.Is(err, geo.ErrNotFound) {
		t.Errorf("a failed import stored ucdp-2: %v", err)
	}
	note("failed import: index %d, version %d", be.Index, after)
	renamed := ucdp(1)
	renamed.ID = "ucdp-1-renamed"
	renamed.Fatalities.Best = 4
	res, err = s.ImportBatch(ctx, []store.Record{renamed, ucdp(2), ucdp(3)}, "importer")
	must(err)
	note("import: %+v", res)
	if g, err := s.Get(ctx, store.KindIncident, "ucdp-1"); err != nil || g.Record.(geo.Incident).Fatalities.Best != 4 {
		t.Errorf("an import by origin did not update ucdp-1 in place: %v %v", g.Record, err)
	}
	res, err = s.ImportBatch(ctx, []store.Record{ucdp(2), ucdp(3)}, "importer")
	must(err)
	note("import again: %+v", res)
	twice := ucdp(5)
	twice.Fatalities.Best = 3
	res, err = s.ImportBatch(ctx, []store.Record{ucdp(5), twice, ucdp(5)}, "importer")
	must(err)
	note("import one record three times: %+v", res)
	if res.Created != 1 || res.Updated != 2 {
		t.Errorf("an import of one record three times: %+v, want 1 created and 2 updated", res)
	}
	g, err := s.Get(ctx, store.KindIncident, "ucdp-3")
	must(err)
	_, err = s.Delete(ctx, store.KindIncident, "ucdp-3", g.Number, "dave")
	must(err)
	res, err = s.ImportBatch(ctx, []store.Record{ucdp(3)}, "importer")
	must(err)
	note("import a deleted match: %+v", res)
	if res.Skipped != 1 {
		t.Errorf("an import brought back a deleted incident: %+v", res)
	}

	// The change feed and the past.
	changes, err := s.Changes(ctx, 0)
	must(err)
	last := int64(0)
	for _, c := range changes {
		if c.DatasetVersion < last {
			t.Errorf("Changes out of commit order: %d after %d", c.DatasetVersion, last)
		}
		last = c.DatasetVersion
		note("change: %s", version(c))
	}
	// Paged, the feed is the same changes in the same order, from any
	// version, whatever the page size.
	for _, since := range []int64{0, 1, last / 2, last - 1, last} {
		want, err := s.Changes(ctx, since)
		must(err)
		for _, limit := range []int{1, 2, 3, 7, 1000} {
			var got []store.Version
			for offset := 0; ; {
				page, err := s.ChangesPage(ctx, since, offset, limit)
				must(err)
				if len(page) > limit {
					t.Fatalf("ChangesPage(%d, %d, %d) gave %d versions", since, offset, limit, len(page))
				}
				got = append(got, page...)
				offset += len(page)
				if len(page) < limit {
					break
				}
			}
			if len(got) != len(want) {
				t.Fatalf("ChangesPage from %d by %d: %d versions, Changes %d", since, limit, len(got), len(want))
			}
			for i := range want {
				if version(got[i]) != version(want[i]) {
					t.Errorf("ChangesPage from %d by %d, change %d: %s, Changes has %s", since, limit, i, version(got[i]), version(want[i]))
				}
			}
		}
	}
	now, err := s.DatasetVersion(ctx)
	must(err)
	if last != now {
		t.Errorf("the last change is at %d, the dataset at %d", last, now)
	}
	vAt, err := s.VersionAt(ctx, mid)
	must(err)
	note("version at the restore: %d", vAt)
	if vAt != got.DatasetVersion {
		t.Errorf("VersionAt(restore time) = %d, want %d", vAt, got.DatasetVersion)
	}
	if v0, err := s.VersionAt(ctx, start.Add(-time.Hour)); err != nil || v0 != 0 {
		t.Errorf("VersionAt(before the first write) = %d, %v", v0, err)
	}
	for at := int64(0); at <= now; at++ {
		ds, err := s.DatasetAt(ctx, at)
		must(err)
		note("dataset at %d: %s", at, summary(ds))
		n, err := s.ChangedSince(ctx, at)
		must(err)
		st, err := s.StateAt(ctx, at, at)
		must(err)
		note("changed since %d: %d; state at it: %d records", at, n, len(st))
		// The state at `at`, reached from the current state.
		cur, _, err := s.Load(ctx)
		must(err)
		from, err := s.StateAt(ctx, at, at)
		must(err)
		if summary(apply(cur, from)) != summary(ds) {
			t.Errorf("the current state with StateAt(%d) applied is %s, DatasetAt says %s", at, summary(apply(cur, from)), summary(ds))
		}
	}

	// The audit log.
	log1, err := s.AuditLog(ctx, store.AuditFilter{Kind: store.KindIncident, ID: "a"})
	must(err)
	for _, e := range log1 {
		note("audit: %s %s %s %s %d→%d dv%d", e.Who, e.Action, e.Kind, e.ID, e.Before, e.After, e.DatasetVersion)
	}
	all, err := s.AuditLog(ctx, store.AuditFilter{Limit: 3})
	must(err)
	note("audit, newest 3: %d", len(all))

	// Tokens.
	secret, err := s.CreateToken(ctx, "ed", store.RoleEditor)
	must(err)
	_, err = s.CreateToken(ctx, "ed", store.RoleViewer)
	wantErr("token name taken", err, geo.ErrConflict)
	_, err = s.CreateToken(ctx, "has space", store.RoleViewer)
	note("bad token name: %v", errors.As(err, &ve))
	name, role, err := s.Authenticate(ctx, secret)
	must(err)
	note("authenticate: %s %s", name, role)
	_, _, err = s.Authenticate(ctx, secret+"x")
	wantErr("authenticate a wrong secret", err, store.ErrUnauthorized)
	must(s.RevokeToken(ctx, "ed"))
	_, _, err = s.Authenticate(ctx, secret)
	wantErr("authenticate a revoked token", err, store.ErrUnauthorized)
	wantErr("revoke a missing token", s.RevokeToken(ctx, "nobody"), geo.ErrNotFound)
	toks, err := s.ListTokens(ctx)
	must(err)
	for _, tk := range toks {
		note("token: %s %s revoked=%v", tk.Name, tk.Role, !tk.Revoked.IsZero())
	}
	must(s.RevokeToken(ctx, "ed")) // revoked before: no second entry
	tokenLog, err := s.AuditLog(ctx, store.AuditFilter{Kind: store.KindToken})
	must(err)
	for _, e := range tokenLog {
		note("token audit: %s %s %s %s dv%d", e.Who, e.Action, e.Kind, e.ID, e.DatasetVersion)
	}
	if len(tokenLog) != 2 || tokenLog[0].Action != store.ActionTokenRevoke || tokenLog[1].Action != store.ActionTokenCreate {
		t.Errorf("the audit log of a token created and revoked (twice): %+v", tokenLog)
	}

	// The publication policy: each change audited once.
	for _, digest := range []string{store.NoPolicy, "sha256:aa", "sha256:aa", "sha256:bb", store.NoPolicy, store.NoPolicy} {
		added, err := s.AuditPolicy(ctx, digest, "serve")
		must(err)
		note("policy %s: added %v", digest, added)
	}
	policyLog, err := s.AuditLog(ctx, store.AuditFilter{Kind: store.KindPolicy})
	must(err)
	if len(policyLog) != 3 || policyLog[0].ID != store.NoPolicy || policyLog[2].ID != "sha256:aa" {
		t.Errorf("the policy's audit log: %+v", policyLog)
	}

	// Concurrent writers with the same expected version: exactly one wins.
	g, err = s.Get(ctx, store.KindIncident, "ucdp-2")
	must(err)
	wins := make(chan error, 8)
	for i := range 8 {
		go func() {
			in := g.Record.(geo.Incident)
			in.Place = fmt.Sprintf("place %d", i)
			_, err := s.Replace(ctx, in, g.Number, fmt.Sprintf("racer-%d", i))
			wins <- err
		}()
	}
	won := 0
	for range 8 {
		err := <-wins
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrPreconditionFailed):
			t.Errorf("a racing replace failed with %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d racing replaces with the same If-Match won, want 1", won)
	}
	note("racing replaces won: %d", won)

	// A zone's line moves: the zone ends the day before, its successor
	// starts that day, in one dataset version; the map before is unchanged.
	zg, err := s.Get(ctx, store.KindZone, "z")
	must(err)
	on := geo.DateOf(2026, 1, 10)
	patch := []byte(`{"geometry": {"type": "Polygon", "coordinates": [[[40, 36], [40.5, 36], [40.5, 37], [40, 37], [40, 36]]]}, "properties": {"status": "contested"}}`)
	_, _, err = s.Succeed(ctx, "z", zg.Number+1, on, "z2", patch, "carol")
	wantErr("succeed with a stale If-Match", err, store.ErrPreconditionFailed)
	_, _, err = s.Succeed(ctx, "z", zg.Number, geo.DateOf(2024, 12, 6), "z2", patch, "carol")
	note("succeed on the zone's first day: %v", errors.As(err, &ve) && ve.Field == "date")
	_, _, err = s.Succeed(ctx, "z", zg.Number, on, "z2", []byte(`{"properties": {"valid_from": "2026-02-01"}}`), "carol")
	note("succeed with another valid_from: %v", errors.As(err, &ve) && ve.Field == "valid_from")
	closed, next, err := s.Succeed(ctx, "z", zg.Number, on, "z2", patch, "carol")
	must(err)
	note("succeed: %s; %s", version(closed), version(next))
	cz, nz := closed.Record.(geo.Zone), next.Record.(geo.Zone)
	if closed.DatasetVersion != next.DatasetVersion || cz.Valid.To != on-1 || nz.Valid.From != on || nz.Valid.To != geo.OpenEnd ||
		nz.Status != geo.StatusContested || nz.Actor != "sdf" || nz.Name != cz.Name || !orb.Equal(cz.Area, zg.Record.(geo.Zone).Area) {
		t.Errorf("succeed: closed %+v, successor %+v", cz, nz)
	}
	_, _, err = s.Succeed(ctx, "z", closed.Number, geo.DateOf(2026, 1, 5), "z2", nil, "carol")
	wantErr("succeed into a taken ID", err, geo.ErrConflict)
	if z, _ := s.Get(ctx, store.KindZone, "z"); z.Number != closed.Number {
		t.Errorf("a failed succeed stored the zone at version %d, want %d", z.Number, closed.Number)
	}

	ds, v2, err := s.Load(ctx)
	must(err)
	note("load: %s at %d", summary(ds), v2)
	return log
}

// summary lists a dataset's record IDs by kind.
func summary(ds *geo.Dataset) string {
	var b strings.Builder
	for _, a := range ds.Actors {
		b.WriteString("actor:" + string(a.ID) + " ")
	}
	for _, z := range ds.Zones {
		b.WriteString("zone:" + string(z.ID) + " ")
	}
	for _, in := range ds.Incidents {
		fmt.Fprintf(&b, "incident:%s(%v,%d) ", in.ID, in.Location, in.Fatalities.Best)
	}
	return b.String()
}

// apply puts the versions of StateAt into a copy of ds.
func apply(ds *geo.Dataset, vs []store.Version) *geo.Dataset {
	out := &geo.Dataset{Actors: slices.Clone(ds.Actors), Zones: slices.Clone(ds.Zones), Incidents: slices.Clone(ds.Incidents)}
	for _, v := range vs {
		switch v.Kind {
		case store.KindIncident:
			out.Incidents = slices.DeleteFunc(out.Incidents, func(in geo.Incident) bool { return string(in.ID) == v.ID })
			if !v.Deleted {
				out.Incidents = append(out.Incidents, v.Record.(geo.Incident))
			}
		case store.KindZone:
			out.Zones = slices.DeleteFunc(out.Zones, func(z geo.Zone) bool { return string(z.ID) == v.ID })
			if !v.Deleted {
				out.Zones = append(out.Zones, v.Record.(geo.Zone))
			}
		case store.KindActor:
			out.Actors = slices.DeleteFunc(out.Actors, func(a geo.Actor) bool { return string(a.ID) == v.ID })
			if !v.Deleted {
				out.Actors = append(out.Actors, v.Record.(geo.Actor))
			}
		}
	}
	slices.SortFunc(out.Incidents, func(a, b geo.Incident) int { return strings.Compare(string(a.ID), string(b.ID)) })
	slices.SortFunc(out.Zones, func(a, b geo.Zone) int { return strings.Compare(string(a.ID), string(b.ID)) })
	slices.SortFunc(out.Actors, func(a, b geo.Actor) int { return strings.Compare(string(a.ID), string(b.ID)) })
	return out
}

// Copy fills dst, a new empty store, from s, and checks that the two hold
// the same: counts, current records, history and the audit log.
func Copy(t *testing.T, s, dst Store) {
	ctx := t.Context()
	if err := dst.Fill(ctx, s); err != nil {
		t.Fatalf("Fill: %v", err)
	}
	if err := dst.Fill(ctx, s); err == nil {
		t.Error("Fill into a store that is not empty succeeded")
	}
	a, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := dst.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Equal(b) {
		t.Errorf("copy counts %v, the original %v", b, a)
	}
	da, va, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db, vb, err := dst.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if va != vb || summary(da) != summary(db) {
		t.Errorf("the copy loads %s at %d, the original %s at %d", summary(db), vb, summary(da), va)
	}
	ha, _ := s.History(ctx, store.KindIncident, "a")
	hb, _ := dst.History(ctx, store.KindIncident, "a")
	if len(ha) != len(hb) {
		t.Fatalf("the copy has %d versions of a, the original %d", len(hb), len(ha))
	}
	for i := range ha {
		if ha[i].Number != hb[i].Number || ha[i].DatasetVersion != hb[i].DatasetVersion || ha[i].Author != hb[i].Author ||
			!ha[i].ValidFrom.Truncate(time.Microsecond).Equal(hb[i].ValidFrom.Truncate(time.Microsecond)) {
			t.Errorf("version %d of a: copy %+v, original %+v", i+1, hb[i], ha[i])
		}
	}
	if _, _, err := dst.Authenticate(ctx, "nothing"); !errors.Is(err, store.ErrUnauthorized) {
		t.Errorf("Authenticate on the copy: %v", err)
	}
	if dst.ID() == s.ID() {
		t.Error("the copy has the original's store id: their versions would name different states alike")
	}
}
