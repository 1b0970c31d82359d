package main

import (
	"context"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/grants"
	"github.com/steward-privacy/steward/jobs"
	"github.com/steward-privacy/steward/vault"
)

// openGrants wires break-glass access grants: notes sealed under the
// subject's key by the vault, which also checks grants on every read.
func (a *app) openGrants(v *vault.Vault, audit steward.AuditLog) *grants.Service {
	return grants.New(grants.Config{Store: a.db, Notes: v, Policies: v, Audit: audit, Now: a.clock})
}

// grantJobs expires access grants whose time passed, each audited once.
func grantJobs(g *grants.Service, every time.Duration) []jobs.Job {
	return []jobs.Job{{Name: "access_grants.expire", Every: every, Run: func(ctx context.Context) error {
		_, err := g.Expire(ctx)
		return err
	}}}
}
