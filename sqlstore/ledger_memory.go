package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/steward-privacy/steward"
)

// The ledger's recent tier in memory (LedgerInMemory, one server on
// SQLite).
//
// A disclosure's ledger row travels in its audit event (see
// steward.DisclosureFromAudit), so the audit log already holds it durably.
// Appending it to disclosures_recent as well cost a database row per
// disclosure (about 6 µs) and moving those rows into blocks as much again:
// a tenth of a disclosure's cost. In memory, the recent rows are a slice
// per tenant; every ledgerMergeRows rows (or ledgerMaxGap events, or
// ledgerMemoryRows rows in all) they move into disclosure_blocks straight
// from memory, and the tenant's mark in ledger_marks records the audit
// sequence number up to which its rows are in blocks. At start the rows
// after each mark are read back from the audit events, so a crash loses
// nothing: what was in memory is exactly the disclosure events after the
// mark.

// Bounds of the memory tier (variables for the tests).
var (
	// ledgerMaxGap bounds how many audit events of a tenant may follow
	// its mark: past it the tenant's rows move (however few) and the mark
	// advances, so a start reads at most this many events per tenant.
	ledgerMaxGap int64 = 1 << 18
	// ledgerMemoryRows bounds the rows held in memory for all tenants:
	// past it every tenant's rows move.
	ledgerMemoryRows = 1 << 16
)

// ledgerMemory is the recent tier of the ledger on a server that is the
// database's only audit writer.
type ledgerMemory struct {
	// writing is held by the one transaction at a time that may change
	// the tier (it reads the tier in the transaction and changes it at
	// commit).
	writing sync.Mutex
	mu      sync.RWMutex // guards tenants and rows
	tenants map[string]*memTenant
	rows    int
}

// memTenant is a tenant's recent rows and its mark.
type memTenant struct {
	mark int64    // every ledger row of an event up to this seq is in a block
	rows []memRow // the rows after it, in seq order
}

// memRow is a recent ledger row, kept as its line of a block (three
// strings, not a Disclosure's dozen objects: the garbage collector marks
// every held row in each cycle), with the seq of the event that carries it.
type memRow struct {
	seq     int64
	at      int64 // unix microseconds
	subject string
	line    string // see writeLedgerLine
}

// newMemRow keeps a ledger row as a memRow.
func newMemRow(seq int64, d *steward.Disclosure) memRow {
	var b strings.Builder
	b.Grow(160) // a typical line: one allocation
	writeLedgerLine(&b, d)
	return memRow{seq: seq, at: micros(d.At), subject: d.SubjectID, line: b.String()}
}

// id returns the row's disclosure id (its line's first field).
func (r memRow) id() string {
	id, _, _ := strings.Cut(r.line, "\t")
	return id
}

// listed reads the row back for a listing.
func (r memRow) listed(tenantID string) (listed, error) {
	d, err := parseLedgerLine(tenantID, r.subject, r.line)
	return listed{d: d, tier: tierRecent, order: r.seq}, err
}

// ledgerChange is what one transaction does to the memory tier, applied
// when it commits.
type ledgerChange struct {
	added map[string][]memRow
	moved map[string]int64 // tenant → its new mark: its rows so far are in blocks
}

// insertBlocks inserts ledger blocks built in memory.
var insertBlocks = newAllOrNothingValuesCache(`INSERT INTO disclosure_blocks (tenant_id, subject_id, first_at, last_at, ledger) VALUES `, 5, 64)

// LedgerInMemory keeps the ledger's recent rows in memory instead of the
// disclosures_recent table, reading back the rows that follow each
// tenant's mark from the audit events. Call it only where this process is
// the database's only writer of audit events that carry ledger rows (one
// steward serve on SQLite, once its audit journal is open); never with
// PostgreSQL replicas.
//
// Rows another process (or this one before the call) projected into
// disclosures_recent are in memory now when their events follow the mark,
// and leave the table; the others (projected before the mark existed) move
// into blocks. Either way each row is kept once.
func (db *DB) LedgerInMemory(ctx context.Context) error {
	m := &ledgerMemory{tenants: map[string]*memTenant{}}
	err := db.txKeep(ctx, func(tx *sql.Tx) error {
		clear(m.tenants)
		m.rows = 0
		type start struct {
			tenant string
			mark   int64
		}
		starts, err := collect(ctx, db, tx, func(r rowScanner) (start, error) {
			var s start
			return s, r.Scan(&s.tenant, &s.mark)
		}, `SELECT h.tenant_id, COALESCE(m.seq, 0) FROM audit_heads h LEFT JOIN ledger_marks m ON m.tenant_id = h.tenant_id`)
		if err != nil {
			return err
		}
		inMemory := map[string]bool{}
		for _, s := range starts {
			rows, err := afterMark(ctx, db, tx, s.tenant, "")
			if err != nil {
				return err
			}
			m.tenants[s.tenant] = &memTenant{mark: s.mark, rows: rows}
			m.rows += len(rows)
			for _, r := range rows {
				inMemory[r.id()] = true
			}
		}
		projected, err := collect(ctx, db, tx, scanString, `SELECT id FROM disclosures_recent`)
		if err != nil || len(projected) == 0 {
			return err
		}
		for _, id := range projected {
			if inMemory[id] {
				if _, err := tx.ExecContext(ctx, `DELETE FROM disclosures_recent WHERE id = $1`, id); err != nil {
					return err
				}
			}
		}
		return db.mergeLedger(ctx, tx)
	})
	if err != nil {
		return db.translate(err, "")
	}
	db.ledger.Store(m)
	return nil
}

// queryer runs a query in a transaction or a pool.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// afterMark returns the ledger rows carried by a tenant's events after its
// mark (of one subject, or of all when subjectID is ""), in seq order:
// the memory tier as a start reads it back, and what a process without
// the tier (a CLI command beside the server) lists in its place. The
// events after a mark are at most about ledgerMaxGap.
func afterMark(ctx context.Context, db *DB, q queryer, tenantID, subjectID string) ([]memRow, error) {
	query := auditSelect + ` WHERE tenant_id = $1 AND action = $2
		AND seq > (SELECT COALESCE(MAX(seq), 0) FROM ledger_marks WHERE tenant_id = $1)`
	args := []any{tenantID, steward.ActionDisclose}
	if subjectID != "" {
		query += ` AND subject_id = $3`
		args = append(args, subjectID)
	}
	var scratch auditScratch
	events, err := collect(ctx, db, q, func(r rowScanner) (*steward.AuditEvent, error) {
		e := &steward.AuditEvent{}
		return e, scanAuditEvent(r, e, &scratch)
	}, query+` ORDER BY seq`, args...)
	if err != nil {
		return nil, err
	}
	var out []memRow
	for _, e := range events {
		if d, ok := steward.DisclosureFromAudit(e); ok {
			out = append(out, newMemRow(e.Seq, d))
		}
	}
	return out, nil
}

// begin starts a transaction's change; the caller must call end.
func (m *ledgerMemory) begin() *ledgerChange {
	m.writing.Lock()
	return &ledgerChange{added: map[string][]memRow{}, moved: map[string]int64{}}
}

// end applies the change if its transaction committed, and lets the next
// transaction begin.
func (m *ledgerMemory) end(c *ledgerChange, committed bool) {
	defer m.writing.Unlock()
	if !committed {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for tenant, mark := range c.moved {
		t := m.tenant(tenant)
		m.rows -= len(t.rows)
		t.rows, t.mark = nil, mark
	}
	for tenant, rows := range c.added {
		t := m.tenant(tenant)
		t.rows = append(t.rows, rows...)
		m.rows += len(rows)
	}
}

// tenant returns a tenant's tier, creating it (a tenant whose first event
// this server chained has mark 0). Call with mu held for writing, or with
// writing held.
func (m *ledgerMemory) tenant(id string) *memTenant {
	t := m.tenants[id]
	if t == nil {
		t = &memTenant{}
		m.tenants[id] = t
	}
	return t
}

// projectInMemory records in c the ledger rows a tenant's newly chained events
// carry (last is the last of them) and moves rows into blocks in tx when a
// bound is reached. Only the transaction holding writing calls it, so the
// tier it reads does not change under it.
func (db *DB) projectInMemory(ctx context.Context, tx *sql.Tx, c *ledgerChange, group []*steward.AuditEvent) error {
	m := db.ledger.Load()
	tenant := group[0].TenantID
	var d steward.Disclosure // reused: newMemRow keeps none of its lists
	for _, e := range group {
		if d.SetFromAudit(e) {
			c.added[tenant] = append(c.added[tenant], newMemRow(e.Seq, &d))
		}
	}
	last := group[len(group)-1].Seq
	m.mu.RLock()
	t := m.tenants[tenant]
	mark, held := int64(0), 0
	if t != nil {
		mark, held = t.mark, len(t.rows)
	}
	if moved, ok := c.moved[tenant]; ok {
		mark, held = moved, 0
	}
	total := m.rows // held and added, less what this transaction moved
	for id := range c.moved {
		if moved := m.tenants[id]; moved != nil {
			total -= len(moved.rows)
		}
	}
	m.mu.RUnlock()
	for _, rows := range c.added {
		total += len(rows)
	}
	pending := held + len(c.added[tenant])
	switch {
	case total >= ledgerMemoryRows:
		// Every tenant's rows move; the others' marks are their last rows.
		held := m.snapshot()
		for id := range c.added {
			if _, ok := held[id]; !ok {
				held[id] = nil
			}
		}
		for id, rows := range held {
			if id == tenant {
				continue
			}
			if err := db.moveRows(ctx, tx, c, id, rows, 0); err != nil {
				return err
			}
		}
		fallthrough
	case int64(pending) >= ledgerMergeRows || last-mark >= ledgerMaxGap:
		var rows []memRow
		if t != nil {
			rows = t.rows
		}
		return db.moveRows(ctx, tx, c, tenant, rows, last)
	}
	return nil
}

// snapshot returns every tenant's recent rows not yet moved.
func (m *ledgerMemory) snapshot() map[string][]memRow {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := map[string][]memRow{}
	for id, t := range m.tenants {
		if len(t.rows) > 0 {
			out[id] = t.rows
		}
	}
	return out
}

// moveRows writes a tenant's held rows and those c added into blocks, one
// per subject, and records its new mark: upto, or the seq of the last row
// moved when upto is 0.
func (db *DB) moveRows(ctx context.Context, tx *sql.Tx, c *ledgerChange, tenant string, held []memRow, upto int64) error {
	if _, moved := c.moved[tenant]; moved {
		held = nil // moved earlier in this transaction
	}
	rows := append(slices.Clip(held), c.added[tenant]...)
	if upto == 0 {
		if len(rows) == 0 {
			return nil
		}
		upto = rows[len(rows)-1].seq
	}
	bySubject := map[string][]memRow{}
	for _, r := range rows {
		bySubject[r.subject] = append(bySubject[r.subject], r)
	}
	subjects := make([]string, 0, len(bySubject))
	for s := range bySubject {
		subjects = append(subjects, s)
	}
	slices.Sort(subjects) // index order: neighbouring pages
	args := make([]any, 0, len(subjects)*insertBlocks.cols)
	var b strings.Builder
	for _, s := range subjects {
		b.Reset()
		first, lastAt := bySubject[s][0].at, int64(0)
		for i, r := range bySubject[s] {
			if i > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(r.line)
			first, lastAt = min(first, r.at), max(lastAt, r.at)
		}
		args = append(args, tenant, s, first, lastAt, b.String())
	}
	if err := insertBlocks.exec(ctx, db, tx, args); err != nil {
		return err
	}
	if _, err := db.w.txExec(ctx, tx, `INSERT INTO ledger_marks (tenant_id, seq) VALUES ($1, $2)
		ON CONFLICT (tenant_id) DO UPDATE SET seq = excluded.seq`, tenant, upto); err != nil {
		return err
	}
	c.moved[tenant] = upto
	delete(c.added, tenant)
	return nil
}

// writeLedgerLine writes a ledger row as a line of a block, as ledgerLine
// does in SQL, for parseLedgerLine.
func writeLedgerLine(b *strings.Builder, d *steward.Disclosure) {
	text := "0"
	if d.Text {
		text = "1"
	}
	field := func(keys ...string) { // keys joined by spaces, then a tab
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(k)
		}
		b.WriteByte('\t')
	}
	field(d.ID)
	field(d.Processor)
	field(d.Purpose)
	field(d.Categories...)
	field(d.Files...)
	field(text)
	field(d.PolicyVersion)
	field(d.Retention)
	field(d.Obligations...)
	var at [20]byte
	b.Write(strconv.AppendInt(at[:0], micros(d.At), 10))
}

// recent returns a subject's rows of the memory tier.
func (m *ledgerMemory) recent(tenantID, subjectID string) ([]listed, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []listed
	if t := m.tenants[tenantID]; t != nil {
		for _, r := range t.rows {
			if r.subject == subjectID {
				l, err := r.listed(tenantID)
				if err != nil {
					return nil, err
				}
				out = append(out, l)
			}
		}
	}
	return out, nil
}

// recentSubjects returns the subjects of a tenant's recent-tier rows made
// at or after since (unix microseconds), as recentDisclosures reads the
// tier.
func (db *DB) recentSubjects(ctx context.Context, tenantID string, since int64) ([]string, error) {
	var rows []memRow
	if m := db.ledger.Load(); m != nil {
		m.mu.RLock()
		if t := m.tenants[tenantID]; t != nil {
			rows = slices.Clone(t.rows)
		}
		m.mu.RUnlock()
	} else if db.dialect.Name() == "sqlite" {
		var err error
		if rows, err = afterMark(ctx, db, db.r, tenantID, ""); err != nil {
			return nil, db.translate(err, "")
		}
	}
	seen := map[string]bool{}
	var out []string
	for _, r := range rows {
		if r.at >= since && !seen[r.subject] {
			seen[r.subject] = true
			out = append(out, r.subject)
		}
	}
	return out, nil
}
