package policy

import (
	"os"
	"strings"
	"testing"
	"time"
)

// svc returns a service request for purpose and categories.
func svc(purpose string, cats ...string) Request {
	return Request{Purpose: purpose, Categories: cats, Actor: ActorService}
}

// with applies changes to a copy of r.
func with(r Request, change func(*Request)) Request {
	change(&r)
	return r
}

// aggregate marks r as a use of aggregated data.
func aggregate(r Request) Request {
	r.Aggregate = true
	return r
}

// day returns midnight UTC of a day of January 2026.
func day(n int) time.Time { return time.Date(2026, 1, n, 0, 0, 0, 0, time.UTC) }

func granted(purpose string) []Consent { return []Consent{{Purpose: purpose, Granted: true}} }

func TestDecide(t *testing.T) {
	d := mustCompileFile(t, "testdata/decide.yaml")
	tests := []struct {
		name     string
		req      Request
		reasons  Reasons
		oblige   Obligations
		category string // Decision.Category, when checked
	}{
		{name: "service reads a declared category", req: svc("essential.service", "user.contact.email")},
		{name: "grant covers a key below a declared category", req: svc("essential.service", "user.contact.email.work")},
		{name: "sub-purpose resolves to its declared parent", req: svc("essential.service.notifications.email", "user.contact.email")},
		{name: "ephemeral category must be deleted after use", req: svc("essential.service", "user.content.upload"), oblige: ObligeDeleteAfterUse},
		{name: "category outside the purpose's grants", req: svc("essential.service", "user.contact.email", "user.device.ip_address"),
			reasons: ReasonCategoryNotAllowed, category: "user.device.ip_address"},
		{name: "undeclared category", req: svc("essential.service", "user.biometric"), reasons: ReasonCategoryNotDeclared, category: "user.biometric"},
		{name: "unknown category key", req: svc("essential.service", "nonsense"), reasons: ReasonCategoryNotDeclared, category: "nonsense"},
		{name: "ancestor of declared categories is not declared", req: svc("essential.service", "user"), reasons: ReasonCategoryNotDeclared},
		{name: "undeclared purpose", req: svc("finance", "user.contact.email"), reasons: ReasonPurposeNotDeclared},
		{name: "empty purpose", req: svc("", "user.contact.email"), reasons: ReasonPurposeNotDeclared},
		{name: "most specific declared purpose wins", req: svc("essential.service.security", "user.contact.email"),
			reasons: ReasonCategoryNotAllowed},
		{name: "no actor", req: with(svc("essential.service", "user.contact"), func(r *Request) { r.Actor = 0 }), reasons: ReasonActorUnknown},
		{name: "no categories", req: svc("essential.service"), reasons: ReasonCategoriesMissing},

		// Prohibitions beat grants.
		{name: "prohibited sub-use of a declared purpose", req: with(svc("marketing.advertising", "user.contact.email"), func(r *Request) {
			r.Subject.Consents = granted("marketing")
		}), reasons: ReasonProhibited},
		{name: "scoped prohibition on a category inside the scope", req: aggregate(svc("train_ai_system", "user.content.self_image")), reasons: ReasonProhibited},
		{name: "scoped prohibition on an exact key above the scope", req: aggregate(svc("train_ai_system", "user.content")),
			reasons: ReasonProhibited | ReasonCategoryNotDeclared},
		{name: "scoped prohibition leaves other categories", req: aggregate(svc("train_ai_system", "user.content.prompt")), oblige: ObligeAggregateOnly | ObligeRedactPII},
		{name: "aggregate-only purpose refuses one subject's values", req: svc("train_ai_system", "user.content.prompt"), reasons: ReasonAggregateOnly},
		{name: "aggregate-only purpose refuses a processor one subject's values", req: with(svc("train_ai_system", "user.content.prompt"), func(r *Request) { r.Processor = "gpu" }),
			reasons: ReasonAggregateOnly},
		{name: "aggregate-only purpose refuses even staff with a justification", req: with(svc("train_ai_system", "user.content.prompt"), func(r *Request) {
			r.Actor, r.Justification = ActorStaff, "security-investigation"
		}), reasons: ReasonAggregateOnly},
		{name: "aggregate flag on a purpose that is not aggregate-only changes nothing", req: aggregate(svc("essential.service", "user.contact.email"))},
		{name: "prohibited kind of recipient for a scoped category", req: with(aggregate(svc("train_ai_system", "user.content.self_image")), func(r *Request) { r.Processor = "gpu" }),
			reasons: ReasonProhibited | ReasonProcessorCategoryNotAllowed},

		// Consent.
		{name: "consent purpose without consent", req: svc("marketing", "user.contact.email"), reasons: ReasonConsentRequired},
		{name: "consent purpose with consent", req: with(svc("marketing", "user.contact.email"), func(r *Request) { r.Subject.Consents = granted("marketing") })},
		{name: "consent on a parent purpose covers the child", req: with(svc("marketing.communications.email", "user.contact.email"), func(r *Request) {
			r.Subject.Consents = granted("marketing")
		})},
		{name: "consent on a child does not cover the parent", req: with(svc("marketing", "user.contact.email"), func(r *Request) {
			r.Subject.Consents = granted("marketing.communications")
		}), reasons: ReasonConsentRequired},
		{name: "withdrawn consent", req: with(svc("marketing", "user.contact.email"), func(r *Request) {
			r.Subject.Consents = []Consent{{Purpose: "marketing"}}
		}), reasons: ReasonConsentWithdrawn},
		{name: "more specific purpose wins over a general withdrawal", req: with(svc("marketing.communications", "user.contact.email"), func(r *Request) {
			r.Subject.Consents = []Consent{{Purpose: "marketing"}, {Purpose: "marketing.communications", Granted: true}}
		})},
		{name: "processor-specific withdrawal wins for that processor", req: with(svc("marketing", "user.contact.email"), func(r *Request) {
			r.Processor = "mailer"
			r.Subject.Consents = []Consent{{Purpose: "marketing", Granted: true}, {Purpose: "marketing", Processor: "mailer"}}
		}), reasons: ReasonConsentWithdrawn},
		{name: "processor-specific withdrawal leaves in-house use", req: with(svc("marketing", "user.contact.email"), func(r *Request) {
			r.Subject.Consents = []Consent{{Purpose: "marketing", Granted: true}, {Purpose: "marketing", Processor: "mailer"}}
		})},
		{name: "equally specific grant and withdrawal: withdrawal wins", req: with(svc("marketing", "user.contact.email"), func(r *Request) {
			r.Subject.Consents = []Consent{{Purpose: "marketing", Granted: true}, {Purpose: "marketing"}}
		}), reasons: ReasonConsentWithdrawn},

		{name: "stale consent (policy changed) is not a grant", req: with(svc("marketing", "user.contact.email"), func(r *Request) {
			r.Subject.Consents = []Consent{{Purpose: "marketing", Granted: true, Stale: true}}
		}), reasons: ReasonConsentStale},
		{name: "a fresh grant after a stale one counts", req: with(svc("marketing.communications", "user.contact.email"), func(r *Request) {
			r.Subject.Consents = []Consent{{Purpose: "marketing", Granted: true, Stale: true}, {Purpose: "marketing.communications", Granted: true}}
		})},
		{name: "a stale withdrawal is still a withdrawal", req: with(svc("marketing", "user.contact.email"), func(r *Request) {
			r.Subject.Consents = []Consent{{Purpose: "marketing", Stale: true}}
		}), reasons: ReasonConsentWithdrawn},
		{name: "stale grant and equally specific withdrawal: withdrawal wins", req: with(svc("marketing", "user.contact.email"), func(r *Request) {
			r.Subject.Consents = []Consent{{Purpose: "marketing", Granted: true, Stale: true}, {Purpose: "marketing"}}
		}), reasons: ReasonConsentWithdrawn},

		// Restriction, objection, GPC, age.
		{name: "restriction denies a non-essential purpose", req: with(aggregate(svc("train_ai_system", "user.behavior")), func(r *Request) { r.Subject.Restricted = true }),
			reasons: ReasonRestricted},
		{name: "restriction allows an essential purpose", req: with(svc("essential.service", "user.contact"), func(r *Request) { r.Subject.Restricted = true })},
		{name: "objection denies a non-essential purpose", req: with(aggregate(svc("train_ai_system", "user.behavior")), func(r *Request) { r.Subject.Objected = true }),
			reasons: ReasonObjected},
		{name: "objection allows an essential purpose", req: with(svc("essential.service.security", "user.device.ip_address"), func(r *Request) { r.Subject.Objected = true })},
		{name: "restriction with an end denies before it", req: with(svc("marketing", "user.contact.email"), func(r *Request) {
			r.Subject.Consents = granted("marketing")
			r.Subject.Restricted, r.Subject.RestrictedUntil, r.At = true, day(2), day(1)
		}), reasons: ReasonRestricted},
		{name: "restriction with an end lapses at it", req: with(svc("marketing", "user.contact.email"), func(r *Request) {
			r.Subject.Consents = granted("marketing")
			r.Subject.Restricted, r.Subject.RestrictedUntil, r.At = true, day(2), day(2)
		})},
		{name: "restriction with an end applies without a time", req: with(svc("marketing", "user.contact.email"), func(r *Request) {
			r.Subject.Consents = granted("marketing")
			r.Subject.Restricted, r.Subject.RestrictedUntil = true, day(2)
		}), reasons: ReasonRestricted},
		{name: "restriction allows a legal obligation", req: with(svc("essential.legal_obligation", "user.contact.email"), func(r *Request) { r.Subject.Restricted = true })},
		{name: "objection to a purpose denies it", req: with(svc("marketing", "user.contact.email"), func(r *Request) {
			r.Subject.Consents = granted("marketing")
			r.Subject.Objections = []string{"marketing"}
		}), reasons: ReasonObjected},
		{name: "objection to a purpose covers those below it", req: with(svc("marketing.communications", "user.contact.email"), func(r *Request) {
			r.Subject.Consents = granted("marketing")
			r.Subject.Objections = []string{"marketing"}
		}), reasons: ReasonObjected},
		{name: "objection to a sub-purpose leaves its parent", req: with(svc("marketing", "user.contact.email"), func(r *Request) {
			r.Subject.Consents = granted("marketing")
			r.Subject.Objections = []string{"marketing.communications"}
		})},
		{name: "objection to another purpose leaves this one", req: with(aggregate(svc("train_ai_system", "user.behavior")), func(r *Request) {
			r.Subject.Objections = []string{"marketing"}
		}), oblige: ObligeAggregateOnly | ObligeRedactPII},
		{name: "objection to an essential purpose does not deny it", req: with(svc("essential.service", "user.contact"), func(r *Request) {
			r.Subject.Objections = []string{"essential"}
		})},
		{name: "GPC opts out of a GPC use", req: with(svc("marketing", "user.contact.email"), func(r *Request) {
			r.Subject.GPCOptOut = true
			r.Subject.Consents = granted("marketing")
		}), reasons: ReasonGPCOptOut},
		{name: "GPC use named by its deprecated alias", req: with(svc("personalize.content.profiling", "user.behavior"), func(r *Request) {
			r.Subject.GPCOptOut = true
			r.Subject.Consents = granted("personalize.content.profiling")
		}), reasons: ReasonGPCOptOut},
		{name: "GPC leaves other uses", req: with(svc("essential.service", "user.contact"), func(r *Request) { r.Subject.GPCOptOut = true })},
		{name: "deprecated alias of a declared purpose", req: with(svc("personalize.profiling", "user.behavior"), func(r *Request) {
			r.Subject.Consents = granted("personalize.profiling")
		}), oblige: ObligeUserVisibleOnly},
		{name: "below the minimum age is flagged for review", req: with(svc("essential.service", "user.contact"), func(r *Request) { r.Subject.BelowMinimumAge = true }),
			oblige: ObligeReviewAge},
		{name: "the subject reads their own data despite their choices", req: with(svc("marketing", "user.contact.email"), func(r *Request) {
			r.Actor = ActorSubject
			r.Subject.Restricted, r.Subject.Objected, r.Subject.GPCOptOut = true, true, true
		})},
		{name: "the subject is still held to prohibitions", req: with(svc("marketing.advertising", "user.contact.email"), func(r *Request) { r.Actor = ActorSubject }),
			reasons: ReasonProhibited},

		// Processors and regions.
		{name: "processor serving the purpose", req: with(svc("essential.service", "user.content.prompt"), func(r *Request) { r.Processor = "cloud" }),
			oblige: ObligeNoTraining},
		{name: "processor that may train gets no no_training obligation", req: with(aggregate(svc("train_ai_system", "user.content.prompt")), func(r *Request) { r.Processor = "gpu" }),
			oblige: ObligeAggregateOnly | ObligeRedactPII},
		{name: "undeclared processor", req: with(svc("essential.service", "user.contact"), func(r *Request) { r.Processor = "stranger" }),
			reasons: ReasonProcessorNotAllowed},
		{name: "processor not serving the purpose", req: with(svc("essential.service", "user.contact.email"), func(r *Request) { r.Processor = "mailer" }),
			reasons: ReasonProcessorPurposeNotAllowed},
		{name: "processor not receiving the category", req: with(svc("marketing", "user.contact.phone_number"), func(r *Request) {
			r.Processor = "mailer"
			r.Subject.Consents = granted("marketing")
		}), reasons: ReasonCategoryNotAllowed | ReasonProcessorCategoryNotAllowed, category: "user.contact.phone_number"},
		{name: "storage region", req: with(svc("essential.service", "user.contact"), func(r *Request) { r.Region = "eu" })},
		{name: "region that is not a storage region", req: with(svc("essential.service", "user.contact"), func(r *Request) { r.Region = "mars" }),
			reasons: ReasonRegionNotAllowed},
		{name: "declared transfer to the processor's location", req: with(aggregate(svc("train_ai_system", "user.behavior")), func(r *Request) { r.Processor, r.Region = "gpu", "eu" }),
			oblige: ObligeAggregateOnly | ObligeRedactPII},
		{name: "no transfer to the processor's location", req: with(svc("marketing", "user.contact.email"), func(r *Request) {
			r.Processor, r.Region = "mailer", "us"
			r.Subject.Consents = granted("marketing")
		}), reasons: ReasonRegionNotAllowed},

		// Staff.
		{name: "staff without justification see masked values", req: with(svc("essential.service", "user.contact"), func(r *Request) { r.Actor = ActorStaff }),
			reasons: ReasonJustificationRequired, oblige: ObligeMask},
		{name: "staff with an unknown justification see masked values", req: with(svc("essential.service", "user.contact"), func(r *Request) {
			r.Actor, r.Justification = ActorStaff, "curiosity"
		}), reasons: ReasonJustificationRequired, oblige: ObligeMask},
		{name: "staff with an accepted justification", req: with(svc("essential.service", "user.contact"), func(r *Request) {
			r.Actor, r.Justification = ActorStaff, "security-investigation"
		})},
		{name: "subject agreement without the agreement", req: with(svc("essential.service", "user.contact"), func(r *Request) {
			r.Actor, r.Justification = ActorStaff, "subject-agreement"
		}), reasons: ReasonAgreementMissing, oblige: ObligeMask},
		{name: "subject agreement with the agreement", req: with(svc("essential.service", "user.contact"), func(r *Request) {
			r.Actor, r.Justification, r.Subject.StaffAccessAgreed = ActorStaff, "subject-agreement", true
		})},
		{name: "a justification needing approval masks without a grant", req: with(svc("essential.service", "user.contact"), func(r *Request) {
			r.Actor, r.Justification = ActorStaff, "legal-request"
		}), reasons: ReasonApprovalRequired, oblige: ObligeMask},
		{name: "a justification needing approval shows values under an approved grant", req: with(svc("essential.service", "user.contact"), func(r *Request) {
			r.Actor, r.Justification, r.Approved = ActorStaff, "legal-request", true
		})},
		{name: "purpose without human access masks even justified staff", req: with(svc("essential.service.security", "user.device.ip_address"), func(r *Request) {
			r.Actor, r.Justification = ActorStaff, "security-investigation"
		}), reasons: ReasonHumanAccessNotAllowed, oblige: ObligeMask},
		{name: "staff are denied what the service is denied", req: with(svc("essential.service", "user.biometric"), func(r *Request) {
			r.Actor, r.Justification = ActorStaff, "security-investigation"
		}), reasons: ReasonCategoryNotDeclared},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := d.Decide(&tt.req)
			wantAllowed := tt.reasons&denying == 0
			if got.Allowed != wantAllowed || got.Reasons != tt.reasons || got.Obligations != tt.oblige {
				t.Errorf("Decide = allowed %v, reasons %v, obligations %v; want %v, %v, %v\n%s",
					got.Allowed, got.Reasons.Codes(), got.Obligations.Names(), wantAllowed, tt.reasons.Codes(), tt.oblige.Names(), got.Sentence())
			}
			if tt.category != "" && got.Category != tt.category {
				t.Errorf("Category = %q; want %q", got.Category, tt.category)
			}
		})
	}
}

func TestDecideBelowMinimumAgeRefused(t *testing.T) {
	src, err := os.ReadFile("testdata/decide.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d := mustCompile(t, strings.Replace(string(src), "below: flag", "below: refuse", 1))
	r := with(svc("essential.service", "user.contact"), func(r *Request) { r.Subject.BelowMinimumAge = true })
	if got := d.Decide(&r); got.Allowed || got.Reasons != ReasonBelowMinimumAge {
		t.Errorf("Decide = %v %v; want denied below_minimum_age", got.Allowed, got.Codes())
	}
}

func TestDecideDefaultGPCUses(t *testing.T) {
	src, err := os.ReadFile("testdata/decide.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d := mustCompile(t, strings.Replace(string(src), "  gpc_uses: [marketing, personalize.profiling]\n", "", 1))
	r := with(svc("marketing", "user.contact.email"), func(r *Request) {
		r.Subject.GPCOptOut = true
		r.Subject.Consents = granted("marketing")
	})
	if got := d.Decide(&r); !got.Allowed {
		t.Errorf("marketing under default GPC uses: %v; want allowed (defaults are advertising and sharing)", got.Sentence())
	}
}

func TestDecideSentence(t *testing.T) {
	d := mustCompileFile(t, "testdata/decide.yaml")
	tests := []struct {
		req  Request
		want string
	}{
		{svc("essential.service", "user.contact.email"), "Allowed for essential.service."},
		{svc("essential.service", "user.device.ip_address"), "Denied: purpose essential.service may not use user.device.ip_address."},
		{aggregate(svc("train_ai_system", "user.content.self_image")), "Denied: the policy prohibits this: Pictures of you never train models."},
		{svc("train_ai_system", "user.content.prompt"), "Denied: purpose train_ai_system uses only aggregated or de-identified data, never one person's values."},
		{with(svc("essential.service", "user.content.upload"), func(r *Request) { r.Actor = ActorStaff }),
			"Allowed for essential.service, with conditions: values must be masked; the data must be deleted right after use (staff need an accepted justification to see values)."},
		{with(svc("marketing", "user.contact.phone_number"), func(r *Request) { r.Processor = "mailer" }),
			"Denied: purpose marketing may not use user.contact.phone_number; purpose marketing needs the person's consent, which is not on record; processor mailer may not receive user.contact.phone_number."},
	}
	for _, tt := range tests {
		if got := d.Decide(&tt.req).Sentence(); got != tt.want {
			t.Errorf("Sentence(%s %v) =\n %q; want\n %q", tt.req.Purpose, tt.req.Categories, got, tt.want)
		}
	}
}

func TestDecideDoesNotAllocate(t *testing.T) {
	d := mustCompileFile(t, "testdata/decide.yaml")
	r := with(svc("marketing", "user.contact.email", "user.contact.phone_number"), func(r *Request) {
		r.Actor, r.Justification, r.Processor, r.Region = ActorStaff, "subject-agreement", "mailer", "eu"
		r.Subject.Consents = []Consent{{Purpose: "marketing", Granted: true}, {Purpose: "marketing", Processor: "mailer"}}
		r.Subject.Restricted, r.Subject.RestrictedUntil, r.At = true, day(3), day(2)
		r.Subject.Objections = []string{"personalize", "marketing.communications"}
	})
	if n := testing.AllocsPerRun(100, func() { _ = d.Decide(&r) }); n != 0 {
		t.Errorf("Decide allocates %v times per call; want 0", n)
	}
}

// mustCompile parses, checks and compiles a policy from source.
func mustCompile(tb testing.TB, src string) *Decider {
	tb.Helper()
	p, err := Parse("test.yaml", []byte(src))
	if err != nil {
		tb.Fatal(err)
	}
	d, err := Compile(p)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func TestConsentStatus(t *testing.T) {
	d := mustCompileFile(t, "testdata/decide.yaml")
	for _, c := range []struct {
		name    string
		s       SubjectState
		purpose string
		proc    string
		want    Reasons
	}{
		{"no consent", SubjectState{}, "marketing", "", ReasonConsentRequired},
		{"granted", SubjectState{Consents: granted("marketing")}, "marketing", "", 0},
		{"withdrawn", SubjectState{Consents: []Consent{{Purpose: "marketing"}}}, "marketing", "", ReasonConsentWithdrawn},
		{"stale", SubjectState{Consents: []Consent{{Purpose: "marketing", Granted: true, Stale: true}}}, "marketing", "", ReasonConsentStale},
		{"gpc on a gpc use", SubjectState{Consents: granted("marketing"), GPCOptOut: true}, "marketing", "", ReasonGPCOptOut},
		{"processor withdrawn", SubjectState{Consents: []Consent{{Purpose: "marketing", Granted: true}, {Purpose: "marketing", Processor: "mailer"}}},
			"marketing", "mailer", ReasonConsentWithdrawn},
	} {
		if got := d.ConsentStatus(&c.s, c.purpose, c.proc); got != c.want {
			t.Errorf("%s: ConsentStatus = %v; want %v", c.name, got.Codes(), c.want.Codes())
		}
	}
}
