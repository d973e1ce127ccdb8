// Package watch keeps watches of zones, areas and points and turns the
// live dataset's changes into their events: incident.entered (an incident
// now lies in a watched target, time-aware for a zone) and
// control.changed (the zones controlling a watched point or area changed).
//
// The events are derived from the change feed, which every write commits
// in its own transaction: the matcher reads the changes after the store's
// watch cursor, in dataset-version order, and in one transaction that holds
// the store's matcher lock adds their events to the outbox and moves the
// cursor (store.MatchTx). So every committed change is matched once, even
// across instances and restarts: a process that dies before its match
// commits leaves the cursor where it was, and the next match (its own after
// a restart, or another instance's) does the work again. Each event has an
// idempotency key (watch, dataset version, type, record), and the outbox
// stores a key once. Delivery by webhook is server/webhook's; streams and
// lists read the outbox.
//
// A Watches is safe for concurrent use.
package watch

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/frontline-maps/frontline/catalog"
	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
)

// Store is what watches need of a store (store/gpkg's and store/postgis's
// methods of these names; store/watch.go documents their rules).
type Store interface {
	DatasetVersion(ctx context.Context) (int64, error)
	CreateWatch(ctx context.Context, w store.Watch) error
	Watch(ctx context.Context, id string) (store.Watch, error)
	Watches(ctx context.Context, owner string) ([]store.Watch, error)
	DeleteWatch(ctx context.Context, id string) error
	Match(ctx context.Context, fn func(store.MatchTx) error) error
	Events(ctx context.Context, watch string, after int64, limit int) ([]store.Event, error)
	DeliveryCounts(ctx context.Context) (map[store.DeliveryState]int64, error)
	EventsAfter(ctx context.Context, after int64, limit int) ([]store.Event, int64, error)
	PruneEvents(ctx context.Context, before time.Time) (int64, error)
}

// Feed is what the matcher reads of the live dataset (a *catalog.Catalog).
type Feed interface {
	Snapshot() *geo.Snapshot
	Changes(ctx context.Context, since int64, offset, limit int) ([]catalog.Change, error)
	Changed() <-chan struct{}
	ZonesAt(ctx context.Context, v int64) ([]geo.Zone, error)
	Versions(ctx context.Context, collection, id string) ([]catalog.Version, error)
}

// Watches is the watches of one store and their matcher.
type Watches struct {
	// Retention is how long Run keeps an event that no delivery waits on
	// (delivered, failed, cancelled, or of a watch without a webhook)
	// before it deletes it; set it before Run. New sets DefaultRetention.
	Retention time.Duration

	st   Store
	feed Feed
	// batch is how many changes one match reads at most (a transaction
	// bigger than that is read whole).
	batch int
	now   func() time.Time

	// mu guards the matcher's state between matches.
	mu    sync.Mutex
	state *state
	at    int64 // the dataset version the state's zones are at; -1: reload
	gen   int64 // the watches' count the state's watches were read at; -1: reload
	cache map[string]*compiled
	seen  int64 // the cursor after this process's last match

	// lastSeq is the outbox's last event this process has read (signal),
	// -1 before the first look; written under mu and addedMu.
	lastSeq int64

	// addedMu guards added (closed at new events of any watch), waiters
	// (one channel per watch someone waits on, closed at its new events)
	// and recent.
	addedMu sync.Mutex
	added   chan struct{}
	waiters map[string]chan struct{}
	recent  recent
}

// recentEvents is how many of the outbox's latest events a process keeps
// for its watch streams, which read them there rather than each from the
// store: one read of the outbox per match, however many streams it wakes.
const recentEvents = 1024

// recent is the outbox's latest events, by watch. It began keeping at
// from; to is the newest event it has seen. Of each watch it holds every
// event after that watch's own mark (from, or the last of its events
// dropped), so a stream of a quiet watch is answered here however many
// other watches' events came since; at most recentEvents in all, the
// oldest dropped first.
type recent struct {
	from, to int64
	byWatch  map[string]*kept // a watch's mark stays when its events are gone
	order    []string         // the watch of each event held, oldest first
}

// kept is one watch's events in recent: every one after mark, in Seq
// order.
type kept struct {
	mark int64
	evs  []Event
}

// add appends e, the event after r.to, dropping the oldest beyond the cap.
func (r *recent) add(e Event) {
	if r.byWatch == nil {
		r.byWatch = map[string]*kept{}
	}
	k, ok := r.byWatch[e.Watch]
	if !ok {
		k = &kept{mark: r.from}
		r.byWatch[e.Watch] = k
	}
	k.evs = append(k.evs, e)
	r.order = append(r.order, e.Watch)
	r.to = e.Seq
	for len(r.order) > recentEvents {
		old := r.byWatch[r.order[0]]
		r.order = r.order[1:]
		old.mark = old.evs[0].Seq
		old.evs[0] = Event{} // its document is not kept alive by the array
		old.evs = old.evs[1:]
	}
}

// since returns watch id's events after Seq after, and false when some of
// them are no longer held.
func (r *recent) since(id string, after int64) ([]Event, bool) {
	k, ok := r.byWatch[id]
	if !ok {
		return nil, after >= r.from
	}
	if after < k.mark {
		return nil, false
	}
	i, _ := slices.BinarySearchFunc(k.evs, after, func(e Event, seq int64) int { return cmp.Compare(e.Seq, seq+1) })
	return slices.Clone(k.evs[i:]), true
}

// New returns the watches of st, matched against feed's changes by Run.
func New(st Store, feed Feed) *Watches {
	return &Watches{Retention: DefaultRetention, st: st, feed: feed, batch: 5000, now: time.Now, at: -1, gen: -1, seen: -1,
		cache: map[string]*compiled{}, added: make(chan struct{}),
		waiters: map[string]chan struct{}{}, lastSeq: -1}
}

// Watch is a watch as the API shows it (without its secret).
type Watch struct {
	ID      string
	Owner   string
	Spec    Spec
	Created time.Time // UTC
	// Since is the dataset version when it was created; changes after it
	// are matched.
	Since int64
}

// Created is a new watch with its webhook's secret, shown this once ("" for
// a watch without a webhook).
type Created struct {
	Watch
	Secret string
}

// DeliveryState and Delivery are an event's webhook delivery, as the
// store keeps it (store/watch.go): under this package's names, so that
// the HTTP layer reads them without the store.
type (
	DeliveryState = store.DeliveryState
	Delivery      = store.Delivery
)

// The delivery states (store/watch.go).
const (
	DeliveryNone      = store.DeliveryNone
	DeliveryPending   = store.DeliveryPending
	DeliveryDelivered = store.DeliveryDelivered
	DeliveryFailed    = store.DeliveryFailed
	DeliveryCancelled = store.DeliveryCancelled
)

// Event is one event of a watch, with its webhook delivery state.
type Event struct {
	Seq            int64 // the stream's event ID
	Watch          string
	Key            string
	Type           string
	DatasetVersion int64
	Document       json.RawMessage // the JSON delivered (a Document)
	Created        time.Time
	Delivery       Delivery
}

// Create validates body (ParseSpec, the zones those of the current
// snapshot) and stores it as a new watch owned by owner. Errors: a
// *geo.ValidationError naming the field.
func (ws *Watches) Create(ctx context.Context, owner string, body []byte) (Created, error) {
	snap := ws.feed.Snapshot()
	sp, err := ParseSpec(body, func(id geo.ZoneID) bool {
		if snap == nil {
			return false
		}
		_, err := snap.Zone(id)
		return err == nil
	})
	if err != nil {
		return Created{}, err
	}
	spec, err := json.Marshal(sp)
	if err != nil {
		return Created{}, err
	}
	since, err := ws.st.DatasetVersion(ctx)
	if err != nil {
		return Created{}, err
	}
	w := store.Watch{ID: "w-" + randomHex(8), Owner: owner, Spec: spec, Created: ws.now().UTC(), Since: since}
	if sp.Webhook != nil {
		w.Webhook, w.Secret = sp.Webhook.URL, "whsec_"+randomHex(24)
	}
	if err := ws.st.CreateWatch(ctx, w); err != nil {
		return Created{}, err
	}
	return Created{Watch: Watch{ID: w.ID, Owner: owner, Spec: sp, Created: w.Created, Since: since}, Secret: w.Secret}, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// view converts a stored watch.
func view(w store.Watch) (Watch, error) {
	var sp Spec
	if err := json.Unmarshal(w.Spec, &sp); err != nil {
		return Watch{}, fmt.Errorf("watch %s: its stored definition: %w", w.ID, err)
	}
	return Watch{ID: w.ID, Owner: w.Owner, Spec: sp, Created: w.Created, Since: w.Since}, nil
}

// Get returns the live watch id, or geo.ErrNotFound.
func (ws *Watches) Get(ctx context.Context, id string) (Watch, error) {
	w, err := ws.st.Watch(ctx, id)
	if err != nil {
		return Watch{}, err
	}
	return view(w)
}

// List returns the live watches of owner ("" for everyone's), oldest
// first.
func (ws *Watches) List(ctx context.Context, owner string) ([]Watch, error) {
	stored, err := ws.st.Watches(ctx, owner)
	if err != nil {
		return nil, err
	}
	out := make([]Watch, 0, len(stored))
	for _, w := range stored {
		v, err := view(w)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Delete deletes the live watch id (geo.ErrNotFound when there is none):
// it is matched no more and its pending deliveries are cancelled.
func (ws *Watches) Delete(ctx context.Context, id string) error { return ws.st.DeleteWatch(ctx, id) }

// Events returns the events of watch id after seq after, oldest first, at
// most limit.
func (ws *Watches) Events(ctx context.Context, id string, after int64, limit int) ([]Event, error) {
	evs, err := ws.st.Events(ctx, id, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Event, len(evs))
	for i, e := range evs {
		out[i] = Event{Seq: e.Seq, Watch: e.Watch, Key: e.Key, Type: e.Type, DatasetVersion: e.DatasetVersion, Document: e.Payload,
			Created: e.Created, Delivery: e.Delivery}
	}
	return out, nil
}

// DeliveryCounts counts the outbox's events by delivery state.
func (ws *Watches) DeliveryCounts(ctx context.Context) (map[DeliveryState]int64, error) {
	return ws.st.DeliveryCounts(ctx)
}

// Added returns a channel closed when this process's matcher next sees
// new events in the outbox: its own, or another instance's (the cursor
// moved past where this process left it).
func (ws *Watches) Added() <-chan struct{} {
	ws.addedMu.Lock()
	defer ws.addedMu.Unlock()
	return ws.added
}

// AddedFor returns a channel closed when this process's matcher next sees
// new events of watch id, its own or another instance's: what a stream of
// one watch waits on, so that an event wakes only its watch's streams.
func (ws *Watches) AddedFor(id string) <-chan struct{} {
	ws.addedMu.Lock()
	defer ws.addedMu.Unlock()
	ch, ok := ws.waiters[id]
	if !ok {
		ch = make(chan struct{})
		ws.waiters[id] = ch
	}
	return ch
}

// LastEvent returns the Seq of the outbox's newest event, of any watch (0
// when it is empty): where a stream of new events only starts.
func (ws *Watches) LastEvent(ctx context.Context) (int64, error) {
	_, last, err := ws.st.EventsAfter(ctx, math.MaxInt64, 1)
	return last, err
}

// Recent returns watch id's events after Seq after that this process has
// seen, oldest first, and true; or false when after is older than the
// events it keeps, and the store must be read (Events).
func (ws *Watches) Recent(id string, after int64) ([]Event, bool) {
	ws.addedMu.Lock()
	defer ws.addedMu.Unlock()
	if ws.lastSeq < 0 {
		return nil, false
	}
	return ws.recent.since(id, after)
}

// eventsPage is how many events signal reads from the outbox at once.
const eventsPage = 1000

// signal (under mu) reads the outbox's events after the last this process
// saw into recent, then wakes AddedFor's waiters of their watches and
// Added's. The first look only notes where the outbox ends.
func (ws *Watches) signal(ctx context.Context) error {
	woken := map[string]bool{}
	for {
		after := ws.lastSeq
		if after < 0 {
			after = math.MaxInt64
		}
		evs, last, err := ws.st.EventsAfter(ctx, after, eventsPage)
		if err != nil {
			return err
		}
		ws.addedMu.Lock()
		if ws.lastSeq < 0 {
			ws.lastSeq, ws.recent = last, recent{from: last, to: last}
		}
		for _, e := range evs {
			ws.recent.add(Event{Seq: e.Seq, Watch: e.Watch, Key: e.Key, Type: e.Type, DatasetVersion: e.DatasetVersion,
				Document: e.Payload, Created: e.Created, Delivery: e.Delivery})
			ws.lastSeq = e.Seq
			woken[e.Watch] = true
		}
		ws.addedMu.Unlock()
		if len(evs) < eventsPage {
			break
		}
	}
	ws.addedMu.Lock()
	defer ws.addedMu.Unlock()
	for id := range woken {
		if ch, ok := ws.waiters[id]; ok {
			close(ch)
			delete(ws.waiters, id)
		}
	}
	close(ws.added)
	ws.added = make(chan struct{})
	return nil
}

// DefaultRetention is how long an event is kept once no delivery waits
// on it: 30 days.
const DefaultRetention = 30 * 24 * time.Hour

// pruneEvery is how often Run deletes the events past Retention.
const pruneEvery = time.Hour

// Run matches until ctx is done: at each change of the live dataset and at
// least every poll (for matches another instance left half done, or a
// store that was away). Every hour, from its start, it deletes the events
// past Retention. report, when not nil, hears of the first error after a
// success and of the next success (nil).
func (ws *Watches) Run(ctx context.Context, poll time.Duration, report func(error)) {
	t := time.NewTicker(poll)
	defer t.Stop()
	failing := false
	var pruned time.Time
	for {
		changed := ws.feed.Changed()
		var err error
		for more := true; more && err == nil && ctx.Err() == nil; {
			more, err = ws.Step(ctx)
		}
		if now := ws.now(); err == nil && now.Sub(pruned) >= pruneEvery {
			if _, err = ws.st.PruneEvents(ctx, now.Add(-ws.Retention)); err == nil {
				pruned = now
			}
		}
		if ctx.Err() != nil {
			return
		}
		if (err != nil) != failing && report != nil {
			report(err)
		}
		failing = err != nil
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-t.C:
		}
	}
}

// Step runs one match: the changes after the cursor, at most about a
// batch of them in whole transactions, turned into events in one store
// transaction. It reports whether there may be more to match.
func (ws *Watches) Step(ctx context.Context) (more bool, err error) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	var (
		last             int64
		added            int
		moved, processed bool
	)
	err = ws.st.Match(ctx, func(tx store.MatchTx) error {
		cursor, err := tx.Cursor()
		if err != nil {
			return err
		}
		moved, last = ws.seen >= 0 && cursor != ws.seen, cursor
		page, err := ws.feed.Changes(ctx, cursor, 0, ws.batch)
		if err != nil || len(page) == 0 {
			return err
		}
		// Every change read below was committed before the first page was
		// read, so the watches counted now include each one committed
		// before them.
		gen, err := tx.Watches()
		if err != nil {
			return err
		}
		reindex, err := ws.loadWatches(ctx, gen)
		if err != nil {
			return err
		}
		if len(ws.state.watches) == 0 {
			// Nothing to match: the cursor passes the page's transactions
			// without reading the rest of one larger than a page (an import
			// of a million records would be held whole, twice the index).
			last, more = skipTo(page, ws.batch), len(page) == ws.batch
			return tx.Advance(last)
		}
		changes, full, err := ws.read(ctx, cursor, page)
		if err != nil {
			return err
		}
		more = full
		if err := ws.prepareZones(ctx, cursor, reindex); err != nil {
			return err
		}
		var events []store.Event
		previous := func(id string, number int64) (*geo.Incident, error) { return ws.previous(ctx, id, number) }
		now := ws.now().UTC()
		for i := 0; i < len(changes); {
			j := i
			for j < len(changes) && changes[j].DatasetVersion == changes[i].DatasetVersion {
				j++
			}
			evs, err := ws.state.matchTx(changes[i:j], previous, now)
			if err != nil {
				return err
			}
			events = append(events, evs...)
			i = j
		}
		last = changes[len(changes)-1].DatasetVersion
		if err := tx.Add(events); err != nil {
			return err
		}
		added, processed = len(events), true
		return tx.Advance(last)
	})
	if err != nil {
		ws.at = -1 // the state may be half moved
		return false, err
	}
	ws.seen = last
	if processed {
		ws.at = last // the state's zones took every change up to last
	}
	if added > 0 || moved || ws.lastSeq < 0 {
		return more, ws.signal(ctx)
	}
	return more, nil
}

// skipTo returns the dataset version a cursor passes page at, a batch of
// changes or fewer (the last page) in dataset version order: the last
// transaction page holds whole, or the one transaction that fills it.
func skipTo(page []catalog.Change, batch int) int64 {
	lastV := page[len(page)-1].DatasetVersion
	if len(page) < batch || page[0].DatasetVersion == lastV {
		return lastV
	}
	i := len(page) - 1
	for page[i].DatasetVersion == lastV {
		i--
	}
	return page[i].DatasetVersion
}

// read returns the changes after cursor in whole transactions, given the
// first page of them (at most a batch): a batch, less the last
// transaction's changes when the batch may have cut it, or one transaction
// whole when it alone fills the batch. full reports that more may follow.
func (ws *Watches) read(ctx context.Context, cursor int64, page []catalog.Change) (changes []catalog.Change, full bool, err error) {
	changes = page
	if len(changes) < ws.batch {
		return changes, false, nil
	}
	lastV := changes[len(changes)-1].DatasetVersion
	if changes[0].DatasetVersion != lastV {
		for changes[len(changes)-1].DatasetVersion == lastV {
			changes = changes[:len(changes)-1]
		}
		return changes, true, nil
	}
	for {
		page, err := ws.feed.Changes(ctx, cursor, len(changes), ws.batch)
		if err != nil {
			return nil, false, err
		}
		for _, ch := range page {
			if ch.DatasetVersion != lastV {
				return changes, true, nil
			}
			changes = append(changes, ch)
		}
		if len(page) < ws.batch {
			return changes, true, nil
		}
	}
}

// loadWatches brings the matcher's watches to those counted gen, reading
// them when the count moved; reindex reports that it did.
func (ws *Watches) loadWatches(ctx context.Context, gen int64) (reindex bool, err error) {
	if ws.state == nil {
		ws.state = &state{}
		ws.gen, ws.at = -1, -1
	}
	if gen != ws.gen {
		stored, err := ws.st.Watches(ctx, "")
		if err != nil {
			return false, err
		}
		cache := make(map[string]*compiled, len(stored))
		watches := make([]*compiled, 0, len(stored))
		for _, w := range stored {
			c := ws.cache[w.ID]
			if c == nil {
				if c, err = compile(w); err != nil {
					return false, err
				}
			}
			cache[w.ID] = c
			watches = append(watches, c)
		}
		ws.cache, ws.state.watches, ws.gen, reindex = cache, watches, gen, true
	}
	return reindex, nil
}

// prepareZones brings the matcher's zones to those at dataset version at,
// and indexes its state again when they or, by reindex, its watches
// changed.
func (ws *Watches) prepareZones(ctx context.Context, at int64, reindex bool) error {
	if ws.at != at {
		zones, err := ws.feed.ZonesAt(ctx, at)
		if err != nil {
			return err
		}
		ws.state.zones = make(map[geo.ZoneID]*zoneShape, len(zones))
		for _, z := range zones {
			zs, err := prepareZone(z)
			if err != nil {
				return fmt.Errorf("zone %s: %w", z.ID, err)
			}
			ws.state.zones[z.ID] = zs
		}
		ws.at, reindex = at, true
	}
	if reindex {
		ws.state.index()
	}
	return nil
}

// previous returns incident id's version before number, nil when it had
// none then or was deleted.
func (ws *Watches) previous(ctx context.Context, id string, number int64) (*geo.Incident, error) {
	vs, err := ws.feed.Versions(ctx, "incidents", id)
	if errors.Is(err, geo.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		if v.Number == number-1 && !v.Deleted {
			if in, ok := v.Feature.(geo.Incident); ok {
				return &in, nil
			}
		}
	}
	return nil, nil
}
