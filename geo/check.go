package geo

import (
	"errors"
	"fmt"
	"regexp"
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
//     (points outside every governorate are not checked);
//   - no citation points at a file a reader cannot open: no source's
//     publisher, title or note and no record's notes or description names
//     a local path (LocalPath); a source's URL must be http or https
//     already by Validate.
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
		c.citations(a, string(a.ID), "", a.Sources, "notes", a.Notes)
		if a.Affiliation != "" && !actors[a.Affiliation] {
			c.add(a, string(a.ID), "affiliation", fmt.Sprintf("actor %q does not exist", a.Affiliation))
		} else if a.Affiliation == a.ID && a.ID != "" {
			c.add(a, string(a.ID), "affiliation", "an actor cannot be affiliated with itself")
		}
	}
	for _, z := range ds.Zones {
		c.validate(z, string(z.ID), z.Validate())
		c.unique(seen, "zone", z, string(z.ID))
		c.citations(z, string(z.ID), "properties.", z.Sources, "notes", z.Notes)
		c.validate(z, string(z.ID), z.CheckActors(known))
	}

	govs, err := NewGovernorates(ds.Boundaries)
	if err != nil {
		govs = nil // the boundary itself is reported below
	}
	for _, s := range ds.Sites {
		c.validate(s, string(s.ID), s.Validate())
		c.unique(seen, "site", s, string(s.ID))
		c.citations(s, string(s.ID), "properties.", s.Sources, "notes", s.Notes)
		c.governorate(govs, s, string(s.ID), s.Location, s.Governorate)
	}
	for _, in := range ds.Incidents {
		c.validate(in, string(in.ID), in.Validate())
		c.unique(seen, "incident", in, string(in.ID))
		c.citations(in, string(in.ID), "properties.", in.Sources, "description", in.Description)
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
		c.citations(s, s.ID, "", s.Sources, "notes", s.Notes)
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

// citations reports each citation of rec that names a local path: in its
// sources, and in its text field (notes or description). prefix is
// "properties." for features.
func (c *checker) citations(rec any, id, prefix string, sources []Source, textField, text string) {
	for i, src := range sources {
		field := fmt.Sprintf("%ssources[%d].", prefix, i)
		for _, f := range [...]struct{ name, text string }{{"publisher", src.Publisher}, {"title", src.Title}, {"note", src.Note}} {
			if p := LocalPath(f.text); p != "" {
				c.add(rec, id, field+f.name, fmt.Sprintf("cites %q, a file of local working material; cite the publication (publisher, title, URL, date)", p))
			}
		}
	}
	if p := LocalPath(text); p != "" {
		c.add(rec, id, prefix+textField, fmt.Sprintf("cites %q, a file of local working material; cite the publication (publisher, title, URL, date)", p))
	}
}

// localPathRE finds a relative or absolute path to a file with a document
// or data extension, such as shared/research/control-areas.md or
// ../sources/001.txt.
var localPathRE = regexp.MustCompile(`(?:^|[\s("'\[])((?:~|\.{1,2})?/?(?:[\w.-]+/)+[\w.-]+\.(?:md|txt|csv|tsv|json|geojson|gpkg|pdf|docx?|xlsx?|html?))\b`)

// LocalPath returns the first path to a local file that text names (a
// file: address counts), or "" when there is none. Paths inside web
// addresses ("https://example.org/report.pdf") do not count.
func LocalPath(text string) string {
	if i := strings.Index(text, "file:"); i >= 0 {
		end := strings.IndexAny(text[i:], " \t\n)\"")
		if end < 0 {
			end = len(text) - i
		}
		return text[i : i+end]
	}
	for _, m := range localPathRE.FindAllStringSubmatchIndex(text, -1) {
		start := m[2]
		// Part of a web address: its token holds "://" or starts "www.".
		tok := text[:start]
		if j := strings.LastIndexAny(tok, " \t\n(\"'["); j >= 0 {
			tok = tok[j+1:]
		}
		if strings.Contains(tok, "://") || strings.HasPrefix(text[start:], "www.") {
			continue
		}
		return text[start:m[3]]
	}
	return ""
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
