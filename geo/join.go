package geo

import (
	"slices"

	"github.com/paulmach/orb"
)

// Join is the time-aware join of incidents to zones: it calls yield for each
// incident matching q, ordered by Date then ID and paged by q.Offset and
// q.Limit, with the zones that held the incident's location on its own
// first day (Date): zones valid on that day whose shape contains the point,
// ordered as by ControlAt, none when no zone claims it. It stops early when
// yield returns false. yield must not keep zones beyond its call. It returns
// a *ValidationError for an invalid query and ErrNotFound for an unknown zone
// in q.Where, before calling yield.
func (s *Snapshot) Join(q IncidentQuery, yield func(in *Incident, zones []*Zone) bool) error {
	f, err := s.compile(&q)
	if err != nil {
		return err
	}
	var items []incItem
	s.each(f, func(_ orb.Point, it incItem) bool { items = append(items, it); return true })
	var zones []*Zone
	for _, it := range s.orderPage(items, q.Offset, q.Limit) {
		in := s.incs.get(it.h)
		zones = s.zonesOn(in.Location, in.Date, zones[:0])
		if !yield(in, zones) {
			return nil
		}
	}
	return nil
}

// zonesOn appends to buf the zones valid on day d that contain p, ordered as
// by ControlAt.
func (s *Snapshot) zonesOn(p orb.Point, d Day, buf []*Zone) []*Zone {
	s.zonesAt(p, func(e *zoneEntry, valid Interval) {
		if valid.Contains(d) {
			buf = append(buf, &e.zone)
		}
	})
	slices.SortFunc(buf, byStatusID)
	return buf
}
