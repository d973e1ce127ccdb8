package server

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/go-chi/chi/v5"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/geo/cql2"
)

// The IDs of the feature collections, as they appear in URLs.
const (
	collectionZones        = "zones"
	collectionIncidents    = "incidents"
	collectionSites        = "sites"
	collectionGovernorates = "governorates"
)

// OGC identifiers of the coordinate and temporal reference systems.
const (
	crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	trs   = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
)

// collection is one feature collection of the OGC API: its description, the
// properties its items filter by, and how to answer a page of items and a
// single feature.
type collection struct {
	id, title, description string
	// queryables returns the JSON Schema of each property items filter by,
	// by parameter name; enumerations come from the catalog.
	queryables func() map[string]any
	// items parses q and answers one page of items from snap.
	items func(snap *geo.Snapshot, q url.Values) (itemsPage, error)
	// item returns the GeoJSON Feature with ID id, or geo.ErrNotFound.
	item func(snap *geo.Snapshot, id string) ([]byte, error)
}

// itemsPage is one page of a collection's features, ready to stream.
type itemsPage struct {
	page page
	// matched is numberMatched: the features matching before paging.
	matched int
	// n is numberReturned, 0 for hits; write writes feature i < n.
	n     int
	write func(fw *featureWriter, i int) error
	// properties is what each feature keeps of its properties; nil: all.
	properties []string
}

// newCollections returns every collection, in the order /api/collections
// lists them. New builds them once, into Server.collections.
func (s *Server) newCollections() []collection {
	return []collection{
		{
			id: collectionZones, title: "Areas of control",
			description: "Zones held by an actor with a status (control, contested, joint, presence, deconfliction, buffer) over a validity interval. Zones overlap; as_of=DATE gives the map as of that date. Circle zones are drawn as 64-gon polygons and carry their centre and radius in the circle property.",
			queryables:  s.zoneQueryables, items: s.zoneItems, item: s.zoneItem,
		},
		{
			id: collectionIncidents, title: "Incidents",
			description: "Reported events with dates, type, actors, fatalities (low/best/high), location precision and sources. datetime selects incidents whose days overlap it.",
			queryables:  s.incidentQueryables, items: s.incidentItems, item: s.incidentItem,
		},
		{
			id: collectionSites, title: "Sites",
			description: "Named places: prisons, camps, bases, oil and gas fields, border crossings, towns.",
			queryables:  s.siteQueryables, items: s.siteItems, item: s.siteItem,
		},
		{
			id: collectionGovernorates, title: "Governorates",
			description: "Syria's governorate boundaries (OCHA). bbox selects governorates whose bounding box meets the box.",
			queryables:  func() map[string]any { return map[string]any{} }, items: s.governorateItems, item: s.governorateItem,
		},
	}
}

// collection returns the collection named by r's collectionId, or a 404
// naming it.
func (s *Server) collection(r *http.Request) (collection, error) {
	id := chi.URLParam(r, "collectionId")
	if i := slices.IndexFunc(s.collections, func(c collection) bool { return c.id == id }); i >= 0 {
		return s.collections[i], nil
	}
	return collection{}, &notFoundError{field: "collectionId", reason: quote(id) + " is not a collection; collections: zones, incidents, sites, governorates"}
}

// actorIDs returns the IDs of the catalog's actors, the values "actor"
// accepts.
func (s *Server) actorIDs() []geo.ActorID {
	actors := s.catalog.Actors()
	ids := make([]geo.ActorID, len(actors))
	for i, a := range actors {
		ids[i] = a.ID
	}
	return ids
}

// governorateNames returns the names of the catalog's governorates, the
// values "governorate" accepts.
func (s *Server) governorateNames() []string {
	govs := s.catalog.Governorates()
	names := make([]string, len(govs))
	for i, g := range govs {
		names[i] = g.Name
	}
	return names
}

// sortedSubTypes returns the keys of geo.SubTypes in order.
func sortedSubTypes() []geo.SubType {
	all := make([]geo.SubType, 0, len(geo.SubTypes))
	for st := range geo.SubTypes {
		all = append(all, st)
	}
	slices.Sort(all)
	return all
}

// incidentQueryables are the incidents' queryables (geo/cql2's), the
// values of those that take few: the properties a filter reads. The
// sub-type names each value's type in "x-type-of", so a form can offer
// the sub-types of the type chosen.
func (s *Server) incidentQueryables() map[string]any {
	qs := queryablesSchema(cql2.IncidentQueryables, map[string]any{
		"type": geo.EventTypes, "sub_type": sortedSubTypes(), "status": geo.IncidentStatuses,
		"actor": s.actorIDs(), "governorate": s.governorateNames(),
	}, "point")
	qs["sub_type"].(map[string]any)["x-type-of"] = geo.SubTypes
	return qs
}

// zoneQueryables are the zones' queryables.
func (s *Server) zoneQueryables() map[string]any {
	return queryablesSchema(cql2.ZoneQueryables, map[string]any{"actor": s.actorIDs(), "status": geo.ZoneStatuses}, "multipolygon")
}

// siteQueryables are the sites' queryables.
func (s *Server) siteQueryables() map[string]any {
	return queryablesSchema(cql2.SiteQueryables, map[string]any{"kind": geo.SiteKinds, "governorate": s.governorateNames()}, "point")
}

// zoneExists reports whether snap has a zone with ID id, for "zone".
func zoneExists(snap *geo.Snapshot) func(geo.ZoneID) bool {
	return func(id geo.ZoneID) bool {
		_, err := snap.Zone(id)
		return err == nil
	}
}
