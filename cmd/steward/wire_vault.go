package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/blob"
	"github.com/steward-privacy/steward/blob/local"
	"github.com/steward-privacy/steward/blob/s3"
	"github.com/steward-privacy/steward/examples"
	"github.com/steward-privacy/steward/httpapi"
	"github.com/steward-privacy/steward/policies"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/requests"
	"github.com/steward-privacy/steward/sqlite"
	"github.com/steward-privacy/steward/vault"
)

// loadPolicy reads and compiles the configured policy file, or the built-in
// starter policy. A policy with problems, or with a security promise this
// steward would not keep, is an error listing each problem as
// FILE:LINE:COL: message.
func loadPolicy(cfg *Config) (*policy.Policy, *policy.Decider, error) {
	name, src, _, err := readPolicyFile(cfg)
	if err != nil {
		return nil, nil, err
	}
	p, d, err := policies.Compile(name, src)
	if err != nil {
		return nil, nil, policyError(err)
	}
	return p, d, nil
}

// readPolicyFile returns the configured policy file's name and bytes, or
// the built-in starter policy's (starter set).
func readPolicyFile(cfg *Config) (name string, src []byte, starter bool, err error) {
	if cfg.Policy == "" {
		src, err = examples.FS.ReadFile(examples.Starter)
		return "starter:" + examples.Starter, src, true, err
	}
	f, err := os.Open(cfg.Policy)
	if err != nil {
		return "", nil, false, fmt.Errorf("policy: %w", err)
	}
	defer f.Close()
	src, err = io.ReadAll(io.LimitReader(f, policy.MaxFileSize+1))
	if err != nil {
		return "", nil, false, fmt.Errorf("policy: %w", err)
	}
	return cfg.Policy, src, false, nil
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
// stale tells which consents a policy change made stale (nil: none).
func (a *app) openVault(ctx context.Context, d *policy.Decider, audit steward.AuditLog, stale steward.ConsentStaleness) (*vault.Vault, error) {
	files, err := openFiles(ctx, a.cfg)
	if err != nil {
		return nil, err
	}
	a.files = files
	c := vault.Config{Store: a.db, Files: files, Keys: a.keys, Audit: audit, Policy: d, Now: a.clock,
		EphemeralTTL: a.cfg.EphemeralTTL, ConsentStaleness: stale, RetentionHeld: a.retentionHeld, ChildErasure: a.childErasure}
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

// childErasure files an erasure request with reason child for a subject
// found below the policy's minimum age under "below: delete"; it runs
// without verification (steward filed it) like any other erasure, cascade
// included. The request service exists once serve has opened it.
func (a *app) childErasure(ctx context.Context, tenantID, subjectID string) error {
	if a.requests == nil {
		return steward.Errorf(steward.EUNAVAILABLE, "rights requests are not available in this command")
	}
	_, err := a.requests.FileInternal(ctx, requests.Internal{TenantID: tenantID, SubjectID: subjectID, Type: steward.RequestErasure,
		Reason: "child", Actor: "system:children"})
	return err
}
