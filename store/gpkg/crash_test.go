package gpkg

import (
	"bufio"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
)

// The crash test re-runs this test binary as a writer process selected by
// these variables, and kills it with SIGKILL.
const (
	crashDBEnv   = "FRONTLINE_GPKG_CRASH_DB"
	crashModeEnv = "FRONTLINE_GPKG_CRASH_MODE" // "writes" or "batch"
	crashRunEnv  = "FRONTLINE_GPKG_CRASH_RUN"  // prefix of the IDs the run writes
)

// crashBatchSize is the size of the import the crash test interrupts.
const crashBatchSize = 2000

// TestCrashHelper is the writer process of TestCrash; it does nothing in a
// normal run. In "writes" mode it creates incidents one at a time and prints
// "ack ID" after each commit, until killed. In "batch" mode it imports
// crashBatchSize incidents in one batch, prints "batch in transaction" once
// the batch holds the write lock, and "ack batch" after the commit.
func TestCrashHelper(t *testing.T) {
	path := os.Getenv(crashDBEnv)
	if path == "" {
		t.Skip("the writer process of TestCrash")
	}
	run := os.Getenv(crashRunEnv)
	// The first run creates the file, with the actors its incidents name.
	s, err := Open(t.Context(), path, Options{Seed: seedOf(&geo.Dataset{Actors: fixtureActors})})
	if err != nil {
		t.Fatal(err)
	}
	switch os.Getenv(crashModeEnv) {
	case "writes":
		// Bounded, so that an orphaned helper stops by itself.
		for i := range 100_000 {
			id := fmt.Sprintf("%s-%d", run, i)
			if _, err := s.Create(t.Context(), testIncident(id, 40.5, 36.1), "crash"); err != nil {
				t.Fatal(err)
			}
			fmt.Printf("ack %s\n", id)
		}
	case "batch":
		done := make(chan error, 1)
		go func() {
			_, err := s.ImportBatch(t.Context(), crashBatch(run), "crash")
			done <- err
		}()
		if waitForWriter(t, path, done) {
			fmt.Println("batch in transaction")
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		fmt.Println("ack batch")
	}
	s.Close()
}

// waitForWriter returns true once another connection holds the write lock
// of the file (its BEGIN IMMEDIATE fails at once), which during an import
// means the batch's transaction has begun, or false when done is closed or
// sent to first. Validation happens before the transaction, so the time the
// batch started says nothing about whether a kill lands inside it.
func waitForWriter(t *testing.T, path string, done chan error) bool {
	db, err := sql.Open("sqlite", dsn(path, "_pragma=busy_timeout(0)", "_txlock=immediate"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for {
		select {
		case err := <-done:
			done <- err
			return false
		default:
		}
		tx, err := db.Begin()
		if err != nil {
			return true
		}
		tx.Rollback()
		time.Sleep(time.Millisecond)
	}
}

func crashBatch(run string) []store.Record {
	recs := make([]store.Record, crashBatchSize)
	for i := range recs {
		in := testIncident(fmt.Sprintf("%s-%d", run, i), 40+float64(i)/1000, 36)
		in.Origin = geo.Origin{Dataset: "crash", ID: fmt.Sprintf("%s-%d", run, i)}
		recs[i] = in
	}
	return recs
}

// TestCrash kills a writer process with SIGKILL at several points, reopens
// the file each time and checks that every acknowledged write is there,
// that an interrupted batch is wholly there or wholly absent, and that the
// file is intact.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts writer processes")
	}
	path := filepath.Join(t.TempDir(), "crash.gpkg")
	steps := []struct {
		mode      string
		killAfter int           // writes mode: acks read before the kill
		delay     time.Duration // batch mode: time from "batch in transaction" to the kill
	}{
		{mode: "writes", killAfter: 3},
		{mode: "writes", killAfter: 17},
		{mode: "batch", delay: 0},
		{mode: "writes", killAfter: 50},
		{mode: "batch", delay: 50 * time.Millisecond},
		{mode: "batch", delay: time.Minute}, // the batch commits first
	}
	var acked []string // every acknowledged ID so far
	writes := 0        // incidents acknowledged or possibly committed unacknowledged
	batches := 0       // incidents of batches found committed
	for i, step := range steps {
		run := fmt.Sprintf("r%d", i)
		acks, batchAcked := runCrashHelper(t, path, run, step.mode, step.killAfter, step.delay)
		acked = append(acked, acks...)

		s, err := Open(t.Context(), path, Options{})
		if err != nil {
			t.Fatalf("step %d: reopening after the kill: %v", i, err)
		}
		for _, id := range acked {
			if _, err := s.Get(t.Context(), store.KindIncident, id); err != nil {
				t.Errorf("step %d: acknowledged write %s lost: %v", i, id, err)
			}
		}
		switch step.mode {
		case "writes":
			// At most the write in flight at the kill committed unacknowledged.
			n := count(t, s, "SELECT count(*) FROM incidents WHERE id LIKE ?", run+"-%")
			if n != len(acks) && n != len(acks)+1 {
				t.Errorf("step %d: %d incidents of the run, %d acknowledged", i, n, len(acks))
			}
			writes += n
			t.Logf("step %d: killed after %d acks; %d writes committed", i, len(acks), n)
		case "batch":
			n := count(t, s, "SELECT count(*) FROM incidents WHERE origin = 'crash' AND id LIKE ?", run+"-%")
			if n != 0 && n != crashBatchSize {
				t.Errorf("step %d: %d of the batch's %d incidents committed", i, n, crashBatchSize)
			}
			if batchAcked && n != crashBatchSize {
				t.Errorf("step %d: acknowledged batch has %d incidents", i, n)
			}
			batches += n
			t.Logf("step %d: kill due %s into the batch's transaction; batch acknowledged %v, committed %d", i, step.delay, batchAcked, n)
		}
		if n := count(t, s, "SELECT count(*) FROM incidents"); n != writes+batches {
			t.Errorf("step %d: %d incidents, want %d", i, n, writes+batches)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		integrityCheck(t, rawDB(t, path))
	}
	if batches == 0 || batches == crashBatchSize*3 {
		t.Logf("note: %d batch incidents committed; the kill points did not cover both outcomes this time", batches)
	}
	if ogrinfo, err := exec.LookPath("ogrinfo"); err == nil {
		checkOgrinfo(t, ogrinfo, path, map[string]int{"incidents": writes + batches})
	}
}

// runCrashHelper runs the writer process in mode and kills it: in writes
// mode after killAfter acks, in batch mode delay after "batch in
// transaction". It
// returns every ID acknowledged, including acks still in the pipe at the
// kill, and whether the batch was acknowledged.
func runCrashHelper(t *testing.T, path, run, mode string, killAfter int, delay time.Duration) (acks []string, batchAcked bool) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestCrashHelper$", "-test.v=false")
	cmd.Env = append(os.Environ(), crashDBEnv+"="+path, crashModeEnv+"="+mode, crashRunEnv+"="+run)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	var timer *time.Timer
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "ack batch"):
			batchAcked = true
		case strings.HasPrefix(line, "ack "):
			acks = append(acks, strings.TrimPrefix(line, "ack "))
			if mode == "writes" && len(acks) == killAfter {
				killed = true
				if err := cmd.Process.Kill(); err != nil { // SIGKILL
					t.Fatal(err)
				}
			}
		case line == "batch in transaction":
			timer = time.AfterFunc(delay, func() { cmd.Process.Kill() })
		}
	}
	err = cmd.Wait()
	if timer != nil {
		timer.Stop()
	}
	if !killed && mode == "writes" {
		t.Fatalf("writer exited before %d acks: %v", killAfter, err)
	}
	return acks, batchAcked
}
