package main

import (
	"time"

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
		PublicURL: a.cfg.PublicURL, Batch: int(a.cfg.NoticeBatch), Rate: a.cfg.NoticeRate, Now: a.clock})
}

// noticeJobs sends the notices of staged policies, batch after batch
// while the mail server takes them, for at most noticeRunBudget a run
// (each result is recorded as it goes, so GET /v1/policy/upcoming shows
// the progress).
func (a *app) noticeJobs(n *notices.Service) []jobs.Job {
	return []jobs.Job{{Name: "policy.notices", Every: a.cfg.JobInterval, Run: drainFor(n.Send, noticeRunBudget)}}
}

// noticeRunBudget bounds one run of the notices job, so that retention,
// audit checkpoints and the other jobs of the scheduler keep their pace
// during a campaign to many people.
const noticeRunBudget = 20 * time.Second
