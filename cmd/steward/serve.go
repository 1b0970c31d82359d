package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/audit"
	"github.com/steward-privacy/steward/fulfil"
	"github.com/steward-privacy/steward/httpapi"
	"github.com/steward-privacy/steward/incidents"
	"github.com/steward-privacy/steward/notices"
	"github.com/steward-privacy/steward/policies"
	"github.com/steward-privacy/steward/privacycenter"
	"github.com/steward-privacy/steward/ratelimit"
	"github.com/steward-privacy/steward/requestlog"
	"github.com/steward-privacy/steward/requests"
	"github.com/steward-privacy/steward/vault"
)

// serve runs the server until the context is cancelled (SIGINT/SIGTERM).
func (c *cli) serve(args []string) int {
	cfg, rest, err := loadConfig("serve", args, c.getenv, c.stderr, nil)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(c.stderr, "steward serve: %v\n", err)
		return 2
	}
	if c.unexpected("serve", rest) {
		return 2
	}
	if err := c.runServer(cfg); err != nil {
		fmt.Fprintf(c.stderr, "steward serve: %v\n", err)
		return 1
	}
	return 0
}

func (c *cli) runServer(cfg *Config) error {
	a, err := openApp(c.ctx, cfg, c.stderr)
	if err != nil {
		return err
	}
	defer a.Close()

	auditLog, err := a.openServerAudit(c.ctx)
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	defer auditLog.Close() // after the HTTP server stopped: stores pending events
	pols, cur, err := a.openPolicies(c.ctx, auditLog)
	if err != nil {
		return err
	}
	// Security settings come from the version in force at start; a replica
	// takes a later version's settings on its next start.
	if err := a.applySecurity(cur.Policy.Security); err != nil {
		return err
	}
	a.auth.SetAudit(auditLog)
	first, err := a.auth.Bootstrap(c.ctx, "operator", cfg.Region)
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	// Only now: the journal's lock proves this server is alone.
	if err := a.cacheSubjects(c.ctx); err != nil {
		return fmt.Errorf("disclosure ledger: %w", err)
	}
	if a.tombs, err = a.openTombstones(c.ctx); err != nil {
		return err
	}
	defer a.tombs.Close()
	v, err := a.openVault(c.ctx, cur.Decider, auditLog, pols)
	if err != nil {
		return err
	}
	// Before serving: anyone erased after the database's backup was taken
	// is erased again (one HMAC per subject; see docs/backup.md).
	if _, err := a.replayErasures(c.ctx, v, a.tombs); err != nil {
		return fmt.Errorf("erasure tombstones: %w", err)
	}
	pols.OnChange(func(c *policies.Current) { v.SetPolicy(c.Decider) })
	polCtx, stopPolicies := context.WithCancel(context.WithoutCancel(c.ctx))
	polDone := make(chan struct{})
	go func() { pols.Run(polCtx); close(polDone) }()
	defer func() { stopPolicies(); <-polDone }()
	events, stopOutbox, err := a.startOutbox(c.ctx, auditLog)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	defer stopOutbox()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reqlog := requestlog.New(a.db, requestlog.Options{Logger: a.log, Registry: reg})
	defer reqlog.Close()
	sender, err := a.openMail(c.stderr, cfg.DevMail)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	// nil, not a wrapped nil, without a sender: the services check it.
	var incMail incidents.Mailer
	var mailer requests.Mailer
	var noticeMail notices.Mailer
	var pcMail privacycenter.Mailer
	if sender != nil {
		incMail, mailer, noticeMail, pcMail = mailFunc{sender}, mailFunc{sender}, mailFunc{sender}, mailFunc{sender}
	}
	inc := a.openIncidents(v, auditLog, reg, incMail)
	consents := a.openConsent(v, auditLog)
	rights, err := a.openRequests(c.ctx, v, auditLog, consents, mailer, reg)
	if err != nil {
		return fmt.Errorf("requests: %w", err)
	}
	exports, err := a.openExports(c.ctx, v, auditLog, pols)
	if err != nil {
		return fmt.Errorf("exports: %w", err)
	}
	registerExportExecutors(rights, exports)
	breakGlass := a.openGrants(v, auditLog)
	rotations := vault.NewRotations(v)
	policyNotices := a.openNotices(v, pols, auditLog, noticeMail)
	more := append(a.incidentJobs(inc), exportJobs(exports, cfg.JobInterval)...)
	more = append(more, a.noticeJobs(policyNotices)...)
	sched := a.scheduler(v, auditLog, reg, append(more, grantJobs(breakGlass, cfg.JobInterval)...)...)
	jobsCtx, stopJobs := context.WithCancel(context.WithoutCancel(c.ctx))
	jobsDone := make(chan struct{})
	go func() { sched.Run(jobsCtx); close(jobsDone) }()
	defer func() { stopJobs(); <-jobsDone }()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	url := scheme + "://" + ln.Addr().String()
	policyNotices.SetPublicURL(url)
	piiOpts := a.piiOptions()
	piiOpts.Audit = auditLog
	gate, err := a.openDisclose(c.ctx, v, piiOpts, url)
	if err != nil {
		ln.Close()
		return err
	}
	holdSvc, err := a.openHolds(c.ctx, v, auditLog)
	if err != nil {
		ln.Close()
		return fmt.Errorf("holds: %w", err)
	}
	casc, err := a.openCascade(c.ctx, v, events, auditLog, url)
	if err != nil {
		ln.Close()
		return fmt.Errorf("cascade: %w", err)
	}
	rights.Register(steward.RequestErasure, fulfil.Erasure(casc, v, holdSvc, a.clock))
	rights.Register(steward.RequestRestriction, fulfil.Restriction(rights, v))
	rights.Register(steward.RequestObjection, fulfil.Objection(rights, v))
	rights.Register(steward.RequestRectification, fulfil.Rectification(rights, v))
	rights.Register(steward.RequestOptOutSale, fulfil.OptOutOfSale(v))
	rights.Register(steward.RequestLimitSensitive, fulfil.LimitSensitive(v))
	web, err := a.openConsole(c.ctx, v, auditLog, pols, consents, gate, inc, rights, breakGlass, holdSvc, rotations)
	if err != nil {
		ln.Close()
		return err
	}
	trainer, err := a.openTraining(c.ctx, v, pols, consents, auditLog)
	if err != nil {
		ln.Close()
		return fmt.Errorf("training: %w", err)
	}
	people, err := a.openPrivacyCenter(c.ctx, v, pols, consents, gate, rights, pcMail)
	if err != nil {
		ln.Close()
		return err
	}
	api := httpapi.New(httpapi.Options{PrivacyCenter: people, Holds: holdSvc, Auth: a.auth, Logger: a.log, Ready: a.db.Ping, Registry: reg,
		Vault: v, MasterKeyUsers: a.masterKeyUsers(), PII: piiOpts, Jobs: a.db.Jobs, RequestLog: reqlog.Log, Audit: auditLog,
		Policies: pols, Consent: consents, Disclose: gate, Outbox: events, Attest: a.attester(auditLog, pols), Console: web, Incidents: inc, Exports: exports,
		Requests: rights, Cascade: casc, Grants: breakGlass, Rotations: rotations, Notices: policyNotices, Training: trainer,
		KeyLimit: ratelimit.New(cfg.RateLimitKey, int(2*cfg.RateLimitKey), nil),
		IPLimit:  ratelimit.New(cfg.RateLimitIP, int(2*cfg.RateLimitIP), nil)})

	srv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute,
		WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: nil}
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("config: tls_cert/tls_key: %w", err)
		}
		srv.TLSConfig = serverTLS(cert, tlsMinimum(cur.Policy.Security))
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	if first != nil {
		fmt.Fprintf(c.stdout, "first start: operator tenant %s created.\n", first.Key.TenantID)
		fmt.Fprintf(c.stdout, "bootstrap admin API key (shown only this once; store it now):\n%s\n", first.Secret)
	}
	// The URL line comes last: scripts may wait for it.
	fmt.Fprintf(c.stdout, "steward is listening on %s\n", url)
	if f, ok := c.stdout.(*os.File); ok {
		_ = f.Sync()
	}
	a.log.Info("serving", "url", url, "database", a.db.Dialect(), "replica", sched.Holder())
	if err := a.auditStart(context.WithoutCancel(c.ctx), auditLog, cur.Decider.Version(), sched.Holder()); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	flushCtx, stopFlush := context.WithCancel(context.WithoutCancel(c.ctx))
	defer stopFlush()
	go a.flushRefusals(flushCtx)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-c.ctx.Done():
	}
	a.log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	ctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		a.log.Warn("in-flight requests did not finish in time", "error", err.Error())
		srv.Close()
	}
	a.log.Info("stopped")
	return nil
}

// serverTLS allows TLS 1.2 and 1.3 only, or 1.3 only when the policy
// promises it (min); for 1.2 only forward-secret AEAD suites (Go picks TLS
// 1.3 whenever the client offers it).
func serverTLS(cert tls.Certificate, min uint16) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   min,
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		},
		NextProtos: []string{"h2", "http/1.1"},
	}
}

// ActionServerStart records a start of steward serve with its settings.
const ActionServerStart = "server.start"

// auditStart records this start in the operator tenant's chain, with the
// settings that matter to an auditor as codes: the database, TLS, the
// policy version in force and the replica id.
func (a *app) auditStart(ctx context.Context, l *audit.Log, policyVersion, replica string) error {
	ts, err := a.db.Tenants(ctx)
	if err != nil || len(ts) == 0 {
		return err
	}
	tlsOn := "tls:off"
	if a.cfg.TLSCert != "" {
		tlsOn = "tls:on"
	}
	return l.Append(ctx, &steward.AuditEvent{TenantID: ts[0].ID, Time: a.clock().UTC(), Actor: "system:serve", Action: ActionServerStart,
		Target: replica, Decision: steward.DecisionAllow,
		Reasons: []string{"database:" + a.db.Dialect(), tlsOn, "policy:" + policyVersion}})
}

// flushRefusals records, every minute, the refused calls counted in the
// auth service's aggregation windows (each replica counts its own).
func (a *app) flushRefusals(ctx context.Context) {
	t := time.NewTicker(15 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			a.auth.FlushDenied(context.WithoutCancel(ctx))
			return
		case <-t.C:
			a.auth.FlushDenied(ctx)
		}
	}
}
