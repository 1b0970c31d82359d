package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/steward-privacy/steward"
)

var _ steward.CascadeStore = (*DB)(nil)

// PutProcessorEndpoint stores a processor's endpoint (see
// steward.CascadeStore) and queues its pending tasks: those without a
// delivery, and those whose delivery failed for a whole schedule.
func (db *DB) PutProcessorEndpoint(ctx context.Context, w *steward.Webhook) error {
	err := db.txKeep(ctx, func(tx *sql.Tx) error { // webhooks and tasks only
		res, err := tx.ExecContext(ctx, `UPDATE webhooks SET url_index = $1, url_sealed = $2, secret_sealed = $3, failures = 0,
			failing_since = NULL, disabled_at = NULL, updated_at = $4 WHERE tenant_id = $5 AND id = $6 AND processor = $7`,
			w.URLIndex, w.URLSealed, w.SecretSealed, micros(w.UpdatedAt), w.TenantID, w.ID, w.Processor)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			// No subscription: types stay empty and the cursor is never read.
			if _, err := tx.ExecContext(ctx, `INSERT INTO webhooks (`+webhookColumns+`, cursor_tx, cursor_seq, processor)
				VALUES ($1, $2, $3, $4, $5, '', '', 0, NULL, NULL, $6, $6, 0, 0, $7)`,
				w.ID, w.TenantID, w.URLIndex, w.URLSealed, w.SecretSealed, micros(w.CreatedAt), w.Processor); err != nil {
				return err
			}
		}
		now := micros(w.UpdatedAt)
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = $1, next_attempt = $2, updated_at = $2
			WHERE webhook_id = $3 AND state = $4 AND event_seq IN (SELECT event_seq FROM deletion_tasks
			WHERE tenant_id = $5 AND processor = $6 AND state = $7)`,
			steward.DeliveryPending, now, w.ID, steward.DeliveryFailed, w.TenantID, w.Processor, steward.TaskPending); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (webhook_id, event_seq, tenant_id, state, attempts,
			last_status, last_error, next_attempt, created_at, updated_at)
			SELECT CAST($1 AS TEXT), event_seq, tenant_id, CAST($2 AS TEXT), 0, 0, '', CAST($3 AS BIGINT), CAST($3 AS BIGINT),
			CAST($3 AS BIGINT) FROM deletion_tasks
			WHERE tenant_id = $4 AND processor = $5 AND state = $6
			ON CONFLICT (webhook_id, event_seq) DO NOTHING`,
			w.ID, steward.DeliveryPending, now, w.TenantID, w.Processor, steward.TaskPending)
		return err
	})
	return db.translate(err, "this processor's endpoint was set concurrently; try again")
}

// ProcessorEndpoints lists a tenant's processor endpoints by processor.
func (db *DB) ProcessorEndpoints(ctx context.Context, tenantID string) ([]*steward.Webhook, error) {
	return collect(ctx, db, db.r, func(row rowScanner) (*steward.Webhook, error) {
		w, err := scanWebhook(row)
		if err == nil {
			w.Processor, w.Description = w.Description, ""
		}
		return w, err
	}, `SELECT `+endpointColumns+` FROM webhooks WHERE tenant_id = $1 AND processor <> '' ORDER BY processor`, tenantID)
}

// endpointColumns are webhookColumns with the processor in place of the
// description (an endpoint has none), so scanWebhook reads both.
const endpointColumns = `id, tenant_id, url_index, url_sealed, secret_sealed, types, processor, failures, failing_since,
	disabled_at, created_at, updated_at`

// DeleteProcessorEndpoint removes a processor's endpoint and its
// deliveries; its tasks stay pending until an endpoint is set again.
func (db *DB) DeleteProcessorEndpoint(ctx context.Context, tenantID, processor string) error {
	return db.txKeep(ctx, func(tx *sql.Tx) error { // webhooks only
		var id string
		err := tx.QueryRowContext(ctx, `DELETE FROM webhooks WHERE tenant_id = $1 AND processor = $2 RETURNING id`,
			tenantID, processor).Scan(&id)
		if err != nil {
			return db.missing(err, "processor endpoint")
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE webhook_id = $1`, id)
		return db.translate(err, "")
	})
}

// AddDeletionTasks stores tasks and their events and queues the deliveries
// of those whose processor has an endpoint, in one transaction.
func (db *DB) AddDeletionTasks(ctx context.Context, tasks []*steward.DeletionTask, events []*steward.Event) error {
	if len(tasks) != len(events) {
		return steward.Errorf(steward.EINTERNAL, "cascade: one event per task")
	}
	err := db.txKeep(ctx, func(tx *sql.Tx) error { // tasks, events and deliveries only
		if err := insertEvents(ctx, tx, events); err != nil {
			return err
		}
		for i, t := range tasks {
			t.EventSeq, t.EventID = events[i].Seq, events[i].ID
			if _, err := tx.ExecContext(ctx, `INSERT INTO deletion_tasks (id, tenant_id, request_id, subject_id, processor,
				token_hash, event_seq, event_id, state, disclosures, categories, created_at, confirmed_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL)`,
				t.ID, t.TenantID, t.RequestID, t.SubjectID, t.Processor, t.TokenHash, t.EventSeq, t.EventID, t.State,
				joinKeys(t.Disclosures), joinKeys(t.Categories), micros(t.CreatedAt)); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (webhook_id, event_seq, tenant_id, state, attempts,
				last_status, last_error, next_attempt, created_at, updated_at)
				SELECT id, CAST($1 AS BIGINT), tenant_id, CAST($2 AS TEXT), 0, 0, '', CAST($3 AS BIGINT), CAST($3 AS BIGINT),
				CAST($3 AS BIGINT) FROM webhooks WHERE tenant_id = $4 AND processor = $5`,
				t.EventSeq, steward.DeliveryPending, micros(t.CreatedAt), t.TenantID, t.Processor); err != nil {
				return err
			}
		}
		return nil
	})
	return db.translate(err, "tasks were created concurrently for this erasure")
}

// taskColumns are a task's columns and its delivery's (NULL when none).
const taskColumns = `t.id, t.tenant_id, t.request_id, t.subject_id, t.processor, t.token_hash, t.event_seq, t.event_id, t.state,
	t.disclosures, t.categories, t.created_at, t.confirmed_at, d.state, d.attempts, d.last_error, d.updated_at`

// taskJoin finds a task's delivery: to its processor's endpoint, if any.
const taskJoin = ` FROM deletion_tasks t LEFT JOIN webhooks w ON w.tenant_id = t.tenant_id AND w.processor = t.processor
	LEFT JOIN webhook_deliveries d ON d.webhook_id = w.id AND d.event_seq = t.event_seq`

func scanTask(row rowScanner) (*steward.DeletionTask, error) {
	t := &steward.DeletionTask{}
	var disclosures, categories string
	var created int64
	var confirmed, attempts, updated sql.NullInt64
	var delivery, lastError sql.NullString
	if err := row.Scan(&t.ID, &t.TenantID, &t.RequestID, &t.SubjectID, &t.Processor, &t.TokenHash, &t.EventSeq, &t.EventID,
		&t.State, &disclosures, &categories, &created, &confirmed, &delivery, &attempts, &lastError, &updated); err != nil {
		return nil, err
	}
	t.Disclosures, t.Categories = splitKeys(disclosures), splitKeys(categories)
	t.CreatedAt, t.ConfirmedAt = fromMicros(created), timePtr(confirmed)
	t.Delivery, t.Attempts, t.LastError = delivery.String, int(attempts.Int64), lastError.String
	if attempts.Int64 > 0 {
		t.LastAttempt = timePtr(updated)
	}
	return t, nil
}

// DeletionTask finds a task by id.
func (db *DB) DeletionTask(ctx context.Context, id string) (*steward.DeletionTask, error) {
	t, err := scanTask(db.r.QueryRowContext(ctx, `SELECT `+taskColumns+taskJoin+` WHERE t.id = $1`, id))
	if err != nil {
		return nil, db.missing(err, "task")
	}
	return t, nil
}

// ConfirmDeletionTask confirms a pending task and ends its delivery.
func (db *DB) ConfirmDeletionTask(ctx context.Context, tenantID, id string, at time.Time) (bool, error) {
	changed := false
	err := db.txKeep(ctx, func(tx *sql.Tx) error { // tasks and deliveries only
		var seq int64
		err := tx.QueryRowContext(ctx, `UPDATE deletion_tasks SET state = $1, confirmed_at = $2 WHERE tenant_id = $3 AND id = $4
			AND state = $5 RETURNING event_seq`, steward.TaskConfirmed, micros(at), tenantID, id, steward.TaskPending).Scan(&seq)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		changed = true
		// The processor has the task (it holds its token): whatever was
		// pending or failed is delivered, and never sent again.
		_, err = tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = $1, updated_at = $2 WHERE tenant_id = $3
			AND event_seq = $4 AND state <> $1`, steward.DeliveryDelivered, micros(at), tenantID, seq)
		return err
	})
	return changed, db.translate(err, "")
}

// DeletionTasks lists an erasure's tasks by processor.
func (db *DB) DeletionTasks(ctx context.Context, tenantID, requestID string) ([]*steward.DeletionTask, error) {
	return collect(ctx, db, db.r, scanTask, `SELECT `+taskColumns+taskJoin+` WHERE t.tenant_id = $1 AND t.request_id = $2
		ORDER BY t.processor`, tenantID, requestID)
}
