package vault

import (
	"context"
	"encoding/json"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
	"github.com/steward-privacy/steward/policy"
)

// Correction is a change of a subject's identifiers (PATCH /v1/subjects/{id},
// what a rectification request does): a field left out is kept, an empty
// email or phone removes it.
type Correction struct {
	Email     *string `json:"email,omitempty"`
	Phone     *string `json:"phone,omitempty" doc:"international format, e.g. +44 20 7946 0958"`
	Birthdate *string `json:"birthdate,omitempty" doc:"YYYY-MM-DD; checked against the policy's minimum age"`
}

// AgeOutcome is what finding a subject below the policy's minimum age led
// to: "" (not below), "flagged" (children.below: flag), "erasure_requested"
// (delete, with an erasure request started), "erased" (delete, erased at
// once) or "held" (delete, but a legal hold keeps the data: flagged, so no
// processing is allowed).
type AgeOutcome string

// Outcomes below the minimum age.
const (
	AgeFlagged          AgeOutcome = "flagged"
	AgeErasureRequested AgeOutcome = "erasure_requested"
	AgeErased           AgeOutcome = "erased"
	AgeHeld             AgeOutcome = "held"
)

// Corrected is the result of a correction or an age report.
type Corrected struct {
	Subject *SubjectView `json:"subject,omitempty" doc:"absent when the subject was erased"`
	Below   AgeOutcome   `json:"below_minimum_age_outcome,omitempty" doc:"what finding the person below the minimum age led to"`
}

// ReasonChild is the reason code of the erasure of a subject found below
// the minimum age under children.below: delete.
const ReasonChild = "child"

// UpdateSubject corrects a subject's email, phone or birthdate: the
// identifiers are sealed again under the subject's key, replacing the old
// ciphertext in the same row, and the email and phone lookups follow
// (ECONFLICT when another subject has them). A birthdate below the policy's
// minimum age is refused (children.below: refuse; ECONFLICT with reason
// below_minimum_age, nothing changed), flagged, or leads to the subject's
// erasure (delete; see Config.ChildErasure); one at or above it clears an
// earlier flag. Audited with the names of the corrected fields only.
func (v *Vault) UpdateSubject(ctx context.Context, subjectID string, in *Correction) (*Corrected, error) {
	c, err := require(ctx, steward.ScopeRecordsWrite)
	if err != nil {
		return nil, err
	}
	if in.Email == nil && in.Phone == nil && in.Birthdate == nil {
		return nil, steward.Invalid("", "give at least one of email, phone or birthdate")
	}
	s, err := v.store.Subject(ctx, c.TenantID, subjectID)
	if err != nil {
		return nil, err
	}
	dk, err := v.dataKey(ctx, s)
	if err != nil {
		return nil, err
	}
	plain, err := crypt.Open(dk, s.Sealed, identifiersAAD(s))
	if err != nil {
		return nil, err
	}
	var id identifiers
	err = json.Unmarshal(plain, &id)
	crypt.Wipe(plain)
	if err != nil {
		return nil, err
	}
	fields, err := in.apply(&id)
	if err != nil {
		return nil, err
	}
	below := false
	if in.Birthdate != nil && id.Birthdate != "" {
		if below, err = v.checkAge(ctx, c, s, id.Birthdate); err != nil {
			return nil, err
		}
	}
	idx, err := v.indexes.get(ctx, c.TenantID)
	if err != nil {
		return nil, err
	}
	s.EmailIndex, s.PhoneIndex = nil, nil
	if id.Email != "" {
		s.EmailIndex = crypt.BlindIndex(idx, steward.IndexEmail, id.Email)
	}
	if id.Phone != "" {
		s.PhoneIndex = crypt.BlindIndex(idx, steward.IndexPhone, id.Phone)
	}
	plain, _ = json.Marshal(id)
	s.Sealed = crypt.Seal(dk, plain, identifiersAAD(s))
	crypt.Wipe(plain)
	if err := v.store.UpdateIdentifiers(ctx, s); err != nil {
		return nil, err
	}
	if _, err := v.record(ctx, c, steward.AuditEvent{Action: steward.ActionSubjectCorrect, SubjectID: s.ID,
		Decision: steward.DecisionAllow, Reasons: fields}); err != nil {
		return nil, err
	}
	if below {
		return v.belowMinimumAge(ctx, c, s)
	}
	if in.Birthdate != nil && id.Birthdate != "" && s.BelowMinimumAge {
		// A corrected birthdate at or above the minimum age clears the flag.
		if err := v.store.SetBelowMinimumAge(ctx, c.TenantID, s.ID, false); err != nil {
			return nil, err
		}
		s.BelowMinimumAge = false
		if _, err := v.record(ctx, c, steward.AuditEvent{Action: steward.ActionSubjectAge, SubjectID: s.ID,
			Decision: steward.DecisionAllow, Reasons: []string{"above_minimum_age"}}); err != nil {
			return nil, err
		}
	}
	return &Corrected{Subject: view(s)}, nil
}

// apply checks and applies the correction to id, returning the names of
// the fields it changed.
func (in *Correction) apply(id *identifiers) ([]string, error) {
	n := NewSubject{ExternalID: id.ExternalID}
	var fields []string
	if in.Email != nil {
		n.Email, fields = *in.Email, append(fields, "email")
	}
	if in.Phone != nil {
		n.Phone, fields = *in.Phone, append(fields, "phone")
	}
	if in.Birthdate != nil {
		n.Birthdate, fields = *in.Birthdate, append(fields, "birthdate")
	}
	norm, err := n.normalized()
	if err != nil {
		return nil, err
	}
	if in.Email != nil {
		id.Email = norm.Email
	}
	if in.Phone != nil {
		id.Phone = norm.Phone
	}
	if in.Birthdate != nil {
		id.Birthdate = norm.Birthdate
	}
	return fields, nil
}

// checkAge reports whether a birthdate puts the subject below the
// policy's minimum age; under children.below: refuse it refuses the write
// (ECONFLICT, reason below_minimum_age, audited).
func (v *Vault) checkAge(ctx context.Context, c *steward.Caller, s *steward.Subject, birthdate string) (bool, error) {
	birth, _ := time.Parse(time.DateOnly, birthdate)
	minAge, action := v.Policy().MinimumAge()
	if minAge == 0 || age(birth, v.now()) >= minAge {
		return false, nil
	}
	if action == policy.AgeRefuse {
		_, _ = v.record(ctx, c, steward.AuditEvent{Action: steward.ActionSubjectCorrect, SubjectID: s.ID,
			Decision: steward.DecisionDeny, Reasons: []string{"below_minimum_age"}})
		return true, &steward.Error{Code: steward.ECONFLICT, Message: "the birthdate puts the person below the minimum age the policy allows",
			Reasons: []string{"below_minimum_age"}}
	}
	return true, nil
}

// ReportAge records that staff found a subject below the policy's minimum
// age (POST /v1/subjects/{id}/age): the subject is flagged (so the policy
// denies or flags its processing) and, under children.below: delete,
// erased (see Config.ChildErasure). Audited.
func (v *Vault) ReportAge(ctx context.Context, subjectID string) (*Corrected, error) {
	c, err := require(ctx, steward.ScopeRecordsWrite)
	if err != nil {
		return nil, err
	}
	s, err := v.store.Subject(ctx, c.TenantID, subjectID)
	if err != nil {
		return nil, err
	}
	return v.belowMinimumAge(ctx, c, s)
}

// belowMinimumAge applies the policy's children.below to a subject found
// below the minimum age: the flag is recorded in every case (audited),
// then under delete the erasure is requested through Config.ChildErasure,
// or done at once without it (unless a legal hold keeps the data).
func (v *Vault) belowMinimumAge(ctx context.Context, c *steward.Caller, s *steward.Subject) (*Corrected, error) {
	if err := v.store.SetBelowMinimumAge(ctx, c.TenantID, s.ID, true); err != nil {
		return nil, err
	}
	s.BelowMinimumAge = true
	_, action := v.Policy().MinimumAge()
	out := &Corrected{Subject: view(s), Below: AgeFlagged}
	if _, err := v.record(ctx, c, steward.AuditEvent{Action: steward.ActionSubjectAge, SubjectID: s.ID,
		Decision: steward.DecisionAllow, Reasons: []string{"below_minimum_age", string(action)}}); err != nil {
		return nil, err
	}
	if action != policy.AgeDelete {
		return out, nil
	}
	if v.child != nil {
		if err := v.child(ctx, c.TenantID, s.ID); err != nil {
			return nil, err
		}
		out.Below = AgeErasureRequested
		return out, nil
	}
	if holds, err := v.store.HoldsOn(ctx, c.TenantID, s.ID, v.now().UTC()); err != nil {
		return nil, err
	} else if len(holds) > 0 {
		out.Below = AgeHeld
		return out, nil
	}
	if v.tombs != nil {
		if err := v.tombs.Append(ctx, c.TenantID, s.ID); err != nil {
			return nil, err
		}
	}
	if _, err := v.erase(ctx, c, s.ID, []string{ReasonChild}); err != nil {
		return nil, err
	}
	return &Corrected{Below: AgeErased}, nil
}
