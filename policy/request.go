package policy

import "time"

// Actor is who asks to use personal data.
type Actor uint8

// Actors. The zero value is not an actor: a request without one is denied.
const (
	ActorService Actor = iota + 1 // the application, through an API key
	ActorStaff                    // a human at the service: privacy, security, support
	ActorSubject                  // the person the data is about, reading their own data
)

// String returns the actor's name.
func (a Actor) String() string {
	switch a {
	case ActorService:
		return "service"
	case ActorStaff:
		return "staff"
	case ActorSubject:
		return "subject"
	}
	return "unknown"
}

// Request is one question to the Decider: may this actor use these
// categories for this purpose, here, with this processor, given the
// subject's state?
type Request struct {
	// Purpose is the data-use key the data is used for, e.g. "essential.service".
	Purpose string
	// Categories are the category keys used; at least one.
	Categories []string
	// Actor is who uses the data.
	Actor Actor
	// Justification is the key of the staff justification invoked (staff only).
	Justification string
	// Approved is set when an access grant a second staff member approved
	// covers this read (the subject, the justification, the time): a
	// justification with "approval: required" shows values only then.
	Approved bool
	// Processor is the key of the sub-processor the data is sent to, if any.
	Processor string
	// Region is the region where the subject's data is stored (the tenant's
	// home region), if known. It must be a storage region of the policy;
	// with a Processor, the processor must be allowed to receive data from it.
	Region string
	// Subject is the state of the person the data is about.
	Subject SubjectState
	// Aggregate marks a use of many subjects' data, aggregated or
	// de-identified (a training export). Without it the request is for one
	// subject's values, which an aggregate-only purpose refuses
	// (ReasonAggregateOnly); with it such a purpose is allowed under
	// ObligeAggregateOnly.
	Aggregate bool
	// At is when the data is used. A restriction with an end
	// (SubjectState.RestrictedUntil) applies before its end; a zero At counts
	// every restriction as still in force.
	At time.Time
}

// SubjectState is what the Decider needs to know about the person whose data
// is used. The caller fills it from its records; the Decider never stores it.
type SubjectState struct {
	// Consents holds the subject's current consent state. An entry covers its
	// purpose and the purposes below it, for every processor when Processor is
	// empty, or for that processor only. The most specific entry wins (the
	// longer purpose first, then a processor-specific one); of two equally
	// specific entries, a withdrawal wins.
	Consents []Consent
	// Restricted is set while the subject has restricted processing (GDPR
	// Article 18): only essential purposes, and purposes whose basis is a
	// legal obligation (keeping data for legal claims), are allowed.
	Restricted bool
	// RestrictedUntil ends a restriction: from that instant (compared with
	// Request.At) it no longer applies. Zero means no end: the restriction
	// is open-ended until lifted.
	RestrictedUntil time.Time
	// Objected is set when the subject objected to all processing that is
	// not essential: only essential purposes are allowed.
	Objected bool
	// Objections are the purpose keys the subject objected to (GDPR Article
	// 21): each covers its purpose and the purposes below it, which are then
	// denied unless essential.
	Objections []string
	// GPCOptOut is set when the subject sent a Global Privacy Control signal:
	// the policy's GPC uses are denied if the policy honors GPC.
	GPCOptOut bool
	// BelowMinimumAge is set when the subject is known to be below the
	// policy's minimum age.
	BelowMinimumAge bool
	// StaffAccessAgreed is set when the subject recorded their agreement that
	// staff may view their data (the "subject-agreement" justification).
	StaffAccessAgreed bool
}

// Consent is one consent decision of a subject: granted or withdrawn, for a
// purpose key and optionally one processor. Stale marks a grant given under
// an earlier policy version whose purpose or processor changed materially
// since: it no longer counts (ReasonConsentStale) until given again.
type Consent struct {
	Purpose   string
	Processor string
	Granted   bool
	Stale     bool
}

// consentGranted reports whether the consents grant purpose (for processor,
// when not empty), and, when they do not, whether the deciding entry is an
// explicit withdrawal or a stale grant. It never allocates.
func consentGranted(cs []Consent, purpose, processor string) (granted, withdrawn, stale bool) {
	bestLen, bestSpecific, found := -1, false, false
	for i := range cs {
		c := &cs[i]
		if !covers(c.Purpose, purpose) || (c.Processor != "" && c.Processor != processor) {
			continue
		}
		specific := c.Processor != ""
		switch {
		case len(c.Purpose) > bestLen || (len(c.Purpose) == bestLen && specific && !bestSpecific):
			bestLen, bestSpecific, found, granted, stale = len(c.Purpose), specific, true, c.Granted, c.Granted && c.Stale
		case len(c.Purpose) == bestLen && specific == bestSpecific && !c.Granted:
			granted, stale = false, false
		}
	}
	if stale {
		return false, false, true
	}
	return granted, found && !granted, false
}

// consentReasons is the consent reason for purpose (and processor): none
// when granted, else withdrawn, stale or required.
func consentReasons(cs []Consent, purpose, processor string) Reasons {
	granted, withdrawn, stale := consentGranted(cs, purpose, processor)
	switch {
	case withdrawn:
		return ReasonConsentWithdrawn
	case stale:
		return ReasonConsentStale
	case !granted:
		return ReasonConsentRequired
	}
	return 0
}

// restricted reports whether a restriction is in force at the request's time.
func (s *SubjectState) restricted(at time.Time) bool {
	return s.Restricted && (s.RestrictedUntil.IsZero() || at.IsZero() || at.Before(s.RestrictedUntil))
}

// objected reports whether the subject objected to purpose: to everything
// not essential, or through an objection covering it.
func (s *SubjectState) objected(purpose string) bool {
	if s.Objected {
		return true
	}
	for _, o := range s.Objections {
		if covers(o, purpose) {
			return true
		}
	}
	return false
}
