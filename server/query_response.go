package server

import (
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/geo/overlay"
)

// This file holds the response documents of query.go's handlers and the
// code that fills them. Coordinates are [lon, lat]; dates are YYYY-MM-DD,
// null for an open end.

// actorSummary is what a zone or a group says about an actor: enough for a
// legend entry. An ID the catalog does not know has only the ID.
type actorSummary struct {
	ID        geo.ActorID `json:"id"`
	Name      string      `json:"name,omitempty"`
	ShortName string      `json:"short_name,omitempty"`
	Colour    string      `json:"colour,omitempty"`
}

// circleJSON is a circle zone's true shape: centre [lon, lat] and radius in
// metres, tested by WGS84 distance.
type circleJSON struct {
	Center       orb.Point `json:"center"`
	RadiusMeters float64   `json:"radius_m"`
}

// zoneSummary is a zone without its geometry, which Href serves as a
// GeoJSON feature.
type zoneSummary struct {
	ID        geo.ZoneID     `json:"id"`
	Name      string         `json:"name,omitempty"`
	Actor     actorSummary   `json:"actor"`
	Status    geo.ZoneStatus `json:"status"`
	ValidFrom geo.Day        `json:"valid_from"`
	ValidTo   geo.Day        `json:"valid_to"`
	Circle    *circleJSON    `json:"circle,omitempty"`
	// Approximate marks geometry drawn from reports; UncertaintyMeters says
	// by how much its edge may be off.
	Approximate       bool         `json:"approximate"`
	UncertaintyMeters float64      `json:"uncertainty_m,omitempty"`
	Sources           []geo.Source `json:"sources"`
	Notes             string       `json:"notes,omitempty"`
	Href              string       `json:"href"`
}

// controlAnswer is the document of GET /api/control. Overlap is true when
// more than one zone holds the point, which the zones' statuses explain
// (joint control, presence inside another actor's territory).
type controlAnswer struct {
	Point   orb.Point     `json:"point"`
	Date    geo.Day       `json:"date"`
	Overlap bool          `json:"overlap"`
	Zones   []zoneSummary `json:"zones"`
}

// historyAnswer is the document of GET /api/control/history: periods in
// order, covering all time, consecutive ones differing in their zones.
type historyAnswer struct {
	Point   orb.Point    `json:"point"`
	Periods []periodJSON `json:"periods"`
}

// periodJSON is one period of a control history: From and To are its
// first and last day (null for the open ends of the first and last
// period). Gap is true when no zone held the point then.
type periodJSON struct {
	From    geo.Day       `json:"from"`
	To      geo.Day       `json:"to"`
	Gap     bool          `json:"gap"`
	Overlap bool          `json:"overlap"`
	Zones   []zoneSummary `json:"zones"`
}

// actorsAnswer is the document of GET /api/actors.
type actorsAnswer struct {
	Actors []geo.Actor `json:"actors"`
}

// statisticsAnswer is the document of GET /api/statistics.
type statisticsAnswer struct {
	Statistics []geo.Statistic `json:"statistics"`
}

// actor returns the summary of actor id from the catalog's actors.
func (s *Server) actor(id geo.ActorID) actorSummary {
	actors := s.catalog.Actors()
	i, ok := slices.BinarySearchFunc(actors, id, func(a geo.Actor, id geo.ActorID) int { return strings.Compare(string(a.ID), string(id)) })
	if !ok {
		return actorSummary{ID: id}
	}
	a := &actors[i]
	return actorSummary{ID: a.ID, Name: a.Name, ShortName: a.ShortName, Colour: a.Colour}
}

// zoneSummaries summarises zones in their order; none gives an empty list,
// never null.
func (s *Server) zoneSummaries(zones []*geo.Zone) []zoneSummary {
	out := make([]zoneSummary, len(zones))
	for i, z := range zones {
		out[i] = zoneSummary{
			ID: z.ID, Name: z.Name, Actor: s.actor(z.Actor), Status: z.Status,
			ValidFrom: z.Valid.From, ValidTo: z.Valid.To,
			Approximate: z.Approximate, UncertaintyMeters: z.UncertaintyMeters,
			Sources: z.Sources, Notes: z.Notes,
			Href: "/api/collections/zones/items/" + string(z.ID),
		}
		if z.Circle != nil {
			out[i].Circle = &circleJSON{Center: z.Circle.Center, RadiusMeters: z.Circle.RadiusMeters}
		}
		if out[i].Sources == nil {
			out[i].Sources = []geo.Source{}
		}
	}
	return out
}

// writeIncidents streams incs as a FeatureCollection whose numberMatched is
// matched, with the dataset version of snap; each feature keeps of its
// properties those in properties (nil: all).
func (s *Server) writeIncidents(w http.ResponseWriter, snap *geo.Snapshot, matched int, incs []*geo.Incident, properties []string) error {
	w.Header().Set("Content-Type", contentTypeGeoJSON)
	fw := newFeatureWriter(w)
	defer fw.release()
	fw.keep = properties
	if err := fw.Begin(collectionHeader{NumberMatched: matched, NumberReturned: len(incs), DatasetVersion: s.datasetVersion(snap)}); err != nil {
		return err
	}
	for i := range incs {
		if err := fw.Write(incs[i]); err != nil {
			return err
		}
	}
	return fw.Close()
}

// fatalitiesJSON is a sum of fatality estimates.
type fatalitiesJSON struct {
	Low       int `json:"low"`
	Best      int `json:"best"`
	High      int `json:"high"`
	Civilians int `json:"civilians"`
}

// statsCounts is how many incidents a group has and their fatalities.
type statsCounts struct {
	Count      int            `json:"count"`
	Fatalities fatalitiesJSON `json:"fatalities"`
}

// statsRow is one group of /api/stats. For group=zone it says which zone
// (name, actor, status, validity); for group=actor, which actor.
type statsRow struct {
	Key       string         `json:"key"`
	Name      string         `json:"name,omitempty"`
	Actor     *actorSummary  `json:"actor,omitempty"`
	Status    geo.ZoneStatus `json:"status,omitempty"`
	ValidFrom *geo.Day       `json:"valid_from,omitempty"`
	ValidTo   *geo.Day       `json:"valid_to,omitempty"`
	statsCounts
}

// statsDocument is the document of GET /api/stats. NumberMatched counts the
// incidents matching the filters, each once; Ungrouped counts those with no
// key (in no zone, with no known actor, with no governorate). Note says how
// the incidents were counted.
type statsDocument struct {
	Group          statsGroup  `json:"group"`
	DatasetVersion string      `json:"datasetVersion"`
	NumberMatched  int         `json:"numberMatched"`
	Groups         []statsRow  `json:"groups"`
	Ungrouped      statsCounts `json:"ungrouped"`
	Note           string      `json:"note"`
	// Publication says that the counts are over the published view, for
	// a reader of it; "" otherwise.
	Publication string `json:"publication,omitempty"`
}

// publishedNote is the Publication of an aggregate over the published
// view.
const publishedNote = "Counted over the published view, under the server's publication policy: incidents under embargo or withheld are not counted, " +
	"and coarsened incidents count where they are published (the centre of their grid cell or their governorate's centroid), not where they happened."

// statsNotes says, for each grouping, how incidents are counted.
var statsNotes = map[statsGroup]string{
	groupZone: "Time-aware join: each incident counts in every zone that held its location on the incident's first day. " +
		"Where zones overlap (joint control, presence inside another actor's territory) it counts in each of them, " +
		"so the counts may add up to more than numberMatched; ungrouped counts the incidents that fell in no zone.",
	groupActor: "Each incident counts once for each known actor involved, in any role, so the counts may add up to more than numberMatched; " +
		"ungrouped counts the incidents with no known actor.",
	groupType:        "Each incident counts in its event type.",
	groupMonth:       "Each incident counts in the month (YYYY-MM) of its first day.",
	groupGovernorate: "Each incident counts in its governorate (OCHA names); ungrouped counts the incidents outside every governorate.",
}

// statsAnswer builds the /api/stats document from geo's groups, moving the
// group with the empty key to Ungrouped.
func (s *Server) statsAnswer(snap *geo.Snapshot, group statsGroup, matched int, groups []geo.Group) statsDocument {
	doc := statsDocument{Group: group, DatasetVersion: s.datasetVersion(snap), NumberMatched: matched,
		Groups: make([]statsRow, 0, len(groups)), Note: statsNotes[group]}
	for _, g := range groups {
		counts := statsCounts{Count: g.Count, Fatalities: fatalitiesJSON(g.Fatalities)}
		if g.Key == "" {
			doc.Ungrouped = counts
			continue
		}
		row := statsRow{Key: g.Key, statsCounts: counts}
		switch group {
		case groupZone:
			if z, err := snap.Zone(geo.ZoneID(g.Key)); err == nil {
				a := s.actor(z.Actor)
				row.Name, row.Actor, row.Status = z.Name, &a, z.Status
				row.ValidFrom, row.ValidTo = &z.Valid.From, &z.Valid.To
			}
		case groupActor:
			a := s.actor(geo.ActorID(g.Key))
			row.Name, row.Actor = a.Name, &a
		}
		doc.Groups = append(doc.Groups, row)
	}
	return doc
}

// writeGrid streams the grid cells of groups as a FeatureCollection.
func (s *Server) writeGrid(w http.ResponseWriter, snap *geo.Snapshot, groups []geo.Group) error {
	w.Header().Set("Content-Type", contentTypeGeoJSON)
	fw := newFeatureWriter(w)
	defer fw.release()
	if err := fw.Begin(collectionHeader{NumberMatched: len(groups), NumberReturned: len(groups), DatasetVersion: s.datasetVersion(snap)}); err != nil {
		return err
	}
	for i := range groups {
		if err := fw.Write((*gridCell)(&groups[i])); err != nil {
			return err
		}
	}
	return fw.Close()
}

// gridDecimals is how many decimals of a degree grid cell corners are
// written with: enough for any cell size parseCell accepts, and it turns
// the float noise of -180 + column × size (38.400000000000006) back into
// the corner meant (38.4).
const gridDecimals = 1e9

// gridCell is a grid group written as a Feature with id "column,row", its
// cell as a Polygon ([lon, lat] corners, counter-clockwise from the
// south-west, rounded to 1e-9°) and the properties column, row, count and
// fatalities_low, _best, _high and _civilians.
type gridCell geo.Group

type gridCellProperties struct {
	Column              int `json:"column"`
	Row                 int `json:"row"`
	Count               int `json:"count"`
	FatalitiesLow       int `json:"fatalities_low"`
	FatalitiesBest      int `json:"fatalities_best"`
	FatalitiesHigh      int `json:"fatalities_high"`
	FatalitiesCivilians int `json:"fatalities_civilians"`
}

// AppendGeoJSON appends the cell's Feature to b.
func (g *gridCell) AppendGeoJSON(b []byte) []byte {
	round := func(v float64) float64 { return math.Round(v*gridDecimals) / gridDecimals }
	cell := orb.Bound{Min: orb.Point{round(g.Cell.Bound.Min[0]), round(g.Cell.Bound.Min[1])},
		Max: orb.Point{round(g.Cell.Bound.Max[0]), round(g.Cell.Bound.Max[1])}}
	j, _ := json.Marshal(struct {
		Type       string             `json:"type"`
		ID         string             `json:"id"`
		Geometry   *geojson.Geometry  `json:"geometry"`
		Properties gridCellProperties `json:"properties"`
	}{"Feature", g.Key, geojson.NewGeometry(cell.ToPolygon()), gridCellProperties{
		g.Cell.Column, g.Cell.Row, g.Count,
		g.Fatalities.Low, g.Fatalities.Best, g.Fatalities.High, g.Fatalities.Civilians}})
	return append(b, j...)
}

// diffMethod is the method statement of every /api/control/diff answer;
// package overlay documents it in full.
const diffMethod = "For each date, the zones with status control valid that day are unioned per actor (clipped to bbox when given); " +
	"gained is the later union minus the earlier, lost the reverse (polygon overlay by simplefeatures). " +
	"Areas are of the polygons with edges straight in lon/lat, on the authalic sphere (R = 6,371,007.2 m), " +
	"by the Chamberlain–Duquette formula (orb/geo.Area): within 0.1% of the WGS84 ellipsoid at Syria's latitudes, " +
	"far finer than the zones' own approximate edges. Circle zones count as their 64-vertex polygon. " +
	"Areas are rounded to 0.1 km²."

// diffDocument is the document of GET /api/control/diff: per actor the
// areas and their change, and Changes, a FeatureCollection of the ground
// each actor gained and lost.
type diffDocument struct {
	From    geo.Day           `json:"from"`
	To      geo.Day           `json:"to"`
	BBox    []float64         `json:"bbox,omitempty"`
	Method  string            `json:"method"`
	Actors  []actorChangeJSON `json:"actors"`
	Changes diffCollection    `json:"changes"`
}

// actorChangeJSON is one actor's areas in km² on each date and the change
// (ChangeKm2 = ToKm2 − FromKm2 = GainedKm2 − LostKm2, up to rounding).
type actorChangeJSON struct {
	Actor     actorSummary `json:"actor"`
	FromKm2   float64      `json:"area_from_km2"`
	ToKm2     float64      `json:"area_to_km2"`
	ChangeKm2 float64      `json:"change_km2"`
	GainedKm2 float64      `json:"gained_km2"`
	LostKm2   float64      `json:"lost_km2"`
}

// diffCollection is a GeoJSON FeatureCollection of gained and lost ground.
type diffCollection struct {
	Type     string        `json:"type"`
	Features []diffFeature `json:"features"`
}

// diffFeature is the ground one actor gained or lost: a MultiPolygon
// ([lon, lat]) with the actor, the change ("gained" or "lost"), its area in
// km² and the actor's colour; its id is "actor/change".
type diffFeature struct {
	Type       string            `json:"type"`
	ID         string            `json:"id"`
	Geometry   *geojson.Geometry `json:"geometry"`
	Properties diffProperties    `json:"properties"`
}

// diffProperties are a diffFeature's properties.
type diffProperties struct {
	Actor   geo.ActorID `json:"actor"`
	Change  string      `json:"change"`
	AreaKm2 float64     `json:"area_km2"`
	Colour  string      `json:"colour,omitempty"`
}

// km2 rounds an area to 0.1 km².
func km2(v float64) float64 { return math.Round(v*10) / 10 }

// diffAnswer builds the /api/control/diff document. Actors whose ground did
// not change have no features.
func (s *Server) diffAnswer(from, to geo.Day, clip *orb.Bound, changes []overlay.Change) diffDocument {
	doc := diffDocument{From: from, To: to, Method: diffMethod, Actors: make([]actorChangeJSON, len(changes)),
		Changes: diffCollection{Type: "FeatureCollection", Features: []diffFeature{}}}
	if clip != nil {
		doc.BBox = []float64{clip.Min[0], clip.Min[1], clip.Max[0], clip.Max[1]}
	}
	for i, c := range changes {
		a := s.actor(c.Actor)
		doc.Actors[i] = actorChangeJSON{Actor: a, FromKm2: km2(c.FromKm2), ToKm2: km2(c.ToKm2),
			ChangeKm2: km2(c.ToKm2 - c.FromKm2), GainedKm2: km2(c.GainedKm2), LostKm2: km2(c.LostKm2)}
		for _, part := range []struct {
			change string
			area   orb.MultiPolygon
			km2    float64
		}{{"gained", c.Gained, c.GainedKm2}, {"lost", c.Lost, c.LostKm2}} {
			if len(part.area) == 0 {
				continue
			}
			doc.Changes.Features = append(doc.Changes.Features, diffFeature{
				Type: "Feature", ID: string(c.Actor) + "/" + part.change, Geometry: geojson.NewGeometry(part.area),
				Properties: diffProperties{Actor: c.Actor, Change: part.change, AreaKm2: km2(part.km2), Colour: a.Colour},
			})
		}
	}
	return doc
}
