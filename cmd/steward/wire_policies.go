package main

import (
	"context"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/policies"
	"github.com/steward-privacy/steward/policy"
)

// openPolicies imports the start's policy file (--policy, or the starter
// policy into an empty database) as a new version when it is one, and
// loads the version in force from the database, which decides: a replica
// started with an older file follows the newer version in force.
func (a *app) openPolicies(ctx context.Context, audit steward.AuditLog) (*policies.Service, *policies.Current, error) {
	name, src, starter, err := readPolicyFile(a.cfg)
	if err != nil {
		return nil, nil, err
	}
	svc := policies.New(policies.Options{Store: a.db, Audit: audit, Now: a.clock, Logger: a.log})
	im, err := svc.Import(ctx, name, src, policies.ImportOptions{KeepStored: starter, FirstTenantRegion: a.cfg.Region})
	if _, isProblems := policy.AsProblems(err); isProblems {
		return nil, nil, policyError(err)
	}
	if err != nil {
		return nil, nil, err
	}
	cur, err := svc.Sync(ctx)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case im.Skipped:
		a.log.Info("no --policy given: enforcing the policy in force in the database", "version", cur.Version.Version)
	case im.Staged:
		a.log.Info("the policy file is staged until its effective date", "version", im.Version, "in_force", cur.Version.Version)
	case cur.Version.Version != im.Version:
		a.log.Warn("the database has another policy version in force than the policy file; the database decides",
			"file", im.Version, "in_force", cur.Version.Version)
	}
	return svc, cur, nil
}
