package postgis

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
)

// TestDistanceAgreesWithPostGIS measures 10,000 random pairs of points in
// and around Syria (35–43° E, 31–38° N) and 10,000 pairs a few metres to
// 5,000 km apart from random points of the same region, with
// geo.DistanceMeters and with PostGIS's ST_Distance on geography (the
// WGS84 spheroid): they must agree within 1 m. ST_DWithin with a radius
// drawn near each distance (±5 m) must then answer as geo.Circle.Contains
// does whenever the radius is more than 1 m from the distance.
func TestDistanceAgreesWithPostGIS(t *testing.T) {
	_, url := openTest(t, Options{})
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())

	r := rand.New(rand.NewPCG(19, 4))
	inRegion := func() orb.Point { return orb.Point{35 + 8*r.Float64(), 31 + 7*r.Float64()} }
	const n = 10_000
	var lon1, lat1, lon2, lat2, radius []float64
	add := func(p, q orb.Point) {
		lon1, lat1, lon2, lat2 = append(lon1, p[0]), append(lat1, p[1]), append(lon2, q[0]), append(lat2, q[1])
	}
	for range n {
		add(inRegion(), inRegion())
	}
	for range n {
		p := inRegion()
		m := math.Pow(10, 7*r.Float64()) * 0.5 // 0.5 m to 5,000 km, log-uniform
		add(p, geo.DestinationPoint(p, 360*r.Float64(), min(m, geo.MaxRadiusMeters)))
	}
	ours := make([]float64, len(lon1))
	for i := range lon1 {
		ours[i] = geo.DistanceMeters(orb.Point{lon1[i], lat1[i]}, orb.Point{lon2[i], lat2[i]})
		radius = append(radius, max(0.01, ours[i]+10*r.Float64()-5))
	}

	rows, err := conn.Query(t.Context(), `
		SELECT ST_Distance(a, b), ST_DWithin(a, b, r)
		FROM (SELECT ST_SetSRID(ST_MakePoint(x1, y1), 4326)::geography AS a,
		             ST_SetSRID(ST_MakePoint(x2, y2), 4326)::geography AS b, r, i
		      FROM unnest($1::float8[], $2::float8[], $3::float8[], $4::float8[], $5::float8[])
		           WITH ORDINALITY AS t(x1, y1, x2, y2, r, i)) AS pairs
		ORDER BY i`, lon1, lat1, lon2, lat2, radius)
	if err != nil {
		t.Fatal(err)
	}
	var worst, worstAt float64
	i, decided := 0, 0
	for rows.Next() {
		var d float64
		var within bool
		if err := rows.Scan(&d, &within); err != nil {
			t.Fatal(err)
		}
		p, q := orb.Point{lon1[i], lat1[i]}, orb.Point{lon2[i], lat2[i]}
		if diff := math.Abs(ours[i] - d); diff > worst {
			worst, worstAt = diff, d
		}
		if math.Abs(ours[i]-d) > 1 {
			t.Errorf("%v–%v: DistanceMeters %.4f m, PostGIS ST_Distance %.4f m", p, q, ours[i], d)
		}
		if math.Abs(ours[i]-radius[i]) > 1 {
			decided++
			c := geo.Circle{Center: p, RadiusMeters: radius[i]}
			if got := c.Contains(q); got != within {
				t.Errorf("%v–%v at %.3f m: Circle.Contains %v, ST_DWithin %v (distance %.4f m)", p, q, radius[i], got, within, d)
			}
		}
		i++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if i != len(lon1) {
		t.Fatalf("PostGIS answered %d pairs of %d", i, len(lon1))
	}
	t.Logf("%d pairs: largest difference %.6f m (at %.0f m); %d ST_DWithin answers compared", i, worst, worstAt, decided)
}
