package server

import (
	"cmp"
	"github.com/frontline-maps/frontline/catalog"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// contentTypeOpenAPI is the media type of the OpenAPI 3.0 document, as OGC
// API – Features (/req/oas30/oas-impl) names it.
const contentTypeOpenAPI = "application/vnd.oai.openapi+json;version=3.0"

// operation is the OpenAPI 3.0 description of one route: enough to generate
// the document served at /api/openapi.json. The zero values of the optional
// fields give a GET answering application/json.
type operation struct {
	ID      string // operationId
	Summary string
	// Description is the longer explanation, CommonMark; optional.
	Description string
	// Params are the query and path parameters the handler accepts; a
	// handler must reject any other query parameter. Path parameters of the
	// route's pattern that are not listed here are documented as required
	// strings.
	Params []param
	// MediaType is the success response's media type; "" is
	// application/json.
	MediaType string
	// Body is the JSON Schema of a JSON request body; nil for none.
	Body map[string]any
	// BodyTypes are the media types the request body may have; empty is
	// application/json.
	BodyTypes []string
	// Status is the success status; 0 is 200. A 204 has no content.
	Status int
	// Auth is the role the operation needs, documented as a bearer-token
	// security requirement with 401, 403 and 429 responses; "" is a read,
	// public unless Config.PrivateRead.
	Auth catalog.Role
	// Open marks a read that needs no token even with
	// Config.PrivateRead, such as the session a sign-in page asks about.
	Open bool
}

// param is one OpenAPI parameter.
type param struct {
	Name        string
	In          string // "query" or "path"
	Required    bool
	Description string
	Schema      map[string]any // a JSON Schema, such as {"type": "integer"}
	// Explode false with an array Schema is a comma-separated list, as
	// OGC API – Features writes bbox; the default is the OpenAPI default.
	Explode *bool
}

// pathParamRE finds the {name} parameters of a chi pattern, which use
// OpenAPI's syntax.
var pathParamRE = regexp.MustCompile(`\{([^}/]+)\}`)

// openAPIDocument builds the OpenAPI 3.0 document of routes, served under
// apiURL (the absolute URL of /api). Paths are the routes' chi patterns, so
// the document lists exactly the routes the router serves.
func openAPIDocument(routes []route, apiURL, version string) map[string]any {
	paths := map[string]any{}
	for _, rt := range routes {
		item, _ := paths[rt.pattern].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.pattern] = item
		}
		item[strings.ToLower(rt.method)] = operationObject(rt)
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "Frontline API",
			"version":     version,
			"description": "Areas of control and incidents in Syria: OGC API – Features Part 1 (core, GeoJSON, OpenAPI 3.0), Part 4 writes (create, replace, update, delete) with versions and history, and queries beyond the standard. Coordinates are [lon, lat] in WGS84 (CRS84).",
			"license":     map[string]any{"name": "See the project's LICENSE and data/README.md"},
		},
		"servers": []any{map[string]any{"url": apiURL}},
		"paths":   paths,
		"components": map[string]any{
			"schemas": map[string]any{
				"problem": map[string]any{
					"type":     "object",
					"required": []string{"type", "title", "status"},
					"properties": map[string]any{
						"type":       map[string]any{"type": "string"},
						"title":      map[string]any{"type": "string"},
						"status":     map[string]any{"type": "integer"},
						"detail":     map[string]any{"type": "string"},
						"instance":   map[string]any{"type": "string"},
						"request_id": map[string]any{"type": "string"},
						"errors": map[string]any{"type": "array", "items": map[string]any{
							"type":       "object",
							"properties": map[string]any{"field": map[string]any{"type": "string"}, "reason": map[string]any{"type": "string"}},
						}},
					},
				},
			},
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer",
					"description": "An API token from `frontline token create`. Reads are public unless the server runs with --public-read=false (a viewer token); writes need an editor token, restore, audit and GeoPackage export an admin token."},
			},
			"responses": map[string]any{
				"problem": map[string]any{
					"description": "An RFC 9457 problem: invalid parameter (400, with errors naming each one), missing or invalid token (401), role too low (403), not found (404), method not allowed or read-only server (405), conflict (409), If-Match not current (412), body too large (413), unsupported media type (415), rejected import (422, with the report), If-Match missing (428), too many requests (429), not ready (503) or internal error (500).",
					"content":     map[string]any{contentTypeProblem: map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/problem"}}},
				},
			},
		},
	}
}

// operationObject is the OpenAPI Operation Object of rt.
func operationObject(rt route) map[string]any {
	op := rt.op
	params := slices.Clone(op.Params)
	for _, m := range pathParamRE.FindAllStringSubmatch(rt.pattern, -1) {
		if !slices.ContainsFunc(params, func(p param) bool { return p.In == "path" && p.Name == m[1] }) {
			params = append(params, param{Name: m[1], In: "path", Required: true, Schema: map[string]any{"type": "string"}})
		}
	}
	ps := make([]any, 0, len(params))
	for _, p := range params {
		o := map[string]any{"name": p.Name, "in": p.In, "schema": p.Schema}
		if p.Required || p.In == "path" {
			o["required"] = true
		}
		if p.Description != "" {
			o["description"] = p.Description
		}
		if p.Explode != nil {
			o["style"], o["explode"] = "form", *p.Explode
		}
		ps = append(ps, o)
	}
	problemRef := map[string]any{"$ref": "#/components/responses/problem"}
	success := map[string]any{"description": op.Summary, "content": map[string]any{
		cmp.Or(op.MediaType, contentTypeJSON): map[string]any{"schema": map[string]any{"type": "object"}},
	}}
	if op.Status == http.StatusNoContent {
		delete(success, "content")
	}
	responses := map[string]any{
		strconv.Itoa(cmp.Or(op.Status, http.StatusOK)): success,
		"400":     problemRef,
		"401":     problemRef,
		"404":     problemRef,
		"500":     problemRef,
		"default": problemRef,
	}
	if rt.method == http.MethodGet {
		responses["304"] = map[string]any{"description": "Not modified: If-None-Match named the current ETag."}
	}
	o := map[string]any{"operationId": op.ID, "summary": op.Summary, "parameters": ps, "responses": responses}
	if op.Description != "" {
		o["description"] = op.Description
	}
	if op.Auth != "" {
		o["security"] = []any{map[string]any{"bearer": []string{}}}
		o["x-role"] = string(op.Auth)
		for _, code := range []string{"403", "429"} {
			responses[code] = problemRef
		}
	}
	if op.Body != nil {
		content := map[string]any{}
		types := op.BodyTypes
		if len(types) == 0 {
			types = []string{contentTypeJSON}
		}
		for _, mt := range types {
			content[mt] = map[string]any{"schema": op.Body}
		}
		o["requestBody"] = map[string]any{"required": true, "content": content}
	}
	return o
}
