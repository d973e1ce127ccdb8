package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/frontline-maps/frontline/catalog"
)

// The change feed: every committed change, paged (GET /api/changes) and
// as Server-Sent Events (GET /api/changes/stream).
//
// Positions. A change feed position is a dataset version since and an
// offset: the changes committed after since, less the first offset of
// them. Committed transactions never change, so a position names the same
// change at every read. A page's next link is the position after its last
// change, as since of the last whole transaction in the page and the
// changes of the next taken so far. The stream's event id is the dataset
// version of a transaction, written on its last change only, so a client
// that reconnects with Last-Event-ID resumes after the last transaction it
// got whole: nothing is missed, and a transaction cut off mid-way comes
// again from its start.

const (
	// defaultChangesLimit and maxChangesLimit bound a page of the feed.
	defaultChangesLimit = 1000
	maxChangesLimit     = 10_000
	// streamPage is how many changes the stream reads from the store at
	// once.
	streamPage = 1000
	// streamHeartbeat is how often an idle stream writes a comment, so
	// proxies keep it open; streamMaxAge is how long one stream lasts
	// before the server ends it and the client reconnects (EventSource
	// does, with Last-Event-ID), so no request runs unbounded.
	streamHeartbeat = 15 * time.Second
	streamMaxAge    = time.Hour
	// defaultMaxStreams bounds the streams open at once (Config.MaxStreams).
	defaultMaxStreams = 2000
)

// changeDoc is a change as the feed writes it.
type changeDoc struct {
	DatasetVersion int64 `json:"dataset_version"`
	// Kind is the record's kind; Collection the OGC collection of a zone,
	// incident or site, empty for the other kinds.
	Kind       string `json:"kind"`
	Collection string `json:"collection,omitempty"`
	ID         string `json:"id"`
	Version    int64  `json:"version"`
	// Operation is create (the record's first version), delete (a
	// tombstone) or update (any other, a restore included).
	Operation string    `json:"operation"`
	Committed time.Time `json:"committed"`
	Author    string    `json:"author"`
	// Record is the record as stored: a GeoJSON Feature for a zone,
	// incident or site, the record's JSON for the other kinds, null for a
	// deletion.
	Record json.RawMessage `json:"record"`
}

// collectionOfKind is the OGC collection of each kind that has one.
var collectionOfKind = map[string]string{"zone": collectionZones, "incident": collectionIncidents, "site": collectionSites}

// newChangeDoc renders c.
func newChangeDoc(c catalog.Change) (changeDoc, error) {
	d := changeDoc{DatasetVersion: c.DatasetVersion, Kind: c.Kind, Collection: collectionOfKind[c.Kind], ID: c.ID,
		Version: c.Number, Operation: "update", Committed: c.Committed, Author: c.Author, Record: json.RawMessage("null")}
	switch {
	case c.Deleted:
		d.Operation = "delete"
	case c.Number == 1:
		d.Operation = "create"
	}
	var err error
	switch {
	case c.Feature != nil:
		d.Record, err = c.Feature.MarshalJSON()
	case c.Record != nil:
		d.Record, err = json.Marshal(c.Record)
	}
	return d, err
}

// parseChangesPosition parses "since" (a dataset version, default 0) and
// "offset" (changes to skip after it, default 0).
func parseChangesPosition(q url.Values) (since int64, offset int, errs paramErrors) {
	if v, ok, err := single(q, "since"); err != nil {
		errs.add(err)
	} else if ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			errs.add(invalidParam("since", "%s is not a dataset version (a whole number, 0 or more)", quote(v)))
		}
		since = n
	}
	offset, err := parseInt(q, "offset", 0, 0, maxOffset, "changes")
	errs.add(err)
	return since, offset, errs
}

// handleChanges answers GET /api/changes?since=V&offset=K&limit=N: a page
// of the change feed, with the store's current dataset version and a next
// link when the page is full.
func (s *Server) handleChanges(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var errs paramErrors
	errs.add(rejectUnknown(q, "since", "offset", "limit"))
	since, offset, perrs := parseChangesPosition(q)
	errs = append(errs, perrs...)
	limit, err := parseInt(q, "limit", defaultChangesLimit, 1, maxChangesLimit, "changes")
	errs.add(err)
	if err := errs.err(); err != nil {
		return err
	}
	if s.histories == nil {
		return errNoHistory
	}
	changes, err := s.histories.Changes(r.Context(), since, offset, limit)
	if err != nil {
		return err
	}
	served := changes
	if published(r) {
		// The position moves over the feed as stored; the page serves
		// what the published view shows of it, up to the feed's end.
		if changes, err = s.publishedFeed(r.Context(), changes); err != nil {
			return err
		}
		served = s.cfg.Publication.PublishChanges(changes)
	}
	docs := make([]changeDoc, len(served))
	for i, c := range served {
		if docs[i], err = newChangeDoc(c); err != nil {
			return err
		}
	}
	self := fmt.Sprintf("/changes?since=%d&offset=%d&limit=%d", since, offset, limit)
	links := []link{{Href: s.apiURL(r, self), Rel: "self", Type: contentTypeJSON}}
	if len(changes) == limit {
		nextSince, nextOffset := nextPosition(since, offset, changes)
		links = append(links, link{Href: s.apiURL(r, fmt.Sprintf("/changes?since=%d&offset=%d&limit=%d", nextSince, nextOffset, limit)), Rel: "next", Type: contentTypeJSON})
	}
	return writeJSON(w, contentTypeJSON, map[string]any{
		"changes": docs, "numberReturned": len(docs), "datasetVersion": s.datasetVersion(s.snapshot(r)), "links": links,
	})
}

// nextPosition is the feed position after page, read at (since, offset):
// after the last transaction the page holds whole (the last change of the
// page's last transaction but one), with the changes of the last
// transaction taken so far as the offset. A page within one transaction
// moves the offset only.
func nextPosition(since int64, offset int, page []catalog.Change) (int64, int) {
	last := page[len(page)-1].DatasetVersion
	for i := len(page) - 1; i >= 0; i-- {
		if page[i].DatasetVersion != last {
			return page[i].DatasetVersion, len(page) - 1 - i
		}
	}
	return since, offset + len(page)
}

// pageCache shares the feed's pages among the change streams: streams at
// one position wake together at each change and would each read the same
// page from the store, so the first reads it and the others take its
// answer. A page lasts until the feed next changes, since one short of
// streamPage may grow then; a failed read is not kept.
type pageCache struct {
	mu      sync.Mutex
	gen     <-chan struct{} // History.Changed when the entries were read
	entries map[[2]int64]*pageEntry
}

type pageEntry struct {
	done chan struct{} // closed when page, data and err are set
	page []catalog.Change
	data [][]byte // each change's changeDoc as JSON, rendered once for every stream
	err  error
}

// pageReadTimeout bounds one shared read of the feed.
const pageReadTimeout = 30 * time.Second

// get returns the streamPage changes at (since, offset) and each one's
// changeDoc as JSON, read and rendered once for every stream that asks
// while the feed stays as it is.
func (c *pageCache) get(ctx context.Context, h History, since int64, offset int) ([]catalog.Change, [][]byte, error) {
	gen := h.Changed()
	key := [2]int64{since, int64(offset)}
	c.mu.Lock()
	if c.entries == nil || c.gen != gen {
		c.gen, c.entries = gen, map[[2]int64]*pageEntry{}
	}
	e, shared := c.entries[key]
	if !shared {
		e = &pageEntry{done: make(chan struct{})}
		c.entries[key] = e
	}
	c.mu.Unlock()
	if !shared {
		// The read outlives a reader that hangs up: others wait on it.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), pageReadTimeout)
		e.page, e.err = h.Changes(rctx, since, offset, streamPage)
		cancel()
		for _, ch := range e.page {
			if e.err != nil {
				break
			}
			var doc changeDoc
			if doc, e.err = newChangeDoc(ch); e.err == nil {
				var b []byte
				b, e.err = json.Marshal(doc)
				e.data = append(e.data, b)
			}
		}
		if e.err != nil {
			c.mu.Lock()
			if c.entries[key] == e {
				delete(c.entries, key)
			}
			c.mu.Unlock()
		}
		close(e.done)
	}
	select {
	case <-e.done:
		return e.page, e.data, e.err
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
}

// streams counts the open change streams and ends them all at shutdown.
type streams struct {
	mu   sync.Mutex
	open int
	max  int
	done chan struct{} // closed by Server.EndStreams
}

// EndStreams ends every open change stream and refuses new ones: for
// http.Server.RegisterOnShutdown, as Shutdown waits for requests to end
// and a stream ends only when told. Clients reconnect elsewhere with
// Last-Event-ID.
func (s *Server) EndStreams() {
	s.streams.mu.Lock()
	defer s.streams.mu.Unlock()
	select {
	case <-s.streams.done:
	default:
		close(s.streams.done)
	}
}

// acquire takes a stream slot, or returns errBusy when as many streams
// are open as may be, or the server is shutting down.
func (st *streams) acquire() (release func(), err error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	select {
	case <-st.done:
		return nil, errShuttingDown
	default:
	}
	if st.open >= st.max {
		return nil, errTooManyStreams
	}
	st.open++
	return func() {
		st.mu.Lock()
		st.open--
		st.mu.Unlock()
	}, nil
}

// handleChangesStream answers GET /api/changes/stream: the change feed as
// Server-Sent Events, from the position of Last-Event-ID (a dataset
// version), else of since and offset, else the current dataset version
// (new changes only). Each change is an event "change" whose data is its
// changeDoc; the last change of a transaction carries the transaction's
// dataset version as its id. An idle stream writes a heartbeat comment
// every 15 s; a stream ends after an hour, or at shutdown.
func (s *Server) handleChangesStream(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var errs paramErrors
	errs.add(rejectUnknown(q, "since", "offset"))
	since, offset, perrs := parseChangesPosition(q)
	errs = append(errs, perrs...)
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n < 0 {
			errs.add(invalidParam("Last-Event-ID", "%s is not a dataset version (a whole number, 0 or more), as this stream's event ids are", quote(id)))
		}
		since, offset = n, 0
	} else if !q.Has("since") {
		since = int64(s.snapshot(r).Version())
	}
	if err := errs.err(); err != nil {
		return err
	}
	if s.histories == nil {
		return errNoHistory
	}
	if r.Method == http.MethodHead {
		w.Header().Set("Content-Type", "text/event-stream")
		return nil
	}
	return s.stream(w, r, 0, func(ctx context.Context, out *sseWriter) (<-chan struct{}, error) {
		// Taken before reading: a change committed while the store is read
		// closes it, so none is slept through.
		changed := s.histories.Changed()
		for {
			page, rendered, err := s.pages.get(ctx, s.histories, since, offset)
			if err != nil {
				return nil, err
			}
			full := len(page) == streamPage
			if published(r) {
				cut, err := s.publishedFeed(ctx, page)
				if err != nil {
					return nil, err
				}
				if len(cut) < len(page) {
					// The rest is past the feed's end, which moves on
					// with time: look again in a minute.
					changed, full = wakeAfter(ctx, changed, time.Minute), false
				}
				page, rendered, err = s.publishPage(cut)
				if err != nil {
					return nil, err
				}
			}
			for i, c := range page {
				// A transaction is whole when the next change is of a later
				// one, or when the store has no more (commits are atomic).
				whole := (i+1 < len(page) && page[i+1].DatasetVersion != c.DatasetVersion) || (i+1 == len(page) && !full)
				id := ""
				if whole {
					id, since, offset = strconv.FormatInt(c.DatasetVersion, 10), c.DatasetVersion, 0
				} else {
					offset++
				}
				if rendered[i] == nil {
					// Not published: the position moves past it. When it
					// ends a transaction, an event "position" carries the
					// id, so a reconnect resumes after the transaction
					// rather than receiving its published changes again.
					if id != "" {
						if err := out.event(id, "position", []byte("{}")); err != nil {
							return nil, err
						}
					}
					continue
				}
				if err := out.event(id, "change", rendered[i]); err != nil {
					return nil, err
				}
			}
			if len(page) > 0 {
				if err := out.flush(); err != nil {
					return nil, err
				}
			}
			if !full {
				return changed, nil
			}
		}
	})
}

// publishedFeed returns the changes of page up to the published view's
// feed end (Publication.PublishedFeedEnd).
func (s *Server) publishedFeed(ctx context.Context, page []catalog.Change) ([]catalog.Change, error) {
	end, err := s.cfg.Publication.PublishedFeedEnd(ctx)
	if err != nil {
		return nil, err
	}
	for i, c := range page {
		if c.DatasetVersion > end {
			return page[:i], nil
		}
	}
	return page, nil
}

// publishPage returns page, a stream's page of the feed as stored, and
// each change's JSON as the published view shows it: nil for a change it
// does not publish, which the stream passes over.
func (s *Server) publishPage(page []catalog.Change) ([]catalog.Change, [][]byte, error) {
	rendered := make([][]byte, len(page))
	for i, c := range page {
		pub := s.cfg.Publication.PublishChanges([]catalog.Change{c})
		if len(pub) == 0 {
			continue
		}
		doc, err := newChangeDoc(pub[0])
		if err != nil {
			return nil, nil, err
		}
		if rendered[i], err = json.Marshal(doc); err != nil {
			return nil, nil, err
		}
	}
	return page, rendered, nil
}

// wakeAfter returns a channel closed when changed is, or after d, or when
// ctx ends.
func wakeAfter(ctx context.Context, changed <-chan struct{}, d time.Duration) <-chan struct{} {
	out := make(chan struct{})
	go func() {
		defer close(out)
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-changed:
		case <-t.C:
		case <-ctx.Done():
		}
	}()
	return out
}
