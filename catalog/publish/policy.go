// Package publish holds the publication policy: what readers without the
// editor role see of each incident. An incident may be embargoed (not
// published until some time after its date and its recording), have its
// position coarsened (to the centre of a grid cell of N km, or to its
// governorate's centroid: deterministic, so that repeated queries cannot
// average the coarsening away) and have properties withheld, by rules on
// its type, sub-type, status and age; an editor's per-incident override
// (geo.Incident.Publish) takes precedence. A Publisher decides, for one
// incident at one instant, whether it is published, in which form, and
// until when that answer holds. The catalog keeps a published view of the
// index with it (catalog.Published), which every read of a non-editor
// answers from.
//
// Positions are [lon, lat] in degrees (WGS84), distances in kilometres,
// times UTC.
package publish

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/frontline-maps/frontline/geo"
)

// Policy is a publication policy: rules, each matching incidents and
// saying what publishing them takes. Every rule that matches an incident
// applies, and where they differ the strictest wins: the longest embargo,
// the coarsest position (a governorate is coarser than any grid, a larger
// grid than a smaller), every withheld property. The zero Policy
// publishes every incident as it is stored.
type Policy struct {
	Rules []Rule `json:"rules"`
	// Coarse is how an incident that an editor marked "coarse" is
	// coarsened when no rule coarsens it more, and how an incident
	// outside every governorate is when a rule asks for its governorate:
	// by default a grid of DefaultCoarseKm.
	Coarse Coarsen `json:"coarse"`
}

// DefaultCoarseKm is the grid an editor's "coarse" uses when the policy
// names none.
const DefaultCoarseKm = 10

// Rule is one rule of a policy. An empty list of types, sub-types or
// statuses matches every value.
type Rule struct {
	// Name identifies the rule in a published incident's "publication"
	// and in errors: required, unique.
	Name     string               `json:"name"`
	Types    []geo.EventType      `json:"types,omitempty"`
	SubTypes []geo.SubType        `json:"sub_types,omitempty"`
	Statuses []geo.IncidentStatus `json:"statuses,omitempty"`
	// YoungerThan limits the rule to incidents younger than it, counted
	// from the end (UTC) of the incident's last day; 0 for any age.
	YoungerThan Duration `json:"younger_than,omitempty"`
	// Embargo withholds a matching incident until this long after both
	// the end of its last day and its recording (its first version's
	// commit); 0 for none.
	Embargo  Duration `json:"embargo,omitempty"`
	Coarsen  Coarsen  `json:"coarsen,omitzero"`
	Withhold []string `json:"withhold,omitempty"`
}

// Coarsen is how a position is coarsened: to the centre of its cell of a
// grid of GridKm kilometres, or, with Governorate, to its governorate's
// centroid. The zero Coarsen leaves it exact.
type Coarsen struct {
	GridKm      float64 `json:"grid_km,omitempty"`
	Governorate bool    `json:"governorate,omitempty"`
}

// IsZero reports whether c leaves positions exact.
func (c Coarsen) IsZero() bool { return c.GridKm == 0 && !c.Governorate }

// coarser returns the coarser of c and o.
func (c Coarsen) coarser(o Coarsen) Coarsen {
	return Coarsen{GridKm: max(c.GridKm, o.GridKm), Governorate: c.Governorate || o.Governorate}
}

// The properties a rule may withhold. Coarsening a position also withholds
// place and origin_id: a place's name, or the row of a public dataset the
// incident came from, locates it more finely than the coarsened position.
var Withholdable = []string{"description", "place", "origin_id", "source_urls", "source_titles", "source_notes"}

// Bounds of a policy: a grid from 1 to 1,000 km, and embargoes and ages
// of at most ten years.
const (
	MinGridKm   = 1
	MaxGridKm   = 1000
	MaxDuration = 10 * 365 * 24 * time.Hour
	maxRules    = 100
)

// Duration is a time.Duration that JSON writes as Go's duration text
// ("72h", "90m") and reads in that form or in whole days ("30d").
type Duration time.Duration

// MarshalJSON writes d as "72h0m0s".
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads "72h", "1h30m" or "30d".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New(`a duration is a string, such as "72h" or "30d"`)
	}
	v, err := ParseDuration(s)
	*d = Duration(v)
	return err
}

// ParseDuration reads Go's duration text ("72h", "1h30m") or whole days
// ("30d").
func ParseDuration(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > int(MaxDuration/(24*time.Hour)) {
			return 0, fmt.Errorf("%q is not a whole number of days", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf(`%q is not a duration such as "72h" or "30d"`, s)
	}
	return v, nil
}

// Error is a policy that cannot be used: Field names the member, such as
// "rules[2].coarsen.grid_km".
type Error struct {
	Field  string
	Reason string
}

func (e *Error) Error() string { return "publication policy: " + e.Field + ": " + e.Reason }

// maxPolicyBytes bounds a policy file.
const maxPolicyBytes = 1 << 20

// Parse reads a policy from its JSON document (docs/publication.md),
// refusing unknown members, and validates it. Errors are *Error, naming
// the member.
func Parse(r io.Reader) (*Policy, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxPolicyBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxPolicyBytes {
		return nil, &Error{Field: "", Reason: "is over 1 MiB"}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p Policy
	if err := dec.Decode(&p); err != nil {
		return nil, &Error{Field: jsonField(err), Reason: err.Error()}
	}
	if dec.More() {
		return nil, &Error{Reason: "has content after the policy object"}
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// jsonField names the member a decoding error is about, "" when unknown.
func jsonField(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field
	}
	if s, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return strings.Trim(s, `"`)
	}
	return ""
}

// Validate checks every rule: a unique name, known types, sub-types,
// statuses and properties, durations within 0..MaxDuration and grids
// within MinGridKm..MaxGridKm. Errors are *Error.
func (p *Policy) Validate() error {
	if len(p.Rules) > maxRules {
		return &Error{Field: "rules", Reason: fmt.Sprintf("has %d rules; at most %d", len(p.Rules), maxRules)}
	}
	if err := p.Coarse.validate("coarse"); err != nil {
		return err
	}
	names := map[string]bool{}
	for i, r := range p.Rules {
		at := func(f string) string { return fmt.Sprintf("rules[%d].%s", i, f) }
		switch {
		case strings.TrimSpace(r.Name) == "":
			return &Error{Field: at("name"), Reason: "is required"}
		case r.Name == OverrideRule:
			return &Error{Field: at("name"), Reason: fmt.Sprintf("%q names the editor's override", OverrideRule)}
		case names[r.Name]:
			return &Error{Field: at("name"), Reason: fmt.Sprintf("%q names another rule too", r.Name)}
		}
		names[r.Name] = true
		for j, t := range r.Types {
			if !t.Valid() {
				return &Error{Field: at(fmt.Sprintf("types[%d]", j)), Reason: fmt.Sprintf("%q is not an incident type", t)}
			}
		}
		for j, st := range r.SubTypes {
			if _, ok := st.Type(); !ok {
				return &Error{Field: at(fmt.Sprintf("sub_types[%d]", j)), Reason: fmt.Sprintf("%q is not a sub-type", st)}
			}
		}
		for j, st := range r.Statuses {
			if !st.Valid() {
				return &Error{Field: at(fmt.Sprintf("statuses[%d]", j)), Reason: fmt.Sprintf("%q is not an incident status", st)}
			}
		}
		for name, d := range map[string]Duration{"younger_than": r.YoungerThan, "embargo": r.Embargo} {
			if d < 0 || time.Duration(d) > MaxDuration {
				return &Error{Field: at(name), Reason: "must be from 0 to 10 years"}
			}
		}
		if err := r.Coarsen.validate(at("coarsen")); err != nil {
			return err
		}
		for j, f := range r.Withhold {
			if !slices.Contains(Withholdable, f) {
				return &Error{Field: at(fmt.Sprintf("withhold[%d]", j)), Reason: fmt.Sprintf("%q is not one of %s", f, strings.Join(Withholdable, ", "))}
			}
		}
		if r.Embargo == 0 && r.Coarsen.IsZero() && len(r.Withhold) == 0 {
			return &Error{Field: at("name"), Reason: "the rule does nothing: give it an embargo, a coarsening or properties to withhold"}
		}
	}
	return nil
}

func (c Coarsen) validate(field string) error {
	if c.GridKm != 0 && !(c.GridKm >= MinGridKm && c.GridKm <= MaxGridKm) || math.IsNaN(c.GridKm) {
		return &Error{Field: field + ".grid_km", Reason: fmt.Sprintf("%g km is not from %d to %d", c.GridKm, MinGridKm, MaxGridKm)}
	}
	return nil
}

// FromFlags returns the policy of the command line's --embargo and
// --coarsen-km over every incident, appended to base (a policy file's,
// or nil): a rule "embargo" and a rule "coarsen", each when not zero.
func FromFlags(base *Policy, embargo time.Duration, coarsenKm float64) (*Policy, error) {
	p := &Policy{}
	if base != nil {
		p.Coarse, p.Rules = base.Coarse, slices.Clone(base.Rules)
	}
	if embargo != 0 {
		p.Rules = append(p.Rules, Rule{Name: "embargo", Embargo: Duration(embargo)})
	}
	if coarsenKm != 0 {
		p.Rules = append(p.Rules, Rule{Name: "coarsen", Coarsen: Coarsen{GridKm: coarsenKm}})
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// IsZero reports whether p publishes every incident as stored: it has no
// rules (an editor's "coarse" or "withheld" still applies, so a server
// with editors keeps a published view even then; see catalog).
func (p *Policy) IsZero() bool { return p == nil || len(p.Rules) == 0 }

// MaxEmbargo returns the longest embargo of p's rules, 0 for none.
func (p *Policy) MaxEmbargo() time.Duration {
	var d time.Duration
	if p != nil {
		for _, r := range p.Rules {
			d = max(d, time.Duration(r.Embargo))
		}
	}
	return d
}

// JSON returns p's document, as Parse reads it: what the audit log
// records of a policy.
func (p *Policy) JSON() []byte {
	b, _ := json.Marshal(p) // a Policy always marshals
	return b
}
