package server

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/internal/fuzzguard"
)

// FuzzReadFeature feeds arbitrary bodies to the write routes' body
// parsers: they never panic, and either return a feature that passes
// validation's decoding with the ID asked for, or a 4xx error (a
// *geo.ValidationError naming a field, or a problem).
func FuzzReadFeature(f *testing.F) {
	f.Add(fakeIncident("x"), "incidents", "")
	f.Add(fakeIncident(""), "incidents", "tanf-drone")
	f.Add(`{"type":"Feature","id":3}`, "zones", "")
	f.Add(`{"properties":{"circle":{"center":[1,2],"radius_m":-1}}}`, "zones", "z")
	f.Add(`[]`, "sites", "")
	f.Add(`{"id":"a","id":"b"}`, "sites", "a")
	f.Fuzz(func(t *testing.T, body, collection, id string) {
		defer fuzzguard.Start(t)()
		if collection != collectionZones && collection != collectionIncidents {
			collection = collectionSites
		}
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", contentTypeGeoJSON)
		feature, err := readFeature(httptest.NewRecorder(), r, collection, id, 1<<16)
		var ve *geo.ValidationError
		var pe *problemError
		var me *http.MaxBytesError
		switch {
		case err == nil && id != "" && featureID(feature) != id:
			t.Fatalf("feature ID %q, asked for %q", featureID(feature), id)
		case err != nil && !errors.As(err, &ve) && !errors.As(err, &pe) && !errors.As(err, &me):
			t.Fatalf("error %T %v is not a 4xx", err, err)
		case err != nil && ve != nil && ve.Field == "":
			t.Fatalf("validation error without a field: %v", err)
		}
		r = httptest.NewRequest(http.MethodPatch, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", contentTypeMergePatch)
		if _, err := readMergePatch(httptest.NewRecorder(), r, 1<<16); err != nil && !errors.As(err, &ve) && !errors.As(err, &me) {
			t.Fatalf("merge patch error %T %v is not a 4xx", err, err)
		}
	})
}
