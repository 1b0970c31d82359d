package incidents

import (
	"context"
	"strconv"

	"github.com/steward-privacy/steward"
)

// ReasonEmailNotConfigured answers a request to notify the people affected
// on a server without mail settings.
const ReasonEmailNotConfigured = "email_not_configured"

// NotifySubjects asks for the subject notice of a high-risk incident, whose
// regulator was notified, to be emailed to every affected subject with an
// email address on file. The notices are sent in batches by a background
// job (SendNotices); the incident shows the progress and becomes
// subjects_notified when every notice is done. Asked again, it retries the
// notices that failed. Without mail settings it answers EUNAVAILABLE
// (email_not_configured) and changes nothing.
func (s *Service) NotifySubjects(ctx context.Context, id string) (*View, error) {
	c, err := steward.Require(ctx, steward.ScopeIncidentsManage)
	if err != nil {
		return nil, err
	}
	inc, err := s.store.Incident(ctx, c.TenantID, id)
	if err != nil {
		return nil, err
	}
	if s.mailer == nil || s.contacts == nil {
		return nil, &steward.Error{Code: steward.EUNAVAILABLE, Reasons: []string{ReasonEmailNotConfigured},
			Message: "email is not configured on this server (smtp_url and mail_from): the notices cannot be sent"}
	}
	if inc.Risk != steward.RiskHigh {
		return nil, &steward.Error{Code: steward.ECONFLICT, Message: "the people affected are told only of a high-risk breach (Art. 34(1))",
			Reasons: []string{"risk:low"}}
	}
	if inc.Status != steward.IncidentRegulatorNotified {
		return nil, &steward.Error{Code: steward.ECONFLICT, Reasons: []string{"status:" + inc.Status},
			Message: "notify the regulator first (status regulator_notified); an incident that is " + inc.Status + " sends no notices"}
	}
	reasons := []string{"requested"}
	if inc.NotifyRequestedAt == nil {
		now := s.now().UTC()
		inc.NotifyRequestedAt, inc.UpdatedAt = &now, now
		if err := s.store.UpdateIncident(ctx, inc, inc.Status); err != nil {
			return nil, err
		}
	} else {
		if err := s.store.RetryNotices(ctx, c.TenantID, id); err != nil {
			return nil, err
		}
		reasons = []string{"retry"}
	}
	if err := s.record(ctx, c, steward.AuditEvent{Action: steward.ActionIncidentNotify, Target: inc.ID, Reasons: reasons}); err != nil {
		return nil, err
	}
	p, err := s.store.NoticeProgress(ctx, c.TenantID, id)
	if err != nil {
		return nil, err
	}
	v := s.view(inc)
	v.Notices = &p
	return v, nil
}

// SendNotices sends one batch of subject notices for each incident whose
// notices were requested, records who was told when (ids, times and result
// codes, never an address), and moves an incident whose notices are all
// done to subjects_notified. It returns how many notices it attempted; it
// runs as a job under the database lease, so it resumes after a restart.
func (s *Service) SendNotices(ctx context.Context) (int, error) {
	if s.mailer == nil || s.contacts == nil {
		return 0, nil
	}
	incs, err := s.store.NotifyingIncidents(ctx, 10)
	if err != nil {
		return 0, err
	}
	attempted := 0
	for _, inc := range incs {
		n, err := s.sendBatch(ctx, inc)
		attempted += n
		if err != nil {
			return attempted, err
		}
	}
	return attempted, nil
}

// sendBatch sends the next batch of one incident's notices, or finishes it.
func (s *Service) sendBatch(ctx context.Context, inc *steward.Incident) (int, error) {
	pending, err := s.store.PendingNotices(ctx, inc.TenantID, inc.ID, s.batch)
	if err != nil {
		return 0, err
	}
	if len(pending) == 0 {
		return 0, s.finish(ctx, inc)
	}
	n, err := render(s.pols.Policy(), inc, AudienceSubjects, formatText, s.now())
	if err != nil {
		return 0, err
	}
	done := make([]*steward.IncidentSubject, 0, len(pending))
	for _, sub := range pending {
		d := &steward.IncidentSubject{SubjectID: sub}
		email, err := s.contacts.ContactEmail(ctx, inc.TenantID, sub, inc.ID)
		switch {
		case steward.ErrorCode(err) == steward.ENOTFOUND:
			d.Result = steward.NoticeErased
		case err != nil:
			return 0, err
		case email == "":
			d.Result = steward.NoticeNoEmail
		default:
			d.Result = steward.NoticeSent
			if err := s.mailer.Send(ctx, email, n.Title, n.Body); err != nil {
				if ctx.Err() != nil {
					return 0, ctx.Err()
				}
				d.Result = steward.NoticeFailed
			}
		}
		at := s.now().UTC()
		d.NotifiedAt = &at
		done = append(done, d)
	}
	return len(done), s.store.RecordNotices(ctx, inc.TenantID, inc.ID, done)
}

// finish moves an incident whose notices were all sent (none pending, none
// failed) to subjects_notified.
func (s *Service) finish(ctx context.Context, inc *steward.Incident) error {
	p, err := s.store.NoticeProgress(ctx, inc.TenantID, inc.ID)
	if err != nil || p.Failed > 0 || p.Pending > 0 {
		return err // failed notices wait for a retry (POST notify-subjects again)
	}
	now := s.now().UTC()
	from := inc.Status
	inc.Status, inc.SubjectsNotifiedAt, inc.UpdatedAt = steward.IncidentSubjectsNotified, &now, now
	sent := p.Sent
	ev, err := steward.NewEvent(inc.TenantID, steward.EventIncidentNotified, now, eventData{IncidentID: inc.ID, Status: inc.Status,
		Subjects: &sent})
	if err != nil {
		return err
	}
	if err := s.store.UpdateIncident(ctx, inc, from, ev); err != nil {
		if steward.ErrorCode(err) == steward.ECONFLICT {
			return nil // staff moved it on meanwhile
		}
		return err
	}
	return s.record(ctx, systemCaller(inc.TenantID), steward.AuditEvent{Action: steward.ActionIncidentStatus, Target: inc.ID,
		Reasons: []string{"status:" + inc.Status, "sent:" + strconv.Itoa(p.Sent), "no_email:" + strconv.Itoa(p.NoEmail),
			"erased:" + strconv.Itoa(p.Erased)}})
}
