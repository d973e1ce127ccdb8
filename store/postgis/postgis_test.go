package postgis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/internal/pgtest"
	"github.com/frontline-maps/frontline/internal/storetest"
	"github.com/frontline-maps/frontline/store"
	"github.com/frontline-maps/frontline/store/gpkg"
	"github.com/paulmach/orb"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// openTest opens a store on a new database, migrated, closed at the end of
// the test.
func openTest(t *testing.T, opts Options) (*Store, string) {
	t.Helper()
	url := pgtest.NewDatabase(t)
	opts.Migrate = true
	s, err := Open(t.Context(), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, url
}

func openGPKG(t *testing.T) *gpkg.Store {
	t.Helper()
	g, err := gpkg.Open(t.Context(), filepath.Join(t.TempDir(), "frontline.gpkg"), gpkg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// TestContract runs the store contract on a PostGIS store and on a
// GeoPackage store and compares what each answered: the same, case for
// case.
func TestContract(t *testing.T) {
	s, _ := openTest(t, Options{})
	pg := storetest.Run(t, s)
	gp := storetest.Run(t, openGPKG(t))
	if len(pg) != len(gp) {
		t.Errorf("PostGIS answered %d lines, GeoPackage %d", len(pg), len(gp))
	}
	for i := range min(len(pg), len(gp)) {
		if pg[i] != gp[i] {
			t.Errorf("line %d:\n  postgis: %s\n  gpkg:    %s", i, pg[i], gp[i])
		}
	}
}

// TestWatchContract runs the watch contract on a PostGIS store (after a
// write, so the cursor starts above 0) and on a GeoPackage store.
func TestWatchContract(t *testing.T) {
	s, _ := openTest(t, Options{})
	if _, err := s.ImportBatch(t.Context(), storetest.Actors(), "ana"); err != nil {
		t.Fatal(err)
	}
	storetest.RunWatches(t, s)
	storetest.RunWatches(t, openGPKG(t))
}

// TestCopy copies a store filled by the contract from GeoPackage to
// PostGIS and back, and exports PostGIS to a GeoPackage file.
func TestCopy(t *testing.T) {
	g := openGPKG(t)
	storetest.Run(t, g)
	p, _ := openTest(t, Options{})
	storetest.Copy(t, g, p)
	back := openGPKG(t)
	storetest.Copy(t, p, back)

	var buf bytes.Buffer
	if err := p.Backup(t.Context(), &buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "export.gpkg")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	exported, err := gpkg.Open(t.Context(), path, gpkg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer exported.Close()
	want, _ := p.Counts(t.Context())
	got, _ := exported.Counts(t.Context())
	if !got.Equal(want) {
		t.Errorf("the GeoPackage export holds %v, the store %v", got, want)
	}
}

func TestMigrate(t *testing.T) {
	url := pgtest.NewDatabase(t)
	if _, err := Open(t.Context(), url, Options{}); err == nil || !strings.Contains(err.Error(), "frontline migrate") {
		t.Errorf("Open of an unmigrated database: %v, want an error naming frontline migrate", err)
	}
	from, to, err := Migrate(t.Context(), url)
	if err != nil || from != 0 || to != SchemaVersion {
		t.Fatalf("Migrate = %d, %d, %v; want 0, %d", from, to, err, SchemaVersion)
	}
	from, to, err = Migrate(t.Context(), url)
	if err != nil || from != SchemaVersion || to != SchemaVersion {
		t.Fatalf("Migrate again = %d, %d, %v; want no change", from, to, err)
	}
	// Two migrating at once apply each migration once.
	url2 := pgtest.NewDatabase(t)
	errs := make(chan error, 2)
	for range 2 {
		go func() { _, _, err := Migrate(context.Background(), url2); errs <- err }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent Migrate: %v", err)
		}
	}
	a, err := Open(t.Context(), url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(t.Context(), url, Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if a.ID() == "" || a.ID() != b.ID() {
		t.Errorf("two opens of one database have ids %q and %q", a.ID(), b.ID())
	}
	// A database with tables of its own is not taken over.
	url3 := pgtest.NewDatabase(t)
	name := url3[strings.LastIndex(url3, "/")+1 : strings.Index(url3, "?")]
	if err := pgtest.Shared().Psql(name, "CREATE TABLE incidents (x int)"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Migrate(t.Context(), url3); err == nil {
		t.Error("Migrate took over a database with an incidents table of its own")
	}
}

// TestSecretsStayOut checks that no error repeats a connection string's
// password.
func TestSecretsStayOut(t *testing.T) {
	port := strconv.Itoa(pgtest.Shared().Port())
	for _, url := range []string{
		"postgres://postgres:hunter2secret@127.0.0.1:" + port + "/nosuchdb?sslmode=disable",
		"postgres://postgres:hunter2secret@127.0.0.1:1/x?sslmode=disable&connect_timeout=2",
		"host=127.0.0.1 port=1 user=postgres password=hunter2secret dbname=x connect_timeout=2",
		"postgres://postgres:hunter2secret@127.0.0.1:" + port + "/x?sslmode=bogus",
		"host=127.0.0.1 password='hunter2secret",
	} {
		_, err := Open(t.Context(), url, Options{})
		if err == nil {
			t.Errorf("Open(%q) succeeded", url)
			continue
		}
		if strings.Contains(err.Error(), "hunter2secret") {
			t.Errorf("the error repeats the password: %v", err)
		}
	}
}

// TestLoadOracle imports random incidents, loads them back and checks
// that the records come back as written and that the index built from
// them answers counts as brute force over the records does.
func TestLoadOracle(t *testing.T) {
	s, _ := openTest(t, Options{})
	rng := rand.New(rand.NewPCG(13, 1))
	var recs []store.Record
	recs = append(recs, storetest.Actors()...)
	var want []geo.Incident
	for i := range 2000 {
		in := geo.Incident{
			ID: geo.IncidentID(fmt.Sprintf("r-%04d", i)), Date: geo.DateOf(2020+rng.IntN(5), time.Month(1+rng.IntN(12)), 1+rng.IntN(28)),
			DatePrecision: geo.PrecisionDay, Type: geo.Battles, SubType: "armed_clash",
			Actors:   []geo.IncidentActor{{Actor: "isis", Role: geo.RolePerpetrator}},
			Location: orb.Point{35.7 + rng.Float64()*6.6, 32.3 + rng.Float64()*5}, Place: "somewhere",
			Fatalities: geo.Fatalities{Low: 0, Best: rng.IntN(20), High: 40},
			Sources:    []geo.Source{{Publisher: "Reuters", URL: "https://www.reuters.com/x", Published: geo.DateOf(2026, 1, 20)}},
			Status:     geo.Reported,
		}
		in.DateEnd = in.Date
		recs = append(recs, in)
	}
	if _, err := s.ImportBatch(t.Context(), recs, "importer"); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs[2:] {
		rw, err := store.Prepare(r)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, rw.Value.(geo.Incident))
	}
	ds, _, err := s.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ds.Incidents, want) {
		t.Fatalf("Load returned %d incidents, not the %d written", len(ds.Incidents), len(want))
	}
	ix, err := geo.NewIndex(ds)
	if err != nil {
		t.Fatal(err)
	}
	snap := ix.Snapshot()
	for range 200 {
		lon, lat := 35.7+rng.Float64()*6.6, 32.3+rng.Float64()*5
		b := orb.Bound{Min: orb.Point{lon, lat}, Max: orb.Point{lon + rng.Float64(), lat + rng.Float64()}}
		got, err := snap.CountIncidents(geo.IncidentQuery{Where: geo.InBound(b)})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, in := range want {
			if b.Contains(in.Location) {
				n++
			}
		}
		if got != n {
			t.Fatalf("count in %v = %d, brute force %d", b, got, n)
		}
	}
}

// TestGDAL opens the tables with GDAL's PostgreSQL driver, as QGIS does:
// ogrinfo lists incidents, zones and sites with the store's counts.
func TestGDAL(t *testing.T) {
	ogrinfo, err := exec.LookPath("ogrinfo")
	if err != nil {
		t.Fatal("ogrinfo is not on PATH; .ci/deps installs gdal-bin")
	}
	s, url := openTest(t, Options{})
	storetest.Run(t, s)
	c, err := s.Counts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	db := url[strings.LastIndex(url, "/")+1 : strings.Index(url, "?")]
	conn := fmt.Sprintf("PG:host=127.0.0.1 port=%d user=postgres dbname=%s", pgtest.Shared().Port(), db)
	out, err := exec.CommandContext(t.Context(), ogrinfo, "-ro", "-so", "-al", conn).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	counts := map[string]int{}
	for _, m := range regexp.MustCompile(`(?m)^Layer name: (\S+)\n(?:.*\n)*?Feature Count: (\d+)`).FindAllSubmatch(out, -1) {
		n, _ := strconv.Atoi(string(m[2]))
		counts[string(m[1])] = n
	}
	for _, k := range []store.Kind{store.KindIncident, store.KindZone, store.KindSite} {
		tb, _ := store.TableOf(k)
		if got, ok := counts[tb.Name]; !ok || got != c.Current[k] {
			t.Errorf("ogrinfo: layer %s has %d features (listed: %v), the store %d", tb.Name, got, ok, c.Current[k])
		}
	}
	if !bytes.Contains(out, []byte("Geometry: Point")) || !bytes.Contains(out, []byte("Geometry: Multi Polygon")) {
		t.Errorf("ogrinfo geometry types:\n%s", out)
	}
	if !slices.ContainsFunc(strings.Split(string(out), "\n"), func(l string) bool { return strings.HasPrefix(l, "date: Date") }) {
		t.Errorf("ogrinfo does not show incidents.date as a Date:\n%s", out)
	}
}

func TestImportSeenWholeOrNotAtAll(t *testing.T) {
	s, url := openTest(t, Options{})
	if _, err := s.ImportBatch(t.Context(), storetest.Actors(), "seed"); err != nil {
		t.Fatal(err)
	}
	reader, err := Open(t.Context(), url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	var batch []store.Record
	for i := range 3000 {
		batch = append(batch, incidentN(i))
	}
	done := make(chan error, 1)
	go func() { _, err := s.ImportBatch(context.Background(), batch, "importer"); done <- err }()
	for {
		ds, _, err := reader.Load(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if n := len(ds.Incidents); n != 0 && n != len(batch) {
			t.Fatalf("a reader saw %d incidents of a %d-incident import", n, len(batch))
		}
		changes, err := reader.Changes(t.Context(), 1)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(changes); n != 0 && n != len(batch) {
			t.Fatalf("the change feed showed %d versions of a %d-incident import", n, len(batch))
		}
		if len(ds.Incidents) == len(batch) {
			break
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func incidentN(i int) geo.Incident {
	return geo.Incident{
		ID: geo.IncidentID(fmt.Sprintf("n-%05d", i)), Date: geo.DateOf(2024, 1, 1), DateEnd: geo.DateOf(2024, 1, 1),
		DatePrecision: geo.PrecisionDay, Type: geo.Battles, SubType: "armed_clash",
		Location: orb.Point{36 + float64(i%100)/100, 34 + float64(i/100)/100}, Status: geo.Reported,
		Sources: []geo.Source{{Publisher: "Reuters", URL: "https://www.reuters.com/x", Published: geo.DateOf(2024, 1, 2)}},
	}
}

func TestListenWakes(t *testing.T) {
	s, _ := openTest(t, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	woken := make(chan struct{}, 16)
	up := make(chan bool, 16)
	go s.Listen(ctx, func() { woken <- struct{}{} }, func(ok bool, _ error) { up <- ok })
	if !<-up {
		t.Fatal("Listen did not connect")
	}
	<-woken // the wake after connecting
	if _, err := s.ImportBatch(t.Context(), storetest.Actors(), "seed"); err != nil {
		t.Fatal(err)
	}
	<-woken
	// A restart of PostgreSQL: Listen reconnects and wakes again.
	if err := pgtest.Shared().Restart(); err != nil {
		t.Fatal(err)
	}
	for ok := range up {
		if ok {
			break
		}
	}
	<-woken
	if _, err := s.DatasetVersion(t.Context()); err != nil && !errors.Is(err, context.Canceled) {
		// The pool's connections died with the server; the next use
		// opens new ones.
		if _, err := s.DatasetVersion(t.Context()); err != nil {
			t.Errorf("the store after a PostgreSQL restart: %v", err)
		}
	}
}
