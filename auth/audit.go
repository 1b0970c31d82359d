package auth

import (
	"context"

	"github.com/steward-privacy/steward"
)

// Audit actions of the auth layer. Their events name keys, staff accounts
// and tenants by id only, never an email address, a password, a code or a
// secret; reasons are codes such as "scope:audit:read" or "locked".
const (
	ActionTenantCreate = "tenant.create"
	ActionTenantSlug   = "tenant.slug"
	ActionStaffCreate  = "staff.create"
	ActionStaffSignIn  = "staff.signin"
	ActionStaffLockout = "staff.lockout"
	ActionStaffSignOut = "staff.signout"
	ActionTOTPEnroll   = "staff.totp_enroll"
	ActionTOTPConfirm  = "staff.totp_confirm"
)

// SetAudit makes the service record every security action (keys, tenants,
// staff, sign-ins) in the audit log. Without one (commands that only read)
// nothing is recorded.
func (s *Service) SetAudit(l steward.AuditLog) { s.audit = l }

// record appends one audit event about an auth action. The actor is the
// caller in ctx when there is one, else actor (e.g. "system:bootstrap" or
// the staff account signing in).
func (s *Service) record(ctx context.Context, tenantID, actor, action, target, decision string, reasons ...string) error {
	if s.audit == nil {
		return nil
	}
	e := steward.NewAuditEvent(ctx, steward.CallerFrom(ctx), action, s.now())
	if e.Actor == "" || e.TenantID != tenantID {
		e.Actor = actor
	}
	e.TenantID, e.Target, e.Decision, e.Reasons = tenantID, target, decision, reasons
	return s.audit.Append(ctx, e)
}

// scopeReasons lists scopes as audit reason codes.
func scopeReasons(sc steward.Scopes) []string {
	out := make([]string, len(sc))
	for i, x := range sc {
		out[i] = "scope:" + string(x)
	}
	return out
}
