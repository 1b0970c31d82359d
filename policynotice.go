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
	Version   string
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
}

// PolicyNoticeResult is the outcome of one notice: a Notice* result code
// and when.
type PolicyNoticeResult struct {
	PolicyRecipient
	Result     string
	NotifiedAt time.Time
}

// PolicyNoticeStore keeps notice campaigns.
//
// CreatePolicyCampaign stores the campaign, one pending recipient for
// every subject of every tenant with an email on file, and the events,
// in one transaction; it returns the number of recipients, or ECONFLICT
// when the version has a campaign. PendingPolicyNotices returns at most
// limit recipients still pending; RecordPolicyNotices stores results only
// for recipients still pending (a replica that lost its lease cannot
// overwrite one). FinishPolicyCampaign marks it done.
type PolicyNoticeStore interface {
	CreatePolicyCampaign(ctx context.Context, c *PolicyCampaign, events []*Event) (int, error)
	PolicyCampaign(ctx context.Context, version string) (*PolicyCampaign, error)
	ActivePolicyCampaigns(ctx context.Context) ([]*PolicyCampaign, error)
	PendingPolicyNotices(ctx context.Context, version string, limit int) ([]PolicyRecipient, error)
	RecordPolicyNotices(ctx context.Context, version string, done []PolicyNoticeResult) error
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
