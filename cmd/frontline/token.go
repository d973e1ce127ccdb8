package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/frontline-maps/frontline/store"
)

// tokenConfig is the command line of "frontline token".
type tokenConfig struct {
	Action string // create, list or revoke
	Store  storeFlags
	Name   string
	Role   store.Role
}

// parseTokenConfig parses "frontline token create|list|revoke [flags]".
func parseTokenConfig(args []string, getenv func(string) string, stderr io.Writer) (tokenConfig, error) {
	usage := "usage: frontline token create --name NAME --role viewer|editor|admin | list | revoke --name NAME  [--db PATH | --postgres URL]"
	var cfg tokenConfig
	if len(args) == 0 || (args[0] != "create" && args[0] != "list" && args[0] != "revoke") {
		fmt.Fprintln(stderr, usage)
		return cfg, usageError{"token: want create, list or revoke"}
	}
	cfg.Action = args[0]
	fs := flag.NewFlagSet("token "+cfg.Action, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, usage); fs.PrintDefaults() }
	cfg.Store.register(fs, getenv, "GeoPackage store; a missing one is created and seeded as serve does", false)
	if cfg.Action != "list" {
		fs.StringVar(&cfg.Name, "name", "", "the token's `name`, recorded as the author of its writes")
	}
	role := ""
	if cfg.Action == "create" {
		fs.StringVar(&role, "role", "", "viewer (reads when they are not public), editor (writes, imports) or admin (also restores, audit, GeoPackage export)")
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, err
		}
		return cfg, usageError{err.Error()}
	}
	cfg.Role = store.Role(role)
	if err := cfg.Store.check(fs, getenv); err != nil {
		return cfg, err
	}
	switch {
	case fs.NArg() > 0:
		return cfg, usageError{fmt.Sprintf("token %s takes no arguments, got %q", cfg.Action, fs.Args())}
	case cfg.Action != "list" && cfg.Name == "":
		return cfg, usageError{"token " + cfg.Action + ": --name is required"}
	case cfg.Action == "create" && !cfg.Role.Valid():
		return cfg, usageError{fmt.Sprintf("token create: --role %q is not viewer, editor or admin", role)}
	}
	return cfg, nil
}

// runToken creates, lists or revokes API tokens in a store. create prints
// the new secret alone on stdout, once: only its hash is stored.
func runToken(ctx context.Context, args []string, e env) error {
	cfg, err := parseTokenConfig(args, e.getenv, e.stderr)
	if err != nil {
		return err
	}
	st, err := cfg.Store.open(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	switch cfg.Action {
	case "create":
		secret, err := st.CreateToken(ctx, cfg.Name, cfg.Role)
		if err != nil {
			return fmt.Errorf("token create: %w", err)
		}
		fmt.Fprintf(e.stderr, "created %s token %q in %s; it is shown once, keep it secret:\n", cfg.Role, cfg.Name, cfg.Store.describe())
		_, err = fmt.Fprintln(e.stdout, secret)
		return err
	case "revoke":
		if err := st.RevokeToken(ctx, cfg.Name); err != nil {
			return fmt.Errorf("token revoke %q: %w", cfg.Name, err)
		}
		_, err := fmt.Fprintf(e.stdout, "revoked %q\n", cfg.Name)
		return err
	}
	tokens, err := st.ListTokens(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tCREATED\tREVOKED")
	for _, t := range tokens {
		revoked := "-"
		if !t.Revoked.IsZero() {
			revoked = t.Revoked.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Name, t.Role, t.Created.Format(time.RFC3339), revoked)
	}
	return tw.Flush()
}
