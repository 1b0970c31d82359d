package requests

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"

	"github.com/steward-privacy/steward"
)

// EvidenceFormat names the completion record format.
const EvidenceFormat = "steward-request-completion/1"

// Completion is the record of a completed request: what was asked, by whom
// verified, what was done (counts), when, and the outcome. It holds ids,
// codes, counts and times only; the reason of a partial completion is in
// words, as told to the person, and names no personal value.
type Completion struct {
	Format       string          `json:"format"`
	RequestID    string          `json:"request_id"`
	TenantID     string          `json:"tenant_id"`
	SubjectID    string          `json:"subject_id"`
	Type         string          `json:"type"`
	Jurisdiction string          `json:"jurisdiction"`
	Status       string          `json:"status"`
	Reason       string          `json:"reason,omitempty"`
	ReceivedAt   time.Time       `json:"received_at"`
	VerifiedBy   string          `json:"verified_by"`
	VerifiedAt   *time.Time      `json:"verified_at,omitempty"`
	ApprovedBy   string          `json:"approved_by,omitempty"`
	Deadline     time.Time       `json:"deadline"`
	Extended     bool            `json:"extended"`
	CompletedAt  time.Time       `json:"completed_at"`
	OnTime       bool            `json:"on_time"`
	Counts       map[string]int  `json:"counts,omitempty"`
	History      []RequestChange `json:"history"`
}

// RequestEvidence is a completion record with its detached Ed25519
// signature by an audit signing key (GET /v1/audit/public-key).
type RequestEvidence struct {
	Record     []byte `json:"record" doc:"the completion record JSON, base64 of the exact bytes signed"`
	Algorithm  string `json:"algorithm" doc:"Ed25519"`
	KeyID      int    `json:"key_id" doc:"the id of the key in GET /v1/audit/public-key"`
	Signature  []byte `json:"signature" doc:"Ed25519 signature over the record bytes, base64"`
	PublicKeys string `json:"public_keys" doc:"where the verification keys are published"`
}

// complete finishes r as the outcome says: the result stored, a signed
// completion record, the status change with a request.completed event, and
// an audit event carrying the record's SHA-256.
func (s *Service) complete(ctx context.Context, r *steward.RightsRequest, out *Outcome) error {
	now := s.now().UTC()
	if out.Result != nil {
		b, err := json.Marshal(out.Result)
		if err != nil {
			return err
		}
		r.Result = b
	}
	r.Reason, r.Held = "", out.Status == PartiallyCompleted && len(out.Held) > 0
	if out.Status == PartiallyCompleted {
		r.Reason = out.Reason
	}
	reason := "executed"
	if r.Held {
		reason = steward.ReasonLegalHold
	}
	change := steward.RequestStatusChange{From: r.Status, To: out.Status, At: now, Actor: runnerActor, Reason: reason}
	// The runner lists requests without their history: the record has it
	// all, read from the store.
	past := r.History
	if stored, err := s.store.Request(ctx, r.TenantID, r.ID); err != nil {
		return err
	} else if len(stored.History) > len(past) {
		past = stored.History
	}
	hist := make([]RequestChange, 0, len(past)+1)
	for _, c := range append(slices.Clip(past), change) {
		hist = append(hist, RequestChange(c))
	}
	rec := Completion{Format: EvidenceFormat, RequestID: r.ID, TenantID: r.TenantID, SubjectID: r.SubjectID, Type: r.Type,
		Jurisdiction: r.Jurisdiction, Status: out.Status, Reason: r.Reason, ReceivedAt: r.ReceivedAt, VerifiedBy: r.VerifiedBy,
		VerifiedAt: r.VerifiedAt, ApprovedBy: r.ApprovedBy, Deadline: r.Due(), Extended: r.ExtendedDeadline != nil,
		CompletedAt: now, OnTime: !now.After(r.Due()), Counts: out.Counts, History: hist}
	doc, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	keyID, sig, err := s.signer.SignDetached(doc)
	if err != nil {
		return err
	}
	r.Evidence, r.EvidenceKeyID, r.EvidenceSig, r.Status, r.UpdatedAt = doc, keyID, sig, out.Status, now
	r.DetailsSealed = nil // done with: corrected values are not kept beyond the request
	evs := make([]*steward.Event, 0, 2)
	for _, typ := range []string{steward.EventRequestChanged, steward.EventRequestCompleted} {
		ev, err := steward.NewEvent(r.TenantID, typ, now, changed{RequestID: r.ID, SubjectID: r.SubjectID, Type: r.Type,
			Status: out.Status, From: change.From, Deadline: r.Due().Format(time.RFC3339)})
		if err != nil {
			return err
		}
		evs = append(evs, ev)
	}
	if err := s.store.UpdateRequest(ctx, r, []steward.RequestStatusChange{change}, evs...); err != nil {
		return err
	}
	sum := sha256.Sum256(doc)
	reasons := []string{"type:" + r.Type, "status:" + r.Status, "evidence_sha256:" + hex.EncodeToString(sum[:])}
	if r.Held {
		reasons = append(reasons, "reason:"+steward.ReasonLegalHold)
		for _, id := range out.Held {
			reasons = append(reasons, "hold:"+id)
		}
	}
	return s.auditEvent(ctx, r.TenantID, runnerActor, steward.AuditEvent{Action: steward.ActionRequestComplete, SubjectID: r.SubjectID,
		Target: r.ID, Reasons: reasons})
}

// Evidence returns the signed completion record of a request (scope
// requests:manage); ENOTFOUND until it is completed.
func (s *Service) Evidence(ctx context.Context, id string) (*RequestEvidence, error) {
	c, r, err := s.manage(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(r.Evidence) == 0 {
		return nil, steward.Errorf(steward.ENOTFOUND, "the request has no completion record yet (it is %s)", r.Status)
	}
	if err := s.auditEvent(ctx, c.TenantID, c.Actor(), steward.AuditEvent{Action: steward.ActionRequestEvidence, SubjectID: r.SubjectID,
		Target: r.ID, Decision: steward.DecisionAllow}); err != nil {
		return nil, err
	}
	return &RequestEvidence{Record: r.Evidence, Algorithm: "Ed25519", KeyID: r.EvidenceKeyID, Signature: r.EvidenceSig,
		PublicKeys: "/v1/audit/public-key"}, nil
}
