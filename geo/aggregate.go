package geo

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// GroupBy names what Aggregate groups incidents by.
type GroupBy string

// The groupings. An incident in several zones, or with several actors,
// counts once in each of their groups; one with none counts in the group
// with the empty key.
const (
	// ByZone groups by the zones that held the incident's location on its
	// first day, as Join attributes them.
	ByZone GroupBy = "zone"
	// ByActor groups by the IDs of the actors involved, in any role; actors
	// known only by name count under the empty key.
	ByActor GroupBy = "actor"
	// ByType groups by EventType.
	ByType GroupBy = "type"
	// ByMonth groups by the month of Date, keyed "YYYY-MM".
	ByMonth GroupBy = "month"
	// ByGovernorate groups by the Governorate field.
	ByGovernorate GroupBy = "governorate"
	// ByGrid groups by the square cell of Grouping.CellDegrees holding the
	// location, keyed "column,row" (see GridCell).
	ByGrid GroupBy = "grid"
)

// GroupBys lists every GroupBy.
var GroupBys = []GroupBy{ByZone, ByActor, ByType, ByMonth, ByGovernorate, ByGrid}

// MaxCellDegrees bounds the grid cell size.
const MaxCellDegrees = 90

// Grouping says how Aggregate groups.
type Grouping struct {
	By GroupBy
	// CellDegrees is the side of a grid cell in degrees, for ByGrid only:
	// greater than 0 and at most MaxCellDegrees.
	CellDegrees float64
}

// GridCell is a cell of a square grid of side s degrees anchored at
// [-180, -90]: column c and row r cover lon [-180+c*s, -180+(c+1)*s] and lat
// [-90+r*s, -90+(r+1)*s]. A point on a cell's lower or left edge belongs to
// that cell, one on its upper or right edge to the next.
type GridCell struct {
	Column, Row int
	Bound       orb.Bound
}

// Group is one group of an aggregation.
type Group struct {
	Key string
	// Cell is the grid cell, for ByGrid only.
	Cell *GridCell
	// Count is the number of incidents in the group.
	Count int
	// Fatalities sums the incidents' low, best and high estimates and
	// civilians.
	Fatalities Fatalities
}

// aggKey identifies a group: s for string keys, x for months and x, y for
// grid cells, so that no key is formatted per incident.
type aggKey struct {
	s    string
	x, y int
}

// Aggregate counts the incidents matching q, and sums their fatalities,
// grouped as g says; q.Offset and q.Limit are ignored. Groups are ordered by
// key: months chronologically, grid cells by column then row. It returns a
// *ValidationError for an invalid query or grouping and ErrNotFound for an
// unknown zone in q.Where.
func (s *Snapshot) Aggregate(q IncidentQuery, g Grouping) ([]Group, error) {
	if !slices.Contains(GroupBys, g.By) {
		return nil, invalid("group_by", "%q is not one of %v", g.By, GroupBys)
	}
	if g.By == ByGrid && !(g.CellDegrees > 0 && g.CellDegrees <= MaxCellDegrees) {
		return nil, invalid("cell_degrees", "%g is outside (0, %d]", g.CellDegrees, MaxCellDegrees)
	}
	f, err := s.compile(&q)
	if err != nil {
		return nil, err
	}
	groups := map[aggKey]*Group{}
	add := func(k aggKey, in *Incident) {
		gr := groups[k]
		if gr == nil {
			gr = &Group{}
			groups[k] = gr
		}
		gr.Count++
		gr.Fatalities.Low += in.Fatalities.Low
		gr.Fatalities.Best += in.Fatalities.Best
		gr.Fatalities.High += in.Fatalities.High
		gr.Fatalities.Civilians += in.Fatalities.Civilians
	}
	var zones []*Zone
	var actors []ActorID
	s.each(f, func(p orb.Point, it incItem) bool {
		in := s.incs.get(it.h)
		switch g.By {
		case ByZone:
			zones = s.zonesOn(p, in.Date, zones[:0])
			if len(zones) == 0 {
				add(aggKey{}, in)
			}
			for _, z := range zones {
				add(aggKey{s: string(z.ID)}, in)
			}
		case ByActor:
			actors = actors[:0]
			for _, a := range in.Actors {
				if !slices.Contains(actors, a.Actor) {
					actors = append(actors, a.Actor)
				}
			}
			if len(actors) == 0 {
				add(aggKey{}, in)
			}
			for _, a := range actors {
				add(aggKey{s: string(a)}, in)
			}
		case ByType:
			add(aggKey{s: string(in.Type)}, in)
		case ByMonth:
			add(aggKey{x: int(in.Date.Month())}, in)
		case ByGovernorate:
			add(aggKey{s: in.Governorate}, in)
		case ByGrid:
			add(aggKey{
				x: int(math.Floor((p[0] + 180) / g.CellDegrees)),
				y: int(math.Floor((p[1] + 90) / g.CellDegrees)),
			}, in)
		}
		return true
	})

	keys := make([]aggKey, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b aggKey) int {
		return cmp.Or(cmp.Compare(a.s, b.s), cmp.Compare(a.x, b.x), cmp.Compare(a.y, b.y))
	})
	out := make([]Group, len(keys))
	for i, k := range keys {
		gr := groups[k]
		switch g.By {
		case ByMonth:
			gr.Key = Day(k.x).Time().Format("2006-01")
		case ByGrid:
			sz := g.CellDegrees
			gr.Key = fmt.Sprintf("%d,%d", k.x, k.y)
			gr.Cell = &GridCell{Column: k.x, Row: k.y, Bound: orb.Bound{
				Min: orb.Point{-180 + float64(k.x)*sz, -90 + float64(k.y)*sz},
				Max: orb.Point{-180 + float64(k.x+1)*sz, -90 + float64(k.y+1)*sz},
			}}
		default:
			gr.Key = k.s
		}
		out[i] = *gr
	}
	return out, nil
}
