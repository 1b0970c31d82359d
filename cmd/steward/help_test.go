package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// runCLI runs the command line in process with empty input and no
// environment, and returns its exit status and both outputs.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	c := &cli{ctx: context.Background(), stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(string) string { return "" }}
	code := c.run(args)
	return code, out.String(), errb.String()
}

// helpArgs is every command and subcommand, for the help tests.
func helpArgs() [][]string {
	subs := map[string][]string{
		"apikey":   {"create", "list", "revoke"},
		"keys":     {"rotate"},
		"audit":    {"verify", "export"},
		"policy":   {"check", "render", "diff"},
		"pii":      {"scan", "eval"},
		"consent":  {"verify-receipt"},
		"erasures": {"replay"},
		"attest":   {"verify"},
	}
	var all [][]string
	for _, cmd := range commands() {
		all = append(all, []string{cmd.name})
		for _, sub := range subs[cmd.name] {
			all = append(all, []string{cmd.name, sub})
		}
	}
	return all
}

// TestHelpTouchesNothing: -h, --help and help of every command and
// subcommand print a usage, exit 0 and create nothing in the working folder
// (`steward apikey --help` used to create ./steward-data).
func TestHelpTouchesNothing(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, path := range helpArgs() {
		for _, h := range []string{"-h", "--help", "help"} {
			if h == "help" && (len(path) > 1 || path[0] == "serve") {
				continue // commands that parse flags take -h; help could be a file name
			}
			args := append(append([]string{}, path...), h)
			code, out, errs := runCLI(t, args...)
			if code != 0 || !strings.Contains(strings.ToLower(out+errs), "usage") {
				t.Errorf("steward %s = exit %d, output %q; want 0 and a usage", strings.Join(args, " "), code, out+errs)
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				t.Fatalf("steward %s created %s in the working folder", strings.Join(args, " "), entries[0].Name())
			}
		}
	}
}

// TestMissingArguments: a command without the subcommand, file or key id it
// needs says so with a usage line and exits 2, before opening anything.
func TestMissingArguments(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"apikey"}, "usage:"},
		{[]string{"apikey", "rotate"}, `unknown subcommand "rotate"`},
		{[]string{"apikey", "revoke"}, "KEY_ID"},
		{[]string{"keys"}, "usage: steward keys rotate"},
		{[]string{"keys", "rotate", "now"}, `unexpected argument "now"`},
		{[]string{"audit"}, "usage:"},
		{[]string{"audit", "verify", "--public-keys", "keys.json"}, "--public-keys needs --file"},
		{[]string{"serve", "help"}, `unexpected argument "help"`},
		{[]string{"policy", "check"}, "name the policy files to check"},
		{[]string{"policy", "render"}, "usage: steward policy render FILE"},
		{[]string{"policy", "diff", "old.yaml"}, "usage: steward policy diff OLD NEW"},
	}
	for _, tt := range tests {
		code, out, errs := runCLI(t, tt.args...)
		if code != 2 || !strings.Contains(out+errs, tt.want) {
			t.Errorf("steward %s = exit %d, output %q; want 2 and %q", strings.Join(tt.args, " "), code, out+errs, tt.want)
		}
		if entries, _ := os.ReadDir(dir); len(entries) > 0 {
			t.Fatalf("steward %s created %s in the working folder", strings.Join(tt.args, " "), entries[0].Name())
		}
	}
}
