// Package synth generates deterministic synthetic workloads for Frontline's
// benchmarks and load tests: incidents clustered around Syrian towns and a
// large irregular query polygon. The same (n, seed) always yields the same
// records, on every platform, so benchmark runs are comparable. Nothing here
// is real data: every incident has Origin.Dataset geo.OriginSynthetic and
// says so in its description.
package synth

import (
	"iter"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/paulmach/orb"

	"github.com/frontline-maps/frontline/geo"
)

// Description is the description of every synthetic incident.
const Description = "synthetic incident generated for benchmarks; not a real event"

// The box that uniform incidents are spread over and clustered ones are
// clamped to, [lon, lat] degrees: Syria with a margin.
const (
	MinLon = 35.7
	MaxLon = 42.4
	MinLat = 32.3
	MaxLat = 37.3
)

// Box returns the [lon, lat] box MinLon, MinLat, MaxLon, MaxLat that holds
// every synthetic incident.
func Box() orb.Bound {
	return orb.Bound{Min: orb.Point{MinLon, MinLat}, Max: orb.Point{MaxLon, MaxLat}}
}

// clusteredPercent is the share of incidents drawn around towns; the rest
// are uniform over Box.
const clusteredPercent = 70

// kmPerDegree is the length of one degree of latitude (and of longitude at
// the equator) on orb's sphere, close enough for spreading synthetic points.
const kmPerDegree = 111.195

// idPrefix starts every synthetic ID: "syn-000001".
const idPrefix = "syn-"

type eventKind struct {
	typ     geo.EventType
	sub     geo.SubType
	weight  int     // relative frequency, out of the table's sum of 100
	meanFat float64 // mean best fatality estimate
	target  bool    // whether the incident names a target actor
}

// kinds is a taxonomy mix loosely shaped like ACLED's Syria data: mostly
// clashes, strikes and shelling, some abuses and arrests, a few protests.
var kinds = [...]eventKind{
	{geo.Battles, "armed_clash", 22, 3, true},
	{geo.Battles, "government_regains_territory", 2, 4, true},
	{geo.Battles, "non_state_actor_overtakes_territory", 2, 4, true},
	{geo.RemoteViolence, "air_drone_strike", 12, 2.5, true},
	{geo.RemoteViolence, "shelling_artillery_missile", 12, 1.5, true},
	{geo.RemoteViolence, "ied", 8, 2, true},
	{geo.RemoteViolence, "suicide_bomb", 1, 6, true},
	{geo.RemoteViolence, "grenade", 1, 1, true},
	{geo.ViolenceAgainstCivils, "attack", 10, 1.5, true},
	{geo.ViolenceAgainstCivils, "abduction", 4, 0, true},
	{geo.StrategicDevelopments, "arrest", 6, 0, true},
	{geo.StrategicDevelopments, "checkpoint", 3, 0, false},
	{geo.StrategicDevelopments, "prison_break", 1, 0.5, false},
	{geo.StrategicDevelopments, "looting_property_destruction", 2, 0, false},
	{geo.StrategicDevelopments, "", 2, 0, false},
	{geo.Protests, "peaceful_protest", 6, 0, false},
	{geo.Protests, "protest_with_intervention", 2, 0.2, false},
	{geo.Riots, "violent_demonstration", 2, 0.3, false},
	{geo.Riots, "mob_violence", 2, 0.3, true},
}

// armedActors are the perpetrators and targets of violent incidents. The IDs
// are the slugs the curated dataset uses for these actors.
var armedActors = [...]geo.IncidentActor{
	{Actor: "isis", Name: "Islamic State"},
	{Actor: "sdf", Name: "Syrian Democratic Forces"},
	{Actor: "assad-government", Name: "Syrian government forces"},
	{Actor: "sna", Name: "Syrian National Army"},
	{Actor: "hts", Name: "Hay'at Tahrir al-Sham"},
	{Actor: "us-coalition", Name: "US-led coalition"},
	{Actor: "turkey", Name: "Turkish Armed Forces"},
	{Name: "Unidentified armed group"},
}

var (
	civilians  = geo.IncidentActor{Name: "Civilians", Role: geo.RoleTarget}
	protesters = geo.IncidentActor{Name: "Protesters", Role: geo.RoleOther}
)

// precisionsMeters are the location uncertainties drawn from, finest first;
// town-clustered incidents use the first four, uniform ones all.
var precisionsMeters = [...]float64{0, 500, 1000, 2000, 5000, 10000, 25000}

// generator holds the state shared by Incidents and All. Both draw the same
// random numbers in the same order, so they yield equal records.
type generator struct {
	rng      *rand.Rand
	n        int
	idWidth  int      // digits in an ID, at least 6
	kindOf   [100]int // kind index by percentile, from kinds' weights
	firstDay geo.Day
	days     int // number of days in the date range
	lastDay  geo.Day
}

func newGenerator(n int, seed int64) *generator {
	g := &generator{
		// PCG is small, fast and specified, so the stream is the same on
		// every platform and Go release.
		rng:      rand.New(rand.NewPCG(uint64(seed), 0x5eed_f10a_7ed1_2026)),
		n:        n,
		idWidth:  max(6, len(strconv.Itoa(n))),
		firstDay: geo.DateOf(2017, 1, 1),
		lastDay:  geo.DateOf(2026, 12, 31),
	}
	g.days = int(g.lastDay-g.firstDay) + 1
	p := 0
	for k, kd := range kinds {
		for range kd.weight {
			g.kindOf[p] = k
			p++
		}
	}
	return g
}

// appendID appends the ID of the i-th incident (1-based), zero-padded to the
// generator's width.
func (g *generator) appendID(b []byte, i int) []byte {
	b = append(b, idPrefix...)
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], int64(i), 10)
	for range g.idWidth - len(d) {
		b = append(b, '0')
	}
	return append(b, d...)
}

// fill sets *in to the next incident. id is its ID; actors has room for two
// actors and becomes in.Actors.
func (g *generator) fill(in *geo.Incident, id string, actors []geo.IncidentActor) {
	r := g.rng
	kd := kinds[g.kindOf[r.IntN(100)]]

	var loc orb.Point
	var place string
	var precision float64
	if r.IntN(100) < clusteredPercent {
		t := &towns[r.IntN(len(towns))]
		dLat := r.NormFloat64() * t.sigmaKm / kmPerDegree
		dLon := r.NormFloat64() * t.sigmaKm / (kmPerDegree * math.Cos(t.lat*math.Pi/180))
		loc = orb.Point{clampRound(t.lon+dLon, MinLon, MaxLon), clampRound(t.lat+dLat, MinLat, MaxLat)}
		place = t.name
		precision = precisionsMeters[r.IntN(4)]
	} else {
		loc = orb.Point{
			clampRound(MinLon+r.Float64()*(MaxLon-MinLon), MinLon, MaxLon),
			clampRound(MinLat+r.Float64()*(MaxLat-MinLat), MinLat, MaxLat),
		}
		precision = precisionsMeters[r.IntN(len(precisionsMeters))]
	}

	date := g.firstDay + geo.Day(r.IntN(g.days))
	end := date
	prec := geo.PrecisionDay
	switch r.IntN(20) {
	case 0:
		prec = geo.PrecisionMonth
		date = date.Month()
		end = (date + 31).Month() - 1
	case 1, 2:
		prec = geo.PrecisionWeek
		end = min(date+6, g.lastDay)
	}

	var f geo.Fatalities
	if kd.meanFat > 0 {
		f.Best = int(r.ExpFloat64() * kd.meanFat)
		f.Low = f.Best - r.IntN(f.Best/2+1)
		f.High = f.Best + r.IntN(f.Best+1)
		if kd.typ == geo.ViolenceAgainstCivils {
			f.Civilians = f.Best
		} else {
			f.Civilians = r.IntN(f.Best/3 + 1)
		}
	}

	switch kd.typ {
	case geo.Protests, geo.Riots:
		actors = append(actors, protesters)
	default:
		pi := r.IntN(len(armedActors))
		a := armedActors[pi]
		a.Role = geo.RolePerpetrator
		actors = append(actors, a)
		if kd.typ == geo.Battles {
			// Draw the opponent from the other actors so that no actor
			// fights itself.
			ti := r.IntN(len(armedActors) - 1)
			if ti >= pi {
				ti++
			}
			t := armedActors[ti]
			t.Role = geo.RoleTarget
			actors = append(actors, t)
		}
	}
	if kd.target && kd.typ != geo.Battles {
		actors = append(actors, civilians)
	}

	status := geo.Reported
	switch s := r.IntN(20); {
	case s == 0:
		status = geo.Disputed
	case s <= 5:
		status = geo.Confirmed
	}

	*in = geo.Incident{
		ID:              geo.IncidentID(id),
		Date:            date,
		DateEnd:         end,
		DatePrecision:   prec,
		Type:            kd.typ,
		SubType:         kd.sub,
		Actors:          actors,
		Location:        loc,
		PrecisionMeters: precision,
		Place:           place,
		Fatalities:      f,
		Description:     Description,
		Status:          status,
		Origin:          geo.Origin{Dataset: geo.OriginSynthetic, ID: id[len(idPrefix):]},
	}
}

// clampRound rounds v to 1e-6 degree (about 0.1 m), which keeps GeoJSON
// output short and round-trips exactly, and clamps it to [lo, hi].
func clampRound(v, lo, hi float64) float64 {
	return min(max(math.Round(v*1e6)/1e6, lo), hi)
}

// Incidents returns n synthetic incidents generated from seed, with IDs
// "syn-000001" to "syn-<n>" (zero-padded to at least six digits). Locations
// are [lon, lat]: 70% Gaussian around 30 Syrian towns (standard deviation 3
// to 8 km, clamped to Box), 30% uniform over Box; dates are uniform over
// 2017-01-01 to 2026-12-31. Every incident passes Validate. The result is
// the same for the same (n, seed) and equals what All yields. It allocates
// a handful of large blocks rather than per incident; n <= 0 yields nil.
func Incidents(n int, seed int64) []geo.Incident {
	if n <= 0 {
		return nil
	}
	g := newGenerator(n, seed)
	// All IDs live in one string and all actors in one array; each record
	// holds slices of them, so a million incidents cost a few allocations.
	idLen := len(idPrefix) + g.idWidth
	buf := make([]byte, 0, n*idLen)
	for i := 1; i <= n; i++ {
		buf = g.appendID(buf, i)
	}
	ids := string(buf)
	actors := make([]geo.IncidentActor, 2*n)
	out := make([]geo.Incident, n)
	for i := range out {
		g.fill(&out[i], ids[i*idLen:(i+1)*idLen], actors[2*i:2*i:2*i+2])
	}
	return out
}

// All yields the same incidents as Incidents(n, seed), one at a time, so a
// caller can stream millions of them without holding them all. Each yielded
// incident owns its memory.
func All(n int, seed int64) iter.Seq[geo.Incident] {
	return func(yield func(geo.Incident) bool) {
		if n <= 0 {
			return
		}
		g := newGenerator(n, seed)
		var buf []byte
		var in geo.Incident
		for i := 1; i <= n; i++ {
			buf = g.appendID(buf[:0], i)
			g.fill(&in, string(buf), make([]geo.IncidentActor, 0, 2))
			if !yield(in) {
				return
			}
		}
	}
}

// Q1Vertices is the number of distinct vertices of Q1Polygon.
const Q1Vertices = 2000

// Q1Polygon returns the benchmark's "Q1" query polygon: a jagged but simple
// ring of Q1Vertices vertices (plus the closing one), counter-clockwise,
// inside [lon, lat] 38..42.4, 35..37.3 and covering most of it (north-east
// Syria). Its shape is a rounded rectangle (a superellipse of exponent 4)
// whose radius is scaled at each vertex by a smooth wave and random jitter,
// together 0.88 to 1. Every vertex is at a strictly larger polar angle about
// the centre than the one before, so the ring cannot cross itself. The same
// seed always gives the same polygon.
func Q1Polygon(seed int64) orb.Polygon {
	r := rand.New(rand.NewPCG(uint64(seed), 0x0051_0a11_2026))
	const (
		cx, cy = 40.2, 36.15 // centre, [lon, lat]
		ax, ay = 2.2, 1.15   // half-width and half-height, degrees
	)
	ph1, ph2 := r.Float64()*2*math.Pi, r.Float64()*2*math.Pi
	ring := make(orb.Ring, Q1Vertices+1)
	for i := range Q1Vertices {
		th := 2 * math.Pi * float64(i) / Q1Vertices
		c, s := math.Cos(th), math.Sin(th)
		// Superellipse |x/ax|^4 + |y/ay|^4 = 1: the square root of the unit
		// circle's coordinates, keeping their signs.
		x := math.Copysign(math.Sqrt(math.Abs(c)), c) * ax
		y := math.Copysign(math.Sqrt(math.Abs(s)), s) * ay
		wave := 0.025*(1+math.Sin(3*th+ph1)) + 0.015*(1+math.Sin(11*th+ph2))
		f := 1 - wave - 0.04*r.Float64()
		ring[i] = orb.Point{
			math.Round((cx+f*x)*1e6) / 1e6,
			math.Round((cy+f*y)*1e6) / 1e6,
		}
	}
	ring[Q1Vertices] = ring[0]
	return orb.Polygon{ring}
}
