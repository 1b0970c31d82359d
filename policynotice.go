package steward

import (
	"context"
	"time"
)

// PolicyCampaign is the sending of the notices of one staged policy
// version: every subject with an email on file, of every tenant, is told
// of its material changes before it applies. Its recipients are stored
// with their result (ids and codes, never an address), so a campaign
// resumes after a restart and never mails anyone twice.
type PolicyCampaign struct {
	Version string
	// From is the version in force when it was staged: the mail announces
	// the changes from it, whenever it is sent ("" for campaigns stored
	// before it was recorded: the version in force at sending is used).
	From      string
	Effective time.Time
	Material  int // material changes announced
	CreatedAt time.Time
	CreatedBy string
	DoneAt    *time.Time
}

// PolicyRecipient is one subject a campaign tells.
type PolicyRecipient struct {
	TenantID  string
	SubjectID string
	// Attempts counts the sends tried before (a failed one is retried
	// until MaxNoticeAttempts).
	Attempts int
}

// MaxNoticeAttempts bounds the sends of one notice of a policy change: a
// notice that failed this many times stays failed.
const MaxNoticeAttempts = 3

// PolicyNoticeResult is the outcome of one notice: a Notice* result code
// and when.
type PolicyNoticeResult struct {
	PolicyRecipient
	Result     string
	NotifiedAt time.Time
}

// PolicyNoticeStore keeps notice campaigns.
//
// StagePolicyVersion stores a new policy version staged (as
// ImportPolicyVersion does: Seq set, ECONFLICT when the version exists),
// the events, and, when c is not nil, the campaign with one pending
// recipient for every subject of every tenant with an email on file, all
// in one transaction (a crash stages all of it or nothing); it returns the
// number of recipients. PendingPolicyNotices returns at most limit
// recipients to send to: never attempted, or failed fewer than
// MaxNoticeAttempts times. RecordPolicyNotice stores the result of one
// attempt (Attempts incremented) only if the recipient is still as
// PendingPolicyNotices returned it (a replica that lost its lease cannot
// overwrite a newer result) and reports whether it did.
// FinishPolicyCampaign marks it done.
type PolicyNoticeStore interface {
	StagePolicyVersion(ctx context.Context, v *PolicyVersion, c *PolicyCampaign, events []*Event) (int, error)
	PolicyCampaign(ctx context.Context, version string) (*PolicyCampaign, error)
	ActivePolicyCampaigns(ctx context.Context) ([]*PolicyCampaign, error)
	PendingPolicyNotices(ctx context.Context, version string, limit int) ([]PolicyRecipient, error)
	RecordPolicyNotice(ctx context.Context, version string, done PolicyNoticeResult) (bool, error)
	PolicyNoticeProgress(ctx context.Context, version string) (NoticeProgress, error)
	FinishPolicyCampaign(ctx context.Context, version string, at time.Time) error
}

// Policy notice events and audit actions.
const (
	// EventPolicyUpcoming announces a staged policy version to each
	// tenant's outbox: version, effective date, material changes.
	EventPolicyUpcoming = "policy.upcoming"
	// ActionPolicyStage records the staging (Target the version; reasons
	// effective:DATE, material:N, recipients:N).
	ActionPolicyStage = "policy.stage"
	// ActionPolicyNotices records a batch of notices sent (one event per
	// tenant and batch: sent:N, no_email:N, erased:N, failed:N).
	ActionPolicyNotices = "policy.notices"
)
