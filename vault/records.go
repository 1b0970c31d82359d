package vault

import (
	"context"
	"encoding/json"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
	"github.com/steward-privacy/steward/policy"
)

// maxRecordValue bounds one record's JSON value.
const maxRecordValue = 256 << 10

// Value is a record value as read: the JSON value (masked for staff without
// an accepted justification) and the obligations the caller must honour.
type Value struct {
	Category string          `json:"category,omitempty"`
	Value    json.RawMessage `json:"value"`
	Masked   bool            `json:"masked,omitempty"`
	// Redacted says the personal data in the value was replaced, as the
	// obligation redact_pii_before_sending requires.
	Redacted    bool     `json:"redacted,omitempty"`
	Obligations []string `json:"obligations,omitempty"`
}

// shown returns the value as the decision lets it leave: masked for staff
// without an accepted justification, with its personal data replaced under
// redact_pii_before_sending, as stored otherwise. A replaced plaintext is
// wiped.
func shown(d policy.Decision, category string, plain []byte) (Value, error) {
	out := Value{Category: category, Value: plain, Obligations: d.Obligations.Names()}
	switch {
	case mustMask(d):
		out.Value, out.Masked = Mask(plain), true
	case mustRedact(d):
		red, err := RedactValue(plain)
		if err != nil {
			return Value{}, err
		}
		out.Value, out.Redacted = red, true
	default:
		return out, nil
	}
	crypt.Wipe(plain)
	return out, nil
}

func recordAAD(s *steward.Subject, category string) []byte {
	return crypt.AAD{Tenant: s.TenantID, Subject: s.ID, Kind: crypt.KindRecord, Name: category}.Bytes()
}

// checkCategory returns EINVALID unless the policy declares the category.
func (v *Vault) checkCategory(category string) error {
	if category == "" || len(category) > 200 || !v.Policy().CategoryDeclared(category) {
		return steward.Invalid("category", "is not a data category declared by the policy")
	}
	return nil
}

// PutRecord stores one value of a category for a subject.
func (v *Vault) PutRecord(ctx context.Context, subjectID, category string, value json.RawMessage) error {
	c, err := require(ctx, steward.ScopeRecordsWrite)
	if err != nil {
		return err
	}
	if err := v.checkCategory(category); err != nil {
		return err
	}
	if len(value) == 0 || !json.Valid(value) {
		return steward.Invalid("value", "is required and must be JSON")
	}
	if len(value) > maxRecordValue {
		return steward.Errorf(steward.ETOOLARGE, "a record value may be at most %d bytes", maxRecordValue)
	}
	// The narrow subject row of reads (served from the subject cache on a
	// single server).
	s, err := v.store.SubjectState(ctx, c.TenantID, subjectID)
	if err != nil {
		return err
	}
	dk, err := v.dataKey(ctx, s)
	if err != nil {
		return err
	}
	r := &steward.Record{TenantID: c.TenantID, SubjectID: s.ID, Category: category,
		Sealed: crypt.Seal(dk, value, recordAAD(s, category)), UpdatedAt: v.now().UTC()}
	if err := v.store.PutRecord(ctx, r); err != nil {
		return err
	}
	_, err = v.record(ctx, c, steward.AuditEvent{Action: steward.ActionRecordWrite, SubjectID: s.ID,
		Categories: []string{category}, Decision: steward.DecisionAllow})
	return err
}

// GetRecord reads one category of a subject for a purpose the policy must
// allow. Denials are audited and returned as EFORBIDDEN with reason codes.
func (v *Vault) GetRecord(ctx context.Context, subjectID, category string, a Access) (*Value, error) {
	c, err := require(ctx, steward.ScopeRecordsRead)
	if err != nil {
		return nil, err
	}
	if err := v.checkAccess(c, a); err != nil {
		return nil, err
	}
	if err := v.checkCategory(category); err != nil {
		return nil, err
	}
	s, rec, err := v.store.SubjectRecord(ctx, c.TenantID, subjectID, category)
	if err != nil {
		return nil, err
	}
	cats := []string{category}
	d, err := v.decide(ctx, c, s, a, cats)
	if err != nil {
		return nil, err
	}
	event := steward.AuditEvent{Action: steward.ActionRecordRead, SubjectID: s.ID, Categories: cats, Purpose: a.Purpose,
		Justification: a.Justification, Reasons: a.auditReasons()}
	if !d.Allowed {
		return nil, v.denied(ctx, c, event, d)
	}
	if rec == nil {
		return nil, steward.Errorf(steward.ENOTFOUND, "the subject has no value in this category")
	}
	dk, err := v.dataKey(ctx, s)
	if err != nil {
		return nil, err
	}
	plain, err := crypt.Open(dk, rec.Sealed, recordAAD(s, category))
	if err != nil {
		return nil, err
	}
	out, err := shown(d, "", plain)
	if err != nil {
		return nil, err
	}
	event.Decision, event.Reasons = steward.DecisionAllow, append(event.Reasons, d.Codes()...)
	if _, err := v.record(ctx, c, event); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetRecords reads every category of a subject that the purpose may see.
// Categories the decision denies are left out; if the purpose itself is
// denied (undeclared, prohibited, no consent), the whole read is denied.
func (v *Vault) GetRecords(ctx context.Context, subjectID string, a Access) ([]Value, error) {
	c, err := require(ctx, steward.ScopeRecordsRead)
	if err != nil {
		return nil, err
	}
	if err := v.checkAccess(c, a); err != nil {
		return nil, err
	}
	s, err := v.store.Subject(ctx, c.TenantID, subjectID)
	if err != nil {
		return nil, err
	}
	recs, err := v.store.Records(ctx, c.TenantID, subjectID)
	if err != nil {
		return nil, err
	}
	event := steward.AuditEvent{Action: steward.ActionRecordRead, SubjectID: s.ID, Purpose: a.Purpose, Justification: a.Justification,
		Reasons: a.auditReasons()}
	if len(recs) == 0 {
		// Still ask the policy, so a forbidden purpose is denied rather than
		// answered with an empty list.
		readable := v.Policy().CategoriesFor(a.Purpose)
		if len(readable) == 0 {
			readable = []string{"user"} // an undeclared purpose: the decision says so
		}
		d, err := v.decide(ctx, c, s, a, readable)
		if err != nil {
			return nil, err
		}
		if !d.Allowed {
			return nil, v.denied(ctx, c, event, d)
		}
		return []Value{}, nil
	}
	var dk *crypt.Key
	out := make([]Value, 0, len(recs))
	var denial *policy.Decision // the first denying decision
	for _, r := range recs {
		d, err := v.decide(ctx, c, s, a, []string{r.Category})
		if err != nil {
			return nil, err
		}
		if !d.Allowed {
			if denial == nil {
				denial = &d
			}
			continue
		}
		if dk == nil {
			if dk, err = v.dataKey(ctx, s); err != nil {
				return nil, err
			}
		}
		plain, err := crypt.Open(dk, r.Sealed, recordAAD(s, r.Category))
		if err != nil {
			return nil, err
		}
		val, err := shown(d, r.Category, plain)
		if err != nil {
			return nil, err
		}
		out = append(out, val)
		event.Categories = append(event.Categories, r.Category)
	}
	if len(out) == 0 {
		return nil, v.denied(ctx, c, event, *denial)
	}
	event.Decision = steward.DecisionAllow
	if _, err := v.record(ctx, c, event); err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteRecord deletes one category's value of a subject.
func (v *Vault) DeleteRecord(ctx context.Context, subjectID, category string) error {
	c, err := require(ctx, steward.ScopeRecordsWrite)
	if err != nil {
		return err
	}
	if err := v.checkCategory(category); err != nil {
		return err
	}
	if err := v.store.DeleteRecord(ctx, c.TenantID, subjectID, category); err != nil {
		return err
	}
	_, err = v.record(ctx, c, steward.AuditEvent{Action: steward.ActionRecordDelete, SubjectID: subjectID,
		Categories: []string{category}, Decision: steward.DecisionAllow})
	return err
}
