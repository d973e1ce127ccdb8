package cql2

import (
	"sync"

	"github.com/frontline-maps/frontline/geo"
	"github.com/paulmach/orb"
)

// Queryable describes one queryable for /collections/{id}/queryables.
type Queryable struct {
	Name, Title, Description string
	Kind                     Kind
}

func str(s string) Value {
	if s == "" {
		return Value{Null: true}
	}
	return Value{S: s}
}

func num(n float64) Value { return Value{N: n} }

func days(from, to geo.Day) Value { return Value{D: geo.Interval{From: from, To: to}} }

// IncidentQueryables are the incidents' queryables, in the order
// /queryables lists them.
var IncidentQueryables = []Queryable{
	{"id", "ID", "The incident's ID.", KString},
	{"type", "Event type", "The incident's type (ACLED's taxonomy).", KString},
	{"sub_type", "Sub-type", "The incident's sub-type; null when none is given.", KString},
	{"status", "Status", "How well the incident is established: reported, confirmed or disputed.", KString},
	{"actor", "Actor", "The actors involved, in any role: a comparison holds when it holds for one of them (actor = 'isis'), <> when none is equal; IS NULL when there are none.", KStrings},
	{"date", "Date", "The incident's days, from date to date_end: the temporal functions see the interval, comparisons its first day.", KDays},
	{"date_end", "Last day", "The last day the incident may have happened (date when known to the day).", KDays},
	{"fatalities_low", "Killed, low estimate", "The low estimate of deaths.", KNumber},
	{"fatalities_best", "Killed, best estimate", "The best estimate of deaths.", KNumber},
	{"fatalities_high", "Killed, high estimate", "The high estimate of deaths.", KNumber},
	{"fatalities_civilians", "Civilians killed", "Of the deaths, civilians (best estimate).", KNumber},
	{"precision_m", "Location precision", "How far, in metres, the true place may be from the point.", KNumber},
	{"place", "Place", "The place named in the sources; null when none.", KString},
	{"governorate", "Governorate", "The governorate the point is in (OCHA English name); null outside Syria.", KString},
	{"origin", "Origin dataset", "The dataset an imported incident comes from (ucdp, acled); null for Frontline's own.", KString},
	{"origin_id", "Origin ID", "The incident's ID in that dataset.", KString},
	{"geometry", "Location", "The incident's point, [lon, lat].", KGeometry},
}

// IncidentSchema is how a filter reads an incident.
func IncidentSchema() Schema[geo.Incident] {
	return Schema[geo.Incident]{
		"id":       {Kind: KString, Get: func(in *geo.Incident) Value { return str(string(in.ID)) }},
		"type":     {Kind: KString, Get: func(in *geo.Incident) Value { return str(string(in.Type)) }},
		"sub_type": {Kind: KString, Get: func(in *geo.Incident) Value { return str(string(in.SubType)) }},
		"status":   {Kind: KString, Get: func(in *geo.Incident) Value { return str(string(in.Status)) }},
		"actor": {Kind: KStrings, Get: func(in *geo.Incident) Value {
			var ids []string
			for _, a := range in.Actors {
				if a.Actor != "" {
					ids = append(ids, string(a.Actor))
				}
			}
			if len(ids) == 0 {
				return Value{Null: true}
			}
			return Value{Ss: ids}
		}},
		"date":                 {Kind: KDays, Get: func(in *geo.Incident) Value { return days(in.Date, in.DateEnd) }},
		"date_end":             {Kind: KDays, Get: func(in *geo.Incident) Value { return days(in.DateEnd, in.DateEnd) }},
		"fatalities_low":       {Kind: KNumber, Get: func(in *geo.Incident) Value { return num(float64(in.Fatalities.Low)) }},
		"fatalities_best":      {Kind: KNumber, Get: func(in *geo.Incident) Value { return num(float64(in.Fatalities.Best)) }},
		"fatalities_high":      {Kind: KNumber, Get: func(in *geo.Incident) Value { return num(float64(in.Fatalities.High)) }},
		"fatalities_civilians": {Kind: KNumber, Get: func(in *geo.Incident) Value { return num(float64(in.Fatalities.Civilians)) }},
		"precision_m":          {Kind: KNumber, Get: func(in *geo.Incident) Value { return num(in.PrecisionMeters) }},
		"place":                {Kind: KString, Get: func(in *geo.Incident) Value { return str(in.Place) }},
		"governorate":          {Kind: KString, Get: func(in *geo.Incident) Value { return str(in.Governorate) }},
		"origin":               {Kind: KString, Get: func(in *geo.Incident) Value { return str(in.Origin.Dataset) }},
		"origin_id":            {Kind: KString, Get: func(in *geo.Incident) Value { return str(in.Origin.ID) }},
		"geometry": {Kind: KGeometry, Get: func(in *geo.Incident) Value {
			p := in.Location
			return Value{G: Shape{Point: &p}}
		}},
	}
}

// ZoneQueryables are the zones' queryables.
var ZoneQueryables = []Queryable{
	{"id", "ID", "The zone's ID.", KString},
	{"name", "Name", "The zone's name; null when none.", KString},
	{"actor", "Actor", "The actor holding the zone.", KString},
	{"status", "Status", "The kind of hold: control, contested, joint, presence, deconfliction or buffer.", KString},
	{"valid", "Validity", "The zone's days, from valid_from to valid_to (open ends unbounded): the temporal functions see the interval, comparisons its first day.", KDays},
	{"valid_from", "Valid from", "The zone's first day; null when open.", KDays},
	{"valid_to", "Valid to", "The zone's last day; null while it still holds.", KDays},
	{"approximate", "Approximate", "Whether the shape is drawn from reports rather than surveyed.", KBool},
	{"uncertainty_m", "Edge uncertainty", "By how many metres the edge may be off.", KNumber},
	{"geometry", "Shape", "The zone's area, [lon, lat]: a polygon, or a geodesic circle.", KGeometry},
}

// ZoneSchema is how a filter reads a zone. A zone's prepared polygon is
// built the first time a filter needs it, once per schema.
func ZoneSchema() Schema[geo.Zone] {
	var mu sync.Mutex
	regions := map[geo.ZoneID]*geo.Region{}
	day := func(d geo.Day) Value {
		if d.IsOpen() {
			return Value{Null: true}
		}
		return days(d, d)
	}
	return Schema[geo.Zone]{
		"id":            {Kind: KString, Get: func(z *geo.Zone) Value { return str(string(z.ID)) }},
		"name":          {Kind: KString, Get: func(z *geo.Zone) Value { return str(z.Name) }},
		"actor":         {Kind: KString, Get: func(z *geo.Zone) Value { return str(string(z.Actor)) }},
		"status":        {Kind: KString, Get: func(z *geo.Zone) Value { return str(string(z.Status)) }},
		"valid":         {Kind: KDays, Get: func(z *geo.Zone) Value { return days(z.Valid.From, z.Valid.To) }},
		"valid_from":    {Kind: KDays, Get: func(z *geo.Zone) Value { return day(z.Valid.From) }},
		"valid_to":      {Kind: KDays, Get: func(z *geo.Zone) Value { return day(z.Valid.To) }},
		"approximate":   {Kind: KBool, Get: func(z *geo.Zone) Value { return Value{B: z.Approximate} }},
		"uncertainty_m": {Kind: KNumber, Get: func(z *geo.Zone) Value { return num(z.UncertaintyMeters) }},
		"geometry": {Kind: KGeometry, Area: true, Get: func(z *geo.Zone) Value {
			if z.Circle != nil {
				c := *z.Circle
				return Value{G: Shape{Circle: &c}}
			}
			mp, _ := z.Geometry().(orb.MultiPolygon)
			mu.Lock()
			r, ok := regions[z.ID]
			mu.Unlock()
			if !ok {
				var err error
				if r, err = geo.PrepareRegion(mp); err != nil {
					return Value{Null: true}
				}
				mu.Lock()
				regions[z.ID] = r
				mu.Unlock()
			}
			return Value{G: Shape{Region: r, Area: mp}}
		}},
	}
}

// SiteQueryables are the sites' queryables.
var SiteQueryables = []Queryable{
	{"id", "ID", "The site's ID.", KString},
	{"name", "Name", "The site's English name.", KString},
	{"name_ar", "Arabic name", "The site's Arabic name; null when none.", KString},
	{"kind", "Kind", "The kind of site.", KString},
	{"governorate", "Governorate", "The governorate the site is in (OCHA English name).", KString},
	{"geometry", "Location", "The site's point, [lon, lat].", KGeometry},
}

// SiteSchema is how a filter reads a site.
func SiteSchema() Schema[geo.Site] {
	return Schema[geo.Site]{
		"id":          {Kind: KString, Get: func(s *geo.Site) Value { return str(string(s.ID)) }},
		"name":        {Kind: KString, Get: func(s *geo.Site) Value { return str(s.Name) }},
		"name_ar":     {Kind: KString, Get: func(s *geo.Site) Value { return str(s.NameAR) }},
		"kind":        {Kind: KString, Get: func(s *geo.Site) Value { return str(string(s.Kind)) }},
		"governorate": {Kind: KString, Get: func(s *geo.Site) Value { return str(s.Governorate) }},
		"geometry": {Kind: KGeometry, Get: func(s *geo.Site) Value {
			p := s.Location
			return Value{G: Shape{Point: &p}}
		}},
	}
}
