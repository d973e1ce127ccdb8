package publish

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/frontline-maps/frontline/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// OverrideRule is the rule name a published incident's "publication"
// gives for an editor's per-incident override.
const OverrideRule = "override"

// kmPerDegree is the length of a degree of latitude, and of longitude at
// the equator, on the sphere of the grid: 111.32 km.
const kmPerDegree = 111.32

// Publisher decides what of each incident is published under a policy.
// It is immutable and safe for concurrent use.
type Publisher struct {
	policy *Policy
	coarse Coarsen
	// fallbackKm is the grid of an incident a governorate rule finds in
	// no governorate: the Coarse grid, or DefaultCoarseKm.
	fallbackKm float64
	areas      map[string]area
}

// area is a governorate as coarsening uses it.
type area struct {
	centroid orb.Point
	bound    orb.Bound
}

// New returns the Publisher of policy p (nil: the zero Policy) over the
// governorates among boundaries (geo.LevelGovernorate), whose centroids a
// rule's {"governorate": true} moves incidents to.
func New(p *Policy, boundaries []geo.Boundary) *Publisher {
	if p == nil {
		p = &Policy{}
	}
	pub := &Publisher{policy: p, coarse: p.Coarse, areas: map[string]area{}}
	if pub.coarse.IsZero() {
		pub.coarse = Coarsen{GridKm: DefaultCoarseKm}
	}
	pub.fallbackKm = cmp.Or(pub.coarse.GridKm, DefaultCoarseKm)
	for _, b := range boundaries {
		if b.Level != geo.LevelGovernorate || b.Area == nil {
			continue
		}
		c, _ := planar.CentroidArea(b.Area)
		pub.areas[b.Name] = area{centroid: c, bound: b.Area.Bound()}
	}
	return pub
}

// Policy returns the policy p decides by.
func (p *Publisher) Policy() *Policy { return p.policy }

// Decision is what is published of one incident at one instant.
type Decision struct {
	// Published is false for an incident embargoed or withheld:
	// readers without the editor role see nothing of it.
	Published bool
	// Incident is the published form when Published: the position
	// coarsened, the properties withheld, Publish cleared and
	// Publication saying what was done (nil when nothing was).
	Incident geo.Incident
	// Until is the first instant after now at which the decision may
	// change (an embargo ends, an age limit passes) without the incident
	// changing; zero when it never does.
	Until time.Time
}

// Decide returns what is published at now of in, first recorded (its
// first version committed) at recorded; a zero recorded (a dataset with
// no history) counts the embargo from the incident's date alone.
func (p *Publisher) Decide(in geo.Incident, recorded, now time.Time) Decision {
	switch in.Publish {
	case geo.PublishWithheld:
		return Decision{}
	case geo.PublishExact:
		in.Publish, in.Publication = "", nil
		return Decision{Published: true, Incident: in}
	}
	end := in.DateEnd.Time().Add(24 * time.Hour) // the end of its last day
	var (
		until    time.Time
		coarsen  Coarsen
		withhold []string
		rules    []string
	)
	later := func(t time.Time) {
		if t.After(now) && (until.IsZero() || t.Before(until)) {
			until = t
		}
	}
	for _, r := range p.policy.Rules {
		if !r.matches(in) {
			continue
		}
		if r.YoungerThan > 0 {
			limit := end.Add(time.Duration(r.YoungerThan))
			if !now.Before(limit) {
				continue
			}
			later(limit)
		}
		if r.Embargo > 0 {
			from := end
			if recorded.After(from) {
				from = recorded
			}
			if release := from.Add(time.Duration(r.Embargo)); now.Before(release) {
				later(release)
				return Decision{Until: until}
			}
		}
		coarsen = coarsen.coarser(r.Coarsen)
		withhold = append(withhold, r.Withhold...)
		rules = append(rules, r.Name)
	}
	if in.Publish == geo.PublishCoarse {
		coarsen = coarsen.coarser(p.coarse)
		rules = append(rules, OverrideRule)
	}
	in.Publish, in.Publication = "", nil
	if len(rules) == 0 {
		return Decision{Published: true, Incident: in, Until: until}
	}
	pub := &geo.Publication{Rules: rules}
	if !coarsen.IsZero() {
		p.coarsenTo(&in, pub, coarsen)
		withhold = append(withhold, "place", "origin_id")
	}
	slices.Sort(withhold)
	pub.Withheld = slices.Compact(withhold)
	for _, f := range pub.Withheld {
		withholdField(&in, f)
	}
	if pub.Coarsened == "" && len(pub.Withheld) == 0 {
		pub = nil // rules matched, and none changed anything
	}
	in.Publication = pub
	return Decision{Published: true, Incident: in, Until: until}
}

// matches reports whether r's type, sub-type and status lists admit in.
func (r *Rule) matches(in geo.Incident) bool {
	return (len(r.Types) == 0 || slices.Contains(r.Types, in.Type)) &&
		(len(r.SubTypes) == 0 || slices.Contains(r.SubTypes, in.SubType)) &&
		(len(r.Statuses) == 0 || slices.Contains(r.Statuses, in.Status))
}

// coarsenTo moves in to its governorate's centroid or its grid cell's
// centre, records which in pub, and widens in's precision to the area it
// now stands for. An incident a governorate rule finds in no
// governorate takes the rule's grid, or else the fallback grid.
func (p *Publisher) coarsenTo(in *geo.Incident, pub *geo.Publication, c Coarsen) {
	if a, ok := p.areas[in.Governorate]; ok && c.Governorate {
		pub.Coarsened, pub.Area = "governorate", a.bound
		in.Location = a.centroid
	} else {
		km := c.GridKm
		if km == 0 {
			km = p.fallbackKm
		}
		centre, cell := Cell(in.Location, km)
		pub.Coarsened, pub.CellKm, pub.Area = "grid", km, cell
		in.Location = centre
	}
	in.PrecisionMeters = min(geo.MaxPrecisionMeters, max(in.PrecisionMeters, farthestCorner(in.Location, pub.Area)))
}

// farthestCorner returns the distance in metres from p to the farthest
// corner of b, on the grid's sphere: the radius of a circle about p that
// covers b.
func farthestCorner(p orb.Point, b orb.Bound) float64 {
	var d float64
	for _, c := range []orb.Point{b.Min, b.Max, {b.Min[0], b.Max[1]}, {b.Max[0], b.Min[1]}} {
		dy := (c[1] - p[1]) * kmPerDegree
		dx := (c[0] - p[0]) * kmPerDegree * math.Cos((c[1]+p[1])/2*math.Pi/180)
		d = max(d, math.Hypot(dx, dy)*1000)
	}
	return math.Ceil(d)
}

// Cell returns the centre and the bounds of the cell of the grid of km
// kilometres that holds p. Rows are km/111.32 degrees of latitude from the
// equator; each row's cells are km wide at the row's middle latitude,
// counted from the prime meridian. The same point always falls in the
// same cell, and every point of a cell gives the same centre. A cell is
// half-open: [west, east) × [south, north).
func Cell(p orb.Point, km float64) (centre orb.Point, cell orb.Bound) {
	dLat := km / kmPerDegree
	row := math.Floor(p[1] / dLat)
	south := row * dLat
	mid := south + dLat/2
	dLon := km / (kmPerDegree * max(math.Cos(mid*math.Pi/180), 0.01))
	col := math.Floor(p[0] / dLon)
	west := col * dLon
	cell = orb.Bound{Min: orb.Point{west, south}, Max: orb.Point{min(west+dLon, 180), min(south+dLat, 90)}}
	centre = orb.Point{west + dLon/2, mid}
	centre[0], centre[1] = math.Max(-180, math.Min(180, centre[0])), math.Max(-90, math.Min(90, centre[1]))
	return centre, cell
}

// withholdField clears one property of Withholdable.
func withholdField(in *geo.Incident, f string) {
	switch f {
	case "description":
		in.Description = ""
	case "place":
		in.Place = ""
	case "origin_id":
		in.Origin.ID = ""
		// A merged record's other origins name rows of public datasets
		// too; their datasets stay, their IDs go.
		if len(in.MergedOrigins) > 0 {
			merged := make([]geo.Origin, len(in.MergedOrigins))
			for i, o := range in.MergedOrigins {
				merged[i] = geo.Origin{Dataset: o.Dataset}
			}
			in.MergedOrigins = merged
		}
	case "source_urls", "source_titles", "source_notes":
		srcs := slices.Clone(in.Sources)
		for i := range srcs {
			switch f {
			case "source_urls":
				srcs[i].URL = ""
			case "source_titles":
				srcs[i].Title = ""
			default:
				srcs[i].Note = ""
			}
		}
		in.Sources = srcs
	}
}
