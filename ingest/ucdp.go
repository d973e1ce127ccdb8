package ingest

import (
	"context"
	"fmt"
	"html"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/frontline-maps/frontline/geo"
)

// UCDPRequired are the columns a UCDP GED file must have; every other column
// is optional and found by name.
var UCDPRequired = []string{"id", "latitude", "longitude", "date_start"}

// UCDPWherePrecMeters maps UCDP GED's where_prec code to the radius, in
// metres, within which the event happened. The codes are those of the GED
// codebook; the radii are Frontline's reading of them for Syria:
//
//	where_prec  UCDP meaning                                       radius
//	1           exact location (a village or town)                  2 km   the extent of a town
//	2           within ~25 km of a known point                     25 km
//	3           only the second-order division (district) known    50 km   a Syrian district (mintaqa)
//	4           only the first-order division (governorate) known 150 km   a Syrian governorate
//	5           along a linear feature or between places           50 km
//	6           only the country known                            400 km   half Syria's length
//	7           international waters or airspace                  400 km
//
// An empty where_prec is treated as 1; any other value rejects the row.
var UCDPWherePrecMeters = map[string]float64{
	"1": 2_000, "2": 25_000, "3": 50_000, "4": 150_000, "5": 50_000, "6": 400_000, "7": 400_000,
}

// ucdpDatePrec maps UCDP's date_prec (1 exact day; 2 a 2–6 day range; 3 the
// week; 4 a range of 8–30 days or the month; 5 longer than a month, within
// a year) to a DatePrecision. The span itself comes from date_start and
// date_end.
var ucdpDatePrec = map[string]geo.DatePrecision{
	"1": geo.PrecisionDay, "2": geo.PrecisionWeek, "3": geo.PrecisionWeek, "4": geo.PrecisionMonth, "5": geo.PrecisionYear,
}

// UCDPAttribution is the citation UCDP asks for (its data are CC BY 4.0);
// every UCDP incident carries it in its first source.
const UCDPAttribution = "UCDP data, CC BY 4.0. Cite: Sundberg, Ralph and Erik Melander (2013), Introducing the UCDP Georeferenced Event Dataset, Journal of Peace Research 50(4): 523-532."

// ReadUCDP reads a UCDP Georeferenced Event Dataset CSV, as published, and
// emits one incident per accepted row. Columns are found by name (see
// UCDPRequired); the mapping is:
//
//   - ID "ucdp-<id>", Origin ucdp:<id>.
//   - latitude, longitude: Location [lon, lat]; where_prec: PrecisionMeters
//     via UCDPWherePrecMeters.
//   - date_start, date_end (default date_start): Date, DateEnd; date_prec:
//     DatePrecision (day when absent).
//   - type_of_violence 1 (state-based) and 2 (non-state): battles /
//     armed_clash, both sides in role "other", since UCDP's side A is the
//     government or first party, not the attacker; 3 (one-sided): violence
//     against civilians / attack, side A the perpetrator and side B (UCDP
//     writes "Civilians") the target. Without the column, side B
//     "Civilians" means one-sided and anything else battles.
//   - side_a, side_b: one actor per comma-separated group, matched to
//     Options.Actors by alias; unmatched names are kept with no actor ID.
//   - low, best, high: Fatalities, in any column order. UCDP occasionally
//     publishes a best outside [low, high]; the range is widened to contain
//     best rather than the row rejected. deaths_civilians: Civilians.
//     deaths_a, deaths_b and deaths_unknown, and the figures as published,
//     go into Description.
//   - where_coordinates (or adm_2): Place; adm_1: Governorate, normalised
//     to the OCHA spelling with geo.NormalizeGovernorate (boundaries, when
//     the caller has them, override it by point in polygon).
//   - Sources: first UCDP itself ("UCDP GED <release>", with
//     UCDPAttribution), then one source per entry of source_office, with
//     source_date and source_headline entries matched by position
//     (headlines from source_article when the ';'-split headlines do not
//     line up, as when a headline contains ';').
//   - Status: confirmed when event_clarity is 1 (or absent) and code_status
//     is "Clear" (or absent): UCDP codes only events it has verified, and
//     says so with these columns; reported otherwise.
//
// It returns a *HeaderError when a required column is missing, and an error
// when r fails or emit does; otherwise the Report lists every rejected row.
func ReadUCDP(ctx context.Context, r io.Reader, opts Options, emit func(Record) error) (*Report, error) {
	m := ucdpMapper{actors: newActorIndex(opts.Actors), release: opts.Release}
	return readCSV(ctx, r, UCDPRequired, opts, m.incident, ucdpColumn, emit)
}

// ucdpColumn names the UCDP column a geo validation field comes from.
func ucdpColumn(field string) string {
	switch {
	case field == "date":
		return "date_start"
	case field == "precision_m":
		return "where_prec"
	case strings.HasPrefix(field, "fatalities_civilians"):
		return "deaths_civilians"
	case strings.HasPrefix(field, "fatalities_"):
		return strings.TrimPrefix(field, "fatalities_")
	case strings.HasPrefix(field, "actors"):
		return "side_a"
	case strings.HasPrefix(field, "sources"):
		return "source_office"
	}
	return field
}

type ucdpMapper struct {
	actors  actorIndex
	release string
}

func (m ucdpMapper) incident(r row) (geo.Incident, error) {
	var in geo.Incident
	id := r.get("id")
	if id == "" {
		return in, reject("id", "is empty")
	}
	in.ID = geo.IncidentID("ucdp-" + id)
	in.Origin = geo.Origin{Dataset: string(UCDP), ID: id}

	var err error
	if in.Location, err = r.location(); err != nil {
		return in, err
	}
	if in.PrecisionMeters, err = r.precision("where_prec", UCDPWherePrecMeters, "a code 1-7"); err != nil {
		return in, err
	}

	if in.Date, err = parseDate("date_start", r.get("date_start")); err != nil {
		return in, err
	}
	in.DateEnd = in.Date
	if s := r.get("date_end"); s != "" {
		if in.DateEnd, err = parseDate("date_end", s); err != nil {
			return in, err
		}
		if in.DateEnd < in.Date {
			return in, reject("date_end", "%s is before date_start %s", in.DateEnd, in.Date)
		}
	}
	in.DatePrecision = geo.PrecisionDay
	if dp := r.get("date_prec"); dp != "" {
		var ok bool
		if in.DatePrecision, ok = ucdpDatePrec[dp]; !ok {
			return in, reject("date_prec", "%q is not a code 1-5", dp)
		}
	}

	sideA, sideB := r.get("side_a"), r.get("side_b")
	tv := r.get("type_of_violence")
	if tv == "" {
		tv = "1"
		if strings.EqualFold(sideB, "Civilians") {
			tv = "3"
		}
	}
	roleA, roleB := geo.RoleOther, geo.RoleOther
	switch tv {
	case "1", "2":
		in.Type, in.SubType = geo.Battles, "armed_clash"
	case "3":
		in.Type, in.SubType = geo.ViolenceAgainstCivils, "attack"
		roleA, roleB = geo.RolePerpetrator, geo.RoleTarget
	default:
		return in, reject("type_of_violence", "%q is not 1, 2 or 3", tv)
	}
	for _, name := range splitList(sideA, ",") {
		in.Actors = append(in.Actors, m.actors.actor(name, roleA, geo.Interval{From: in.Date, To: in.DateEnd}))
	}
	for _, name := range splitList(sideB, ",") {
		in.Actors = append(in.Actors, m.actors.actor(name, roleB, geo.Interval{From: in.Date, To: in.DateEnd}))
	}

	if err := ucdpFatalities(r, &in); err != nil {
		return in, err
	}
	in.Place = clean(r.get("where_coordinates"))
	if in.Place == "" {
		in.Place = clean(r.get("adm_2"))
	}
	if adm1 := r.get("adm_1"); adm1 != "" {
		in.Governorate, _ = geo.NormalizeGovernorate(adm1)
	}
	in.Description = ucdpDescription(r, id, sideA, sideB)
	in.Sources = m.sources(r, id)
	in.Status = geo.Confirmed
	if c := r.get("event_clarity"); c != "" && c != "1" {
		in.Status = geo.Reported
	}
	if c := r.get("code_status"); c != "" && !strings.EqualFold(c, "Clear") {
		in.Status = geo.Reported
	}
	return in, nil
}

func ucdpFatalities(r row, in *geo.Incident) error {
	best, hasBest, err := r.count("best")
	if err != nil {
		return err
	}
	low, hasLow, err := r.count("low")
	if err != nil {
		return err
	}
	high, hasHigh, err := r.count("high")
	if err != nil {
		return err
	}
	civ, _, err := r.count("deaths_civilians")
	if err != nil {
		return err
	}
	if !hasLow {
		low = best
	}
	if !hasHigh {
		high = max(best, low)
	}
	if !hasBest {
		best = low
	}
	in.Fatalities = geo.Fatalities{Low: min(low, best), Best: best, High: max(high, best), Civilians: civ}
	return nil
}

// ucdpDescription keeps what the record has no field for: the per-side
// deaths, the figures as published and UCDP's notes on the source and place.
func ucdpDescription(r row, id, sideA, sideB string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "UCDP GED event %s", id)
	if dyad := r.get("dyad_name"); dyad != "" {
		fmt.Fprintf(&b, " (%s)", clean(dyad))
	}
	b.WriteString(".")
	var deaths []string
	for _, d := range []struct{ col, label string }{
		{"deaths_a", "side A (" + clean(sideA) + ")"},
		{"deaths_b", "side B (" + clean(sideB) + ")"},
		{"deaths_civilians", "civilians"},
		{"deaths_unknown", "unknown"},
	} {
		if v := r.get(d.col); v != "" {
			deaths = append(deaths, d.label+" "+v)
		}
	}
	if len(deaths) > 0 {
		fmt.Fprintf(&b, " Deaths: %s.", strings.Join(deaths, ", "))
	}
	if r.get("best") != "" {
		fmt.Fprintf(&b, " UCDP estimate: low %s, best %s, high %s.", r.get("low"), r.get("best"), r.get("high"))
	}
	if o := clean(r.get("source_original")); o != "" {
		fmt.Fprintf(&b, " Original source: %s.", o)
	}
	if w := clean(r.get("where_description")); w != "" {
		fmt.Fprintf(&b, " Location: %s.", w)
	}
	return b.String()
}

// UCDPPublisher is the publisher of a UCDP incident's attribution source,
// followed by " " and the GED release when the import was given one.
const UCDPPublisher = "UCDP GED"

// KeepRelease gives in's UCDP attribution source, when it cites no release,
// the publisher (with its release) of the same source in stored, the
// incident's stored version, and reports whether there was one to keep. So
// a re-import without a release never drops the release the stored record
// cites.
func KeepRelease(in, stored *geo.Incident) bool {
	for i, src := range in.Sources {
		if src.Publisher != UCDPPublisher {
			continue
		}
		for _, old := range stored.Sources {
			if old.Title == src.Title && old.URL == src.URL && strings.HasPrefix(old.Publisher, UCDPPublisher+" ") {
				in.Sources = slices.Clone(in.Sources)
				in.Sources[i].Publisher = old.Publisher
				return true
			}
		}
	}
	return false
}

// sources builds UCDP's attribution source and one source per reporting
// outlet.
func (m ucdpMapper) sources(r row, id string) []geo.Source {
	publisher := UCDPPublisher
	if m.release != "" {
		publisher += " " + m.release
	}
	ucdp := geo.Source{
		Publisher: publisher,
		Title:     "UCDP Georeferenced Event Dataset, event " + id,
		URL:       "https://ucdp.uu.se/downloads/",
		Note:      UCDPAttribution,
	}
	article := html.UnescapeString(r.get("source_article"))
	offices := splitList(r.get("source_office"), ";")
	if len(offices) == 0 {
		// Early GED rows cite free text ("AFP 20111002") with no outlet.
		if a := clean(article); a != "" {
			ucdp.Note = "Source as cited by UCDP: " + truncate(a, 500) + ". " + ucdp.Note
		}
		return []geo.Source{ucdp}
	}
	dates := splitList(r.get("source_date"), ";")
	heads := splitList(html.UnescapeString(r.get("source_headline")), ";")
	if len(heads) != len(offices) {
		heads = articleHeadlines(article)
	}
	out := []geo.Source{ucdp}
	seen := map[geo.Source]bool{}
	for i, o := range offices {
		s := geo.Source{Publisher: clean(o)}
		if len(dates) == len(offices) {
			s.Published, _ = geo.ParseDay(dates[i]) // an unreadable date stays unknown
		}
		if len(heads) == len(offices) {
			s.Title = truncate(clean(heads[i]), 300)
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// articleHeadlines reads the headlines out of a source_article cell of the
// form "Office,date,headline";"Office,date,headline", or returns nil when
// the cell has another form.
func articleHeadlines(article string) []string {
	a := strings.TrimSpace(article)
	if !strings.HasPrefix(a, `"`) || !strings.HasSuffix(a, `"`) || len(a) < 2 {
		return nil
	}
	var out []string
	for _, e := range strings.Split(a[1:len(a)-1], `";"`) {
		parts := strings.SplitN(e, ",", 3)
		if len(parts) != 3 {
			return nil
		}
		out = append(out, parts[2])
	}
	return out
}

// truncate shortens s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
