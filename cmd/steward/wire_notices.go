package main

import (
	"context"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/jobs"
	"github.com/steward-privacy/steward/notices"
	"github.com/steward-privacy/steward/policies"
	"github.com/steward-privacy/steward/vault"
)

// openNotices wires the notices of policy changes: staging through the
// API, the sending job under the lease. mailer nil: no mail configured
// (a policy with material changes cannot be staged then).
func (a *app) openNotices(v *vault.Vault, pols *policies.Service, audit steward.AuditLog, mailer notices.Mailer) *notices.Service {
	return notices.New(notices.Config{Store: a.db, Policies: pols, Contacts: v, Mailer: mailer, Audit: audit,
		PublicURL: a.cfg.PublicURL, Batch: int(a.cfg.NoticeBatch), Now: a.clock})
}

// noticeJobs sends the notices of staged policies in batches.
func (a *app) noticeJobs(n *notices.Service) []jobs.Job {
	return []jobs.Job{{Name: "policy.notices", Every: a.cfg.JobInterval, Run: func(ctx context.Context) error {
		_, err := n.Send(ctx)
		return err
	}}}
}
