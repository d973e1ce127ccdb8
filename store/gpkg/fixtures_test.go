package gpkg

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"github.com/frontline-maps/frontline/store"
	"path/filepath"
	"testing"
	"time"

	"github.com/frontline-maps/frontline/geo"
	"github.com/paulmach/orb"
)

var src = []geo.Source{{Publisher: "Reuters", URL: "https://www.reuters.com/x", Published: geo.DateOf(2026, 1, 20)}}

func testActor(id string) geo.Actor {
	return geo.Actor{ID: geo.ActorID(id), Name: "Actor " + id, Colour: "#1f77b4", Kind: geo.KindNonState}
}

// testZone is a clockwise (so Normalize must reverse it) square around
// al-Hasakah.
func testZone(id string) geo.Zone {
	return geo.Zone{
		ID: geo.ZoneID(id), Name: "Zone " + id, Actor: "sdf", Status: geo.StatusControl,
		Area:    orb.Polygon{{{40, 36}, {40, 37}, {41, 37}, {41, 36}, {40, 36}}},
		Valid:   geo.Interval{From: geo.DateOf(2024, 12, 6), To: geo.OpenEnd},
		Sources: src,
	}
}

// testCircle is the 55-km deconfliction zone around al-Tanf.
func testCircle(id string) geo.Zone {
	return geo.Zone{
		ID: geo.ZoneID(id), Actor: "us", Status: geo.StatusDeconfliction,
		Circle:  &geo.Circle{Center: orb.Point{38.6333, 33.5}, RadiusMeters: 55000},
		Valid:   geo.Always,
		Sources: src,
	}
}

func testIncident(id string, lon, lat float64) geo.Incident {
	return geo.Incident{
		ID: geo.IncidentID(id), Date: geo.DateOf(2026, 1, 19), DateEnd: geo.DateOf(2026, 1, 19),
		DatePrecision: geo.PrecisionDay, Type: geo.StrategicDevelopments, SubType: "prison_break",
		Actors:   []geo.IncidentActor{{Actor: "isis", Role: geo.RolePerpetrator}},
		Location: orb.Point{lon, lat}, Place: "al-Shaddadi", Governorate: "Al-Hasakeh",
		Fatalities: geo.Fatalities{Low: 1, Best: 2, High: 5},
		Sources:    src, Status: geo.Reported,
	}
}

func testUCDP(n int) geo.Incident {
	in := testIncident(fmt.Sprintf("ucdp-%d", n), 40.5+float64(n%100)/1000, 36.1)
	in.Origin = geo.Origin{Dataset: "ucdp", ID: fmt.Sprint(n)}
	return in
}

func testSite(id string) geo.Site {
	return geo.Site{ID: geo.SiteID(id), Name: "Site " + id, Kind: geo.SitePrison, Location: orb.Point{40.6, 36.05}, Sources: src}
}

func testDataset() *geo.Dataset {
	return &geo.Dataset{
		Actors:    []geo.Actor{testActor("isis"), testActor("sdf"), testActor("us")},
		Zones:     []geo.Zone{testZone("sdf-2026"), testCircle("al-tanf")},
		Incidents: []geo.Incident{testIncident("shaddadi", 40.6, 36.06), testUCDP(1), testUCDP(2)},
		Sites:     []geo.Site{testSite("shaddadi-prison")},
		Boundaries: []geo.Boundary{{ID: "SY08", Name: "Al-Hasakeh", Level: geo.LevelGovernorate,
			Area: orb.Polygon{{{39.5, 35.5}, {42.4, 35.5}, {42.4, 37.4}, {39.5, 37.4}, {39.5, 35.5}}}}},
		Statistics: []geo.Statistic{{ID: "isis-attacks-2021", Subject: "ISIS attacks", Value: 97, Unit: "attacks",
			From: geo.DateOf(2021, 1, 1), To: geo.DateOf(2021, 12, 31), Sources: src}},
	}
}

// openTest opens a new store in a temporary directory, closed at the end of
// the test. A store opened without a seed still has the fixtures' actors,
// so that its records may refer to them, as current rows without versions,
// so that it has no history: its first write is dataset version 1.
func openTest(t *testing.T, opts Options) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "frontline.gpkg")
	s, err := Open(t.Context(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if opts.Seed == nil {
		err := s.write(t.Context(), "fixture", func(_ *store.Write, w *writeTx) error {
			for _, a := range fixtureActors {
				rw, err := store.Prepare(a)
				if err == nil {
					err = w.setCurrent(rw, store.Version{Number: 1, ValidFrom: time.Now().UTC()})
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return s, path
}

// fixtureActors are the actors the fixtures' records refer to.
var fixtureActors = testDataset().Actors

// mustJSON is the canonical JSON of a record, for comparisons.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// count returns the result of a count(*) query on the store's file, read
// through a separate connection as any other tool would.
func count(t *testing.T, s *Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.r.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// rawDB opens the file with plain database/sql, as another tool would.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(path, "_pragma=busy_timeout(5000)"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// tick waits until the wall clock has moved, so that times taken before and
// after a write differ from the write's own.
func tick() time.Time {
	time.Sleep(2 * time.Millisecond)
	return time.Now()
}

// seedOf is an Options.Seed that gives ds.
func seedOf(ds *geo.Dataset) func() (*geo.Dataset, error) {
	return func() (*geo.Dataset, error) { return ds, nil }
}
