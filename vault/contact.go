package vault

import (
	"context"
	"encoding/json"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
)

// ContactEmail returns the email address on file of a subject ("" when
// none), decrypted to inform them — a breach notice, for example. It is a
// system read, not a caller's: recorded as subject.contact_read by
// system:incidents with the subject id and target (what it is for, such as
// the incident id); never the address. ENOTFOUND when the subject does not
// exist (erased).
func (v *Vault) ContactEmail(ctx context.Context, tenantID, subjectID, target string) (string, error) {
	return v.contactEmail(ctx, tenantID, subjectID, target, "incidents")
}

// contactEmail is ContactEmail for the system reader named (system:reader
// in the audit event).
func (v *Vault) contactEmail(ctx context.Context, tenantID, subjectID, target, reader string) (string, error) {
	s, err := v.store.Subject(ctx, tenantID, subjectID)
	if err != nil {
		return "", err
	}
	dk, err := v.dataKey(ctx, s)
	if err != nil {
		return "", err
	}
	plain, err := crypt.Open(dk, s.Sealed, identifiersAAD(s))
	if err != nil {
		return "", err
	}
	defer crypt.Wipe(plain)
	var id identifiers
	if err := json.Unmarshal(plain, &id); err != nil {
		return "", err
	}
	c := &steward.Caller{TenantID: tenantID, Kind: steward.ActorSystem, ID: reader}
	if _, err := v.record(ctx, c, steward.AuditEvent{Action: steward.ActionSubjectContactRead, SubjectID: s.ID, Target: target,
		Decision: steward.DecisionAllow}); err != nil {
		return "", err
	}
	return id.Email, nil
}

// NoticeEmail returns the email address on file for a subject ("" when
// none) to send the notice of a policy change: recorded as
// subject.contact_read by system:policy-notices with the version as
// target, never the address.
func (v *Vault) NoticeEmail(ctx context.Context, tenantID, subjectID, version string) (string, error) {
	return v.contactEmail(ctx, tenantID, subjectID, version, "policy-notices")
}

// SignInEmail returns the email address on file for a subject, to mail the
// one-time code of a privacy center sign-in: recorded as
// subject.contact_read by system:privacy-center with the challenge id as
// target, never the address.
func (v *Vault) SignInEmail(ctx context.Context, tenantID, subjectID, challengeID string) (string, error) {
	return v.contactEmail(ctx, tenantID, subjectID, challengeID, "privacy-center")
}
