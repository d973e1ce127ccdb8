package server

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
)

// The live stream: GET /api/live tells a map that the dataset changed, so
// it refetches what it shows. It is a read like any other (public unless
// Config.PrivateRead) because it says only that a new dataset version
// exists and which kinds of record changed: not which records, how or by
// whom, which the change feed tells its viewers.

// liveEvent is the data of one "dataset" event.
type liveEvent struct {
	// DatasetVersion is the new version as X-Dataset-Version writes it,
	// Version its number (the event's id).
	DatasetVersion string `json:"dataset_version"`
	Version        int64  `json:"version"`
	// Collections are the OGC collections with changed records (zones,
	// incidents, sites), Kinds every kind changed; sorted.
	Collections []string `json:"collections"`
	Kinds       []string `json:"kinds"`
}

// livePages bounds how many pages of the feed a live event reads to name
// the kinds changed; past them it names every kind.
const livePages = 5

// allKinds are the kinds of record, for a change too large to read.
var allKinds = []string{"actor", "boundary", "incident", "site", "statistic", "zone"}

// handleLive answers GET /api/live: Server-Sent Events "dataset", one each
// time this instance takes new changes (several at once make one event),
// from Last-Event-ID (a dataset version: changes after it are announced at
// once) or now. A dataset directory never changes: its stream only
// heartbeats. Heartbeats, the hour's cap, the streams' limit and shutdown
// as for the change stream.
func (s *Server) handleLive(w http.ResponseWriter, r *http.Request) error {
	if err := rejectUnknown(r.URL.Query()); err != nil {
		return err
	}
	last := int64(s.snapshot(r).Version())
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n < 0 {
			return invalidParam("Last-Event-ID", "%s is not a dataset version (a whole number, 0 or more), as this stream's event ids are", quote(id))
		}
		last = min(n, last)
	}
	if r.Method == http.MethodHead {
		w.Header().Set("Content-Type", "text/event-stream")
		return nil
	}
	if published(r) {
		return s.livePublished(w, r, last)
	}
	return s.stream(w, r, 0, func(ctx context.Context, out *sseWriter) (<-chan struct{}, error) {
		if s.histories == nil {
			return nil, nil // nothing ever changes
		}
		changed := s.histories.Changed()
		snap := s.catalog.Snapshot()
		v := int64(snap.Version())
		if v <= last {
			return changed, nil
		}
		ev := liveEvent{DatasetVersion: s.datasetVersion(snap), Version: v}
		kinds, err := s.kindsChanged(ctx, last, v)
		if err != nil {
			return nil, err
		}
		for _, k := range kinds {
			ev.Kinds = append(ev.Kinds, k)
			if c := collectionOfKind[k]; c != "" {
				ev.Collections = append(ev.Collections, c)
			}
		}
		slices.Sort(ev.Collections)
		data, err := json.Marshal(ev)
		if err != nil {
			return nil, err
		}
		last = v
		return changed, out.event(strconv.FormatInt(v, 10), "dataset", data)
	})
}

// kindsChanged returns the kinds of the records changed after dataset
// version since up to version to, sorted, from at most livePages pages of
// the feed (shared with the change streams); beyond them, every kind.
func (s *Server) kindsChanged(ctx context.Context, since, to int64) ([]string, error) {
	seen := map[string]bool{}
	offset := 0
	for range livePages {
		page, _, err := s.pages.get(ctx, s.histories, since, offset)
		if err != nil {
			return nil, err
		}
		for _, c := range page {
			if c.DatasetVersion > to {
				return sortedKeys(seen), nil
			}
			seen[c.Kind] = true
		}
		if len(page) < streamPage {
			return sortedKeys(seen), nil
		}
		offset += len(page)
	}
	return allKinds, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// livePublished is handleLive for a reader of the published view: an
// event each time the view's content changes (a write it publishes, an
// embargo that ends), naming every collection, since the view does not
// keep which changed; a write it does not publish makes none.
func (s *Server) livePublished(w http.ResponseWriter, r *http.Request, last int64) error {
	_, gen := s.cfg.Publication.Published()
	return s.stream(w, r, 0, func(ctx context.Context, out *sseWriter) (<-chan struct{}, error) {
		changed := s.cfg.Publication.PublishedChanged()
		snap, g := s.cfg.Publication.Published()
		v := int64(snap.Version())
		if v <= last && g == gen {
			return changed, nil
		}
		data, err := json.Marshal(liveEvent{DatasetVersion: s.datasetVersion(snap), Version: v,
			Collections: []string{collectionIncidents, collectionSites, collectionZones}, Kinds: []string{"incident", "site", "zone"}})
		if err != nil {
			return nil, err
		}
		last, gen = v, g
		return changed, out.event(strconv.FormatInt(v, 10), "dataset", data)
	})
}
