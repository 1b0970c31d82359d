package requests

import (
	"context"
	"encoding/json"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/consent"
	"github.com/steward-privacy/steward/policy"
)

// ConsentRecorder records a consent decision; *consent.Service is one.
type ConsentRecorder interface {
	Record(ctx context.Context, subjectID string, n *consent.NewConsent) (*consent.Current, error)
}

// RegisterConsentWithdrawal registers the executor of consent_withdrawal
// requests: a withdrawal is recorded in the consent ledger for each named
// purpose, or for every purpose of the policy based on consent when none
// is named. Counts: purposes.
func (s *Service) RegisterConsentWithdrawal(cs ConsentRecorder) {
	s.Register(steward.RequestConsentWithdrawal, ExecutorFunc(func(ctx context.Context, r *steward.RightsRequest) (*Outcome, error) {
		raw, err := s.Details(r)
		if err != nil {
			return nil, err
		}
		var d PurposeDetails
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, err
		}
		pol := s.pols.Policy()
		purposes := d.Purposes
		if len(purposes) == 0 {
			for _, p := range pol.Purposes() {
				if b, _ := pol.PurposeBasis(p); b == policy.BasisConsent {
					purposes = append(purposes, p)
				}
			}
		}
		// The runner acts for the tenant with the one scope it needs.
		ctx = steward.WithCaller(ctx, &steward.Caller{TenantID: r.TenantID, Kind: steward.ActorSystem, ID: "requests",
			Scopes: steward.Scopes{steward.ScopeConsentsWrite}})
		no := false
		var ids []string
		for _, p := range purposes {
			if b, ok := pol.PurposeBasis(p); !ok || b != policy.BasisConsent {
				continue // the policy changed since the request was filed
			}
			cur, err := cs.Record(ctx, r.SubjectID, &consent.NewConsent{Purpose: p, Granted: &no, Channel: steward.ChannelAPI})
			if err != nil {
				return nil, err
			}
			ids = append(ids, cur.ID)
		}
		return &Outcome{Status: Completed, Result: map[string]any{"withdrawn": purposes, "consent_ids": ids},
			Counts: map[string]int{"purposes": len(ids)}}, nil
	}))
}
