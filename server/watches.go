package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"time"

	"github.com/frontline-maps/frontline/catalog"
	"github.com/frontline-maps/frontline/catalog/watch"
	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/server/webhook"
	"github.com/go-chi/chi/v5"
)

// Watches is what the watch routes use (a *watch.Watches). Errors:
// *geo.ValidationError for a bad definition, geo.ErrNotFound for no such
// live watch.
type Watches interface {
	Create(ctx context.Context, owner string, body []byte) (watch.Created, error)
	Get(ctx context.Context, id string) (watch.Watch, error)
	List(ctx context.Context, owner string) ([]watch.Watch, error)
	Delete(ctx context.Context, id string) error
	Events(ctx context.Context, id string, after int64, limit int) ([]watch.Event, error)
	// LastEvent returns the outbox's newest event id, of any watch.
	LastEvent(ctx context.Context) (int64, error)
	// AddedFor returns a channel closed when watch id may have new events.
	AddedFor(id string) <-chan struct{}
	// Recent returns watch id's events after after that the process keeps,
	// or false when after is older than those and Events must be read.
	Recent(id string, after int64) ([]watch.Event, bool)
	// DeliveryCounts counts the outbox's events by delivery state.
	DeliveryCounts(ctx context.Context) (map[watch.DeliveryState]int64, error)
}

// Webhooks reports a dispatcher's attempts, for /metrics.
type Webhooks interface {
	Counts() webhook.Counts
}

const (
	defaultEventsLimit = 100
	maxEventsLimit     = 1000
)

var errNoWatches = &problemError{http.StatusBadRequest, problemInvalidParameter, "Invalid parameter",
	"this server serves a dataset directory, which has no store for watches; start it with --db"}

// watchDoc is a watch as the routes show it.
type watchDoc struct {
	ID      string         `json:"id"`
	Owner   string         `json:"owner"`
	Target  watch.Target   `json:"target"`
	Filter  watch.Filter   `json:"filter"`
	Events  []string       `json:"events"`
	Webhook *watch.Webhook `json:"webhook,omitempty"`
	Created time.Time      `json:"created"`
	Since   int64          `json:"dataset_version"`
	Secret  string         `json:"secret,omitempty"`
	Links   []link         `json:"links"`
}

func (s *Server) newWatchDoc(r *http.Request, w watch.Watch) watchDoc {
	base := "/watches/" + w.ID
	return watchDoc{ID: w.ID, Owner: w.Owner, Target: w.Spec.Target, Filter: w.Spec.Filter, Events: w.Spec.Events,
		Webhook: w.Spec.Webhook, Created: w.Created, Since: w.Since, Links: []link{
			{Href: s.apiURL(r, base), Rel: "self", Type: contentTypeJSON},
			{Href: s.apiURL(r, base+"/events"), Rel: "events", Type: contentTypeJSON},
			{Href: s.apiURL(r, base+"/deliveries"), Rel: "deliveries", Type: contentTypeJSON},
			{Href: s.apiURL(r, base+"/stream"), Rel: "stream", Type: "text/event-stream"},
		}}
}

// ownedWatch returns the watch of the path when the request's token owns
// it or is an admin's; anyone else gets the 404 of no such watch, so IDs
// do not leak.
func (s *Server) ownedWatch(r *http.Request) (watch.Watch, error) {
	if s.cfg.Watches == nil {
		return watch.Watch{}, errNoWatches
	}
	id := chi.URLParam(r, "watchId")
	w, err := s.cfg.Watches.Get(r.Context(), id)
	if err != nil {
		return watch.Watch{}, err
	}
	p, _ := r.Context().Value(principalKey{}).(*principal)
	if p == nil || (p.name != w.Owner && p.role != catalog.RoleAdmin) {
		return watch.Watch{}, fmt.Errorf("%w: watch %q", geo.ErrNotFound, id)
	}
	return w, nil
}

// handleCreateWatch answers POST /api/watches: the watch stored, 201 with
// Location and, for a webhook, its secret (shown this once).
func (s *Server) handleCreateWatch(w http.ResponseWriter, r *http.Request) error {
	if err := rejectUnknown(r.URL.Query()); err != nil {
		return err
	}
	if s.cfg.Watches == nil {
		return errNoWatches
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != contentTypeJSON {
		return &geo.ValidationError{Field: "Content-Type", Reason: "send the watch as application/json"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		return err
	}
	created, err := s.createWatch(r, body)
	if err != nil {
		return err
	}
	doc := s.newWatchDoc(r, created.Watch)
	doc.Secret = created.Secret
	w.Header().Set("Location", s.apiURL(r, "/watches/"+created.ID))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", contentTypeJSON)
	w.WriteHeader(http.StatusCreated)
	return json.NewEncoder(w).Encode(doc)
}

// createWatch refuses a webhook whose host is an address the webhook
// policy refuses (a name is checked when it is called), then creates the
// watch.
func (s *Server) createWatch(r *http.Request, body []byte) (watch.Created, error) {
	var probe struct {
		Webhook *watch.Webhook `json:"webhook"`
	}
	if json.Unmarshal(body, &probe) == nil && probe.Webhook != nil {
		if u, err := url.Parse(probe.Webhook.URL); err == nil {
			host := u.Hostname()
			a, err := netip.ParseAddr(host)
			if host == "localhost" {
				a, err = netip.MustParseAddr("127.0.0.1"), nil
			}
			if err == nil && !webhook.Allowed(a, s.cfg.WebhookAllow) {
				return watch.Created{}, &geo.ValidationError{Field: "webhook.url",
					Reason: fmt.Sprintf("%s is a loopback, private or otherwise reserved address, which this server does not call (its --webhook-allow)", host)}
			}
		}
	}
	return s.cfg.Watches.Create(r.Context(), author(r), body)
}

// handleWatches answers GET /api/watches: the token's watches (an admin's:
// everyone's), oldest first.
func (s *Server) handleWatches(w http.ResponseWriter, r *http.Request) error {
	if err := rejectUnknown(r.URL.Query()); err != nil {
		return err
	}
	if s.cfg.Watches == nil {
		return errNoWatches
	}
	owner := author(r)
	if p, _ := r.Context().Value(principalKey{}).(*principal); p != nil && p.role == catalog.RoleAdmin {
		owner = ""
	}
	ws, err := s.cfg.Watches.List(r.Context(), owner)
	if err != nil {
		return err
	}
	docs := make([]watchDoc, len(ws))
	for i, x := range ws {
		docs[i] = s.newWatchDoc(r, x)
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, contentTypeJSON, map[string]any{"watches": docs, "numberReturned": len(docs),
		"links": []link{{Href: s.apiURL(r, "/watches"), Rel: "self", Type: contentTypeJSON}}})
}

// handleWatch answers GET /api/watches/{watchId}.
func (s *Server) handleWatch(w http.ResponseWriter, r *http.Request) error {
	if err := rejectUnknown(r.URL.Query()); err != nil {
		return err
	}
	x, err := s.ownedWatch(r)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, contentTypeJSON, s.newWatchDoc(r, x))
}

// handleDeleteWatch answers DELETE /api/watches/{watchId}: 204.
func (s *Server) handleDeleteWatch(w http.ResponseWriter, r *http.Request) error {
	if err := rejectUnknown(r.URL.Query()); err != nil {
		return err
	}
	x, err := s.ownedWatch(r)
	if err != nil {
		return err
	}
	if err := s.cfg.Watches.Delete(r.Context(), x.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// parseAfter parses "after", an event id, and reports whether it was
// given; absent it is 0.
func parseAfter(q url.Values) (after int64, given bool, err error) {
	v, ok, err := single(q, "after")
	if err != nil || !ok {
		return 0, false, err
	}
	n, perr := strconv.ParseInt(v, 10, 64)
	if perr != nil || n < 0 {
		return 0, true, invalidParam("after", "%s is not an event id (a whole number, 0 or more)", quote(v))
	}
	return n, true, nil
}

// parseEventsPage parses "after" (an event id, default 0) and "limit".
func parseEventsPage(q url.Values) (after int64, limit int, errs paramErrors) {
	after, _, err := parseAfter(q)
	errs.add(err)
	limit, err = parseInt(q, "limit", defaultEventsLimit, 1, maxEventsLimit, "events")
	errs.add(err)
	return after, limit, errs
}

// eventDoc is an event in the events list.
type eventDoc struct {
	EventID  int64           `json:"event_id"`
	Document json.RawMessage `json:"event"`
	Delivery *deliveryDoc    `json:"delivery,omitempty"`
}

// deliveryDoc is an event's webhook delivery.
type deliveryDoc struct {
	EventID        int64      `json:"event_id"`
	Key            string     `json:"idempotency_key"`
	Type           string     `json:"type"`
	DatasetVersion int64      `json:"dataset_version"`
	State          string     `json:"state"`
	Attempts       int        `json:"attempts"`
	NextAttempt    *time.Time `json:"next_attempt,omitempty"`
	LastAttempt    *time.Time `json:"last_attempt,omitempty"`
	LastStatus     int        `json:"last_status,omitempty"`
	LastError      string     `json:"last_error,omitempty"`
	Delivered      *time.Time `json:"delivered,omitempty"`
}

func newDeliveryDoc(e watch.Event) *deliveryDoc {
	t := func(x time.Time) *time.Time {
		if x.IsZero() {
			return nil
		}
		return &x
	}
	d := e.Delivery
	return &deliveryDoc{EventID: e.Seq, Key: e.Key, Type: e.Type, DatasetVersion: e.DatasetVersion, State: string(d.State),
		Attempts: d.Attempts, NextAttempt: t(d.NextAttempt), LastAttempt: t(d.LastAttempt), LastStatus: d.LastStatus,
		LastError: d.LastError, Delivered: t(d.Delivered)}
}

// handleWatchEvents answers GET /api/watches/{watchId}/events and
// /deliveries: a page of the watch's events (with their delivery), or of
// their deliveries alone, after "after", with a next link when full.
func (s *Server) handleWatchEvents(deliveries bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		var errs paramErrors
		errs.add(rejectUnknown(q, "after", "limit"))
		after, limit, perrs := parseEventsPage(q)
		if errs = append(errs, perrs...); errs.err() != nil {
			return errs.err()
		}
		x, err := s.ownedWatch(r)
		if err != nil {
			return err
		}
		evs, err := s.cfg.Watches.Events(r.Context(), x.ID, after, limit)
		if err != nil {
			return err
		}
		name := "events"
		if deliveries {
			name = "deliveries"
		}
		path := "/watches/" + x.ID + "/" + name
		links := []link{{Href: s.apiURL(r, fmt.Sprintf("%s?after=%d&limit=%d", path, after, limit)), Rel: "self", Type: contentTypeJSON}}
		if len(evs) == limit {
			links = append(links, link{Href: s.apiURL(r, fmt.Sprintf("%s?after=%d&limit=%d", path, evs[len(evs)-1].Seq, limit)), Rel: "next", Type: contentTypeJSON})
		}
		var items any
		if deliveries {
			ds := make([]*deliveryDoc, len(evs))
			for i, e := range evs {
				ds[i] = newDeliveryDoc(e)
			}
			items = ds
		} else {
			docs := make([]eventDoc, len(evs))
			for i, e := range evs {
				docs[i] = eventDoc{EventID: e.Seq, Document: e.Document}
				if e.Delivery.State != watch.DeliveryNone {
					docs[i].Delivery = newDeliveryDoc(e)
				}
			}
			items = docs
		}
		w.Header().Set("Cache-Control", "no-store")
		return writeJSON(w, contentTypeJSON, map[string]any{name: items, "numberReturned": len(evs), "links": links})
	}
}

// handleWatchStream answers GET /api/watches/{watchId}/stream: the watch's
// events as Server-Sent Events, from Last-Event-ID (an event id), else
// "after", else new events only. Each is an event of its type
// (incident.entered, control.changed) whose data is the event document and
// id its event id. Heartbeats, the hour's cap, the streams' limit and
// shutdown as for the change stream.
func (s *Server) handleWatchStream(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var errs paramErrors
	errs.add(rejectUnknown(q, "after"))
	after, given, err := parseAfter(q)
	errs.add(err)
	if !given {
		after = -1 // new events only
	}
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n < 0 {
			errs.add(invalidParam("Last-Event-ID", "%s is not an event id (a whole number, 0 or more), as this stream's ids are", quote(id)))
		}
		after = n
	}
	if err := errs.err(); err != nil {
		return err
	}
	x, err := s.ownedWatch(r)
	if err != nil {
		return err
	}
	if after < 0 {
		// New events only: after the outbox's newest event now, of any
		// watch.
		if after, err = s.cfg.Watches.LastEvent(r.Context()); err != nil {
			return err
		}
	}
	if r.Method == http.MethodHead {
		w.Header().Set("Content-Type", "text/event-stream")
		return nil
	}
	return s.stream(w, r, watchStreamPoll, func(ctx context.Context, out *sseWriter) (<-chan struct{}, error) {
		added := s.cfg.Watches.AddedFor(x.ID)
		if evs, ok := s.cfg.Watches.Recent(x.ID, after); ok {
			for _, e := range evs {
				if err := out.event(strconv.FormatInt(e.Seq, 10), e.Type, e.Document); err != nil {
					return nil, err
				}
				after = e.Seq
			}
			return added, nil
		}
		for {
			page, err := s.cfg.Watches.Events(ctx, x.ID, after, maxEventsLimit)
			if err != nil {
				return nil, err
			}
			for _, e := range page {
				if err := out.event(strconv.FormatInt(e.Seq, 10), e.Type, e.Document); err != nil {
					return nil, err
				}
				after = e.Seq
			}
			if len(page) < maxEventsLimit {
				return added, nil
			}
		}
	})
}

// watchStreamPoll is how often a watch stream reads the outbox when
// nothing wakes it, in case a wake was missed (the store was away when the
// matcher looked): the matcher wakes a watch's streams at its events,
// another instance's included.
const watchStreamPoll = 5 * time.Second
