package server

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
)

// nearestDoc is the part of a GET /api/nearest answer the tests read.
type nearestDoc struct {
	Type           string `json:"type"`
	NumberReturned int    `json:"numberReturned"`
	Features       []struct {
		ID         string  `json:"id"`
		DistanceM  float64 `json:"distance_m"`
		Properties struct {
			Type string `json:"type"`
		} `json:"properties"`
	} `json:"features"`
}

// TestNearestIsBruteForce checks GET /api/nearest against sorting every
// record of the test dataset by haversine distance, for incidents with and
// without a filter and for sites.
func TestNearestIsBruteForce(t *testing.T) {
	h, ds := newQueryServer(t)
	p := orb.Point{38.63, 33.50}
	type cand struct {
		id   string
		dist float64
	}
	brute := func(keep func(i int) bool, n int, at func(i int) (string, orb.Point)) []cand {
		var cs []cand
		for i := range n {
			if keep(i) {
				id, q := at(i)
				cs = append(cs, cand{id, geo.DistanceMeters(p, q)})
			}
		}
		slices.SortFunc(cs, func(a, b cand) int {
			return cmp.Or(cmp.Compare(a.dist, b.dist), cmp.Compare(a.id, b.id))
		})
		return cs
	}
	incident := func(i int) (string, orb.Point) { return string(ds.Incidents[i].ID), ds.Incidents[i].Location }
	site := func(i int) (string, orb.Point) { return string(ds.Sites[i].ID), ds.Sites[i].Location }
	all := func(int) bool { return true }
	for _, tt := range []struct {
		name   string
		target string
		k      int
		want   []cand
	}{
		{"incidents", "/api/nearest?point=38.63,33.50&k=3", 3, brute(all, len(ds.Incidents), incident)},
		{"battles", "/api/nearest?point=38.63,33.50&k=2&type=battles", 2,
			brute(func(i int) bool { return ds.Incidents[i].Type == geo.Battles }, len(ds.Incidents), incident)},
		{"sites, fewer than k", "/api/nearest?point=38.63,33.50&collection=sites&k=50", 50, brute(all, len(ds.Sites), site)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(h, http.MethodGet, tt.target, "", "")
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != contentTypeGeoJSON {
				t.Fatalf("status %d, Content-Type %q: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			}
			var doc nearestDoc
			if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			want := tt.want[:min(len(tt.want), tt.k)]
			if doc.Type != "FeatureCollection" || doc.NumberReturned != len(want) || len(doc.Features) != len(want) {
				t.Fatalf("got %d features (numberReturned %d), want %d", len(doc.Features), doc.NumberReturned, len(want))
			}
			for i, f := range doc.Features {
				if f.ID != want[i].id || f.DistanceM < want[i].dist-0.01 || f.DistanceM > want[i].dist+0.01 {
					t.Errorf("feature %d = %s at %.2f m, want %s at %.2f m", i, f.ID, f.DistanceM, want[i].id, want[i].dist)
				}
			}
			// Each feature is its record's MarshalJSON with distance_m first.
			var raw struct{ Features []json.RawMessage }
			if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
				t.Fatal(err)
			}
			for i, f := range raw.Features {
				var r json.Marshaler
				if tt.name == "sites, fewer than k" {
					r = siteByID(ds, want[i].id)
				} else {
					r = incidentByID(ds, want[i].id)
				}
				b, err := r.MarshalJSON()
				if err != nil {
					t.Fatal(err)
				}
				wantF := fmt.Sprintf(`{"distance_m":%s,%s`, strconv.FormatFloat(doc.Features[i].DistanceM, 'f', -1, 64), b[1:])
				if string(f) != wantF {
					t.Errorf("feature %d:\n got  %s\n want %s", i, f, wantF)
				}
			}
		})
	}
}

// TestNearestErrors checks that every bad parameter is named.
func TestNearestErrors(t *testing.T) {
	h, _ := newQueryServer(t)
	for _, tt := range []struct {
		name, target string
		fields       []string
	}{
		{"no point", "/api/nearest", []string{"point"}},
		{"latitude out of range", "/api/nearest?point=38,91", []string{"point"}},
		{"k too large", "/api/nearest?point=38,33&k=1001", []string{"k"}},
		{"k zero", "/api/nearest?point=38,33&k=0", []string{"k"}},
		{"unknown collection", "/api/nearest?point=38,33&collection=zones", []string{"collection"}},
		{"incident filter on sites", "/api/nearest?point=38,33&collection=sites&type=battles", []string{"type"}},
		{"site filter on incidents", "/api/nearest?point=38,33&kind=prison", []string{"kind"}},
		{"unknown type", "/api/nearest?point=38,33&type=bombing", []string{"type"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(h, http.MethodGet, tt.target, "", "")
			if rec.Code != http.StatusBadRequest || rec.Header().Get("Content-Type") != contentTypeProblem {
				t.Fatalf("status %d, Content-Type %q, want 400 problem+json", rec.Code, rec.Header().Get("Content-Type"))
			}
			var p problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range p.Errors {
				got = append(got, e.Field)
			}
			if !slices.Equal(got, tt.fields) {
				t.Errorf("errors name %v, want %v (%s)", got, tt.fields, rec.Body)
			}
		})
	}
}

// incidentByID and siteByID find a record of ds by ID, or fail with nil.
func incidentByID(ds *geo.Dataset, id string) *geo.Incident {
	for i := range ds.Incidents {
		if string(ds.Incidents[i].ID) == id {
			return &ds.Incidents[i]
		}
	}
	return nil
}

func siteByID(ds *geo.Dataset, id string) *geo.Site {
	for i := range ds.Sites {
		if string(ds.Sites[i].ID) == id {
			return &ds.Sites[i]
		}
	}
	return nil
}
