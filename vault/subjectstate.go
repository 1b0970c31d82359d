package vault

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/policy"
)

// ObjectAll, as the only purpose of SetObjection, objects to every purpose
// that is not essential.
const ObjectAll = "*"

// maxObjections bounds the purposes of one objection.
const maxObjections = 50

// SetRestriction restricts a subject's processing (on), until the given
// time or, with until nil, until lifted; or lifts it (on false). While it
// is in force the policy allows only essential purposes and those based on
// a legal obligation (policy.ReasonRestricted). It is what a restriction
// request does; audited.
func (v *Vault) SetRestriction(ctx context.Context, subjectID string, until *time.Time, on bool) error {
	c, err := require(ctx, steward.ScopeRecordsWrite)
	if err != nil {
		return err
	}
	var end time.Time
	if on && until != nil {
		if !until.After(v.now()) {
			return steward.Invalid("until", "must be in the future")
		}
		end = until.UTC()
	}
	if err := v.store.SetRestriction(ctx, c.TenantID, subjectID, on, end); err != nil {
		return err
	}
	reason := "lifted"
	if on {
		reason = "restricted"
	}
	_, err = v.record(ctx, c, steward.AuditEvent{Action: steward.ActionSubjectRestrict, SubjectID: subjectID,
		Decision: steward.DecisionAllow, Reasons: []string{reason}})
	return err
}

// SetObjection replaces a subject's objections with purposes: each a
// declared, non-essential purpose key (it covers the purposes below it),
// or ObjectAll alone for every purpose that is not essential; none lifts
// every objection. An objected purpose is denied (policy.ReasonObjected).
// It is what an objection request does; audited with the purpose keys (or
// "all", or "lifted") as reasons.
func (v *Vault) SetObjection(ctx context.Context, subjectID string, purposes []string) error {
	c, err := require(ctx, steward.ScopeRecordsWrite)
	if err != nil {
		return err
	}
	all, keys, err := v.checkObjections(purposes)
	if err != nil {
		return err
	}
	if err := v.store.SetObjections(ctx, c.TenantID, subjectID, all, keys); err != nil {
		return err
	}
	if _, err = v.record(ctx, c, steward.AuditEvent{Action: steward.ActionSubjectObject, SubjectID: subjectID,
		Decision: steward.DecisionAllow, Reasons: objectionCodes(all, keys)}); err != nil {
		return err
	}
	if v.withdrawHook != nil && (all || len(keys) > 0) {
		if all {
			keys = []string{ObjectAll}
		}
		return v.withdrawHook(ctx, c.TenantID, subjectID, "objection", keys)
	}
	return nil
}

// WithdrawHook hears that a person objected to purposes ("*": every one
// that is not essential) or withdrew their consent: package training turns
// the shards they were in for those purposes into retrain obligations.
type WithdrawHook func(ctx context.Context, tenantID, subjectID, cause string, purposes []string) error

// SetWithdrawHook sets the hook of objections.
func (v *Vault) SetWithdrawHook(h WithdrawHook) { v.withdrawHook = h }

// checkObjections validates the purposes of an objection.
func (v *Vault) checkObjections(purposes []string) (all bool, keys []string, err error) {
	if len(purposes) > maxObjections {
		return false, nil, steward.Invalid("purposes", "at most 50 purposes")
	}
	if slices.Contains(purposes, ObjectAll) {
		if len(purposes) != 1 {
			return false, nil, steward.Invalid("purposes", `"*" (every purpose that is not essential) must be alone`)
		}
		return true, nil, nil
	}
	pol := v.Policy()
	for i, p := range purposes {
		if p == "" || len(p) > 200 {
			return false, nil, steward.Invalid("purposes", "every purpose must be a data-use key")
		}
		if !slices.ContainsFunc(pol.Purposes(), func(d string) bool { return related(d, p) }) {
			return false, nil, steward.Invalid("purposes", "a purpose is not declared by the policy")
		}
		if pol.Essential(p) {
			return false, nil, steward.Invalid("purposes", "essential purposes cannot be objected to")
		}
		if !slices.Contains(purposes[:i], p) {
			keys = append(keys, p)
		}
	}
	slices.Sort(keys)
	return false, keys, nil
}

// related reports whether one of two purpose keys covers the other.
func related(a, b string) bool {
	covers := func(p, k string) bool {
		return len(k) >= len(p) && k[:len(p)] == p && (len(k) == len(p) || k[len(p)] == '.')
	}
	return covers(a, b) || covers(b, a)
}

// objectionCodes names an objection in the audit log: "all", the purpose
// keys, or "lifted".
func objectionCodes(all bool, keys []string) []string {
	switch {
	case all:
		return []string{"all"}
	case len(keys) == 0:
		return []string{"lifted"}
	}
	return keys
}

// SetRetention records a retention the subject chose for a category (and
// the categories below it): an ISO 8601 duration such as P30D, no longer
// than the policy's retention for the category (EINVALID otherwise). The
// retention job (ExpirePersonal) then deletes the subject's records of the
// category once older than that. Audited.
func (v *Vault) SetRetention(ctx context.Context, subjectID, category, retention string) error {
	c, err := require(ctx, steward.ScopeRecordsWrite)
	if err != nil {
		return err
	}
	if err := v.checkCategory(category); err != nil {
		return err
	}
	p, err := policy.ParsePeriod(retention)
	if err != nil || p.Duration() <= 0 {
		return steward.Invalid("retention", "must be an ISO 8601 duration such as P30D or PT1H")
	}
	d := p.Duration()
	if d < time.Minute {
		return steward.Invalid("retention", "must be at least one minute")
	}
	if r, ok := v.Policy().Retention(category); ok {
		if limit, ok := r.Limit(); ok && d > limit {
			return steward.Invalid("retention", "may not be longer than the policy's retention for the category ("+r.String()+")")
		}
	}
	if err := v.store.PutSubjectRetention(ctx, &steward.SubjectRetention{TenantID: c.TenantID, SubjectID: subjectID,
		Category: category, Retention: d, UpdatedAt: v.now().UTC()}); err != nil {
		return err
	}
	_, err = v.record(ctx, c, steward.AuditEvent{Action: steward.ActionSubjectRetention, SubjectID: subjectID,
		Categories: []string{category}, Decision: steward.DecisionAllow})
	return err
}

// RetentionView is a retention a subject chose for a category.
type RetentionView struct {
	Category  string    `json:"category"`
	Retention string    `json:"retention" doc:"ISO 8601 duration"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Retentions lists the retentions a subject chose, by category (ENOTFOUND
// for an unknown subject).
func (v *Vault) Retentions(ctx context.Context, subjectID string) ([]RetentionView, error) {
	c, err := require(ctx, steward.ScopeRecordsRead)
	if err != nil {
		return nil, err
	}
	if _, err := v.store.SubjectState(ctx, c.TenantID, subjectID); err != nil {
		return nil, err
	}
	rs, err := v.store.SubjectRetentions(ctx, c.TenantID, subjectID)
	if err != nil {
		return nil, err
	}
	out := make([]RetentionView, len(rs))
	for i, r := range rs {
		out[i] = RetentionView{Category: r.Category, Retention: isoDuration(r.Retention), UpdatedAt: r.UpdatedAt}
	}
	return out, nil
}

// isoDuration writes a whole number of seconds as an ISO 8601 duration:
// days, then hours, minutes and seconds (P30D, PT1M, P1DT12H).
func isoDuration(d time.Duration) string {
	secs := int64(d / time.Second)
	days, secs := secs/86400, secs%86400
	out := "P"
	if days > 0 {
		out += strconv.FormatInt(days, 10) + "D"
	}
	if secs > 0 {
		out += "T"
		for _, u := range []struct {
			n    int64
			unit string
		}{{3600, "H"}, {60, "M"}, {1, "S"}} {
			if secs >= u.n {
				out += strconv.FormatInt(secs/u.n, 10) + u.unit
				secs %= u.n
			}
		}
	}
	if out == "P" {
		return "PT0S"
	}
	return out
}

// SetStaffAccessAgreement records a subject's agreement that staff may
// read their data under the policy's subject-agreement justification
// ("unless we first obtained the user's affirmative agreement"), or
// revokes it (agreed false). The application records it for the person it
// authenticated (scope records:write); audited with reason "agreed" or
// "revoked".
func (v *Vault) SetStaffAccessAgreement(ctx context.Context, subjectID string, agreed bool) error {
	c, err := require(ctx, steward.ScopeRecordsWrite)
	if err != nil {
		return err
	}
	if err := v.store.SetStaffAccessAgreed(ctx, c.TenantID, subjectID, agreed); err != nil {
		return err
	}
	reason := "revoked"
	if agreed {
		reason = "agreed"
	}
	_, err = v.record(ctx, c, steward.AuditEvent{Action: steward.ActionStaffAgreement, SubjectID: subjectID,
		Decision: steward.DecisionAllow, Reasons: []string{reason}})
	return err
}
