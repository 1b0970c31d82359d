package main

import (
	"context"

	"github.com/steward-privacy/steward/audit"
)

// openAudit opens the audit log: its checkpoint signing key is kept wrapped
// by the master key provider.
func (a *app) openAudit(ctx context.Context) (*audit.Log, error) {
	signer, err := audit.OpenSigner(ctx, a.db, a.keys, a.clock)
	if err != nil {
		return nil, err
	}
	return audit.New(a.db, signer, audit.Options{Now: a.clock, Logger: a.log}), nil
}

// masterKeyUsers lists the blobs outside the vault that the master key
// wraps (the audit signing keys), so a master rotation keeps their versions.
func (a *app) masterKeyUsers(ctx context.Context) ([][]byte, error) {
	keys, err := a.db.AuditSigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(keys))
	for i, k := range keys {
		out[i] = k.Wrapped
	}
	return out, nil
}
