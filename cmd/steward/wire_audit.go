package main

import (
	"context"
	"path/filepath"
	"time"

	"github.com/steward-privacy/steward/audit"
	"github.com/steward-privacy/steward/jobs"
	"github.com/steward-privacy/steward/vault"
)

// openAudit opens the audit log: its checkpoint signing key is kept wrapped
// by the master key provider. On PostgreSQL it accepts events for the
// servers' sequencer (and integrates what it accepted when it closes).
func (a *app) openAudit(ctx context.Context) (*audit.Log, error) {
	return a.openAuditLog(ctx, "")
}

// openServerAudit opens the server's audit log, with a journal in the
// data folder (audit.Options.Journal): an audited request writes its event
// to the journal, a local file, and the journal is chained into the
// database in one transaction every audit_journal_delay — several times
// cheaper than a commit per request, and, on PostgreSQL, with no lock
// shared by replicas on the request path (each replica has its own
// journal, in its own data folder; the journal's lock makes sure of it).
// A journal write survives a crash of the process, as SQLite's commits do
// (synchronous=NORMAL); audit_journal_sync makes each one survive a crash
// of the machine too, at a cost (docs/audit.md). The journal's
// lock also makes the server the only one on this data folder. Events that
// command-line tools accepted into the database are chained by the
// sequencer (sequencerLoop).
func (a *app) openServerAudit(ctx context.Context) (*audit.Log, error) {
	return a.openAuditLog(ctx, filepath.Join(a.cfg.Data, "audit-journal"))
}

// sequencerLoop integrates the events command-line tools accepted into
// the chains, every audit_journal_delay, on the replica holding its lease.
func sequencerLoop(log *audit.Log) jobs.Loop {
	return jobs.Loop{Name: "audit.sequencer", Every: log.SequencerPeriod(), Run: func(ctx context.Context) error {
		_, err := log.Integrate(ctx)
		return err
	}}
}

// cacheSubjects turns on the subject cache on SQLite (on PostgreSQL
// openApp turned on the cache shared by replicas), and keeps the
// disclosure ledger's recent rows in memory. Call it once the server's
// audit journal is open: the journal's lock makes this server the
// database's only writer of subjects and records (CLI commands write
// neither; `steward keys rotate` rewraps, bounded by subjectCacheTTL <
// vault.RetireGrace), so it may cache their sealed rows, and the only
// writer of disclosures.
func (a *app) cacheSubjects(ctx context.Context) error {
	if a.cfg.Database != "" {
		return nil
	}
	a.db.CacheSubjects(subjectCacheTTL)
	return a.db.LedgerInMemory(ctx)
}

// subjectCacheTTL is how long a server on SQLite trusts a cached sealed
// subject row. It must stay below vault.RetireGrace: `steward keys rotate`
// run beside the server rewraps data keys in the database and destroys
// the old key versions only after that grace, by which time no cached row
// still names them.
const subjectCacheTTL = 10 * time.Second

// subjectCacheShortTTL is how long a replica on PostgreSQL trusts a cached
// row while its invalidation listener is down (at start, or after its
// connection dropped): the bound on how long another replica's change can
// go unseen then (withdrawals and erasures are honoured within 1 s).
const subjectCacheShortTTL = 500 * time.Millisecond

func (a *app) openAuditLog(ctx context.Context, journal string) (*audit.Log, error) {
	signer, err := audit.OpenSigner(ctx, a.db, a.keys, a.clock)
	if err != nil {
		return nil, err
	}
	return audit.Open(ctx, a.db, signer, audit.Options{Now: a.clock, Logger: a.log, Journal: journal, JournalDelay: a.cfg.AuditJournalDelay,
		JournalSync: a.cfg.AuditJournalSync, Accept: a.cfg.Database != ""})
}

// masterKeyUsers hold the secrets outside the vault that the master key
// wraps (the audit signing keys), so a master rotation rewraps them too.
func (a *app) masterKeyUsers() []vault.MasterKeyUser {
	return []vault.MasterKeyUser{audit.SigningKeys{Store: a.db, Wrapper: a.keys}}
}
