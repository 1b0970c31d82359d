package vault

import (
	"context"

	"github.com/steward-privacy/steward/crypt"
)

// noteAAD binds a sealed note to its subject and to the row it belongs to
// (ref, such as an access grant id).
func noteAAD(tenantID, subjectID, ref string) []byte {
	return crypt.AAD{Tenant: tenantID, Subject: subjectID, Kind: crypt.KindSecret, Name: "note", Ref: ref}.Bytes()
}

// SealNote seals free text a person gave about a subject (the note of an
// access grant: a ticket number, a reason) under the subject's data key,
// bound to ref: it is erased with the subject (crypto-shredding) and
// never enters the audit log. No caller is needed; the caller's service
// checks its own scopes.
func (v *Vault) SealNote(ctx context.Context, tenantID, subjectID, ref string, note []byte) ([]byte, error) {
	dk, err := v.subjectKey(ctx, tenantID, subjectID)
	if err != nil {
		return nil, err
	}
	return crypt.Seal(dk, note, noteAAD(tenantID, subjectID, ref)), nil
}

// OpenNote opens a note SealNote sealed; it fails once the subject is
// erased.
func (v *Vault) OpenNote(ctx context.Context, tenantID, subjectID, ref string, sealed []byte) ([]byte, error) {
	dk, err := v.subjectKey(ctx, tenantID, subjectID)
	if err != nil {
		return nil, err
	}
	return crypt.Open(dk, sealed, noteAAD(tenantID, subjectID, ref))
}

// subjectKey returns the data key of a subject of a tenant; it fails once
// the subject is erased.
func (v *Vault) subjectKey(ctx context.Context, tenantID, subjectID string) (*crypt.Key, error) {
	s, err := v.store.Subject(ctx, tenantID, subjectID)
	if err != nil {
		return nil, err
	}
	return v.dataKey(ctx, s)
}
