package policy

import (
	"strings"
	"time"
)

// RetentionKind says how long data of a category (or a copy at a processor)
// is kept.
type RetentionKind int

// Retention kinds. The zero value means no rule was written.
const (
	RetentionUnset              RetentionKind = iota
	RetainFor                                 // a fixed period, such as PT24H
	RetainEphemeral                           // deleted right after use ("ephemeral", or "not-retained" at a processor)
	RetainUntilAccountDeletion                // until the subject's account is deleted
	RetainUntilConsentWithdrawn               // until the subject withdraws consent
	RetainUntilPurposeFulfilled               // until the purpose is fulfilled, at most Max
	RetainAsCategory                          // processors only: as long as the category's own rule ("same-as-category")
)

var retentionWords = map[string]RetentionKind{
	"ephemeral":               RetainEphemeral,
	"not-retained":            RetainEphemeral,
	"until-account-deletion":  RetainUntilAccountDeletion,
	"until-consent-withdrawn": RetainUntilConsentWithdrawn,
	"until-purpose-fulfilled": RetainUntilPurposeFulfilled,
	"same-as-category":        RetainAsCategory,
}

var retentionNames = []string{"ephemeral", "not-retained", "until-account-deletion", "until-consent-withdrawn", "until-purpose-fulfilled", "same-as-category"}

// String returns the kind as written in a policy file ("duration" for a fixed
// period).
func (k RetentionKind) String() string {
	switch k {
	case RetainFor:
		return "duration"
	case RetainEphemeral:
		return "ephemeral"
	case RetainUntilAccountDeletion:
		return "until-account-deletion"
	case RetainUntilConsentWithdrawn:
		return "until-consent-withdrawn"
	case RetainUntilPurposeFulfilled:
		return "until-purpose-fulfilled"
	case RetainAsCategory:
		return "same-as-category"
	}
	return "unset"
}

// Retention is a retention rule. In a policy file it is either a single
// value ("P30D", "ephemeral", "until-account-deletion", ...) or a mapping
// with a rule and a maximum:
//
//	retention: {rule: until-purpose-fulfilled, max: P90D}
type Retention struct {
	Kind   RetentionKind
	Period Period // the period when Kind is RetainFor
	Max    Period // optional upper bound for the until-* kinds
}

const retentionHint = "write an ISO 8601 duration (PT24H, P30D), ephemeral, until-account-deletion, until-consent-withdrawn, or {rule: until-purpose-fulfilled, max: P90D}"

func (r *Retention) setScalar(s string) error {
	if strings.HasPrefix(s, "P") {
		p, err := ParsePeriod(s)
		if err != nil {
			return err
		}
		*r = Retention{Kind: RetainFor, Period: p}
		return nil
	}
	k, ok := retentionWords[s]
	if !ok {
		if m := suggest(s, retentionNames); m != "" {
			return errHint(`did you mean "`+m+`"?`, "unknown retention rule %q", s)
		}
		return errHint(retentionHint, "unknown retention rule %q", s)
	}
	*r = Retention{Kind: k}
	return nil
}

// mappingForm lets the decoder read {rule: ..., max: ...} into a shadow
// struct and then set r from it.
func (r *Retention) mappingForm() (any, func() error) {
	m := &struct {
		Rule string `yaml:"rule"`
		Max  Period `yaml:"max"`
	}{}
	return m, func() error {
		if m.Rule == "" {
			return errHint(retentionHint, "retention needs a rule")
		}
		if err := r.setScalar(m.Rule); err != nil {
			return err
		}
		if !m.Max.IsZero() && (r.Kind == RetainFor || r.Kind == RetainEphemeral || r.Kind == RetainAsCategory) {
			return errHint("write the period as the rule, e.g. retention: P30D", "retention %s takes no max", r.Kind)
		}
		r.Max = m.Max
		return nil
	}
}

// IsZero reports whether no retention rule was written.
func (r Retention) IsZero() bool { return r.Kind == RetentionUnset }

// Limit returns the longest time data under this rule may be kept: the period
// for RetainFor, zero for RetainEphemeral, Max for the until-* kinds when one
// is set. It returns false when the rule has no upper bound.
func (r Retention) Limit() (time.Duration, bool) {
	switch r.Kind {
	case RetainFor:
		return r.Period.Duration(), true
	case RetainEphemeral:
		return 0, true
	case RetainUntilAccountDeletion, RetainUntilConsentWithdrawn, RetainUntilPurposeFulfilled:
		if !r.Max.IsZero() {
			return r.Max.Duration(), true
		}
	}
	return 0, false
}

// Outlives reports whether data kept under r may be kept longer than under
// other (an unbounded rule outlives every bounded one; a processor's
// same-as-category never does).
func (r Retention) Outlives(other Retention) bool {
	if r.Kind == RetainAsCategory || other.Kind == RetainAsCategory {
		return false
	}
	a, aBounded := r.Limit()
	b, bBounded := other.Limit()
	switch {
	case !bBounded:
		return false
	case !aBounded:
		return true
	}
	return a > b
}

// String returns the rule as written in a policy file, such as "P30D",
// "ephemeral" or "until-purpose-fulfilled (max P90D)".
func (r Retention) String() string {
	switch r.Kind {
	case RetentionUnset:
		return ""
	case RetainFor:
		return r.Period.String()
	}
	s := r.Kind.String()
	if !r.Max.IsZero() {
		s += " (max " + r.Max.String() + ")"
	}
	return s
}

// Human returns the rule in words for a notice, such as "24 hours" or "until
// you delete your account".
func (r Retention) Human() string {
	var s string
	switch r.Kind {
	case RetainFor:
		return r.Period.Human()
	case RetainEphemeral:
		return "deleted right after use"
	case RetainUntilAccountDeletion:
		s = "until you delete your account"
	case RetainUntilConsentWithdrawn:
		s = "until you withdraw your consent"
	case RetainUntilPurposeFulfilled:
		s = "until the purpose is fulfilled"
	case RetainAsCategory:
		return "as long as the data itself is kept"
	default:
		return ""
	}
	if !r.Max.IsZero() {
		s += ", at most " + r.Max.Human()
	}
	return s
}
