package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
)

// runCheck validates a dataset directory (default "data", the curated set
// in a checkout) with store.ReadDir and geo.Check. It prints one line per
// problem, "file: id: field: reason", on stdout and fails when there is
// any; otherwise it prints a one-line summary.
func runCheck(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: frontline check [DIR]   (default DIR: data)")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 1 {
		return usageError{fmt.Sprintf("check takes one directory, got %q", fs.Args())}
	}
	dir := "data"
	if fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("check: %s is not a directory", dir)
	}
	ds, err := store.ReadDir(os.DirFS(dir))
	if err != nil {
		n := 1
		if list, ok := err.(interface{ Unwrap() []error }); ok {
			n = len(list.Unwrap())
			for _, p := range list.Unwrap() {
				fmt.Fprintln(e.stdout, p)
			}
		} else {
			fmt.Fprintln(e.stdout, err)
		}
		return fmt.Errorf("check: %s: %d problems; the dataset cannot be read", dir, n)
	}
	problems := geo.Check(ds, store.FileOf)
	for _, p := range problems {
		fmt.Fprintln(e.stdout, p)
	}
	if len(problems) > 0 {
		return fmt.Errorf("check: %s: %d problems", dir, len(problems))
	}
	fmt.Fprintf(e.stdout, "%s: ok: %d actors, %d zones, %d sites, %d incidents, %d statistics, %d boundaries\n",
		dir, len(ds.Actors), len(ds.Zones), len(ds.Sites), len(ds.Incidents), len(ds.Statistics), len(ds.Boundaries))
	return nil
}
