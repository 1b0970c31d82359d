package policy

// Decide answers a request. It never allocates and never panics; it is safe
// for concurrent use.
//
// The request is allowed when all of these hold:
//   - the actor is valid and at least one category is named;
//   - a declared purpose covers the requested one (the most specific wins);
//   - every category is declared and the purpose's grants cover it;
//   - no prohibition applies: a prohibited use covering the purpose, or a
//     prohibited kind of recipient, either without a category scope or with
//     one a requested category falls in (or, for an exact key, overlaps).
//     Prohibitions beat every grant;
//   - for the service and staff: a consent-based purpose has a current
//     grant, not withdrawn and not stale (given under a policy version whose
//     purpose changed since); a subject's restriction in force at Request.At
//     allows only essential purposes and those based on a legal obligation
//     (ReasonRestricted); an objection covering the purpose, or one to all
//     processing, denies it unless it is essential (ReasonObjected); a GPC opt-out denies the policy's GPC uses when GPC is
//     honored (a subject reading their own data is not held to these);
//   - the subject is not below the minimum age (unless the policy only flags);
//   - with a processor: it is declared, serves the purpose, may receive every
//     category and may receive data from the request's region;
//   - the region, if given, is a storage region;
//   - an aggregate-only purpose is asked for aggregated data
//     (Request.Aggregate), never for one subject's values.
//
// Staff without an accepted justification, or for a purpose without human
// access, are allowed with ObligeMask: they see masked values.
func (d *Decider) Decide(r *Request) Decision {
	var dec Decision
	var why Reasons
	if r.Actor < ActorService || r.Actor > ActorSubject {
		why |= ReasonActorUnknown
	}
	if len(r.Categories) == 0 {
		why |= ReasonCategoriesMissing
	}

	dec.Purpose = r.Purpose
	var pur *cPurpose
	var use *useNode
	uid, _, ok := d.uses.lookup(r.Purpose)
	if ok {
		use = &d.useNodes[uid]
		if use.purpose >= 0 {
			pur = &d.purposes[use.purpose]
			dec.Purpose = pur.key
		}
	}
	if pur == nil {
		why |= ReasonPurposeNotDeclared
	}
	var proc *cProcessor
	if r.Processor != "" {
		dec.Processor = r.Processor
		if i, ok := d.procIDs[r.Processor]; ok {
			proc = &d.procs[i]
			if !proc.serves.has(uid) {
				why |= ReasonProcessorPurposeNotAllowed
			}
		} else {
			why |= ReasonProcessorNotAllowed
		}
	}

	catWhy, ephemeral := d.checkCategories(r, &dec, pur, proc, use)
	why |= catWhy
	if pur != nil {
		why |= d.checkSubject(r, pur, use)
	}
	if r.Subject.BelowMinimumAge && d.below != AgeFlag {
		why |= ReasonBelowMinimumAge
	}
	if r.Region != "" && !d.regionAllowed(r.Region, proc) {
		why |= ReasonRegionNotAllowed
	}
	if pur != nil && pur.oblige.Has(ObligeAggregateOnly) && !r.Aggregate {
		why |= ReasonAggregateOnly
	}
	if r.Actor == ActorStaff {
		why |= d.checkStaff(r, pur)
	}

	dec.Reasons = why
	dec.Allowed = why&denying == 0
	if dec.Allowed {
		dec.Obligations = d.obligations(r, why, pur, proc, ephemeral)
	}
	return dec
}

// categoryReasons are the reasons about one category; Decision.Category
// names the first category that caused one.
const categoryReasons = ReasonCategoryNotDeclared | ReasonCategoryNotAllowed | ReasonProcessorCategoryNotAllowed

// checkCategories checks each category against the declarations, the
// purpose's grants, the processor's categories and the prohibitions. It
// also reports whether an ephemeral category is used.
func (d *Decider) checkCategories(r *Request, dec *Decision, pur *cPurpose, proc *cProcessor, use *useNode) (why Reasons, ephemeral bool) {
	var lists [2][]int32 // prohibitions that may apply: by use, by recipient kind
	if use != nil {
		lists[0] = use.prohibited
	}
	if proc != nil {
		lists[1] = proc.prohibited
	}
	for _, c := range r.Categories {
		before := why
		id, exact, ok := d.cats.lookup(c)
		if !ok || d.catNodes[id].declared < 0 {
			why |= ReasonCategoryNotDeclared
		} else {
			ephemeral = ephemeral || d.catNodes[id].ephemeral
			if pur != nil && !pur.grants.has(id) {
				why |= ReasonCategoryNotAllowed
			}
			if proc != nil && !proc.receives.has(id) {
				why |= ReasonProcessorCategoryNotAllowed
			}
		}
		if before&categoryReasons == 0 && why&categoryReasons != 0 {
			dec.Category = c
		}
		for _, list := range lists {
			for _, x := range list {
				if p := &d.prohibits[x]; !p.scoped || (ok && p.applies(id, exact)) {
					why |= ReasonProhibited
					dec.Prohibition = p.description
				}
			}
		}
	}
	if len(r.Categories) == 0 {
		for _, list := range lists {
			for _, x := range list {
				if !d.prohibits[x].scoped {
					why |= ReasonProhibited
					dec.Prohibition = d.prohibits[x].description
				}
			}
		}
	}
	return why, ephemeral
}

// applies reports whether a scoped prohibition covers a category node; an
// exact key also counts when it lies above part of the scope.
func (x *cProhibition) applies(node int32, exact bool) bool {
	if !x.scoped {
		return false
	}
	if exact {
		return x.overlap.has(node)
	}
	return x.covered.has(node)
}

// checkSubject applies the subject's choices: consent, restriction,
// objection and GPC. A subject reading their own data is not held to them.
func (d *Decider) checkSubject(r *Request, pur *cPurpose, use *useNode) Reasons {
	if r.Actor == ActorSubject {
		return 0
	}
	var why Reasons
	s := &r.Subject
	if pur.basis == BasisConsent {
		why |= consentReasons(s.Consents, r.Purpose, r.Processor)
	}
	if !pur.essential {
		if s.restricted(r.At) && pur.basis != BasisLegalObligation {
			why |= ReasonRestricted
		}
		if s.objected(r.Purpose) || s.objected(pur.key) {
			why |= ReasonObjected
		}
	}
	if s.GPCOptOut && d.gpc && use != nil && use.gpc {
		why |= ReasonGPCOptOut
	}
	return why
}

// regionAllowed reports whether data stored in region may be used here: it
// must be a storage region, and the processor, if any, must be allowed to
// receive data from it.
func (d *Decider) regionAllowed(region string, proc *cProcessor) bool {
	for i, s := range d.storage {
		if s == region {
			return proc == nil || proc.fromRegion.has(int32(i))
		}
	}
	return false
}

// checkStaff returns the masking reason for a staff request, if any.
func (d *Decider) checkStaff(r *Request, pur *cPurpose) Reasons {
	if pur != nil && pur.humanNever {
		return ReasonHumanAccessNotAllowed
	}
	for i := range d.justifiers {
		if d.justifiers[i].Key == r.Justification && r.Justification != "" {
			if r.Justification == JustificationSubjectAgreement && !r.Subject.StaffAccessAgreed {
				return ReasonAgreementMissing
			}
			if d.justifiers[i].Approval == ApprovalRequired && !r.Approved {
				return ReasonApprovalRequired
			}
			return 0
		}
	}
	return ReasonJustificationRequired
}

// obligations collects the conditions of an allowed decision.
func (d *Decider) obligations(r *Request, why Reasons, pur *cPurpose, proc *cProcessor, ephemeral bool) Obligations {
	ob := pur.oblige
	if proc != nil {
		ob |= proc.oblige
	}
	if why&(ReasonJustificationRequired|ReasonAgreementMissing|ReasonHumanAccessNotAllowed|ReasonApprovalRequired) != 0 {
		ob |= ObligeMask
	}
	if r.Subject.BelowMinimumAge && d.below == AgeFlag {
		ob |= ObligeReviewAge
	}
	if ephemeral {
		ob |= ObligeDeleteAfterUse
	}
	return ob
}
