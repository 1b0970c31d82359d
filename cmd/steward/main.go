// Command steward is the privacy engine: the server (steward serve) and the
// command-line tools around it (policy, pii, apikey, audit, keys).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	c := &cli{ctx: ctx, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
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
		{"policy", "check, render and diff policy files", (*cli).policy},
		{"pii", "find and redact personal data in text", (*cli).pii},
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

// dispatch runs the subcommand named by args[0] of command name. No
// argument prints usage and returns 2; help prints it and returns 0; an
// unknown subcommand says so, prints usage and returns 2.
func (c *cli) dispatch(name string, args []string, usage func(io.Writer), subs map[string]func([]string) int) int {
	if len(args) == 0 || isHelp(args[0]) {
		usage(c.stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if run, ok := subs[args[0]]; ok {
		return run(args[1:])
	}
	fmt.Fprintf(c.stderr, "steward %s: unknown subcommand %q\n", name, args[0])
	usage(c.stderr)
	return 2
}
