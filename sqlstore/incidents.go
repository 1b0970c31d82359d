package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
)

var _ steward.IncidentStore = (*DB)(nil)

const incidentColumns = `id, tenant_id, status, risk, aware_at, detected_at, deadline, window_from, window_to, actors, categories,
	summary, consequences, measures, delay_reasons, reasoning, subjects, records, counts, created_by, created_at, updated_at,
	regulator_notified_at, subjects_notified_at, closed_at, overdue_at, notify_requested_at`

func scanIncident(row rowScanner) (*steward.Incident, error) {
	inc := &steward.Incident{}
	var aware, deadline, created, updated int64
	var detected, from, to, regulator, subjects, closed, overdue, notify sql.NullInt64
	var actors, cats, counts string
	if err := row.Scan(&inc.ID, &inc.TenantID, &inc.Status, &inc.Risk, &aware, &detected, &deadline, &from, &to, &actors, &cats,
		&inc.Summary, &inc.Consequences, &inc.Measures, &inc.DelayReasons, &inc.Reasoning, &inc.Subjects, &inc.Records, &counts,
		&inc.CreatedBy, &created, &updated, &regulator, &subjects, &closed, &overdue, &notify); err != nil {
		return nil, err
	}
	inc.AwareAt, inc.Deadline, inc.CreatedAt, inc.UpdatedAt = fromMicros(aware), fromMicros(deadline), fromMicros(created), fromMicros(updated)
	inc.DetectedAt, inc.WindowFrom, inc.WindowTo = timePtr(detected), timePtr(from), timePtr(to)
	inc.RegulatorNotifiedAt, inc.SubjectsNotifiedAt, inc.ClosedAt = timePtr(regulator), timePtr(subjects), timePtr(closed)
	inc.OverdueAt, inc.NotifyRequestedAt = timePtr(overdue), timePtr(notify)
	inc.Actors, inc.Categories = strings.Fields(actors), strings.Fields(cats)
	if err := json.Unmarshal([]byte(counts), &inc.Counts); err != nil {
		return nil, err
	}
	return inc, nil
}

// incidentArgs are inc's column values in incidentColumns order.
func incidentArgs(inc *steward.Incident) []any {
	counts, _ := json.Marshal(inc.Counts)
	if inc.Counts == nil {
		counts = []byte("[]")
	}
	return []any{inc.ID, inc.TenantID, inc.Status, inc.Risk, micros(inc.AwareAt), nullMicros(inc.DetectedAt), micros(inc.Deadline),
		nullMicros(inc.WindowFrom), nullMicros(inc.WindowTo), strings.Join(inc.Actors, " "), strings.Join(inc.Categories, " "),
		inc.Summary, inc.Consequences, inc.Measures, inc.DelayReasons, inc.Reasoning, inc.Subjects, inc.Records, string(counts),
		inc.CreatedBy, micros(inc.CreatedAt), micros(inc.UpdatedAt), nullMicros(inc.RegulatorNotifiedAt),
		nullMicros(inc.SubjectsNotifiedAt), nullMicros(inc.ClosedAt), nullMicros(inc.OverdueAt), nullMicros(inc.NotifyRequestedAt)}
}

// placeholders returns "$from, $from+1, ..." for n values.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(from+i))
	}
	return b.String()
}

// subjectBatch is how many affected subjects one INSERT stores.
const subjectBatch = 500

// CreateIncident stores an incident, its affected subjects (ids) and the
// events in one transaction.
func (db *DB) CreateIncident(ctx context.Context, inc *steward.Incident, subjects []string, events ...*steward.Event) error {
	return db.txKeep(ctx, func(tx *sql.Tx) error { // the register only
		args := incidentArgs(inc)
		if _, err := tx.ExecContext(ctx, `INSERT INTO incidents (`+incidentColumns+`) VALUES (`+placeholders(1, len(args))+`)`,
			args...); err != nil {
			return db.translate(err, "this incident exists already")
		}
		for len(subjects) > 0 {
			n := min(len(subjects), subjectBatch)
			var q strings.Builder
			q.WriteString(`INSERT INTO incident_subjects (incident_id, subject_id, tenant_id, result) VALUES `)
			vals := make([]any, 0, 3*n)
			for i, s := range subjects[:n] {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(" + placeholders(3*i+1, 3) + ", '')")
				vals = append(vals, inc.ID, s, inc.TenantID)
			}
			if _, err := tx.ExecContext(ctx, q.String(), vals...); err != nil {
				return db.translate(err, "a subject is listed twice")
			}
			subjects = subjects[n:]
		}
		return db.translate(insertEvents(ctx, tx, events), "")
	})
}

// Incident returns one incident of the tenant.
func (db *DB) Incident(ctx context.Context, tenantID, id string) (*steward.Incident, error) {
	inc, err := scanIncident(db.r.QueryRowContext(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE tenant_id = $1 AND id = $2`,
		tenantID, id))
	if err == sql.ErrNoRows {
		return nil, notFound("incident")
	}
	return inc, db.translate(err, "")
}

// Incidents lists the tenant's incidents, newest first; status "" for all.
func (db *DB) Incidents(ctx context.Context, tenantID, status string, limit int) ([]*steward.Incident, error) {
	return collect(ctx, db, db.r, scanIncident, `SELECT `+incidentColumns+` FROM incidents WHERE tenant_id = $1
		AND ($2 = '' OR status = $2) ORDER BY created_at DESC, id DESC LIMIT $3`, tenantID, status, limit)
}

// UpdateIncident stores every mutable field of inc if its status is still
// from, with the events, in one transaction; ECONFLICT when the status
// changed meanwhile, ENOTFOUND for an unknown incident.
func (db *DB) UpdateIncident(ctx context.Context, inc *steward.Incident, from string, events ...*steward.Event) error {
	return db.txKeep(ctx, func(tx *sql.Tx) error { // the register only
		res, err := tx.ExecContext(ctx, `UPDATE incidents SET status = $1, delay_reasons = $2, reasoning = $3, updated_at = $4,
			regulator_notified_at = $5, subjects_notified_at = $6, closed_at = $7, notify_requested_at = $8
			WHERE tenant_id = $9 AND id = $10 AND status = $11`,
			inc.Status, inc.DelayReasons, inc.Reasoning, micros(inc.UpdatedAt), nullMicros(inc.RegulatorNotifiedAt),
			nullMicros(inc.SubjectsNotifiedAt), nullMicros(inc.ClosedAt), nullMicros(inc.NotifyRequestedAt),
			inc.TenantID, inc.ID, from)
		if err != nil {
			return db.translate(err, "")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var one int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM incidents WHERE tenant_id = $1 AND id = $2`, inc.TenantID, inc.ID).
				Scan(&one); err == sql.ErrNoRows {
				return notFound("incident")
			}
			return steward.Errorf(steward.ECONFLICT, "the incident's status changed meanwhile; read it again")
		}
		return db.translate(insertEvents(ctx, tx, events), "")
	})
}

func scanIncidentSubject(row rowScanner) (*steward.IncidentSubject, error) {
	s := &steward.IncidentSubject{}
	var at sql.NullInt64
	err := row.Scan(&s.SubjectID, &s.Result, &at)
	s.NotifiedAt = timePtr(at)
	return s, err
}

// IncidentSubjects pages an incident's affected subjects by id.
func (db *DB) IncidentSubjects(ctx context.Context, tenantID, id, after string, limit int) ([]*steward.IncidentSubject, error) {
	return collect(ctx, db, db.r, scanIncidentSubject, `SELECT subject_id, result, notified_at FROM incident_subjects
		WHERE incident_id = $1 AND tenant_id = $2 AND subject_id > $3 ORDER BY subject_id LIMIT $4`, id, tenantID, after, limit)
}

// NoticeProgress counts an incident's subjects by notice result.
func (db *DB) NoticeProgress(ctx context.Context, tenantID, id string) (steward.NoticeProgress, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT result, COUNT(*) FROM incident_subjects WHERE incident_id = $1 AND tenant_id = $2
		GROUP BY result`, id, tenantID)
	if err != nil {
		return steward.NoticeProgress{}, db.translate(err, "")
	}
	return countNotices(db, rows)
}

// countNotices sums rows of (result, count) into a progress, and closes
// them.
func countNotices(db *DB, rows *sql.Rows) (steward.NoticeProgress, error) {
	var p steward.NoticeProgress
	defer rows.Close()
	for rows.Next() {
		var result string
		var n int
		if err := rows.Scan(&result, &n); err != nil {
			return p, db.translate(err, "")
		}
		p.Total += n
		switch result {
		case steward.NoticePending:
			p.Pending = n
		case steward.NoticeSent:
			p.Sent = n
		case steward.NoticeNoEmail:
			p.NoEmail = n
		case steward.NoticeErased:
			p.Erased = n
		case steward.NoticeFailed:
			p.Failed = n
		}
	}
	return p, db.translate(rows.Err(), "")
}

// PendingNotices returns up to limit subjects of the incident not yet
// notified, by id.
func (db *DB) PendingNotices(ctx context.Context, tenantID, id string, limit int) ([]string, error) {
	return collect(ctx, db, db.r, scanString, `SELECT subject_id FROM incident_subjects WHERE incident_id = $1 AND tenant_id = $2
		AND result = '' ORDER BY subject_id LIMIT $3`, id, tenantID, limit)
}

// RecordNotices stores the results of notices (only for subjects still
// pending: a replica that lost its lease cannot overwrite a result).
func (db *DB) RecordNotices(ctx context.Context, tenantID, id string, done []*steward.IncidentSubject) error {
	return db.txKeep(ctx, func(tx *sql.Tx) error { // the register only
		for _, d := range done {
			if _, err := tx.ExecContext(ctx, `UPDATE incident_subjects SET result = $1, notified_at = $2 WHERE incident_id = $3
				AND tenant_id = $4 AND subject_id = $5 AND result = ''`, d.Result, nullMicros(d.NotifiedAt), id, tenantID,
				d.SubjectID); err != nil {
				return db.translate(err, "")
			}
		}
		return nil
	})
}

// RetryNotices makes the incident's failed notices pending again.
func (db *DB) RetryNotices(ctx context.Context, tenantID, id string) error {
	_, err := db.w.ExecContext(ctx, `UPDATE incident_subjects SET result = '', notified_at = NULL WHERE incident_id = $1
		AND tenant_id = $2 AND result = $3`, id, tenantID, steward.NoticeFailed)
	return db.translate(err, "")
}

// NotifyingIncidents returns incidents of every tenant whose subject
// notices were requested and are not finished.
func (db *DB) NotifyingIncidents(ctx context.Context, limit int) ([]*steward.Incident, error) {
	return collect(ctx, db, db.r, scanIncident, `SELECT `+incidentColumns+` FROM incidents WHERE status = $1
		AND notify_requested_at IS NOT NULL ORDER BY notify_requested_at LIMIT $2`, steward.IncidentRegulatorNotified, limit)
}

// DueIncidents returns open incidents of every tenant whose deadline passed
// at now and that were not marked overdue yet, oldest deadline first.
func (db *DB) DueIncidents(ctx context.Context, now time.Time, limit int) ([]*steward.Incident, error) {
	return collect(ctx, db, db.r, scanIncident, `SELECT `+incidentColumns+` FROM incidents WHERE status = $1 AND deadline <= $2
		AND overdue_at IS NULL ORDER BY deadline LIMIT $3`, steward.IncidentOpen, micros(now), limit)
}

// MarkOverdue sets the incident's overdue mark and stores the events, once:
// false when it was marked already.
func (db *DB) MarkOverdue(ctx context.Context, inc *steward.Incident, at time.Time, events ...*steward.Event) (bool, error) {
	marked := false
	err := db.txKeep(ctx, func(tx *sql.Tx) error { // the register only
		res, err := tx.ExecContext(ctx, `UPDATE incidents SET overdue_at = $1 WHERE tenant_id = $2 AND id = $3 AND overdue_at IS NULL`,
			micros(at), inc.TenantID, inc.ID)
		if err != nil {
			return db.translate(err, "")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		marked = true
		return db.translate(insertEvents(ctx, tx, events), "")
	})
	return marked, err
}

// CountIncidents counts the incidents of every tenant that are not closed.
func (db *DB) CountIncidents(ctx context.Context) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM incidents WHERE status <> $1`, steward.IncidentClosed).Scan(&n)
	return n, db.translate(err, "")
}

// Holdings calls fn for each record and file of the tenant stored under
// one of the categories or a key below one (user.contact covers
// user.contact.email). Records are found through their category index.
func (db *DB) Holdings(ctx context.Context, tenantID string, categories []string, fn func(steward.CategoryHolding) error) error {
	for _, sel := range []string{`SELECT subject_id, category, '' FROM records`, `SELECT subject_id, category, id FROM files`} {
		for _, cat := range categories {
			// Keys below cat lie in [cat + ".", cat + "/"): '/' follows '.'.
			rows, err := db.r.QueryContext(ctx, sel+` WHERE tenant_id = $1
				AND (category = $2 OR (category >= $3 AND category < $4))`, tenantID, cat, cat+".", cat+"/")
			if err != nil {
				return db.translate(err, "")
			}
			for rows.Next() {
				var h steward.CategoryHolding
				if err := rows.Scan(&h.SubjectID, &h.Category, &h.FileID); err != nil {
					rows.Close()
					return db.translate(err, "")
				}
				if err := fn(h); err != nil {
					rows.Close()
					return err
				}
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return db.translate(err, "")
			}
		}
	}
	return nil
}
