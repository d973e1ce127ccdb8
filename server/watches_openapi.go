package server

import (
	"net/http"

	"github.com/frontline-maps/frontline/catalog"
)

// The watch routes' operations, for the route table (routes.go). Every
// one needs an editor token; a watch is its creator's (an admin sees and
// deletes everyone's).

var (
	paramWatchID = param{Name: "watchId", In: "path", Required: true, Description: "The watch's ID.", Schema: map[string]any{"type": "string"}}
	paramAfter   = param{Name: "after", In: "query", Description: "Events after this event id (default 0: from the first).",
		Schema: map[string]any{"type": "integer", "minimum": 0, "default": 0}}
	paramEventsLimit = param{Name: "limit", In: "query", Description: "The most events in the page.",
		Schema: map[string]any{"type": "integer", "minimum": 1, "maximum": maxEventsLimit, "default": defaultEventsLimit}}

	watchBodySchema = map[string]any{"type": "object", "required": []string{"target"}, "additionalProperties": false,
		"properties": map[string]any{
			"target": map[string]any{"type": "object", "description": "Exactly one of zone (an ID), geometry (a GeoJSON Polygon or MultiPolygon), circle ({center: [lon, lat], radius_m}) or point ([lon, lat]).",
				"properties": map[string]any{"zone": map[string]any{"type": "string"}, "geometry": map[string]any{"type": "object"},
					"circle": map[string]any{"type": "object", "properties": map[string]any{"center": map[string]any{"type": "array", "items": map[string]any{"type": "number"}}, "radius_m": map[string]any{"type": "number"}}},
					"point":  map[string]any{"type": "array", "items": map[string]any{"type": "number"}}}},
			"filter": map[string]any{"type": "object", "description": "The incidents of incident.entered, as the items' parameters: type, sub_type, actor, status (lists: any of) and min_fatalities.",
				"properties": map[string]any{"type": map[string]any{"type": "array"}, "sub_type": map[string]any{"type": "array"}, "actor": map[string]any{"type": "array"},
					"status": map[string]any{"type": "array"}, "min_fatalities": map[string]any{"type": "integer", "minimum": 0}}},
			"events":  map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": []string{"incident.entered", "control.changed"}}},
			"webhook": map[string]any{"type": "object", "properties": map[string]any{"url": map[string]any{"type": "string", "format": "uri"}}},
		}}

	opCreateWatch = operation{ID: "createWatch", Summary: "Watch a zone, an area, a circle or a point", Status: http.StatusCreated, Auth: catalog.RoleEditor,
		Body: watchBodySchema,
		Description: "Stores a watch owned by the token's name: 201 with Location and the watch; with a webhook, its secret, shown this once (the key of the X-Frontline-Signature HMAC-SHA256). " +
			"Events: incident.entered when an incident created, moved, re-dated or imported now lies in the target and passes the filter (for a zone: in its shape, the zone valid on the incident's dates; a backdated one says so), " +
			"control.changed when the zones of status control valid on the day that contain a point (or share ground with an area) change. Changes committed after the watch was created are matched. " +
			"A webhook's address must be public unless the server's --webhook-allow lists it. Invalid: 400 naming the field."}
	opWatches = operation{ID: "getWatches", Summary: "The token's watches (an admin's: everyone's)", Auth: catalog.RoleEditor}
	opWatch   = operation{ID: "getWatch", Summary: "A watch", Auth: catalog.RoleEditor, Params: []param{paramWatchID},
		Description: "The watch, without its secret; another token's watch is a 404 unless the token is an admin's."}
	opDeleteWatch = operation{ID: "deleteWatch", Summary: "Delete a watch: no more events; its pending deliveries are cancelled", Status: http.StatusNoContent,
		Auth: catalog.RoleEditor, Params: []param{paramWatchID}}
	opWatchEvents = operation{ID: "getWatchEvents", Summary: "A watch's events, oldest first, paged", Auth: catalog.RoleEditor,
		Params:      []param{paramWatchID, paramAfter, paramEventsLimit},
		Description: "Each event with its event_id (the stream's id) and, for a webhook, its delivery. An event's id is its idempotency key: the same change never makes two events for one watch."}
	opWatchDeliveries = operation{ID: "getWatchDeliveries", Summary: "A watch's webhook deliveries: state, attempts, last answer", Auth: catalog.RoleEditor,
		Params:      []param{paramWatchID, paramAfter, paramEventsLimit},
		Description: "Each event's delivery: state pending (with next_attempt), delivered, failed (every attempt spent, never retried) or cancelled (the watch was deleted), none without a webhook; attempts, last_status, last_error."}
	opWatchStream = operation{ID: "streamWatch", Summary: "A watch's events as Server-Sent Events", MediaType: "text/event-stream", Auth: catalog.RoleEditor,
		Params: []param{paramWatchID, {Name: "after", In: "query", Description: "Events after this event id; without it (and without Last-Event-ID), new events only.",
			Schema: map[string]any{"type": "integer", "minimum": 0}}},
		Description: "Each event as an SSE event of its type (incident.entered, control.changed) whose id is its event id and data its document; Last-Event-ID resumes with no gap. Heartbeats every 15 s, at most an hour a stream, ended at shutdown; EventSource reconnects."}
)
