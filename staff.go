package steward

import (
	"context"
	"time"
)

// Role is a staff account's role in the console; each maps to scopes.
type Role string

// The staff roles.
const (
	RoleOwner   Role = "owner"
	RoleAdmin   Role = "admin"
	RolePrivacy Role = "privacy_officer"
	RoleSupport Role = "support"
	RoleAuditor Role = "auditor"
)

// RoleScopes maps each role to the scopes it grants. Support staff read
// records (masked unless a justification is accepted) but change nothing;
// auditors read the audit log and the policy only.
var RoleScopes = map[Role]Scopes{
	RoleOwner:   {ScopeAdmin, ScopeHoldsManage},
	RoleAdmin:   {ScopeAdmin},
	RolePrivacy: {ScopeRecordsRead, ScopeRecordsWrite, ScopeFilesRead, ScopePolicyRead, ScopeAuditRead, ScopeStaffRead, ScopeIncidentsManage, ScopeRequestsManage, ScopeHoldsManage},
	RoleSupport: {ScopeRecordsRead, ScopePolicyRead},
	RoleAuditor: {ScopeAuditRead, ScopePolicyRead},
}

// ValidateRole checks that r is a known role.
func ValidateRole(field string, r Role) error {
	if _, ok := RoleScopes[r]; !ok {
		return Invalid(field, "must be one of owner, admin, privacy_officer, support, auditor")
	}
	return nil
}

// StaffAccount is a human who signs in to the console. The email is personal
// data: it is stored encrypted, found again through a keyed blind index. The
// password is stored only as an argon2id PHC string; the TOTP secret only
// encrypted.
type StaffAccount struct {
	ID             string     `json:"id"`
	TenantID       string     `json:"tenant_id"`
	EmailIndex     []byte     `json:"-"`
	EmailSealed    []byte     `json:"-"`
	PasswordHash   string     `json:"-"`
	Role           Role       `json:"role"`
	TOTPSealed     []byte     `json:"-"`
	TOTPEnabled    bool       `json:"totp_enabled"`
	FailedAttempts int        `json:"-"`
	LockedUntil    *time.Time `json:"-"`
	CreatedAt      time.Time  `json:"created_at"`
	DisabledAt     *time.Time `json:"disabled_at,omitempty"`
}

// StaffSession is a signed-in console session. Only a keyed hash of the
// session token is stored.
type StaffSession struct {
	Hash      []byte
	StaffID   string
	TenantID  string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// StaffStore keeps staff accounts and their sessions.
//
// CreateStaff returns ECONFLICT if the email is taken in the tenant.
// StaffByEmail and Staff return ENOTFOUND when there is no such account.
// UpdateStaff writes back the mutable fields (password hash, TOTP, lockout).
// SessionByHash returns ENOTFOUND for an unknown or expired session.
type StaffStore interface {
	CreateStaff(ctx context.Context, s *StaffAccount) error
	Staff(ctx context.Context, tenantID, id string) (*StaffAccount, error)
	StaffByEmail(ctx context.Context, tenantID string, emailIndex []byte) (*StaffAccount, error)
	StaffList(ctx context.Context, tenantID string) ([]*StaffAccount, error)
	UpdateStaff(ctx context.Context, s *StaffAccount) error
	CreateSession(ctx context.Context, s *StaffSession) error
	SessionByHash(ctx context.Context, hash []byte, now time.Time) (*StaffSession, error)
	DeleteSession(ctx context.Context, hash []byte) error
}
