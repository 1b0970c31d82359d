package vault

import (
	"context"
	"slices"
	"strconv"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
	"github.com/steward-privacy/steward/policy"
)

// Transfer is a decided transfer of a subject's data to a sub-processor:
// the policy's decision and, when it allows the transfer, what may be sent.
// The sharing gate (package disclose) builds a disclosure from it.
type Transfer struct {
	Subject *steward.Subject
	Access  Access
	// Categories are the categories decided on: those asked for, then
	// those of the files, without repeats.
	Categories []string
	Decision   policy.Decision
	// Values are the asked-for categories' values as they may leave (with
	// their personal data replaced under redact_pii_before_sending); a
	// category without a value is left out. Set only when allowed.
	Values []Value
	// Files are the files to send, all of the subject.
	Files []*steward.FileMeta
}

// Allowed reports whether the policy allows the transfer.
func (t *Transfer) Allowed() bool { return t.Decision.Allowed }

// Transfer asks the policy whether the subject's data of categories, and
// the files, may go to the access's processor for its purpose, and when
// the answer is yes, decrypts the values. A denial is not an error: the
// caller records it and answers 403 with t.Decision's reasons. It returns
// EINVALID for a missing processor or a file of another subject, and
// ENOTFOUND for an unknown subject or file (a file of another tenant is
// unknown). Staff who would see masked values are denied: a processor never
// receives masked data in place of the real thing.
func (v *Vault) Transfer(ctx context.Context, subjectID string, a Access, categories, fileIDs []string) (*Transfer, error) {
	c, err := require(ctx, steward.ScopeDisclosuresWrite)
	if err != nil {
		return nil, err
	}
	if err := v.checkAccess(c, a); err != nil {
		return nil, err
	}
	if a.Processor == "" || len(a.Processor) > 200 {
		return nil, steward.Invalid("processor", "is required: the key of a processor the policy declares")
	}
	t := &Transfer{Access: a, Categories: slices.Clone(categories)}
	// The first record read also loads the subject (from the subject cache
	// on a single server): one small record costs what a plain read costs.
	sealed := make([]*steward.Record, len(categories)) // by categories' index
	for i, cat := range categories {
		s, rec, err := v.store.SubjectRecord(ctx, c.TenantID, subjectID, cat)
		if err != nil {
			return nil, err
		}
		t.Subject, sealed[i] = s, rec
	}
	if t.Subject == nil {
		if t.Subject, err = v.store.SubjectState(ctx, c.TenantID, subjectID); err != nil {
			return nil, err
		}
	}
	if err := v.transferFiles(ctx, c, t, fileIDs); err != nil {
		return nil, err
	}
	if t.Decision, err = v.decide(ctx, c, t.Subject, a, t.Categories); err != nil {
		return nil, err
	}
	if mustMask(t.Decision) {
		t.Decision.Allowed = false
	}
	if !t.Decision.Allowed {
		return t, nil
	}
	return t, v.transferValues(ctx, t, categories, sealed)
}

// transferFiles loads the files and adds their categories.
func (v *Vault) transferFiles(ctx context.Context, c *steward.Caller, t *Transfer, fileIDs []string) error {
	now := v.now()
	for i, id := range fileIDs {
		f, err := v.store.File(ctx, c.TenantID, id)
		if err == nil && f.ExpiresAt != nil && !now.Before(*f.ExpiresAt) {
			err = steward.Errorf(steward.ENOTFOUND, "file not found")
		}
		if err != nil {
			if steward.ErrorCode(err) == steward.ENOTFOUND {
				return &steward.Error{Code: steward.ENOTFOUND, Message: "file not found",
					Fields: []steward.FieldError{{Path: fieldIndex("files", i), Message: "no such file"}}}
			}
			return err
		}
		if f.SubjectID != t.Subject.ID {
			return steward.Invalid(fieldIndex("files", i), "is not a file of this subject")
		}
		t.Files = append(t.Files, f)
		if !slices.Contains(t.Categories, f.Category) {
			t.Categories = append(t.Categories, f.Category)
		}
	}
	return nil
}

// transferValues decrypts the asked-for values of an allowed transfer.
func (v *Vault) transferValues(ctx context.Context, t *Transfer, categories []string, sealed []*steward.Record) error {
	var dk *crypt.Key
	for i, cat := range categories {
		rec := sealed[i]
		if rec == nil {
			continue
		}
		if dk == nil {
			var err error
			if dk, err = v.dataKey(ctx, t.Subject); err != nil {
				return err
			}
		}
		plain, err := crypt.Open(dk, rec.Sealed, recordAAD(t.Subject, cat))
		if err != nil {
			return err
		}
		val, err := shown(t.Decision, cat, plain)
		if err != nil {
			return err
		}
		val.Obligations = nil // the disclosure lists them once
		t.Values = append(t.Values, val)
	}
	return nil
}

// MayReceive asks the policy whether the transfer's processor may also
// receive data of one more category, for the same purpose and subject: the
// sharing gate asks it for each kind of personal data found in free text.
func (v *Vault) MayReceive(ctx context.Context, t *Transfer, category string) (bool, error) {
	c, err := require(ctx, steward.ScopeDisclosuresWrite)
	if err != nil {
		return false, err
	}
	d, err := v.decide(ctx, c, t.Subject, t.Access, []string{category})
	return err == nil && d.Allowed && !mustMask(d), err
}

// Audit records an event of a capability built on the vault (the sharing
// gate), filling in the caller, the time and the request like the vault's
// own events.
func (v *Vault) Audit(ctx context.Context, e steward.AuditEvent) error {
	c := steward.CallerFrom(ctx)
	if c == nil {
		return steward.Errorf(steward.EUNAUTHORIZED, "authentication required")
	}
	_, err := v.record(ctx, c, e)
	return err
}

// SyncAudit returns once every audit event recorded before it is stored in
// the database (with the audit journal, events are durable in the journal
// first and stored within its delay), so that what is derived from them
// there, such as the disclosure ledger, is current.
func (v *Vault) SyncAudit(ctx context.Context) error {
	if s, ok := v.audit.(interface{ Sync(context.Context) error }); ok {
		return s.Sync(ctx)
	}
	return nil
}

// fieldIndex names one element of a list field, e.g. files[2].
func fieldIndex(field string, i int) string {
	return field + "[" + strconv.Itoa(i) + "]"
}
