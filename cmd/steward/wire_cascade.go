package main

import (
	"context"
	"strings"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/cascade"
	"github.com/steward-privacy/steward/outbox"
	"github.com/steward-privacy/steward/vault"
)

// openCascade wires the erasure cascade: processor endpoints are sealed and
// their deletion tasks delivered by the outbox (the job webhooks.deliver),
// the tasks' one-time tokens are derived under a key from the master key
// provider (never stored), the processors are those of the vault's policy
// in force, and confirmation URLs start with public_url (the listen
// address when unset).
func (a *app) openCascade(ctx context.Context, v *vault.Vault, events *outbox.Service, audit steward.AuditLog, listenURL string) (*cascade.Service, error) {
	key, err := a.keys.DeriveKey(ctx, "deletion-task-tokens")
	if err != nil {
		return nil, err
	}
	base := a.cfg.PublicURL
	if base == "" {
		base = listenURL
	}
	return cascade.New(cascade.Config{Store: a.db, Outbox: events, Audit: audit, Policy: v.Policy, TokenKey: key,
		PublicURL: strings.TrimRight(base, "/"), Now: a.clock, Logger: a.log})
}
