package fulfil

import (
	"context"
	"encoding/json"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/requests"
)

// States sets a subject's restriction and objections; *vault.Vault is one.
type States interface {
	SetRestriction(ctx context.Context, subjectID string, until *time.Time, on bool) error
	SetObjection(ctx context.Context, subjectID string, purposes []string) error
}

// Restriction returns the executor of restriction requests: the subject's
// processing is restricted (until the given end) — reads and disclosures
// for purposes that are not essential are then denied by the policy.
func Restriction(d Details, st States) requests.Executor {
	return requests.ExecutorFunc(func(ctx context.Context, r *steward.RightsRequest) (*requests.Outcome, error) {
		var in requests.RestrictionDetails
		if err := details(d, r, &in); err != nil {
			return nil, err
		}
		if err := st.SetRestriction(system(ctx, r), r.SubjectID, in.Until, true); err != nil {
			return nil, err
		}
		return &requests.Outcome{Status: requests.Completed, Result: map[string]any{"restricted": true, "until": in.Until},
			Counts: map[string]int{"restricted": 1}}, nil
	})
}

// Objection returns the executor of objection requests: the named
// purposes (every purpose that is not essential when none) are objected
// to, and denied from then on.
func Objection(d Details, st States) requests.Executor {
	return requests.ExecutorFunc(func(ctx context.Context, r *steward.RightsRequest) (*requests.Outcome, error) {
		var in requests.PurposeDetails
		if err := details(d, r, &in); err != nil {
			return nil, err
		}
		purposes := in.Purposes
		if len(purposes) == 0 {
			purposes = []string{"*"}
		}
		if err := st.SetObjection(system(ctx, r), r.SubjectID, purposes); err != nil {
			return nil, err
		}
		return &requests.Outcome{Status: requests.Completed, Result: map[string]any{"objected": purposes},
			Counts: map[string]int{"purposes": len(purposes)}}, nil
	})
}

// details decodes a request's details ({} when it has none).
func details(d Details, r *steward.RightsRequest, into any) error {
	raw, err := d.Details(r)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, into)
}

// system is the context of an executor's writes: the request runner,
// audited as system:requests.
func system(ctx context.Context, r *steward.RightsRequest) context.Context {
	return steward.WithCaller(ctx, &steward.Caller{TenantID: r.TenantID, Kind: steward.ActorSystem, ID: "requests",
		Scopes: steward.Scopes{steward.ScopeRecordsWrite, steward.ScopeRecordsRead}})
}
