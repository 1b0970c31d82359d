// Package consent is the consent ledger: a subject's grants and withdrawals
// per purpose (and processor), recorded append-only against the policy
// version in force with their proof and channel; Global Privacy Control
// signals; and signed consent receipts the person can keep.
//
// Whether a consent is effective is the policy Decider's answer
// (policy.Decider.ConsentStatus), computed from the same state the vault's
// reads are decided on (vault.SubjectConsents). Every write and read is an
// audit event with ids and codes only; every write emits a consent.changed
// event in the same transaction.
package consent

import (
	"context"
	"regexp"
	"slices"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/vault"
)

// Policies gives the policy in force and what a policy change made stale;
// *vault.Vault is one.
type Policies interface {
	Policy() *policy.Decider
	ConsentStaleness() steward.ConsentStaleness
}

// Signer signs receipts with a detached Ed25519 signature and names the
// key; *audit.Log is one.
type Signer interface {
	SignDetached(doc []byte) (keyID int, sig []byte, err error)
}

// Store is what the service needs from storage: the ledger, and the
// subject row to tell an unknown subject from one without consents.
type Store interface {
	steward.ConsentStore
	SubjectState(ctx context.Context, tenantID, subjectID string) (*steward.Subject, error)
}

// Config holds the service's dependencies.
type Config struct {
	Store    Store
	Policies Policies
	Audit    steward.AuditLog
	Signer   Signer
	Now      func() time.Time
}

// Service is the consent ledger.
type Service struct {
	store  Store
	pols   Policies
	audit  steward.AuditLog
	signer Signer
	now    func() time.Time
	// withdrew hears a withdrawal (package training: retrain obligations).
	withdrew func(ctx context.Context, tenantID, subjectID, cause string, purposes []string) error
}

// SetWithdrawHook sets what hears a consent withdrawn: the purposes the
// person may no longer be used for.
func (s *Service) SetWithdrawHook(h func(ctx context.Context, tenantID, subjectID, cause string, purposes []string) error) {
	s.withdrew = h
}

// New returns a Service.
func New(c Config) *Service {
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Service{store: c.Store, pols: c.Policies, audit: c.Audit, signer: c.Signer, now: c.Now}
}

// NewConsent is one consent decision as the application reports it.
type NewConsent struct {
	Purpose   string                `json:"purpose" doc:"a declared purpose whose basis is consent, e.g. essential.service.generation"`
	Processor string                `json:"processor,omitempty" doc:"a declared processor of that purpose: the decision covers only it"`
	Granted   *bool                 `json:"granted" doc:"true to give consent, false to withdraw it"`
	Channel   string                `json:"channel"`
	Proof     *steward.ConsentProof `json:"proof,omitempty" doc:"required when granted: the notice version shown, the form, the SHA-256 (hex) of the text agreed to"`
}

// Record is one stored consent decision.
type Record struct {
	ID            string               `json:"id" doc:"cns_..."`
	SubjectID     string               `json:"subject_id"`
	Purpose       string               `json:"purpose"`
	Processor     string               `json:"processor,omitempty"`
	Granted       bool                 `json:"granted"`
	Channel       string               `json:"channel"`
	PolicyVersion string               `json:"policy_version" doc:"the policy version in force when it was given"`
	Proof         steward.ConsentProof `json:"proof"`
	At            time.Time            `json:"at"`
}

// Current is the current decision for one purpose (and processor) and
// whether it is effective now; Reason says why not: withdrawn,
// policy_changed (given under a policy version whose purpose changed since;
// give it again) or gpc (a Global Privacy Control opt-out covers the
// purpose).
type Current struct {
	Record
	Effective bool   `json:"effective"`
	Reason    string `json:"reason,omitempty"`
}

// State is a subject's consent state.
type State struct {
	SubjectID     string     `json:"subject_id"`
	PolicyVersion string     `json:"policy_version" doc:"the policy version in force"`
	GPC           bool       `json:"gpc" doc:"a Global Privacy Control opt-out is recorded"`
	GPCHonored    bool       `json:"gpc_honored" doc:"the policy acts on GPC (gpc: honored)"`
	Consents      []Current  `json:"consents"`
	History       []Record   `json:"history,omitempty" doc:"with ?history=true: every decision, oldest first"`
	GPCAt         *time.Time `json:"gpc_at,omitempty"`
}

// Reasons a current consent is not effective.
const (
	ReasonWithdrawn     = "withdrawn"
	ReasonPolicyChanged = "policy_changed"
	ReasonGPC           = "gpc"
	ReasonNotGranted    = "not_granted"
)

var (
	codeRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$`)
	hexRe  = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// check validates n against the policy in force; errors name the field.
func (n *NewConsent) check(pol *policy.Decider) error {
	if n.Purpose == "" {
		return steward.Invalid("purpose", "is required: a declared purpose whose basis is consent")
	}
	basis, ok := pol.PurposeBasis(n.Purpose)
	if !ok {
		return steward.Invalid("purpose", "is not a purpose declared by the policy")
	}
	if basis != policy.BasisConsent {
		return steward.Invalid("purpose", "is based on "+string(basis)+", not consent: nothing to record")
	}
	if n.Processor != "" {
		if _, ok := pol.Processor(n.Processor); !ok {
			return steward.Invalid("processor", "is not a processor declared by the policy")
		}
		if !pol.ProcessorServes(n.Processor, n.Purpose) {
			return steward.Invalid("processor", "does not serve this purpose")
		}
	}
	if n.Granted == nil {
		return steward.Invalid("granted", "is required: true to give consent, false to withdraw it")
	}
	if !slices.Contains(steward.ConsentChannels, n.Channel) {
		return steward.Invalid("channel", "must be one of web, app, api, email, paper, gpc")
	}
	if n.Proof == nil {
		if *n.Granted {
			return steward.Invalid("proof", "is required for a grant: notice_version, form and text_sha256")
		}
		return nil
	}
	for _, f := range []struct{ path, v string }{{"proof.notice_version", n.Proof.NoticeVersion}, {"proof.form", n.Proof.Form}} {
		if !codeRe.MatchString(f.v) {
			return steward.Invalid(f.path, "must be an identifier of 1 to 128 letters, digits and . _ : / -")
		}
	}
	if !hexRe.MatchString(n.Proof.TextSHA256) {
		return steward.Invalid("proof.text_sha256", "must be the SHA-256 of the text, 64 lower-case hex digits")
	}
	return nil
}

// Record appends a consent decision for a subject and returns it, with
// whether it is effective now. EINVALID names the bad field; ENOTFOUND if
// the subject is not in the caller's tenant. Nothing is written on error.
func (s *Service) Record(ctx context.Context, subjectID string, n *NewConsent) (*Current, error) {
	c, err := steward.Require(ctx, steward.ScopeConsentsWrite)
	if err != nil {
		return nil, err
	}
	pol := s.pols.Policy()
	if err := n.check(pol); err != nil {
		return nil, err
	}
	cr := &steward.ConsentRecord{ID: steward.NewID("cns"), TenantID: c.TenantID, SubjectID: subjectID, Purpose: n.Purpose,
		Processor: n.Processor, Granted: *n.Granted, PolicyVersion: pol.Version(), Channel: n.Channel, At: s.now().UTC()}
	if n.Proof != nil {
		cr.Proof = *n.Proof
	}
	ev, err := steward.NewEvent(c.TenantID, steward.EventConsentChanged, cr.At, changed{SubjectID: subjectID, ConsentID: cr.ID,
		Purpose: cr.Purpose, Processor: cr.Processor, Granted: &cr.Granted, Channel: cr.Channel, PolicyVersion: cr.PolicyVersion})
	if err != nil {
		return nil, err
	}
	if err := s.store.AddConsent(ctx, cr, ev); err != nil {
		return nil, err
	}
	action := steward.ActionConsentWithdraw
	if cr.Granted {
		action = steward.ActionConsentGrant
	}
	reasons := []string{"channel:" + cr.Channel}
	if cr.Processor != "" {
		reasons = append(reasons, "processor:"+cr.Processor)
	}
	if err := s.record(ctx, c, steward.AuditEvent{Action: action, SubjectID: subjectID, Purpose: cr.Purpose, Target: cr.ID,
		Reasons: reasons}); err != nil {
		return nil, err
	}
	if !cr.Granted && s.withdrew != nil {
		if err := s.withdrew(ctx, c.TenantID, subjectID, "withdrawal", []string{cr.Purpose}); err != nil {
			return nil, err
		}
	}
	// The new decision is the most specific one for its own purpose and
	// processor, and given under the policy in force: what else could make
	// it ineffective is only a GPC opt-out, read when the policy's GPC uses
	// cover the purpose.
	st := &steward.ConsentState{Consents: []*steward.ConsentRecord{cr}}
	if cr.Granted && pol.GPCApplies(cr.Purpose) {
		full, err := s.store.ConsentState(ctx, c.TenantID, subjectID)
		if err != nil {
			return nil, err
		}
		st.GPC = full.GPC
	}
	out := s.current(pol, st, cr)
	return &out, nil
}

// changed is the data of a consent.changed event: ids and codes only.
type changed struct {
	SubjectID     string `json:"subject_id"`
	ConsentID     string `json:"consent_id,omitempty"`
	Purpose       string `json:"purpose,omitempty"`
	Processor     string `json:"processor,omitempty"`
	Granted       *bool  `json:"granted,omitempty"`
	GPC           *bool  `json:"gpc,omitempty"`
	Channel       string `json:"channel"`
	Source        string `json:"source,omitempty"`
	PolicyVersion string `json:"policy_version"`
}

// State returns a subject's current consents, each with whether it is
// effective, and with history every decision, oldest first.
func (s *Service) State(ctx context.Context, subjectID string, history bool) (*State, error) {
	c, err := steward.Require(ctx, steward.ScopeConsentsRead)
	if err != nil {
		return nil, err
	}
	pol := s.pols.Policy()
	if _, err := s.store.SubjectState(ctx, c.TenantID, subjectID); err != nil {
		return nil, err // ENOTFOUND: an empty state must not hide an unknown subject
	}
	st, err := s.store.ConsentState(ctx, c.TenantID, subjectID)
	if err != nil {
		return nil, err
	}
	out := &State{SubjectID: subjectID, PolicyVersion: pol.Version(), GPC: st.GPC, GPCHonored: pol.GPCHonored(),
		Consents: make([]Current, 0, len(st.Consents))}
	if !st.GPCAt.IsZero() {
		at := st.GPCAt
		out.GPCAt = &at
	}
	for _, cr := range st.Consents {
		out.Consents = append(out.Consents, s.current(pol, st, cr))
	}
	if history {
		hist, err := s.store.ConsentHistory(ctx, c.TenantID, subjectID)
		if err != nil {
			return nil, err
		}
		out.History = make([]Record, len(hist))
		for i, h := range hist {
			out.History[i] = view(h)
		}
	}
	if err := s.record(ctx, c, steward.AuditEvent{Action: steward.ActionConsentRead, SubjectID: subjectID,
		Decision: steward.DecisionAllow}); err != nil {
		return nil, err
	}
	return out, nil
}

// current asks the policy whether cr, one of the subject's current
// decisions, is effective.
func (s *Service) current(pol *policy.Decider, st *steward.ConsentState, cr *steward.ConsentRecord) Current {
	var ss policy.SubjectState
	vault.SubjectConsents(&ss, st, pol.Version(), s.pols.ConsentStaleness())
	why := pol.ConsentStatus(&ss, cr.Purpose, cr.Processor)
	out := Current{Record: view(cr), Effective: why == 0}
	switch {
	case why.Has(policy.ReasonConsentWithdrawn):
		out.Reason = ReasonWithdrawn
	case why.Has(policy.ReasonConsentStale):
		out.Reason = ReasonPolicyChanged
	case why.Has(policy.ReasonGPCOptOut):
		out.Reason = ReasonGPC
	case why != 0:
		out.Reason = ReasonNotGranted
	}
	return out
}

func view(cr *steward.ConsentRecord) Record {
	return Record{ID: cr.ID, SubjectID: cr.SubjectID, Purpose: cr.Purpose, Processor: cr.Processor, Granted: cr.Granted,
		Channel: cr.Channel, PolicyVersion: cr.PolicyVersion, Proof: cr.Proof, At: cr.At}
}

// record appends an audit event for the caller.
func (s *Service) record(ctx context.Context, c *steward.Caller, e steward.AuditEvent) error {
	e.TenantID, e.Actor, e.Time = c.TenantID, c.Actor(), s.now().UTC()
	if info := steward.RequestFrom(ctx); info != nil {
		e.RequestID, e.ClientIP = info.ID, info.ClientIP
	}
	return s.audit.Append(ctx, &e)
}
