// Package dedup finds incidents that two datasets report of one event, such
// as an ACLED row and a UCDP event of the same clash, and merges them.
//
// # Candidates
//
// Two incidents are a candidate pair when every test below holds; each
// test that holds adds its reason to the pair, and a score in [0, 1] says
// how closely they agree:
//
//   - Origins: they come from different datasets (Origin.Dataset, "" and
//     "frontline" counting as the curated one); one dataset's rows are never
//     paired with each other.
//   - Dates: their date ranges [Date, DateEnd] share a day, each range
//     already being as wide as its record's date precision.
//   - Places: their points are within the sum of their location
//     precisions (precision_m, at least MinPrecisionMeters each), by WGS84
//     distance.
//   - Types: the same event type, or types that the datasets' codings of
//     one event differ by (Compatible).
//   - Actors: when both name linked actors (actor IDs), they share one; a
//     record with none linked is not tested.
//   - Fatalities: their [low, high] ranges overlap.
//
// Score is a weighted mean of how closely each part agrees: dates 0.3
// (1 for the same single day, less the wider the ranges), places 0.25 (1 at
// the same point, 0 at the limit), fatalities 0.25 (1 for equal best
// estimates, less the farther apart within the overlap), actors 0.1 (the
// share of linked actors in common, 0.5 when untested) and types 0.1 (1
// equal, 0.5 compatible). A pair needs no score to be a candidate; the
// score orders candidates and lets a merge take only the surest.
//
// # Merging
//
// Merge keeps one incident with the other's sources beside its own and the
// other's origin (and merged origins) in MergedOrigins, so an import of
// either dataset finds the merged incident by its origin (Fold).
package dedup

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/frontline-maps/frontline/geo"
)

// MinPrecisionMeters is the least location uncertainty a record is taken
// to have: a point named for a village or a town is uncertain by at least
// that, whatever precision its dataset claims.
const MinPrecisionMeters = 2_000

// Pair is a candidate pair: A and B (A's ID before B's), its score in
// [0, 1], and the reason each test passed.
type Pair struct {
	A       geo.IncidentID `json:"a"`
	B       geo.IncidentID `json:"b"`
	Score   float64        `json:"score"`
	Reasons []string       `json:"reasons"`
}

// Compatible reports whether two event types may code one event: equal
// types, or explosions/remote violence with battles (shelling during a
// clash) or with violence against civilians (an air strike on a town).
func Compatible(a, b geo.EventType) bool {
	if a == b {
		return true
	}
	remote := func(x, y geo.EventType) bool {
		return x == geo.RemoteViolence && (y == geo.Battles || y == geo.ViolenceAgainstCivils)
	}
	return remote(a, b) || remote(b, a)
}

// Compare returns the pair that a and b make, and false when they are not
// a candidate pair.
func Compare(a, b *geo.Incident) (Pair, bool) {
	if dataset(a) == dataset(b) {
		return Pair{}, false
	}
	if b.ID < a.ID {
		a, b = b, a
	}
	p := Pair{A: a.ID, B: b.ID}

	if a.Date > b.DateEnd || b.Date > a.DateEnd {
		return Pair{}, false
	}
	dateScore := 1 / float64(1+max(a.DateEnd-a.Date, b.DateEnd-b.Date))
	if a.Date == b.Date && a.DateEnd == a.Date && b.DateEnd == b.Date {
		p.Reasons = append(p.Reasons, fmt.Sprintf("same day %s", a.Date))
	} else {
		p.Reasons = append(p.Reasons, fmt.Sprintf("dates overlap (%s and %s)", span(a), span(b)))
	}

	limit := math.Max(a.PrecisionMeters, MinPrecisionMeters) + math.Max(b.PrecisionMeters, MinPrecisionMeters)
	d := geo.DistanceMeters(a.Location, b.Location)
	if d > limit {
		return Pair{}, false
	}
	p.Reasons = append(p.Reasons, fmt.Sprintf("%.1f km apart, within their precisions' %.0f km", d/1000, limit/1000))

	if !Compatible(a.Type, b.Type) {
		return Pair{}, false
	}
	typeScore := 1.0
	if a.Type == b.Type {
		p.Reasons = append(p.Reasons, "both "+string(a.Type))
	} else {
		typeScore = 0.5
		p.Reasons = append(p.Reasons, fmt.Sprintf("types %s and %s are compatible", a.Type, b.Type))
	}

	actorScore := 0.5
	la, lb := linked(a), linked(b)
	if len(la) > 0 && len(lb) > 0 {
		var shared []geo.ActorID
		for _, x := range la {
			if slices.Contains(lb, x) {
				shared = append(shared, x)
			}
		}
		if len(shared) == 0 {
			return Pair{}, false
		}
		actorScore = float64(len(shared)) / float64(len(la)+len(lb)-len(shared))
		p.Reasons = append(p.Reasons, fmt.Sprintf("shared actors %v", shared))
	} else {
		p.Reasons = append(p.Reasons, "actors not compared (one has none linked)")
	}

	fa, fb := a.Fatalities, b.Fatalities
	if fa.Low > fb.High || fb.Low > fa.High {
		return Pair{}, false
	}
	fatalScore := 1 / (1 + math.Abs(float64(fa.Best-fb.Best))/math.Max(1, float64(max(fa.Best, fb.Best))))
	if fa.Best == fb.Best {
		fatalScore = 1
		p.Reasons = append(p.Reasons, fmt.Sprintf("%d killed in both", fa.Best))
	} else {
		p.Reasons = append(p.Reasons, fmt.Sprintf("fatalities %d–%d and %d–%d overlap", fa.Low, fa.High, fb.Low, fb.High))
	}

	p.Score = 0.3*dateScore + 0.25*(1-d/limit) + 0.25*fatalScore + 0.1*actorScore + 0.1*typeScore
	p.Score = math.Round(p.Score*1000) / 1000
	return p, true
}

// Find returns every candidate pair among incs, best score first, ties by
// A then B. It compares only incidents whose dates overlap, so for records
// spread over years it takes time about linear in len(incs).
func Find(incs []*geo.Incident) []Pair {
	return Between(incs, incs)
}

// Between returns the candidate pairs of an incident of xs and one of ys,
// as Find orders them; a pair found from both sides is listed once. The
// smaller of the two is bucketed by day, so an import's few rows are
// matched against a large store in one pass over it.
func Between(xs, ys []*geo.Incident) []Pair {
	if len(ys) > len(xs) {
		xs, ys = ys, xs
	}
	byDay := map[geo.Day][]int{}
	for j, y := range ys {
		for d := y.Date; d <= y.DateEnd && d < y.Date+maxSpanDays; d++ {
			byDay[d] = append(byDay[d], j)
		}
	}
	seen := map[[2]geo.IncidentID]bool{}
	var out []Pair
	for _, x := range xs {
		for d := x.Date; d <= x.DateEnd && d < x.Date+maxSpanDays; d++ {
			for _, j := range byDay[d] {
				if p, ok := Compare(x, ys[j]); ok && !seen[[2]geo.IncidentID{p.A, p.B}] {
					seen[[2]geo.IncidentID{p.A, p.B}] = true
					out = append(out, p)
				}
			}
		}
	}
	SortPairs(out)
	return out
}

// SortPairs puts pairs in Find's order: highest score first, then by A and
// B.
func SortPairs(pairs []Pair) {
	slices.SortFunc(pairs, func(p, q Pair) int {
		return cmp.Or(cmp.Compare(q.Score, p.Score), cmp.Compare(p.A, q.A), cmp.Compare(p.B, q.B))
	})
}

// maxSpanDays bounds the days of one record that the date buckets hold: a
// record known only to the year (366 days) is compared over all of it.
const maxSpanDays = 366

// Merge returns keep with other merged into it: other's sources that keep
// lacks are added after keep's own (a source is the same when its
// publisher, title and URL are), and other's origin and merged origins are
// added to keep's MergedOrigins. Everything else is keep's. Merging a
// record that is already merged changes nothing.
func Merge(keep, other geo.Incident) geo.Incident {
	keep.Sources = unionSources(keep.Sources, other.Sources)
	for _, o := range append([]geo.Origin{other.Origin}, other.MergedOrigins...) {
		if o.Dataset != "" && o != keep.Origin && !slices.Contains(keep.MergedOrigins, o) {
			keep.MergedOrigins = append(slices.Clip(keep.MergedOrigins), o)
		}
	}
	return keep
}

// Fold returns the stored merged incident stored updated by incoming, a
// new version of one of the records merged into it (incoming.Origin is
// stored's Origin or one of its MergedOrigins). A new version of the kept
// record replaces stored's own fields, keeping its ID, merged origins and
// every source; a new version of a merged-in record adds its sources.
// Folding the same incoming twice gives the same incident, so re-imports
// are idempotent. A source of incoming replaces the stored one of the same
// publisher, title and URL.
func Fold(stored, incoming geo.Incident) geo.Incident {
	if incoming.Origin == stored.Origin {
		out := incoming
		out.ID = stored.ID
		out.MergedOrigins = stored.MergedOrigins
		out.Publish = stored.Publish
		out.Sources = unionSources(incoming.Sources, stored.Sources)
		return out
	}
	stored.Sources = unionSources(stored.Sources, incoming.Sources)
	return stored
}

// unionSources returns first followed by the sources of second that first
// lacks.
func unionSources(first, second []geo.Source) []geo.Source {
	type key struct{ publisher, title, url string }
	have := map[key]bool{}
	out := slices.Clone(first)
	for _, s := range first {
		have[key{s.Publisher, s.Title, s.URL}] = true
	}
	for _, s := range second {
		if k := (key{s.Publisher, s.Title, s.URL}); !have[k] {
			have[k] = true
			out = append(out, s)
		}
	}
	return out
}

// dataset is the incident's dataset, the curated one under one name.
func dataset(in *geo.Incident) string {
	if in.Origin.Dataset == "" {
		return "frontline"
	}
	return in.Origin.Dataset
}

// linked returns the distinct actor IDs the incident links.
func linked(in *geo.Incident) []geo.ActorID {
	var l []geo.ActorID
	for _, a := range in.Actors {
		if a.Actor != "" && !slices.Contains(l, a.Actor) {
			l = append(l, a.Actor)
		}
	}
	return l
}

// span formats the incident's dates as "D" or "D/E".
func span(in *geo.Incident) string {
	if in.DateEnd == in.Date {
		return in.Date.String()
	}
	return in.Date.String() + "/" + in.DateEnd.String()
}
