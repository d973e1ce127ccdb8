package ingest

import "github.com/frontline-maps/frontline/geo"

// MergeStats counts what a merge did.
type MergeStats struct {
	Added   int `json:"added"`
	Updated int `json:"updated"`
	// KeptRelease counts updated UCDP incidents, imported without a
	// release, that keep the release their existing version cites
	// (KeepRelease).
	KeptRelease int `json:"kept_release,omitempty"`
}

// MergeIncidents folds incoming incidents into existing and returns the
// result. An incoming incident replaces the existing one with the same origin
// (dataset and ID) or, failing that, the same ID; otherwise it is appended.
// Importing the same file twice therefore updates records rather than
// duplicating them, and a UCDP incident imported without a release keeps
// the one its existing version cites. existing's order is kept; it may be
// modified in place.
func MergeIncidents(existing, incoming []geo.Incident) ([]geo.Incident, MergeStats) {
	byOrigin := map[geo.Origin]int{}
	byID := map[geo.IncidentID]int{}
	for i, in := range existing {
		if in.Origin.Dataset != "" {
			byOrigin[in.Origin] = i
		}
		byID[in.ID] = i
	}
	var st MergeStats
	for _, in := range incoming {
		i, ok := byOrigin[in.Origin]
		if !ok || in.Origin.Dataset == "" {
			i, ok = byID[in.ID]
		}
		if ok {
			if KeepRelease(&in, &existing[i]) {
				st.KeptRelease++
			}
			existing[i] = in
			st.Updated++
			continue
		}
		existing = append(existing, in)
		i = len(existing) - 1
		byID[in.ID] = i
		if in.Origin.Dataset != "" {
			byOrigin[in.Origin] = i
		}
		st.Added++
	}
	return existing, st
}

// MergeZones folds incoming zones into existing by ID, as MergeIncidents
// does; zones have no origin.
func MergeZones(existing, incoming []geo.Zone) ([]geo.Zone, MergeStats) {
	return mergeByID(existing, incoming, func(z geo.Zone) string { return string(z.ID) })
}

// MergeSites folds incoming sites into existing by ID.
func MergeSites(existing, incoming []geo.Site) ([]geo.Site, MergeStats) {
	return mergeByID(existing, incoming, func(s geo.Site) string { return string(s.ID) })
}

func mergeByID[T any](existing, incoming []T, id func(T) string) ([]T, MergeStats) {
	at := map[string]int{}
	for i, r := range existing {
		at[id(r)] = i
	}
	var st MergeStats
	for _, r := range incoming {
		if i, ok := at[id(r)]; ok {
			existing[i] = r
			st.Updated++
			continue
		}
		at[id(r)] = len(existing)
		existing = append(existing, r)
		st.Added++
	}
	return existing, st
}
