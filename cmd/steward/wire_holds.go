package main

import (
	"context"
	"log/slog"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/holds"
	"github.com/steward-privacy/steward/vault"
)

// openHolds wires legal holds: reasons sealed under a key derived from the
// master key provider (label "hold-seal"), so they survive tenant and
// master key rotations. The release hook (holds.Service.SetOnRelease) is
// for the requests runner: an erasure a hold kept finishes when released.
func (a *app) openHolds(ctx context.Context, v *vault.Vault, audit steward.AuditLog) (*holds.Service, error) {
	seal, err := a.keys.DeriveKey(ctx, "hold-seal")
	if err != nil {
		return nil, err
	}
	return holds.New(holds.Config{Store: a.db, Policies: v, Audit: audit, SealKey: seal, Now: a.clock})
}

// retentionHeld logs, after each retention job's last pass, how many
// expired records or files legal holds kept (vault.Config.RetentionHeld).
func (a *app) retentionHeld(job string, n int) {
	if n > 0 {
		a.log.Info("retention skipped held data", slog.String("job", job), slog.Int("held", n))
	}
}
