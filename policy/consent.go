package policy

// What the consent ledger asks of a compiled policy: which purposes take a
// consent, which processors serve them, whether GPC applies, who the
// controller is, and whether a subject's consent for a purpose is effective
// now. The last is a decision, so it lives here with Decide.

// PurposeBasis returns the legal basis of the purpose declared with exactly
// this key, and false when no purpose is declared under it.
func (d *Decider) PurposeBasis(key string) (Basis, bool) {
	pur := d.purpose(key)
	if pur == nil || pur.key != key {
		return "", false
	}
	return pur.basis, true
}

// PurposeDescription returns the description of the purpose declared with
// exactly this key ("" when none).
func (d *Decider) PurposeDescription(key string) string {
	if pur := d.purpose(key); pur != nil && pur.key == key {
		return pur.desc
	}
	return ""
}

// ProcessorServes reports whether the declared processor serves purpose (or
// a purpose covering it).
func (d *Decider) ProcessorServes(processor, purpose string) bool {
	i, ok := d.procIDs[processor]
	if !ok {
		return false
	}
	uid, _, found := d.uses.lookup(purpose)
	return found && d.procs[i].serves.has(uid)
}

// ProcessorsOf returns the keys of the processors serving purpose, in
// policy order.
func (d *Decider) ProcessorsOf(purpose string) []string {
	var out []string
	for _, p := range d.processors {
		if d.ProcessorServes(p.Key, purpose) {
			out = append(out, p.Key)
		}
	}
	return out
}

// GPCHonored reports whether the policy acts on Global Privacy Control.
func (d *Decider) GPCHonored() bool { return d.gpc }

// GPCApplies reports whether a recorded GPC opt-out denies purpose: the
// policy honors GPC and one of its GPC uses covers the purpose.
func (d *Decider) GPCApplies(purpose string) bool {
	if !d.gpc {
		return false
	}
	uid, _, ok := d.uses.lookup(purpose)
	return ok && d.useNodes[uid].gpc
}

// SellsOrShares reports whether purpose is one of the policy's GPC uses
// (sale, sharing, targeted advertising, or those the policy lists), whether
// or not the policy honors the GPC signal: a CCPA opt-out of sale or
// sharing objects to these purposes.
func (d *Decider) SellsOrShares(purpose string) bool {
	uid, _, ok := d.uses.lookup(purpose)
	return ok && d.useNodes[uid].gpc
}

// Controller returns the organisation that is the controller of the data.
func (d *Decider) Controller() Organisation {
	o := d.org
	if o.DPO != nil {
		dpo := *o.DPO
		o.DPO = &dpo
	}
	return o
}

// ConsentStatus answers whether the subject's consent for purpose (for
// processor, when not empty) is effective now, the way Decide would for a
// service read: it returns 0 when it is, else the reasons among
// ReasonConsentRequired, ReasonConsentWithdrawn, ReasonConsentStale and
// ReasonGPCOptOut.
func (d *Decider) ConsentStatus(s *SubjectState, purpose, processor string) Reasons {
	why := consentReasons(s.Consents, purpose, processor)
	if s.GPCOptOut && d.GPCApplies(purpose) {
		why |= ReasonGPCOptOut
	}
	return why
}
