package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/steward-privacy/steward/audit"
	"github.com/steward-privacy/steward/incidents"
	"github.com/steward-privacy/steward/jobs"
	"github.com/steward-privacy/steward/vault"
)

// openIncidents wires the breach register: the audit log it derives the
// people affected from (the store reads it back), the vault's policy and
// the subjects' email addresses, and the steward_incidents_open gauge. The
// mailer is nil until the server has mail settings: then subject notices
// answer 503 email_not_configured.
func (a *app) openIncidents(v *vault.Vault, l *audit.Log, reg *prometheus.Registry, mailer incidents.Mailer) *incidents.Service {
	s := incidents.New(incidents.Config{Store: a.db, Events: a.db, Policies: v, Audit: l, Contacts: v, Mailer: mailer, Now: a.clock})
	if reg != nil {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "steward_incidents_open",
			Help: "Incidents in the breach register that are not closed, across tenants."}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := s.OpenCount(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		}))
	}
	return s
}

// incidentJobs are the register's background jobs, run under the database
// lease: incident.overdue once for each incident whose 72 hours passed
// without the regulator notified, and the subject notices in batches.
func (a *app) incidentJobs(s *incidents.Service) []jobs.Job {
	return []jobs.Job{
		{Name: "incidents.overdue", Every: a.cfg.JobInterval, Run: drain(s.Overdue)},
		{Name: "incidents.notices", Every: a.cfg.JobInterval, Run: drain(s.SendNotices)},
	}
}
