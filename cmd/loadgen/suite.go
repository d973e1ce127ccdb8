package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/frontline-maps/frontline/geo/synth"
)

// suiteQuery is one request of a suite, named as the server's Go
// benchmarks name it (BenchmarkHTTPCount/Q1, ...), so the figures line up.
type suiteQuery struct {
	name   string
	method string
	path   string // under the base URL, with its query string
	body   string // JSON; "" for none
}

// coreSuite returns the core benchmark queries of issue 2 (Q1, Q2, Q3, Q5;
// Q4, the nearest incidents, has no HTTP endpoint) as counts and as
// GeoJSON pages of 10,000 features, for the synthetic workload of seed
// (synth.Q1Polygon(seed) is Q1's polygon). The places are those of
// server/query_bench_test.go.
func coreSuite(seed int64) ([]suiteQuery, error) {
	geom, err := json.Marshal(map[string]any{"type": "Polygon", "coordinates": synth.Q1Polygon(seed)})
	if err != nil {
		return nil, err
	}
	search := func(extra string) string { return fmt.Sprintf(`{"geometry":%s%s}`, geom, extra) }
	const items = "/api/collections/incidents/items?"
	const q2, q3 = "point=38.63,33.5&radius=55000", "bbox=38.76,35.7,39.26,36.2"
	const q5 = `,"datetime":"2025-01-01/2025-12-31"`
	return []suiteQuery{
		{"Q1Count", http.MethodPost, "/api/search", search(`,"resultType":"hits"`)},
		{"Q1GeoJSON", http.MethodPost, "/api/search", search(`,"limit":10000`)},
		{"Q2Count", http.MethodGet, items + q2 + "&resultType=hits", ""},
		{"Q2GeoJSON", http.MethodGet, items + q2 + "&limit=10000", ""},
		{"Q3Count", http.MethodGet, items + q3 + "&resultType=hits", ""},
		{"Q3GeoJSON", http.MethodGet, items + q3 + "&limit=10000", ""},
		{"Q5Count", http.MethodPost, "/api/search", search(q5 + `,"resultType":"hits"`)},
		{"Q5GeoJSON", http.MethodPost, "/api/search", search(q5 + `,"limit":10000`)},
	}, nil
}

// tileSuite returns the runs of -suite tiles against base (the server's
// root URL): the incident tiles of synth.TileTour, in order, without a
// filter (all) and with a one-year datetime (year), as the in-process
// benchmark (server/tiles_bench_test.go BenchmarkTiles) asks for them.
func tileSuite(c config, base string) []config {
	var out []config
	for _, filter := range []struct{ name, query string }{{"all", ""}, {"year", "?datetime=2025-01-01/2025-12-31"}} {
		rc := c
		rc.url, rc.method, rc.body = strings.TrimSuffix(base, "/"), http.MethodGet, nil
		for _, t := range synth.TileTour() {
			rc.paths = append(rc.paths, fmt.Sprintf("/api/collections/incidents/tiles/WebMercatorQuad/%d/%d/%d%s", t.Z, t.Y, t.X, filter.query))
		}
		rc.bench = strings.TrimPrefix(c.bench+"/"+filter.name, "/")
		out = append(out, rc)
	}
	return out
}

// suiteConfigs returns one config per query of the suite (-suite core, or
// the two runs of -suite tiles), sent to base (the server's root URL) with
// c's bounds and concurrency, named PREFIX/QUERY for the benchmark lines.
func suiteConfigs(c config, base string, seed int64) ([]config, error) {
	if c.suite == "tiles" {
		return tileSuite(c, base), nil
	}
	qs, err := coreSuite(seed)
	if err != nil {
		return nil, err
	}
	out := make([]config, len(qs))
	for i, q := range qs {
		qc := c
		qc.url, qc.method, qc.body = strings.TrimSuffix(base, "/")+q.path, q.method, nil
		if q.body != "" {
			qc.body = []byte(q.body)
		}
		qc.bench = strings.TrimPrefix(c.bench+"/"+q.name, "/")
		out[i] = qc
	}
	return out, nil
}
