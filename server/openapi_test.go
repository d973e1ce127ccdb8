package server

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
)

// openAPIDoc fetches and decodes the served OpenAPI document.
func openAPIDoc(t *testing.T, h http.Handler) map[string]any {
	t.Helper()
	rec := ogcGet(h, "/api/openapi.json")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != contentTypeOpenAPI {
		t.Fatalf("openapi.json: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	return decode(t, rec)
}

// TestOpenAPIMatchesRouter walks chi's router and compares its API routes
// (method and path) with the document's: every route is documented and
// nothing is documented that does not exist.
func TestOpenAPIMatchesRouter(t *testing.T) {
	h, _ := newOGCServer(t, Config{})
	var routed []string
	err := chi.Walk(h.(*Server).mux.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		switch path, ok := strings.CutPrefix(route, "/api"); {
		case !ok || path == "/*": // not the API's, or notRouted's catch-all
		case path == "": // the landing page without its slash
			routed = append(routed, method+" /")
		default:
			routed = append(routed, method+" "+path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	doc := openAPIDoc(t, h)
	var documented []string
	for path, item := range doc["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(routed)
	routed = slices.Compact(routed)
	slices.Sort(documented)
	if !slices.Equal(routed, documented) {
		t.Errorf("router and OpenAPI differ:\n routed     %v\n documented %v", routed, documented)
	}
	if len(routed) < 8 {
		t.Errorf("only %d API routes walked: %v", len(routed), routed)
	}
}

// TestOpenAPIOperations checks each operation: a unique operationId, every
// path parameter of its path declared, and responses for success and
// problems.
func TestOpenAPIOperations(t *testing.T) {
	h, _ := newOGCServer(t, Config{})
	doc := openAPIDoc(t, h)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.0.") {
		t.Errorf("openapi %q, want 3.0.x", v)
	}
	ids := map[string]string{}
	for path, item := range doc["paths"].(map[string]any) {
		for method, o := range item.(map[string]any) {
			op := o.(map[string]any)
			id, _ := op["operationId"].(string)
			if id == "" || ids[id] != "" {
				t.Errorf("%s %s: operationId %q empty or also used by %s", method, path, id, ids[id])
			}
			ids[id] = method + " " + path
			var pathParams []string
			for _, p := range op["parameters"].([]any) {
				if p := p.(map[string]any); p["in"] == "path" {
					pathParams = append(pathParams, p["name"].(string))
					if p["required"] != true {
						t.Errorf("%s %s: path parameter %s not required", method, path, p["name"])
					}
				}
			}
			for _, m := range pathParamRE.FindAllStringSubmatch(path, -1) {
				if !slices.Contains(pathParams, m[1]) {
					t.Errorf("%s %s: path parameter %s not declared", method, path, m[1])
				}
			}
			responses := op["responses"].(map[string]any)
			success := slices.ContainsFunc([]string{"200", "201", "204"}, func(code string) bool { return responses[code] != nil })
			if !success || responses["400"] == nil {
				t.Errorf("%s %s: responses %v lack a success or 400", method, path, responses)
			}
			if op["security"] != nil && (responses["401"] == nil || responses["403"] == nil) {
				t.Errorf("%s %s: needs a token but documents no 401 or 403", method, path)
			}
		}
	}
}

// TestOpenAPIParametersAreAccepted sends each documented query parameter
// of each public GET route, and an undocumented one: a documented one must
// never be refused as unknown (by at least one collection, for the
// collection routes, whose parameters are the union of the collections'),
// and the undocumented one always must be. Routes that need a token are
// checked with one in edit_test.go.
func TestOpenAPIParametersAreAccepted(t *testing.T) {
	h, _ := newOGCServer(t, Config{})
	doc := openAPIDoc(t, h)
	for path, item := range doc["paths"].(map[string]any) {
		o, ok := item.(map[string]any)["get"]
		if !ok || o.(map[string]any)["security"] != nil {
			continue
		}
		var targets []string
		for _, c := range []string{collectionZones, collectionIncidents, collectionSites, collectionGovernorates} {
			targets = append(targets, "/api"+strings.NewReplacer("{collectionId}", c, "{featureId}", "x").Replace(path))
		}
		targets = slices.Compact(targets)
		for _, p := range o.(map[string]any)["parameters"].([]any) {
			p := p.(map[string]any)
			if p["in"] != "query" {
				continue
			}
			name := p["name"].(string)
			if !slices.ContainsFunc(targets, func(target string) bool { return unknownParam(t, ogcGet(h, target+"?"+name+"=1")) != name }) {
				t.Errorf("GET %s refuses documented parameter %s as unknown", path, name)
			}
		}
		for _, target := range targets {
			if got := unknownParam(t, ogcGet(h, target+"?undocumented=1")); got != "undocumented" {
				t.Errorf("GET %s accepts an undocumented parameter", target)
			}
		}
	}
}

// unknownParam returns the parameter a 400 response refuses as unknown, or
// "".
func unknownParam(t *testing.T, rec interface{ Result() *http.Response }) string {
	t.Helper()
	resp := rec.Result()
	if resp.StatusCode != http.StatusBadRequest {
		return ""
	}
	var p problem
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	for _, e := range p.Errors {
		if strings.HasPrefix(e.Reason, "unknown parameter") {
			return e.Field
		}
	}
	return ""
}

// TestItemsParamsDocumented checks that every parameter a collection's
// items accept is documented on getItems, and every documented one is
// accepted by some collection.
func TestItemsParamsDocumented(t *testing.T) {
	var documented []string
	for _, p := range itemsParams {
		if p.In == "query" {
			documented = append(documented, p.Name)
		}
	}
	accepted := slices.Concat(incidentItemParams, zoneItemParams, siteItemParams, governorateItemParams)
	for _, name := range accepted {
		if !slices.Contains(documented, name) {
			t.Errorf("items accept %q but getItems does not document it", name)
		}
	}
	for _, name := range documented {
		if !slices.Contains(accepted, name) {
			t.Errorf("getItems documents %q but no collection accepts it", name)
		}
	}
}
