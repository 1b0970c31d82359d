package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strconv"
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

// ledgerMergeRows is how many recent rows (of disclosures_recent, or of a
// tenant in the memory tier) gather before they move into
// disclosure_blocks. A projected row costs one append; the move
// writes one block per subject, so a subject's index entry covers all its
// disclosures of the period instead of one entry (a random index page)
// per disclosure. A listing scans at most about this many recent rows.
var ledgerMergeRows int64 = 8192

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
// disclosure_blocks (a rolled-back transaction leaves the row-count hint
// high or low, which only moves the next merge). A server that keeps the
// recent tier in memory (LedgerInMemory) projects with projectInMemory
// instead.
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

// ledgerLine is a ledger row of disclosures_recent as one line of a block:
// its columns joined by tabs, in parseLedgerLine's order. Rows projected
// from audit events hold ids and codes only (an event holds tokens), so no
// column holds a tab or a newline.
const ledgerLine = "id || '\t' || processor || '\t' || purpose || '\t' || categories || '\t' || files || '\t' || " +
	"CAST(text AS TEXT) || '\t' || policy_version || '\t' || retention || '\t' || obligations || '\t' || CAST(at AS TEXT)"

// ledgerLineFields is the number of columns in a ledgerLine.
const ledgerLineFields = 10

// mergeLedger moves every row of disclosures_recent into
// disclosure_blocks: one block per subject, its rows as lines in their
// order of projection. A subject disclosed many times between two moves
// costs one index entry, not one per disclosure.
func (db *DB) mergeLedger(ctx context.Context, tx *sql.Tx) error {
	insert, agg := "INSERT INTO", "string_agg"
	if db.dialect.Name() == "sqlite" {
		insert = "INSERT OR FAIL INTO" // no statement journal: see newAllOrNothingValuesCache
		agg = "group_concat"
	}
	if _, err := tx.ExecContext(ctx, insert+` disclosure_blocks (tenant_id, subject_id, first_at, last_at, ledger)
		SELECT tenant_id, subject_id, min(at), max(at), `+agg+`(`+ledgerLine+", '\n' ORDER BY seq)"+`
		FROM disclosures_recent GROUP BY tenant_id, subject_id ORDER BY tenant_id, subject_id`); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM disclosures_recent`)
	return err
}

// parseLedgerLine reads back one line of a block.
func parseLedgerLine(tenantID, subjectID, line string) (*steward.Disclosure, error) {
	f := strings.Split(line, "\t")
	if len(f) != ledgerLineFields {
		return nil, steward.Errorf(steward.EINTERNAL, "sqlstore: a disclosure ledger block is damaged")
	}
	text, err1 := strconv.ParseInt(f[5], 10, 64)
	at, err2 := strconv.ParseInt(f[9], 10, 64)
	if err1 != nil || err2 != nil {
		return nil, steward.Errorf(steward.EINTERNAL, "sqlstore: a disclosure ledger block is damaged")
	}
	return &steward.Disclosure{ID: f[0], TenantID: tenantID, SubjectID: subjectID, Processor: f[1], Purpose: f[2],
		Categories: splitKeys(f[3]), Files: splitKeys(f[4]), Text: text != 0, PolicyVersion: f[6], Retention: f[7],
		Obligations: splitKeys(f[8]), At: fromMicros(at)}, nil
}

// Ledger tiers, in the order a listing breaks ties in time: the newest
// rows are recent (in memory, in disclosures_recent, or in the events
// after a tenant's mark), older ones in blocks, and rows written with
// their links (or before blocks existed) in disclosures.
const (
	tierRows = iota
	tierBlocks
	tierRecent
)

// listed is a ledger row and its place in its tier.
type listed struct {
	d     *steward.Disclosure
	tier  int
	order int64 // the row's or the block's seq
	line  int   // the line in a block
}

// newestFirst orders listed rows newest first.
func newestFirst(a, b listed) int {
	return cmp.Or(b.d.At.Compare(a.d.At), cmp.Compare(b.tier, a.tier), cmp.Compare(b.order, a.order), cmp.Compare(b.line, a.line))
}

// Disclosures returns a subject's disclosures, newest first, from every
// tier of the ledger.
func (db *DB) Disclosures(ctx context.Context, tenantID, subjectID string, limit int) ([]*steward.Disclosure, error) {
	out, err := collect(ctx, db, db.r, func(r rowScanner) (listed, error) {
		l := listed{d: &steward.Disclosure{TenantID: tenantID, SubjectID: subjectID}}
		d := l.d
		var cats, files, obligations string
		var text, at int64
		if err := r.Scan(&d.ID, &d.Processor, &d.Purpose, &cats, &files, &text, &d.PolicyVersion, &d.Retention,
			&obligations, &at, &l.tier, &l.order); err != nil {
			return l, err
		}
		d.Categories, d.Files, d.Obligations = splitKeys(cats), splitKeys(files), splitKeys(obligations)
		d.Text, d.At = text != 0, fromMicros(at)
		return l, nil
	}, `SELECT id, processor, purpose, categories, files, text, policy_version, retention, obligations, at, tier, seq FROM (
			SELECT id, processor, purpose, categories, files, text, policy_version, retention, obligations, at, `+strconv.Itoa(tierRows)+` AS tier, seq
			FROM disclosures WHERE tenant_id = $1 AND subject_id = $2
			UNION ALL
			SELECT id, processor, purpose, categories, files, text, policy_version, retention, obligations, at, `+strconv.Itoa(tierRecent)+` AS tier, seq
			FROM disclosures_recent WHERE tenant_id = $1 AND subject_id = $2) AS ledger
		ORDER BY at DESC, tier DESC, seq DESC LIMIT $3`, tenantID, subjectID, limit)
	if err != nil {
		return nil, err
	}
	memory := db.ledger.Load()
	if memory != nil {
		recent, err := memory.recent(tenantID, subjectID)
		if err != nil {
			return nil, err
		}
		out = append(out, recent...)
	}
	found := make(map[string]bool, len(out)) // every row read, before any is cut at the limit
	for _, l := range out {
		found[l.d.ID] = true
	}
	if out, err = db.blockDisclosures(ctx, tenantID, subjectID, limit, out, found); err != nil {
		return nil, err
	}
	if memory == nil && db.dialect.Name() == "sqlite" {
		if out, err = db.unmovedDisclosures(ctx, tenantID, subjectID, out, found); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, newestFirst)
	page := make([]*steward.Disclosure, 0, min(len(out), limit))
	for _, l := range out[:min(len(out), limit)] {
		page = append(page, l.d)
	}
	return page, nil
}

// unmovedDisclosures adds to out, in a process without the memory tier on
// SQLite (a CLI command beside the server), the subject's rows carried by
// the events after the tenant's mark, which the server holds in memory.
// Rows already found are skipped: they were projected into a table by a
// process without the tier, or moved into a block since. A block not read
// holds only rows older than out's newest limit, so a row of it taken here
// again falls past the limit.
func (db *DB) unmovedDisclosures(ctx context.Context, tenantID, subjectID string, out []listed, found map[string]bool) ([]listed, error) {
	rows, err := afterMark(ctx, db, db.r, tenantID, subjectID)
	if err != nil {
		return nil, db.translate(err, "")
	}
	// The recent table's rows past the limit were not read above.
	projected, err := collect(ctx, db, db.r, scanString, `SELECT id FROM disclosures_recent WHERE tenant_id = $1 AND subject_id = $2`,
		tenantID, subjectID)
	if err != nil {
		return nil, err
	}
	for _, id := range projected {
		found[id] = true
	}
	for _, r := range rows {
		if !found[r.id()] {
			l, err := r.listed(tenantID)
			if err != nil {
				return nil, err
			}
			out = append(out, l)
		}
	}
	return out, nil
}

// blockDisclosures adds to out the subject's rows kept in blocks, newest
// block first, reading blocks only while they can hold one of the newest
// limit rows. A row already found is not added again (the recent rows
// read first may have moved into a block since); the rows read are added
// to found.
func (db *DB) blockDisclosures(ctx context.Context, tenantID, subjectID string, limit int, out []listed,
	found map[string]bool) ([]listed, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT seq, last_at, ledger FROM disclosure_blocks
		WHERE tenant_id = $1 AND subject_id = $2 ORDER BY last_at DESC, seq DESC`, tenantID, subjectID)
	if err != nil {
		return nil, db.translate(err, "")
	}
	defer rows.Close()
	for rows.Next() {
		var seq, last int64
		var ledger string
		if err := rows.Scan(&seq, &last, &ledger); err != nil {
			return nil, db.translate(err, "")
		}
		if len(out) >= limit {
			// Every row of this block and the older ones is older than
			// the limit-th newest row found so far: done.
			slices.SortFunc(out, newestFirst)
			out = out[:limit]
			if fromMicros(last).Before(out[limit-1].d.At) {
				break
			}
		}
		for i, line := range strings.Split(ledger, "\n") {
			d, err := parseLedgerLine(tenantID, subjectID, line)
			if err != nil {
				return nil, err
			}
			if found[d.ID] {
				continue
			}
			found[d.ID] = true
			out = append(out, listed{d: d, tier: tierBlocks, order: seq, line: i})
		}
	}
	return out, db.translate(rows.Err(), "")
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
