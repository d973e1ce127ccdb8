package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/frontline-maps/frontline/catalog"
	"github.com/frontline-maps/frontline/catalog/watch"
	"github.com/frontline-maps/frontline/data"
	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/server/webhook"
	"github.com/frontline-maps/frontline/store"
	"github.com/frontline-maps/frontline/store/gpkg"
	"github.com/frontline-maps/frontline/store/postgis"
)

// openedStore is what the commands use of a store, either kind.
type openedStore interface {
	catalog.Store
	store.Archive
	Fill(ctx context.Context, src store.Archive) error
	CreateToken(ctx context.Context, name string, role store.Role) (string, error)
	ListTokens(ctx context.Context) ([]store.Token, error)
	RevokeToken(ctx context.Context, name string) error
	watch.Store
	webhook.Store
	Close() error
}

// storeFlags choose and tune a command's store: a GeoPackage file (--db)
// or a PostgreSQL/PostGIS database (--postgres).
type storeFlags struct {
	DB       string
	dbGiven  bool
	Postgres string // a libpq URL or keyword/value string; never logged
	Migrate  bool
	// PoolSize and StatementTimeout tune the PostgreSQL connections.
	PoolSize         int
	StatementTimeout time.Duration
}

// register defines the store flags on fs; serve adds --migrate and the
// connection tuning (withTuning).
func (f *storeFlags) register(fs *flag.FlagSet, getenv func(string) string, dbHelp string, withTuning bool) {
	fs.StringVar(&f.DB, "db", envOr(getenv, "FRONTLINE_DB", "frontline.gpkg"), dbHelp+" (env FRONTLINE_DB)")
	fs.StringVar(&f.Postgres, "postgres", getenv("FRONTLINE_POSTGRES"), "use this PostgreSQL/PostGIS database instead of --db: a libpq `URL` or keyword=value string; the password from it, PGPASSWORD or PGPASSFILE, never logged (env FRONTLINE_POSTGRES)")
	if withTuning {
		fs.BoolVar(&f.Migrate, "migrate", false, "with --postgres, apply the schema's migrations before serving (frontline migrate does it alone)")
		fs.IntVar(&f.PoolSize, "pg-pool-size", 0, "with --postgres, the most connections to hold open; 0 is 4 + 2 per CPU")
		fs.DurationVar(&f.StatementTimeout, "pg-statement-timeout", 30*time.Second, "with --postgres, the longest one statement may run (loads and copies excepted)")
	}
}

// check notes whether --db was given (flag or environment) and refuses
// --db with --postgres.
func (f *storeFlags) check(fs *flag.FlagSet, getenv func(string) string) error {
	f.dbGiven = getenv("FRONTLINE_DB") != ""
	fs.Visit(func(fl *flag.Flag) { f.dbGiven = f.dbGiven || fl.Name == "db" })
	if f.Postgres != "" && f.dbGiven {
		return usageError{"--db names a GeoPackage store and --postgres a PostgreSQL one: give one of them"}
	}
	if f.PoolSize < 0 || f.StatementTimeout < 0 {
		return usageError{"--pg-pool-size and --pg-statement-timeout are 0 or more"}
	}
	return nil
}

// describe names the store for logs and reports, without credentials.
func (f storeFlags) describe() string {
	if f.Postgres == "" {
		return f.DB
	}
	return "postgres " + redact(f.Postgres)
}

// redact names a connection string's host and database only.
func redact(conn string) string {
	if u, err := url.Parse(conn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		return u.Host + u.Path
	}
	var host, db string
	for _, kv := range strings.Fields(conn) {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "host":
			host = v
		case "dbname":
			db = v
		}
	}
	return host + "/" + db
}

// open opens the chosen store; with seed, a new one is filled with the
// curated embedded dataset.
func (f storeFlags) open(ctx context.Context, seed bool) (openedStore, error) {
	if f.Postgres == "" {
		return openStore(ctx, f.DB, seed)
	}
	opts := postgis.Options{Migrate: f.Migrate, PoolSize: f.PoolSize, StatementTimeout: f.StatementTimeout}
	if seed {
		opts.Seed = embeddedDataset
	}
	st, err := postgis.Open(ctx, f.Postgres, opts)
	if err != nil {
		return nil, fmt.Errorf("--postgres %s: %w", redact(f.Postgres), err)
	}
	return st, nil
}

// openStore opens the GeoPackage store at path, creating it when missing
// and, with seed, filling a new one with the curated embedded dataset.
func openStore(ctx context.Context, path string, seed bool) (*gpkg.Store, error) {
	var opts gpkg.Options
	if seed {
		opts.Seed = embeddedDataset
	}
	st, err := gpkg.Open(ctx, path, opts)
	if err != nil {
		return nil, fmt.Errorf("--db %s: %w", path, err)
	}
	return st, nil
}

// embeddedDataset reads the curated dataset embedded in the binary, a
// store's seed: the stores call it only for a store with no history, so a
// server does not parse its boundaries at every start (about 60 ms).
func embeddedDataset() (*geo.Dataset, error) {
	ds, err := store.ReadDir(data.FS())
	if err != nil {
		return nil, fmt.Errorf("embedded dataset: %w", err)
	}
	return ds, nil
}

// followPoll is how often a server reads its store's change feed when no
// notification wakes it: the longest another process's write takes to
// show when notifications are lost, and always for a GeoPackage file.
const followPoll = 500 * time.Millisecond

// follow keeps cat in step with the writes other processes commit to st
// until ctx is done: PostgreSQL's notifications wake it, and a poll
// catches what they miss. It logs the store going away and coming back.
func follow(ctx context.Context, st openedStore, cat *catalog.Catalog, log *slog.Logger) {
	if pg, ok := st.(*postgis.Store); ok {
		go pg.Listen(ctx, cat.Wake, func(up bool, err error) {
			cat.Listening(up, err)
			if up {
				log.Info("listening for the store's changes", "channel", postgis.ChangesChannel)
			} else {
				log.Warn("lost the connection for the store's changes; reconnecting", "err", err)
			}
		})
	}
	go cat.Follow(ctx, followPoll, func(err error) {
		if err != nil {
			log.Warn("cannot read the store's changes; retrying", "err", err)
		} else {
			log.Info("reading the store's changes again")
		}
	})
}

// matchPoll is how often the matcher looks for changes to match when no
// change of this process's catalog wakes it.
const matchPoll = time.Second

// deliver matches the store's changes against the watches and delivers
// their events to webhooks until ctx is done, logging the matcher's store
// going away and coming back.
func deliver(ctx context.Context, watches *watch.Watches, hooks *webhook.Dispatcher, log *slog.Logger) {
	go watches.Run(ctx, matchPoll, func(err error) {
		if err != nil {
			log.Warn("cannot match the store's changes against the watches; retrying", "err", err)
		} else {
			log.Info("matching the store's changes against the watches again")
		}
	})
	go hooks.Run(ctx, watches.Added)
}
