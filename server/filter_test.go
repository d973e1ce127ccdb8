package server

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// TestFilter checks filtering items with CQL2 over HTTP: the text and JSON
// encodings agree with each other and with the native parameters, the
// filter narrows the other parameters (AND), and bad filters are 400s
// naming the parameter, the token and its position.
func TestFilter(t *testing.T) {
	h, _ := newOGCServer(t, Config{})
	matched := func(target string) int {
		t.Helper()
		rec := do(h, "GET", target, "")
		if rec.Code != 200 {
			t.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body)
		}
		var fc struct{ NumberMatched int }
		if err := json.Unmarshal(rec.Body.Bytes(), &fc); err != nil {
			t.Fatal(err)
		}
		return fc.NumberMatched
	}
	items := func(c string, params ...string) string {
		q := url.Values{}
		for i := 0; i+1 < len(params); i += 2 {
			q.Set(params[i], params[i+1])
		}
		return "/api/collections/" + c + "/items?" + q.Encode()
	}
	for _, tt := range []struct {
		collection, text, json string
		native                 []string // the same as native parameters; nil: none
	}{
		{"incidents", "type = 'battles'", `{"op":"=","args":[{"property":"type"},"battles"]}`, []string{"type", "battles"}},
		{"incidents", "actor = 'isis' AND status = 'disputed'", `{"op":"and","args":[{"op":"=","args":[{"property":"actor"},"isis"]},{"op":"=","args":[{"property":"status"},"disputed"]}]}`, []string{"actor", "isis", "status", "disputed"}},
		{"incidents", "fatalities_best >= 3", `{"op":">=","args":[{"property":"fatalities_best"},3]}`, []string{"min_fatalities", "3"}},
		{"incidents", "S_INTERSECTS(geometry, BBOX(38, 34, 41, 37))", `{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[38,34,41,37]}]}`, []string{"bbox", "38,34,41,37"}},
		{"incidents", "T_INTERSECTS(date, INTERVAL('2026-01-01', '2026-01-20'))", `{"op":"t_intersects","args":[{"property":"date"},{"interval":["2026-01-01","2026-01-20"]}]}`, []string{"datetime", "2026-01-01/2026-01-20"}},
		{"incidents", "NOT (type = 'battles') OR fatalities_best > 100", `{"op":"or","args":[{"op":"not","args":[{"op":"=","args":[{"property":"type"},"battles"]}]},{"op":">","args":[{"property":"fatalities_best"},100]}]}`, nil},
		{"zones", "actor = 'sdf'", `{"op":"=","args":[{"property":"actor"},"sdf"]}`, []string{"actor", "sdf"}},
		{"zones", "S_INTERSECTS(geometry, POINT(40.7 36.4))", `{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":[40.7,36.4]}]}`, nil},
		{"sites", "kind IN ('prison', 'base')", `{"op":"in","args":[{"property":"kind"},["prison","base"]]}`, nil},
	} {
		fromText := matched(items(tt.collection, "filter", tt.text))
		fromJSON := matched(items(tt.collection, "filter", tt.json, "filter-lang", "cql2-json"))
		if fromText != fromJSON {
			t.Errorf("%s %s: text %d, JSON %d", tt.collection, tt.text, fromText, fromJSON)
		}
		if tt.native != nil {
			if n := matched(items(tt.collection, tt.native...)); n != fromText {
				t.Errorf("%s %s: %d, the native parameters %v %d", tt.collection, tt.text, fromText, tt.native, n)
			}
		}
		all := matched(items(tt.collection))
		if fromText > all {
			t.Errorf("%s %s: %d of %d", tt.collection, tt.text, fromText, all)
		}
	}
	// The filter and the other parameters, together.
	if n, want := matched(items("incidents", "filter", "status = 'disputed'", "type", "strategic_developments")),
		matched(items("incidents", "status", "disputed", "type", "strategic_developments")); n != want {
		t.Errorf("filter and type: %d, want %d", n, want)
	}
	for _, tt := range []struct {
		target, want string
	}{
		{items("incidents", "filter", "type = "), `"field":"filter","reason":"at position 7: the filter ends here`},
		{items("incidents", "filter", "nope = 1"), `"field":"filter","reason":"at position 0, \"nope\": is not a queryable`},
		{items("incidents", "filter", `{"op":"=","args":[1]}`, "filter-lang", "cql2-json"), `"field":"filter"`},
		{items("incidents", "filter", "type = 'x'", "filter-lang", "ecql"), `"field":"filter-lang"`},
		{items("incidents", "filter", "type = 'x'", "filter-crs", "http://www.opengis.net/def/crs/EPSG/0/4326"), `"field":"filter-crs"`},
		{items("incidents", "filter-lang", "cql2-text"), `"field":"filter","reason":"is missing`},
		{items("zones", "filter", "fatalities_best > 1"), `is not a queryable of this collection`},
		{items("governorates", "filter", "name = 'x'"), `"field":"filter"`},
	} {
		rec := do(h, "GET", tt.target, "")
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), tt.want) || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("GET %s: %d %s, want 400 with %s", tt.target, rec.Code, rec.Body, tt.want)
		}
	}
}

// TestFilterSearchAndStats checks a filter in a search body (JSON or
// text) and on GET and POST /api/stats: the same counts as on items.
func TestFilterSearchAndStats(t *testing.T) {
	h, _ := newOGCServer(t, Config{})
	count := func(method, target, body string) int {
		t.Helper()
		header := []string{}
		if body != "" {
			header = []string{"Content-Type", "application/json"}
		}
		rec := do(h, method, target, body, header...)
		if rec.Code != 200 {
			t.Fatalf("%s %s %s: %d %s", method, target, body, rec.Code, rec.Body)
		}
		var doc struct{ NumberMatched int }
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		return doc.NumberMatched
	}
	want := count("GET", "/api/collections/incidents/items?filter="+url.QueryEscape("fatalities_best >= 3 OR status = 'disputed'"), "")
	box := `"geometry":{"type":"Polygon","coordinates":[[[30,30],[50,30],[50,40],[30,40],[30,30]]]}`
	for _, tt := range []struct{ method, target, body string }{
		{"POST", "/api/search", `{` + box + `,"filter":"fatalities_best >= 3 OR status = 'disputed'","resultType":"hits"}`},
		{"POST", "/api/search", `{` + box + `,"filter":{"op":"or","args":[{"op":">=","args":[{"property":"fatalities_best"},3]},{"op":"=","args":[{"property":"status"},"disputed"]}]},"resultType":"hits"}`},
		{"GET", "/api/stats?group=type&filter=" + url.QueryEscape("fatalities_best >= 3 OR status = 'disputed'"), ""},
		{"POST", "/api/stats", `{` + box + `,"group":"type","filter":"fatalities_best >= 3 OR status = 'disputed'"}`},
	} {
		if n := count(tt.method, tt.target, tt.body); n != want {
			t.Errorf("%s %s %s: %d, items %d", tt.method, tt.target, tt.body, n, want)
		}
	}
	rec := do(h, "POST", "/api/search", `{`+box+`,"filter":"type = "}`, "Content-Type", "application/json")
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), `"field":"filter"`) {
		t.Errorf("a bad filter in a search body: %d %s", rec.Code, rec.Body)
	}
}

// TestFilterTiles checks that a filter narrows a vector tile: the tile of
// the whole world, filtered, is no larger than unfiltered, and empty (204)
// for a filter nothing matches.
func TestFilterTiles(t *testing.T) {
	h, _ := newOGCServer(t, Config{})
	tile := "/api/collections/incidents/tiles/WebMercatorQuad/0/0/0"
	all := do(h, "GET", tile, "")
	some := do(h, "GET", tile+"?filter="+url.QueryEscape("status = 'disputed'"), "")
	none := do(h, "GET", tile+"?filter="+url.QueryEscape("fatalities_best > 1000000"), "")
	if all.Code != 200 || some.Code != 200 || none.Code != 204 || some.Body.Len() >= all.Body.Len() {
		t.Errorf("tile: all %d (%d B), disputed %d (%d B), none %d", all.Code, all.Body.Len(), some.Code, some.Body.Len(), none.Code)
	}
	if rec := do(h, "GET", tile+"?sortby=date", ""); rec.Code != 400 {
		t.Errorf("a tile with sortby: %d", rec.Code)
	}
}
