package client

import (
	"context"
	"encoding/json"
	"net/url"
	"time"
)

// ConsentProof shows how a consent was collected: the notice version shown,
// the form, and the SHA-256 (64 hex digits) of the exact text agreed to.
type ConsentProof struct {
	NoticeVersion string `json:"notice_version"`
	Form          string `json:"form"`
	TextSHA256    string `json:"text_sha256"`
}

// NewConsent is one consent decision: Granted true gives consent, false
// withdraws it. Purpose must be a declared purpose based on consent;
// Processor, when set, a processor of it (the decision then covers only
// that processor). Channel is web, app, api, email, paper or gpc. Proof is
// required for a grant.
type NewConsent struct {
	Purpose   string        `json:"purpose"`
	Processor string        `json:"processor,omitempty"`
	Granted   *bool         `json:"granted"`
	Channel   string        `json:"channel"`
	Proof     *ConsentProof `json:"proof,omitempty"`
}

// Grant returns a pointer to b, for NewConsent.Granted.
func Grant(b bool) *bool { return &b }

// ConsentRecord is one stored consent decision.
type ConsentRecord struct {
	ID            string       `json:"id"`
	SubjectID     string       `json:"subject_id"`
	Purpose       string       `json:"purpose"`
	Processor     string       `json:"processor,omitempty"`
	Granted       bool         `json:"granted"`
	Channel       string       `json:"channel"`
	PolicyVersion string       `json:"policy_version"` // the policy version in force when given
	Proof         ConsentProof `json:"proof"`
	At            time.Time    `json:"at"`
}

// CurrentConsent is the current decision for a purpose (and processor) and
// whether it is effective now; Reason says why not: withdrawn,
// policy_changed, gpc or not_granted.
type CurrentConsent struct {
	ConsentRecord
	Effective bool   `json:"effective"`
	Reason    string `json:"reason,omitempty"`
}

// ConsentState is a subject's consent state.
type ConsentState struct {
	SubjectID     string           `json:"subject_id"`
	PolicyVersion string           `json:"policy_version"` // the policy in force
	GPC           bool             `json:"gpc"`            // a GPC opt-out is recorded
	GPCHonored    bool             `json:"gpc_honored"`    // the policy acts on GPC
	Consents      []CurrentConsent `json:"consents"`
	History       []ConsentRecord  `json:"history,omitempty"` // with history: every decision, oldest first
	GPCAt         *time.Time       `json:"gpc_at,omitempty"`
}

// SignedReceipt is a consent receipt with its detached Ed25519 signature:
// Receipt holds the exact bytes signed (a JSON document), KeyID names the
// key in AuditPublicKeys.
type SignedReceipt struct {
	Receipt    []byte `json:"receipt"`
	Algorithm  string `json:"algorithm"`
	KeyID      int    `json:"key_id"`
	Signature  []byte `json:"signature"`
	PublicKeys string `json:"public_keys"`
}

// Decode unmarshals the receipt document into dst (a map, or a struct of
// your own); verify the signature first (steward consent verify-receipt,
// or ed25519.Verify over Receipt).
func (r *SignedReceipt) Decode(dst any) error { return json.Unmarshal(r.Receipt, dst) }

// Signal is a recorded Global Privacy Control signal.
type Signal struct {
	SubjectID     string    `json:"subject_id"`
	GPC           bool      `json:"gpc"`
	Source        string    `json:"source"` // header or api
	Channel       string    `json:"channel"`
	PolicyVersion string    `json:"policy_version"`
	Honored       bool      `json:"honored"` // the policy in force acts on GPC
	At            time.Time `json:"at"`
}

type signalRequest struct {
	GPC *bool `json:"gpc"`
}

var (
	routeRecordConsent = jsonRoute[NewConsent, CurrentConsent]("RecordConsent", "POST", "/v1/subjects/{id}/consents")
	routeConsents      = jsonRoute[none, ConsentState]("Consents", "GET", "/v1/subjects/{id}/consents")
	routeReceipt       = jsonRoute[none, SignedReceipt]("ConsentReceipt", "GET", "/v1/consents/{id}/receipt")
	routeSignal        = jsonRoute[signalRequest, Signal]("RecordSignal", "POST", "/v1/subjects/{id}/signals")
)

// RecordConsent appends a consent decision for a subject and returns it
// with whether it is effective now (needs consents:write).
func (c *Client) RecordConsent(ctx context.Context, subjectID string, in NewConsent) (*CurrentConsent, error) {
	return routeRecordConsent.call(ctx, c, in, nil, subjectID)
}

// Consents returns a subject's current consents; with history, every
// decision too, oldest first (needs consents:read).
func (c *Client) Consents(ctx context.Context, subjectID string, history bool) (*ConsentState, error) {
	var q url.Values
	if history {
		q = values("history", "true")
	}
	return routeConsents.call(ctx, c, none{}, q, subjectID)
}

// ConsentReceipt returns the signed receipt of a consent decision (needs
// consents:read).
func (c *Client) ConsentReceipt(ctx context.Context, consentID string) (*SignedReceipt, error) {
	return routeReceipt.call(ctx, c, none{}, nil, consentID)
}

// RecordSignal records a subject's Global Privacy Control signal: true opts
// out of the policy's GPC uses, false ends the opt-out (needs
// consents:write).
func (c *Client) RecordSignal(ctx context.Context, subjectID string, gpc bool) (*Signal, error) {
	return routeSignal.call(ctx, c, signalRequest{GPC: &gpc}, nil, subjectID)
}

type gpcKey struct{}

// WithGPC returns a context whose requests carry Sec-GPC: 1, forwarding a
// browser's Global Privacy Control signal: on a request about a subject
// (/v1/subjects/{id}...) the server records the opt-out before answering.
func WithGPC(ctx context.Context) context.Context { return context.WithValue(ctx, gpcKey{}, true) }

func gpcFrom(ctx context.Context) bool { v, _ := ctx.Value(gpcKey{}).(bool); return v }
