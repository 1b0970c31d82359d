package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/steward-privacy/steward/vault"
)

// keysUsage is the help of `steward keys`.
const keysUsage = `usage: steward keys rotate [--master | --tenant ID] [--grace 35s] [server flags]

Makes a new tenant key version (every tenant, or --tenant ID) or, with
--master, a new master key version, and rewraps what the old one wrapped,
with a progress bar on a terminal. Running servers keep serving.
steward keys rotate -h lists every flag.`

// keys implements `steward keys rotate`: a new master key version (--master)
// or tenant key version (default: every tenant, or --tenant T), with the
// rewrap shown as it progresses. Reads and writes of running servers keep
// working: old versions are destroyed only once nothing uses them.
func (c *cli) keys(args []string) int {
	if code, done := c.subcommand("keys", args, text(keysUsage), "rotate"); done {
		return code
	}
	var master bool
	var tenant string
	grace := vault.RetireGrace
	cfg, rest, err := loadConfig("keys rotate", args[1:], c.getenv, c.stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&master, "master", false, "rotate the master key and rewrap every tenant key")
		fs.StringVar(&tenant, "tenant", "", "rotate only this tenant's key (default: every tenant)")
		fs.DurationVar(&grace, "grace", grace, "wait before destroying old tenant key versions, so running servers switch first")
	})
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(c.stderr, "steward keys: %v\n", err)
		return 2
	}
	if c.unexpected("keys rotate", rest) {
		return 2
	}
	a, err := openApp(c.ctx, cfg, c.stderr)
	if err != nil {
		fmt.Fprintf(c.stderr, "steward keys: %v\n", err)
		return 1
	}
	defer a.Close()
	_, decider, err := loadPolicy(cfg)
	if err != nil {
		return c.fail("keys rotate", err)
	}
	auditLog, err := a.openAudit(c.ctx)
	if err != nil {
		return c.fail("keys rotate", err)
	}
	defer auditLog.Close()
	v, err := a.openVault(c.ctx, decider, auditLog, nil)
	if err != nil {
		return c.fail("keys rotate", err)
	}
	show := c.newRotationView(c.stdout).show
	if master {
		if _, err := v.RotateMasterKey(c.ctx, a.masterKeyUsers(), show); err != nil {
			return c.fail("keys rotate", err)
		}
		return 0
	}
	tenants := []string{tenant}
	if tenant == "" {
		ts, err := a.db.Tenants(c.ctx)
		if err != nil {
			return c.fail("keys rotate", err)
		}
		tenants = tenants[:0]
		for _, t := range ts {
			tenants = append(tenants, t.ID)
		}
	}
	if grace > 0 {
		fmt.Fprintf(c.stdout, "old versions are destroyed %s after the rewrap, once running servers use the new key\n", grace)
	}
	for _, t := range tenants {
		if _, err := v.RotateTenantKey(c.ctx, t, grace, show); err != nil {
			return c.fail("keys rotate", err)
		}
	}
	return 0
}
