package server

import (
	"net/http"
	"slices"
	"time"

	"github.com/frontline-maps/frontline/geo"
)

// The conformance classes of OGC API – Features – Part 1 (OGC 17-069r4),
// of OGC API – Tiles (tiles.go) and of filtering with CQL2 (filter.go)
// that the API implements.
var conformsTo = slices.Concat([]string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
}, tilesConformance, filterConformance)

// noExplode is the OpenAPI "explode: false" of comma-separated lists.
var noExplode = new(false)

// Parameters of the OGC API routes, as the OpenAPI document describes
// them.
var (
	paramF = param{Name: "f", In: "query", Description: "Output format; only json (GeoJSON for features) is served.",
		Schema: map[string]any{"type": "string", "enum": []string{"json"}}}
	paramCollectionID = param{Name: "collectionId", In: "path", Required: true, Description: "The collection: zones, incidents, sites or governorates.",
		Schema: map[string]any{"type": "string", "enum": []string{collectionZones, collectionIncidents, collectionSites, collectionGovernorates}}}
	paramFeatureID = param{Name: "featureId", In: "path", Required: true, Description: "The feature's ID.",
		Schema: map[string]any{"type": "string"}}
	// paramAsOf is "as_of" of items and single features.
	paramAsOf = param{Name: "as_of", In: "query", Description: "Two meanings, told apart by form. A date YYYY-MM-DD (zones items only): the map as of that day, the zones valid on it; not with datetime. " +
		"An RFC 3339 date-time such as 2026-01-20T09:00:00Z (zones, incidents, sites; needs a server with a store): the edit history's state at that instant, deletions undone and later edits not yet made; the other parameters then filter that state. A date-time reads the edit history, which needs a viewer token unless the server runs with --public-history; 503 with Retry-After while the server builds as many past states as it may at once.",
		Schema: map[string]any{"type": "string"}}
	// itemsParams is the union of every collection's items parameters;
	// each names the collections that accept it, and the others answer 400.
	itemsParams = []param{
		paramCollectionID,
		{Name: "bbox", In: "query", Explode: noExplode, Description: "minLon,minLat,maxLon,maxLat in WGS84 degrees (or the 6-number form with heights, which are ignored); edges included. Not across the antimeridian. Not with zone or point.",
			Schema: map[string]any{"type": "array", "minItems": 4, "maxItems": 6, "items": map[string]any{"type": "number"}}},
		{Name: "datetime", In: "query", Description: "incidents, zones: an instant (YYYY-MM-DD or RFC 3339) or an interval start/end with .. or empty for an open end. Incidents whose days overlap it; zones whose validity overlaps it.",
			Schema: map[string]any{"type": "string"}},
		{Name: "limit", In: "query", Description: "The most features in the response.",
			Schema: map[string]any{"type": "integer", "minimum": 1, "maximum": maxLimit, "default": defaultLimit}},
		{Name: "offset", In: "query", Description: "How many matching features to skip; next and prev links set it.",
			Schema: map[string]any{"type": "integer", "minimum": 0, "maximum": maxOffset, "default": 0}},
		{Name: "resultType", In: "query", Description: "hits answers numberMatched and no features.",
			Schema: map[string]any{"type": "string", "enum": []string{"results", "hits"}, "default": "results"}},
		paramF,
		paramAsOf,
		{Name: "zone", In: "query", Description: "incidents, sites: inside the stored zone with this ID, whatever its validity (a circle zone by geodesic distance). Not with bbox or point.",
			Schema: map[string]any{"type": "string"}},
		{Name: "point", In: "query", Explode: noExplode, Description: "incidents, sites: lon,lat of a circle's centre; needs radius. Not with bbox or zone.",
			Schema: map[string]any{"type": "array", "minItems": 2, "maxItems": 2, "items": map[string]any{"type": "number"}}},
		{Name: "radius", In: "query", Description: "incidents, sites: the circle's radius in metres (WGS84 ellipsoid distance, as PostGIS geography); needs point.",
			Schema: map[string]any{"type": "number", "exclusiveMinimum": true, "minimum": 0, "maximum": geo.MaxRadiusMeters}},
		{Name: "type", In: "query", Description: "incidents: the event type.", Schema: map[string]any{"type": "string", "enum": geo.EventTypes}},
		{Name: "sub_type", In: "query", Description: "incidents: the sub-type, which must belong to type when both are given.", Schema: map[string]any{"type": "string"}},
		{Name: "actor", In: "query", Description: "incidents: an actor involved in any role; zones: the actor holding the zone. An actor ID (see /api/actors).", Schema: map[string]any{"type": "string"}},
		{Name: "status", In: "query", Description: "incidents: reported, confirmed or disputed; zones: control, contested, joint, presence, deconfliction or buffer.",
			Schema: map[string]any{"type": "string", "enum": append(stringsOf(geo.IncidentStatuses), stringsOf(geo.ZoneStatuses)...)}},
		{Name: "governorate", In: "query", Description: "incidents, sites: the governorate's OCHA English name, without regard to case.", Schema: map[string]any{"type": "string"}},
		{Name: "min_fatalities", In: "query", Description: "incidents: the smallest best estimate of deaths.",
			Schema: map[string]any{"type": "integer", "minimum": 0, "maximum": maxFatalities}},
		{Name: "kind", In: "query", Description: "sites: the kind of site.", Schema: map[string]any{"type": "string", "enum": geo.SiteKinds}},
		filterParamDocs[0], filterParamDocs[1], filterParamDocs[2],
		{Name: "sortby", In: "query", Explode: noExplode, Description: "zones, incidents, sites: the order, comma-separated fields each with - for descending (+ or nothing: ascending); ties by ID. " +
			"Incidents: date, date_end, fatalities_low, fatalities_best, fatalities_high, fatalities_civilians, precision_m, type, status, place, id (default: date then id). Zones: id, name, actor, status, valid_from, valid_to. Sites: id, name, kind, governorate (default: id).",
			Schema: map[string]any{"type": "array", "items": map[string]any{"type": "string", "pattern": `^[+-]?[a-z_]+$`}}},
		{Name: "properties", In: "query", Explode: noExplode, Description: "zones, incidents, sites: the properties each feature keeps, comma-separated (the others are left out; id, geometry and links stay).",
			Schema: map[string]any{"type": "array", "items": map[string]any{"type": "string"}}},
		{Name: "fatalities_low", In: "query", Description: "incidents: the low estimate of deaths equals this (a queryable as a parameter).", Schema: map[string]any{"type": "integer", "minimum": 0}},
		{Name: "fatalities_best", In: "query", Description: "incidents: the best estimate of deaths equals this (min_fatalities is at least).", Schema: map[string]any{"type": "integer", "minimum": 0}},
		{Name: "fatalities_high", In: "query", Description: "incidents: the high estimate of deaths equals this.", Schema: map[string]any{"type": "integer", "minimum": 0}},
		{Name: "fatalities_civilians", In: "query", Description: "incidents: the civilians killed equal this.", Schema: map[string]any{"type": "integer", "minimum": 0}},
		{Name: "precision_m", In: "query", Description: "incidents: the location precision in metres equals this.", Schema: map[string]any{"type": "number", "minimum": 0}},
		{Name: "place", In: "query", Description: "incidents: the place is this, exactly.", Schema: map[string]any{"type": "string"}},
		{Name: "origin", In: "query", Description: "incidents: the dataset an incident was imported from (ucdp, acled).", Schema: map[string]any{"type": "string"}},
		{Name: "origin_id", In: "query", Description: "incidents: the incident's ID in that dataset.", Schema: map[string]any{"type": "string"}},
	}
)

// The OpenAPI operations of the OGC API routes.
var (
	opLanding     = operation{ID: "getLandingPage", Summary: "Landing page", Params: []param{paramF}}
	opConformance = operation{ID: "getConformance", Summary: "Conformance classes", Params: []param{paramF}}
	opOpenAPI     = operation{ID: "getOpenAPI", Summary: "This OpenAPI document", Params: []param{paramF}, MediaType: contentTypeOpenAPI}
	opCollections = operation{ID: "getCollections", Summary: "Feature collections", Params: []param{paramF}}
	opCollection  = operation{ID: "getCollection", Summary: "One feature collection, with its spatial and temporal extent",
		Params: []param{paramCollectionID, paramF}}
	opItems = operation{ID: "getItems", Summary: "Features of a collection", MediaType: contentTypeGeoJSON, Params: itemsParams,
		Description: "A GeoJSON FeatureCollection with numberMatched, numberReturned, timeStamp (the latest day in the dataset), datasetVersion and links (self, collection, next, prev). Unknown parameters, and parameters the collection does not accept, are a 400 naming them."}
	opItem = operation{ID: "getItem", Summary: "One feature", MediaType: contentTypeGeoJSON,
		Params:      []param{paramCollectionID, paramFeatureID, paramF, paramAsOf},
		Description: `On a server with a store, the ETag of a current zone, incident or site is its version number in quotes, such as "3": the If-Match that PUT, PATCH and DELETE expect.`}
	opQueryables = operation{ID: "getQueryables", Summary: "Queryable properties (JSON Schema)",
		Params: []param{paramCollectionID, paramF}}
)

// stringsOf converts a list of string-like values to []string.
func stringsOf[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// handleLanding answers the landing page (/req/core/root-success).
func (s *Server) handleLanding(w http.ResponseWriter, r *http.Request) error {
	if err := parseDocument(r.URL.Query()); err != nil {
		return err
	}
	return writeJSON(w, contentTypeJSON, map[string]any{
		"title":          "Frontline",
		"description":    "Areas of control and incidents in Syria, over OGC API – Features.",
		"datasetVersion": s.datasetVersion(s.snapshot(r)),
		"links": []link{
			{Href: s.apiURL(r, ""), Rel: relSelf, Type: contentTypeJSON, Title: "this document"},
			{Href: s.apiURL(r, "/openapi.json"), Rel: relServiceDesc, Type: contentTypeOpenAPI, Title: "the API definition"},
			{Href: s.apiURL(r, "/conformance"), Rel: relConformance, Type: contentTypeJSON, Title: "conformance classes"},
			{Href: s.apiURL(r, "/collections"), Rel: relData, Type: contentTypeJSON, Title: "the feature collections"},
			{Href: s.apiURL(r, "/tileMatrixSets"), Rel: relTilingSchemes, Type: contentTypeJSON, Title: "the tile matrix sets"},
		},
	})
}

// handleConformance lists the conformance classes (/req/core/conformance-success).
func (s *Server) handleConformance(w http.ResponseWriter, r *http.Request) error {
	if err := parseDocument(r.URL.Query()); err != nil {
		return err
	}
	return writeJSON(w, contentTypeJSON, map[string]any{"conformsTo": conformsTo})
}

// handleOpenAPI serves the OpenAPI 3.0 document generated from the route
// table (/req/oas30/oas-impl).
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) error {
	if err := parseDocument(r.URL.Query()); err != nil {
		return err
	}
	return writeJSON(w, contentTypeOpenAPI, openAPIDocument(s.apiRoutes(), s.apiURL(r, ""), s.cfg.Version))
}

// handleCollections lists every collection with its extent
// (/req/core/fc-md-success).
func (s *Server) handleCollections(w http.ResponseWriter, r *http.Request) error {
	if err := parseDocument(r.URL.Query()); err != nil {
		return err
	}
	snap := s.snapshot(r)
	ext, err := s.extentsOf(r, snap)
	if err != nil {
		return err
	}
	var docs []collectionDoc
	for _, c := range s.collections {
		docs = append(docs, s.collectionDocument(r, c, ext, snap))
	}
	return writeJSON(w, contentTypeJSON, map[string]any{
		"collections": docs,
		"links":       []link{{Href: s.apiURL(r, "/collections"), Rel: relSelf, Type: contentTypeJSON, Title: "this document"}},
	})
}

// handleCollection describes one collection (/req/core/sfc-md-success).
func (s *Server) handleCollection(w http.ResponseWriter, r *http.Request) error {
	c, err := s.collection(r)
	if err != nil {
		return err
	}
	if err := parseDocument(r.URL.Query()); err != nil {
		return err
	}
	snap := s.snapshot(r)
	ext, err := s.extentsOf(r, snap)
	if err != nil {
		return err
	}
	return writeJSON(w, contentTypeJSON, s.collectionDocument(r, c, ext, snap))
}

// handleQueryables answers the JSON Schema of the properties a collection's
// items filter by, in the style of OGC API – Features – Part 3.
func (s *Server) handleQueryables(w http.ResponseWriter, r *http.Request) error {
	c, err := s.collection(r)
	if err != nil {
		return err
	}
	if err := parseDocument(r.URL.Query()); err != nil {
		return err
	}
	return writeJSON(w, contentTypeJSON, map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"$id":                  s.apiURL(r, "/collections/"+c.id+"/queryables"),
		"type":                 "object",
		"title":                c.title,
		"properties":           c.queryables(),
		"additionalProperties": false,
	})
}

// collectionDoc is the description of one collection.
type collectionDoc struct {
	ID             string     `json:"id"`
	Title          string     `json:"title"`
	Description    string     `json:"description"`
	ItemType       string     `json:"itemType"`
	CRS            []string   `json:"crs"`
	Extent         *extentDoc `json:"extent,omitempty"`
	DatasetVersion string     `json:"datasetVersion"`
	Links          []link     `json:"links"`
}

// extentDoc is a collection's extent as OGC API – Features writes it.
type extentDoc struct {
	Spatial  spatialDoc   `json:"spatial"`
	Temporal *temporalDoc `json:"temporal,omitempty"`
}

// spatialDoc is a spatial extent: one [minLon, minLat, maxLon, maxLat] box.
type spatialDoc struct {
	BBox [][4]float64 `json:"bbox"`
	CRS  string       `json:"crs"`
}

// temporalDoc is a temporal extent: one interval of RFC 3339 instants,
// null for an open end.
type temporalDoc struct {
	Interval [][2]*string `json:"interval"`
	TRS      string       `json:"trs"`
}

// collectionDocument describes c with its extent from ext.
func (s *Server) collectionDocument(r *http.Request, c collection, ext *extents, snap *geo.Snapshot) collectionDoc {
	base := s.apiURL(r, "/collections/"+c.id)
	doc := collectionDoc{
		ID: c.id, Title: c.title, Description: c.description, ItemType: "feature",
		CRS: []string{crs84}, DatasetVersion: s.datasetVersion(snap),
		Links: []link{
			{Href: base, Rel: relSelf, Type: contentTypeJSON, Title: "this collection"},
			{Href: base + "/items", Rel: relItems, Type: contentTypeGeoJSON, Title: "the features"},
			{Href: base + "/queryables", Rel: relQueryables, Type: contentTypeJSON, Title: "the queryable properties"},
		},
	}
	if _, ok := tiledCollections[c.id]; ok {
		doc.Links = append(doc.Links, link{Href: base + "/tiles", Rel: relVectorTiles, Type: contentTypeJSON, Title: "the vector tilesets"})
	}
	e := ext.byCollection[c.id]
	if e.empty {
		return doc
	}
	b := e.bbox
	doc.Extent = &extentDoc{Spatial: spatialDoc{BBox: [][4]float64{{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}}, CRS: crs84}}
	if e.temporal {
		doc.Extent.Temporal = &temporalDoc{TRS: trs, Interval: [][2]*string{{
			instant(e.interval.From, 0),
			instant(e.interval.To, 24*time.Hour-time.Second),
		}}}
	}
	return doc
}

// instant writes day d plus offset as RFC 3339 UTC, or nil (JSON null, an
// open end) when d is open.
func instant(d geo.Day, offset time.Duration) *string {
	if d.IsOpen() {
		return nil
	}
	s := d.Time().Add(offset).UTC().Format(time.RFC3339)
	return &s
}
