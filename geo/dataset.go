package geo

// Dataset is a whole collection of records as loaded from a dataset
// directory or a store: what the Index is built from.
type Dataset struct {
	Actors     []Actor
	Zones      []Zone
	Incidents  []Incident
	Sites      []Site
	Boundaries []Boundary
	Statistics []Statistic
}

// Statistic is an aggregate figure a source quotes, such as "ISIS claimed 97
// attacks in Deir ez-Zor in 2021", kept as cited rather than invented as
// points on the map.
type Statistic struct {
	ID      string
	Subject string // what is counted: "ISIS attacks"
	Value   float64
	Unit    string // "attacks", "fatalities", "people"
	// From and To are the first and last day the figure covers.
	From    Day
	To      Day
	Area    string // governorate or region it covers
	Sources []Source
	Notes   string
}

// Validate checks the ID, subject, value, period and sources.
func (s Statistic) Validate() error {
	if err := checkID("id", s.ID); err != nil {
		return err
	}
	if s.Subject == "" {
		return invalid("subject", "is required")
	}
	if s.Unit == "" {
		return invalid("unit", "is required")
	}
	if err := (Interval{From: s.From, To: s.To}).Validate(); err != nil {
		return prefixField("period", err)
	}
	return validateSources(s.Sources, true)
}
