package main

import (
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/steward-privacy/steward"
)

// apikey implements `steward apikey create|list|revoke`, working directly on
// the data folder or database the server uses (same --config/--data flags).
// It acts as the system, in the tenant named by --tenant (default: the
// operator tenant created on first start).
func (c *cli) apikey(args []string) int {
	if code, done := c.subcommand("apikey", args, text(apikeyUsage), "create", "list", "revoke"); done {
		return code
	}
	sub, args := args[0], args[1:]
	var name, scopes, tenant string
	extra := func(fs *flag.FlagSet) {
		fs.StringVar(&tenant, "tenant", "", "tenant id (default: the operator tenant)")
		if sub == "create" {
			fs.StringVar(&name, "name", "", "a label for the key (required)")
			fs.StringVar(&scopes, "scopes", "", "comma-separated scopes, e.g. records:read,records:write (required)")
		}
	}
	cfg, rest, err := loadConfig("apikey "+sub, args, c.getenv, c.stderr, extra)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(c.stderr, "steward apikey: %v\n", err)
		return 2
	}
	if want := map[bool]int{true: 1, false: 0}[sub == "revoke"]; len(rest) != want {
		fmt.Fprintln(c.stderr, "usage: steward apikey create|list [flags] | steward apikey revoke [flags] KEY_ID (flags come first)")
		return 2
	}
	a, err := openApp(c.ctx, cfg, c.stderr)
	if err != nil {
		fmt.Fprintf(c.stderr, "steward apikey: %v\n", err)
		return 1
	}
	defer a.Close()
	if tenant == "" {
		ts, err := a.db.Tenants(c.ctx)
		if err != nil || len(ts) == 0 {
			fmt.Fprintln(c.stderr, "steward apikey: no tenant yet; start `steward serve` once first")
			return 1
		}
		tenant = ts[0].ID
	} else if _, err := a.db.Tenant(c.ctx, tenant); err != nil {
		fmt.Fprintf(c.stderr, "steward apikey: tenant %q: %s\n", tenant, steward.ErrorMessage(err))
		return 1
	}
	// The command line is the operator with the database in hand: it holds
	// every scope, dedicated ones included, and its actions are audited.
	auditLog, err := a.openAudit(c.ctx)
	if err != nil {
		return c.fail("apikey "+sub, err)
	}
	defer auditLog.Close()
	a.auth.SetAudit(auditLog)
	ctx := steward.WithCaller(c.ctx, &steward.Caller{TenantID: tenant, Kind: steward.ActorSystem, ID: "cli",
		Scopes: steward.Scopes{steward.ScopeAdmin, steward.ScopeSecretsRead, steward.ScopeTenantsWrite}})
	switch sub {
	case "create":
		sc, err := steward.ParseScopes("scopes", scopes)
		if err == nil {
			k, cerr := a.auth.CreateAPIKey(ctx, name, sc)
			if cerr == nil {
				fmt.Fprintf(c.stdout, "created API key %s (%s) with scopes %s\n", k.Key.ID, k.Key.Name, k.Key.Scopes)
				fmt.Fprintf(c.stdout, "secret (shown only this once; store it now):\n%s\n", k.Secret)
				return 0
			}
			err = cerr
		}
		return c.fail("apikey create", err)
	case "list":
		keys, err := a.auth.ListAPIKeys(ctx)
		if err != nil {
			return c.fail("apikey list", err)
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tSCOPES\tCREATED\tLAST USED\tSTATUS")
		for _, k := range keys {
			status := "active"
			if !k.Active() {
				status = "revoked " + k.RevokedAt.Format(time.RFC3339)
			}
			used := "never"
			if k.LastUsedAt != nil {
				used = k.LastUsedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Scopes, k.CreatedAt.Format(time.RFC3339), used, status)
		}
		tw.Flush()
		return 0
	default: // revoke
		if err := a.auth.RevokeAPIKey(ctx, rest[0]); err != nil {
			return c.fail("apikey revoke", err)
		}
		fmt.Fprintf(c.stdout, "revoked %s\n", rest[0])
		return 0
	}
}

// apikeyUsage is the help of `steward apikey`.
const apikeyUsage = `usage:
  steward apikey create --name NAME --scopes A,B [--tenant ID] [server flags]
  steward apikey list [--tenant ID] [server flags]
  steward apikey revoke [--tenant ID] [server flags] KEY_ID

Works offline on the data folder or database of steward serve (same --data,
--database and --config); a key revoked here stops working on running servers
within a second. steward apikey SUBCOMMAND -h lists every flag.`

// fail prints a coded error's safe message (field paths included) and
// returns exit status 1.
func (c *cli) fail(what string, err error) int {
	var se *steward.Error
	if errors.As(err, &se) {
		fmt.Fprintf(c.stderr, "steward %s: %s\n", what, se.Message)
		for _, f := range se.Fields {
			fmt.Fprintf(c.stderr, "  %s: %s\n", f.Path, f.Message)
		}
		return 1
	}
	fmt.Fprintf(c.stderr, "steward %s: %v\n", what, err)
	return 1
}
