package geo

import (
	"slices"
	"sort"
)

// ZoneStatus says what kind of hold an actor has on a Zone.
type ZoneStatus string

// The zone statuses. Presence is insurgent activity that is not control, such
// as ISIS cells in the Badiya; deconfliction is an agreed exclusion area such
// as the 55 km zone around Al-Tanf.
const (
	StatusControl       ZoneStatus = "control"
	StatusContested     ZoneStatus = "contested"
	StatusJoint         ZoneStatus = "joint"
	StatusPresence      ZoneStatus = "presence"
	StatusDeconfliction ZoneStatus = "deconfliction"
	StatusBuffer        ZoneStatus = "buffer"
)

// ZoneStatuses lists every ZoneStatus in display order.
var ZoneStatuses = []ZoneStatus{StatusControl, StatusContested, StatusJoint, StatusPresence, StatusDeconfliction, StatusBuffer}

// Valid reports whether s is one of ZoneStatuses.
func (s ZoneStatus) Valid() bool { return contains(ZoneStatuses, s) }

// IncidentStatus is how far an incident's account is established.
type IncidentStatus string

// The incident statuses. Disputed means sources disagree on what happened or
// the only source is of low credibility.
const (
	Reported  IncidentStatus = "reported"
	Confirmed IncidentStatus = "confirmed"
	Disputed  IncidentStatus = "disputed"
)

// IncidentStatuses lists every IncidentStatus.
var IncidentStatuses = []IncidentStatus{Reported, Confirmed, Disputed}

// Publish is an editor's override, for one incident, of the publication
// policy that decides what readers without the editor role see of it
// (catalog/publish): exact publishes it as stored at once, whatever the
// rules say; coarse coarsens its position even where no rule does;
// withheld never publishes it. Empty leaves it to the rules.
type Publish string

// The overrides.
const (
	PublishExact    Publish = "exact"
	PublishCoarse   Publish = "coarse"
	PublishWithheld Publish = "withheld"
)

// Publishes lists every Publish override.
var Publishes = []Publish{PublishExact, PublishCoarse, PublishWithheld}

// Valid reports whether p is one of Publishes.
func (p Publish) Valid() bool { return slices.Contains(Publishes, p) }

// Valid reports whether s is one of IncidentStatuses.
func (s IncidentStatus) Valid() bool { return contains(IncidentStatuses, s) }

// EventType is the top level of the incident taxonomy, after ACLED's event
// types.
type EventType string

// The event types.
const (
	Battles               EventType = "battles"
	RemoteViolence        EventType = "explosions_remote_violence"
	ViolenceAgainstCivils EventType = "violence_against_civilians"
	StrategicDevelopments EventType = "strategic_developments"
	Protests              EventType = "protests"
	Riots                 EventType = "riots"
)

// EventTypes lists every EventType.
var EventTypes = []EventType{Battles, RemoteViolence, ViolenceAgainstCivils, StrategicDevelopments, Protests, Riots}

// Valid reports whether t is one of EventTypes.
func (t EventType) Valid() bool { return contains(EventTypes, t) }

// SubType refines an EventType. Each SubType belongs to exactly one
// EventType, given by SubTypes.
type SubType string

// SubTypes maps every sub-type to its event type. The names follow ACLED's
// sub-event types, in snake case, plus "prison_break" and "checkpoint".
var SubTypes = map[SubType]EventType{
	"armed_clash":                         Battles,
	"government_regains_territory":        Battles,
	"non_state_actor_overtakes_territory": Battles,
	"air_drone_strike":                    RemoteViolence,
	"shelling_artillery_missile":          RemoteViolence,
	"ied":                                 RemoteViolence,
	"suicide_bomb":                        RemoteViolence,
	"grenade":                             RemoteViolence,
	"attack":                              ViolenceAgainstCivils,
	"abduction":                           ViolenceAgainstCivils,
	"sexual_violence":                     ViolenceAgainstCivils,
	"prison_break":                        StrategicDevelopments,
	"arrest":                              StrategicDevelopments,
	"checkpoint":                          StrategicDevelopments,
	"agreement":                           StrategicDevelopments,
	"headquarters_established":            StrategicDevelopments,
	"non_violent_transfer":                StrategicDevelopments,
	"looting_property_destruction":        StrategicDevelopments,
	"change_to_group_activity":            StrategicDevelopments,
	"disrupted_weapons_use":               StrategicDevelopments,
	"other":                               StrategicDevelopments,
	"peaceful_protest":                    Protests,
	"protest_with_intervention":           Protests,
	"excessive_force_against_protesters":  Protests,
	"violent_demonstration":               Riots,
	"mob_violence":                        Riots,
}

// Type returns the EventType that st belongs to, and false if st is unknown.
func (st SubType) Type() (EventType, bool) {
	t, ok := SubTypes[st]
	return t, ok
}

// SubTypesOf returns the sub-types of t in lexical order.
func SubTypesOf(t EventType) []SubType {
	var out []SubType
	for st, tt := range SubTypes {
		if tt == t {
			out = append(out, st)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// DatePrecision is how exactly an incident's date is known.
type DatePrecision string

// The date precisions, from UCDP's date_prec and ACLED's time_precision.
const (
	PrecisionDay   DatePrecision = "day"
	PrecisionWeek  DatePrecision = "week"
	PrecisionMonth DatePrecision = "month"
	PrecisionYear  DatePrecision = "year"
)

// DatePrecisions lists every DatePrecision, finest first.
var DatePrecisions = []DatePrecision{PrecisionDay, PrecisionWeek, PrecisionMonth, PrecisionYear}

// Valid reports whether p is one of DatePrecisions.
func (p DatePrecision) Valid() bool { return contains(DatePrecisions, p) }

// ActorKind classifies an Actor.
type ActorKind string

// The actor kinds.
const (
	KindState           ActorKind = "state"
	KindNonState        ActorKind = "non_state"
	KindCoalition       ActorKind = "coalition"
	KindForeignMilitary ActorKind = "foreign_military"
)

// ActorKinds lists every ActorKind.
var ActorKinds = []ActorKind{KindState, KindNonState, KindCoalition, KindForeignMilitary}

// Valid reports whether k is one of ActorKinds.
func (k ActorKind) Valid() bool { return contains(ActorKinds, k) }

// SiteKind classifies a Site.
type SiteKind string

// The site kinds, after the gazetteer's "kind" column.
const (
	SiteCity           SiteKind = "city"
	SiteTown           SiteKind = "town"
	SitePrison         SiteKind = "prison"
	SiteCamp           SiteKind = "camp"
	SiteBase           SiteKind = "base"
	SiteOilField       SiteKind = "oil_field"
	SiteGasField       SiteKind = "gas_field"
	SiteBorderCrossing SiteKind = "border_crossing"
	SiteMountain       SiteKind = "mountain"
	SiteRegion         SiteKind = "region"
	SiteDam            SiteKind = "dam"
	SiteAirport        SiteKind = "airport"
)

// SiteKinds lists every SiteKind.
var SiteKinds = []SiteKind{SiteCity, SiteTown, SitePrison, SiteCamp, SiteBase, SiteOilField, SiteGasField, SiteBorderCrossing, SiteMountain, SiteRegion, SiteDam, SiteAirport}

// Valid reports whether k is one of SiteKinds.
func (k SiteKind) Valid() bool { return contains(SiteKinds, k) }

// ActorRole is the part an actor played in an incident.
type ActorRole string

// The actor roles.
const (
	RolePerpetrator ActorRole = "perpetrator"
	RoleTarget      ActorRole = "target"
	RoleOther       ActorRole = "other"
)

// ActorRoles lists every ActorRole.
var ActorRoles = []ActorRole{RolePerpetrator, RoleTarget, RoleOther}

// Valid reports whether r is one of ActorRoles.
func (r ActorRole) Valid() bool { return contains(ActorRoles, r) }

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
