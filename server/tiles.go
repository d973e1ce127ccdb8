package server

import (
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/frontline-maps/frontline/geo"
)

// This file serves OGC API – Tiles (OGC 20-057) for the zones, incidents
// and sites collections: one tile matrix set, WebMercatorQuad, and vector
// tiles in the Mapbox Vector Tile format, encoded by orb's encoding/mvt. A
// tile of incidents carries the incidents themselves where they fit
// (tilePointLimit) and exact clusters where they do not: every matching
// incident of the tile counts in one cluster, so the clusters' counts over
// a set of tiles add up to numberMatched of the same query over their
// bounds.

// The conformance classes of OGC API – Tiles – Part 1 this server meets.
var tilesConformance = []string{
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/datetime",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
}

const (
	// tileMatrixSetID is the one tile matrix set: OGC 17-083r4 Annex D.1.
	tileMatrixSetID  = "WebMercatorQuad"
	tileMatrixSetURI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
	crs3857          = "http://www.opengis.net/def/crs/EPSG/0/3857"
	// maxTileZoom is the deepest tile matrix served.
	maxTileZoom = 20
	// tilePointLimit is the most incidents a tile carries one by one; a
	// tile with more carries clusters.
	tilePointLimit = 500
	// clusterCells is the number of cluster cells along a tile's side:
	// 8 cells of 32 pixels on a 256-pixel tile.
	clusterCells = 8
	// webMercatorHalf is half the side of the WebMercatorQuad square in
	// metres, and webMercatorCell0 the size of a pixel of tile matrix 0.
	webMercatorHalf  = 20037508.3427892
	webMercatorCell0 = 156543.033928041
)

// tiledCollections are the collections served as tiles, and the name of
// the layer their features are in (incidents' clusters are in "clusters").
var tiledCollections = map[string]string{collectionZones: "zones", collectionIncidents: "incidents", collectionSites: "sites"}

// tileQueryParams are the query parameters of each collection's tiles:
// its items' filters (the tile is the place, and a tile is not paged).
var tileQueryParams = map[string][]string{
	collectionIncidents: {"datetime", "type", "sub_type", "actor", "status", "min_fatalities", "filter", "filter-lang", "filter-crs"},
	collectionZones:     {"datetime", "as_of", "actor", "status", "filter", "filter-lang", "filter-crs"},
	collectionSites:     {"kind", "filter", "filter-lang", "filter-crs"},
}

// tiledCollection returns the collection of r's path when it is tiled,
// after refusing any query parameter none of r's documents take (allowed,
// or for a tile its collection's filters).
func (s *Server) tiledCollection(r *http.Request, allowed ...string) (string, error) {
	id := chi.URLParam(r, "collectionId")
	if allowed == nil {
		allowed = tileQueryParams[id]
		if allowed == nil {
			allowed = slices.Concat(tileQueryParams[collectionIncidents], tileQueryParams[collectionZones], tileQueryParams[collectionSites])
		}
	}
	if err := rejectUnknown(r.URL.Query(), allowed...); err != nil {
		return "", err
	}
	if _, ok := tiledCollections[id]; !ok {
		return "", &notFoundError{field: "collectionId", reason: fmt.Sprintf("%q has no tiles; zones, incidents and sites have", id)}
	}
	return id, nil
}

// handleTileMatrixSets lists the tile matrix sets.
func (s *Server) handleTileMatrixSets(w http.ResponseWriter, r *http.Request) error {
	if err := parseDocument(r.URL.Query()); err != nil {
		return err
	}
	return writeJSON(w, contentTypeJSON, map[string]any{"tileMatrixSets": []map[string]any{{
		"id": tileMatrixSetID, "title": "Google Maps compatible for the World", "uri": tileMatrixSetURI,
		"links": []link{{Href: s.apiURL(r, "/tileMatrixSets/"+tileMatrixSetID), Rel: "self", Type: contentTypeJSON, Title: tileMatrixSetID}},
	}}})
}

// handleTileMatrixSet answers the definition of WebMercatorQuad (OGC
// 2D Tile Matrix Set, JSON encoding), matrices 0 to maxTileZoom.
func (s *Server) handleTileMatrixSet(w http.ResponseWriter, r *http.Request) error {
	if err := parseDocument(r.URL.Query()); err != nil {
		return err
	}
	if id := chi.URLParam(r, "tileMatrixSetId"); id != tileMatrixSetID {
		return &notFoundError{field: "tileMatrixSetId", reason: fmt.Sprintf("%q is not a tile matrix set; %s is", id, tileMatrixSetID)}
	}
	matrices := make([]map[string]any, 0, maxTileZoom+1)
	for z := 0; z <= maxTileZoom; z++ {
		cell := webMercatorCell0 / math.Exp2(float64(z))
		matrices = append(matrices, map[string]any{
			"id": strconv.Itoa(z), "scaleDenominator": cell / 0.00028, "cellSize": cell,
			"cornerOfOrigin": "topLeft", "pointOfOrigin": []float64{-webMercatorHalf, webMercatorHalf},
			"tileWidth": 256, "tileHeight": 256, "matrixWidth": 1 << z, "matrixHeight": 1 << z,
		})
	}
	return writeJSON(w, contentTypeJSON, map[string]any{
		"id": tileMatrixSetID, "title": "Google Maps compatible for the World", "uri": tileMatrixSetURI,
		"crs": crs3857, "orderedAxes": []string{"X", "Y"}, "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
		"tileMatrices": matrices,
	})
}

// tilesetDocument describes a collection's one tileset.
func (s *Server) tilesetDocument(r *http.Request, id string) map[string]any {
	base := "/collections/" + id + "/tiles/" + tileMatrixSetID
	layers := []map[string]any{{"id": tiledCollections[id], "dataType": "vector", "geometryDimension": geometryDimension(id)}}
	if id == collectionIncidents {
		layers = append(layers, map[string]any{"id": "clusters", "dataType": "vector", "geometryDimension": 0,
			"description": fmt.Sprintf("Where a tile holds more than %d matching incidents: clusters of the incidents in each of %d×%d cells, with count and fatality sums; exact, never sampled.", tilePointLimit, clusterCells, clusterCells)})
	}
	return map[string]any{
		"title": id + " as Mapbox Vector Tiles", "dataType": "vector", "crs": crs3857, "tileMatrixSetURI": tileMatrixSetURI,
		"tileMatrixSetLimits": []map[string]any{}, "layers": layers,
		"links": []link{
			{Href: s.apiURL(r, base), Rel: "self", Type: contentTypeJSON, Title: "this tileset"},
			{Href: s.apiURL(r, "/tileMatrixSets/"+tileMatrixSetID), Rel: "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", Type: contentTypeJSON, Title: tileMatrixSetID},
			{Href: s.apiURL(r, base+"/{tileMatrix}/{tileRow}/{tileCol}"), Rel: "item", Type: contentTypeMVT, Title: "a tile", Templated: true},
			{Href: s.apiURL(r, "/collections/"+id), Rel: relCollection, Type: contentTypeJSON, Title: "the collection"},
		},
	}
}

func geometryDimension(id string) int {
	if id == collectionZones {
		return 2
	}
	return 0
}

// handleTilesets lists a collection's tilesets: one, in WebMercatorQuad.
func (s *Server) handleTilesets(w http.ResponseWriter, r *http.Request) error {
	id, err := s.tiledCollection(r, docParams...)
	if err != nil {
		return err
	}
	if err := parseDocument(r.URL.Query()); err != nil {
		return err
	}
	return writeJSON(w, contentTypeJSON, map[string]any{"tilesets": []map[string]any{s.tilesetDocument(r, id)}})
}

// handleTileset answers a collection's tileset metadata.
func (s *Server) handleTileset(w http.ResponseWriter, r *http.Request) error {
	id, err := s.tiledCollection(r, docParams...)
	if err != nil {
		return err
	}
	if err := parseDocument(r.URL.Query()); err != nil {
		return err
	}
	if tms := chi.URLParam(r, "tileMatrixSetId"); tms != tileMatrixSetID {
		return &notFoundError{field: "tileMatrixSetId", reason: fmt.Sprintf("%q is not a tile matrix set; %s is", tms, tileMatrixSetID)}
	}
	return writeJSON(w, contentTypeJSON, s.tilesetDocument(r, id))
}

// tileOf parses the tile of r's path: 404 naming the parameter for a tile
// matrix set other than WebMercatorQuad, a matrix outside 0..maxTileZoom,
// or a row or column outside the matrix.
func tileOf(r *http.Request) (maptile.Tile, error) {
	if tms := chi.URLParam(r, "tileMatrixSetId"); tms != tileMatrixSetID {
		return maptile.Tile{}, &notFoundError{field: "tileMatrixSetId", reason: fmt.Sprintf("%q is not a tile matrix set; %s is", tms, tileMatrixSetID)}
	}
	z, err := strconv.Atoi(chi.URLParam(r, "tileMatrix"))
	if err != nil || z < 0 || z > maxTileZoom {
		return maptile.Tile{}, &notFoundError{field: "tileMatrix", reason: fmt.Sprintf("not a tile matrix: 0 to %d", maxTileZoom)}
	}
	n := 1 << z
	index := func(name string) (int, error) {
		v, err := strconv.Atoi(chi.URLParam(r, name))
		if err != nil || v < 0 || v >= n {
			return 0, &notFoundError{field: name, reason: fmt.Sprintf("outside tile matrix %d: 0 to %d", z, n-1)}
		}
		return v, nil
	}
	row, err := index("tileRow")
	if err != nil {
		return maptile.Tile{}, err
	}
	col, err := index("tileCol")
	if err != nil {
		return maptile.Tile{}, err
	}
	return maptile.New(uint32(col), uint32(row), maptile.Zoom(z)), nil
}

// tileParams are the parameters a tile request rejects: the tile is the
// place, and a tile is not paged.
var tileParams = []string{"bbox", "zone", "point", "radius", "limit", "offset", "resultType", "governorate"}

// handleTile answers one vector tile: 204 when nothing of the collection
// matching the filters is in it.
func (s *Server) handleTile(w http.ResponseWriter, r *http.Request) error {
	var errs paramErrors
	for _, name := range tileParams {
		if r.URL.Query().Has(name) {
			errs.add(&geo.ValidationError{Field: name, Reason: "not a parameter of a tile: the tile is the place, and tiles are not paged"})
		}
	}
	for _, name := range orderParams {
		if r.URL.Query().Has(name) {
			errs.add(&geo.ValidationError{Field: name, Reason: "not a parameter of a tile: a tile's features are not ordered, and carry their attributes whole"})
		}
	}
	if err := errs.err(); err != nil {
		return err
	}
	id, err := s.tiledCollection(r)
	if err != nil {
		return err
	}
	tile, err := tileOf(r)
	if err != nil {
		return err
	}
	snap, q, err := s.readState(r, id, true)
	if err != nil {
		return err
	}
	bound := tile.Bound()
	q = maps.Clone(q) // the tile's bbox is not the request's own
	q.Set("bbox", fmt.Sprintf("%.17g,%.17g,%.17g,%.17g", bound.Min[0], bound.Min[1], bound.Max[0], bound.Max[1]))
	var layers mvt.Layers
	switch id {
	case collectionIncidents:
		layers, err = s.incidentTile(snap, q, tile)
	case collectionZones:
		layers, err = s.zoneTile(snap, q)
	case collectionSites:
		layers, err = s.siteTile(snap, q)
	}
	if err != nil {
		return err
	}
	if len(layers) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	layers.ProjectToTile(tile)
	layers.Clip(mvt.MapboxGLDefaultExtentBound)
	body, err := mvt.Marshal(layers)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", contentTypeMVT)
	_, err = w.Write(body)
	return err
}

// incidentTile is the incidents of a tile, or their clusters when there
// are more than tilePointLimit.
func (s *Server) incidentTile(snap *geo.Snapshot, q url.Values, tile maptile.Tile) (mvt.Layers, error) {
	req, err := parseIncidentItems(q, s.actorIDs(), s.governorateNames(), zoneExists(snap))
	if err != nil {
		return nil, err
	}
	// The clusters first: they count the tile's matches without ordering
	// them (a first page of a dense tile orders them: p99 5.8 ms rather
	// than 2.6), and a dense tile needs them anyway, where counting first
	// walked its quadtree twice (the year tour's p99 tile, 5/12/19, took
	// 23 ms so, 15 ms this way).
	where := req.query.Where
	req.query.Where = geo.Where{}
	clusters, err := snap.Clusters(req.query, clusterGrid(tile))
	if err != nil {
		return nil, err
	}
	n := 0
	for _, c := range clusters {
		n += c.Count
	}
	if n == 0 {
		return nil, nil
	}
	fc := geojson.NewFeatureCollection()
	if n <= tilePointLimit {
		req.query.Where = where
		p, err := snap.Incidents(req.query)
		if err != nil {
			return nil, err
		}
		for _, in := range p.Incidents {
			f := geojson.NewFeature(in.Location)
			f.Properties = geojson.Properties{
				"id": string(in.ID), "date": in.Date.String(), "date_end": in.DateEnd.String(), "type": string(in.Type),
				"sub_type": string(in.SubType), "status": string(in.Status), "place": in.Place,
				"fatalities_best": in.Fatalities.Best, "fatalities_low": in.Fatalities.Low, "fatalities_high": in.Fatalities.High,
			}
			fc.Append(f)
		}
		return mvt.Layers{mvt.NewLayer("incidents", fc)}, nil
	}
	for _, c := range clusters {
		fc.Append(clusterFeature(c))
	}
	return mvt.Layers{mvt.NewLayer("clusters", fc)}, nil
}

// clusterFeature is a cluster as a point feature with its count, fatality
// sums and the bound of its incidents.
func clusterFeature(c geo.Cluster) *geojson.Feature {
	f := geojson.NewFeature(c.Center)
	f.Properties = geojson.Properties{
		"count": c.Count, "fatalities_best": c.Fatalities.Best, "fatalities_low": c.Fatalities.Low,
		"fatalities_high": c.Fatalities.High, "civilians": c.Fatalities.Civilians,
		"min_lon": c.Bound.Min[0], "min_lat": c.Bound.Min[1], "max_lon": c.Bound.Max[0], "max_lat": c.Bound.Max[1],
	}
	return f
}

// clusterPixels is the side of a cell of GET /api/clusters, in pixels of
// 256-pixel Web Mercator tiles at the request's zoom.
const clusterPixels = 64

// handleClusters answers GET /api/clusters?bbox=...&zoom=Z with the
// filters of incidents items: exact clusters of the incidents in bbox, one
// per non-empty cell of a grid of clusterPixels at zoom Z, aligned to the
// Web Mercator pixel grid so that clusters stay put while a map pans, its
// outer edges bbox's own, as a GeoJSON FeatureCollection of points whose
// counts add up to numberMatched of items with the same bbox and filters.
func (s *Server) handleClusters(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var errs paramErrors
	errs.add(rejectUnknown(q, append([]string{"bbox", "zoom"}, attributeFilterParams...)...))
	bbox, err := requireBBox(q)
	errs.add(err)
	zoom, err := parseZoom(q)
	errs.add(err)
	iq := geo.IncidentQuery{}
	errs.add(parseAttributeFilters(q, s.actorIDs(), &iq))
	if err := errs.err(); err != nil {
		return err
	}
	grid, err := pixelGrid(bbox, zoom)
	if err != nil {
		return err
	}
	snap := s.snapshot(r)
	clusters, err := snap.Clusters(iq, grid)
	if err != nil {
		return err
	}
	n := 0
	fc := geojson.NewFeatureCollection()
	for _, c := range clusters {
		n += c.Count
		fc.Append(clusterFeature(c))
	}
	fc.ExtraMembers = geojson.Properties{"numberMatched": n, "numberReturned": len(clusters), "datasetVersion": s.datasetVersion(snap)}
	body, err := fc.MarshalJSON()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", contentTypeGeoJSON)
	_, err = w.Write(body)
	return err
}

// parseZoom parses "zoom", a Web Mercator zoom level 0 to maxTileZoom.
func parseZoom(q url.Values) (maptile.Zoom, error) {
	v, err := strconv.Atoi(q.Get("zoom"))
	if err != nil || v < 0 || v > maxTileZoom {
		return 0, invalidParam("zoom", "%q is not a zoom level: an integer, 0 to %d", q.Get("zoom"), maxTileZoom)
	}
	return maptile.Zoom(v), nil
}

// pixelGrid is the grid of clusterPixels cells at zoom z over b: its
// inner edges on the world's pixel grid (the edges of the tiles
// log2(256/clusterPixels) zooms below), its outer edges b's.
func pixelGrid(b orb.Bound, z maptile.Zoom) (geo.Grid, error) {
	const below = 2 // 256 / 2^2 = 64 pixels
	cz := z + below
	lo, hi := maptile.At(orb.Point{b.Min[0], b.Max[1]}, cz), maptile.At(orb.Point{b.Max[0], b.Min[1]}, cz)
	if (int(hi.X)-int(lo.X)+1)*(int(hi.Y)-int(lo.Y)+1) > 1<<16 {
		return geo.Grid{}, invalidParam("bbox", "spans more than %d cells of %d pixels at zoom %d; zoom in or narrow it", 1<<16, clusterPixels, z)
	}
	g := geo.Grid{Lons: []float64{b.Min[0]}, Lats: []float64{b.Min[1]}}
	for x := lo.X + 1; x <= hi.X; x++ {
		if e := maptile.New(x, 0, cz).Bound().Min[0]; e > b.Min[0] && e < b.Max[0] {
			g.Lons = append(g.Lons, e)
		}
	}
	for y := hi.Y; y > lo.Y; y-- {
		if e := maptile.New(0, y, cz).Bound().Max[1]; e > b.Min[1] && e < b.Max[1] {
			g.Lats = append(g.Lats, e)
		}
	}
	g.Lons, g.Lats = append(g.Lons, b.Max[0]), append(g.Lats, b.Max[1])
	if b.Min[0] == b.Max[0] || b.Min[1] == b.Max[1] {
		return geo.Grid{}, invalidParam("bbox", "is a line or a point; a cluster grid needs an area")
	}
	return g, nil
}

// clusterGrid is the grid of a tile's cluster cells: the tiles three
// zooms below it (clusterCells = 8 = 2^3), whose edges are lines of equal
// longitude and latitude.
func clusterGrid(t maptile.Tile) geo.Grid {
	const below = 3
	z := t.Z + below
	x0, y0 := t.X<<below, t.Y<<below
	g := geo.Grid{Lons: make([]float64, clusterCells+1), Lats: make([]float64, clusterCells+1)}
	for i := range uint32(clusterCells + 1) {
		g.Lons[i] = maptile.New(x0+i, y0, z).Bound().Min[0]
		// Rows count down from the north: the latitudes increase as the
		// row decreases.
		g.Lats[clusterCells-int(i)] = maptile.New(x0, y0+i, z).Bound().Max[1]
	}
	// The grid's outer edges are the tile's own, as its bbox has them.
	b := t.Bound()
	g.Lons[0], g.Lons[clusterCells], g.Lats[0], g.Lats[clusterCells] = b.Min[0], b.Max[0], b.Min[1], b.Max[1]
	return g
}

// zoneTile is the zones meeting a tile, as the zones items filter them.
func (s *Server) zoneTile(snap *geo.Snapshot, q url.Values) (mvt.Layers, error) {
	req, err := parseZoneItems(q, s.actorIDs())
	if err != nil {
		return nil, err
	}
	p, err := snap.Zones(req.query)
	if err != nil || len(p.Zones) == 0 {
		return nil, err
	}
	fc := geojson.NewFeatureCollection()
	for _, z := range p.Zones {
		f := geojson.NewFeature(z.Geometry())
		f.Properties = geojson.Properties{"id": string(z.ID), "name": z.Name, "actor": string(z.Actor), "status": string(z.Status),
			"valid_from": dayOrEmpty(z.Valid.From), "valid_to": dayOrEmpty(z.Valid.To)}
		fc.Append(f)
	}
	return mvt.Layers{mvt.NewLayer("zones", fc)}, nil
}

// dayOrEmpty is d as YYYY-MM-DD, or "" for an open bound.
func dayOrEmpty(d geo.Day) string {
	if d.IsOpen() {
		return ""
	}
	return d.String()
}

// siteTile is the sites in a tile.
func (s *Server) siteTile(snap *geo.Snapshot, q url.Values) (mvt.Layers, error) {
	req, err := parseSiteItems(q, s.governorateNames(), zoneExists(snap))
	if err != nil {
		return nil, err
	}
	p, err := snap.Sites(req.query)
	if err != nil || len(p.Sites) == 0 {
		return nil, err
	}
	fc := geojson.NewFeatureCollection()
	for _, st := range p.Sites {
		f := geojson.NewFeature(st.Location)
		f.Properties = geojson.Properties{"id": string(st.ID), "name": st.Name, "kind": string(st.Kind)}
		fc.Append(f)
	}
	return mvt.Layers{mvt.NewLayer("sites", fc)}, nil
}
