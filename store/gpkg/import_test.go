package gpkg

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
)

func ucdpBatch(from, to int) []store.Record {
	out := make([]store.Record, 0, to-from)
	for n := from; n < to; n++ {
		out = append(out, testUCDP(n))
	}
	return out
}

func TestImportBatchAllOrNothing(t *testing.T) {
	s, _ := openTest(t, Options{})
	batch := ucdpBatch(0, 100)
	bad := testUCDP(100)
	bad.Fatalities.Best = -1
	batch = append(batch[:50], append([]store.Record{bad}, batch[50:]...)...)
	_, err := s.ImportBatch(t.Context(), batch, "importer")
	var be *store.BatchError
	var ve *geo.ValidationError
	if !errors.As(err, &be) || be.Index != 50 || be.ID != "ucdp-100" || !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a *BatchError at index 50 wrapping a validation error", err)
	}
	nothingStored(t, s)
}

func TestImportBatchUpsert(t *testing.T) {
	s, _ := openTest(t, Options{})
	c := t.Context()
	res, err := s.ImportBatch(c, ucdpBatch(0, 10), "importer")
	if err != nil {
		t.Fatal(err)
	}
	if res != (store.ImportResult{Created: 10, DatasetVersion: 1}) {
		t.Errorf("first import = %+v", res)
	}

	// The same file again changes nothing and commits no dataset version.
	res, err = s.ImportBatch(c, ucdpBatch(0, 10), "importer")
	if err != nil {
		t.Fatal(err)
	}
	if res != (store.ImportResult{Unchanged: 10, DatasetVersion: 1}) {
		t.Errorf("second import = %+v", res)
	}

	// A newer release: one record changed, one renamed by the importer
	// (same origin, new ID: the stored ID is kept), one deleted by an
	// editor (not brought back), one new, one edited by an editor.
	if _, err := s.Delete(c, store.KindIncident, "ucdp-3", 1, "editor"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Patch(c, store.KindIncident, "ucdp-4", []byte(`{"properties": {"status": "confirmed"}}`), 1, "editor", nil); err != nil {
		t.Fatal(err)
	}
	changed := testUCDP(1)
	changed.Fatalities.Best = 3
	renamed := testUCDP(2)
	renamed.ID = "ged-2"
	renamed.Place = "Hasakah"
	batch := []store.Record{changed, renamed, testUCDP(3), testUCDP(4), testUCDP(10)}
	res, err = s.ImportBatch(c, batch, "importer")
	if err != nil {
		t.Fatal(err)
	}
	if res != (store.ImportResult{Created: 1, Updated: 3, Skipped: 1, DatasetVersion: 4}) {
		t.Errorf("third import = %+v", res)
	}
	ds, _, err := s.Load(c)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[geo.IncidentID]geo.Incident{}
	for _, in := range ds.Incidents {
		byID[in.ID] = in
	}
	if len(ds.Incidents) != 10 {
		t.Errorf("%d incidents, want 10 (never duplicated)", len(ds.Incidents))
	}
	if byID["ucdp-1"].Fatalities.Best != 3 || byID["ucdp-2"].Place != "Hasakah" || byID["ucdp-4"].Status != geo.Reported {
		t.Errorf("updates not applied: %+v", byID)
	}
	if _, ok := byID["ged-2"]; ok {
		t.Error("the renamed record was duplicated under its new ID")
	}
	if _, ok := byID["ucdp-3"]; ok {
		t.Error("the import brought back a deleted incident")
	}
	if _, ok := byID["ucdp-10"]; !ok {
		t.Error("the new incident is missing")
	}
	ch, err := s.Changes(c, res.DatasetVersion-1)
	if err != nil || len(ch) != 4 {
		t.Errorf("Changes of the import: %d versions, %v; want 4", len(ch), err)
	}
	if n := count(t, s, "SELECT count(*) FROM audit WHERE action = 'import' AND dataset_version = 4"); n != 4 {
		t.Errorf("%d audit rows for the import, want 4", n)
	}
}

func TestImportBatchDuplicatesWithinBatch(t *testing.T) {
	s, _ := openTest(t, Options{})
	first := testUCDP(5)
	second := testUCDP(5)
	second.ID = "other-id"
	second.Place = "later"
	res, err := s.ImportBatch(t.Context(), []store.Record{first, second}, "importer")
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 1 || res.Updated != 1 {
		t.Errorf("result = %+v", res)
	}
	if n := count(t, s, "SELECT count(*) FROM incidents"); n != 1 {
		t.Errorf("%d incidents, want 1", n)
	}
}

// TestImportBatchBulk: a batch large enough to rebuild the incidents' lon
// and lat indexes leaves them in place, with the layer's extent right;
// a bulk batch that fails rolls the indexes' rebuild back with the rest.
func TestImportBatchBulk(t *testing.T) {
	defer func(n int) { bulkRecords = n }(bulkRecords)
	bulkRecords = 10
	s, _ := openTest(t, Options{})
	indexes := func() int {
		return count(t, s, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ('incidents_lon', 'incidents_lat')")
	}
	bad := testUCDP(50)
	bad.Fatalities.Best = -1
	if _, err := s.ImportBatch(t.Context(), append(ucdpBatch(0, 40), bad), "importer"); err == nil {
		t.Fatal("a bulk batch with an invalid record was stored")
	}
	if n := indexes(); n != 2 || count(t, s, "SELECT count(*) FROM incidents") != 0 {
		t.Fatalf("after a failed bulk batch: %d of the 2 indexes, %d incidents", n, count(t, s, "SELECT count(*) FROM incidents"))
	}
	res, err := s.ImportBatch(t.Context(), ucdpBatch(0, 40), "importer")
	if err != nil || res.Created != 40 {
		t.Fatalf("bulk import: %+v, %v", res, err)
	}
	if n := indexes(); n != 2 {
		t.Fatalf("after a bulk import %d of the 2 indexes", n)
	}
	var plan string
	if err := s.r.QueryRow("SELECT detail FROM (EXPLAIN QUERY PLAN SELECT min(lon) FROM incidents)").Scan(&plan); err == nil && !strings.Contains(plan, "incidents_lon") {
		t.Errorf("min(lon) does not use the rebuilt index: %s", plan)
	}
	var minX float64
	if err := s.r.QueryRow("SELECT min_x FROM gpkg_contents WHERE table_name = 'incidents'").Scan(&minX); err != nil {
		t.Fatal(err)
	}
	var wantX float64
	if err := s.r.QueryRow("SELECT min(lon) FROM incidents").Scan(&wantX); err != nil || minX != wantX {
		t.Errorf("extent min_x %v, want %v (%v)", minX, wantX, err)
	}
}

// endsAfter is a context that ends after its Err has been asked n times:
// a cancellation that lands part way through a batch, at a point the test
// chooses.
type endsAfter struct {
	context.Context
	n atomic.Int64
}

func (c *endsAfter) Err() error {
	if c.n.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// TestImportBatchCancelled: a batch whose context ends part way returns
// the context's error and stores nothing, although its per-record
// statements run without the driver's own cancellation.
func TestImportBatchCancelled(t *testing.T) {
	s, _ := openTest(t, Options{})
	for _, after := range []int64{1, 7, 150} {
		ctx := &endsAfter{Context: t.Context()}
		ctx.n.Store(after)
		if _, err := s.ImportBatch(ctx, ucdpBatch(0, 100), "importer"); !errors.Is(err, context.Canceled) {
			t.Fatalf("ending after %d checks: err = %v, want context.Canceled", after, err)
		}
		nothingStored(t, s)
	}
}

// TestImportBatchAudit: every record of a batch gets its audit entry, in
// order, however the batch falls into the statements that insert them.
func TestImportBatchAudit(t *testing.T) {
	for _, n := range []int{1, auditBatch, auditBatch + 1, 2*auditBatch + 7} {
		s, _ := openTest(t, Options{})
		if _, err := s.ImportBatch(t.Context(), ucdpBatch(0, n), "importer"); err != nil {
			t.Fatal(err)
		}
		rows, err := s.r.Query("SELECT id FROM audit WHERE action = 'import' ORDER BY fid")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if len(ids) != n {
			t.Fatalf("%d records: %d audit entries", n, len(ids))
		}
		for i, id := range ids {
			if want := fmt.Sprintf("ucdp-%d", i); id != want {
				t.Fatalf("%d records: audit entry %d is for %q, want %q", n, i, id, want)
			}
		}
	}
}
