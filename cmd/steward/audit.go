package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/audit"
)

const auditUsage = `usage:
  steward audit verify [--tenant T] [--max-age D] [--anchor SEQ:HASH] [server flags]
  steward audit verify --file EXPORT.jsonl [--public-keys KEYS.json] [--max-age D] [--anchor SEQ:HASH]
  steward audit export [--tenant T] [--out FILE] [server flags]`

// auditCmd implements `steward audit verify|export`. verify reads the same
// data folder and configuration as `steward serve` (or, with --file, an
// export, offline) and exits 1 when a chain fails.
func (c *cli) auditCmd(args []string) int {
	if code, done := c.subcommand("audit", args, text(auditUsage), "verify", "export"); done {
		return code
	}
	var tenant, file, keysFile, anchor, out string
	var maxAge time.Duration
	var asJSON bool
	cfg, rest, err := loadConfig("audit "+args[0], args[1:], c.getenv, c.stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&tenant, "tenant", "", "only this tenant's chain (default: every tenant)")
		if args[0] == "export" {
			fs.StringVar(&out, "out", "", "write to this file (default: standard output)")
			return
		}
		fs.StringVar(&file, "file", "", "verify this export offline instead of the database")
		fs.StringVar(&keysFile, "public-keys", "", "with --file: the JSON of GET /v1/audit/public-key, obtained from the operator")
		fs.DurationVar(&maxAge, "max-age", 0, "fail when a chain's newest checkpoint is older than this")
		fs.StringVar(&anchor, "anchor", "", "SEQ:HASH of an event recorded earlier that must still be in the chain")
		fs.BoolVar(&asJSON, "json", false, "print the reports as JSON")
	})
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(c.stderr, "steward audit: %v\n", err)
		return 2
	}
	if c.unexpected("audit "+args[0], rest) {
		return 2
	}
	if keysFile != "" && file == "" {
		fmt.Fprintln(c.stderr, "steward audit verify: --public-keys needs --file EXPORT.jsonl (the export to verify offline)")
		return 2
	}
	o := audit.VerifyOptions{MaxAge: maxAge}
	if anchor != "" {
		if o.Anchor, err = parseAnchor(anchor); err != nil {
			return c.fail("audit verify", err)
		}
	}
	switch {
	case args[0] == "export":
		return c.auditExport(cfg, tenant, out)
	case file != "":
		return c.verifyFile(file, keysFile, o, asJSON)
	}
	return c.verifyStore(cfg, tenant, o, asJSON)
}

// parseAnchor reads SEQ:HASH (hash in hex or base64).
func parseAnchor(s string) (*steward.AuditHead, error) {
	seq, hash, ok := strings.Cut(s, ":")
	n, err := strconv.ParseInt(seq, 10, 64)
	if !ok || err != nil || n <= 0 {
		return nil, steward.Invalid("anchor", "must be SEQ:HASH, e.g. 1200:3fa9...")
	}
	h, err := audit.ParseHash(hash)
	if err != nil {
		return nil, steward.Invalid("anchor", "the hash must be 64 hex digits or base64")
	}
	return &steward.AuditHead{Seq: n, Hash: h}, nil
}

// verifyStore verifies the chains in the database, with the signing keys
// the master key vouches for.
func (c *cli) verifyStore(cfg *Config, tenant string, o audit.VerifyOptions, asJSON bool) int {
	a, err := openApp(c.ctx, cfg, c.stderr)
	if err != nil {
		return c.fail("audit verify", err)
	}
	defer a.Close()
	keys, err := audit.TrustedKeys(c.ctx, a.db, a.keys)
	if err != nil {
		return c.fail("audit verify", err)
	}
	tenants := []string{tenant}
	if tenant != "" {
		if _, err := a.db.Tenant(c.ctx, tenant); err != nil {
			return c.fail("audit verify", err)
		}
	} else {
		if tenants, err = a.db.AuditTenants(c.ctx); err != nil {
			return c.fail("audit verify", err)
		}
	}
	var reports []*audit.Report
	for _, t := range tenants {
		r, err := audit.Verify(c.ctx, a.db, t, keys, o)
		if err != nil {
			return c.fail("audit verify", err)
		}
		reports = append(reports, r)
	}
	return c.printReports(reports, asJSON)
}

// verifyFile verifies an export offline.
func (c *cli) verifyFile(file, keysFile string, o audit.VerifyOptions, asJSON bool) int {
	var keys audit.PublicKeys
	if keysFile != "" {
		var err error
		if keys, err = readPublicKeys(keysFile); err != nil {
			return c.fail("audit verify", err)
		}
	} else {
		fmt.Fprintln(c.stderr, "steward audit verify: no --public-keys: trusting the keys inside the export, which proves nothing against whoever could rewrite the file")
	}
	f, err := os.Open(file)
	if err != nil {
		return c.fail("audit verify", err)
	}
	defer f.Close()
	r, _, err := audit.VerifyExport(f, keys, o)
	if err != nil {
		return c.fail("audit verify", err)
	}
	return c.printReports([]*audit.Report{r}, asJSON)
}

// readPublicKeys reads the body of GET /v1/audit/public-key.
func readPublicKeys(path string) (audit.PublicKeys, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var list struct {
		Keys []audit.PublicKey `json:"keys"`
	}
	if err := json.Unmarshal(b, &list); err != nil || len(list.Keys) == 0 {
		return nil, steward.Invalid("public-keys", "must be the JSON of GET /v1/audit/public-key")
	}
	keys := audit.PublicKeys{}
	for _, k := range list.Keys {
		keys[k.ID] = k.Key
	}
	return keys, nil
}

// printReports prints one line per chain and returns 1 if any failed.
func (c *cli) printReports(reports []*audit.Report, asJSON bool) int {
	code := 0
	for _, r := range reports {
		if !r.OK {
			code = 1
		}
	}
	if len(reports) == 0 && !asJSON {
		fmt.Fprintln(c.stdout, "no audit chains yet")
		return 0
	}
	if asJSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(reports)
		return code
	}
	for _, r := range reports {
		if !r.OK {
			fmt.Fprintf(c.stdout, "tenant %s: FAILED at event %d: %s\n", r.TenantID, r.BadSeq, r.Problem)
			continue
		}
		fmt.Fprintf(c.stdout, "tenant %s: OK, %d events", r.TenantID, r.Events)
		if cp := r.LastCheckpoint; cp != nil {
			fmt.Fprintf(c.stdout, ", last checkpoint %d:%s signed %s", cp.Seq, hex.EncodeToString(cp.Hash), cp.Time.Format(time.RFC3339))
		}
		if r.Unsigned > 0 {
			fmt.Fprintf(c.stdout, ", %d newer events not signed yet", r.Unsigned)
		}
		if r.Pending > 0 {
			fmt.Fprintf(c.stdout, ", %d accepted events not integrated yet", r.Pending)
		}
		fmt.Fprintln(c.stdout)
	}
	return code
}

// auditExport writes a tenant's chain as JSON Lines. The export is itself
// recorded in the chain (actor system:cli), before it is written.
func (c *cli) auditExport(cfg *Config, tenant, out string) int {
	a, err := openApp(c.ctx, cfg, c.stderr)
	if err != nil {
		return c.fail("audit export", err)
	}
	defer a.Close()
	if tenant == "" {
		ts, err := a.db.AuditTenants(c.ctx)
		if err != nil {
			return c.fail("audit export", err)
		}
		if len(ts) != 1 {
			return c.fail("audit export", steward.Invalid("tenant", fmt.Sprintf("%d tenants have audit chains: name one with --tenant", len(ts))))
		}
		tenant = ts[0]
	} else if _, err := a.db.Tenant(c.ctx, tenant); err != nil {
		return c.fail("audit export", err)
	}
	l, err := a.openAudit(c.ctx)
	if err != nil {
		return c.fail("audit export", err)
	}
	defer l.Close()
	e := &steward.AuditEvent{TenantID: tenant, Actor: "system:cli", Action: steward.ActionAuditExport, Decision: steward.DecisionAllow}
	if err := l.Append(c.ctx, e); err != nil {
		return c.fail("audit export", err)
	}
	if out == "" {
		if err := l.Export(c.ctx, c.stdout, tenant); err != nil {
			return c.fail("audit export", err)
		}
		return 0
	}
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return c.fail("audit export", err)
	}
	defer f.Close()
	// Into a file, the export shows its progress on standard error: a
	// spinner with the bytes written on a terminal, one line at the end
	// otherwise.
	cw := &countingWriter{w: f}
	var w io.Writer = cw
	bar := c.progressBar(c.stderr, -1, "audit export: tenant "+tenant, true)
	if bar != nil {
		w = io.MultiWriter(cw, bar)
	}
	if err := l.Export(c.ctx, w, tenant); err != nil {
		return c.fail("audit export", err)
	}
	if err := f.Close(); err != nil {
		return c.fail("audit export", err)
	}
	if bar != nil {
		_ = bar.Finish()
	}
	fmt.Fprintf(c.stderr, "audit export: tenant %s, %d bytes written to %s\n", tenant, cw.n, out)
	return 0
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
