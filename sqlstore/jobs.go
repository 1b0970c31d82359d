package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
)

var (
	_ steward.JobStore        = (*DB)(nil)
	_ steward.RequestLogStore = (*DB)(nil)
)

// AcquireJob takes or renews a job's lease with one conditional UPDATE, so
// two replicas can never both hold it (no session advisory locks).
func (db *DB) AcquireJob(ctx context.Context, name, holder string, now, until time.Time) (bool, *steward.JobState, error) {
	if _, err := db.w.execKeep(ctx, `INSERT INTO jobs (name, kind, tenant_id, every_us, next_run, holder, lease_until, last_holder,
		last_error, failures, runs, created_at) VALUES ($1, 'periodic', '', 0, 0, '', 0, '', '', 0, 0, $2)
		ON CONFLICT (name) DO NOTHING`, name, micros(now)); err != nil {
		return false, nil, db.translate(err, "")
	}
	res, err := db.w.execKeep(ctx, `UPDATE jobs SET holder = $1, lease_until = $2 WHERE name = $3 AND (holder = $1 OR lease_until < $4)`,
		holder, micros(until), name, micros(now))
	if err != nil {
		return false, nil, db.translate(err, "")
	}
	n, _ := res.RowsAffected()
	st, err := db.job(ctx, name)
	return n == 1, st, err
}

// FinishJob records a run if holder still holds the lease.
func (db *DB) FinishJob(ctx context.Context, name, holder string, ran time.Time, errText string, next time.Time) error {
	q := `UPDATE jobs SET last_end = $1, next_run = $2, last_error = $3, runs = runs + 1, failures = 0, last_holder = holder
		WHERE name = $4 AND holder = $5`
	if errText != "" {
		q = strings.Replace(q, "failures = 0", "failures = failures + 1", 1)
	}
	_, err := db.w.execKeep(ctx, q, micros(ran), micros(next), errText, name, holder)
	return db.translate(err, "")
}

// ReleaseJob gives up a lease held by holder.
func (db *DB) ReleaseJob(ctx context.Context, name, holder string) error {
	_, err := db.w.execKeep(ctx, `UPDATE jobs SET holder = '', lease_until = 0 WHERE name = $1 AND holder = $2`, name, holder)
	return db.translate(err, "")
}

const jobColumns = `name, holder, lease_until, next_run, last_end, last_error, failures, runs`

func (db *DB) job(ctx context.Context, name string) (*steward.JobState, error) {
	st, err := scanJob(db.w.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE name = $1`, name))
	return st, db.translate(err, "")
}

// Jobs lists every job's state.
func (db *DB) Jobs(ctx context.Context) ([]*steward.JobState, error) {
	return collect(ctx, db, db.r, scanJob, `SELECT `+jobColumns+` FROM jobs ORDER BY name`)
}

func scanJob(row rowScanner) (*steward.JobState, error) {
	st := &steward.JobState{}
	var lease, next int64
	var last sql.NullInt64
	if err := row.Scan(&st.Name, &st.Holder, &lease, &next, &last, &st.LastError, &st.Failures, &st.Runs); err != nil {
		return nil, err
	}
	st.LeaseUntil, st.NextRun, st.LastRun = fromMicros(lease), fromMicros(next), timePtr(last)
	return st, nil
}

// requestLogColumns is the number of stored fields of a request log entry.
const requestLogColumns = 10

// insertRequestsSQL caches the multi-row INSERT texts of AppendRequests: one
// statement per chunk costs a fraction of one statement per entry.
var insertRequestsSQL = newValuesCache(`INSERT INTO request_log (at, method, route, status, latency_us, req_bytes, resp_bytes,
	client_ip, ua_family, api_key_id) VALUES `, requestLogColumns, 256)

// AppendRequests stores request log entries in one transaction.
func (db *DB) AppendRequests(ctx context.Context, entries []steward.RequestLogEntry) error {
	if len(entries) == 0 {
		return nil
	}
	args := argsPool.Get().(*[]any)
	defer func() { clear(*args); argsPool.Put(args) }()
	*args = (*args)[:0]
	for i := range entries {
		e := &entries[i]
		*args = append(*args, micros(e.At), e.Method, e.Route, e.Status, e.Latency.Microseconds(), e.ReqBytes,
			e.RespBytes, e.ClientIP, e.UAFamily, e.APIKeyID)
	}
	return db.txKeep(ctx, func(tx *sql.Tx) error { // the request log only
		return db.translate(insertRequestsSQL.exec(ctx, db, tx, *args), "")
	})
}

// PurgeRequests deletes entries older than before.
func (db *DB) PurgeRequests(ctx context.Context, before time.Time) (int, error) {
	res, err := db.w.execKeep(ctx, `DELETE FROM request_log WHERE at < $1`, micros(before))
	if err != nil {
		return 0, db.translate(err, "")
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// RequestLog returns the entries newest first (for tests and the console).
func (db *DB) RequestLog(ctx context.Context, limit int) ([]steward.RequestLogEntry, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT at, method, route, status, latency_us, req_bytes, resp_bytes, client_ip, ua_family, api_key_id
		FROM request_log ORDER BY at DESC LIMIT $1`, limit)
	if err != nil {
		return nil, db.translate(err, "")
	}
	defer rows.Close()
	var out []steward.RequestLogEntry
	for rows.Next() {
		var e steward.RequestLogEntry
		var at, lat int64
		if err := rows.Scan(&at, &e.Method, &e.Route, &e.Status, &lat, &e.ReqBytes, &e.RespBytes, &e.ClientIP, &e.UAFamily, &e.APIKeyID); err != nil {
			return nil, db.translate(err, "")
		}
		e.At, e.Latency = fromMicros(at), time.Duration(lat)*time.Microsecond
		out = append(out, e)
	}
	return out, db.translate(rows.Err(), "")
}
