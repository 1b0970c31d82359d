package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/blob"
	"github.com/steward-privacy/steward/blob/local"
	"github.com/steward-privacy/steward/blob/s3"
	"github.com/steward-privacy/steward/examples"
	"github.com/steward-privacy/steward/httpapi"
	"github.com/steward-privacy/steward/internal/engine"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/sqlite"
	"github.com/steward-privacy/steward/vault"
)

// loadPolicy reads and compiles the configured policy file, or the built-in
// starter policy. A policy with problems, or with a security promise this
// steward would not keep, stops the start, each problem printed as
// FILE:LINE:COL: message.
func loadPolicy(cfg *Config) (*policy.Policy, *policy.Decider, error) {
	var p *policy.Policy
	var err error
	if cfg.Policy == "" {
		src, rerr := examples.FS.ReadFile(examples.Starter)
		if rerr != nil {
			return nil, nil, rerr
		}
		p, err = policy.Parse("starter:"+examples.Starter, src)
	} else {
		p, err = policy.Load(cfg.Policy)
	}
	if err != nil {
		return nil, nil, policyError(err)
	}
	d, err := policy.Compile(p)
	if err != nil {
		return nil, nil, policyError(err)
	}
	if ps := p.CheckEngine(engine.Facts()); len(ps) > 0 {
		return nil, nil, policyError(ps)
	}
	return p, d, nil
}

// policyError lists a policy's problems one per line as FILE:LINE:COL:
// message, with hints, the way `steward policy check` does.
func policyError(err error) error {
	ps, ok := policy.AsProblems(err)
	if !ok {
		return fmt.Errorf("policy: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "the policy has %d problem(s); fix them (steward policy check FILE shows the same):", len(ps))
	for _, p := range ps {
		b.WriteString("\n  " + p.String())
		if p.Hint != "" {
			b.WriteString("\n    hint: " + p.Hint)
		}
	}
	return errors.New(b.String())
}

// openFiles opens the file store: a folder in the data folder by default,
// or S3-compatible storage when files is an http(s):// DSN.
func openFiles(ctx context.Context, cfg *Config) (blob.Store, error) {
	if strings.HasPrefix(cfg.Files, "http://") || strings.HasPrefix(cfg.Files, "https://") {
		return s3.Open(ctx, cfg.Files)
	}
	dir := cfg.Files
	if dir == "" {
		dir = filepath.Join(cfg.Data, "files")
	}
	return local.Open(dir)
}

// openVault wires the vault: the policy, the file store, the master key
// provider, the audit log.
func (a *app) openVault(ctx context.Context, d *policy.Decider, audit steward.AuditLog) (*vault.Vault, error) {
	files, err := openFiles(ctx, a.cfg)
	if err != nil {
		return nil, err
	}
	a.files = files
	c := vault.Config{Store: a.db, Files: files, Keys: a.keys, Audit: audit, Policy: d, Now: a.clock,
		EphemeralTTL: a.cfg.EphemeralTTL}
	if a.tombs != nil {
		c.Tombstones = a.tombs
	}
	if a.db.Dialect() == "sqlite" {
		// After an erasure, checkpoint the WAL so that the zeroed pages
		// replace the old ones in the database file and the log is emptied.
		c.AfterErase = func(ctx context.Context) error { return sqlite.Checkpoint(ctx, a.db) }
	}
	return vault.New(c), nil
}

// piiOptions wires the PII endpoints: per-tenant keys derived from the
// master key provider, mappings sealed in the database (so any replica can
// re-identify), living 24 hours after their last use.
func (a *app) piiOptions() *httpapi.PIIOptions {
	return &httpapi.PIIOptions{
		Key: func(ctx context.Context, tenantID, use string) ([]byte, error) {
			return a.keys.DeriveKey(ctx, "pii-"+use+"/"+tenantID)
		},
		Store: a.db.PIIMappings(a.clock),
		TTL:   24 * time.Hour,
		Now:   a.clock,
	}
}
