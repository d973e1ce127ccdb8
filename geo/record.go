package geo

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// Source is one report that a record relies on. Several sources of one
// incident may disagree; Note keeps what this source says when it differs
// (for example its casualty figure).
type Source struct {
	Publisher string // who published it, required: "Reuters", "UCDP GED 23.1"
	Title     string // headline or title, optional
	URL       string // http or https address, optional
	Published Day    // publication date; the zero Day means unknown
	Note      string // what this source claims where sources differ, optional
}

// Validate checks that the publisher is given and the URL, if any, is an
// absolute http(s) address.
func (s Source) Validate() error {
	if strings.TrimSpace(s.Publisher) == "" {
		return invalid("publisher", "is required")
	}
	if s.URL != "" {
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return invalid("url", "%q is not an absolute http or https URL", s.URL)
		}
	}
	if s.Published != 0 && (s.Published < minDay || s.Published > maxDay) {
		return invalid("published", "date out of range")
	}
	return nil
}

// validateSources checks each source; required says at least one is needed.
func validateSources(srcs []Source, required bool) error {
	if required && len(srcs) == 0 {
		return invalid("sources", "at least one source is required")
	}
	for i, s := range srcs {
		if err := s.Validate(); err != nil {
			return prefixField(fmt.Sprintf("sources[%d]", i), err)
		}
	}
	return nil
}

// Origin names the dataset a record came from and its ID there, such as
// {"ucdp", "186940"}. Curated records have Dataset "frontline"; generated
// benchmark data has Dataset "synthetic".
type Origin struct {
	Dataset string
	ID      string
}

// OriginSynthetic marks generated records. They need no sources and are never
// part of the curated dataset.
const OriginSynthetic = "synthetic"

// String formats o as "dataset:id", or "" when o is empty.
func (o Origin) String() string {
	if o.Dataset == "" {
		return ""
	}
	return o.Dataset + ":" + o.ID
}

var colourRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// Actor is an armed group, state or coalition that holds zones or takes part
// in incidents.
type Actor struct {
	ID        ActorID
	Name      string   // English name
	NameAR    string   // Arabic name, optional
	ShortName string   // abbreviation shown in legends, such as "SDF"
	Aliases   []string // other names, in any language, for matching imports
	// DatedAliases are names that stand for this actor only on some days,
	// for matching imports by the event's date.
	DatedAliases []DatedAlias
	Colour       string // #rrggbb used on the map
	Kind         ActorKind
	Affiliation  ActorID // the actor this one belongs to or is backed by, optional
	Sources      []Source
	Notes        string
}

// DatedAlias is a name that stands for an actor only on the days of Valid
// (both bounds included, open ends allowed). UCDP names both Syrian
// governments "Government of Syria", so that name is the Assad government's
// up to 7 Dec 2024 and the interim government's from 8 Dec; ACLED's
// "Military Forces of Syria (2000-2024)" carries its period in the name.
// An import matches a name by a dated alias only when Valid holds every day
// of the event.
type DatedAlias struct {
	Name  string
	Valid Interval
}

// Validate checks the ID, name, colour, kind and sources. Whether Affiliation
// names an existing actor is a dataset-level check.
func (a Actor) Validate() error {
	if err := checkID("id", string(a.ID)); err != nil {
		return err
	}
	if strings.TrimSpace(a.Name) == "" {
		return invalid("name", "is required")
	}
	if !colourRE.MatchString(a.Colour) {
		return invalid("colour", "%q is not a #rrggbb colour", a.Colour)
	}
	if !a.Kind.Valid() {
		return notOneOf("kind", a.Kind, ActorKinds)
	}
	if a.Affiliation != "" {
		if err := checkID("affiliation", string(a.Affiliation)); err != nil {
			return err
		}
	}
	for i, al := range a.DatedAliases {
		field := "dated_aliases[" + strconv.Itoa(i) + "]"
		if strings.TrimSpace(al.Name) == "" {
			return invalid(field+".name", "is required")
		}
		if err := al.Valid.Validate(); err != nil {
			return prefixField(field+".valid", err)
		}
	}
	return validateSources(a.Sources, false)
}

// Zone is an area held by one actor with a given status over an interval of
// days. Its shape is either Area (a Polygon or MultiPolygon) or Circle (a
// geodesic disc), never both. Zones may overlap.
type Zone struct {
	ID     ZoneID
	Name   string
	Actor  ActorID
	Status ZoneStatus
	// Area is an orb.Polygon or orb.MultiPolygon in [lon, lat], or nil when
	// Circle is set; Normalize makes it a MultiPolygon (see Geometry).
	Area   orb.Geometry
	Circle *Circle
	Valid  Interval
	// Approximate marks geometry drawn from reports rather than surveyed;
	// UncertaintyMeters says by how much the edge may be off.
	Approximate       bool
	UncertaintyMeters float64
	Sources           []Source
	Notes             string
}

// Validate checks every field and the geometry (see NormalizeArea and
// Circle.Validate). Sources are required. It does not change z; use
// Normalize to fix ring orientation.
func (z Zone) Validate() error {
	_, err := z.normalized()
	return err
}

// CheckActors returns a *ValidationError naming the field "actor" when the
// zone's actor is set and known (the actor table's lookup) does not know
// it; nil otherwise. Validate cannot check this, as it sees one record.
func (z Zone) CheckActors(known func(ActorID) bool) error {
	if z.Actor != "" && !known(z.Actor) {
		return invalid("actor", "%s", unknownActor(z.Actor))
	}
	return nil
}

// Normalize validates z and rewrites its rings to RFC 7946 orientation.
func (z *Zone) Normalize() error {
	n, err := z.normalized()
	if err != nil {
		return err
	}
	*z = n
	return nil
}

func (z Zone) normalized() (Zone, error) {
	if err := checkID("id", string(z.ID)); err != nil {
		return z, err
	}
	if err := checkID("actor", string(z.Actor)); err != nil {
		return z, err
	}
	if !z.Status.Valid() {
		return z, notOneOf("status", z.Status, ZoneStatuses)
	}
	if err := z.Valid.Validate(); err != nil {
		// The schema names the interval's bounds valid_from and valid_to.
		var ve *ValidationError
		if errors.As(err, &ve) {
			return z, invalid("valid_"+ve.Field, "%s", ve.Reason)
		}
		return z, err
	}
	if err := checkMeters("uncertainty_m", z.UncertaintyMeters); err != nil {
		return z, err
	}
	switch {
	case z.Circle != nil && z.Area != nil:
		return z, invalid("geometry", "a zone has either an area or a circle, not both")
	case z.Circle != nil:
		if err := z.Circle.Validate(); err != nil {
			return z, prefixField("circle", err)
		}
		c := *z.Circle
		z.Circle = &c
	default:
		a, err := NormalizeArea(z.Area)
		if err != nil {
			return z, prefixField("geometry", err)
		}
		z.Area = Zone{Area: a}.Geometry() // a MultiPolygon, as it is written
	}
	if err := validateSources(z.Sources, true); err != nil {
		return z, err
	}
	return z, nil
}

// Geometry returns the zone's shape as every encoding writes it: a
// MultiPolygon, its area's (a Polygon as a MultiPolygon of one) or a circle
// zone's circle drawn with CirclePolygonVertices vertices; nil for a zone
// with neither. One geometry type for every zone is what GIS clients need
// of a layer: the GeoPackage's zones table declares MULTIPOLYGON, and GDAL
// types an OGC API layer by the features it reads first.
func (z Zone) Geometry() orb.Geometry {
	if z.Circle != nil {
		return orb.MultiPolygon{z.Circle.Polygon(CirclePolygonVertices)}
	}
	switch a := z.Area.(type) {
	case orb.Polygon:
		return orb.MultiPolygon{a}
	case orb.MultiPolygon:
		return a
	}
	return nil
}

// Bound returns the [lon, lat] bounding box of the zone's shape.
func (z Zone) Bound() orb.Bound {
	if z.Circle != nil {
		return z.Circle.Bound()
	}
	if z.Area == nil {
		return orb.Bound{}
	}
	return z.Area.Bound()
}

// Fatalities are the deaths reported for an incident: a low, best and high
// estimate, and how many of the best estimate were civilians. Zero means none
// reported.
type Fatalities struct {
	Low, Best, High int
	Civilians       int
}

// Validate checks 0 <= Low <= Best <= High and 0 <= Civilians <= High.
func (f Fatalities) Validate() error {
	switch {
	case f.Low < 0:
		return invalid("fatalities_low", "must not be negative")
	case f.Best < f.Low:
		return invalid("fatalities_best", "%d is below fatalities_low %d", f.Best, f.Low)
	case f.High < f.Best:
		return invalid("fatalities_high", "%d is below fatalities_best %d", f.High, f.Best)
	case f.Civilians < 0:
		return invalid("fatalities_civilians", "must not be negative")
	case f.Civilians > f.High:
		return invalid("fatalities_civilians", "%d is above fatalities_high %d", f.Civilians, f.High)
	}
	return nil
}

// IncidentActor is an actor's part in an incident. Actor is the ID of a known
// Actor, or empty when the reported name matches none; Name is the name as
// the source gives it.
type IncidentActor struct {
	Actor ActorID
	Name  string
	Role  ActorRole
}

// MaxPrecisionMeters bounds an incident's location uncertainty: 1,000 km.
const MaxPrecisionMeters = 1_000_000

// Incident is one reported event: when, where, what, who, how many died, and
// who says so.
type Incident struct {
	ID IncidentID
	// Date is the first day the event may have happened and DateEnd the last;
	// they are equal for an event known to the day.
	Date          Day
	DateEnd       Day
	DatePrecision DatePrecision
	Type          EventType
	SubType       SubType // optional; when set it must belong to Type
	Actors        []IncidentActor
	// Location is the reported point, [lon, lat]. PrecisionMeters is the
	// radius within which the event is known to have happened (0: exact).
	Location        orb.Point
	PrecisionMeters float64
	Place           string
	Governorate     string // OCHA English name, filled from boundaries
	Fatalities      Fatalities
	Description     string
	Sources         []Source
	Status          IncidentStatus
	Origin          Origin
	// MergedOrigins are the origins of the records merged into this one as
	// reports of the same event (frontline dedup): an import of any of them
	// updates this incident rather than adding a duplicate.
	MergedOrigins []Origin
	// Publish is the editor's override of the publication policy; "" for
	// none.
	Publish Publish
	// Publication says how the published view changed this incident for
	// readers without the editor role; nil on an incident as stored, and
	// never read from a client.
	Publication *Publication
}

// Publication is what the published view did to an incident: the position
// it coarsened and the properties it withheld, and the rules that said so.
type Publication struct {
	// Coarsened names how the position was coarsened: "grid" (to the
	// centre of a cell of CellKm kilometres) or "governorate" (to the
	// governorate's centroid); "" when the position is exact.
	Coarsened string
	CellKm    float64
	// Area bounds where the event happened: the grid cell, or the
	// governorate's bounds, in degrees [lon, lat]; empty when exact.
	Area orb.Bound
	// Withheld lists the properties left out, sorted.
	Withheld []string
	// Rules names the policy's rules that applied ("override" for the
	// editor's), in the policy's order.
	Rules []string
}

// Span returns the interval [Date, DateEnd].
func (in Incident) Span() Interval { return Interval{From: in.Date, To: in.DateEnd} }

// Validate checks every field. Sources are required unless the incident is
// synthetic (Origin.Dataset == OriginSynthetic).
func (in Incident) Validate() error {
	if err := checkID("id", string(in.ID)); err != nil {
		return err
	}
	if in.Date < minDay || in.Date > maxDay {
		return invalid("date", "date out of range")
	}
	if in.DateEnd < in.Date || in.DateEnd > maxDay {
		return invalid("date_end", "%s is before date %s", in.DateEnd, in.Date)
	}
	if !in.DatePrecision.Valid() {
		return notOneOf("date_precision", in.DatePrecision, DatePrecisions)
	}
	if !in.Type.Valid() {
		return notOneOf("type", in.Type, EventTypes)
	}
	if in.SubType != "" {
		t, ok := in.SubType.Type()
		if !ok {
			return invalid("sub_type", "%q is not a known sub-type", in.SubType)
		}
		if t != in.Type {
			return invalid("sub_type", "%q belongs to type %q, not %q", in.SubType, t, in.Type)
		}
	}
	for i, a := range in.Actors {
		// The field name is built only on the error path: Validate runs on
		// every record of a million-incident build.
		if a.Actor != "" && !validID(string(a.Actor)) {
			return checkID(fmt.Sprintf("actors[%d].actor", i), string(a.Actor))
		}
		if a.Actor == "" && strings.TrimSpace(a.Name) == "" {
			return invalid(fmt.Sprintf("actors[%d]", i), "needs an actor id or a name")
		}
		if !a.Role.Valid() {
			return notOneOf(fmt.Sprintf("actors[%d].role", i), a.Role, ActorRoles)
		}
	}
	if err := ValidatePoint(in.Location); err != nil {
		return prefixField("geometry", err)
	}
	if err := checkMeters("precision_m", in.PrecisionMeters); err != nil {
		return err
	}
	if in.PrecisionMeters > MaxPrecisionMeters {
		return invalid("precision_m", "%g m is above %d", in.PrecisionMeters, MaxPrecisionMeters)
	}
	if err := in.Fatalities.Validate(); err != nil {
		return err
	}
	if !in.Status.Valid() {
		return notOneOf("status", in.Status, IncidentStatuses)
	}
	if in.Origin.Dataset != "" && !validID(in.Origin.Dataset) {
		return invalid("origin", "%q is not an identifier", in.Origin.Dataset)
	}
	seen := map[Origin]bool{in.Origin: true}
	for i, o := range in.MergedOrigins {
		field := "merged_origins[" + strconv.Itoa(i) + "]"
		switch {
		case !validID(o.Dataset) || o.ID == "":
			return invalid(field, "%q is not of the form dataset:id", o.String())
		case seen[o]:
			return invalid(field, "%s is the incident's origin or listed twice", o)
		}
		seen[o] = true
	}
	if in.Publish != "" && !in.Publish.Valid() {
		return notOneOf("publish", in.Publish, Publishes)
	}
	return validateSources(in.Sources, in.Origin.Dataset != OriginSynthetic)
}

// CheckActors returns a *ValidationError naming the field
// "actors[i].actor" of the first of the incident's actors whose ID is set
// and unknown to known (the actor table's lookup); nil when there is none.
// Actors given by name only (an import's unmatched names) pass.
func (in Incident) CheckActors(known func(ActorID) bool) error {
	for i, a := range in.Actors {
		if a.Actor != "" && !known(a.Actor) {
			return invalid(fmt.Sprintf("actors[%d].actor", i), "%s", unknownActor(a.Actor))
		}
	}
	return nil
}

// notOneOf is the error of an enumerated field whose value v is not one
// of allowed: "is missing" when it is empty, as a field left out decodes.
func notOneOf[T ~string](field string, v T, allowed []T) error {
	if v == "" {
		return invalid(field, "is missing; expected one of %v", allowed)
	}
	return invalid(field, "%q is not one of %v", v, allowed)
}

// unknownActor is the reason a reference to actor id is refused.
func unknownActor(id ActorID) string { return fmt.Sprintf("actor %q does not exist", id) }

// Site is a named place: a prison, camp, base, oil field, crossing or town.
type Site struct {
	ID          SiteID
	Name        string
	NameAR      string
	AltNames    []string
	Kind        SiteKind
	Location    orb.Point // [lon, lat]
	Governorate string
	Sources     []Source
	Notes       string
}

// Validate checks every field; sources are required.
func (s Site) Validate() error {
	if err := checkID("id", string(s.ID)); err != nil {
		return err
	}
	if strings.TrimSpace(s.Name) == "" {
		return invalid("name", "is required")
	}
	if !s.Kind.Valid() {
		return notOneOf("kind", s.Kind, SiteKinds)
	}
	if err := ValidatePoint(s.Location); err != nil {
		return prefixField("geometry", err)
	}
	return validateSources(s.Sources, true)
}

// BoundaryLevel is the administrative level of a Boundary.
type BoundaryLevel string

// The boundary levels.
const (
	LevelCountry     BoundaryLevel = "country"
	LevelGovernorate BoundaryLevel = "governorate"
)

// Boundary is an administrative area: a country or a governorate.
type Boundary struct {
	ID     string // stable code, such as the OCHA pcode "SY09"
	Name   string // English name, such as "Deir-ez-Zor"
	NameAR string
	Level  BoundaryLevel
	Area   orb.Geometry // Polygon or MultiPolygon, [lon, lat]
	Source string       // attribution
}

// Validate checks the ID, name, level and geometry.
func (b Boundary) Validate() error {
	if err := checkID("id", b.ID); err != nil {
		return err
	}
	if strings.TrimSpace(b.Name) == "" {
		return invalid("name", "is required")
	}
	if b.Level != LevelCountry && b.Level != LevelGovernorate {
		return invalid("level", "%q is not country or governorate", b.Level)
	}
	if _, err := NormalizeArea(b.Area); err != nil {
		return prefixField("geometry", err)
	}
	return nil
}

func checkMeters(field string, m float64) error {
	if math.IsNaN(m) || math.IsInf(m, 0) || m < 0 {
		return invalid(field, "must be a finite number of metres >= 0")
	}
	return nil
}
