// Command frontline serves Frontline's areas-of-control and incident maps and
// manages its data.
//
// Usage:
//
//	frontline serve  [flags]            run the HTTP server (API and web map)
//	frontline import [flags] FILE...    import UCDP, ACLED or GeoJSON files
//	frontline token  create|list|revoke manage the API tokens of a store
//	frontline check  [DIR]              validate a dataset directory
//	frontline gen    [flags]            write a synthetic benchmark workload
//
// Run "frontline COMMAND -h" for a command's flags. Flags override
// FRONTLINE_* environment variables, which override defaults.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "frontline:", err)
		}
		os.Exit(exitCode(err))
	}
}

// env is what every subcommand receives from the process: environment
// lookups and the output streams. Tests pass their own.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	name  string
	usage string
	run   func(ctx context.Context, args []string, e env) error
}

func commands() []command {
	return []command{
		{"serve", "run the HTTP server (API and web map)", runServe},
		{"import", "import UCDP, ACLED or GeoJSON files", runImport},
		{"token", "create, list or revoke API tokens", runToken},
		{"migrate", "apply the schema's migrations to a PostgreSQL store", runMigrate},
		{"copy", "copy a whole store, history and tokens, into a new one", runCopy},
		{"check", "validate a dataset directory", runCheck},
		{"dedup", "find (and merge) incidents two datasets report of one event", runDedup},
		{"gen", "write a synthetic benchmark workload", runGen},
	}
}

// run dispatches to a subcommand. It never calls os.Exit.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := env{getenv: getenv, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stderr)
		if len(args) == 0 {
			return usageError{"no command given"}
		}
		return flag.ErrHelp
	}
	if args[0] == "version" || args[0] == "--version" {
		fmt.Fprintln(stdout, "frontline", version)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], e)
		}
	}
	printUsage(stderr)
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: frontline COMMAND [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.usage)
	}
	fmt.Fprintln(w, "  version  print the version")
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// exitCode maps an error from run to a process exit status: 2 for usage
// errors, 1 for everything else.
func exitCode(err error) int {
	var ue usageError
	if errors.As(err, &ue) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}
