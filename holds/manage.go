package holds

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
)

// maxReason bounds a hold's reason.
const maxReason = 2000

// NewHold is a hold to place: on a subject or on a category, with a reason.
type NewHold struct {
	Subject  string     `json:"subject,omitempty" doc:"the subject held (sub_...); or give category"`
	Category string     `json:"category,omitempty" doc:"a declared category held for every subject of the tenant, with the categories below it"`
	Reason   string     `json:"reason" doc:"why (a matter, an order); stored sealed, never in the audit log"`
	Until    *time.Time `json:"until,omitempty" doc:"when the hold lapses by itself; absent: until released"`
}

// HoldView is a hold as the API shows it.
type HoldView struct {
	ID         string     `json:"id"`
	Subject    string     `json:"subject,omitempty"`
	Category   string     `json:"category,omitempty"`
	Reason     string     `json:"reason"`
	Until      *time.Time `json:"until,omitempty"`
	Active     bool       `json:"active"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	ReleasedAt *time.Time `json:"released_at,omitempty"`
	ReleasedBy string     `json:"released_by,omitempty"`
}

func (s *Service) view(h *steward.Hold) *HoldView {
	return &HoldView{ID: h.ID, Subject: h.SubjectID, Category: h.Category, Reason: h.Reason, Until: h.Until, Active: h.Active(s.now()),
		CreatedBy: h.CreatedBy, CreatedAt: h.CreatedAt, ReleasedAt: h.ReleasedAt, ReleasedBy: h.ReleasedBy}
}

// check validates a new hold. Errors never echo the reason.
func (s *Service) check(ctx context.Context, tenant string, in *NewHold) error {
	if (in.Subject == "") == (in.Category == "") {
		return steward.Invalid("", "give exactly one of subject or category")
	}
	reason := strings.TrimSpace(in.Reason)
	if reason == "" {
		return steward.Invalid("reason", "is required: say why the data must be kept")
	}
	if len(reason) > maxReason || !utf8.ValidString(reason) {
		return steward.Invalid("reason", "must be valid text of at most 2000 bytes")
	}
	if in.Until != nil && !in.Until.After(s.now()) {
		return steward.Invalid("until", "must be in the future")
	}
	if in.Category != "" {
		if len(in.Category) > 200 || !s.pols.Policy().CategoryDeclared(in.Category) {
			return steward.Invalid("category", "is not a data category declared by the policy")
		}
		return nil
	}
	if _, err := s.store.SubjectState(ctx, tenant, in.Subject); err != nil {
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			return steward.Invalid("subject", "no such subject in this tenant")
		}
		return err
	}
	return nil
}

// Create places a hold. Audited (ids only).
func (s *Service) Create(ctx context.Context, in *NewHold) (*HoldView, error) {
	c, err := require(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.check(ctx, c.TenantID, in); err != nil {
		return nil, err
	}
	h := &steward.Hold{ID: steward.NewID("hold"), TenantID: c.TenantID, SubjectID: in.Subject, Category: in.Category,
		Reason: strings.TrimSpace(in.Reason), CreatedBy: c.Actor(), CreatedAt: s.now().UTC()}
	if in.Until != nil {
		u := in.Until.UTC()
		h.Until = &u
	}
	h.ReasonSealed = crypt.Seal(s.seal, []byte(h.Reason), aad(h.TenantID, h.ID))
	if err := s.store.CreateHold(ctx, h); err != nil {
		return nil, err
	}
	if err := s.record(ctx, c, steward.ActionHoldCreate, h); err != nil {
		return nil, err
	}
	return s.view(h), nil
}

// List lists the tenant's holds, newest first; released ones too when
// asked.
func (s *Service) List(ctx context.Context, includeReleased bool) ([]*HoldView, error) {
	c, err := require(ctx)
	if err != nil {
		return nil, err
	}
	hs, err := s.store.Holds(ctx, c.TenantID, includeReleased)
	if err != nil {
		return nil, err
	}
	out := make([]*HoldView, 0, len(hs))
	for _, h := range hs {
		if err := s.open(h); err != nil {
			return nil, err
		}
		out = append(out, s.view(h))
	}
	return out, nil
}

// open fills a stored hold's reason.
func (s *Service) open(h *steward.Hold) error {
	plain, err := crypt.Open(s.seal, h.ReasonSealed, aad(h.TenantID, h.ID))
	if err != nil {
		return err
	}
	h.Reason = string(plain)
	return nil
}

// Release releases a hold (ECONFLICT if released already), audited, then
// runs the release hook.
func (s *Service) Release(ctx context.Context, id string) (*HoldView, error) {
	c, err := require(ctx)
	if err != nil {
		return nil, err
	}
	h, err := s.store.ReleaseHold(ctx, c.TenantID, id, c.Actor(), s.now().UTC())
	if err != nil {
		return nil, err
	}
	if err := s.open(h); err != nil {
		return nil, err
	}
	if err := s.record(ctx, c, steward.ActionHoldRelease, h); err != nil {
		return nil, err
	}
	if s.onRelease != nil {
		if err := s.onRelease(context.WithoutCancel(ctx), h); err != nil {
			return nil, err
		}
	}
	return s.view(h), nil
}

// Held returns the ids and reasons of the holds in force on a subject of a
// tenant (its own, and category holds covering its data), for the requests
// runner: an erasure under a hold is only partly done. No caller is needed.
func (s *Service) Held(ctx context.Context, tenantID, subjectID string) (ids, reasons []string, err error) {
	hs, err := s.store.HoldsOn(ctx, tenantID, subjectID, s.now().UTC())
	if err != nil {
		return nil, nil, err
	}
	for _, h := range hs {
		if err := s.open(h); err != nil {
			return nil, nil, err
		}
		ids, reasons = append(ids, h.ID), append(reasons, h.Reason)
	}
	return ids, reasons, nil
}
