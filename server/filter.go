package server

import (
	"errors"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/geo/cql2"
)

// OGC API – Features – Part 3 (filtering) and the CQL2 classes this server
// implements (geo/cql2), and its one extension, S_DWITHIN.
var filterConformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
	"http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
	"http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
	"http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions",
	dwithinConformance,
}

// dwithinConformance names the extension S_DWITHIN(geometry, POINT(lon
// lat), metres): a WGS84 ellipsoid distance, as the radius queries'.
const dwithinConformance = "https://github.com/frontline-maps/frontline/blob/main/docs/api.md#filtering-with-cql2"

// filterParams are the Part 3 parameters of items.
var filterParams = []string{"filter", "filter-lang", "filter-crs"}

// incidentQueryableParams are the incidents' queryables that are query
// parameters too (Part 3's queryables as query parameters), an equality
// each, besides those the native parameters already are (type, sub_type,
// actor, status, governorate).
var incidentQueryableParams = []string{"fatalities_low", "fatalities_best", "fatalities_high", "fatalities_civilians", "precision_m", "place", "origin", "origin_id"}

// The OpenAPI parameters of filtering.
var filterParamDocs = []param{
	{Name: "filter", In: "query", Description: "incidents, zones, sites: a CQL2 filter (OGC 21-065r2) over the collection's queryables (/collections/{collectionId}/queryables), " +
		"in the encoding filter-lang names. Combined with the other parameters by AND. An error is a 400 naming the token and its byte position.",
		Schema: map[string]any{"type": "string", "maxLength": cql2.MaxLength}},
	{Name: "filter-lang", In: "query", Description: "The filter's encoding: cql2-text (the default) or cql2-json; cql-text, the Part 3 draft's name that GDAL 3.6 and older send, is read as cql2-text (with the draft's ILIKE).",
		Schema: map[string]any{"type": "string", "enum": []string{"cql2-text", "cql2-json", "cql-text"}, "default": "cql2-text"}},
	{Name: "filter-crs", In: "query", Description: "The CRS of the filter's geometries: CRS84 ([lon, lat]) only.",
		Schema: map[string]any{"type": "string", "enum": []string{crs84}, "default": crs84}},
}

// parseFilter reads filter, filter-lang and filter-crs: the filter's
// tree, or nil without one. Errors name the parameter; a filter's own say
// where in it.
func parseFilter(q url.Values) (cql2.Expr, error) {
	var errs paramErrors
	lang, hasLang, err := single(q, "filter-lang")
	errs.add(err)
	if hasLang && lang != "cql2-text" && lang != "cql2-json" && lang != "cql-text" {
		errs.add(invalidParam("filter-lang", "%s is not cql2-text or cql2-json", quote(lang)))
	}
	crs, hasCRS, err := single(q, "filter-crs")
	errs.add(err)
	if hasCRS && crs != crs84 {
		errs.add(invalidParam("filter-crs", "%s: filters take CRS84 ([lon, lat]) only, %s", quote(crs), crs84))
	}
	src, has, err := single(q, "filter")
	errs.add(err)
	if !has && (hasLang || hasCRS) {
		errs.add(invalidParam("filter", "is missing; filter-lang and filter-crs describe a filter"))
	}
	if err := errs.err(); err != nil || !has {
		return nil, err
	}
	var e cql2.Expr
	if lang == "cql2-json" {
		e, err = cql2.ParseJSON([]byte(src))
	} else {
		e, err = cql2.ParseText(src)
	}
	if err != nil {
		return nil, filterError(err)
	}
	return e, nil
}

// queryableEqualities reads the incidents' queryables given as query
// parameters (incidentQueryableParams) as a filter: each an equality, all
// joined by AND with filter. A numeric queryable's value must be a number.
func queryableEqualities(q url.Values, filter cql2.Expr) (cql2.Expr, error) {
	var errs paramErrors
	terms := []cql2.Expr{}
	if filter != nil {
		terms = append(terms, filter)
	}
	for _, name := range incidentQueryableParams {
		v, ok, err := single(q, name)
		errs.add(err)
		if !ok || err != nil {
			continue
		}
		var lit cql2.Expr = &cql2.String{V: v}
		if strings.HasPrefix(name, "fatalities_") || name == "precision_m" {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
				errs.add(invalidParam(name, "%s is not a number", quote(v)))
				continue
			}
			lit = &cql2.Number{V: n}
		}
		terms = append(terms, &cql2.Compare{Op: "=", A: &cql2.Property{Name: name}, B: lit})
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	switch len(terms) {
	case 0:
		return nil, nil
	case 1:
		return terms[0], nil
	}
	return &cql2.And{Args: terms}, nil
}

// filterError is a filter's error as a parameter error naming "filter".
func filterError(err error) error {
	var ce *cql2.Error
	if errors.As(err, &ce) {
		return invalidParam("filter", "%s", ce.Error())
	}
	return err
}

// incidentFilter plans filter over base, the request's other conditions.
func incidentFilter(e cql2.Expr, base geo.IncidentQuery) (geo.IncidentQuery, error) {
	if e == nil {
		return base, nil
	}
	p, err := cql2.PlanIncidents(e, base)
	if err != nil {
		return base, filterError(err)
	}
	return p.Query, nil
}

// zoneFilter and siteFilter compile a filter over zones and sites: they
// are few, so it is checked on each.
func zoneFilter(e cql2.Expr) (func(*geo.Zone) bool, error) {
	if e == nil {
		return nil, nil
	}
	keep, err := cql2.Compile(e, cql2.ZoneSchema())
	return keep, filterError(err)
}

func siteFilter(e cql2.Expr) (func(*geo.Site) bool, error) {
	if e == nil {
		return nil, nil
	}
	keep, err := cql2.Compile(e, cql2.SiteSchema())
	return keep, filterError(err)
}

// queryablesSchema is a collection's queryables as JSON Schema: each with
// its title, description and type, and the values it takes where they
// are few (enums), the geometry with its GeoJSON type.
func queryablesSchema(list []cql2.Queryable, enums map[string]any, geometry string) map[string]any {
	out := map[string]any{}
	for _, q := range list {
		sc := map[string]any{"title": q.Title, "description": q.Description}
		switch q.Kind {
		case cql2.KString:
			sc["type"] = "string"
		case cql2.KStrings:
			sc["type"] = "string"
		case cql2.KNumber:
			sc["type"] = "number"
			if slices.Contains([]string{"fatalities_low", "fatalities_best", "fatalities_high", "fatalities_civilians"}, q.Name) {
				sc["type"] = "integer"
			}
		case cql2.KBool:
			sc["type"] = "boolean"
		case cql2.KDays:
			sc["type"], sc["format"] = "string", "date"
		case cql2.KGeometry:
			sc["format"] = "geometry-" + geometry
			sc["x-ogc-role"] = "primary-geometry"
		}
		if v, ok := enums[q.Name]; ok {
			sc["enum"] = v
		}
		out[q.Name] = sc
	}
	return out
}
