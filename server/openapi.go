package server

// operation is the OpenAPI 3.0 description of one route: enough to generate
// the document served at /api/openapi.json.
type operation struct {
	ID      string // operationId
	Summary string
	// Params are the query and path parameters the handler accepts; a
	// handler must reject any other query parameter.
	Params []param
}

// param is one OpenAPI parameter.
type param struct {
	Name        string
	In          string // "query" or "path"
	Required    bool
	Description string
	Schema      map[string]any // a JSON Schema, such as {"type": "integer"}
}
