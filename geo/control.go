package geo

import (
	"cmp"
	"slices"

	"github.com/paulmach/orb"
)

// ControlAt answers "who controlled this place on this day": every zone
// valid on day d (validity bounds included) whose shape contains p ([lon,
// lat]; a point on an edge is inside, circles by WGS84 distance).
// Overlapping zones — joint control, insurgent presence inside another
// actor's territory — are all returned, ordered by status (the order of
// ZoneStatuses) then ID; none means no zone claims the place. It returns a
// *ValidationError when p is not a valid point.
func (s *Snapshot) ControlAt(p orb.Point, d Day) ([]*Zone, error) {
	if err := ValidatePoint(p); err != nil {
		return nil, prefixField("point", err)
	}
	var out []*Zone
	s.zonesAt(p, func(e *zoneEntry, valid Interval) {
		if valid.Contains(d) {
			out = append(out, &e.zone)
		}
	})
	slices.SortFunc(out, byStatusID)
	return out, nil
}

// zonesAt calls fn for every zone whose shape contains p, whatever its
// validity.
func (s *Snapshot) zonesAt(p orb.Point, fn func(e *zoneEntry, valid Interval)) {
	r := pointRect(p)
	s.zoneTree.Search(r, r, func(_, _ [2]float64, it zoneItem) bool {
		if e := s.zones[it.id]; e.contains(p) {
			fn(e, it.valid)
		}
		return true
	})
}

// byStatusID orders zones by the position of their status in ZoneStatuses,
// then by ID.
func byStatusID(a, b *Zone) int {
	if c := cmp.Compare(slices.Index(ZoneStatuses, a.Status), slices.Index(ZoneStatuses, b.Status)); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// ControlPeriod is a run of days over which the same zones held a place.
type ControlPeriod struct {
	// Interval is the run, bounds included; the first period starts at
	// OpenStart and the last ends at OpenEnd.
	Interval Interval
	// Zones held the place throughout, ordered as by ControlAt; empty for a
	// gap, when no zone claims it.
	Zones []*Zone
}

// ControlHistory answers "who controlled this place, and since when": the
// sequence of periods covering every day from OpenStart to OpenEnd, in
// order, each with the zones containing p ([lon, lat]) that were valid
// throughout it. Consecutive periods always differ in their zones (equal
// neighbours are merged), and gaps are periods with no zones. It returns a
// *ValidationError when p is not a valid point.
func (s *Snapshot) ControlHistory(p orb.Point) ([]ControlPeriod, error) {
	if err := ValidatePoint(p); err != nil {
		return nil, prefixField("point", err)
	}
	type held struct {
		z     *Zone
		valid Interval
	}
	var zones []held
	// Each validity bound starts a new elementary run of days over which
	// the set of valid zones is constant.
	starts := []Day{OpenStart}
	s.zonesAt(p, func(e *zoneEntry, valid Interval) {
		zones = append(zones, held{&e.zone, valid})
		if valid.From != OpenStart {
			starts = append(starts, valid.From)
		}
		if valid.To != OpenEnd {
			starts = append(starts, valid.To+1)
		}
	})
	slices.Sort(starts)
	starts = slices.Compact(starts)

	var out []ControlPeriod
	for i, from := range starts {
		to := OpenEnd
		if i+1 < len(starts) {
			to = starts[i+1] - 1
		}
		var zs []*Zone
		for _, h := range zones {
			if h.valid.Contains(from) {
				zs = append(zs, h.z)
			}
		}
		slices.SortFunc(zs, byStatusID)
		if n := len(out); n > 0 && slices.Equal(out[n-1].Zones, zs) {
			out[n-1].Interval.To = to
			continue
		}
		out = append(out, ControlPeriod{Interval: Interval{From: from, To: to}, Zones: zs})
	}
	return out, nil
}
