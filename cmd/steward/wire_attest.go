package main

import (
	"context"
	"crypto/tls"
	"fmt"

	"github.com/steward-privacy/steward/attest"
	"github.com/steward-privacy/steward/audit"
	"github.com/steward-privacy/steward/policies"
	"github.com/steward-privacy/steward/policy"
)

// attester builds the attestation of the policy in force (pols) from this
// server's database, audit log and settings.
func (a *app) attester(l *audit.Log, pols *policies.Service) *attest.Attester {
	return attest.New(attest.Config{
		Store: a.db,
		Policy: func() (*policy.Decider, *policy.Policy) {
			cur := pols.Current()
			return cur.Decider, cur.Policy
		},
		VerifyChain: func(ctx context.Context, tenant string) (bool, string, error) {
			r, err := l.Verify(ctx, tenant, audit.VerifyOptions{})
			if err != nil {
				return false, "", err
			}
			if !r.OK {
				return false, fmt.Sprintf("the chain does not verify at event %d: %s", r.BadSeq, r.Problem), nil
			}
			detail := fmt.Sprintf("%d events verify (hash chain and signed checkpoints) through event %d", r.Events, r.LastSeq)
			if r.LastCheckpoint != nil {
				detail += fmt.Sprintf("; last signed checkpoint at event %d", r.LastCheckpoint.Seq)
			}
			return true, detail, nil
		},
		Settings:  a.attestSettings(pols.Current()),
		Incidents: attest.IncidentsLine(a.db.Incidents),
		Rights:    attest.RightsLine(a.db.Requests),
		Now:       a.clock,
	})
}

// attestSettings are the settings the promises depend on. The grace covers
// the slowest periodic purge (every 10 job intervals).
func (a *app) attestSettings(cur *policies.Current) attest.Settings {
	min := "1.2"
	if tlsMinimum(cur.Policy.Security) == tls.VersionTLS13 {
		min = "1.3"
	}
	ret := requestLogRetention(cur.Decider)
	return attest.Settings{TLS: a.cfg.TLSCert != "", InsecureHTTP: a.cfg.InsecureHTTP, TLSMinimum: min,
		EphemeralTTL: a.cfg.EphemeralTTL, RequestLogRetention: ret, Grace: 11 * a.cfg.JobInterval}
}
