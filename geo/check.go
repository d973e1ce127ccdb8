package geo

import (
	"errors"
	"fmt"
	"strings"

	"github.com/paulmach/orb"
)

// Problem is one thing wrong with a dataset: in which file (when known),
// which record, which field and why. It is an error, so readers can return
// several joined with errors.Join and callers can list them one per line.
type Problem struct {
	File   string // dataset file, slash-separated and relative to the dataset directory; "" when unknown
	ID     string // record ID, or its position such as "features[3]" when it has no readable ID
	Field  string // dotted path in the record's JSON schema, "" for the record as a whole
	Reason string
}

// Error formats p as "file: id: field: reason", leaving out empty parts.
func (p Problem) Error() string {
	parts := make([]string, 0, 4)
	for _, s := range []string{p.File, p.ID, p.Field, p.Reason} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ": ")
}

// Check validates ds as a whole and returns every problem found, in record
// order (actors, zones, sites, incidents, statistics, boundaries), or nil:
//
//   - every record passes its Validate, so curated zones, sites, incidents
//     and statistics cite at least one source and intervals are not
//     reversed;
//   - IDs are unique within each kind of record;
//   - the actor of each zone, the actors of each incident and each actor's
//     affiliation name actors of the dataset;
//   - when ds has governorate boundaries, each incident's and site's
//     Governorate is the one Governorates.Locate gives for its location
//     (points outside every governorate are not checked).
//
// fileOf, when not nil, names the file a record (an Actor, Zone, Site,
// Incident, Statistic or Boundary value) came from, for Problem.File.
func Check(ds *Dataset, fileOf func(record any) string) []Problem {
	c := checker{fileOf: fileOf}
	actors := map[ActorID]bool{}
	for _, a := range ds.Actors {
		actors[a.ID] = true
	}
	known := func(id ActorID) bool { return actors[id] }

	seen := map[string]any{}
	for _, a := range ds.Actors {
		c.validate(a, string(a.ID), a.Validate())
		c.unique(seen, "actor", a, string(a.ID))
		if a.Affiliation != "" && !actors[a.Affiliation] {
			c.add(a, string(a.ID), "affiliation", fmt.Sprintf("actor %q does not exist", a.Affiliation))
		} else if a.Affiliation == a.ID && a.ID != "" {
			c.add(a, string(a.ID), "affiliation", "an actor cannot be affiliated with itself")
		}
	}
	for _, z := range ds.Zones {
		c.validate(z, string(z.ID), z.Validate())
		c.unique(seen, "zone", z, string(z.ID))
		c.validate(z, string(z.ID), z.CheckActors(known))
	}

	govs, err := NewGovernorates(ds.Boundaries)
	if err != nil {
		govs = nil // the boundary itself is reported below
	}
	for _, s := range ds.Sites {
		c.validate(s, string(s.ID), s.Validate())
		c.unique(seen, "site", s, string(s.ID))
		c.governorate(govs, s, string(s.ID), s.Location, s.Governorate)
	}
	for _, in := range ds.Incidents {
		c.validate(in, string(in.ID), in.Validate())
		c.unique(seen, "incident", in, string(in.ID))
		for i, a := range in.Actors { // every unknown actor, not only the first CheckActors names
			if a.Actor != "" && !known(a.Actor) {
				c.add(in, string(in.ID), fmt.Sprintf("properties.actors[%d].actor", i), unknownActor(a.Actor))
			}
		}
		c.governorate(govs, in, string(in.ID), in.Location, in.Governorate)
	}
	for _, s := range ds.Statistics {
		c.validate(s, s.ID, s.Validate())
		c.unique(seen, "statistic", s, s.ID)
	}
	for _, b := range ds.Boundaries {
		c.validate(b, b.ID, b.Validate())
		c.unique(seen, "boundary", b, b.ID)
	}
	return c.problems
}

type checker struct {
	fileOf   func(any) string
	problems []Problem
}

func (c *checker) add(rec any, id, field, reason string) {
	p := Problem{ID: id, Field: field, Reason: reason}
	if c.fileOf != nil {
		p.File = c.fileOf(rec)
	}
	c.problems = append(c.problems, p)
}

// validate records err, the result of rec's Validate. Feature fields other
// than the id and geometry live under "properties" in the GeoJSON schema.
func (c *checker) validate(rec any, id string, err error) {
	if err == nil {
		return
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		c.add(rec, id, "", err.Error())
		return
	}
	field := ve.Field
	switch rec.(type) {
	case Zone, Incident, Site, Boundary:
		if field != "id" && !strings.HasPrefix(field, "geometry") {
			field = "properties." + field
		}
	}
	c.add(rec, id, field, ve.Reason)
}

// unique reports a second record of a kind with an ID already seen.
func (c *checker) unique(seen map[string]any, kind string, rec any, id string) {
	key := kind + "\x00" + id
	first, dup := seen[key]
	if !dup {
		seen[key] = rec
		return
	}
	reason := "duplicate " + kind + " id"
	if c.fileOf != nil {
		reason += " (first in " + c.fileOf(first) + ")"
	}
	c.add(rec, id, "id", reason)
}

// governorate reports a governorate that disagrees with the boundaries.
func (c *checker) governorate(govs *Governorates, rec any, id string, p orb.Point, have string) {
	if govs == nil || govs.Len() == 0 || ValidatePoint(p) != nil {
		return
	}
	want := govs.Locate(p)
	switch {
	case want == "" || want == have:
	case have == "":
		c.add(rec, id, "properties.governorate", fmt.Sprintf("is empty; the location lies in %q", want))
	default:
		c.add(rec, id, "properties.governorate", fmt.Sprintf("is %q but the location lies in %q", have, want))
	}
}
