package server

import "github.com/frontline-maps/frontline/geo"

// Parameters of the query routes (query.go), as the OpenAPI document
// describes them. Each lists its unit, [lon, lat] order and limits.
var (
	qParamPoint = param{Name: "point", In: "query", Required: true, Explode: noExplode,
		Description: "lon,lat in WGS84 degrees (longitude first). A point on a zone's edge is inside it.",
		Schema:      map[string]any{"type": "array", "minItems": 2, "maxItems": 2, "items": map[string]any{"type": "number"}}}
	qParamDate = param{Name: "date", In: "query", Required: true,
		Description: "The day asked about, YYYY-MM-DD (UTC). Required: there is no default, so an answer never depends on the server's clock.",
		Schema:      map[string]any{"type": "string", "format": "date"}}
	qParamBBox = param{Name: "bbox", In: "query", Explode: noExplode,
		Description: "minLon,minLat,maxLon,maxLat in WGS84 degrees; edges included. Not across the antimeridian.",
		Schema:      map[string]any{"type": "array", "minItems": 4, "maxItems": 6, "items": map[string]any{"type": "number"}}}
	// qParamsAttributes are the incident filters other than the place.
	qParamsAttributes = []param{
		{Name: "datetime", In: "query", Description: "Incidents whose days overlap this instant (YYYY-MM-DD or RFC 3339) or interval start/end (.. or empty for an open end).",
			Schema: map[string]any{"type": "string"}},
		{Name: "type", In: "query", Description: "The event type.", Schema: map[string]any{"type": "string", "enum": geo.EventTypes}},
		{Name: "sub_type", In: "query", Description: "The sub-type, which must belong to type when both are given.", Schema: map[string]any{"type": "string"}},
		{Name: "actor", In: "query", Description: "An actor involved in any role: an actor ID (see /api/actors).", Schema: map[string]any{"type": "string"}},
		{Name: "status", In: "query", Description: "The incident's status.", Schema: map[string]any{"type": "string", "enum": geo.IncidentStatuses}},
		{Name: "min_fatalities", In: "query", Description: "The smallest best estimate of deaths.",
			Schema: map[string]any{"type": "integer", "minimum": 0, "maximum": maxFatalities}},
	}
	// qParamsPlace are the alternative places of /api/stats.
	qParamsPlace = []param{
		{Name: "bbox", In: "query", Explode: noExplode, Description: qParamBBox.Description + " Not with zone or point.", Schema: qParamBBox.Schema},
		{Name: "zone", In: "query", Description: "Inside the stored zone with this ID, whatever its validity (a circle zone by geodesic distance). Not with bbox or point.",
			Schema: map[string]any{"type": "string"}},
		{Name: "point", In: "query", Explode: noExplode, Description: "lon,lat of a circle's centre; needs radius. Not with bbox or zone.", Schema: qParamPoint.Schema},
		{Name: "radius", In: "query", Description: "The circle's radius in metres (WGS84 ellipsoid distance, as PostGIS geography); needs point.",
			Schema: map[string]any{"type": "number", "exclusiveMinimum": true, "minimum": 0, "maximum": geo.MaxRadiusMeters}},
	}
)

// searchBodySchema is the JSON Schema of the POST /api/search body.
var searchBodySchema = map[string]any{
	"type":                 "object",
	"additionalProperties": false,
	"properties": map[string]any{
		"geometry":       map[string]any{"type": "object", "description": "A GeoJSON Polygon or MultiPolygon ([lon, lat]; holes excluded, edges included), or a Point with radius. Exactly one of geometry and zone."},
		"radius":         map[string]any{"type": "number", "exclusiveMinimum": true, "minimum": 0, "maximum": geo.MaxRadiusMeters, "description": "Metres around a Point geometry (WGS84 ellipsoid distance)."},
		"zone":           map[string]any{"type": "string", "description": "Inside the stored zone with this ID, whatever its validity. Exactly one of geometry and zone."},
		"datetime":       map[string]any{"type": "string", "description": "As the datetime query parameter: an instant or an interval with .. for open ends."},
		"type":           map[string]any{"type": "string", "enum": geo.EventTypes},
		"sub_type":       map[string]any{"type": "string"},
		"actor":          map[string]any{"type": "string", "description": "An actor ID (see /api/actors) involved in any role."},
		"status":         map[string]any{"type": "string", "enum": geo.IncidentStatuses},
		"min_fatalities": map[string]any{"type": "integer", "minimum": 0, "maximum": maxFatalities},
		"filter": map[string]any{"description": "A CQL2 filter over the incidents' queryables: a CQL2 JSON object, or a string of CQL2 text (or of the encoding filter-lang names), combined with the other members by AND.",
			"oneOf": []any{map[string]any{"type": "object"}, map[string]any{"type": "string"}}},
		"filter-lang": map[string]any{"type": "string", "enum": []string{"cql2-text", "cql2-json", "cql-text"}, "description": "The encoding of a string filter; cql2-text by default."},
		"sortby":      map[string]any{"type": "string", "description": "The order, as the incidents items' sortby: fields with - for descending, such as \"-fatalities_best,date\"; ties by ID."},
		"properties":  map[string]any{"type": "string", "description": "The properties each feature keeps, comma-separated, as the items' properties."},
		"limit":       map[string]any{"type": "integer", "minimum": 1, "maximum": maxLimit, "default": defaultLimit},
		"offset":      map[string]any{"type": "integer", "minimum": 0, "maximum": maxOffset, "default": 0},
		"resultType":  map[string]any{"type": "string", "enum": []string{"results", "hits"}, "default": "results"},
	},
}

// statsBodySchema is the JSON Schema of the POST /api/stats body: the
// search body's place and filters, and group.
var statsBodySchema = func() map[string]any {
	props := map[string]any{"group": map[string]any{"type": "string", "enum": statsGroups, "description": "What to group by, as getStats's group."}}
	for k, v := range searchBodySchema["properties"].(map[string]any) {
		if k != "limit" && k != "offset" && k != "resultType" {
			props[k] = v
		}
	}
	return map[string]any{"type": "object", "additionalProperties": false, "required": []string{"group"}, "properties": props}
}()

// The OpenAPI operations of the query routes.
var (
	opControl = operation{ID: "getControl", Summary: "Who controls a point on a date",
		Description: "Every zone valid on date whose shape contains point, ordered by status then ID, each with its actor (id, name, short name, colour), status, validity, approximate/uncertainty_m, sources and href (its GeoJSON feature). " +
			"overlap is true when several zones hold the point (joint control, presence inside another actor's territory): all are listed, none is chosen. No zone gives an empty list, not a 404.",
		Params: []param{qParamPoint, qParamDate}}
	opControlHistory = operation{ID: "getControlHistory", Summary: "Control history at a point",
		Description: "The periods, in order and covering all time, over which the same zones held point: from and to (null for an open end), gap (no zone), overlap (several zones) and the zones as in getControl.",
		Params:      []param{qParamPoint}}
	opControlDiff = operation{ID: "getControlDiff", Summary: "Change of control between two dates",
		Description: "Per actor, the area held with status control on from and on to in km², the change, and the ground gained and lost, also as a GeoJSON FeatureCollection (changes) of MultiPolygons. method states how areas are computed: " + diffMethod,
		Params: []param{
			{Name: "from", In: "query", Required: true, Description: "The earlier date, YYYY-MM-DD.", Schema: map[string]any{"type": "string", "format": "date"}},
			{Name: "to", In: "query", Required: true, Description: "The later date, YYYY-MM-DD; not before from.", Schema: map[string]any{"type": "string", "format": "date"}},
			{Name: "bbox", In: "query", Explode: noExplode, Description: qParamBBox.Description + " Clips the areas to the box.", Schema: qParamBBox.Schema},
		}}
	opSearch = operation{ID: "search", Summary: "Incidents in a geometry, zone or radius", MediaType: contentTypeGeoJSON, Body: searchBodySchema,
		Description: "The body (application/json, at most 1 MiB) gives the place, a GeoJSON geometry or a zone, and the filters of the incidents collection. " +
			"The answer is a GeoJSON FeatureCollection of incidents ordered by date then ID, with numberMatched and numberReturned; resultType hits gives the count only. " +
			"Unknown members are a 400 naming them; a Content-Type other than application/json is a 415, a larger body a 413."}
	opStats = operation{ID: "getStats", Summary: "Incident counts and fatalities by group",
		Description: "Counts and fatality sums (low, best, high, civilians) of the incidents matching the filters, per group, with numberMatched (each incident once) and ungrouped (no key). " +
			"group=zone is the time-aware join: each incident counts in every zone that held its location on its first day, so where zones overlap it counts in each; ungrouped counts incidents in no zone.",
		Params: append(append([]param{{Name: "group", In: "query", Required: true, Description: "What to group by.",
			Schema: map[string]any{"type": "string", "enum": statsGroups}}}, qParamsPlace...), append(qParamsAttributes, filterParamDocs...)...)}
	opAreaStats = operation{ID: "postStats", Summary: "Incident counts and fatalities by group in a geometry or zone", Body: statsBodySchema,
		Description: "getStats for the place of a search body: a GeoJSON Polygon or MultiPolygon, a Point with radius, or a zone, with the same filters, and group. " +
			"Every match counts, whatever their number (no paging): the answer is getStats's, with numberMatched. A body with limit, offset or resultType is a 400 naming them."}
	opGrid = operation{ID: "getGrid", Summary: "Incident density on a square grid", MediaType: contentTypeGeoJSON,
		Description: "A GeoJSON FeatureCollection of the non-empty cells of a grid of square cells (in degrees, anchored at -180,-90) that meet bbox, each a Polygon with column, row, count and fatalities_low/_best/_high/_civilians of the incidents in bbox matching the filters. " +
			"A point on a cell's west or south edge is in that cell. The grid may span at most 1,000,000 cells.",
		Params: append([]param{
			{Name: "bbox", In: "query", Required: true, Explode: noExplode, Description: qParamBBox.Description + " The grid covers it and only incidents in it count.", Schema: qParamBBox.Schema},
			{Name: "cell", In: "query", Description: "The side of a cell in degrees of lon and lat.",
				Schema: map[string]any{"type": "number", "minimum": minCellDegrees, "maximum": maxCellDegrees, "default": defaultCellDegrees}},
		}, qParamsAttributes...)}
	opActors = operation{ID: "getActors", Summary: "Actors with names and colours",
		Description: "Every actor, ordered by ID: id, name, name_ar, short_name, aliases, colour (#rrggbb, the map's), kind, affiliation, sources, notes."}
	opStatistics = operation{ID: "getStatistics", Summary: "Cited aggregate statistics",
		Description: "Aggregate figures as sources quote them (subject, value, unit, period_from, period_to, area, sources, notes), ordered by ID; not derived from the incidents."}
)
