package fulfil

import (
	"context"
	"slices"
	"strings"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/requests"
	"github.com/steward-privacy/steward/vault"
)

// Objector reads a subject's objections and replaces them, under the
// policy in force; *vault.Vault is one.
type Objector interface {
	Subject(ctx context.Context, id string) (*vault.SubjectView, error)
	SetObjection(ctx context.Context, subjectID string, purposes []string) error
	Policy() *policy.Decider
}

// SensitiveCategories are the taxonomy categories the CPRA counts as
// sensitive personal information (Cal. Civ. Code § 1798.140(ae)):
// account credentials, biometric and health data, precise geolocation,
// racial or ethnic origin, religious beliefs, sexual orientation,
// political opinions, financial accounts, government identifiers,
// criminal history. A category below one of these is sensitive too.
var SensitiveCategories = []string{"user.authorization", "user.biometric", "user.health_and_medical", "user.location.precise",
	"user.demographic.race_ethnicity", "user.demographic.religious_belief", "user.demographic.sexual_orientation",
	"user.demographic.political_opinion", "user.financial", "user.government_id", "user.criminal_history"}

// OptOutOfSale returns the executor of CCPA opt-outs of sale or sharing:
// the person objects to every purpose that is one of the policy's GPC uses
// (sale, sharing, targeted advertising), added to their objections, which
// the Decider then enforces whatever the policy says of the GPC signal.
func OptOutOfSale(o Objector) requests.Executor {
	return objectTo(o, func(d *policy.Decider, purpose string) bool { return d.SellsOrShares(purpose) })
}

// LimitSensitive returns the executor of CCPA requests to limit the use of
// sensitive personal information: the person objects to every purpose
// that is not essential (not needed for the service they asked for) and
// may use a sensitive category.
func LimitSensitive(o Objector) requests.Executor {
	return objectTo(o, func(d *policy.Decider, purpose string) bool {
		for _, c := range d.CategoriesFor(purpose) {
			if slices.ContainsFunc(SensitiveCategories, func(s string) bool { return overlaps(c, s) }) {
				return true
			}
		}
		return false
	})
}

// overlaps reports whether one category key covers the other.
func overlaps(a, b string) bool {
	return a == b || strings.HasPrefix(a, b+".") || strings.HasPrefix(b, a+".")
}

// objectTo returns an executor that adds to the subject's objections the
// non-essential purposes of the policy in force that match.
func objectTo(o Objector, match func(d *policy.Decider, purpose string) bool) requests.Executor {
	return requests.ExecutorFunc(func(ctx context.Context, r *steward.RightsRequest) (*requests.Outcome, error) {
		ctx = system(ctx, r)
		d := o.Policy()
		var purposes []string
		for _, p := range d.Purposes() {
			if !d.Essential(p) && match(d, p) {
				purposes = append(purposes, p)
			}
		}
		s, err := o.Subject(ctx, r.SubjectID)
		if err != nil {
			return nil, err
		}
		if len(purposes) == 0 || s.Objected {
			// Nothing of the policy matches, or the person objects to every
			// non-essential purpose already.
			return &requests.Outcome{Status: requests.Completed, Result: map[string]any{"objected": []string{}},
				Counts: map[string]int{"purposes": 0}}, nil
		}
		all := slices.Clone(s.Objections)
		for _, p := range purposes {
			if !slices.Contains(all, p) {
				all = append(all, p)
			}
		}
		if err := o.SetObjection(ctx, r.SubjectID, all); err != nil {
			return nil, err
		}
		return &requests.Outcome{Status: requests.Completed, Result: map[string]any{"objected": purposes},
			Counts: map[string]int{"purposes": len(purposes)}}, nil
	})
}
