package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
)

var _ steward.WebhookStore = (*DB)(nil)

const webhookColumns = `id, tenant_id, url_index, url_sealed, secret_sealed, types, description, failures, failing_since,
	disabled_at, created_at, updated_at`

func scanWebhook(row rowScanner) (*steward.Webhook, error) {
	w := &steward.Webhook{}
	var types string
	var failing, disabled sql.NullInt64
	var created, updated int64
	if err := row.Scan(&w.ID, &w.TenantID, &w.URLIndex, &w.URLSealed, &w.SecretSealed, &types, &w.Description,
		&w.Failures, &failing, &disabled, &created, &updated); err != nil {
		return nil, err
	}
	w.Types = strings.Fields(types)
	w.FailingSince, w.DisabledAt = timePtr(failing), timePtr(disabled)
	w.CreatedAt, w.UpdatedAt = fromMicros(created), fromMicros(updated)
	return w, nil
}

// PutWebhook creates a webhook or, for a URL the tenant has subscribed
// already, replaces its types and description and enables it again.
func (db *DB) PutWebhook(ctx context.Context, w *steward.Webhook) (bool, error) {
	horizon, err := db.eventHorizon(ctx)
	if err != nil {
		return false, err
	}
	created := false
	err = db.txKeep(ctx, func(tx *sql.Tx) error { // webhooks only
		old, err := scanWebhook(tx.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE tenant_id = $1 AND url_index = $2`,
			w.TenantID, w.URLIndex))
		switch {
		case err == nil:
			_, err = tx.ExecContext(ctx, `UPDATE webhooks SET types = $1, description = $2, failures = 0, failing_since = NULL,
				disabled_at = NULL, updated_at = $3 WHERE id = $4`, strings.Join(w.Types, " "), w.Description, micros(w.UpdatedAt), old.ID)
			w.ID, w.URLSealed, w.SecretSealed, w.CreatedAt = old.ID, old.URLSealed, old.SecretSealed, old.CreatedAt
			w.Failures, w.FailingSince, w.DisabledAt = 0, nil, nil
			return err
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		// A new webhook receives the events stored after it: it starts at
		// the last event that is final (those still in flight come after).
		var pos eventPos
		err = tx.QueryRowContext(ctx, `SELECT txid, seq FROM events WHERE tenant_id = $1 AND txid < $2
			ORDER BY txid DESC, seq DESC LIMIT 1`, w.TenantID, horizon).Scan(&pos.tx, &pos.seq)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		created = true
		_, err = tx.ExecContext(ctx, `INSERT INTO webhooks (`+webhookColumns+`, cursor_tx, cursor_seq)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 0, NULL, NULL, $8, $8, $9, $10)`,
			w.ID, w.TenantID, w.URLIndex, w.URLSealed, w.SecretSealed, strings.Join(w.Types, " "), w.Description,
			micros(w.CreatedAt), pos.tx, pos.seq)
		return err
	})
	return created, db.translate(err, "this URL was subscribed concurrently; try again")
}

// Webhooks lists a tenant's webhooks, oldest first.
func (db *DB) Webhooks(ctx context.Context, tenantID string) ([]*steward.Webhook, error) {
	return collect(ctx, db, db.r, scanWebhook, `SELECT `+webhookColumns+` FROM webhooks WHERE tenant_id = $1 AND processor = '' ORDER BY created_at, id`, tenantID)
}

// DeleteWebhook removes a webhook of the tenant and its deliveries.
func (db *DB) DeleteWebhook(ctx context.Context, tenantID, id string) error {
	return db.txKeep(ctx, func(tx *sql.Tx) error { // webhooks only
		res, err := tx.ExecContext(ctx, `DELETE FROM webhooks WHERE tenant_id = $1 AND id = $2 AND processor = ''`, tenantID, id)
		if err != nil {
			return db.translate(err, "")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("webhook")
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE webhook_id = $1`, id)
		return db.translate(err, "")
	})
}

// EnqueueDeliveries turns the events each enabled webhook has not seen into
// pending deliveries of the types it subscribes to.
func (db *DB) EnqueueDeliveries(ctx context.Context, now time.Time, limit int) (int, error) {
	horizon, err := db.eventHorizon(ctx)
	if err != nil {
		return 0, err
	}
	type sub struct {
		id, tenant string
		types      []string
		pos        eventPos
	}
	subs, err := collect(ctx, db, db.r, func(row rowScanner) (sub, error) {
		var s sub
		var types string
		err := row.Scan(&s.id, &s.tenant, &types, &s.pos.tx, &s.pos.seq)
		s.types = strings.Fields(types)
		return s, err
	}, `SELECT id, tenant_id, types, cursor_tx, cursor_seq FROM webhooks WHERE disabled_at IS NULL AND processor = '' ORDER BY id`)
	if err != nil {
		return 0, err
	}
	scanned := 0
	for _, s := range subs {
		rows, err := db.eventsAfter(ctx, s.tenant, s.pos, limit)
		if err != nil {
			return scanned, err
		}
		n := 0
		for n < len(rows) && rows[n].pos.tx < horizon {
			n++
		}
		if n == 0 {
			continue
		}
		err = db.txKeep(ctx, func(tx *sql.Tx) error { // webhooks only
			for _, r := range rows[:n] {
				if !slices.Contains(s.types, r.Type) {
					continue
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (webhook_id, event_seq, tenant_id, state, attempts,
					last_status, last_error, next_attempt, created_at, updated_at) VALUES ($1, $2, $3, $4, 0, 0, '', $5, $5, $5)
					ON CONFLICT (webhook_id, event_seq) DO NOTHING`, s.id, r.Seq, s.tenant, steward.DeliveryPending, micros(now)); err != nil {
					return db.translate(err, "")
				}
			}
			last := rows[n-1].pos
			// Only from the place read: a concurrent run that moved it
			// first has enqueued the same events.
			_, err := tx.ExecContext(ctx, `UPDATE webhooks SET cursor_tx = $1, cursor_seq = $2 WHERE id = $3 AND cursor_tx = $4
				AND cursor_seq = $5`, last.tx, last.seq, s.id, s.pos.tx, s.pos.seq)
			return db.translate(err, "")
		})
		if err != nil {
			return scanned, err
		}
		scanned += n
	}
	return scanned, nil
}

const deliveryColumns = `d.webhook_id, d.tenant_id, d.event_seq, e.id, e.type, d.state, d.attempts, d.last_status, d.last_error,
	d.next_attempt, d.created_at, d.updated_at`

func scanDelivery(row rowScanner, more ...any) (*steward.WebhookDelivery, error) {
	d := &steward.WebhookDelivery{}
	var next, created, updated int64
	dest := append([]any{&d.WebhookID, &d.TenantID, &d.EventSeq, &d.EventID, &d.EventType, &d.State, &d.Attempts,
		&d.LastStatus, &d.LastError, &next, &created, &updated}, more...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	d.NextAttempt, d.CreatedAt, d.UpdatedAt = fromMicros(next), fromMicros(created), fromMicros(updated)
	return d, nil
}

// ClaimDeliveries returns deliveries due at now and moves their next
// attempt to until.
func (db *DB) ClaimDeliveries(ctx context.Context, now, until time.Time, limit int) ([]*steward.DueDelivery, error) {
	due, err := collect(ctx, db, db.w, func(row rowScanner) (*steward.DueDelivery, error) {
		x := &steward.DueDelivery{}
		var at int64
		var data string
		d, err := scanDelivery(row, &x.Webhook.URLSealed, &x.Webhook.SecretSealed, &x.Webhook.Processor, &at, &data)
		if err != nil {
			return nil, err
		}
		x.Delivery, x.Webhook.ID, x.Webhook.TenantID = *d, d.WebhookID, d.TenantID
		x.Event = steward.Event{Seq: d.EventSeq, ID: d.EventID, TenantID: d.TenantID, Type: d.EventType,
			Timestamp: fromMicros(at), Data: json.RawMessage(data)}
		return x, nil
	}, `SELECT `+deliveryColumns+`, w.url_sealed, w.secret_sealed, w.processor, e.at, e.data FROM webhook_deliveries d
		JOIN webhooks w ON w.id = d.webhook_id JOIN events e ON e.seq = d.event_seq
		WHERE d.state = $1 AND d.next_attempt <= $2 AND w.disabled_at IS NULL ORDER BY d.next_attempt LIMIT $3`,
		steward.DeliveryPending, micros(now), limit)
	if err != nil {
		return nil, err
	}
	if len(due) == 0 {
		return nil, nil
	}
	// One transaction for the batch: one commit, not one per delivery.
	var claimed []*steward.DueDelivery
	err = db.txKeep(ctx, func(tx *sql.Tx) error { // deliveries only
		claimed = due[:0]
		for _, x := range due {
			res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET next_attempt = $1 WHERE webhook_id = $2 AND event_seq = $3
				AND state = $4 AND next_attempt = $5`, micros(until), x.Delivery.WebhookID, x.Delivery.EventSeq,
				steward.DeliveryPending, micros(x.Delivery.NextAttempt))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				claimed = append(claimed, x)
			}
		}
		return nil
	})
	if err != nil {
		return nil, db.translate(err, "")
	}
	for _, x := range claimed {
		x.Delivery.NextAttempt = until
	}
	return claimed, nil
}

// RecordDelivery stores an attempt's outcome and the webhook's health.
func (db *DB) RecordDelivery(ctx context.Context, d *steward.WebhookDelivery, o steward.DeliveryOutcome) (bool, error) {
	disabled := false
	err := db.txKeep(ctx, func(tx *sql.Tx) error { // webhooks only
		var err error
		disabled, err = recordDelivery(ctx, tx, d, o)
		return err
	})
	return disabled, db.translate(err, "")
}

// RecordDelivered stores the outcomes of successful attempts in one
// transaction (a delivery pass's successes: one commit, not one each).
func (db *DB) RecordDelivered(ctx context.Context, ds []*steward.WebhookDelivery, at time.Time) error {
	if len(ds) == 0 {
		return nil
	}
	return db.translate(db.txKeep(ctx, func(tx *sql.Tx) error { // webhooks only
		for _, d := range ds {
			if _, err := recordDelivery(ctx, tx, d, steward.DeliveryOutcome{At: at, Status: d.LastStatus, Delivered: true}); err != nil {
				return err
			}
		}
		return nil
	}), "")
}

// recordDelivery stores an attempt's outcome and the webhook's health in
// tx, and reports whether the webhook was disabled now.
func recordDelivery(ctx context.Context, tx *sql.Tx, d *steward.WebhookDelivery, o steward.DeliveryOutcome) (bool, error) {
	state, next := steward.DeliveryPending, o.NextAttempt
	switch {
	case o.Delivered:
		state, next = steward.DeliveryDelivered, o.At
	case o.Exhausted:
		state, next = steward.DeliveryFailed, o.At
	}
	res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = $1, attempts = attempts + 1, last_status = $2,
		last_error = $3, next_attempt = $4, updated_at = $5 WHERE webhook_id = $6 AND event_seq = $7 AND state = $8`,
		state, o.Status, o.Error, micros(next), micros(o.At), d.WebhookID, d.EventSeq, steward.DeliveryPending)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil // ended meanwhile (a deletion task confirmed): it stays as it is
	}
	if o.Delivered {
		// Only when it was failing: a healthy endpoint's row is not
		// written (nor locked) by every delivery.
		_, err := tx.ExecContext(ctx, `UPDATE webhooks SET failures = 0, failing_since = NULL WHERE id = $1
			AND (failures <> 0 OR failing_since IS NOT NULL)`, d.WebhookID)
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE webhooks SET failures = failures + 1, failing_since = COALESCE(failing_since, $1)
		WHERE id = $2`, micros(o.At), d.WebhookID); err != nil {
		return false, err
	}
	if !o.Exhausted {
		return false, nil
	}
	res, err = tx.ExecContext(ctx, `UPDATE webhooks SET disabled_at = $1, updated_at = $1 WHERE id = $2 AND disabled_at IS NULL
		AND failing_since <= $3`, micros(o.At), d.WebhookID, micros(d.CreatedAt))
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Deliveries lists a webhook's deliveries, newest first.
func (db *DB) Deliveries(ctx context.Context, tenantID, webhookID string, limit int) ([]*steward.WebhookDelivery, error) {
	var one int
	err := db.r.QueryRowContext(ctx, `SELECT 1 FROM webhooks WHERE tenant_id = $1 AND id = $2 AND processor = ''`, tenantID, webhookID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("webhook")
	}
	if err != nil {
		return nil, db.translate(err, "")
	}
	return collect(ctx, db, db.r, func(row rowScanner) (*steward.WebhookDelivery, error) { return scanDelivery(row) },
		`SELECT `+deliveryColumns+` FROM webhook_deliveries d JOIN events e ON e.seq = d.event_seq
		WHERE d.tenant_id = $1 AND d.webhook_id = $2 ORDER BY d.created_at DESC, d.event_seq DESC LIMIT $3`, tenantID, webhookID, limit)
}
