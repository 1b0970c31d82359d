package vault

import (
	"context"
	"slices"
	"strings"

	"github.com/steward-privacy/steward"
)

// PartialErasure is what EraseUnheld did: the holds that keep data, the
// categories they keep, and what was erased (ids and codes only).
type PartialErasure struct {
	// Holds are the ids of the holds in force on the subject; none means
	// nothing is held (and nothing was erased: call Erase).
	Holds []string `json:"holds"`
	// SubjectHeld: a hold keeps the whole subject, nothing was erased.
	SubjectHeld bool `json:"subject_held"`
	// HeldCategories are the categories category holds keep (with those
	// below them).
	HeldCategories []string `json:"held_categories,omitempty"`
	// ErasedCategories are the categories whose records or files were
	// erased now or before (not held), sorted.
	ErasedCategories []string `json:"erased_categories,omitempty"`
	Records          int      `json:"records_deleted"`
	Files            int      `json:"files_deleted"`
}

// Held reports whether the categories keep category (itself or one above
// it).
func (p *PartialErasure) Held(category string) bool {
	if p.SubjectHeld {
		return true
	}
	for _, h := range p.HeldCategories {
		if category == h || strings.HasPrefix(category, h+".") {
			return true
		}
	}
	return false
}

// EraseUnheld erases what the legal holds on a subject leave: with a hold
// on the subject itself, nothing; with holds on categories, the records
// and files of every other category (each deletion audited as usual).
// The subject, its data key and consents stay for what is held; Erase
// finishes the erasure once the holds are released. Without any hold it
// erases nothing and returns no Holds. Idempotent. ENOTFOUND when the
// subject does not exist (erased already).
func (v *Vault) EraseUnheld(ctx context.Context, subjectID string) (*PartialErasure, error) {
	c, err := require(ctx, steward.ScopeRecordsWrite)
	if err != nil {
		return nil, err
	}
	if _, err := v.store.SubjectState(ctx, c.TenantID, subjectID); err != nil {
		return nil, err
	}
	holds, err := v.store.HoldsOn(ctx, c.TenantID, subjectID, v.now().UTC())
	if err != nil {
		return nil, err
	}
	p := &PartialErasure{}
	for _, h := range holds {
		p.Holds = append(p.Holds, h.ID)
		switch {
		case h.SubjectID != "":
			p.SubjectHeld = true
		case !slices.Contains(p.HeldCategories, h.Category):
			p.HeldCategories = append(p.HeldCategories, h.Category)
		}
	}
	if len(p.Holds) == 0 || p.SubjectHeld {
		p.HeldCategories = nil
		return p, nil
	}
	slices.Sort(p.HeldCategories)
	recs, err := v.store.Records(ctx, c.TenantID, subjectID)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		if p.Held(r.Category) {
			continue
		}
		if err := v.store.DeleteRecord(ctx, c.TenantID, subjectID, r.Category); err != nil && steward.ErrorCode(err) != steward.ENOTFOUND {
			return nil, err
		}
		p.Records++
		if _, err := v.record(ctx, c, steward.AuditEvent{Action: steward.ActionRecordDelete, SubjectID: subjectID,
			Categories: []string{r.Category}, Decision: steward.DecisionAllow, Reasons: []string{ReasonErasureUnheld}}); err != nil {
			return nil, err
		}
		p.erased(r.Category)
	}
	files, err := v.store.SubjectFiles(ctx, c.TenantID, subjectID)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if p.Held(f.Category) {
			continue
		}
		if err := v.deleteFile(ctx, c, f, steward.ActionFileDelete); err != nil && steward.ErrorCode(err) != steward.ENOTFOUND {
			return nil, err
		}
		p.Files++
		p.erased(f.Category)
	}
	if p.Records+p.Files > 0 && v.after != nil {
		if err := v.after(context.WithoutCancel(ctx)); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (p *PartialErasure) erased(category string) {
	if !slices.Contains(p.ErasedCategories, category) {
		p.ErasedCategories = append(p.ErasedCategories, category)
		slices.Sort(p.ErasedCategories)
	}
}

// ReasonErasureUnheld is the reason code of the record deletions of an
// erasure that legal holds keep partly.
const ReasonErasureUnheld = "erasure_unheld"

// Erased reports whether a tenant's subject no longer exists (erased, or
// never was). It checks no scope: it serves the request runner.
func (v *Vault) Erased(ctx context.Context, tenantID, subjectID string) (bool, error) {
	_, err := v.store.SubjectState(ctx, tenantID, subjectID)
	switch steward.ErrorCode(err) {
	case "":
		return false, nil
	case steward.ENOTFOUND:
		return true, nil
	}
	return false, err
}
