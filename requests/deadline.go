package requests

import (
	"time"

	"github.com/steward-privacy/steward"
)

// The legal periods: GDPR Art. 12(3) one calendar month, extendable by two
// more; CCPA §1798.130 45 days, extendable by 45 more; the CCPA
// regulations' 15 business days to act on an opt-out of sale or sharing
// (§7026(f)) and a request to limit sensitive personal information
// (§7027(g)), which cannot be extended. "other" follows the GDPR's rules.
const (
	ccpaDays           = 45
	optOutBusinessDays = 15
	gdprMonths         = 1
	gdprExtraMonths    = 2
)

// addMonths adds n calendar months to t, clamped to the end of the target
// month: 31 January plus one month is 28 (or 29) February.
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}

// addBusinessDays adds n business days (Monday to Friday; public holidays
// are not known and count as business days) to t.
func addBusinessDays(t time.Time, n int) time.Time {
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return t
}

// businessDaysOnly reports whether a type has a period in business days
// and no extension (the CCPA opt-outs).
func businessDaysOnly(typ string) bool {
	return typ == steward.RequestOptOutSale || typ == steward.RequestLimitSensitive
}

// LegalDeadline returns the deadline the law sets for a request of a type
// under a jurisdiction, counted from its receipt.
func LegalDeadline(jurisdiction, typ string, received time.Time) time.Time {
	switch {
	case businessDaysOnly(typ):
		return addBusinessDays(received, optOutBusinessDays)
	case jurisdiction == steward.JurisdictionCCPA:
		return received.AddDate(0, 0, ccpaDays)
	default:
		return addMonths(received, gdprMonths)
	}
}

// Deadline returns the deadline of a request: the legal one, or the
// policy's (policy, a positive duration from receipt; 0 when the policy
// declares none) when that is stricter.
func Deadline(jurisdiction, typ string, received time.Time, policy time.Duration) time.Time {
	d := LegalDeadline(jurisdiction, typ, received)
	if policy > 0 {
		if p := received.Add(policy); p.Before(d) {
			return p
		}
	}
	return d
}

// ExtensionBound returns the latest deadline an extension may set, and
// until when the person must be told of it (the end of the first period):
// GDPR two more months told within the first month, CCPA 45 more days told
// within the first 45. ok is false for types that cannot be extended.
func ExtensionBound(jurisdiction, typ string, received time.Time) (limit, tellBy time.Time, ok bool) {
	switch {
	case businessDaysOnly(typ):
		return time.Time{}, time.Time{}, false
	case jurisdiction == steward.JurisdictionCCPA:
		return received.AddDate(0, 0, 2*ccpaDays), received.AddDate(0, 0, ccpaDays), true
	default:
		return addMonths(received, gdprMonths+gdprExtraMonths), addMonths(received, gdprMonths), true
	}
}

// CheckExtension checks an extension of r to until, asked at now: only
// once, with a reason, while the first period runs, to a date after the
// current deadline and not beyond the jurisdiction's bound. A zero until
// asks for the bound itself; the deadline to set is returned.
func CheckExtension(r *steward.RightsRequest, until, now time.Time, reason string) (time.Time, error) {
	limit, tellBy, ok := ExtensionBound(r.Jurisdiction, r.Type, r.ReceivedAt)
	switch {
	case reason == "":
		return time.Time{}, steward.Invalid("reason", "is required: the reasons for the delay, told to the person")
	case !ok:
		return time.Time{}, steward.Invalid("type", "this request type has a fixed period and cannot be extended")
	case r.ExtendedDeadline != nil:
		return time.Time{}, steward.Errorf(steward.ECONFLICT, "the deadline was extended already")
	case !now.Before(tellBy):
		return time.Time{}, steward.Invalid("until", "an extension must be told within the first period after receipt, which has ended")
	}
	if until.IsZero() {
		until = limit
	}
	if until.After(limit) {
		return time.Time{}, steward.Invalid("until", "is beyond what the jurisdiction allows (GDPR: two more months; CCPA: 45 more days)")
	}
	if !until.After(r.Deadline) {
		return time.Time{}, steward.Invalid("until", "must be after the current deadline")
	}
	return until.UTC(), nil
}
