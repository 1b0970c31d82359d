package consent

import (
	"context"
	"time"

	"github.com/steward-privacy/steward"
)

// Sources of a recorded GPC signal.
const (
	SourceHeader = "header" // Sec-GPC: 1 on a request about the subject
	SourceAPI    = "api"    // POST /v1/subjects/{id}/signals
)

// SignalRequest records a subject's Global Privacy Control signal.
type SignalRequest struct {
	GPC *bool `json:"gpc" doc:"true: the subject opts out of the policy's GPC uses; false: the opt-out ends"`
}

// SignalView is a recorded signal.
type SignalView struct {
	SubjectID     string    `json:"subject_id"`
	GPC           bool      `json:"gpc"`
	Source        string    `json:"source"`
	Channel       string    `json:"channel" doc:"always gpc"`
	PolicyVersion string    `json:"policy_version"`
	Honored       bool      `json:"honored" doc:"whether the policy in force acts on GPC; with gpc: ignored the signal is recorded and decides nothing"`
	At            time.Time `json:"at"`
}

// Signal records a subject's GPC signal durably (scope consents:write).
// While it is on, the policy's GPC uses are denied with gpc_opt_out,
// whatever consents exist, if the policy honors GPC.
func (s *Service) Signal(ctx context.Context, subjectID string, in *SignalRequest) (*SignalView, error) {
	c, err := steward.Require(ctx, steward.ScopeConsentsWrite)
	if err != nil {
		return nil, err
	}
	if in.GPC == nil {
		return nil, steward.Invalid("gpc", "is required: true or false")
	}
	return s.signal(ctx, c, subjectID, *in.GPC, SourceAPI)
}

// HeaderGPC records the Sec-GPC: 1 header of a request about a subject made
// by an authenticated caller (any scope: the signal only restricts). It
// writes only when the subject has no GPC opt-out on record yet, and does
// nothing for an unknown subject (the request itself answers 404).
func (s *Service) HeaderGPC(ctx context.Context, subjectID string) error {
	c := steward.CallerFrom(ctx)
	if c == nil {
		return nil
	}
	st, err := s.store.ConsentState(ctx, c.TenantID, subjectID)
	if err != nil || st.GPC {
		return err
	}
	_, err = s.signal(ctx, c, subjectID, true, SourceHeader)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil
	}
	return err
}

func (s *Service) signal(ctx context.Context, c *steward.Caller, subjectID string, gpc bool, source string) (*SignalView, error) {
	pol := s.pols.Policy()
	sig := &steward.Signal{TenantID: c.TenantID, SubjectID: subjectID, GPC: gpc, Source: source,
		PolicyVersion: pol.Version(), At: s.now().UTC()}
	ev, err := steward.NewEvent(c.TenantID, steward.EventConsentChanged, sig.At, changed{SubjectID: subjectID, GPC: &gpc,
		Channel: steward.ChannelGPC, Source: source, PolicyVersion: sig.PolicyVersion})
	if err != nil {
		return nil, err
	}
	if err := s.store.AddSignal(ctx, sig, ev); err != nil {
		return nil, err
	}
	state := "gpc:off"
	if gpc {
		state = "gpc:on"
	}
	if err := s.record(ctx, c, steward.AuditEvent{Action: steward.ActionSignalRecord, SubjectID: subjectID,
		Reasons: []string{state, "channel:" + steward.ChannelGPC, "source:" + source}}); err != nil {
		return nil, err
	}
	return &SignalView{SubjectID: subjectID, GPC: gpc, Source: source, Channel: steward.ChannelGPC,
		PolicyVersion: sig.PolicyVersion, Honored: pol.GPCHonored(), At: sig.At}, nil
}
