package main

import (
	"context"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/audit"
	"github.com/steward-privacy/steward/export"
	"github.com/steward-privacy/steward/jobs"
	"github.com/steward-privacy/steward/policies"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/requests"
	"github.com/steward-privacy/steward/vault"
)

// openExports wires the export packages of the rights of access and
// portability (and the CCPA right to know): built by the request runner,
// stored encrypted under the subject's key, served by their links, purged
// after 7 days by the job exports.purge.
func (a *app) openExports(ctx context.Context, v *vault.Vault, l *audit.Log, pols *policies.Service) (*export.Service, error) {
	key, err := a.keys.DeriveKey(ctx, "export-token")
	if err != nil {
		return nil, err
	}
	return export.New(export.Config{Store: a.db, Vault: v, Signer: l, Notices: pols, TokenKey: key, Now: a.clock,
		Policy: func() (*policy.Decider, *policy.Policy) { cur := pols.Current(); return cur.Decider, cur.Policy }}), nil
}

// registerExportExecutors makes access and portability requests build the
// package when they run (with the right-to-know additions under the CCPA),
// completing with its link.
func registerExportExecutors(rs *requests.Service, x *export.Service) {
	run := requests.ExecutorFunc(func(ctx context.Context, r *steward.RightsRequest) (*requests.Outcome, error) {
		res, err := x.Build(ctx, r.TenantID, r.SubjectID, r.ID, export.Options{RightToKnow: r.Jurisdiction == steward.JurisdictionCCPA},
			rs.Progress(ctx, r))
		if err != nil {
			return nil, err
		}
		return &requests.Outcome{Status: requests.Completed, Result: res,
			Counts: map[string]int{"entries": res.Entries, "bytes": int(res.Bytes)}}, nil
	})
	rs.Register(steward.RequestAccess, run)
	rs.Register(steward.RequestPortability, run)
}

// exportJobs purges expired packages.
func exportJobs(x *export.Service, every time.Duration) []jobs.Job {
	return []jobs.Job{{Name: "exports.purge", Every: 10 * every, Run: drain(x.Purge)}}
}
