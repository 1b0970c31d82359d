package main

import (
	"context"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/consent"
	"github.com/steward-privacy/steward/pii"
	"github.com/steward-privacy/steward/policies"
	"github.com/steward-privacy/steward/training"
	"github.com/steward-privacy/steward/vault"
)

// openTraining wires AI training governance: lineage hashes, pseudonyms
// and stored exports keyed by a secret derived from the master key; an
// erasure turns the person's lineage into retrain obligations first.
func (a *app) openTraining(ctx context.Context, v *vault.Vault, pols *policies.Service, cs *consent.Service, audit steward.AuditLog) (*training.Service, error) {
	key, err := a.keys.DeriveKey(ctx, "training")
	if err != nil {
		return nil, err
	}
	sc, err := pii.New()
	if err != nil {
		return nil, err
	}
	t := training.New(training.Config{Store: a.db, Vault: v, Files: a.files, Policies: pols, Scanner: sc, Audit: audit, Key: key,
		Producer: a.cfg.PublicURL, Now: a.clock})
	if err := t.Recover(ctx); err != nil {
		return nil, err
	}
	v.SetEraseHook(t.SubjectErased)
	v.SetWithdrawHook(t.SubjectWithdrew)
	cs.SetWithdrawHook(t.SubjectWithdrew)
	return t, nil
}
