package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/frontline-maps/frontline/store/gpkg"
	"github.com/frontline-maps/frontline/store/postgis"
)

// storeArg is a store named on the command line: gpkg:PATH, or
// postgres:URL (a postgres:// URL alone will do too).
type storeArg struct {
	flags storeFlags
	gpkg  bool
}

func parseStoreArg(flagName, s string) (storeArg, error) {
	switch {
	case strings.HasPrefix(s, "gpkg:") && len(s) > len("gpkg:"):
		return storeArg{flags: storeFlags{DB: strings.TrimPrefix(s, "gpkg:")}, gpkg: true}, nil
	case strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://"):
		return storeArg{flags: storeFlags{Postgres: s}}, nil
	case strings.HasPrefix(s, "postgres:") && len(s) > len("postgres:"):
		return storeArg{flags: storeFlags{Postgres: strings.TrimPrefix(s, "postgres:")}}, nil
	}
	return storeArg{}, usageError{fmt.Sprintf("--%s wants gpkg:PATH or postgres:URL", flagName)}
}

// runCopy copies everything one store holds (every version with its time
// and author, the audit log, the tokens' hashes) into a new one, in one
// transaction, and checks the counts of both at the end. The destination
// must be new: a GeoPackage file that does not exist yet, or an empty
// PostgreSQL database (migrated first).
func runCopy(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("copy", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	from := fs.String("from", "", "the store to copy: gpkg:PATH or postgres:URL")
	to := fs.String("to", "", "the new store to fill: gpkg:PATH (must not exist) or postgres:URL (an empty database)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("copy takes no arguments, got %q", fs.Args())}
	}
	src, err := parseStoreArg("from", *from)
	if err != nil {
		return err
	}
	dst, err := parseStoreArg("to", *to)
	if err != nil {
		return err
	}
	if src.gpkg {
		if _, err := os.Stat(src.flags.DB); err != nil {
			return fmt.Errorf("--from %s: %w", src.flags.DB, err)
		}
	}
	s, err := src.flags.open(ctx, false)
	if err != nil {
		return err
	}
	defer s.Close()
	var d openedStore
	if dst.gpkg {
		if _, err := os.Stat(dst.flags.DB); err == nil {
			return fmt.Errorf("--to %s already exists; copy fills a new store", dst.flags.DB)
		}
		g, err := gpkg.Open(ctx, dst.flags.DB, gpkg.Options{})
		if err != nil {
			return fmt.Errorf("--to %s: %w", dst.flags.DB, err)
		}
		d = g
	} else {
		p, err := postgis.Open(ctx, dst.flags.Postgres, postgis.Options{Migrate: true})
		if err != nil {
			return fmt.Errorf("--to %s: %w", redact(dst.flags.Postgres), err)
		}
		d = p
	}
	err = copyStore(ctx, s, d, e.stdout)
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil && dst.gpkg {
		os.Remove(dst.flags.DB)
	}
	if err != nil {
		return fmt.Errorf("copy %s to %s: %w", src.flags.describe(), dst.flags.describe(), err)
	}
	return nil
}

// copyStore fills d from s and compares their counts.
func copyStore(ctx context.Context, s, d openedStore, out io.Writer) error {
	if err := d.Fill(ctx, s); err != nil {
		return err
	}
	want, err := s.Counts(ctx)
	if err != nil {
		return err
	}
	got, err := d.Counts(ctx)
	if err != nil {
		return err
	}
	if !got.Equal(want) {
		return fmt.Errorf("the copy holds %v, the original %v", got, want)
	}
	_, err = fmt.Fprintf(out, "copied %v\n", got)
	return err
}

// runMigrate applies the schema's migrations to a PostgreSQL database
// (idempotent: a current schema is left alone) and reports the versions.
func runMigrate(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	conn := fs.String("postgres", e.getenv("FRONTLINE_POSTGRES"), "the PostgreSQL/PostGIS database: a libpq `URL` or keyword=value string (env FRONTLINE_POSTGRES)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if *conn == "" || fs.NArg() > 0 {
		return usageError{"usage: frontline migrate --postgres URL"}
	}
	from, to, err := postgis.Migrate(ctx, *conn)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", redact(*conn), err)
	}
	if from == to {
		_, err = fmt.Fprintf(e.stdout, "schema at version %d: nothing to do\n", to)
	} else {
		_, err = fmt.Fprintf(e.stdout, "schema migrated from version %d to %d\n", from, to)
	}
	return err
}
