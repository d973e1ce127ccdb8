package catalog

import (
	"context"
	"errors"
	"io"

	"github.com/frontline-maps/frontline/ingest"
	"github.com/frontline-maps/frontline/store"
)

// Import reads body as req says (ingest's importers, matching reported
// actor names against the catalog's actors) and stores the accepted
// records in one transaction, incidents with their governorate. The one
// policy for every caller: when any row is rejected, or the file is
// refused as a whole, nothing is stored, unless req.Partial, which stores
// the accepted rows of a file with rejected ones (a refused file still
// stores nothing). The report says what happened; the error is non-nil
// only when the import could not be carried out: ctx ended, the body
// failed (an *http.MaxBytesError, say) or the store failed. The write lock
// is held only for the store's one transaction.
func (c *Catalog) Import(ctx context.Context, req ImportRequest, body io.Reader, author string) (ImportReport, error) {
	out := ImportReport{Format: req.Format, Rows: []ImportRejection{}}
	if c.store == nil {
		return out, ErrReadOnly
	}
	var recs []store.Record
	opts := ingest.Options{Actors: c.Actors(), KnownActors: true, Release: req.Release}
	br := &bodyReader{r: body}
	rep, err := ingest.Read(ctx, ingest.Format(req.Format), br, opts, func(r ingest.Record) error {
		recs = append(recs, c.recordOf(r))
		return nil
	})
	if rep != nil {
		out.Accepted, out.Rejected, out.Unlisted = rep.Accepted, rep.Rejected, rep.Unlisted
		for _, rj := range rep.Rows {
			out.Rows = append(out.Rows, ImportRejection(rj))
		}
	}
	if err == nil && br.err == nil && ctx.Err() == nil {
		c.reconcile(recs, req.Release, &out)
	}
	switch {
	case br.err != nil || ctx.Err() != nil:
		return out, errors.Join(br.err, ctx.Err())
	case err != nil:
		out.Error = err.Error()
		return out, nil
	case out.Rejected > 0 && !req.Partial:
		return out, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	res, err := c.store.ImportBatch(ctx, recs, author)
	if err != nil {
		return out, err
	}
	if !req.Last {
		if err := c.catchUp(context.WithoutCancel(ctx)); err != nil {
			return out, err
		}
	}
	out.Stored, out.DatasetVersion = true, res.DatasetVersion
	out.Added, out.Updated, out.Unchanged, out.Skipped = res.Created, res.Updated, res.Unchanged, res.Skipped
	return out, nil
}

// recordOf returns the record an importer accepted, an incident with its
// governorate.
func (c *Catalog) recordOf(r ingest.Record) store.Record {
	switch {
	case r.Zone != nil:
		return *r.Zone
	case r.Site != nil:
		return *r.Site
	}
	return c.locate(*r.Incident)
}

// bodyReader keeps the first error of reading r other than io.EOF: the
// body's failure (too large, too slow, cut off), which is the import's
// error rather than the file's fault.
type bodyReader struct {
	r   io.Reader
	err error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}
