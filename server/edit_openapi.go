package server

import (
	"github.com/frontline-maps/frontline/catalog"
	"net/http"
)

// Parameters of the write, history and transfer routes.
var (
	paramIfMatch = param{Name: "If-Match", In: "header", Required: true,
		Description: `The feature's current ETag: its version number in quotes, such as "3", as GET .../items/{featureId} sends it. Missing: 428; not current: 412.`,
		Schema:      map[string]any{"type": "string"}}
	paramEditableCollection = param{Name: "collectionId", In: "path", Required: true, Description: "The collection: zones, incidents or sites.",
		Schema: map[string]any{"type": "string", "enum": editableCollections}}
	paramVersion = param{Name: "version", In: "path", Required: true, Description: "The version number to restore, from the versions list.",
		Schema: map[string]any{"type": "integer", "minimum": 1}}
)

// featureBodySchema is the JSON Schema of a write's GeoJSON Feature: the
// schema each collection's GET answers, with "id" optional on create.
var featureBodySchema = map[string]any{
	"type":     "object",
	"required": []string{"type", "geometry", "properties"},
	"properties": map[string]any{
		"type":       map[string]any{"type": "string", "enum": []string{"Feature"}},
		"id":         map[string]any{"type": "string", "description": "The feature's ID; on create, absent gives a new random one; on replace, absent or the URL's."},
		"geometry":   map[string]any{"type": "object", "description": "[lon, lat] WGS84: a Point for incidents and sites, a Polygon or MultiPolygon for zones (a circle zone's true shape is its circle property)."},
		"properties": map[string]any{"type": "object", "description": "The properties of the collection's features, as GET answers them; see /collections/{collectionId}/queryables and docs/api.md."},
	},
}

// The OpenAPI operations of the write, history and transfer routes.
var (
	opCreate = operation{ID: "createItem", Summary: "Create a feature (OGC API – Features Part 4)", MediaType: contentTypeGeoJSON,
		Status: http.StatusCreated, Auth: catalog.RoleEditor, Params: []param{paramEditableCollection},
		Body: featureBodySchema, BodyTypes: []string{contentTypeGeoJSON, contentTypeJSON},
		Description: "Stores the GeoJSON Feature as version 1 of a new feature: 201 with Location, ETag (the version) and the stored feature. Invalid: 400 naming the field, nothing stored; an ID (or an incident's origin) that exists: 409."}
	opReplace = operation{ID: "replaceItem", Summary: "Replace a feature", MediaType: contentTypeGeoJSON, Auth: catalog.RoleEditor,
		Params: []param{paramEditableCollection, paramFeatureID, paramIfMatch},
		Body:   featureBodySchema, BodyTypes: []string{contentTypeGeoJSON, contentTypeJSON},
		Description: "Stores the Feature as the next version when If-Match names the current one; answers the stored feature with its new ETag."}
	opPatch = operation{ID: "updateItem", Summary: "Update a feature with a JSON merge patch (RFC 7396)", MediaType: contentTypeGeoJSON, Auth: catalog.RoleEditor,
		Params: []param{paramEditableCollection, paramFeatureID, paramIfMatch},
		Body:   map[string]any{"type": "object"}, BodyTypes: []string{contentTypeMergePatch, contentTypeJSON},
		Description: `Merges the patch into the feature's GeoJSON ({"properties": {"status": "confirmed"}} changes one property, null removes one, "geometry" replaces the geometry) and stores the result as the next version when If-Match names the current one.`}
	opDelete = operation{ID: "deleteItem", Summary: "Delete a feature (a tombstone: its history stays)", Status: http.StatusNoContent, Auth: catalog.RoleEditor,
		Params: []param{paramEditableCollection, paramFeatureID, paramIfMatch}}
	opVersions = operation{ID: "getItemVersions", Summary: "Every version of a feature, oldest first, deletions included",
		Params: []param{paramEditableCollection, paramFeatureID, paramF}}
	opRestore = operation{ID: "restoreItemVersion", Summary: "Restore an old version of a feature as its next version", MediaType: contentTypeGeoJSON, Auth: catalog.RoleAdmin,
		Params:      []param{paramEditableCollection, paramFeatureID, paramVersion},
		Description: "Writes the feature as it was at that version as a new version, whether the feature is live or deleted, with an audit entry. No If-Match: restoring is an admin's decision over whatever is current."}
	opSuccessor = operation{ID: "succeedZone", Summary: "This line moved on a date: end a zone and start its successor, in one write",
		Status: http.StatusCreated, Auth: catalog.RoleEditor, Params: []param{paramFeatureID, paramIfMatch},
		Body: map[string]any{"type": "object", "required": []string{"date"}, "additionalProperties": false, "properties": map[string]any{
			"date":  map[string]any{"type": "string", "format": "date", "description": "The first day of the successor; the zone ends the day before. After the zone's valid_from, by its valid_to."},
			"id":    map[string]any{"type": "string", "description": "The successor's ID; absent: the zone's ID and the date, such as sdf-2025-2026-01-10."},
			"patch": map[string]any{"type": "object", "description": "An RFC 7396 merge patch applied to the copy of the zone: a new geometry, actor, status, valid_to or sources."},
		}},
		Description: "When If-Match names the zone's current version, sets its valid_to to the day before date and creates its successor from a copy of it (the same geometry and properties, valid_from date, valid_to the zone's) with patch merged in, both in one write: the map as of every earlier day is unchanged. 201 with the successor's Location and ETag, and {closed, successor}, each {etag, feature}."}
	opImport = operation{ID: "importFile", Summary: "Import a UCDP, ACLED or GeoJSON file, all or nothing", Auth: catalog.RoleEditor,
		Params: []param{{Name: "format", In: "query", Required: true, Description: "The file's format: ucdp (UCDP GED CSV), acled (ACLED CSV) or geojson (Frontline GeoJSON).",
			Schema: map[string]any{"type": "string", "enum": importFormats}},
			{Name: "release", In: "query", Description: "ucdp: the GED release the file comes from, such as 23.1, cited in each incident's source (the command line reads it from the file name).",
				Schema: map[string]any{"type": "string"}}},
		Body: map[string]any{"type": "string"}, BodyTypes: []string{contentTypeCSV, contentTypeGeoJSON},
		Description: "Reads the body with the format's importer and stores every record in one transaction (re-imports update by origin ID). 200 with the report (accepted, added, updated, unchanged, skipped); any rejected row: 422 with the report, nothing stored."}
	opExport = operation{ID: "export", Summary: "Download a consistent snapshot: GeoPackage, GeoJSON or CSV", MediaType: contentTypeGeoJSON,
		Params: []param{
			{Name: "format", In: "query", Required: true, Description: "gpkg (the whole store, history and tokens included: admin token), geojson or csv.",
				Schema: map[string]any{"type": "string", "enum": exportFormats}},
			{Name: "collection", In: "query", Description: "geojson: one collection (default all three); csv: required.",
				Schema: map[string]any{"type": "string", "enum": editableCollections}},
		}}
	opAudit = operation{ID: "getAudit", Summary: "The audit log, newest first", Auth: catalog.RoleAdmin,
		Params: []param{
			{Name: "collection", In: "query", Description: "Only changes to this collection.", Schema: map[string]any{"type": "string", "enum": editableCollections}},
			{Name: "id", In: "query", Description: "Only changes to this feature; needs collection.", Schema: map[string]any{"type": "string"}},
			{Name: "limit", In: "query", Description: "The most entries.", Schema: map[string]any{"type": "integer", "minimum": 1, "maximum": maxAuditLimit, "default": 100}},
		}}
)
