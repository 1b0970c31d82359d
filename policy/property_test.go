package policy

import (
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// The property tests generate random valid policies over small key trees and
// random requests, and compare Decide with the definitions written naively
// over strings (no index, no bitsets).

var (
	propCategories = []string{
		"user.contact", "user.contact.email", "user.contact.phone_number",
		"user.content", "user.content.prompt", "user.content.prompt.draft", "user.content.self_image",
		"user.device.ip_address", "system.operations", "system.operations.request_log",
	}
	propUses = []string{
		"marketing", "marketing.advertising", "marketing.communications", "marketing.communications.email",
		"train_ai_system", "analytics", "analytics.reporting", "personalize.content.profiling",
	}
	propRequestCategories = append(slices.Clone(propCategories), "user", "user.biometric", "user.content.prompt.draft.v2", "user.contact.email.work", "nonsense")
	propRequestUses       = append(slices.Clone(propUses), "essential.service", "essential.service.security", "essential", "finance", "marketing.advertising.third_party", "personalize.profiling")
)

func subset(t *rapid.T, label string, from []string, min int) []string {
	return rapid.SliceOfNDistinct(rapid.SampledFrom(from), min, len(from), rapid.ID[string]).Draw(t, label)
}

// within reports whether key lies within one of scope.
func within(key string, scope []string) bool {
	return slices.ContainsFunc(scope, func(s string) bool { return key == s || strings.HasPrefix(key, s+".") })
}

// genPolicy draws a policy that passes Check by construction.
func genPolicy(t *rapid.T) *Policy {
	p := &Policy{
		Steward:      Version,
		Organisation: Organisation{Name: "P", Contact: "p@example", Effective: "2026-01-01", Version: "1"},
		Subjects:     []DataSubject{{Key: "customer", Description: "c"}},
		Regions:      Regions{Storage: []string{"eu", "us"}},
		Rights:       Rights{Verification: "v", Access: &Right{Deadline: MustPeriod("P30D")}, Erasure: &Right{Deadline: MustPeriod("P30D")}},
		Staff:        Staff{Justifications: []Justification{{Key: "security-investigation", Description: "s"}}},
		Security:     Security{EncryptionAtRest: "aes-256-gcm", TLSMinimum: "1.3"},
		Children:     Children{MinimumAge: 13, Below: rapid.SampledFrom(ageActions).Draw(t, "below")},
		Signals:      Signals{DoNotTrack: Ignored, GPC: Honored},
		Changes:      Changes{Notify: []Channel{"email"}},
	}
	retentions := []Retention{{Kind: RetainEphemeral}, {Kind: RetainFor, Period: MustPeriod("P1D")}, {Kind: RetainUntilAccountDeletion}}
	declared := subset(t, "categories", propCategories, 1)
	for _, k := range declared {
		p.Categories = append(p.Categories, Category{Key: k, Description: "d", Collection: []Source{{From: FromSubject}},
			Retention: rapid.SampledFrom(retentions).Draw(t, "retention")})
	}
	uses := subset(t, "prohibited uses", propUses, 0)
	for i, use := range uses[:min(len(uses), rapid.IntRange(0, 2).Draw(t, "n prohibited"))] {
		var scope []string
		if rapid.Bool().Draw(t, "scoped") {
			scope = subset(t, "scope", propCategories, 1)[:1]
		}
		p.Prohibited = append(p.Prohibited, Prohibition{Use: use, Categories: scope, Description: "no " + use})
		if i == 0 && rapid.Bool().Draw(t, "recipients") {
			kind := rapid.SampledFrom(ProcessorKinds).Draw(t, "prohibited kind")
			p.Prohibited = append(p.Prohibited, Prohibition{Recipients: []ProcessorKind{kind}, Categories: scope, Description: "no " + string(kind)})
		}
	}
	// essential.service is never prohibited and uses every declared category,
	// so every category is used.
	p.Purposes = append(p.Purposes, Purpose{Key: "essential.service", Description: "s", Basis: BasisContract,
		Essential: rapid.Bool().Draw(t, "essential"), Categories: declared})
	for _, use := range subset(t, "purposes", propUses, 0) {
		grants := subset(t, "grants "+use, declared, 1)
		if forbidden, ok := forbiddenFor(p, use); ok {
			if forbidden == nil {
				continue
			}
			grants = slices.DeleteFunc(grants, func(g string) bool { return within(g, forbidden) })
		}
		if len(grants) == 0 {
			continue
		}
		p.Purposes = append(p.Purposes, Purpose{Key: use, Description: "u", Basis: rapid.SampledFrom(Bases).Draw(t, "basis"),
			Essential: rapid.Bool().Draw(t, "essential "+use), HumanAccess: rapid.SampledFrom([]HumanAccess{"", HumanNever}).Draw(t, "human"),
			Categories: grants, Withdraw: "w"})
	}
	for i := range rapid.IntRange(0, 2).Draw(t, "n processors") {
		pu := rapid.SampledFrom(p.Purposes).Draw(t, "processor purpose")
		kind := rapid.SampledFrom(ProcessorKinds).Draw(t, "kind")
		cats := subset(t, "processor categories", pu.Categories, 1)
		if forbidden, ok := forbiddenFor(p, pu.Key); ok {
			cats = slices.DeleteFunc(cats, func(c string) bool { return within(c, forbidden) })
		}
		for _, x := range p.Prohibited {
			if slices.Contains(x.Recipients, kind) {
				cats = slices.DeleteFunc(cats, func(c string) bool { return len(x.Categories) == 0 || within(c, x.Categories) })
			}
		}
		if len(cats) == 0 {
			continue
		}
		p.Processors = append(p.Processors, Processor{Key: []string{"p0", "p1"}[i], Name: "P", Kind: kind,
			Purposes: []string{pu.Key}, Categories: cats, Locations: []string{rapid.SampledFrom([]string{"eu", "us"}).Draw(t, "location")},
			Retention: Retention{Kind: RetainAsCategory}, Train: covers("train_ai_system", pu.Key)})
	}
	return p
}

// forbiddenFor returns the union of the scopes of the use prohibitions
// covering use (nil when one of them is unscoped), and whether any does.
func forbiddenFor(p *Policy, use string) ([]string, bool) {
	var scope []string
	found := false
	for _, x := range p.Prohibited {
		if x.Use != "" && (use == x.Use || strings.HasPrefix(use, x.Use+".")) {
			if len(x.Categories) == 0 {
				return nil, true
			}
			found = true
			scope = append(scope, x.Categories...)
		}
	}
	return scope, found
}

func genRequest(t *rapid.T, p *Policy) Request {
	procs := []string{"", "nobody"}
	for _, pr := range p.Processors {
		procs = append(procs, pr.Key)
	}
	var consents []Consent
	for range rapid.IntRange(0, 3).Draw(t, "n consents") {
		consents = append(consents, Consent{Purpose: rapid.SampledFrom(propRequestUses).Draw(t, "consent purpose"),
			Processor: rapid.SampledFrom(procs).Draw(t, "consent processor"), Granted: rapid.Bool().Draw(t, "granted")})
	}
	return Request{
		Purpose:       rapid.SampledFrom(propRequestUses).Draw(t, "purpose"),
		Categories:    rapid.SliceOfN(rapid.SampledFrom(propRequestCategories), 1, 3).Draw(t, "request categories"),
		Actor:         rapid.SampledFrom([]Actor{ActorService, ActorStaff, ActorSubject}).Draw(t, "actor"),
		Justification: rapid.SampledFrom([]string{"", "security-investigation", "whim"}).Draw(t, "justification"),
		Processor:     rapid.SampledFrom(procs).Draw(t, "processor"),
		Region:        rapid.SampledFrom([]string{"", "eu", "us", "mars"}).Draw(t, "region"),
		Subject: SubjectState{
			Consents: consents, Restricted: rapid.Bool().Draw(t, "restricted"), Objected: rapid.Bool().Draw(t, "objected"),
			GPCOptOut: rapid.Bool().Draw(t, "gpc"), BelowMinimumAge: rapid.Bool().Draw(t, "below age"),
		},
	}
}

func compileGenerated(t *rapid.T, p *Policy) *Decider {
	if ps := p.Check(); len(ps) > 0 {
		t.Fatalf("generated policy has problems:\n%v", ps)
	}
	d, err := Compile(p)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return d
}

// naiveProhibited says, from the definitions, whether a prohibition applies:
// its use covers the purpose or its recipients include the processor's kind,
// and it has no scope, or a requested category lies within the scope, or a
// requested key lies above part of it.
func naiveProhibited(p *Policy, r Request) bool {
	purpose := canonical(1, r.Purpose)
	kind := ProcessorKind("")
	for _, pr := range p.Processors {
		if pr.Key == r.Processor {
			kind = pr.Kind
		}
	}
	for _, x := range p.Prohibited {
		if !(x.Use != "" && covers(x.Use, purpose)) && !(kind != "" && slices.Contains(x.Recipients, kind)) {
			continue
		}
		if len(x.Categories) == 0 {
			return true
		}
		for _, c := range r.Categories {
			for _, s := range x.Categories {
				if covers(s, c) || covers(c, s) {
					return true
				}
			}
		}
	}
	return false
}

// naiveResolve returns the most specific declared purpose covering purpose.
func naiveResolve(p *Policy, purpose string) (Purpose, bool) {
	purpose = canonical(1, purpose)
	var best Purpose
	found := false
	for _, pu := range p.Purposes {
		if covers(pu.Key, purpose) && (!found || len(pu.Key) > len(best.Key)) {
			best, found = pu, true
		}
	}
	return best, found
}

// naiveCategoryAllowed says whether a category is declared and granted to
// the purpose the request resolves to.
func naiveCategoryAllowed(p *Policy, purpose, cat string) bool {
	pu, ok := naiveResolve(p, purpose)
	declared := slices.ContainsFunc(p.Categories, func(c Category) bool { return covers(c.Key, cat) })
	return ok && declared && slices.ContainsFunc(pu.Categories, func(g string) bool { return covers(g, cat) })
}

func TestPropertyProhibitionsAlwaysWin(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := genPolicy(t)
		d := compileGenerated(t, p)
		r := genRequest(t, p)
		got := d.Decide(&r)
		want := naiveProhibited(p, r)
		if got.Reasons.Has(ReasonProhibited) != want {
			t.Fatalf("prohibited = %v; want %v (%s)", got.Reasons.Has(ReasonProhibited), want, got.Sentence())
		}
		if want && got.Allowed {
			t.Fatalf("a prohibited request was allowed: %s", got.Sentence())
		}
		// Nothing the subject or staff do lifts a prohibition.
		r.Actor, r.Justification = ActorSubject, "security-investigation"
		r.Subject = SubjectState{Consents: []Consent{{Purpose: r.Purpose, Granted: true}}, StaffAccessAgreed: true}
		if again := d.Decide(&r); want && (again.Allowed || !again.Reasons.Has(ReasonProhibited)) {
			t.Fatalf("consent lifted a prohibition: %s", again.Sentence())
		}
	})
}

func TestPropertyHierarchy(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := genPolicy(t)
		d := compileGenerated(t, p)
		r := genRequest(t, p)
		cat := r.Categories[0]
		r.Categories = r.Categories[:1]
		got := d.Decide(&r)
		pu, resolved := naiveResolve(p, r.Purpose)
		allowed := resolved && got.Reasons&(ReasonCategoryNotDeclared|ReasonCategoryNotAllowed) == 0
		if want := naiveCategoryAllowed(p, r.Purpose, cat); allowed != want {
			t.Fatalf("%s may use %s: Decide says %v, the definition %v (%s)", r.Purpose, cat, allowed, want, got.Sentence())
		}
		if resolved != !got.Reasons.Has(ReasonPurposeNotDeclared) || (resolved && got.Purpose != pu.Key) {
			t.Fatalf("purpose %s resolved to %q; want %q (%v)", r.Purpose, got.Purpose, pu.Key, resolved)
		}
		// A grant covers every key below it, and a sub-purpose inherits.
		child := r
		child.Categories = []string{cat + ".zz"}
		child.Purpose = r.Purpose + ".zz"
		sub := d.Decide(&child)
		if sub.Purpose != got.Purpose && resolved {
			t.Fatalf("sub-purpose %s resolved to %s; parent to %s", child.Purpose, sub.Purpose, got.Purpose)
		}
		subAllowed := sub.Reasons&(ReasonCategoryNotDeclared|ReasonCategoryNotAllowed|ReasonPurposeNotDeclared) == 0
		if allowed && !subAllowed {
			t.Fatalf("%s may use %s but %s may not use %s", r.Purpose, cat, child.Purpose, child.Categories[0])
		}
		if got.Allowed && !sub.Allowed && !sub.Reasons.Has(ReasonProhibited) {
			t.Fatalf("allowed for %v but not for its child: %s", r.Categories, sub.Sentence())
		}
	})
}

func TestPropertyCategoriesForAgreesWithDecide(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := genPolicy(t)
		d := compileGenerated(t, p)
		purpose := rapid.SampledFrom(propRequestUses).Draw(t, "purpose")
		for _, k := range d.CategoriesFor(purpose) {
			r := Request{Purpose: purpose, Categories: []string{k}, Actor: ActorSubject}
			if got := d.Decide(&r); got.Reasons&(categoryReasons|ReasonProhibited) != 0 {
				t.Fatalf("CategoriesFor(%s) lists %s, but %s", purpose, k, got.Sentence())
			}
		}
	})
}
