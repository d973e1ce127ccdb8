package geo_test

import (
	"fmt"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
)

func ExamplePrepareRegion() {
	// A zone with a hole, [lon, lat]. Prepare it once, then test many points.
	area := orb.Polygon{
		{{38, 35}, {42, 35}, {42, 37}, {38, 37}, {38, 35}},
		{{39, 35.5}, {39, 36.5}, {40, 36.5}, {40, 35.5}, {39, 35.5}},
	}
	r, err := geo.PrepareRegion(area)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range []orb.Point{
		{41, 36},   // inside
		{39.5, 36}, // in the hole
		{39, 36},   // on the hole's edge
		{38, 35},   // on an exterior vertex
		{43, 36},   // east of the zone
	} {
		fmt.Println(p, r.Contains(p))
	}
	fmt.Println(r.Relate(orb.Bound{Min: orb.Point{40.5, 35.5}, Max: orb.Point{41.5, 36.5}}))
	fmt.Println(r.Relate(orb.Bound{Min: orb.Point{39.2, 35.7}, Max: orb.Point{39.8, 36.3}}))
	// Output:
	// [41 36] true
	// [39.5 36] false
	// [39 36] true
	// [38 35] true
	// [43 36] false
	// Within
	// Disjoint
}

func ExampleCircle_Contains() {
	// The 55 km deconfliction zone around Al-Tanf, centred at [lon, lat].
	tanf := geo.Circle{Center: orb.Point{38.63, 33.50}, RadiusMeters: 55_000}
	fmt.Println(tanf.Contains(orb.Point{38.63, 33.99}))       // 54.5 km north
	fmt.Println(tanf.Contains(orb.Point{38.63, 34.00}))       // 55.6 km north
	fmt.Println(tanf.Contains(orb.Point{36.29194, 33.51306})) // Damascus
	// Output:
	// true
	// false
	// false
}
