package fulfil

import (
	"context"
	"encoding/json"
	"sort"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/requests"
)

// Writer replaces a value; *vault.Vault is one (PutRecord seals the new
// value under the subject's key and overwrites the old ciphertext).
type Writer interface {
	PutRecord(ctx context.Context, subjectID, category string, value json.RawMessage) error
}

// Details returns a request's details; *requests.Service is one.
type Details interface {
	Details(r *steward.RightsRequest) (json.RawMessage, error)
}

// Rectification returns the executor of rectification requests: each
// corrected value replaces the old one (the old ciphertext is gone),
// audited by the vault as a write by system:requests.
func Rectification(d Details, w Writer) requests.Executor {
	return requests.ExecutorFunc(func(ctx context.Context, r *steward.RightsRequest) (*requests.Outcome, error) {
		var in requests.RectificationDetails
		if err := details(d, r, &in); err != nil {
			return nil, err
		}
		ctx = system(ctx, r)
		cats := make([]string, 0, len(in.Values))
		for c := range in.Values {
			cats = append(cats, c)
		}
		sort.Strings(cats)
		for _, c := range cats {
			if err := w.PutRecord(ctx, r.SubjectID, c, in.Values[c]); err != nil {
				if steward.ErrorCode(err) == steward.EINVALID || steward.ErrorCode(err) == steward.EFORBIDDEN {
					return &requests.Outcome{Status: requests.PartiallyCompleted, Counts: map[string]int{"corrected": 0},
						Reason: "A corrected value could not be stored: " + steward.ErrorMessage(err)}, nil
				}
				return nil, err
			}
		}
		return &requests.Outcome{Status: requests.Completed, Result: map[string]any{"corrected": cats},
			Counts: map[string]int{"corrected": len(cats)}}, nil
	})
}
