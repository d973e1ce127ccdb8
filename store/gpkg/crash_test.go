package gpkg

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/frontline-maps/frontline/geo"
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
// "ack ID" after each commit, until killed. In "batch" mode it prints
// "batch start", imports crashBatchSize incidents in one batch and prints
// "ack batch".
func TestCrashHelper(t *testing.T) {
	path := os.Getenv(crashDBEnv)
	if path == "" {
		t.Skip("the writer process of TestCrash")
	}
	run := os.Getenv(crashRunEnv)
	s, err := Open(t.Context(), path, Options{})
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
		fmt.Println("batch start")
		if _, err := s.ImportBatch(t.Context(), crashBatch(run), "crash"); err != nil {
			t.Fatal(err)
		}
		fmt.Println("ack batch")
	}
	s.Close()
}

func crashBatch(run string) []Record {
	recs := make([]Record, crashBatchSize)
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
		delay     time.Duration // batch mode: time from "batch start" to the kill
	}{
		{mode: "writes", killAfter: 3},
		{mode: "writes", killAfter: 17},
		{mode: "batch", delay: 30 * time.Millisecond},
		{mode: "writes", killAfter: 50},
		{mode: "batch", delay: 150 * time.Millisecond},
		{mode: "batch", delay: time.Minute}, // the batch completes first
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
			if _, err := s.Get(t.Context(), KindIncident, id); err != nil {
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
			t.Logf("step %d: killed %s after the batch started; batch acknowledged %v, committed %d", i, step.delay, batchAcked, n)
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
// mode after killAfter acks, in batch mode delay after "batch start". It
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
		case line == "batch start":
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
