// Package pgtest runs a real PostgreSQL 15 + PostGIS 3 server for tests: a
// cluster of its own, made by initdb in a temporary directory and started
// by pg_ctl on a free loopback port, as an unprivileged user when the test
// runs as root (CI does). Nothing is mocked. A missing PostgreSQL fails the
// test; .ci/deps installs it (postgresql-15, postgresql-15-postgis-3).
//
// A package's tests share one cluster, started at the first NewDatabase and
// stopped by Main after they ran; each test gets a database of its own.
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Cluster is a running PostgreSQL server.
type Cluster struct {
	dir  string // holds data/, the cluster, and its log
	bin  string // the directory of initdb, pg_ctl and psql
	port int
	cred *syscall.Credential // the user the server runs as; nil for the caller
	dbs  atomic.Int64
}

var (
	shared    *Cluster
	sharedErr error
	once      sync.Once
)

// Main runs the package's tests, then stops the shared cluster: call it
// from TestMain as os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if shared != nil {
		shared.Stop()
	}
	return code
}

// NewDatabase returns the URL of a new, empty database in the shared
// cluster, which it starts the first time; the test fails when PostgreSQL
// cannot be started.
func NewDatabase(t testing.TB) string {
	t.Helper()
	once.Do(func() { shared, sharedErr = Start() })
	if sharedErr != nil {
		t.Fatalf("pgtest: %v", sharedErr)
	}
	url, err := shared.CreateDatabase()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return url
}

// Shared returns the shared cluster, started by an earlier NewDatabase, or
// nil.
func Shared() *Cluster { return shared }

// binDir finds the PostgreSQL 15 programs: $PG_BIN, Debian's
// /usr/lib/postgresql/15/bin, or the PATH.
func binDir() (string, error) {
	candidates := []string{os.Getenv("PG_BIN"), "/usr/lib/postgresql/15/bin"}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		candidates = append(candidates, filepath.Dir(p))
	}
	for _, d := range candidates {
		if d == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("no PostgreSQL found (initdb in $PG_BIN, /usr/lib/postgresql/15/bin or the PATH): run .ci/deps")
}

// Start makes and starts a new cluster. Stop it with Stop.
func Start() (*Cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "frontline-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		// initdb and postgres refuse to run as root.
		u, err := user.Lookup("nobody")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root, and no user nobody to run PostgreSQL as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	if out, err := c.run("initdb", "-D", c.data(), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	// A port found free can be taken before the server binds it; try again
	// with another.
	for attempt := 0; ; attempt++ {
		if c.port, err = freePort(); err == nil {
			if err = c.start(); err == nil {
				return c, nil
			}
		}
		if attempt == 4 {
			os.RemoveAll(dir)
			return nil, err
		}
	}
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

// start starts the server on c.port and waits until it accepts connections.
// fsync is off: a test cluster never needs to survive a power cut.
func (c *Cluster) start() error {
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories='' -c fsync=off "+
		"-c synchronous_commit=off -c full_page_writes=off -c max_connections=200", c.port)
	out, err := c.run("pg_ctl", "start", "-w", "-t", "60", "-D", c.data(), "-l", filepath.Join(c.dir, "log"), "-o", opts)
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		return fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	return nil
}

// Restart stops the server (fast: sessions are disconnected) and starts it
// again on the same port, as a restart of PostgreSQL does to its clients.
func (c *Cluster) Restart() error {
	if out, err := c.run("pg_ctl", "stop", "-w", "-m", "fast", "-D", c.data()); err != nil {
		return fmt.Errorf("pg_ctl stop: %v\n%s", err, out)
	}
	return c.start()
}

// Stop stops the server and removes its files.
func (c *Cluster) Stop() {
	c.run("pg_ctl", "stop", "-w", "-m", "immediate", "-D", c.data())
	os.RemoveAll(c.dir)
}

// URL returns the URL of database name.
func (c *Cluster) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, name)
}

// Port returns the server's loopback port.
func (c *Cluster) Port() int { return c.port }

// CreateDatabase creates a new empty database and returns its URL.
func (c *Cluster) CreateDatabase() (string, error) {
	name := fmt.Sprintf("t%d_%d", os.Getpid(), c.dbs.Add(1))
	if err := c.Psql("postgres", "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	return c.URL(name), nil
}

// Psql runs sql in database db with psql, stopping at the first error.
func (c *Cluster) Psql(db, sql string) error {
	cmd := exec.Command(filepath.Join(c.bin, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
		"-p", strconv.Itoa(c.port), "-U", "postgres", "-d", db, "-c", sql)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("psql %q: %v\n%s", sql, err, out)
	}
	return nil
}

// run runs one of the PostgreSQL programs as the cluster's user, within a
// minute and a half.
func (c *Cluster) run(prog string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, prog), args...)
	cmd.Dir = c.dir
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
		cmd.Env = append(os.Environ(), "HOME="+c.dir)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
