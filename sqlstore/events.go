package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"time"

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

// Events returns up to limit events of a tenant after a cursor (the Seq of
// the last event seen; 0 for the start), oldest first, never skipping one.
//
// On PostgreSQL a BIGSERIAL seq is taken at insert, not at commit, so a
// lower seq can commit after a higher one: paging by seq > after would skip
// it. Events are therefore read in (txid, seq) order, txid being the storing
// transaction's id, and only below the horizon: the oldest transaction still
// running. Every transaction below it has ended, and a later one always gets
// a larger txid, so what lies below the horizon is final and the order
// never inserts an event before a cursor already handed out. When events
// are held back by a transaction still running, Events waits for it up to
// settleWait and then returns what is final. On SQLite txid is 0 and the
// single writer makes seq order commit order.
func (db *DB) Events(ctx context.Context, tenantID string, after int64, limit int) ([]*steward.Event, error) {
	pos, err := db.eventPos(ctx, tenantID, after)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(settleWait)
	for {
		events, held, err := db.settledEvents(ctx, tenantID, pos, limit)
		if err != nil || held == 0 || len(events) == limit || time.Now().After(deadline) {
			return events, err
		}
		if err := db.awaitHorizon(ctx, held, deadline); err != nil {
			return events, nil // what is final is still right to return
		}
	}
}

// settleWait bounds how long Events waits for a transaction that holds
// events back.
const settleWait = 2 * time.Second

// eventPos is a place in a tenant's outbox order.
type eventPos struct{ tx, seq int64 }

// eventPos finds the place of the event with Seq after in the tenant's
// order (the start for 0); an unknown cursor is EINVALID naming "after".
func (db *DB) eventPos(ctx context.Context, tenantID string, after int64) (eventPos, error) {
	if after == 0 {
		return eventPos{}, nil
	}
	var tx int64
	err := sql.ErrNoRows
	if after > 0 {
		err = db.r.QueryRowContext(ctx, `SELECT txid FROM events WHERE tenant_id = $1 AND seq = $2`, tenantID, after).Scan(&tx)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return eventPos{}, steward.Invalid("after", "is not a cursor of this outbox")
	}
	return eventPos{tx, after}, db.translate(err, "")
}

// settledEvents returns up to limit events after pos that lie below the
// horizon, and the txid of the first event held back (0 if none).
func (db *DB) settledEvents(ctx context.Context, tenantID string, pos eventPos, limit int) ([]*steward.Event, int64, error) {
	horizon, err := db.eventHorizon(ctx)
	if err != nil {
		return nil, 0, err
	}
	rows, err := db.eventsAfter(ctx, tenantID, pos, limit)
	if err != nil {
		return nil, 0, err
	}
	// Rows come in txid order: everything from the first held one on waits.
	events := make([]*steward.Event, 0, len(rows))
	for _, r := range rows {
		if r.pos.tx >= horizon {
			return events, r.pos.tx, nil
		}
		events = append(events, r.Event)
	}
	return events, 0, nil
}

// eventRow is an event with its place in the order.
type eventRow struct {
	*steward.Event
	pos eventPos
}

// eventsAfter returns up to limit events of a tenant after pos in (txid,
// seq) order, whether or not they lie below the horizon.
func (db *DB) eventsAfter(ctx context.Context, tenantID string, pos eventPos, limit int) ([]eventRow, error) {
	return collect(ctx, db, db.r, func(rows rowScanner) (eventRow, error) {
		r := eventRow{Event: &steward.Event{TenantID: tenantID}}
		var at int64
		var data string
		if err := rows.Scan(&r.pos.seq, &r.pos.tx, &r.ID, &r.Type, &at, &data); err != nil {
			return r, err
		}
		r.Seq, r.Timestamp, r.Data = r.pos.seq, fromMicros(at), json.RawMessage(data)
		return r, nil
	}, `SELECT seq, txid, id, type, at, data FROM events WHERE tenant_id = $1 AND (txid, seq) > ($2, $3)
		ORDER BY txid, seq LIMIT $4`, tenantID, pos.tx, pos.seq, limit)
}

// eventHorizon returns the txid below which every transaction has ended:
// PostgreSQL's oldest running transaction id (the xmin of a fresh
// snapshot). On SQLite every committed event is final.
func (db *DB) eventHorizon(ctx context.Context) (int64, error) {
	if db.dialect.Name() != "postgres" {
		return math.MaxInt64, nil
	}
	var h int64
	err := db.r.QueryRowContext(ctx, `SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint`).Scan(&h)
	return h, db.translate(err, "")
}

// awaitHorizon waits until the horizon passes txid, the context ends or the
// deadline comes (an error for the last two).
func (db *DB) awaitHorizon(ctx context.Context, txid int64, deadline time.Time) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		h, err := db.eventHorizon(ctx)
		if err != nil {
			return err
		}
		if h > txid {
			return nil
		}
		if time.Now().After(deadline) {
			return context.DeadlineExceeded
		}
	}
}
