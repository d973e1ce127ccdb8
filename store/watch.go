package store

import "time"

// This file is what every store keeps for watches (package catalog/watch
// matches them, server/webhook delivers their events): the watches, the
// outbox of their events with each event's webhook delivery state, and the
// matcher's cursor. Events are derived from the change feed (the versions
// table, committed with each change): the matcher turns the changes after
// its cursor into events and advances the cursor in one transaction
// (MatchTx), under a lock every instance takes, so that every committed
// change is matched exactly once, in dataset-version order, even when the
// process dies between a change's commit and its matching.

// Watch is a stored watch.
type Watch struct {
	ID    string
	Owner string // the name of the token that created it
	// Spec is the watch's JSON definition (target, filter, events),
	// validated by whoever creates the watch; the store keeps it as given.
	Spec []byte
	// Webhook is the URL events are POSTed to, "" for a watch read by its
	// stream and events list only.
	Webhook string
	// Secret is the key of the webhook's HMAC-SHA256 signatures.
	Secret  string
	Created time.Time // UTC
	// Since is the dataset version when the watch was created: only
	// changes committed after it are matched against it.
	Since int64
}

// DeliveryState is where an event's webhook delivery is.
type DeliveryState string

// The delivery states. An event of a watch without a webhook is
// DeliveryNone; the others are a webhook's.
const (
	DeliveryNone      DeliveryState = "none"      // no webhook: read by the stream and events list only
	DeliveryPending   DeliveryState = "pending"   // to be sent, at NextAttempt or later
	DeliveryDelivered DeliveryState = "delivered" // a 2xx answer came back
	DeliveryFailed    DeliveryState = "failed"    // the retry budget is spent; never retried
	DeliveryCancelled DeliveryState = "cancelled" // the watch was deleted before delivery
)

// Delivery is the webhook delivery state of one event.
type Delivery struct {
	State       DeliveryState
	Attempts    int       // attempts started so far
	NextAttempt time.Time // when pending: not before; zero otherwise
	LastAttempt time.Time // zero before the first attempt
	LastStatus  int       // HTTP status of the last answer, 0 when none came
	LastError   string    // why the last attempt failed, "" after a success
	Delivered   time.Time // when delivered; zero otherwise
}

// Event is one entry of the outbox: something a watch was told, with its
// delivery state.
type Event struct {
	// Seq numbers every event of the store in the order the matcher
	// committed them, from 1; a watch's stream resumes from it.
	Seq   int64
	Watch string // the watch's ID
	// Key is the idempotency key, unique in the store: the same change
	// never makes two events for one watch.
	Key            string
	Type           string // "incident.entered", "control.changed"
	DatasetVersion int64  // of the change that caused it
	Payload        []byte // the JSON document delivered
	Created        time.Time
	Delivery       Delivery
}

// Job is an event claimed for a webhook delivery attempt (ClaimDeliveries):
// the event, where it goes, and which attempt this is (1 for the first).
type Job struct {
	Event
	URL, Secret string
	Attempt     int
}

// Finished is the end of one delivery attempt, for FinishDeliveries: the
// event, the attempt's number, and its outcome.
type Finished struct {
	Seq     int64
	Attempt int
	Outcome Outcome
}

// Outcome is how a delivery attempt ended: State is
// DeliveryDelivered, DeliveryPending (retry at Next) or DeliveryFailed.
type Outcome struct {
	State  DeliveryState
	At     time.Time // when the attempt ended, UTC
	Next   time.Time // for DeliveryPending: the next attempt's time
	Status int       // HTTP status, 0 when no answer came
	Error  string    // "" for a success
}

// MatchTx is the matcher's transaction: it holds the lock every instance's
// matcher takes, so one at a time reads the cursor, adds the events of the
// changes after it and moves it.
type MatchTx interface {
	// Cursor returns the dataset version up to which changes are matched.
	Cursor() (int64, error)
	// Watches counts the changes of the watches (each create and delete)
	// as committed when it is called: when it differs from the last
	// match's, the watches are read again. Call it after reading the
	// changes to match, so every watch committed before them is counted.
	Watches() (int64, error)
	// Add stores events, each with its delivery state already set
	// (DeliveryPending with NextAttempt, or DeliveryNone); an event whose
	// Key is stored already is skipped. Seq and Created are the store's.
	Add(events []Event) error
	// Advance sets the cursor to v.
	Advance(v int64) error
}
