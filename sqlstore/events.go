package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/steward-privacy/steward"
)

var _ steward.EventStore = (*DB)(nil)

// execer is a transaction or a pool: what insertEvents writes through.
type execer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// insertEvents writes events through tx (or a pool) and sets their Seq.
// Stores that change state and emit an event call it inside the state
// change's transaction, so neither is ever stored without the other.
func insertEvents(ctx context.Context, tx execer, events []*steward.Event) error {
	for _, e := range events {
		if err := tx.QueryRowContext(ctx, `INSERT INTO events (id, tenant_id, type, at, data) VALUES ($1, $2, $3, $4, $5) RETURNING seq`,
			e.ID, e.TenantID, e.Type, micros(e.Timestamp), string(e.Data)).Scan(&e.Seq); err != nil {
			return err
		}
	}
	return nil
}

// AppendEvents stores events in one transaction and sets their Seq.
func (db *DB) AppendEvents(ctx context.Context, events ...*steward.Event) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return db.translate(err, "")
	}
	defer tx.Rollback()
	if err := insertEvents(ctx, tx, events); err != nil {
		return db.translate(err, "")
	}
	return db.translate(tx.Commit(), "")
}

// Events returns up to limit events of a tenant after a cursor, oldest first.
func (db *DB) Events(ctx context.Context, tenantID string, after int64, limit int) ([]*steward.Event, error) {
	return collect(ctx, db, db.r, func(rows rowScanner) (*steward.Event, error) {
		e := &steward.Event{TenantID: tenantID}
		var at int64
		var data string
		if err := rows.Scan(&e.Seq, &e.ID, &e.Type, &at, &data); err != nil {
			return nil, err
		}
		e.Timestamp, e.Data = fromMicros(at), json.RawMessage(data)
		return e, nil
	}, `SELECT seq, id, type, at, data FROM events WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, tenantID, after, limit)
}
