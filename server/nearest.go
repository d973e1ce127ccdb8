package server

import (
	"net/http"

	"github.com/frontline-maps/frontline/geo"
)

var opNearest = operation{ID: "getNearest", Summary: "The k incidents or sites nearest to a point", MediaType: contentTypeGeoJSON,
	Description: "A GeoJSON FeatureCollection of the k features of collection nearest to point by distance on the WGS84 ellipsoid (as PostGIS geography measures it), nearest first, ties broken by ID. " +
		"Each feature is as in the collection's items, with a foreign member distance_m: its distance from point in metres. " +
		"For incidents the attribute filters of the incidents collection apply; for sites, kind.",
	Params: append([]param{
		{Name: "point", In: "query", Required: true, Explode: noExplode, Description: "lon,lat in WGS84 degrees (longitude first): where distances are measured from.", Schema: qParamPoint.Schema},
		{Name: "k", In: "query", Description: "How many features, nearest first.",
			Schema: map[string]any{"type": "integer", "minimum": 1, "maximum": maxNearest, "default": defaultNearest}},
		{Name: "collection", In: "query", Description: "What to search.",
			Schema: map[string]any{"type": "string", "enum": nearestCollections, "default": collectionIncidents}},
		{Name: "kind", In: "query", Description: "sites: the kind of site.", Schema: map[string]any{"type": "string", "enum": geo.SiteKinds}},
	}, qParamsAttributes...)}

// handleNearest answers GET /api/nearest?point=lon,lat&k=K: the k incidents
// (or sites) nearest to the point, streamed as the items of their
// collection are, each with its distance.
func (s *Server) handleNearest(w http.ResponseWriter, r *http.Request) error {
	nq, err := parseNearest(r.URL.Query(), s.actorIDs())
	if err != nil {
		return err
	}
	snap := s.snapshot(r)
	if nq.collection == collectionSites {
		ns, err := snap.NearestSites(nq.point, nq.sites)
		if err != nil {
			return err
		}
		return writeNearest(w, s.datasetVersion(snap), ns)
	}
	ns, err := snap.NearestIncidents(nq.point, nq.incidents)
	if err != nil {
		return err
	}
	return writeNearest(w, s.datasetVersion(snap), ns)
}

// writeNearest writes the neighbours ns as a FeatureCollection of the
// dataset version, each feature starting with the foreign member
// "distance_m" (metres, to the centimetre).
func writeNearest[T any, P interface {
	*T
	feature
}](w http.ResponseWriter, version string, ns []geo.Neighbor[T]) error {
	w.Header().Set("Content-Type", contentTypeGeoJSON)
	fw := newFeatureWriter(w)
	defer fw.release()
	if err := fw.Begin(collectionHeader{NumberMatched: -1, NumberReturned: len(ns), DatasetVersion: version}); err != nil {
		return err
	}
	for _, n := range ns {
		fw.leadDistance(n.DistanceMeters)
		if err := fw.Write(P(n.Record)); err != nil {
			return err
		}
	}
	return fw.Close()
}
