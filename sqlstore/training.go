package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
)

var _ steward.TrainingStore = (*DB)(nil)

const modelColumns = `id, tenant_id, name, purpose, owner, created_at, created_by`

func scanModel(row rowScanner) (*steward.Model, error) {
	m := &steward.Model{}
	var created int64
	if err := row.Scan(&m.ID, &m.TenantID, &m.Name, &m.Purpose, &m.Owner, &created, &m.CreatedBy); err != nil {
		return nil, err
	}
	m.CreatedAt = fromMicros(created)
	return m, nil
}

// CreateModel stores a model.
func (db *DB) CreateModel(ctx context.Context, m *steward.Model) error {
	_, err := db.w.execKeep(ctx, `INSERT INTO models (`+modelColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		m.ID, m.TenantID, m.Name, m.Purpose, m.Owner, micros(m.CreatedAt), m.CreatedBy)
	return db.translate(err, "")
}

// Model returns one model of the tenant.
func (db *DB) Model(ctx context.Context, tenantID, id string) (*steward.Model, error) {
	m, err := scanModel(db.r.QueryRowContext(ctx, `SELECT `+modelColumns+` FROM models WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if err != nil {
		return nil, db.missing(err, "model")
	}
	return m, nil
}

// Models lists the tenant's models, oldest first.
func (db *DB) Models(ctx context.Context, tenantID string) ([]*steward.Model, error) {
	return collect(ctx, db, db.r, scanModel, `SELECT `+modelColumns+` FROM models WHERE tenant_id = $1 ORDER BY created_at, id`, tenantID)
}

const trainingExportColumns = `id, tenant_id, model_id, purpose, categories, deidentify, shards, k, status, subjects, skipped, rows_out, files,
	bytes_out, suppressed, policy_version, run_id, created_at, completed_at, error`

func scanTrainingExport(row rowScanner) (*steward.TrainingExport, error) {
	e := &steward.TrainingExport{}
	var cats string
	var created int64
	var completed sql.NullInt64
	if err := row.Scan(&e.ID, &e.TenantID, &e.ModelID, &e.Purpose, &cats, &e.Deidentify, &e.Shards, &e.K, &e.Status, &e.Subjects,
		&e.Skipped, &e.Rows, &e.Files, &e.Bytes, &e.Suppressed, &e.PolicyVersion, &e.RunID, &created, &completed, &e.Error); err != nil {
		return nil, err
	}
	e.Categories, e.CreatedAt, e.CompletedAt = strings.Fields(cats), fromMicros(created), timePtr(completed)
	return e, nil
}

// CreateTrainingExport stores a new export.
func (db *DB) CreateTrainingExport(ctx context.Context, e *steward.TrainingExport) error {
	_, err := db.w.execKeep(ctx, `INSERT INTO training_exports (`+trainingExportColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
		$11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`, e.ID, e.TenantID, e.ModelID, e.Purpose, strings.Join(e.Categories, " "),
		e.Deidentify, e.Shards, e.K, e.Status, e.Subjects, e.Skipped, e.Rows, e.Files, e.Bytes, e.Suppressed, e.PolicyVersion, e.RunID,
		micros(e.CreatedAt), nullMicros(e.CompletedAt), e.Error)
	return db.translate(err, "")
}

// UpdateTrainingExport stores an export's progress and outcome.
func (db *DB) UpdateTrainingExport(ctx context.Context, e *steward.TrainingExport) error {
	_, err := db.w.execKeep(ctx, `UPDATE training_exports SET status = $1, subjects = $2, skipped = $3, rows_out = $4, bytes_out = $5,
		suppressed = $6, completed_at = $7, error = $8, files = $9 WHERE tenant_id = $10 AND id = $11`, e.Status, e.Subjects, e.Skipped,
		e.Rows, e.Bytes, e.Suppressed, nullMicros(e.CompletedAt), e.Error, e.Files, e.TenantID, e.ID)
	return db.translate(err, "")
}

// TrainingExport returns one export of the tenant.
func (db *DB) TrainingExport(ctx context.Context, tenantID, id string) (*steward.TrainingExport, error) {
	e, err := scanTrainingExport(db.r.QueryRowContext(ctx, `SELECT `+trainingExportColumns+` FROM training_exports WHERE tenant_id = $1 AND id = $2`,
		tenantID, id))
	if err != nil {
		return nil, db.missing(err, "training export")
	}
	return e, nil
}

// AddLineage records that subjects (by keyed hash) went to a shard.
func (db *DB) AddLineage(ctx context.Context, tenantID, exportID string, shard int, hashes [][]byte) error {
	return db.txKeep(ctx, func(tx *sql.Tx) error { // lineage only
		for _, h := range hashes {
			if _, err := tx.ExecContext(ctx, `INSERT INTO training_lineage (subject_hash, tenant_id, export_id, shard) VALUES ($1, $2, $3, $4)`,
				h, tenantID, exportID, shard); err != nil {
				return db.translate(err, "")
			}
		}
		return nil
	})
}

// LineageCount counts an export's lineage rows per shard.
func (db *DB) LineageCount(ctx context.Context, tenantID, exportID string) (map[int]int, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT shard, COUNT(*) FROM training_lineage WHERE export_id = $1 AND tenant_id = $2 GROUP BY shard`,
		exportID, tenantID)
	if err != nil {
		return nil, db.translate(err, "")
	}
	defer rows.Close()
	out := map[int]int{}
	for rows.Next() {
		var shard, n int
		if err := rows.Scan(&shard, &n); err != nil {
			return nil, db.translate(err, "")
		}
		out[shard] = n
	}
	return out, db.translate(rows.Err(), "")
}

// AffectModels turns the lineage rows of a subject into retrain
// obligations (with their events) and deletes the rows.
func (db *DB) AffectModels(ctx context.Context, tenantID string, hash []byte, cause string, at time.Time, purpose func(string) bool,
	events func(a *steward.AffectedModel) (*steward.Event, error)) ([]*steward.AffectedModel, error) {
	var out []*steward.AffectedModel
	err := db.txKeep(ctx, func(tx *sql.Tx) error { // lineage, obligations, outbox
		rows, err := tx.QueryContext(ctx, `SELECT l.export_id, l.shard, e.model_id, e.purpose FROM training_lineage l
			JOIN training_exports e ON e.id = l.export_id WHERE l.subject_hash = $1 AND l.tenant_id = $2`, hash, tenantID)
		if err != nil {
			return db.translate(err, "")
		}
		var matched []string
		for rows.Next() {
			a := &steward.AffectedModel{ID: steward.NewID("aff"), TenantID: tenantID, Cause: cause, CreatedAt: at}
			var p string
			if err := rows.Scan(&a.ExportID, &a.Shard, &a.ModelID, &p); err != nil {
				rows.Close()
				return db.translate(err, "")
			}
			if purpose == nil || purpose(p) {
				out = append(out, a)
				matched = append(matched, a.ExportID)
			}
		}
		rows.Close()
		var evs []*steward.Event
		models := out[:0]
		for _, a := range out {
			if a.ModelID == "" {
				continue // an aggregate export: no model to retrain
			}
			models = append(models, a)
			if _, err := tx.ExecContext(ctx, `INSERT INTO affected_models (id, tenant_id, model_id, export_id, shard, cause, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, a.ID, a.TenantID, a.ModelID, a.ExportID, a.Shard, a.Cause, micros(a.CreatedAt)); err != nil {
				return db.translate(err, "")
			}
			ev, err := events(a)
			if err != nil {
				return err
			}
			evs = append(evs, ev)
		}
		out = models
		for _, x := range matched {
			if _, err := tx.ExecContext(ctx, `DELETE FROM training_lineage WHERE subject_hash = $1 AND tenant_id = $2 AND export_id = $3`,
				hash, tenantID, x); err != nil {
				return db.translate(err, "")
			}
		}
		return insertEvents(ctx, tx, evs)
	})
	return out, err
}

const affectedColumns = `id, tenant_id, model_id, export_id, shard, cause, created_at, resolved_at, resolution`

func scanAffected(row rowScanner) (*steward.AffectedModel, error) {
	a := &steward.AffectedModel{}
	var created int64
	var resolved sql.NullInt64
	if err := row.Scan(&a.ID, &a.TenantID, &a.ModelID, &a.ExportID, &a.Shard, &a.Cause, &created, &resolved, &a.Resolution); err != nil {
		return nil, err
	}
	a.CreatedAt, a.ResolvedAt = fromMicros(created), timePtr(resolved)
	return a, nil
}

// AffectedModels lists a model's retrain obligations, newest first; only
// the unresolved ones when pending.
func (db *DB) AffectedModels(ctx context.Context, tenantID, modelID string, pending bool) ([]*steward.AffectedModel, error) {
	q := `SELECT ` + affectedColumns + ` FROM affected_models WHERE tenant_id = $1 AND model_id = $2`
	if pending {
		q += ` AND resolved_at IS NULL`
	}
	return collect(ctx, db, db.r, scanAffected, q+` ORDER BY created_at DESC, id`, tenantID, modelID)
}

// ResolveAffected records what was done about an obligation, once.
func (db *DB) ResolveAffected(ctx context.Context, tenantID, modelID, id, resolution string, at time.Time) (*steward.AffectedModel, error) {
	n, err := db.exec1(ctx, `UPDATE affected_models SET resolved_at = $1, resolution = $2 WHERE tenant_id = $3 AND model_id = $4 AND id = $5
		AND resolved_at IS NULL`, micros(at), resolution, tenantID, modelID, id)
	if err != nil {
		return nil, db.translate(err, "")
	}
	a, err := scanAffected(db.r.QueryRowContext(ctx, `SELECT `+affectedColumns+` FROM affected_models WHERE tenant_id = $1 AND id = $2
		AND model_id = $3`, tenantID, id, modelID))
	if err != nil {
		return nil, db.missing(err, "retrain obligation")
	}
	if n == 0 {
		return nil, steward.Errorf(steward.ECONFLICT, "the obligation was resolved already")
	}
	return a, nil
}

// SubjectIDs pages through a tenant's subject ids in id order.
func (db *DB) SubjectIDs(ctx context.Context, tenantID, after string, limit int) ([]string, error) {
	return collect(ctx, db, db.r, scanString, `SELECT id FROM subjects WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
		tenantID, after, limit)
}

// FailRunningExports marks the exports left running as failed.
func (db *DB) FailRunningExports(ctx context.Context, at time.Time) error {
	_, err := db.w.execKeep(ctx, `UPDATE training_exports SET status = $1, error = 'interrupted', completed_at = $2 WHERE status = $3`,
		steward.ExportFailed, micros(at), steward.ExportRunning)
	return db.translate(err, "")
}
