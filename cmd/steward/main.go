// Command steward is the privacy engine: the server (steward serve) and the
// command-line tools around it (policy, pii, apikey, audit, keys).
package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	c := &cli{ctx: ctx, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, tty: isTerminal}
	code := c.run(os.Args[1:])
	stop()
	os.Exit(code)
}

// cli carries what every command needs: a context cancelled on SIGINT/SIGTERM,
// the standard streams and the environment. Tests build one with buffers.
type cli struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// tty reports whether a stream is a terminal, where long operations
	// draw a progress bar instead of plain lines; nil means never.
	tty func(io.Writer) bool
}

// command is one top-level subcommand.
type command struct {
	name  string
	short string
	run   func(c *cli, args []string) int
}

func commands() []command {
	return []command{
		{"serve", "run the server", (*cli).serve},
		{"apikey", "create, list and revoke API keys", (*cli).apikey},
		{"keys", "rotate the master key or tenant keys", (*cli).keys},
		{"audit", "verify and export the tamper-evident audit log", (*cli).auditCmd},
		{"consent", "verify signed consent receipts offline", (*cli).consentCmd},
		{"attest", "prove, signed, that the policy in force is kept", (*cli).attestCmd},
		{"policy", "check, render and diff policy files", (*cli).policy},
		{"pii", "find and redact personal data in text", (*cli).pii},
		{"backup", "copy the data folder and files while the server runs", (*cli).backup},
		{"restore", "restore a backup into an empty data folder, replaying erasures", (*cli).restore},
		{"erasures", "replay erasure tombstones on a restored database", (*cli).erasures},
		{"requests", "list, show, approve, deny and extend rights requests on a running server", (*cli).requestsCmd},
	}
}

func (c *cli) run(args []string) int {
	if len(args) == 0 || isHelp(args[0]) {
		c.usage(c.stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, cmd := range commands() {
		if cmd.name == args[0] {
			return cmd.run(c, args[1:])
		}
	}
	fmt.Fprintf(c.stderr, "steward: unknown command %q\n\n", args[0])
	c.usage(c.stderr)
	return 2
}

func (c *cli) usage(w io.Writer) {
	fmt.Fprintln(w, "usage: steward <command> [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, cmd := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", cmd.name, cmd.short)
	}
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool { return arg == "help" || arg == "-h" || arg == "--help" }

// dispatch runs the subcommand named by args[0] of command name (see
// subcommand for what happens without one).
func (c *cli) dispatch(name string, args []string, usage func(io.Writer), subs map[string]func([]string) int) int {
	if code, done := c.subcommand(name, args, usage, slices.Collect(maps.Keys(subs))...); done {
		return code
	}
	return subs[args[0]](args[1:])
}

// subcommand vets args[0] of command name before anything is opened, so
// that help never touches a data folder: no argument prints usage and
// returns (2, true); help (-h, --help, help) prints it and returns (0,
// true); a name not in subs says so, prints usage and returns (2, true).
// Otherwise it returns done false and the caller runs args[0].
func (c *cli) subcommand(name string, args []string, usage func(io.Writer), subs ...string) (code int, done bool) {
	if len(args) == 0 || isHelp(args[0]) {
		usage(c.stderr)
		if len(args) == 0 {
			return 2, true
		}
		return 0, true
	}
	if slices.Contains(subs, args[0]) {
		return 0, false
	}
	fmt.Fprintf(c.stderr, "steward %s: unknown subcommand %q\n", name, args[0])
	usage(c.stderr)
	return 2, true
}

// unexpected reports, after saying so, whether a command that takes only
// flags was given other arguments (a misplaced flag, or a file it does not
// read): they are refused rather than ignored.
func (c *cli) unexpected(name string, rest []string) bool {
	if len(rest) == 0 {
		return false
	}
	fmt.Fprintf(c.stderr, "steward %s: unexpected argument %q (flags only; steward %s -h lists them)\n", name, rest[0], name)
	return true
}

// text returns a usage printer for a fixed text.
func text(s string) func(io.Writer) {
	return func(w io.Writer) { fmt.Fprintln(w, s) }
}
