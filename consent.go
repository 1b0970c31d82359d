package steward

import (
	"context"
	"time"
)

// Consent channels: how a consent decision reached the service.
const (
	ChannelWeb   = "web"
	ChannelApp   = "app"
	ChannelAPI   = "api"
	ChannelEmail = "email"
	ChannelPaper = "paper"
	ChannelGPC   = "gpc" // a Global Privacy Control signal
)

// ConsentChannels lists the channels a consent may be given through.
var ConsentChannels = []string{ChannelWeb, ChannelApp, ChannelAPI, ChannelEmail, ChannelPaper, ChannelGPC}

// Audit actions of the consent ledger. Their events carry the purpose, the
// consent id as Target and codes such as "channel:web" and
// "processor:lumen-prompt" as Reasons; never the proof.
const (
	ActionConsentGrant    = "consent.grant"
	ActionConsentWithdraw = "consent.withdraw"
	ActionConsentRead     = "consent.read"
	ActionConsentReceipt  = "consent.receipt"
	ActionSignalRecord    = "signal.record"
)

// ConsentProof is what shows how a consent was collected: the notice
// version shown, the form (an identifier of the screen or document) and
// the SHA-256 of the exact text the person agreed to. None of it is a
// personal value; it stays out of the audit log all the same.
type ConsentProof struct {
	NoticeVersion string `json:"notice_version"`
	Form          string `json:"form"`
	TextSHA256    string `json:"text_sha256"`
}

// ConsentRecord is one consent decision of a subject, kept as history
// (append-only: a withdrawal is a new record): the latest decision per
// purpose and processor is the current one. PolicyVersion is the version of
// the policy in force when it was given.
type ConsentRecord struct {
	ID            string // cns_...
	TenantID      string
	SubjectID     string
	Purpose       string
	Processor     string // "" for every processor of the purpose
	Granted       bool
	PolicyVersion string
	Channel       string
	Proof         ConsentProof
	At            time.Time
}

// Signal is one recorded Global Privacy Control signal of a subject: on
// (an opt-out of the policy's GPC uses) or off. The latest one counts.
type Signal struct {
	TenantID      string
	SubjectID     string
	GPC           bool
	Source        string // "header" (Sec-GPC on a request) or "api"
	PolicyVersion string
	At            time.Time
}

// ConsentState is what decisions need of a subject's choices: the current
// consent decisions (latest per purpose and processor) and whether a GPC
// opt-out is recorded. It may be shared by a cache: callers must not
// change it.
type ConsentState struct {
	Consents []*ConsentRecord
	GPC      bool
	GPCAt    time.Time // when the latest signal was recorded (zero: never)
}

// ConsentStore keeps the consent ledger and the subjects' signals.
// AddConsent and AddSignal return ENOTFOUND when the subject is not in the
// tenant and store the events given in the same transaction; Consent
// returns ENOTFOUND for an unknown id.
type ConsentStore interface {
	AddConsent(ctx context.Context, c *ConsentRecord, events ...*Event) error
	// Consents returns the current decisions, by purpose then processor.
	Consents(ctx context.Context, tenantID, subjectID string) ([]*ConsentRecord, error)
	// ConsentHistory returns every decision, oldest first.
	ConsentHistory(ctx context.Context, tenantID, subjectID string) ([]*ConsentRecord, error)
	Consent(ctx context.Context, tenantID, id string) (*ConsentRecord, error)
	AddSignal(ctx context.Context, s *Signal, events ...*Event) error
	ConsentState(ctx context.Context, tenantID, subjectID string) (*ConsentState, error)
}
