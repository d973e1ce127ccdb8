package server

import "fmt"

// The OpenAPI descriptions of the tiles routes (tiles.go).
var (
	paramTiledCollection = param{Name: "collectionId", In: "path", Required: true, Description: "The tiled collection: zones, incidents or sites.",
		Schema: map[string]any{"type": "string", "enum": []string{collectionZones, collectionIncidents, collectionSites}}}
	paramTileMatrixSet = param{Name: "tileMatrixSetId", In: "path", Required: true, Description: "The tile matrix set; only WebMercatorQuad.",
		Schema: map[string]any{"type": "string", "enum": []string{tileMatrixSetID}}}

	opClusters = operation{ID: "getClusters", Summary: "Exact clusters of incidents in a box at a zoom", MediaType: contentTypeGeoJSON,
		Description: fmt.Sprintf("A GeoJSON FeatureCollection of points, one per non-empty cell of a grid of %d-pixel cells at zoom (Web Mercator, aligned to the world's pixel grid, its outer edges bbox's), "+
			"each with count, fatalities_low/_best/_high, civilians and the bound of its incidents (min_lon, min_lat, max_lon, max_lat), at the centre of that bound. "+
			"Exact: every incident in bbox matching the filters counts in one cell, and numberMatched, the sum, equals items' numberMatched for the same bbox and filters. The web map draws these where a view holds too many incidents to show one by one.", clusterPixels),
		Params: append([]param{
			{Name: "bbox", In: "query", Required: true, Explode: noExplode, Description: qParamBBox.Description, Schema: qParamBBox.Schema},
			{Name: "zoom", In: "query", Required: true, Description: "The map's zoom level, 0 to 20.", Schema: map[string]any{"type": "integer", "minimum": 0, "maximum": maxTileZoom}},
		}, qParamsAttributes...)}
	opTileMatrixSets = operation{ID: "getTileMatrixSets", Summary: "The tile matrix sets", Params: []param{paramF},
		Description: "One: WebMercatorQuad (OGC 17-083r4, EPSG:3857, 256-pixel tiles), matrices 0 to 20."}
	opTileMatrixSet = operation{ID: "getTileMatrixSet", Summary: "A tile matrix set's definition", Params: []param{paramF, paramTileMatrixSet}}
	opTilesets      = operation{ID: "getTilesets", Summary: "A collection's tilesets", Params: []param{paramF, paramTiledCollection},
		Description: "One tileset per collection, in WebMercatorQuad, as Mapbox Vector Tiles."}
	opTileset = operation{ID: "getTileset", Summary: "A collection's tileset metadata", Params: []param{paramF, paramTiledCollection, paramTileMatrixSet},
		Description: "The layers, the tiling scheme and the tile URL template."}
	opTile = operation{ID: "getTile", Summary: "A vector tile of a collection", MediaType: contentTypeMVT,
		Description: fmt.Sprintf("A Mapbox Vector Tile (extent 4096) of the collection's features in the tile, filtered as the collection's items are, with datetime the tiles' time subset. "+
			"Incidents: a layer incidents with each matching incident (id, date, date_end, type, sub_type, status, place, fatalities_low/_best/_high) when the tile holds at most %d; "+
			"otherwise a layer clusters with one point per non-empty cell of %d×%d, at the centre of a box holding its incidents, with count, fatalities_low/_best/_high, civilians and the bound of its incidents (min_lon, min_lat, max_lon, max_lat). "+
			"The clusters are exact: every matching incident of the tile counts in one, so their counts add up to numberMatched of items with the tile's bbox and the same filters. "+
			"Zones: a layer zones (id, name, actor, status, valid_from, valid_to), as_of as for items. Sites: a layer sites (id, name, kind). "+
			"A CQL2 filter narrows the tile as it narrows items. An empty tile is a 204, a tile outside its matrix a 404; bbox, zone, point, radius, governorate, sortby, properties and paging parameters are a 400.", tilePointLimit, clusterCells, clusterCells),
		Params: append(append([]param{paramTiledCollection, paramTileMatrixSet,
			{Name: "tileMatrix", In: "path", Required: true, Description: "The zoom level, 0 to 20.", Schema: map[string]any{"type": "integer", "minimum": 0, "maximum": maxTileZoom}},
			{Name: "tileRow", In: "path", Required: true, Description: "The row, from the top (north), 0 to 2^tileMatrix - 1.", Schema: map[string]any{"type": "integer", "minimum": 0}},
			{Name: "tileCol", In: "path", Required: true, Description: "The column, from the west, 0 to 2^tileMatrix - 1.", Schema: map[string]any{"type": "integer", "minimum": 0}},
			paramAsOf,
		}, qParamsAttributes...), append([]param{{Name: "kind", In: "query", Description: "Sites only: the kind of site.", Schema: map[string]any{"type": "string"}}}, filterParamDocs...)...)}
)
