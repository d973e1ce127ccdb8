package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/frontline-maps/frontline/geo"
)

var opNearest = operation{ID: "getNearest", Summary: "The k incidents or sites nearest to a point", MediaType: contentTypeGeoJSON,
	Description: "A GeoJSON FeatureCollection of the k features of collection nearest to point by haversine (great-circle) distance, nearest first, ties broken by ID. " +
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
// (or sites) nearest to the point.
func (s *Server) handleNearest(w http.ResponseWriter, r *http.Request) error {
	nq, err := parseNearest(r.URL.Query(), s.actorIDs())
	if err != nil {
		return err
	}
	snap := s.snapshot(r)
	features, err := nearest(snap, nq)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", contentTypeGeoJSON)
	_, err = w.Write(appendNearest(nil, s.datasetVersion(snap), features))
	return err
}

// nearest runs the query of nq and encodes its answer.
func nearest(snap *geo.Snapshot, nq nearestQuery) ([][]byte, error) {
	if nq.collection == collectionSites {
		ns, err := snap.NearestSites(nq.point, nq.sites)
		if err != nil {
			return nil, err
		}
		return withDistances(ns)
	}
	ns, err := snap.NearestIncidents(nq.point, nq.incidents)
	if err != nil {
		return nil, err
	}
	return withDistances(ns)
}

// appendNearest appends the FeatureCollection of GET /api/nearest to b.
// The features are geo's own encoding, so they are joined as they are
// rather than parsed again by json.Marshal.
func appendNearest(b []byte, datasetVersion string, features [][]byte) []byte {
	b = append(b, `{"type":"FeatureCollection","numberReturned":`...)
	b = strconv.AppendInt(b, int64(len(features)), 10)
	b = append(b, `,"datasetVersion":`...)
	b = strconv.AppendQuote(b, datasetVersion)
	b = append(b, `,"features":[`...)
	for i, f := range features {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, f...)
	}
	return append(b, "]}\n"...)
}

// withDistances encodes each neighbour as its record's GeoJSON Feature (an
// object, as geo's MarshalJSON writes it) with the foreign member
// "distance_m" (metres, to the centimetre) first.
func withDistances[T json.Marshaler](ns []geo.Neighbor[T]) ([][]byte, error) {
	out := make([][]byte, len(ns))
	for i, n := range ns {
		b, err := (*n.Record).MarshalJSON()
		if err != nil {
			return nil, err
		}
		f := make([]byte, 0, len(b)+32)
		f = append(f, `{"distance_m":`...)
		f = strconv.AppendFloat(f, float64(int64(n.DistanceMeters*100+0.5))/100, 'f', -1, 64)
		f = append(f, ',')
		f = append(f, bytes.TrimPrefix(b, []byte("{"))...)
		out[i] = f
	}
	return out, nil
}
