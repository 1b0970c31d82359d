package main

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/steward-privacy/steward/audit"
	"github.com/steward-privacy/steward/auth"
	"github.com/steward-privacy/steward/consent"
	"github.com/steward-privacy/steward/requests"
	"github.com/steward-privacy/steward/vault"
)

// openRequests wires the rights request service: subjects and the address
// on file from the vault, completion records signed by the audit log's
// key, details sealed and codes hashed under keys derived from the master
// key provider (as the API key hashes are), the consent_withdrawal
// executor on the consent ledger, and the steward_requests_open and
// steward_requests_overdue gauges. mailer may be nil: requests then wait
// for an application or staff to verify the person. The runner is the job
// "requests.run" (see scheduler).
func (a *app) openRequests(ctx context.Context, v *vault.Vault, l *audit.Log, cs *consent.Service, mailer requests.Mailer,
	reg *prometheus.Registry) (*requests.Service, error) {
	codeKey, err := a.keys.DeriveKey(ctx, "request-code-hmac")
	if err != nil {
		return nil, err
	}
	sealKey, err := a.keys.DeriveKey(ctx, "request-seal")
	if err != nil {
		return nil, err
	}
	indexKey, err := a.keys.DeriveKey(ctx, "request-index")
	if err != nil {
		return nil, err
	}
	sealer, err := auth.NewKeySealer(sealKey, indexKey)
	if err != nil {
		return nil, err
	}
	svc, err := requests.New(requests.Config{Store: a.db, Subjects: v, Policies: v, Audit: l, Signer: l, Sealer: sealer,
		Mailer: mailer, CodeKey: codeKey, Approval: approvalTypes(a.cfg.RequestsApproval), Logger: a.log, Now: a.clock})
	if err != nil {
		return nil, err
	}
	svc.RegisterConsentWithdrawal(cs)
	if reg != nil {
		registerRequestGauges(reg, svc)
	}
	a.requests = svc
	return svc, nil
}

// approvalTypes splits the requests_approval setting (types separated by
// commas or spaces).
func approvalTypes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

// registerRequestGauges exports the open and overdue requests of every
// tenant, counted at most once per 5 seconds across scrapes.
func registerRequestGauges(reg *prometheus.Registry, svc *requests.Service) {
	var mu sync.Mutex
	var at time.Time
	var open, overdue int
	read := func() (int, int) {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(at) > 5*time.Second {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			o, d, err := svc.Counts(ctx)
			cancel()
			if err == nil {
				open, overdue, at = o, d, time.Now()
			}
		}
		return open, overdue
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "steward_requests_open",
			Help: "Rights requests not yet answered (unverified, verified, awaiting approval, in progress)."},
			func() float64 { o, _ := read(); return float64(o) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "steward_requests_overdue",
			Help: "Open rights requests past their deadline."},
			func() float64 { _, d := read(); return float64(d) }))
}
