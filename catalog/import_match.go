package catalog

import (
	"fmt"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/ingest"
	"github.com/frontline-maps/frontline/ingest/dedup"
	"github.com/frontline-maps/frontline/store"
)

// ImportMatch is a stored incident of another dataset that an imported one
// may report the same event as (dedup.Compare): a candidate for frontline
// dedup's merge, not merged by the import.
type ImportMatch struct {
	Incident string   `json:"incident"` // the imported incident's ID
	Matches  string   `json:"matches"`  // the stored incident's ID
	Score    float64  `json:"score"`
	Reasons  []string `json:"reasons"`
}

// reconcile brings an import's incidents (in recs, replaced in place) into
// line with the stored dataset before they are stored, and reports on it:
//
//   - Provenance: a UCDP import without a release keeps the release that
//     the stored version of each incident cites, and warns; it never
//     rewrites "UCDP GED 23.1" to a bare "UCDP GED".
//   - Merged incidents: an incident whose origin is that of a merged
//     incident, or one of its merged origins, is folded into it
//     (dedup.Fold), so re-imports of either dataset stay idempotent.
//   - Matches: every other imported incident is compared with the stored
//     incidents of other datasets over the same dates; the candidate
//     pairs are listed (the first ingest.MaxListed) and counted.
func (c *Catalog) reconcile(recs []store.Record, release string, out *ImportReport) {
	var incoming []int
	window := geo.Interval{From: geo.OpenEnd, To: geo.OpenStart}
	for i, r := range recs {
		if in, ok := r.(geo.Incident); ok {
			incoming = append(incoming, i)
			window.From, window.To = min(window.From, in.Date), max(window.To, in.DateEnd)
		}
	}
	if len(incoming) == 0 {
		return
	}
	s := c.Snapshot()
	all, _ := s.Incidents(geo.IncidentQuery{})
	byOrigin := map[geo.Origin]*geo.Incident{}
	for _, st := range all.Incidents {
		if st.Origin.Dataset == "" {
			continue
		}
		byOrigin[st.Origin] = st
		for _, o := range st.MergedOrigins {
			byOrigin[o] = st
		}
	}

	var kept, bare int
	folded := map[geo.IncidentID]bool{}
	var unmatched []*geo.Incident
	for _, i := range incoming {
		in := recs[i].(geo.Incident)
		st := byOrigin[in.Origin]
		if release == "" && in.Origin.Dataset == "ucdp" {
			if st != nil && ingest.KeepRelease(&in, st) {
				kept++
			} else {
				bare++
			}
		}
		if st != nil && len(st.MergedOrigins) > 0 {
			in = dedup.Fold(*st, in)
			folded[in.ID] = true
		} else {
			unmatched = append(unmatched, &in)
		}
		recs[i] = in
	}
	out.Folded = len(folded)
	if kept > 0 || bare > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf(
			"release: not given; %d incidents keep the UCDP GED release their stored versions cite, %d cite UCDP GED without a release (give release=, such as 23.1)", kept, bare))
	}

	ids := map[geo.IncidentID]bool{}
	for _, in := range unmatched {
		ids[in.ID] = true
	}
	var others []*geo.Incident // stored over the import's dates, not its own records
	for _, st := range all.Incidents {
		if st.Date <= window.To && window.From <= st.DateEnd && !ids[st.ID] && !folded[st.ID] {
			others = append(others, st)
		}
	}
	pairs := dedup.Between(unmatched, others)
	out.MatchCount = len(pairs)
	out.Matches = []ImportMatch{}
	for _, p := range pairs[:min(len(pairs), ingest.MaxListed)] {
		m := ImportMatch{Incident: string(p.A), Matches: string(p.B), Score: p.Score, Reasons: p.Reasons}
		if !ids[p.A] {
			m.Incident, m.Matches = m.Matches, m.Incident
		}
		out.Matches = append(out.Matches, m)
	}
}
