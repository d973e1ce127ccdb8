package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/frontline-maps/frontline/geo"
)

// Limits of GET /api/nearest.
const (
	// defaultNearest and maxNearest bound "k", the number of features
	// asked for.
	defaultNearest = 10
	maxNearest     = 1_000
)

// nearestCollections are the collections GET /api/nearest searches.
var nearestCollections = []string{collectionIncidents, collectionSites}

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
	q := r.URL.Query()
	var errs paramErrors
	collection, err := parseEnum(q, "collection", nearestCollections)
	errs.add(err)
	if collection == "" {
		collection = collectionIncidents
	}
	errs.add(rejectUnknown(q, slices.Concat([]string{"point", "k", "collection", "kind"}, incidentAttributeParams)...))
	errs.add(onlyFor(q, collection, collectionSites, "kind"))
	errs.add(onlyFor(q, collection, collectionIncidents, incidentAttributeParams...))
	p, err := requirePoint(q, "point")
	errs.add(err)
	k, err := parseInt(q, "k", defaultNearest, 1, maxNearest, "features")
	errs.add(err)
	var iq geo.IncidentQuery
	var sq geo.SiteQuery
	if collection == collectionIncidents {
		errs.add(parseAttributeFilters(q, s.actorIDs(), &iq))
	} else {
		kind, err := parseEnum(q, "kind", geo.SiteKinds)
		errs.add(err)
		sq.Kinds = optional(kind)
	}
	if err := errs.err(); err != nil {
		return err
	}
	iq.Limit, sq.Limit = k, k
	snap := s.snapshot(r)
	var features []json.RawMessage
	if collection == collectionIncidents {
		ns, err := snap.NearestIncidents(p, iq)
		if err != nil {
			return err
		}
		if features, err = withDistances(ns); err != nil {
			return err
		}
	} else {
		ns, err := snap.NearestSites(p, sq)
		if err != nil {
			return err
		}
		if features, err = withDistances(ns); err != nil {
			return err
		}
	}
	return writeJSON(w, contentTypeGeoJSON, nearestAnswer{
		Type: "FeatureCollection", NumberReturned: len(features), DatasetVersion: s.datasetVersion(snap),
		Features: features,
	})
}

// incidentAttributeParams are the attribute filters of incidents, which
// parseAttributeFilters reads.
var incidentAttributeParams = []string{"datetime", "type", "sub_type", "actor", "status", "min_fatalities"}

// onlyFor names each of params that q gives although collection is not
// the one they apply to.
func onlyFor(q url.Values, collection, appliesTo string, params ...string) error {
	if collection == appliesTo {
		return nil
	}
	var errs paramErrors
	for _, name := range params {
		if q.Has(name) {
			errs.add(invalidParam(name, "applies to collection=%s only", appliesTo))
		}
	}
	return errs.err()
}

// nearestAnswer is the FeatureCollection of GET /api/nearest.
type nearestAnswer struct {
	Type           string            `json:"type"`
	NumberReturned int               `json:"numberReturned"`
	DatasetVersion string            `json:"datasetVersion"`
	Features       []json.RawMessage `json:"features"`
}

// withDistances encodes each neighbour as its record's GeoJSON Feature (an
// object, as geo's MarshalJSON writes it) with the foreign member
// "distance_m" (metres, to the centimetre) first.
func withDistances[T json.Marshaler](ns []geo.Neighbor[T]) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, len(ns))
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
