package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/steward-privacy/steward"
)

var _ steward.StaffStore = (*DB)(nil)

const staffColumns = `id, tenant_id, email_index, email_sealed, password_hash, role, totp_sealed, totp_enabled,
	failed_attempts, locked_until, created_at, disabled_at`

// CreateStaff inserts s, assigning its ID if empty.
func (db *DB) CreateStaff(ctx context.Context, s *steward.StaffAccount) error {
	if s.ID == "" {
		s.ID = steward.NewID("stf")
	}
	_, err := db.w.ExecContext(ctx, `INSERT INTO staff (`+staffColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		s.ID, s.TenantID, s.EmailIndex, s.EmailSealed, s.PasswordHash, string(s.Role), s.TOTPSealed, boolInt(s.TOTPEnabled),
		s.FailedAttempts, nullMicros(s.LockedUntil), micros(s.CreatedAt), nullMicros(s.DisabledAt))
	return db.translate(err, "a staff account with this email already exists")
}

// Staff returns a staff account of the tenant.
func (db *DB) Staff(ctx context.Context, tenantID, id string) (*steward.StaffAccount, error) {
	s, err := scanStaff(db.r.QueryRowContext(ctx, `SELECT `+staffColumns+` FROM staff WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	return s, db.translate(err, "")
}

// StaffByEmail finds a staff account by the blind index of its email.
func (db *DB) StaffByEmail(ctx context.Context, tenantID string, emailIndex []byte) (*steward.StaffAccount, error) {
	s, err := scanStaff(db.r.QueryRowContext(ctx, `SELECT `+staffColumns+` FROM staff WHERE tenant_id = $1 AND email_index = $2`, tenantID, emailIndex))
	return s, db.translate(err, "")
}

// StaffList lists the tenant's staff accounts, oldest first.
func (db *DB) StaffList(ctx context.Context, tenantID string) ([]*steward.StaffAccount, error) {
	return collect(ctx, db, db.r, scanStaff, `SELECT `+staffColumns+` FROM staff WHERE tenant_id = $1 ORDER BY created_at, id`, tenantID)
}

// UpdateStaff writes back the password hash, role, TOTP and lockout state.
func (db *DB) UpdateStaff(ctx context.Context, s *steward.StaffAccount) error {
	res, err := db.w.ExecContext(ctx, `UPDATE staff SET password_hash = $1, role = $2, totp_sealed = $3, totp_enabled = $4,
		failed_attempts = $5, locked_until = $6, disabled_at = $7 WHERE tenant_id = $8 AND id = $9`,
		s.PasswordHash, string(s.Role), s.TOTPSealed, boolInt(s.TOTPEnabled), s.FailedAttempts,
		nullMicros(s.LockedUntil), nullMicros(s.DisabledAt), s.TenantID, s.ID)
	if err != nil {
		return db.translate(err, "")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("staff account")
	}
	return nil
}

// CreateSession stores a session by the keyed hash of its token.
func (db *DB) CreateSession(ctx context.Context, s *steward.StaffSession) error {
	_, err := db.w.execKeep(ctx, `INSERT INTO staff_sessions (hash, staff_id, tenant_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		s.Hash, s.StaffID, s.TenantID, micros(s.CreatedAt), micros(s.ExpiresAt))
	return db.translate(err, "session already exists")
}

// SessionByHash returns an unexpired session.
func (db *DB) SessionByHash(ctx context.Context, hash []byte, now time.Time) (*steward.StaffSession, error) {
	s := &steward.StaffSession{Hash: hash}
	var created, expires int64
	err := db.r.QueryRowContext(ctx, `SELECT staff_id, tenant_id, created_at, expires_at FROM staff_sessions WHERE hash = $1 AND expires_at > $2`,
		hash, micros(now)).Scan(&s.StaffID, &s.TenantID, &created, &expires)
	if err != nil {
		return nil, db.translate(err, "")
	}
	s.CreatedAt, s.ExpiresAt = fromMicros(created), fromMicros(expires)
	return s, nil
}

// DeleteSession removes a session (sign-out). Unknown sessions are ignored.
func (db *DB) DeleteSession(ctx context.Context, hash []byte) error {
	_, err := db.w.execKeep(ctx, `DELETE FROM staff_sessions WHERE hash = $1`, hash)
	return db.translate(err, "")
}

func scanStaff(row rowScanner) (*steward.StaffAccount, error) {
	s := &steward.StaffAccount{}
	var role string
	var totp, created int64
	var locked, disabled sql.NullInt64
	if err := row.Scan(&s.ID, &s.TenantID, &s.EmailIndex, &s.EmailSealed, &s.PasswordHash, &role, &s.TOTPSealed, &totp,
		&s.FailedAttempts, &locked, &created, &disabled); err != nil {
		return nil, err
	}
	s.Role = steward.Role(role)
	s.TOTPEnabled = totp != 0
	s.LockedUntil = timePtr(locked)
	s.CreatedAt = fromMicros(created)
	s.DisabledAt = timePtr(disabled)
	return s, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
