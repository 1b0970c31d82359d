// Package notices tells people of material changes to the privacy policy
// before they apply, as two seed policies promise ("we will notify you by
// email before material changes take effect").
//
// The operator stages the next policy (POST /v1/policy/upcoming, or
// `steward policy stage FILE --effective DATE`): the file is checked,
// compared with the policy in force (policy/diff), and refused when its
// effective date comes sooner than the policy in force's
// changes.days_before allows; nothing is written then. Staged, it waits in
// the policy versions (package policies switches every replica to it on
// its date, and the re-consent rules apply). When it changes something
// material, a campaign starts: one row per subject with an email on file,
// of every tenant; a job under the lease sends the notices in batches (the
// summary of material changes in words and a link to the new notice),
// records each result (ids and codes, never an address) and resumes after
// a restart without mailing anyone twice. Each tenant's outbox receives
// policy.upcoming and its audit log policy.stage and, per batch,
// policy.notices with counts.
package notices

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/policies"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/policy/diff"
)

// Store is what the service needs from storage.
type Store interface {
	steward.PolicyNoticeStore
	Tenants(ctx context.Context) ([]*steward.Tenant, error)
	PolicyVersion(ctx context.Context, version string) (*steward.PolicyVersion, error)
}

// Contacts reads a subject's email address for a notice; *vault.Vault is
// one (NoticeEmail). ENOTFOUND means the subject was erased.
type Contacts interface {
	NoticeEmail(ctx context.Context, tenantID, subjectID, version string) (string, error)
}

// Mailer sends one plain-text email.
type Mailer interface {
	Send(ctx context.Context, to, subject, text string) error
}

// Config holds the service's dependencies. Mailer may be nil: then a
// policy with material changes cannot be staged (503
// email_not_configured), since the people could not be told.
type Config struct {
	Store    Store
	Policies *policies.Service
	Contacts Contacts
	Mailer   Mailer
	Audit    steward.AuditLog
	// PublicURL is the base of the link to the new notice in the mail.
	PublicURL string
	// Batch is how many notices one run of the job sends per campaign
	// (default 100).
	Batch int
	// Rate caps the notices mailed per second (0: no cap), for mail
	// relays that throttle senders.
	Rate float64
	Now  func() time.Time
}

// Service stages policies and sends their notices.
type Service struct {
	c     Config
	limit *rate.Limiter // nil: no cap
}

// New returns a Service.
func New(c Config) *Service {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Batch <= 0 {
		c.Batch = 100
	}
	c.PublicURL = strings.TrimSuffix(c.PublicURL, "/")
	s := &Service{c: c}
	if c.Rate > 0 {
		s.limit = rate.NewLimiter(rate.Limit(c.Rate), 1)
	}
	return s
}

// Actor is the audit actor of the sending job.
const Actor = "system:policy-notices"

// ReasonEmailNotConfigured answers a staging with material changes on a
// server without mail settings.
const ReasonEmailNotConfigured = "email_not_configured"

// maxSource bounds a staged policy file.
const maxSource = 1 << 20

// StageRequest stages the next policy.
type StageRequest struct {
	Source    string `json:"source" doc:"the policy file (YAML), as steward policy check reads it"`
	Effective string `json:"effective" doc:"YYYY-MM-DD: must be the file's organisation.effective (a confirmation), at least changes.days_before days from now"`
}

// Upcoming is a staged policy and the progress of its notices.
type Upcoming struct {
	Version   string   `json:"version"`
	Effective string   `json:"effective" doc:"YYYY-MM-DD: the day every replica enforces it"`
	From      string   `json:"from" doc:"the version in force it replaces"`
	Changes   int      `json:"changes" doc:"changes of any kind"`
	Material  []string `json:"material" doc:"the material changes, in words, as the notice mail says them"`
	NoticeURL string   `json:"notice_url" doc:"the new notice, public"`
	// Notices is the campaign's progress; nil when nothing material
	// changed (nobody needs to be told).
	Notices *Progress `json:"notices,omitempty"`
}

// Progress counts a campaign's notices.
type Progress struct {
	steward.NoticeProgress
	Done bool `json:"done" doc:"every notice was attempted"`
}

// Stage checks, compares and stages a policy file, and starts telling the
// people of its material changes (scope tenants:write: the policy is the
// server's, every tenant's). Refusals write nothing.
func (s *Service) Stage(ctx context.Context, in *StageRequest) (*Upcoming, error) {
	c, err := steward.Require(ctx, steward.ScopeTenantsWrite)
	if err != nil {
		return nil, err
	}
	eff, err := time.Parse(time.DateOnly, in.Effective)
	if err != nil {
		return nil, steward.Invalid("effective", "write the date as YYYY-MM-DD")
	}
	if len(in.Source) == 0 || len(in.Source) > maxSource {
		return nil, steward.Invalid("source", "must be a policy file of at most 1 MiB")
	}
	v, p, err := s.c.Policies.Prepare(ctx, "upcoming.yaml", []byte(in.Source))
	if _, isProblems := policy.AsProblems(err); isProblems {
		return nil, problems(err)
	}
	if err != nil {
		return nil, err
	}
	if string(p.Organisation.Effective) != in.Effective {
		return nil, steward.Invalid("effective", "must be the file's organisation.effective (it says "+
			strconv.Quote(string(p.Organisation.Effective))+")")
	}
	cur := s.c.Policies.Current()
	now := s.c.Now().UTC()
	days := cur.Policy.Changes.DaysBefore
	if earliest := EarliestEffective(now, days); eff.Before(earliest) {
		return nil, &steward.Error{Code: steward.EINVALID, Reasons: []string{"days_before:" + strconv.Itoa(days)},
			Message: fmt.Sprintf("the policy in force promises notice %d days before a change: the earliest effective date is %s",
				days, earliest.Format(time.DateOnly)),
			Fields: []steward.FieldError{{Path: "effective", Message: "at least changes.days_before days from now, and in the future"}}}
	}
	version := v.Version
	changes := diff.Compare(cur.Policy, p)
	material := describe(diff.Material(changes))
	if len(material) > 0 && s.c.Mailer == nil {
		return nil, &steward.Error{Code: steward.EUNAVAILABLE, Reasons: []string{ReasonEmailNotConfigured},
			Message: "the changes are material and email is not configured (smtp_url and mail_from): the people could not be told"}
	}
	up := &Upcoming{Version: version, Effective: in.Effective, From: cur.Version.Version, Changes: len(changes), Material: material,
		NoticeURL: s.c.PublicURL + "/privacy/versions/" + version}
	tenants, err := s.c.Store.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	// The version, its campaign (when something material changes: nobody
	// needs telling otherwise) and every tenant's policy.upcoming are
	// stored in one transaction: a crash stages all of it or nothing, so a
	// staged version never lacks its notices.
	events := make([]*steward.Event, 0, len(tenants))
	for _, t := range tenants {
		ev, err := steward.NewEvent(t.ID, steward.EventPolicyUpcoming, now, upcomingEvent{Version: version, Effective: in.Effective,
			From: up.From, Material: len(material)})
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	var camp *steward.PolicyCampaign
	if len(material) > 0 {
		camp = &steward.PolicyCampaign{Version: version, From: up.From, Effective: eff, Material: len(material), CreatedAt: now,
			CreatedBy: c.Actor()}
	}
	recipients, err := s.c.Store.StagePolicyVersion(ctx, v, camp, events)
	if err != nil {
		return nil, err
	}
	for _, t := range tenants {
		e := steward.NewAuditEvent(ctx, c, steward.ActionPolicyStage, now)
		e.TenantID, e.Target, e.Decision = t.ID, version, steward.DecisionAllow
		e.Reasons = []string{"effective:" + in.Effective, "material:" + strconv.Itoa(len(material)), "recipients:" + strconv.Itoa(recipients)}
		if err := s.c.Audit.Append(ctx, e); err != nil {
			return nil, err
		}
	}
	return up, s.progress(ctx, up)
}

// EarliestEffective is the first effective date (midnight UTC) a policy
// staged at now may take when the policy in force promises notice
// daysBefore days before a change: the people are told from now, so the
// date is at least daysBefore whole days away, and always in the future.
func EarliestEffective(now time.Time, daysBefore int) time.Time {
	t := now.UTC().Add(time.Duration(max(daysBefore, 0)) * 24 * time.Hour)
	day := t.Truncate(24 * time.Hour)
	if day.Before(t) || !day.After(now) {
		day = day.AddDate(0, 0, 1)
	}
	return day
}

// upcomingEvent is the data of policy.upcoming.
type upcomingEvent struct {
	Version   string `json:"version"`
	Effective string `json:"effective"`
	From      string `json:"from"`
	Material  int    `json:"material"`
}

// problems turns a policy file's problems into a 400 whose fields carry
// FILE:LINE:COL messages.
func problems(err error) error {
	var ps policy.Problems
	if !errors.As(err, &ps) {
		return steward.Invalid("source", steward.ErrorMessage(err))
	}
	e := &steward.Error{Code: steward.EINVALID, Message: fmt.Sprintf("the policy file has %d problem(s)", len(ps))}
	for _, p := range ps {
		e.Fields = append(e.Fields, steward.FieldError{Path: "source", Message: p.String()})
	}
	return e
}

// describe says material changes in words for people.
func describe(cs []diff.Change) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		what := c.Path
		switch c.Kind {
		case "added":
			what += ": " + c.New
		case "removed":
			what += ": " + c.Old + " (removed)"
		default:
			what += ": " + c.Old + " → " + c.New
		}
		why := c.Why
		if why != "" {
			why = strings.ToUpper(why[:1]) + why[1:] + " — "
		}
		out = append(out, why+what)
	}
	return out
}

// Upcoming returns the staged version that comes into force next (with
// its changes and notice progress), ENOTFOUND when none is staged. Scope
// policy:read.
func (s *Service) Upcoming(ctx context.Context) (*Upcoming, error) {
	if _, err := steward.Require(ctx, steward.ScopePolicyRead); err != nil {
		return nil, err
	}
	vs, err := s.c.Policies.Versions(ctx)
	if err != nil {
		return nil, err
	}
	var next *steward.PolicyVersion
	for _, v := range vs {
		if v.EnforcedAt == nil && v.Effective.After(s.c.Now()) && (next == nil || v.Effective.Before(next.Effective)) {
			next = v
		}
	}
	if next == nil {
		return nil, steward.Errorf(steward.ENOTFOUND, "no policy is staged")
	}
	p, err := policy.Parse("upcoming.yaml", next.Source)
	if err != nil {
		return nil, err
	}
	cur := s.c.Policies.Current()
	changes := diff.Compare(cur.Policy, p)
	up := &Upcoming{Version: next.Version, Effective: next.Effective.UTC().Format(time.DateOnly), From: cur.Version.Version,
		Changes: len(changes), Material: describe(diff.Material(changes)), NoticeURL: s.c.PublicURL + "/privacy/versions/" + next.Version}
	return up, s.progress(ctx, up)
}

// progress fills the campaign's progress, if the version has one.
func (s *Service) progress(ctx context.Context, up *Upcoming) error {
	camp, err := s.c.Store.PolicyCampaign(ctx, up.Version)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	p, err := s.c.Store.PolicyNoticeProgress(ctx, up.Version)
	if err != nil {
		return err
	}
	up.Notices = &Progress{NoticeProgress: p, Done: camp.DoneAt != nil}
	return nil
}

// SetPublicURL sets the base of the notice link when the configuration
// gave none (the listen address, known once listening). Call it before
// serving.
func (s *Service) SetPublicURL(base string) {
	if s.c.PublicURL == "" {
		s.c.PublicURL = strings.TrimSuffix(base, "/")
	}
}
