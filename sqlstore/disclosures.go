package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/steward-privacy/steward"
)

var _ steward.DisclosureStore = (*DB)(nil)

// ledgerColumns are the columns of a ledger row, in disclosureRow's order,
// in both ledger tables.
const ledgerColumns = `id, tenant_id, subject_id, processor, purpose, categories, files, text, policy_version, retention, obligations, at`

// insertDisclosures inserts ledger rows, many per statement.
var insertDisclosures = newValuesCache(`INSERT INTO disclosures (`+ledgerColumns+`) VALUES `, 12, 64)

// insertRecentDisclosures appends ledger rows projected from audit events.
var insertRecentDisclosures = newAllOrNothingValuesCache(`INSERT INTO disclosures_recent (`+ledgerColumns+`) VALUES `, 12, 64)

// ledgerMergeRows is how many rows disclosures_recent gathers before they
// move into disclosures. A projected row costs one append; its place in the
// subject index is written when the rows move, sorted by subject, so one
// index page takes many rows in one write instead of one page written per
// disclosure. A listing scans at most about this many recent rows.
const ledgerMergeRows = 8192

// AddDisclosure stores a disclosure in the ledger with its one-time links,
// in one transaction; expired links of any tenant are swept on the way. A
// disclosure without links is one row that concurrent disclosures insert
// with it, in one statement of a shared transaction (a ledger write must
// not halve the gate's throughput). Neither touches a subject or record
// row, so the subject cache is kept.
func (db *DB) AddDisclosure(ctx context.Context, d *steward.Disclosure, links []*steward.DownloadLink) error {
	args := disclosureRow(d)
	if len(links) == 0 {
		return db.translate(db.insertRow(ctx, insertDisclosures, args...), "")
	}
	return db.txKeep(ctx, func(tx *sql.Tx) error {
		if err := insertDisclosures.exec(ctx, db, tx, args); err != nil {
			return db.translate(err, "")
		}
		if _, err := db.w.txExec(ctx, tx, `DELETE FROM download_links WHERE expires_at < $1`, micros(d.At)); err != nil {
			return db.translate(err, "")
		}
		for _, l := range links {
			if _, err := db.w.txExec(ctx, tx, `INSERT INTO download_links (hash, tenant_id, disclosure_id, subject_id, file_id,
				purpose, processor, actor_kind, actor_id, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				l.Hash, l.TenantID, l.DisclosureID, l.SubjectID, l.FileID, l.Purpose, l.Processor, string(l.ActorKind), l.ActorID,
				micros(l.ExpiresAt)); err != nil {
				return db.translate(err, "")
			}
		}
		return nil
	})
}

// disclosureRow is a ledger row's arguments for insertDisclosures.
func disclosureRow(d *steward.Disclosure) []any {
	return []any{d.ID, d.TenantID, d.SubjectID, d.Processor, d.Purpose, joinKeys(d.Categories), joinKeys(d.Files),
		boolInt(d.Text), d.PolicyVersion, d.Retention, joinKeys(d.Obligations), micros(d.At)}
}

// projectLedger inserts the ledger rows that audit events carry (see
// steward.DisclosureFromAudit), in the transaction that stores the events:
// a disclosure written this way is in the ledger exactly when its audit
// event is in the log.
//
// The rows are appended to disclosures_recent; once it holds
// ledgerMergeRows rows they move, in the same transaction, into
// disclosures in subject order (a rolled-back transaction leaves the
// row-count hint high or low, which only moves the next merge).
func (db *DB) projectLedger(ctx context.Context, tx *sql.Tx, events []*steward.AuditEvent) error {
	var args []any
	for _, e := range events {
		if d, ok := steward.DisclosureFromAudit(e); ok {
			if args == nil {
				args = make([]any, 0, len(events)*insertRecentDisclosures.cols)
			}
			args = append(args, disclosureRow(d)...)
		}
	}
	if args == nil {
		return nil
	}
	if err := insertRecentDisclosures.exec(ctx, db, tx, args); err != nil {
		return db.translate(err, "")
	}
	n := db.recentLedger.Load()
	if n < 0 {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM disclosures_recent`).Scan(&n); err != nil {
			return db.translate(err, "")
		}
	} else {
		n += int64(len(args) / insertRecentDisclosures.cols)
	}
	if n >= ledgerMergeRows {
		if err := db.mergeLedger(ctx, tx); err != nil {
			return db.translate(err, "")
		}
		n = 0
	}
	db.recentLedger.Store(n)
	return nil
}

// mergeLedger moves every row of disclosures_recent into disclosures,
// sorted by subject and in their order of projection.
func (db *DB) mergeLedger(ctx context.Context, tx *sql.Tx) error {
	insert := "INSERT INTO"
	if db.dialect.Name() == "sqlite" {
		insert = "INSERT OR FAIL INTO" // no statement journal: see newAllOrNothingValuesCache
	}
	if _, err := tx.ExecContext(ctx, insert+` disclosures (`+ledgerColumns+`) SELECT `+ledgerColumns+`
		FROM disclosures_recent ORDER BY tenant_id, subject_id, seq`); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM disclosures_recent`)
	return err
}

// Disclosures returns a subject's disclosures, newest first.
func (db *DB) Disclosures(ctx context.Context, tenantID, subjectID string, limit int) ([]*steward.Disclosure, error) {
	return collect(ctx, db, db.r, func(r rowScanner) (*steward.Disclosure, error) {
		d := &steward.Disclosure{TenantID: tenantID, SubjectID: subjectID}
		var cats, files, obligations string
		var text, at int64
		if err := r.Scan(&d.ID, &d.Processor, &d.Purpose, &cats, &files, &text, &d.PolicyVersion, &d.Retention,
			&obligations, &at); err != nil {
			return nil, err
		}
		d.Categories, d.Files, d.Obligations = splitKeys(cats), splitKeys(files), splitKeys(obligations)
		d.Text, d.At = text != 0, fromMicros(at)
		return d, nil
	}, `SELECT id, processor, purpose, categories, files, text, policy_version, retention, obligations, at FROM (
			SELECT id, processor, purpose, categories, files, text, policy_version, retention, obligations, at, 0 AS tier, seq
			FROM disclosures WHERE tenant_id = $1 AND subject_id = $2
			UNION ALL
			SELECT id, processor, purpose, categories, files, text, policy_version, retention, obligations, at, 1 AS tier, seq
			FROM disclosures_recent WHERE tenant_id = $1 AND subject_id = $2) AS ledger
		ORDER BY at DESC, tier DESC, seq DESC LIMIT $3`, tenantID, subjectID, limit)
}

// ClaimDownload deletes and returns the link stored under hash: a second
// claim of the same link, concurrent or later, finds nothing.
func (db *DB) ClaimDownload(ctx context.Context, hash []byte) (*steward.DownloadLink, error) {
	l := &steward.DownloadLink{Hash: hash}
	var kind string
	var expires int64
	err := db.w.QueryRowContext(ctx, `DELETE FROM download_links WHERE hash = $1 RETURNING tenant_id, disclosure_id, subject_id,
		file_id, purpose, processor, actor_kind, actor_id, expires_at`, hash).
		Scan(&l.TenantID, &l.DisclosureID, &l.SubjectID, &l.FileID, &l.Purpose, &l.Processor, &kind, &l.ActorID, &expires)
	if err != nil {
		return nil, db.missing(err, "download link")
	}
	l.ActorKind, l.ExpiresAt = steward.ActorKind(kind), fromMicros(expires)
	return l, nil
}

// joinKeys stores a list of keys or ids (which hold no spaces) as one
// column.
func joinKeys(keys []string) string { return strings.Join(keys, " ") }

// splitKeys reads back a joinKeys column.
func splitKeys(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Fields(s)
}
