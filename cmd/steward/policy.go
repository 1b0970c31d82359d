package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/steward-privacy/steward/internal/engine"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/policy/diff"
	"github.com/steward-privacy/steward/policy/notice"
	"github.com/steward-privacy/steward/policy/ropa"
)

// policy runs `steward policy check`, `render` and `diff`.
func (c *cli) policy(args []string) int {
	return c.dispatch("policy", args, c.policyUsage,
		map[string]func([]string) int{"check": c.policyCheck, "render": c.policyRender, "diff": c.policyDiff, "stage": c.policyStage})
}

func (c *cli) policyUsage(w io.Writer) {
	fmt.Fprintln(w, policyUsage)
}

// policyUsage is the help of `steward policy`.
const policyUsage = `usage: steward policy check FILE...
       steward policy render FILE [--format md|html|ropa-json|ropa-csv]
       steward policy diff OLD NEW [--json]
       steward policy stage FILE --effective YYYY-MM-DD [--server URL] [--api-key-file F] [--wait 1h] [--json]

check, render and diff read the policy files they are given, and only them:
never a data folder, a configuration or a running server. Without a FILE it prints
this usage and exits 2. (steward serve imports the file of --policy as a
policy version and enforces the version in force in its database; an empty
database starts with the starter policy examples/ad-asset-studio.yaml.)

check   checks each FILE as steward serve does before it starts: the YAML and
        its fields, the meaning (every category declared and given a
        retention rule, purposes and their legal bases, prohibited uses,
        what each processor may receive and where, regions and transfers,
        rights and deadlines, staff access, children, signals) and that its
        security promises (encryption at rest, API key and password
        hashing) are ones this build keeps. It prints each problem as FILE:LINE:COL: message
        with a hint, "FILE: ok" otherwise, and exits 1 if any file has one.
render  writes the privacy notice (md, html) or the record of processing
        (GDPR Art. 30: ropa-json, ropa-csv) of a FILE that passes check.
diff    lists the changes from OLD to NEW and marks the material ones.
stage   sends FILE to the running server (STEWARD_SERVER_URL, key in
        STEWARD_API_KEY or --api-key-file, scope tenants:write) as the next
        policy, effective on the date given (the file's
        organisation.effective, at least changes.days_before days away);
        prints its material changes and follows the mailing of their
        notices to every person with an email on file, with a progress bar
        (--wait 0 returns at once).`

// policyCheck validates files, printing every problem; exit status 1 when
// any file has one.
func (c *cli) policyCheck(args []string) int {
	fs := c.policyFlags("check")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return flagStatus(err)
	}
	if len(files) == 0 {
		fmt.Fprintln(c.stderr, "usage: steward policy check FILE...")
		fmt.Fprintln(c.stderr, "steward policy check: name the policy files to check; it reads nothing else (steward policy -h says what it checks)")
		return 2
	}
	status := 0
	for _, file := range files {
		if _, ok := c.loadChecked(file, c.stdout); ok {
			fmt.Fprintf(c.stdout, "%s: ok\n", file)
		} else {
			status = 1
		}
	}
	return status
}

// policyRender writes the notice or the record of processing of one file.
func (c *cli) policyRender(args []string) int {
	fs := c.policyFlags("render")
	format := fs.String("format", "md", "md, html, ropa-json or ropa-csv")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return flagStatus(err)
	}
	if len(files) != 1 {
		fmt.Fprintln(c.stderr, "usage: steward policy render FILE [--format md|html|ropa-json|ropa-csv]")
		return 2
	}
	renderers := map[string]func(*policy.Policy) ([]byte, error){
		"md":        func(p *policy.Policy) ([]byte, error) { return notice.Markdown(p), nil },
		"html":      notice.HTML,
		"ropa-json": ropa.JSON,
		"ropa-csv":  ropa.CSV,
	}
	render, known := renderers[*format]
	if !known {
		fmt.Fprintf(c.stderr, "steward policy render: unknown format %q (want md, html, ropa-json or ropa-csv)\n", *format)
		return 2
	}
	p, ok := c.loadChecked(files[0], c.stderr)
	if !ok {
		return 1
	}
	out, err := render(p)
	if err != nil {
		return c.fail("policy render", err)
	}
	if _, err := c.stdout.Write(out); err != nil {
		return c.fail("policy render", err)
	}
	return 0
}

// policyDiff lists the changes from OLD to NEW, material ones marked.
func (c *cli) policyDiff(args []string) int {
	fs := c.policyFlags("diff")
	asJSON := fs.Bool("json", false, "print one JSON object")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return flagStatus(err)
	}
	if len(files) != 2 {
		fmt.Fprintln(c.stderr, "usage: steward policy diff OLD NEW [--json]")
		return 2
	}
	var ps [2]*policy.Policy
	for i, file := range files {
		p, ok := c.load(file, c.stderr)
		if !ok {
			return 1
		}
		ps[i] = p
	}
	changes := diff.Compare(ps[0], ps[1])
	material := len(diff.Material(changes))
	if *asJSON {
		if changes == nil {
			changes = []diff.Change{}
		}
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"changes": changes, "material": material}); err != nil {
			return c.fail("policy diff", err)
		}
		return 0
	}
	for _, ch := range changes {
		fmt.Fprintln(c.stdout, ch)
	}
	fmt.Fprintf(c.stdout, "%d changes, %d material\n", len(changes), material)
	return 0
}

// load parses a file, printing its problems (or error) to w.
func (c *cli) load(file string, w io.Writer) (*policy.Policy, bool) {
	p, err := policy.Load(file)
	if err == nil {
		return p, true
	}
	if ps, ok := policy.AsProblems(err); ok {
		printProblems(w, ps)
		return nil, false
	}
	c.fail("policy", err)
	return nil, false
}

// loadChecked parses and checks a file, printing its problems to w.
func (c *cli) loadChecked(file string, w io.Writer) (*policy.Policy, bool) {
	p, ok := c.load(file, w)
	if !ok {
		return nil, false
	}
	ps := p.Check()
	if len(ps) == 0 {
		ps = p.CheckEngine(engine.Facts())
	}
	if len(ps) > 0 {
		printProblems(w, ps)
		return nil, false
	}
	return p, true
}

// printProblems prints each problem as FILE:LINE:COL: message, with its
// hint on the next line.
func printProblems(w io.Writer, ps policy.Problems) {
	for _, p := range ps {
		fmt.Fprintln(w, p)
		if p.Hint != "" {
			fmt.Fprintf(w, "\thint: %s\n", p.Hint)
		}
	}
}

func (c *cli) policyFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("steward policy "+name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	return fs
}

// parseInterleaved parses flags that may come before, between or after the
// positional arguments, and returns the positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// flagStatus is the exit status for a flag error: 0 for -h, 2 otherwise.
func flagStatus(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 2
}
