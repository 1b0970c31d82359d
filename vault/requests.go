package vault

import (
	"context"
	"strings"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/auth"
	"github.com/steward-privacy/steward/crypt"
)

// LookupSubject finds the id of a tenant's subject by one identifier: kind
// "id", "external_id" or "email". It checks no scope: it serves the rights
// request service (package requests), which has authorized its caller,
// and reads no personal value back. ENOTFOUND when none matches.
func (v *Vault) LookupSubject(ctx context.Context, tenantID, kind, value string) (string, error) {
	if kind == "id" {
		s, err := v.store.Subject(ctx, tenantID, value)
		if err != nil {
			return "", err
		}
		return s.ID, nil
	}
	var norm string
	var err error
	switch kind {
	case steward.IndexExternalID:
		if norm = strings.TrimSpace(value); norm == "" {
			return "", steward.Invalid("subject.external_id", "must not be empty")
		}
	case steward.IndexEmail:
		norm, err = auth.NormalizeEmail("subject.email", value)
	default:
		return "", steward.Invalid("subject", "give exactly one of id, external_id or email")
	}
	if err != nil {
		return "", err
	}
	idx, err := v.indexes.get(ctx, tenantID)
	if err != nil {
		return "", err
	}
	s, err := v.store.SubjectByIndex(ctx, tenantID, kind, crypt.BlindIndex(idx, kind, norm))
	if err != nil {
		return "", err
	}
	return s.ID, nil
}

// SubjectEmail returns the email address on file for a subject ("" when
// none): where the rights request service mails a verification code.
// Recorded as subject.contact_read by system:requests with the request id
// as target, never the address; the address must never be logged.
func (v *Vault) SubjectEmail(ctx context.Context, tenantID, subjectID, requestID string) (string, error) {
	return v.contactEmail(ctx, tenantID, subjectID, requestID, "requests")
}
