package main

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/frontline-maps/frontline/data"
	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/server"
	"github.com/frontline-maps/frontline/store"
	"github.com/frontline-maps/frontline/web"
)

// serveConfig is the configuration of "frontline serve", built from flags,
// then FRONTLINE_* environment variables, then defaults.
type serveConfig struct {
	Addr      string // listen address, host:port
	DataDir   string // dataset directory; empty serves the embedded demo data
	LogFormat string // "text" or "json"
	// Dev serves the web map from web/static on disk instead of the
	// embedded copy, so edits show on reload.
	Dev bool
	// ShutdownTimeout bounds how long in-flight requests may run after a
	// stop signal.
	ShutdownTimeout time.Duration
	// BaseURL is the public URL of the server's root, for links in API
	// documents; empty takes them from each request's Host.
	BaseURL string
	// CORSOrigins are the origins browsers may read the API from; empty is
	// every origin.
	CORSOrigins []string
}

// parseServeConfig builds the serve configuration from args, then
// FRONTLINE_* variables, then defaults, and validates it; a mistake is a
// usageError.
func parseServeConfig(args []string, getenv func(string) string, stderr io.Writer) (serveConfig, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := serveConfig{}
	fs.StringVar(&cfg.Addr, "addr", envOr(getenv, "FRONTLINE_ADDR", "127.0.0.1:8080"), "listen address `host:port` (env FRONTLINE_ADDR)")
	fs.StringVar(&cfg.DataDir, "data", getenv("FRONTLINE_DATA"), "dataset `directory` to serve instead of the embedded demo data (env FRONTLINE_DATA)")
	fs.StringVar(&cfg.LogFormat, "log-format", envOr(getenv, "FRONTLINE_LOG_FORMAT", "text"), "log format: text or json (env FRONTLINE_LOG_FORMAT)")
	fs.BoolVar(&cfg.Dev, "dev", false, "serve the web map from web/static on disk (run from the repository root) instead of the embedded copy")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 10*time.Second, "how long in-flight requests may finish after a stop signal")
	fs.StringVar(&cfg.BaseURL, "base-url", getenv("FRONTLINE_BASE_URL"), "public `URL` of the server's root for links in API documents, such as https://maps.example.org/frontline; empty uses each request's Host (env FRONTLINE_BASE_URL)")
	origins := fs.String("cors-origins", getenv("FRONTLINE_CORS_ORIGINS"), "comma-separated `origins` browsers may read the API from, such as https://a.example,https://b.example; empty allows every origin (env FRONTLINE_CORS_ORIGINS)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, err
		}
		return cfg, usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return cfg, usageError{fmt.Sprintf("serve takes no arguments, got %q", fs.Args())}
	}
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return cfg, usageError{fmt.Sprintf("--addr %q is not host:port", cfg.Addr)}
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return cfg, usageError{fmt.Sprintf("--log-format %q is not text or json", cfg.LogFormat)}
	}
	if cfg.BaseURL != "" {
		if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return cfg, usageError{fmt.Sprintf("--base-url %q is not an absolute http or https URL without query", cfg.BaseURL)}
		}
	}
	for o := range strings.SplitSeq(*origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.CORSOrigins = append(cfg.CORSOrigins, o)
		}
	}
	return cfg, nil
}

// envOr returns the environment variable key, or def when it is empty.
func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// newLogger returns a slog logger writing text or JSON lines to w.
func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// devStaticDir is where --dev reads the web map, relative to the working
// directory (the repository root).
const devStaticDir = "web/static"

// runServe starts listening at once, so /healthz and /readyz answer while
// the dataset loads, then loads and indexes it; the API answers 503 until
// then. It serves until ctx is cancelled, then shuts down gracefully. The
// listening address is logged (useful with port 0), and "ready" once the
// dataset is in.
func runServe(ctx context.Context, args []string, e env) error {
	cfg, err := parseServeConfig(args, e.getenv, e.stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogFormat, e.stderr)

	assets := web.Static()
	if cfg.Dev {
		if _, err := os.Stat(devStaticDir + "/index.html"); err != nil {
			return fmt.Errorf("--dev serves %s from the working directory: %w", devStaticDir, err)
		}
		assets = os.DirFS(devStaticDir)
		log.Info("serving the web map from disk", "dir", devStaticDir)
	}

	cat := &loadingCatalog{}
	handler := server.New(server.Config{Version: version, BaseURL: cfg.BaseURL, CORSOrigins: cfg.CORSOrigins}, cat, assets, log)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		// Streamed items extend their own write deadline at each flush
		// (server.streamItems), so this bounds ordinary responses and the
		// first part of a stream, not a whole 10,000-feature page.
		WriteTimeout: 60 * time.Second,
		IdleTimeout:  120 * time.Second,
		ErrorLog:     slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("serving", "addr", "http://"+ln.Addr().String(), "version", version)

	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	go func() {
		c, err := loadCatalog(cfg.DataDir)
		if err != nil {
			errc <- err
			return
		}
		cat.loaded.Store(c)
		z, in, st := c.Snapshot().Len()
		log.Info("ready", "dataset", c.datasetID, "zones", z, "incidents", in, "sites", st)
	}()
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if serr := srv.Shutdown(sctx); serr != nil && err == nil {
		err = fmt.Errorf("shutdown: %w", serr)
	}
	return err
}

// loadCatalog reads and indexes the dataset in dir, or the embedded demo
// data when dir is empty.
func loadCatalog(dir string) (*catalog, error) {
	var fsys fs.FS = data.FS()
	if dir != "" {
		fsys = os.DirFS(dir)
	}
	ds, err := store.ReadDir(fsys)
	if err != nil {
		return nil, fmt.Errorf("loading dataset: %w", err)
	}
	id, err := hashFS(fsys)
	if err != nil {
		return nil, fmt.Errorf("loading dataset: %w", err)
	}
	c, err := newCatalog(ds, id)
	if err != nil {
		return nil, fmt.Errorf("indexing dataset: %w", err)
	}
	return c, nil
}

// loadingCatalog is the server's catalog while the dataset loads: empty,
// with a nil Snapshot (not ready), until loaded is set. It is safe for
// concurrent use.
type loadingCatalog struct {
	loaded atomic.Pointer[catalog]
}

var _ server.Catalog = (*loadingCatalog)(nil)

// Snapshot implements server.Catalog: nil until the dataset has loaded.
func (l *loadingCatalog) Snapshot() *geo.Snapshot {
	if c := l.loaded.Load(); c != nil {
		return c.Snapshot()
	}
	return nil
}

// Actors implements server.Catalog.
func (l *loadingCatalog) Actors() []geo.Actor {
	if c := l.loaded.Load(); c != nil {
		return c.Actors()
	}
	return nil
}

// Governorates implements server.Catalog.
func (l *loadingCatalog) Governorates() []geo.Boundary {
	if c := l.loaded.Load(); c != nil {
		return c.Governorates()
	}
	return nil
}

// Statistics implements server.Catalog.
func (l *loadingCatalog) Statistics() []geo.Statistic {
	if c := l.loaded.Load(); c != nil {
		return c.Statistics()
	}
	return nil
}

// DatasetID implements server.Catalog.
func (l *loadingCatalog) DatasetID() string {
	if c := l.loaded.Load(); c != nil {
		return c.DatasetID()
	}
	return ""
}

// catalog serves a loaded dataset to the HTTP layer: the index for
// zones, incidents and sites, and the dataset's other tables.
type catalog struct {
	index        *geo.Index
	actors       []geo.Actor
	governorates []geo.Boundary
	statistics   []geo.Statistic
	datasetID    string
}

var _ server.Catalog = (*catalog)(nil)

// newCatalog indexes ds. datasetID identifies its content.
func newCatalog(ds *geo.Dataset, datasetID string) (*catalog, error) {
	ix, err := geo.NewIndex(ds)
	if err != nil {
		return nil, err
	}
	c := &catalog{index: ix, datasetID: datasetID}
	c.actors = slices.SortedFunc(slices.Values(ds.Actors), func(a, b geo.Actor) int { return cmp.Compare(a.ID, b.ID) })
	for _, b := range ds.Boundaries {
		if b.Level == geo.LevelGovernorate {
			c.governorates = append(c.governorates, b)
		}
	}
	slices.SortFunc(c.governorates, func(a, b geo.Boundary) int { return cmp.Compare(a.ID, b.ID) })
	c.statistics = slices.SortedFunc(slices.Values(ds.Statistics), func(a, b geo.Statistic) int { return cmp.Compare(a.ID, b.ID) })
	return c, nil
}

// Snapshot implements server.Catalog.
func (c *catalog) Snapshot() *geo.Snapshot { return c.index.Snapshot() }

// Actors implements server.Catalog.
func (c *catalog) Actors() []geo.Actor { return c.actors }

// Governorates implements server.Catalog.
func (c *catalog) Governorates() []geo.Boundary { return c.governorates }

// Statistics implements server.Catalog.
func (c *catalog) Statistics() []geo.Statistic { return c.statistics }

// DatasetID implements server.Catalog.
func (c *catalog) DatasetID() string { return c.datasetID }

// hashFS identifies a dataset directory's content: the first 16 hex digits
// of SHA-256 over every file's path and bytes, in lexical path order.
func hashFS(fsys fs.FS) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
