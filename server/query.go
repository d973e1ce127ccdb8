package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/geo/overlay"
)

// This file holds the handlers of the questions beyond OGC API – Features:
// control at a point and its history, search by geometry or zone, grouped
// statistics, the density grid, the change of control between two dates,
// the actors and the cited statistics. Their OpenAPI descriptions are in
// query_openapi.go and their response documents in query_response.go.

// handleControl answers GET /api/control?point=lon,lat&date=YYYY-MM-DD:
// every zone that held the point on that day (both parameters required).
func (s *Server) handleControl(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var errs paramErrors
	errs.add(rejectUnknown(q, "point", "date"))
	p, err := requirePoint(q, "point")
	errs.add(err)
	d, err := requireDate(q, "date")
	errs.add(err)
	if err := errs.err(); err != nil {
		return err
	}
	zones, err := s.snapshot(r).ControlAt(p, d)
	if err != nil {
		return err
	}
	return writeJSON(w, contentTypeJSON, controlAnswer{
		Point: p, Date: d, Overlap: len(zones) > 1, Zones: s.zoneSummaries(zones),
	})
}

// handleControlHistory answers GET /api/control/history?point=lon,lat: the
// periods over all time with the zones holding the point, gaps included.
func (s *Server) handleControlHistory(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var errs paramErrors
	errs.add(rejectUnknown(q, "point"))
	p, err := requirePoint(q, "point")
	errs.add(err)
	if err := errs.err(); err != nil {
		return err
	}
	periods, err := s.snapshot(r).ControlHistory(p)
	if err != nil {
		return err
	}
	ans := historyAnswer{Point: p, Periods: make([]periodJSON, len(periods))}
	for i, pd := range periods {
		ans.Periods[i] = periodJSON{From: pd.Interval.From, To: pd.Interval.To,
			Gap: len(pd.Zones) == 0, Overlap: len(pd.Zones) > 1, Zones: s.zoneSummaries(pd.Zones)}
	}
	return writeJSON(w, contentTypeJSON, ans)
}

// handleSearch answers POST /api/search: the incidents in a GeoJSON
// geometry, a circle or a stored zone, filtered and paged, as a streamed
// FeatureCollection (or only numberMatched for resultType "hits").
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) error {
	body, err := readJSONBody(w, r, maxSearchBodyBytes)
	if err != nil {
		return err
	}
	snap := s.snapshot(r)
	req, err := parseSearchBody(body, s.actorIDs(), zoneExists(snap))
	if err != nil {
		return err
	}
	if req.Hits {
		n, err := snap.CountIncidents(req.Query)
		if err != nil {
			return err
		}
		return s.writeIncidents(w, snap, n, nil, nil)
	}
	if req.Sort != nil {
		// The whole match, sorted, then paged.
		pg := page{offset: req.Query.Offset, limit: req.Query.Limit}
		req.Query.Offset, req.Query.Limit = 0, 0
		all, err := snap.Incidents(req.Query)
		if err != nil {
			return err
		}
		sortRecords(all.Incidents, req.Sort, incidentValue, func(in *geo.Incident) string { return string(in.ID) })
		return s.writeIncidents(w, snap, all.Matched, pageOf(all.Incidents, pg), req.Properties)
	}
	found, err := snap.Incidents(req.Query)
	if err != nil {
		return err
	}
	return s.writeIncidents(w, snap, found.Matched, found.Incidents, req.Properties)
}

// handleStats answers GET /api/stats?group=...: incident counts and
// fatalities grouped by zone (the time-aware join), actor, type, month or
// governorate, under the filters of the incidents collection.
func (s *Server) handleStats(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	snap := s.snapshot(r)
	var errs paramErrors
	errs.add(rejectUnknown(q, slices.Concat([]string{"group"}, incidentFilterParams, filterParams)...))
	group, err := parseGroup(q)
	errs.add(err)
	iq, err := parseIncidentFilters(q, s.actorIDs(), zoneExists(snap))
	errs.add(err)
	filter, err := parseFilter(q)
	errs.add(err)
	if err := errs.err(); err != nil {
		return err
	}
	if iq, err = incidentFilter(filter, iq); err != nil {
		return err
	}
	matched, err := snap.CountIncidents(iq)
	if err != nil {
		return err
	}
	groups, err := snap.Aggregate(iq, geo.Grouping{By: geo.GroupBy(group)})
	if err != nil {
		return err
	}
	doc := s.statsAnswer(snap, group, matched, groups)
	if published(r) {
		doc.Publication = publishedNote
	}
	return writeJSON(w, contentTypeJSON, doc)
}

// handleAreaStats answers POST /api/stats: the counts and fatalities of
// GET /api/stats for the place and filters of a search body (a geometry
// or a zone, as POST /api/search takes them), with "group" in the body and
// no paging, computed over every match.
func (s *Server) handleAreaStats(w http.ResponseWriter, r *http.Request) error {
	body, err := readJSONBody(w, r, maxSearchBodyBytes)
	if err != nil {
		return err
	}
	members, err := decodeSearchBody(body)
	if err != nil {
		return err
	}
	var errs paramErrors
	q := url.Values{}
	if raw, ok := members["group"]; ok {
		var g string
		if json.Unmarshal(raw, &g) != nil {
			errs.add(invalidParam("group", "%s is not a JSON string", quote(string(raw))))
		}
		q.Set("group", g)
		delete(members, "group")
	}
	group, err := parseGroup(q)
	errs.add(err)
	for _, name := range []string{"limit", "offset", "resultType", "sortby", "properties"} {
		if _, ok := members[name]; ok {
			errs.add(invalidParam(name, "not a member of a stats body: the answer counts every match, in groups"))
			delete(members, name)
		}
	}
	rest, err := json.Marshal(members)
	if err != nil {
		return err
	}
	snap := s.snapshot(r)
	req, err := parseSearchBody(rest, s.actorIDs(), zoneExists(snap))
	errs.add(err)
	if err := errs.err(); err != nil {
		return err
	}
	matched, err := snap.CountIncidents(req.Query)
	if err != nil {
		return err
	}
	groups, err := snap.Aggregate(req.Query, geo.Grouping{By: geo.GroupBy(group)})
	if err != nil {
		return err
	}
	doc := s.statsAnswer(snap, group, matched, groups)
	if published(r) {
		doc.Publication = publishedNote
	}
	return writeJSON(w, contentTypeJSON, doc)
}

// handleGrid answers GET /api/grid?cell=DEGREES&bbox=...: the non-empty
// cells of a square grid over bbox, with the count and fatalities of the
// incidents matching the attribute filters in each, as a FeatureCollection.
func (s *Server) handleGrid(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var errs paramErrors
	errs.add(rejectUnknown(q, append([]string{"bbox", "cell"}, attributeFilterParams...)...))
	bbox, err := requireBBox(q)
	errs.add(err)
	cell, err := parseCell(q)
	errs.add(err)
	if len(errs) == 0 {
		errs.add(checkGridCells(bbox, cell))
	}
	iq := geo.IncidentQuery{Where: geo.InBound(bbox)}
	errs.add(parseAttributeFilters(q, s.actorIDs(), &iq))
	if err := errs.err(); err != nil {
		return err
	}
	snap := s.snapshot(r)
	groups, err := snap.Aggregate(iq, geo.Grouping{By: geo.ByGrid, CellDegrees: cell})
	if err != nil {
		return err
	}
	return s.writeGrid(w, snap, groups)
}

// handleControlDiff answers GET /api/control/diff?from=DATE&to=DATE: per
// actor, the area held with status control on each date, the change, and
// the ground gained and lost as GeoJSON (see package overlay for the
// method).
func (s *Server) handleControlDiff(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var errs paramErrors
	errs.add(rejectUnknown(q, "from", "to", "bbox"))
	from, to, err := parseDateRange(q)
	errs.add(err)
	bbox, hasBBox, err := parseBBox(q)
	errs.add(err)
	if err := errs.err(); err != nil {
		return err
	}
	var clip *orb.Bound
	if hasBBox {
		clip = &bbox
	}
	changes, err := overlay.Diff(s.snapshot(r), from, to, clip)
	if err != nil {
		return err
	}
	return writeJSON(w, contentTypeJSON, s.diffAnswer(from, to, clip, changes))
}

// handleActors answers GET /api/actors: every actor with its names and map
// colour, ordered by ID, for the legend.
func (s *Server) handleActors(w http.ResponseWriter, r *http.Request) error {
	if err := rejectUnknown(r.URL.Query()); err != nil {
		return err
	}
	return writeJSON(w, contentTypeJSON, actorsAnswer{Actors: s.catalog.Actors()})
}

// handleStatistics answers GET /api/statistics: the aggregate figures
// sources quote, with their periods and sources, ordered by ID.
func (s *Server) handleStatistics(w http.ResponseWriter, r *http.Request) error {
	if err := rejectUnknown(r.URL.Query()); err != nil {
		return err
	}
	return writeJSON(w, contentTypeJSON, statisticsAnswer{Statistics: s.catalog.Statistics()})
}
