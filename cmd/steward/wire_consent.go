package main

import (
	"github.com/steward-privacy/steward/audit"
	"github.com/steward-privacy/steward/consent"
	"github.com/steward-privacy/steward/vault"
)

// openConsent wires the consent ledger: the vault's policy in force and
// staleness, the audit log (which also signs receipts with its signing
// key, so /v1/audit/public-key verifies them).
func (a *app) openConsent(v *vault.Vault, l *audit.Log) *consent.Service {
	return consent.New(consent.Config{Store: a.db, Policies: v, Audit: l, Signer: l, Now: a.clock})
}
