package server

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestSortByAndProperties checks sortby (the order of every page, ties by
// ID, pages that do not overlap) and properties (what each feature keeps)
// on items.
func TestSortByAndProperties(t *testing.T) {
	h, _ := newOGCServer(t, Config{})
	type feature struct {
		ID         string         `json:"id"`
		Geometry   map[string]any `json:"geometry"`
		Properties map[string]any `json:"properties"`
	}
	get := func(target string) []feature {
		t.Helper()
		rec := do(h, "GET", target, "")
		if rec.Code != 200 {
			t.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body)
		}
		var fc struct{ Features []feature }
		if err := json.Unmarshal(rec.Body.Bytes(), &fc); err != nil {
			t.Fatal(err)
		}
		return fc.Features
	}
	all := get("/api/collections/incidents/items?sortby=-fatalities_best,date")
	if len(all) < 3 {
		t.Fatalf("%d incidents", len(all))
	}
	for i := 1; i < len(all); i++ {
		a, b := all[i-1].Properties, all[i].Properties
		fa, fb := a["fatalities_best"].(float64), b["fatalities_best"].(float64)
		if fa < fb || fa == fb && (a["date"].(string) > b["date"].(string) || a["date"] == b["date"] && all[i-1].ID > all[i].ID) {
			t.Errorf("sortby=-fatalities_best,date: %s (%v, %v) before %s (%v, %v)", all[i-1].ID, fa, a["date"], all[i].ID, fb, b["date"])
		}
	}
	// Paged, the same order and no feature twice.
	var paged []string
	for offset := 0; offset < len(all); offset += 2 {
		for _, f := range get("/api/collections/incidents/items?sortby=-fatalities_best,date&limit=2&offset=" + strconv.Itoa(offset)) {
			paged = append(paged, f.ID)
		}
	}
	var ids []string
	for _, f := range all {
		ids = append(ids, f.ID)
	}
	if !slices.Equal(paged, ids) {
		t.Errorf("paged %v, whole %v", paged, ids)
	}
	// A + left unescaped reads as a space: ascending.
	asc := get("/api/collections/incidents/items?sortby=+fatalities_best")
	if asc[0].Properties["fatalities_best"].(float64) > asc[len(asc)-1].Properties["fatalities_best"].(float64) {
		t.Error("sortby=+fatalities_best is not ascending")
	}
	zones := get("/api/collections/zones/items?sortby=-id")
	if !slices.IsSortedFunc(zones, func(a, b feature) int { return strings.Compare(b.ID, a.ID) }) {
		t.Error("zones sortby=-id is not descending")
	}
	// properties keeps the named ones, and id and geometry.
	for _, f := range get("/api/collections/incidents/items?properties=date,type&limit=3") {
		if len(f.Properties) != 2 || f.Properties["date"] == nil || f.Properties["type"] == nil || f.ID == "" || f.Geometry == nil {
			t.Errorf("properties=date,type: %+v", f)
		}
	}
	for _, tt := range []struct{ target, want string }{
		{"/api/collections/incidents/items?sortby=nope", `"field":"sortby"`},
		{"/api/collections/incidents/items?sortby=date,-date", `"field":"sortby"`},
		{"/api/collections/zones/items?sortby=fatalities_best", `"field":"sortby"`},
		{"/api/collections/incidents/items?properties=date,,type", `"field":"properties"`},
		{"/api/collections/governorates/items?sortby=id", `"field":"sortby"`},
	} {
		if rec := do(h, "GET", tt.target, ""); rec.Code != 400 || !strings.Contains(rec.Body.String(), tt.want) {
			t.Errorf("GET %s: %d %s", tt.target, rec.Code, rec.Body)
		}
	}
}

// TestSortBySearch checks sortby and properties in a search body: the
// order and selection of items, and that a stats body refuses them.
func TestSortBySearch(t *testing.T) {
	h, _ := newOGCServer(t, Config{})
	box := `"geometry":{"type":"Polygon","coordinates":[[[30,30],[50,30],[50,40],[30,40],[30,30]]]}`
	rec := do(h, "POST", "/api/search", `{`+box+`,"sortby":"-fatalities_best,date","properties":"fatalities_best","limit":3}`, "Content-Type", "application/json")
	items := do(h, "GET", "/api/collections/incidents/items?sortby=-fatalities_best,date&properties=fatalities_best&limit=3", "")
	var a, b struct {
		Features []struct {
			ID         string         `json:"id"`
			Properties map[string]any `json:"properties"`
		}
	}
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &a) != nil || json.Unmarshal(items.Body.Bytes(), &b) != nil {
		t.Fatalf("search: %d %s", rec.Code, rec.Body)
	}
	if len(a.Features) != 3 || len(b.Features) != 3 {
		t.Fatalf("%d and %d features", len(a.Features), len(b.Features))
	}
	for i := range a.Features {
		if a.Features[i].ID != b.Features[i].ID || len(a.Features[i].Properties) != 1 {
			t.Errorf("search feature %d: %+v, items %+v", i, a.Features[i], b.Features[i])
		}
	}
	if rec := do(h, "POST", "/api/stats", `{`+box+`,"group":"type","sortby":"date"}`, "Content-Type", "application/json"); rec.Code != 400 || !strings.Contains(rec.Body.String(), `"field":"sortby"`) {
		t.Errorf("a stats body with sortby: %d %s", rec.Code, rec.Body)
	}
}
