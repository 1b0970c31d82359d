package main

import (
	"context"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/jobs"
	"github.com/steward-privacy/steward/outbox"
)

// startOutbox wires the event outbox and starts webhook deliveries: URLs
// and signing secrets are sealed under keys derived from the master key
// provider (so they survive tenant and master key rotations, as blind
// indexes do), and deliveries run as the job "webhooks.deliver", once
// across replicas under the job lease, on a scheduler of their own whose
// tick is webhook_interval (so they wait neither for the other jobs nor
// for their coarser tick). stop ends deliveries and gives the lease up.
func (a *app) startOutbox(ctx context.Context, audit steward.AuditLog) (svc *outbox.Service, stop func(), err error) {
	seal, err := a.keys.DeriveKey(ctx, "webhook-seal")
	if err != nil {
		return nil, nil, err
	}
	index, err := a.keys.DeriveKey(ctx, "webhook-index")
	if err != nil {
		return nil, nil, err
	}
	svc, err = outbox.New(outbox.Config{Store: a.db, Audit: audit, SealKey: seal, IndexKey: index, Now: a.clock, Logger: a.log,
		Timeout: a.cfg.WebhookTimeout, RetryScale: a.cfg.WebhookRetryScale, AllowPrivate: a.cfg.WebhookAllowPrivate})
	if err != nil {
		return nil, nil, err
	}
	s := jobs.New(a.db, jobs.Options{Lease: a.cfg.JobLease, Tick: a.cfg.WebhookInterval, Now: a.clock, Logger: a.log})
	s.Add(jobs.Job{Name: "webhooks.deliver", Every: a.cfg.WebhookInterval, Run: drain(svc.Deliver)})
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { s.Run(runCtx); close(done) }()
	return svc, func() { cancel(); <-done }, nil
}
