package notices

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/policy/diff"
)

// Send sends one batch of notices of every campaign still sending,
// records each result, audits the batch per tenant with counts, and
// finishes a campaign with nothing pending. It returns how many notices
// it attempted; the job scheduler runs it under the lease, so one replica
// sends, and a restart resumes from the recorded results.
func (s *Service) Send(ctx context.Context) (int, error) {
	if s.c.Mailer == nil {
		return 0, nil
	}
	camps, err := s.c.Store.ActivePolicyCampaigns(ctx)
	if err != nil {
		return 0, err
	}
	attempted := 0
	for _, camp := range camps {
		n, err := s.sendBatch(ctx, camp)
		attempted += n
		if err != nil {
			return attempted, err
		}
	}
	return attempted, nil
}

// sendBatch sends the next batch of one campaign, or finishes it.
func (s *Service) sendBatch(ctx context.Context, camp *steward.PolicyCampaign) (int, error) {
	pending, err := s.c.Store.PendingPolicyNotices(ctx, camp.Version, s.c.Batch)
	if err != nil {
		return 0, err
	}
	if len(pending) == 0 {
		return 0, s.c.Store.FinishPolicyCampaign(ctx, camp.Version, s.c.Now().UTC())
	}
	subject, body, err := s.message(ctx, camp)
	if err != nil {
		return 0, err
	}
	done := make([]steward.PolicyNoticeResult, 0, len(pending))
	counts := map[string]map[string]int{} // tenant → result → n
	for _, r := range pending {
		d := steward.PolicyNoticeResult{PolicyRecipient: r}
		email, err := s.c.Contacts.NoticeEmail(ctx, r.TenantID, r.SubjectID, camp.Version)
		switch {
		case steward.ErrorCode(err) == steward.ENOTFOUND:
			d.Result = steward.NoticeErased
		case err != nil:
			return 0, err
		case email == "":
			d.Result = steward.NoticeNoEmail
		default:
			d.Result = steward.NoticeSent
			if err := s.c.Mailer.Send(ctx, email, subject, body); err != nil {
				if ctx.Err() != nil {
					return 0, ctx.Err()
				}
				d.Result = steward.NoticeFailed
			}
		}
		d.NotifiedAt = s.c.Now().UTC()
		done = append(done, d)
		if counts[r.TenantID] == nil {
			counts[r.TenantID] = map[string]int{}
		}
		counts[r.TenantID][d.Result]++
	}
	if err := s.c.Store.RecordPolicyNotices(ctx, camp.Version, done); err != nil {
		return 0, err
	}
	for tenant, byResult := range counts {
		e := &steward.AuditEvent{TenantID: tenant, Actor: Actor, Action: steward.ActionPolicyNotices, Target: camp.Version,
			Time: s.c.Now().UTC(), Decision: steward.DecisionAllow}
		for _, res := range []string{steward.NoticeSent, steward.NoticeNoEmail, steward.NoticeErased, steward.NoticeFailed} {
			if byResult[res] > 0 {
				e.Reasons = append(e.Reasons, res+":"+strconv.Itoa(byResult[res]))
			}
		}
		if err := s.c.Audit.Append(ctx, e); err != nil {
			return 0, err
		}
	}
	return len(done), nil
}

// message renders a campaign's mail from the policies: the organisation,
// the date, the material changes in words, the link to the new notice and
// whom to ask.
func (s *Service) message(ctx context.Context, camp *steward.PolicyCampaign) (subject, body string, err error) {
	v, err := s.c.Store.PolicyVersion(ctx, camp.Version)
	if err != nil {
		return "", "", err
	}
	next, err := policy.Parse("upcoming.yaml", v.Source)
	if err != nil {
		return "", "", err
	}
	cur := s.c.Policies.Current()
	base := cur.Policy
	if cur.Version.Version == camp.Version { // in force already: compare with what it replaced is gone; say what it is
		base = next
	}
	org := next.Organisation.Name
	date := camp.Effective.UTC().Format(time.DateOnly)
	var b strings.Builder
	b.WriteString("Hello,\n\n")
	b.WriteString(org + " is changing its privacy policy. The new policy (version " + camp.Version + ") applies from " + date + ".\n\n")
	if changes := describe(diff.Material(diff.Compare(base, next))); len(changes) > 0 {
		b.WriteString("What changes:\n")
		for _, c := range changes {
			b.WriteString("- " + c + "\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("Read the new privacy notice: " + s.c.PublicURL + "/privacy/versions/" + camp.Version + "\n")
	if c := next.Organisation.Contact; c != "" {
		b.WriteString("Questions: " + c + "\n")
	}
	b.WriteString("\nYou receive this message because " + org + " holds your email address and promised to tell you of material changes before they apply.\n")
	return org + ": changes to our privacy policy from " + date, b.String(), nil
}
