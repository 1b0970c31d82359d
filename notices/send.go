package notices

import (
	"context"
	"errors"
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
// it settled (sent, or found without address or erased: failed sends,
// retried later, do not count), so that the job repeats it while the
// mail server takes notices and stops, to try again at its next run, when
// it takes none. The job scheduler runs it under the lease, so one
// replica sends, and a restart resumes from the recorded results.
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
	// Each result is stored as soon as the mail server answered, so a
	// crash (kill -9, a lost lease) mails again at most the one notice in
	// flight, never the batch.
	attempted := 0
	counts := map[string]map[string]int{} // tenant → result → n
	err = func() error {
		for _, r := range pending {
			d := steward.PolicyNoticeResult{PolicyRecipient: r}
			email, err := s.c.Contacts.NoticeEmail(ctx, r.TenantID, r.SubjectID, camp.Version)
			switch {
			case steward.ErrorCode(err) == steward.ENOTFOUND:
				d.Result = steward.NoticeErased
			case err != nil:
				return err
			case email == "":
				d.Result = steward.NoticeNoEmail
			default:
				d.Result = steward.NoticeSent
				if s.limit != nil {
					if err := s.limit.Wait(ctx); err != nil {
						return err
					}
				}
				if err := s.c.Mailer.Send(ctx, email, subject, body); err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					d.Result = steward.NoticeFailed // retried at the next run until MaxNoticeAttempts
				}
			}
			d.NotifiedAt = s.c.Now().UTC()
			ok, err := s.c.Store.RecordPolicyNotice(context.WithoutCancel(ctx), camp.Version, d)
			if err != nil {
				return err
			}
			if d.Result != steward.NoticeFailed {
				attempted++
			}
			if !ok {
				continue // another replica recorded it meanwhile (it took the lease over)
			}
			if counts[r.TenantID] == nil {
				counts[r.TenantID] = map[string]int{}
			}
			counts[r.TenantID][d.Result]++
		}
		return nil
	}()
	return attempted, errors.Join(err, s.auditBatch(context.WithoutCancel(ctx), camp, counts))
}

// auditBatch records one policy.notices event per tenant of a batch, with
// the count of each result. One event per batch rather than per notice:
// each address read is already an audit event of its own
// (subject.contact_read by system:policy-notices, with the subject id and
// the version), and who was told when, with what result, is in the
// campaign's table; a second event per person would double the chain for
// nothing an auditor cannot already see.
func (s *Service) auditBatch(ctx context.Context, camp *steward.PolicyCampaign, counts map[string]map[string]int) error {
	for tenant, byResult := range counts {
		e := &steward.AuditEvent{TenantID: tenant, Actor: Actor, Action: steward.ActionPolicyNotices, Target: camp.Version,
			Time: s.c.Now().UTC(), Decision: steward.DecisionAllow}
		for _, res := range []string{steward.NoticeSent, steward.NoticeNoEmail, steward.NoticeErased, steward.NoticeFailed} {
			if byResult[res] > 0 {
				e.Reasons = append(e.Reasons, res+":"+strconv.Itoa(byResult[res]))
			}
		}
		if err := s.c.Audit.Append(ctx, e); err != nil {
			return err
		}
	}
	return nil
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
	// The changes from the version in force when it was staged: the same
	// words whenever the notice is sent, even after the new version came
	// into force.
	base := s.c.Policies.Current().Policy
	if camp.From != "" {
		from, err := s.c.Store.PolicyVersion(ctx, camp.From)
		if err != nil {
			return "", "", err
		}
		if base, err = policy.Parse("policy version "+camp.From, from.Source); err != nil {
			return "", "", err
		}
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
