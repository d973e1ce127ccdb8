package main

import (
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
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/frontline-maps/frontline/catalog"
	"github.com/frontline-maps/frontline/catalog/publish"
	"github.com/frontline-maps/frontline/catalog/watch"
	"github.com/frontline-maps/frontline/server"
	"github.com/frontline-maps/frontline/server/webhook"
	"github.com/frontline-maps/frontline/store"
	"github.com/frontline-maps/frontline/web"
)

// serveConfig is the configuration of "frontline serve", built from flags,
// then FRONTLINE_* environment variables, then defaults.
type serveConfig struct {
	Addr string // listen address, host:port
	// Store is the store to open (or create) and serve, editable: a
	// GeoPackage file or a PostgreSQL database.
	Store storeFlags
	// Seed fills a new store with the curated embedded dataset.
	Seed bool
	// DataDir, when set, serves a dataset directory in memory, read-only,
	// instead of a store.
	DataDir   string
	LogFormat string // "text" or "json"
	// PublicRead serves API reads without a token; false needs a viewer
	// token for every read.
	PublicRead bool
	// PublicHistory serves the edit history (as_of date-times, versions)
	// to anyone who may read; false needs a viewer token for it.
	PublicHistory bool
	// WriteLimit and AuthFailureLimit are the writes and failed token
	// checks one client IP may make per minute; 0 is no limit.
	WriteLimit, AuthFailureLimit int
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
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client, for the per-client limits; empty trusts none.
	TrustedProxies []netip.Prefix
	// MaxClientConns bounds the connections one client IP address may
	// hold open at once (trusted proxies aside); 0 is no limit.
	MaxClientConns int
	// MetricsAddr, when set, serves /metrics on a listener of its own at
	// this host:port, and not on Addr.
	MetricsAddr string
	// Webhook configures the delivery of watch events to webhooks.
	Webhook webhook.Config
	// EventRetention is how long a watch event no delivery waits on is
	// kept.
	EventRetention time.Duration
	// Policy is the publication policy of --publication-policy,
	// --embargo and --coarsen-km; nil for none.
	Policy *publish.Policy
}

// parseServeConfig builds the serve configuration from args, then
// FRONTLINE_* variables, then defaults, and validates it; a mistake is a
// usageError.
func parseServeConfig(args []string, getenv func(string) string, stderr io.Writer) (serveConfig, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := serveConfig{}
	fs.StringVar(&cfg.Addr, "addr", envOr(getenv, "FRONTLINE_ADDR", "127.0.0.1:8080"), "listen address `host:port` (env FRONTLINE_ADDR)")
	cfg.Store.register(fs, getenv, "GeoPackage store to open, or create, and serve, editable", true)
	fs.BoolVar(&cfg.Seed, "seed", true, "fill a new store with the curated embedded dataset; false starts it empty")
	fs.StringVar(&cfg.DataDir, "data", getenv("FRONTLINE_DATA"), "serve this dataset `directory` in memory, read-only, instead of a store (env FRONTLINE_DATA)")
	fs.BoolVar(&cfg.PublicRead, "public-read", getenv("FRONTLINE_PUBLIC_READ") != "false", "serve API reads without a token; false needs a viewer token (env FRONTLINE_PUBLIC_READ)")
	fs.BoolVar(&cfg.PublicHistory, "public-history", getenv("FRONTLINE_PUBLIC_HISTORY") == "true", "serve the edit history (as_of date-times, /versions) to anyone who may read; by default it needs a viewer token (env FRONTLINE_PUBLIC_HISTORY)")
	fs.IntVar(&cfg.WriteLimit, "write-limit", 300, "writes one client IP address may make per minute; 0 is no limit")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", getenv("FRONTLINE_METRICS_ADDR"), "serve /metrics on this `host:port` of its own (such as 127.0.0.1:9090, for the operator's network) instead of on --addr, where it is public unless --public-read=false (env FRONTLINE_METRICS_ADDR)")
	fs.IntVar(&cfg.MaxClientConns, "max-client-conns", 64, "connections one client IP address may hold open at once (trusted proxies aside); over it a new one is answered 429 and closed; 0 is no limit")
	fs.IntVar(&cfg.AuthFailureLimit, "auth-failure-limit", 10, "failed token checks one client IP address may make per minute before its further bad tokens get 429 for a while (a valid token is always accepted); 0 is no limit")
	fs.StringVar(&cfg.LogFormat, "log-format", envOr(getenv, "FRONTLINE_LOG_FORMAT", "text"), "log format: text or json (env FRONTLINE_LOG_FORMAT)")
	fs.BoolVar(&cfg.Dev, "dev", false, "serve the web map from web/static on disk (run from the repository root) instead of the embedded copy")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 10*time.Second, "how long in-flight requests may finish after a stop signal")
	fs.StringVar(&cfg.BaseURL, "base-url", getenv("FRONTLINE_BASE_URL"), "public `URL` of the server's root for links in API documents, such as https://maps.example.org/frontline; empty uses each request's Host (env FRONTLINE_BASE_URL)")
	proxies := fs.String("trusted-proxies", getenv("FRONTLINE_TRUSTED_PROXIES"), "comma-separated `addresses` or CIDR ranges of reverse proxies whose X-Forwarded-For names the client for the per-client limits, such as 127.0.0.1,10.0.0.0/8; empty trusts no header (env FRONTLINE_TRUSTED_PROXIES)")
	allow := fs.String("webhook-allow", getenv("FRONTLINE_WEBHOOK_ALLOW"), "comma-separated `addresses` or CIDR ranges webhooks may reach although they are loopback, private or otherwise reserved (refused by default), such as 127.0.0.1,10.0.0.0/8 (env FRONTLINE_WEBHOOK_ALLOW)")
	fs.DurationVar(&cfg.Webhook.Timeout, "webhook-timeout", 10*time.Second, "how long one webhook attempt may take, connection to answer")
	fs.IntVar(&cfg.Webhook.Attempts, "webhook-attempts", 12, "attempts a webhook delivery gets before it is failed")
	fs.DurationVar(&cfg.Webhook.Backoff, "webhook-backoff", time.Second, "the wait after a webhook's first failed attempt, doubled after each further one (up to an hour), jittered by ±50%")
	fs.DurationVar(&cfg.EventRetention, "event-retention", watch.DefaultRetention, "how long a watch's event is kept once no webhook delivery waits on it (its events list and stream go back as far)")
	policyFile := fs.String("publication-policy", getenv("FRONTLINE_PUBLICATION_POLICY"), "publish incidents to readers without the editor role by the rules of this JSON `file` (docs/publication.md) (env FRONTLINE_PUBLICATION_POLICY)")
	embargo := fs.String("embargo", getenv("FRONTLINE_EMBARGO"), "publish an incident to readers without the editor role only this `duration` (such as 72h or 3d) after both its date and its recording (env FRONTLINE_EMBARGO)")
	coarsenKm := fs.Float64("coarsen-km", 0, "publish incidents' positions to readers without the editor role snapped to the centre of a grid cell of this many `km` (1 to 1000)")
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
	if err := cfg.Store.check(fs, getenv); err != nil {
		return cfg, err
	}
	policy, err := parsePolicy(*policyFile, *embargo, *coarsenKm)
	if err != nil {
		return cfg, err
	}
	cfg.Policy = policy
	switch {
	case cfg.DataDir != "" && (cfg.Store.dbGiven || cfg.Store.Postgres != ""):
		return cfg, usageError{"--data serves a dataset directory read-only and --db or --postgres a store: give one of them"}
	case cfg.DataDir != "" && !cfg.PublicRead:
		return cfg, usageError{"--public-read=false needs tokens, which only a store (--db) has"}
	case cfg.WriteLimit < 0 || cfg.AuthFailureLimit < 0:
		return cfg, usageError{"--write-limit and --auth-failure-limit are counts per minute, 0 or more"}
	case cfg.MaxClientConns < 0:
		return cfg, usageError{"--max-client-conns is a count of connections, 0 or more"}
	}
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return cfg, usageError{fmt.Sprintf("--addr %q is not host:port", cfg.Addr)}
	}
	if _, _, err := net.SplitHostPort(cfg.MetricsAddr); cfg.MetricsAddr != "" && err != nil {
		return cfg, usageError{fmt.Sprintf("--metrics-addr %q is not host:port", cfg.MetricsAddr)}
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return cfg, usageError{fmt.Sprintf("--log-format %q is not text or json", cfg.LogFormat)}
	}
	if cfg.BaseURL != "" {
		if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return cfg, usageError{fmt.Sprintf("--base-url %q is not an absolute http or https URL without query", cfg.BaseURL)}
		}
	}
	if cfg.TrustedProxies, err = parsePrefixes(*proxies); err != nil {
		return cfg, usageError{"--trusted-proxies: " + err.Error()}
	}
	if cfg.Webhook.Allow, err = parsePrefixes(*allow); err != nil {
		return cfg, usageError{"--webhook-allow: " + err.Error()}
	}
	if cfg.Webhook.Timeout <= 0 || cfg.Webhook.Attempts <= 0 || cfg.Webhook.Backoff <= 0 || cfg.EventRetention <= 0 {
		return cfg, usageError{"--webhook-timeout, --webhook-attempts, --webhook-backoff and --event-retention must be above 0"}
	}
	for o := range strings.SplitSeq(*origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.CORSOrigins = append(cfg.CORSOrigins, o)
		}
	}
	return cfg, nil
}

// parsePrefixes parses a comma-separated list of IP addresses (each a
// prefix of its own) and CIDR ranges.
func parsePrefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for p := range strings.SplitSeq(list, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		prefix, err := netip.ParsePrefix(p)
		if addr, aerr := netip.ParseAddr(p); aerr == nil {
			prefix, err = addr.Unmap().Prefix(addr.Unmap().BitLen())
		}
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR range", p)
		}
		out = append(out, prefix.Masked())
	}
	return out, nil
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
// the data loads, then loads and indexes it; the API answers 503 until
// then. With --data it serves a dataset directory read-only; otherwise it
// opens (or creates and seeds) the --db or --postgres store before
// listening and serves it editable, following the writes other processes
// commit to it. It serves until ctx is cancelled, then shuts down
// gracefully and closes the store. The listening address is logged
// (useful with port 0), and "ready" once the data is in.
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

	scfg := server.Config{Version: version, BaseURL: cfg.BaseURL, CORSOrigins: cfg.CORSOrigins, PrivateRead: !cfg.PublicRead,
		PublicHistory:   cfg.PublicHistory,
		WritesPerMinute: perMinute(cfg.WriteLimit), AuthFailuresPerMinute: perMinute(cfg.AuthFailureLimit), TrustedProxies: cfg.TrustedProxies,
		SeparateMetrics: cfg.MetricsAddr != "", WebhookAllow: cfg.Webhook.Allow}
	cat := catalog.New(nil)
	cat.SetPolicy(cfg.Policy)
	scfg.Publication = cat
	load := func() error { return loadDataset(cat, cfg.DataDir) }
	if cfg.DataDir == "" {
		st, err := cfg.Store.open(ctx, cfg.Seed)
		if err != nil {
			return err
		}
		defer st.Close()
		cat = catalog.New(st)
		cat.SetPolicy(cfg.Policy)
		scfg.Publication = cat
		watches := watch.New(st, cat)
		watches.Retention = cfg.EventRetention
		hooks := webhook.New(st, cfg.Webhook, log)
		scfg.Editor, scfg.Tokens, scfg.Sync, scfg.Watches, scfg.Webhooks = cat, cat, cat, watches, hooks
		load = func() error {
			if err := cat.Load(ctx); err != nil {
				return err
			}
			if added, err := cat.AuditPolicy(ctx, "frontline serve"); err != nil {
				return err
			} else if added {
				log.Info("publication policy changed: audited", "digest", catalog.PolicyDigest(cfg.Policy))
			}
			follow(ctx, st, cat, log)
			deliver(ctx, watches, hooks, log)
			return nil
		}
		log.Info("store", "store", cfg.Store.describe(), "public_read", cfg.PublicRead)
	} else {
		log.Info("serving a dataset directory read-only", "data", cfg.DataDir)
	}
	if cfg.Policy != nil {
		log.Info("publication policy", "digest", catalog.PolicyDigest(cfg.Policy), "max_embargo", cfg.Policy.MaxEmbargo().String(), "policy", string(cfg.Policy.JSON()))
	}
	handler := server.New(scfg, cat, assets, log)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	ln = server.LimitConnsPerClient(ln, cfg.MaxClientConns, cfg.TrustedProxies)
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		// No ReadTimeout: the server gives each route's body its own
		// deadline (30 s; 5 min for an import), see server.Config.
		// Streamed items extend their own write deadline at each flush
		// (server.streamItems), so this bounds ordinary responses and the
		// first part of a stream, not a whole 10,000-feature page.
		WriteTimeout: 60 * time.Second,
		IdleTimeout:  120 * time.Second,
		ErrorLog:     slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// Shutdown waits for requests to end; change streams end when told.
	srv.RegisterOnShutdown(handler.EndStreams)
	log.Info("serving", "addr", "http://"+ln.Addr().String(), "version", version)

	errc := make(chan error, 3)
	go func() { errc <- srv.Serve(ln) }()
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			srv.Close()
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		msrv := &http.Server{Handler: handler.Metrics(), ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		defer msrv.Close()
		go func() { errc <- msrv.Serve(mln) }()
		log.Info("serving metrics", "addr", "http://"+mln.Addr().String()+"/metrics")
	}
	go func() {
		if err := load(); err != nil {
			errc <- err
			return
		}
		z, in, st := cat.Snapshot().Len()
		log.Info("ready", "dataset", cat.DatasetID(), "zones", z, "incidents", in, "sites", st)
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

// perMinute converts a command-line rate limit, where 0 is no limit, to
// server.Config's, where 0 is the default and negative no limit.
func perMinute(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// loadDataset reads the dataset in dir into cat, a catalog of no store.
func loadDataset(cat *catalog.Catalog, dir string) error {
	fsys := os.DirFS(dir)
	ds, err := store.ReadDir(fsys)
	if err != nil {
		return fmt.Errorf("loading dataset: %w", err)
	}
	id, err := hashFS(fsys)
	if err != nil {
		return fmt.Errorf("loading dataset: %w", err)
	}
	if err := cat.LoadDataset(ds, id); err != nil {
		return fmt.Errorf("indexing dataset: %w", err)
	}
	return nil
}

// hashFS identifies a dataset directory's content: the first 16 hex digits
// of SHA-256 over every file's path and bytes, in lexical path order.
func hashFS(fsys fs.FS) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		// Streamed, not read whole: a dataset's incident file may be
		// hundreds of megabytes.
		f, err := fsys.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, st.Size())
		if n, err := io.Copy(h, f); err != nil {
			return err
		} else if n != st.Size() {
			return fmt.Errorf("%s changed while it was read", p)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// parsePolicy returns the publication policy of --publication-policy
// file (none when ""), with the rules of --embargo and --coarsen-km
// appended; nil when all three are unset. A mistake is a usageError.
func parsePolicy(file, embargo string, coarsenKm float64) (*publish.Policy, error) {
	var base *publish.Policy
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return nil, usageError{"--publication-policy: " + err.Error()}
		}
		defer f.Close()
		if base, err = publish.Parse(f); err != nil {
			return nil, usageError{fmt.Sprintf("--publication-policy %s: %v", file, err)}
		}
	}
	var d time.Duration
	if embargo != "" {
		var err error
		if d, err = publish.ParseDuration(embargo); err != nil || d <= 0 {
			return nil, usageError{fmt.Sprintf("--embargo %q is not a duration above zero, such as 72h or 3d", embargo)}
		}
	}
	if base == nil && d == 0 && coarsenKm == 0 {
		return nil, nil
	}
	if coarsenKm != 0 && !(coarsenKm >= publish.MinGridKm && coarsenKm <= publish.MaxGridKm) {
		return nil, usageError{fmt.Sprintf("--coarsen-km %g is not from %d to %d km", coarsenKm, publish.MinGridKm, publish.MaxGridKm)}
	}
	p, err := publish.FromFlags(base, d, coarsenKm)
	if err != nil { // a rule of the file named as the flags' are
		return nil, usageError{"--publication-policy: " + err.Error()}
	}
	return p, nil
}
