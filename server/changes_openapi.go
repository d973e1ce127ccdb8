package server

// The change feed's operations, for the route table (routes.go); both
// read the edit history, so they need a viewer token unless
// Config.PublicHistory (Server.history).

var (
	paramChangesSince = param{Name: "since", In: "query", Description: "The feed position: changes committed after this dataset version (default 0, the first).",
		Schema: map[string]any{"type": "integer", "minimum": 0, "default": 0}}
	paramChangesOffset = param{Name: "offset", In: "query", Description: "How many of the changes after since to skip: a next link's, within a transaction larger than a page.",
		Schema: map[string]any{"type": "integer", "minimum": 0, "maximum": maxOffset, "default": 0}}

	opChanges = operation{ID: "getChanges", Summary: "The change feed: every committed change, in commit order, paged",
		Description: "The versions of every kind of record committed after since, in commit order: each with dataset_version, kind, collection (zones, incidents or sites; none for actors, boundaries and statistics), id, version, operation (create, update or delete), committed, author and record (a GeoJSON Feature, the record's JSON, or null for a deletion). " +
			"A full page has a next link to the position after its last change; committed changes never change, so a position always names the same change. datasetVersion is the server's current one. " +
			"Under a publication policy a reader without the editor role reads the feed as published: it ends the longest embargo and a day ago, each incident as the published view shows it now, and an incident not published left out (a page may then hold fewer changes than a next link suggests).",
		Params: []param{paramChangesSince, paramChangesOffset,
			{Name: "limit", In: "query", Description: "The most changes in the page.", Schema: map[string]any{"type": "integer", "minimum": 1, "maximum": maxChangesLimit, "default": defaultChangesLimit}}}}
	opChangesStream = operation{ID: "streamChanges", Summary: "The change feed as Server-Sent Events", MediaType: "text/event-stream",
		Description: "Each change of getChanges as an event change whose data is the change's JSON, from the position of Last-Event-ID, else since and offset, else now (new changes only). " +
			"The last change of each transaction has the transaction's dataset version as its event id, so reconnecting with Last-Event-ID resumes after the last transaction received whole (a transaction cut off comes again whole). " +
			"Under a publication policy, a reader without the editor role gets the feed as published (see getChanges); a transaction whose last change is not published ends with an event position carrying its id and {} as data. " +
			"An idle stream writes a comment every 15 s; a stream lasts at most an hour, and the server ends streams when it shuts down: EventSource reconnects. Beyond the server's limit of open streams, a 503.",
		Params: []param{paramChangesSince, paramChangesOffset}}
)

var opLive = operation{ID: "streamLive", Summary: "Server-Sent Events each time the dataset changes, for a map to refetch what it shows", MediaType: "text/event-stream",
	Description: "An event dataset whenever this instance takes new changes (a burst makes one event): data {dataset_version, version, collections, kinds}, the new version and the kinds of record changed, nothing more (the change feed says what changed, to viewers); id is the version, so Last-Event-ID announces at once what changed since. " +
		"A read like any other. Heartbeats every 15 s, at most an hour a stream, ended at shutdown; EventSource reconnects."}
