package ingest

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/frontline-maps/frontline/geo"
)

// ACLEDRequired are the columns an ACLED file must have; the other columns of
// ACLED's export (31 in all) are optional and found by name.
var ACLEDRequired = []string{"event_id_cnty", "event_date", "event_type", "latitude", "longitude"}

// ACLEDEventTypes maps ACLED's event_type to Frontline's EventType, whose
// taxonomy follows ACLED's.
var ACLEDEventTypes = map[string]geo.EventType{
	"battles":                    geo.Battles,
	"explosions/remote violence": geo.RemoteViolence,
	"violence against civilians": geo.ViolenceAgainstCivils,
	"strategic developments":     geo.StrategicDevelopments,
	"protests":                   geo.Protests,
	"riots":                      geo.Riots,
}

// ACLEDSubEventTypes maps ACLED's sub_event_type (lower case) to a SubType.
// A sub-event type not listed here ("chemical weapon", new ones in later
// codebooks) leaves SubType empty and is named in the description.
var ACLEDSubEventTypes = map[string]geo.SubType{
	"armed clash":                         "armed_clash",
	"government regains territory":        "government_regains_territory",
	"non-state actor overtakes territory": "non_state_actor_overtakes_territory",
	"air/drone strike":                    "air_drone_strike",
	"shelling/artillery/missile attack":   "shelling_artillery_missile",
	"remote explosive/landmine/ied":       "ied",
	"suicide bomb":                        "suicide_bomb",
	"grenade":                             "grenade",
	"attack":                              "attack",
	"abduction/forced disappearance":      "abduction",
	"sexual violence":                     "sexual_violence",
	"agreement":                           "agreement",
	"arrests":                             "arrest",
	"change to group/activity":            "change_to_group_activity",
	"disrupted weapons use":               "disrupted_weapons_use",
	"headquarters or base established":    "headquarters_established",
	"looting/property destruction":        "looting_property_destruction",
	"non-violent transfer of territory":   "non_violent_transfer",
	"other":                               "other",
	"peaceful protest":                    "peaceful_protest",
	"protest with intervention":           "protest_with_intervention",
	"excessive force against protesters":  "excessive_force_against_protesters",
	"violent demonstration":               "violent_demonstration",
	"mob violence":                        "mob_violence",
}

// ACLEDGeoPrecisionMeters maps ACLED's geo_precision to an uncertainty
// radius in metres, after the ACLED codebook:
//
//	geo_precision  ACLED meaning                                              radius
//	1              the source names the town; its coordinates are used           2 km
//	2              near a town or in part of a region; the nearest town is used 25 km
//	3              only a larger region; its capital or centre is used         100 km
//
// An empty geo_precision is treated as 1; any other value rejects the row.
var ACLEDGeoPrecisionMeters = map[string]float64{"1": 2_000, "2": 25_000, "3": 100_000}

// acledTimePrecision maps ACLED's time_precision (1 the day is known, 2 the
// week, 3 only the month) to a DatePrecision. ACLED codes a less precise
// event to one day inside the period; ReadACLED widens the date to the week
// around it or its calendar month so the true date lies inside.
var acledTimePrecision = map[string]geo.DatePrecision{"1": geo.PrecisionDay, "2": geo.PrecisionWeek, "3": geo.PrecisionMonth}

// ACLEDAttribution is the credit ACLED's terms require. ACLED's terms also
// restrict redistributing its data: import it for your own use, do not
// commit it to a public dataset.
const ACLEDAttribution = "Armed Conflict Location & Event Data Project (ACLED); www.acleddata.com. ACLED's terms of use restrict redistribution."

// ReadACLED reads an ACLED export CSV and emits one incident per accepted
// row. Columns are found by name (see ACLEDRequired); the mapping is:
//
//   - ID "acled-<event_id_cnty>", Origin acled:<event_id_cnty>.
//   - event_date (YYYY-MM-DD, or "15 January 2024" as in spreadsheet
//     exports) with time_precision: Date, DateEnd and DatePrecision
//     (1: that day; 2: three days either side; 3: the calendar month).
//   - event_type, sub_event_type: Type and SubType via ACLEDEventTypes and
//     ACLEDSubEventTypes; an unknown event_type rejects the row.
//   - actor1 and assoc_actor_1, actor2 and assoc_actor_2 (';'-separated):
//     actors matched by alias to Options.Actors. For explosions/remote
//     violence and violence against civilians actor1's side is the
//     perpetrator and actor2's the target, as ACLED codes them; for other
//     types ACLED's order says nothing about who attacked, so the role is
//     "other".
//   - latitude, longitude: Location [lon, lat]; geo_precision:
//     PrecisionMeters via ACLEDGeoPrecisionMeters.
//   - location: Place; admin1: Governorate (normalised to OCHA spelling).
//   - fatalities: Low, Best and High (ACLED gives one figure); all of them
//     are Civilians when civilian_targeting is "Civilian targeting".
//   - notes: Description, after the sub-event type and admin2/admin3.
//   - Sources: ACLED itself (with ACLEDAttribution, published on the day of
//     timestamp), then one source per ';'-separated entry of source, with
//     source_scale in its note.
//   - Status: reported. ACLED codes what sources report without grading
//     how certain an event is.
//
// It returns a *HeaderError when a required column is missing, and an error
// when r fails or emit does; otherwise the Report lists every rejected row.
func ReadACLED(ctx context.Context, r io.Reader, opts Options, emit func(Record) error) (*Report, error) {
	m := acledMapper{actors: newActorIndex(opts.Actors)}
	return readCSV(ctx, r, ACLEDRequired, opts, m.incident, acledColumn, emit)
}

// acledColumn names the ACLED column a geo validation field comes from.
func acledColumn(field string) string {
	switch {
	case field == "date", field == "date_end":
		return "event_date"
	case field == "precision_m":
		return "geo_precision"
	case strings.HasPrefix(field, "fatalities"):
		return "fatalities"
	case strings.HasPrefix(field, "actors"):
		return "actor1"
	case strings.HasPrefix(field, "sources"):
		return "source"
	}
	return field
}

type acledMapper struct {
	actors actorIndex
}

// acledDateLayouts are the forms event_date takes in ACLED's exports.
var acledDateLayouts = []string{time.DateOnly, "02 January 2006", "2 January 2006", "02-January-2006"}

func (m acledMapper) incident(r row) (geo.Incident, error) {
	var in geo.Incident
	id := r.get("event_id_cnty")
	if id == "" {
		return in, reject("event_id_cnty", "is empty")
	}
	in.ID = geo.IncidentID("acled-" + id)
	in.Origin = geo.Origin{Dataset: string(ACLED), ID: id}

	ds := r.get("event_date")
	var t time.Time
	var err error
	for _, layout := range acledDateLayouts {
		if t, err = time.Parse(layout, ds); err == nil {
			break
		}
	}
	if err != nil {
		return in, reject("event_date", "%q is not a date (YYYY-MM-DD or 15 January 2024)", ds)
	}
	day := geo.DayOf(t)
	tp := r.get("time_precision")
	if tp == "" {
		tp = "1"
	}
	var ok bool
	if in.DatePrecision, ok = acledTimePrecision[tp]; !ok {
		return in, reject("time_precision", "%q is not 1, 2 or 3", tp)
	}
	switch in.DatePrecision {
	case geo.PrecisionWeek:
		in.Date, in.DateEnd = day-3, day+3
	case geo.PrecisionMonth:
		in.Date = geo.DateOf(t.Year(), t.Month(), 1)
		in.DateEnd = geo.DateOf(t.Year(), t.Month()+1, 1) - 1
	default:
		in.Date, in.DateEnd = day, day
	}

	et := r.get("event_type")
	if in.Type, ok = ACLEDEventTypes[strings.ToLower(et)]; !ok {
		return in, reject("event_type", "%q is not an ACLED event type", et)
	}
	sub := r.get("sub_event_type")
	in.SubType = ACLEDSubEventTypes[strings.ToLower(sub)]
	if st, _ := in.SubType.Type(); in.SubType != "" && st != in.Type {
		return in, reject("sub_event_type", "%q is not a sub-event type of %q", sub, et)
	}

	if in.Location, err = r.location(); err != nil {
		return in, err
	}
	if in.PrecisionMeters, err = r.precision("geo_precision", ACLEDGeoPrecisionMeters, "1, 2 or 3"); err != nil {
		return in, err
	}

	role1, role2 := geo.RoleOther, geo.RoleOther
	if in.Type == geo.RemoteViolence || in.Type == geo.ViolenceAgainstCivils {
		role1, role2 = geo.RolePerpetrator, geo.RoleTarget
	}
	for _, side := range []struct {
		cols []string
		role geo.ActorRole
	}{{[]string{"actor1", "assoc_actor_1"}, role1}, {[]string{"actor2", "assoc_actor_2"}, role2}} {
		for _, c := range side.cols {
			for _, name := range splitList(r.get(c), ";") {
				in.Actors = append(in.Actors, m.actors.actor(name, side.role, geo.Interval{From: in.Date, To: in.DateEnd}))
			}
		}
	}

	n, _, err := r.count("fatalities")
	if err != nil {
		return in, err
	}
	in.Fatalities = geo.Fatalities{Low: n, Best: n, High: n}
	if strings.EqualFold(r.get("civilian_targeting"), "Civilian targeting") {
		in.Fatalities.Civilians = n
	}

	in.Place = clean(r.get("location"))
	if a1 := r.get("admin1"); a1 != "" {
		in.Governorate, _ = geo.NormalizeGovernorate(a1)
	}
	in.Description = acledDescription(r, id, sub)
	in.Sources = acledSources(r, id)
	in.Status = geo.Reported
	return in, nil
}

func acledDescription(r row, id, sub string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ACLED event %s", id)
	if sub != "" {
		fmt.Fprintf(&b, " (%s)", sub)
	}
	var where []string
	for _, c := range []string{"admin3", "admin2"} {
		if v := clean(r.get(c)); v != "" {
			where = append(where, v)
		}
	}
	if len(where) > 0 {
		fmt.Fprintf(&b, ", %s", strings.Join(where, ", "))
	}
	b.WriteString(".")
	if n := clean(r.get("notes")); n != "" {
		b.WriteString(" " + n)
	}
	return b.String()
}

func acledSources(r row, id string) []geo.Source {
	acled := geo.Source{
		Publisher: "ACLED",
		Title:     "ACLED event " + id,
		URL:       "https://acleddata.com/",
		Note:      ACLEDAttribution,
	}
	if ts, err := strconv.ParseInt(r.get("timestamp"), 10, 64); err == nil && ts > 0 && ts < 1e11 {
		acled.Published = geo.DayOf(time.Unix(ts, 0))
	}
	out := []geo.Source{acled}
	scale := clean(r.get("source_scale"))
	for _, s := range splitList(r.get("source"), ";") {
		src := geo.Source{Publisher: clean(s)}
		if scale != "" {
			src.Note = "ACLED source scale: " + scale
		}
		out = append(out, src)
	}
	return out
}
