package geo_test

import (
	"fmt"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
)

// exampleIndex holds a toy north-east Syria: SDF control until a handover
// on 2026-01-20, government control after it, ISIS presence overlapping
// both, the 55 km Al-Tanf circle, and three incidents. The geometry is
// illustrative, not the curated dataset's.
func exampleIndex() *geo.Index {
	src := []geo.Source{{Publisher: "example"}}
	ne := orb.Polygon{{{39, 35}, {42.4, 35}, {42.4, 37.3}, {39, 37.3}, {39, 35}}}
	handover := geo.DateOf(2026, 1, 20)
	incident := func(id string, p orb.Point, day geo.Day, t geo.EventType, best int) geo.Incident {
		return geo.Incident{
			ID: geo.IncidentID(id), Date: day, DateEnd: day, DatePrecision: geo.PrecisionDay,
			Type: t, Location: p, Status: geo.Reported, Sources: src,
			Fatalities: geo.Fatalities{Low: best, Best: best, High: best},
			Actors:     []geo.IncidentActor{{Actor: "isis", Role: geo.RolePerpetrator}},
		}
	}
	ix, err := geo.NewIndex(&geo.Dataset{
		Zones: []geo.Zone{
			{ID: "sdf-ne", Actor: "sdf", Status: geo.StatusControl, Area: ne,
				Valid: geo.Interval{From: geo.DateOf(2019, 3, 23), To: handover - 1}, Sources: src},
			{ID: "gov-ne", Actor: "syrian-government", Status: geo.StatusControl, Area: ne,
				Valid: geo.Interval{From: handover, To: geo.OpenEnd}, Sources: src},
			{ID: "isis-badiya", Actor: "isis", Status: geo.StatusPresence,
				Area:  orb.Polygon{{{37, 34}, {40.5, 34}, {40.5, 35.5}, {37, 35.5}, {37, 34}}},
				Valid: geo.Interval{From: geo.DateOf(2019, 3, 23), To: geo.OpenEnd}, Sources: src},
			{ID: "al-tanf-55km", Actor: "us-led-coalition", Status: geo.StatusDeconfliction,
				Circle: &geo.Circle{Center: orb.Point{38.63, 33.50}, RadiusMeters: 55_000},
				Valid:  geo.Interval{From: geo.DateOf(2016, 1, 1), To: geo.OpenEnd}, Sources: src},
		},
		Incidents: []geo.Incident{
			incident("shaddadi-prison-break", orb.Point{40.73, 36.05}, geo.DateOf(2026, 1, 19), geo.StrategicDevelopments, 0),
			incident("deir-ezzor-ied", orb.Point{40.14, 35.33}, geo.DateOf(2025, 11, 2), geo.RemoteViolence, 3),
			incident("tanf-drone", orb.Point{38.70, 33.60}, geo.DateOf(2025, 12, 5), geo.RemoteViolence, 1),
		},
	})
	if err != nil {
		panic(err)
	}
	return ix
}

func ExampleSnapshot_ControlAt() {
	s := exampleIndex().Snapshot()
	deirEzZor := orb.Point{40.14, 35.33} // [lon, lat]
	for _, day := range []geo.Day{geo.DateOf(2026, 1, 19), geo.DateOf(2026, 1, 20)} {
		zones, _ := s.ControlAt(deirEzZor, day)
		fmt.Print(day, ":")
		for _, z := range zones {
			fmt.Print(" ", z.Actor, " (", z.Status, ")")
		}
		fmt.Println()
	}
	// Output:
	// 2026-01-19: sdf (control) isis (presence)
	// 2026-01-20: syrian-government (control) isis (presence)
}

func ExampleSnapshot_ControlHistory() {
	s := exampleIndex().Snapshot()
	periods, _ := s.ControlHistory(orb.Point{41.5, 36.5})
	for _, p := range periods {
		fmt.Print(p.Interval, ":")
		for _, z := range p.Zones {
			fmt.Print(" ", z.ID)
		}
		fmt.Println()
	}
	// Output:
	// ../2019-03-22:
	// 2019-03-23/2026-01-19: sdf-ne
	// 2026-01-20/..: gov-ne
}

func ExampleSnapshot_Incidents() {
	s := exampleIndex().Snapshot()
	page, _ := s.Incidents(geo.IncidentQuery{
		Where: geo.InZone("al-tanf-55km"), // by geodesic distance, not the drawn polygon
		Types: []geo.EventType{geo.RemoteViolence},
	})
	fmt.Println(page.Matched, page.Incidents[0].ID)
	// Output: 1 tanf-drone
}

func ExampleSnapshot_NearestIncidents() {
	s := exampleIndex().Snapshot()
	near, _ := s.NearestIncidents(orb.Point{40.0, 35.0}, geo.IncidentQuery{Limit: 2})
	for _, n := range near {
		fmt.Printf("%s %.0f km\n", n.Record.ID, n.DistanceMeters/1000)
	}
	// Output:
	// deir-ezzor-ied 39 km
	// shaddadi-prison-break 134 km
}

func ExampleSnapshot_Join() {
	s := exampleIndex().Snapshot()
	_ = s.Join(geo.IncidentQuery{}, func(in *geo.Incident, zones []*geo.Zone) bool {
		fmt.Print(in.Date, " ", in.ID, ":")
		for _, z := range zones {
			fmt.Print(" ", z.ID)
		}
		fmt.Println()
		return true
	})
	// Output:
	// 2025-11-02 deir-ezzor-ied: sdf-ne isis-badiya
	// 2025-12-05 tanf-drone: al-tanf-55km
	// 2026-01-19 shaddadi-prison-break: sdf-ne
}

func ExampleSnapshot_Aggregate() {
	s := exampleIndex().Snapshot()
	groups, _ := s.Aggregate(geo.IncidentQuery{}, geo.Grouping{By: geo.ByZone})
	for _, g := range groups {
		fmt.Println(g.Key, g.Count, g.Fatalities.Best)
	}
	grid, _ := s.Aggregate(geo.IncidentQuery{}, geo.Grouping{By: geo.ByGrid, CellDegrees: 1})
	for _, g := range grid {
		fmt.Println(g.Key, g.Cell.Bound.Min, g.Count)
	}
	// Output:
	// al-tanf-55km 1 1
	// isis-badiya 1 3
	// sdf-ne 2 3
	// 218,123 [38 33] 1
	// 220,125 [40 35] 1
	// 220,126 [40 36] 1
}

func ExampleIndex_Update() {
	ix := exampleIndex()
	before := ix.Snapshot()
	err := ix.Update(func(tx *geo.Tx) error {
		return tx.DeleteIncident("tanf-drone")
	})
	after := ix.Snapshot()
	n0, _ := before.CountIncidents(geo.IncidentQuery{})
	n1, _ := after.CountIncidents(geo.IncidentQuery{})
	fmt.Println(err, n0, n1, after.Version()-before.Version())
	// Output: <nil> 3 2 1
}
