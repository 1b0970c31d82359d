package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/attest"
)

// attestCmd runs `steward attest` (a signed report that the policy in
// force is kept) and `steward attest verify` (check one offline).
func (c *cli) attestCmd(args []string) int {
	if len(args) > 0 && args[0] == "verify" {
		return c.attestVerify(args[1:])
	}
	if len(args) > 0 && isHelp(args[0]) {
		attestUsage(c.stdout)
		return 0
	}
	var since time.Duration
	var format, tenant, out string
	extra := func(fs *flag.FlagSet) {
		fs.DurationVar(&since, "since", 720*time.Hour, "the period the report covers, back from now")
		fs.StringVar(&format, "format", "json", "json (signed) or html")
		fs.StringVar(&tenant, "tenant", "", "the tenant (default: the operator tenant)")
		fs.StringVar(&out, "out", "", "write the report to this file (default: standard output)")
	}
	cfg, rest, err := loadConfig("attest", args, c.getenv, c.stderr, extra)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(c.stderr, "steward attest: %v\n", err)
		return 2
	}
	if c.unexpected("attest", rest) || (format != "json" && format != "html") {
		if format != "json" && format != "html" {
			fmt.Fprintln(c.stderr, "steward attest: --format must be json or html")
		}
		return 2
	}
	a, err := openApp(c.ctx, cfg, c.stderr)
	if err != nil {
		return c.fail("attest", err)
	}
	defer a.Close()
	l, err := a.openAudit(c.ctx)
	if err != nil {
		return c.fail("attest", err)
	}
	defer l.Close()
	pols, _, err := a.openPolicies(c.ctx, l)
	if err != nil {
		return c.fail("attest", err)
	}
	if tenant == "" {
		ts, err := a.db.Tenants(c.ctx)
		if err != nil || len(ts) == 0 {
			return c.fail("attest", steward.Errorf(steward.ENOTFOUND, "no tenant yet; start steward serve once first"))
		}
		tenant = ts[0].ID
	}
	rep, err := a.attester(l, pols).Attest(c.ctx, tenant, since)
	if err != nil {
		return c.fail("attest", err)
	}
	if err := l.Append(c.ctx, &steward.AuditEvent{TenantID: tenant, Actor: "system:cli", Action: attest.ActionAttest,
		Decision: steward.DecisionAllow, Reasons: rep.Codes()}); err != nil {
		return c.fail("attest", err)
	}
	var w io.Writer = c.stdout
	if out != "" {
		f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return c.fail("attest", err)
		}
		defer f.Close()
		w = f
	}
	if format == "html" {
		err = attest.HTML(w, rep)
	} else {
		var signed *attest.Signed
		if signed, err = attest.Sign(rep, l); err == nil {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			err = enc.Encode(signed)
		}
	}
	if err != nil {
		return c.fail("attest", err)
	}
	fmt.Fprintf(c.stderr, "attest: tenant %s, policy %s: %d kept, %d broken, %d not applicable\n", tenant, rep.PolicyVersion, rep.Kept, rep.BrokenCount, rep.NotApplicable)
	for _, line := range rep.Lines {
		if line.Status == attest.Broken {
			fmt.Fprintf(c.stderr, "  broken: %s — %s\n", line.Promise, line.Evidence)
		}
	}
	if !rep.Clean() {
		return 1
	}
	return 0
}

// attestVerify checks a signed report offline.
func (c *cli) attestVerify(args []string) int {
	fs := flag.NewFlagSet("attest verify", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	keysFile := fs.String("public-keys", "", "the JSON of GET /v1/audit/public-key (required)")
	if err := fs.Parse(args); err != nil {
		return flagStatus(err)
	}
	rest := fs.Args()
	if len(rest) > 1 {
		if err := fs.Parse(rest[1:]); err != nil {
			return flagStatus(err)
		}
		rest = append(rest[:1], fs.Args()...)
	}
	if len(rest) != 1 || *keysFile == "" {
		attestUsage(c.stderr)
		return 2
	}
	keys, err := readPublicKeys(*keysFile)
	if err != nil {
		return c.fail("attest verify", err)
	}
	signed, err := os.ReadFile(rest[0])
	if err != nil {
		return c.fail("attest verify", err)
	}
	rep, err := attest.Verify(signed, keys)
	if err != nil {
		return c.fail("attest verify", err)
	}
	fmt.Fprintf(c.stdout, "attestation of tenant %s (policy %s, %s to %s): OK, signature valid; %d kept, %d broken, %d not applicable\n",
		rep.TenantID, rep.PolicyVersion, rep.Since.Format(time.DateOnly), rep.Until.Format(time.DateOnly), rep.Kept, rep.BrokenCount, rep.NotApplicable)
	return 0
}

func attestUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: steward attest [--since 720h] [--format json|html] [--tenant ID] [--out FILE] [server flags]")
	fmt.Fprintln(w, "       steward attest verify --public-keys KEYS.json FILE")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "attest states, for each promise of the policy in force, the evidence from this server's own records that")
	fmt.Fprintln(w, "it is kept: kept, broken (with the ids that break it) or not applicable. The JSON is signed with the audit")
	fmt.Fprintln(w, "signing key. Exit 0: every promise kept; 1: a promise is broken; 2: usage.")
	fmt.Fprintln(w, "verify checks a signed report offline against the JSON of GET /v1/audit/public-key.")
}
