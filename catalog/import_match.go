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
	var unmatched []int // of recs
	for _, i := range incoming {
		in := recs[i].(geo.Incident)
		st := byOrigin[in.Origin]
		changed := false
		if release == "" && in.Origin.Dataset == "ucdp" {
			if st != nil && ingest.KeepRelease(&in, st) {
				kept++
				changed = true
			} else {
				bare++
			}
		}
		if st != nil && len(st.MergedOrigins) > 0 {
			in = dedup.Fold(*st, in)
			folded[in.ID] = true
			changed = true
		} else {
			unmatched = append(unmatched, i)
		}
		if changed {
			recs[i] = in // boxed again only when it changed: a million imported records are not copied twice
		}
	}
	out.Folded = len(folded)
	if kept > 0 || bare > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf(
			"release: not given; %d incidents keep the UCDP GED release their stored versions cite, %d cite UCDP GED without a release (give release=, such as 23.1)", kept, bare))
	}

	ids := make(map[geo.IncidentID]bool, len(unmatched))
	for _, i := range unmatched {
		ids[recs[i].(geo.Incident).ID] = true
	}
	var others []*geo.Incident // stored over the import's dates, not its own records
	for _, st := range all.Incidents {
		if st.Date <= window.To && window.From <= st.DateEnd && !ids[st.ID] && !folded[st.ID] {
			others = append(others, st)
		}
	}
	pairs := matchChunks(recs, unmatched, others)
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

// matchChunk is how many imported incidents matchChunks compares at once,
// at least.
const matchChunk = 8192

// matchChunks returns dedup.Between of the incidents recs[unmatched] and
// others, comparing a chunk of imported incidents at a time from copies in
// one reused buffer, so that an import of a million is not copied to the
// heap one incident at a time to be matched. A chunk is at least as large
// as others, which Between then buckets, so the work stays that of one
// Between.
func matchChunks(recs []store.Record, unmatched []int, others []*geo.Incident) []dedup.Pair {
	if len(others) == 0 {
		return nil
	}
	chunk := max(matchChunk, len(others))
	buf := make([]geo.Incident, 0, min(chunk, len(unmatched)))
	ptrs := make([]*geo.Incident, 0, cap(buf))
	var pairs []dedup.Pair
	for start := 0; start < len(unmatched); start += chunk {
		buf, ptrs = buf[:0], ptrs[:0]
		for _, i := range unmatched[start:min(start+chunk, len(unmatched))] {
			buf = append(buf, recs[i].(geo.Incident))
			ptrs = append(ptrs, &buf[len(buf)-1])
		}
		pairs = append(pairs, dedup.Between(ptrs, others)...)
	}
	dedup.SortPairs(pairs)
	return pairs
}
