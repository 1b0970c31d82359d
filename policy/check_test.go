package policy

import (
	"os"
	"strings"
	"testing"
)

// fixture returns the source of testdata/decide.yaml, a policy without
// problems that the check tests edit.
func fixture(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile("testdata/decide.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func TestCheckFixtureIsClean(t *testing.T) {
	p, err := Parse("test.yaml", []byte(fixture(t)))
	if err != nil {
		t.Fatal(err)
	}
	if ps := p.Check(); len(ps) > 0 {
		t.Errorf("Check(fixture) =\n%v", ps)
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name     string
		old, new string // edit of the fixture
		msg      string // substring of the expected problem's message
		at       string // the problem is on the line of this text in the edited file ("" = first line of new)
		hint     string // substring of its hint
	}{
		{"missing organisation name", "  name: Test Co\n", "", "organisation.name is missing", "organisation:", ""},
		{"invalid key", "  user.contact:\n", "  User.Contact:\n", `"User.Contact" is not a valid key`, "", "lowercase"},
		{"key outside the taxonomy", "  user.contact:\n", "  customer.contact:\n", `"customer.contact" does not extend the data category taxonomy`, "", ""},
		{"misspelled taxonomy key", "  user.device.ip_address:\n", "  user.devise.ip_address:\n", `"user.devise.ip_address" is not a taxonomy key`, "", "did you mean user.device?"},
		{"misspelled subject", "  customer: People", "  custmer: People", `"custmer" is not a data subject of the taxonomy`, "", `"customer"`},
		{"missing retention", "    retention: P30D\n", "", "categories[user.content.prompt].retention is missing", "  user.content.prompt:", "ISO 8601"},
		{"purpose-fulfilled without maximum", "{rule: until-purpose-fulfilled, max: P90D}", "until-purpose-fulfilled", "until-purpose-fulfilled needs a maximum", "", "max: P90D"},
		{"same-as-category on a category", "    retention: P7D\n", "    retention: same-as-category\n", "same-as-category is for processors", "", ""},
		{"category nobody uses", "categories:\n", "categories:\n  user.name:\n    description: Names.\n    collection: [subject]\n    retention: P1D\n",
			"category user.name is collected but no purpose uses it", "  user.name:", ""},
		{"connected source without system", "    description: Prompts.\n    collection: [subject]", "    description: Prompts.\n    collection: [connected]",
			"categories[user.content.prompt].collection[0].system is missing", "    collection: [connected]", ""},
		{"system on a non-connected source", "    description: Prompts.\n    collection: [subject]", "    description: Prompts.\n    collection: [{from: subject, system: erp}]",
			"a subject source has no system, name or scopes", "    collection: [{from", "from: connected"},
		{"purpose using an undeclared category", "categories: [user.contact, user.content]", "categories: [user.contact, user.content, user.biometric]",
			"purpose essential.service uses undeclared category user.biometric", "", "declare it"},
		{"purpose using a misspelled category", "categories: [user.contact, user.content]", "categories: [user.contact, user.content, user.behaviour]",
			"purpose essential.service uses undeclared category user.behaviour", "", `did you mean "user.behavior"?`},
		{"consent without a way to withdraw", "    withdraw: Unsubscribe link in every email.\n", "",
			"purpose marketing is based on consent but gives no way to withdraw it", "  marketing:\n    description", "rights.consent_withdrawal"},
		{"prohibited use granted", "  - use: marketing.advertising\n", "  - use: marketing\n", "purpose marketing is prohibited by prohibited[0] (use marketing)", "  marketing:\n    description", "cannot be overridden"},
		{"prohibited use served by a processor", "  - use: marketing.advertising\n", "  - use: marketing\n", "processor mailer serves marketing, which is prohibited", "    purposes: [marketing]", ""},
		{"prohibited use within a category scope", "    categories: [user.content.self_image]\n    description: Pictures of you never train",
			"    categories: [user.content]\n    description: Pictures of you never train", "purpose train_ai_system is prohibited by prohibited[1]", "  train_ai_system:", ""},
		{"prohibited kind of recipient", "    categories: [user.content.self_image]\n    description: Pictures of you never reach",
			"    categories: [user.content.prompt]\n    description: Pictures of you never reach", "processor gpu (ai-model) is prohibited by prohibited[2]", "    kind: ai-model", ""},
		{"prohibition with use and recipients", "  - use: marketing.advertising\n", "  - use: marketing.advertising\n    recipients: [advertising]\n",
			"a prohibition names a use or recipients, not both", "  - use: marketing.advertising", ""},
		{"prohibition with neither", "  - use: marketing.advertising\n    description:", "  - description:", "a prohibition needs a use or recipients", "", ""},
		{"processor serving an undeclared purpose", "    purposes: [marketing]\n", "    purposes: [analytics]\n", "processor mailer serves undeclared purpose analytics", "", ""},
		{"processor receiving what no purpose may use", "    categories: [user.contact.email]\n    locations: [eu]", "    categories: [user.contact.email, user.contact.phone_number]\n    locations: [eu]",
			"processor mailer receives user.contact.phone_number, which none of its purposes may use", "", "add the category"},
		{"processor keeps an ephemeral category", "    retention: same-as-category\n", "    retention: P30D\n",
			"processor cloud keeps user.content (P30D) longer than category user.content.upload allows (ephemeral)", "    categories: [user.contact, user.content]\n    locations: [eu, us]", "shorten"},
		{"processor outside the regions without a safeguard", "    locations: [eu]\n", "    locations: [asia]\n",
			"processor mailer is located in asia, outside the allowed regions, without a transfer safeguard", "", "sccs"},
		{"processor training without the purpose", "    retention: same-as-category\n", "    retention: same-as-category\n    train: true\n",
			"processor cloud may train on the data, but none of its purposes is train_ai_system", "train: true\n    safeguards: [dpa]\nregions", ""},
		{"training processor that may not train", "    retention: not-retained\n    train: true\n", "    retention: not-retained\n    train: false\n",
			"processor gpu serves a training purpose but may not train (train: false)", "    purposes: [train_ai_system]\n    categories: [user.content.prompt", "train: true"},
		{"invalid processor key", "  mailer:\n", "  Mail_Co:\n", `"Mail_Co" is not a valid processor key`, "", ""},
		{"missing processor retention", "    retention: P30D\n    safeguards: [dpa]\n  gpu:", "    safeguards: [dpa]\n  gpu:",
			"processors[mailer].retention is missing", "  mailer:", ""},
		{"transfer under a DPA only", "      safeguard: sccs\n", "      safeguard: dpa\n", "a data processing agreement alone does not allow a transfer", "", ""},
		{"transfer from a region that stores nothing", "    - from: [eu]\n", "    - from: [au]\n", "au is not a storage region", "", ""},
		{"invalid region", "  storage: [eu, us]\n", "  storage: [EU, us]\n", `"EU" is not a valid region`, "", ""},
		{"rights without verification", "  verification: A code sent to the account email.\n", "", "rights.verification is missing", "rights:", ""},
		{"rights without erasure", "  erasure: {deadline: P30D}\n", "", "rights.erasure is missing", "rights:", ""},
		{"right without deadline", "  access: {deadline: P30D}\n", "  access: {how: Ask us}\n", "rights.access.deadline is missing", "", "P30D"},
		{"deadline too long", "  access: {deadline: P30D}\n", "  access: {deadline: P6M}\n", "a deadline of P6M is longer than the law allows", "", ""},
		{"invalid justification key", "    security-investigation:", "    Security Team:", `"Security Team" is not a valid justification key`, "", ""},
		{"missing minimum age", "  minimum_age: 16\n", "", "children.minimum_age is missing", "children:", "13"},
		{"minimum age too high", "  minimum_age: 16\n", "  minimum_age: 30\n", "a minimum age of 30 is not a children's rule", "", ""},
		{"missing GPC stance", "  gpc: honored\n", "", "signals.gpc is missing", "signals:", ""},
		{"invalid GPC use", "  gpc_uses: [marketing, personalize.profiling]\n", "  gpc_uses: [marketting]\n", `"marketting" does not extend the data use taxonomy`, "", `"marketing"`},
		{"missing notification channel", "  notify: [email]\n", "", "changes.notify is missing", "changes:", ""},
		{"purpose declared twice through the alias", "  personalize.content.profiling:\n", "  personalize.profiling:\n    description: x\n    basis: contract\n    categories: [user.behavior]\n  personalize.content.profiling:\n",
			"purpose personalize.content.profiling is declared twice (also as personalize.profiling)", "  personalize.content.profiling:", "alias"},
		{"missing encryption", "  encryption_at_rest: aes-256-gcm\n", "", "security.encryption_at_rest is missing", "security:\n  tls", ""},
	}
	base := fixture(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(base, tt.old) {
				t.Fatalf("fixture has no %q", tt.old)
			}
			src := strings.Replace(base, tt.old, tt.new, 1)
			at := tt.at
			if at == "" {
				at, _, _ = strings.Cut(tt.new, "\n")
			}
			i := strings.Index(src, at)
			if i < 0 {
				t.Fatalf("edited file has no %q", at)
			}
			wantLine := 1 + strings.Count(src[:i], "\n")
			p, err := Parse("test.yaml", []byte(src))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			ps := p.Check()
			for _, got := range ps {
				if strings.Contains(got.Message, tt.msg) {
					if got.Line != wantLine || got.File != "test.yaml" || got.Col < 1 {
						t.Errorf("problem at %s:%d:%d; want line %d", got.File, got.Line, got.Col, wantLine)
					}
					if !strings.Contains(got.Hint, tt.hint) {
						t.Errorf("hint = %q; want it to contain %q", got.Hint, tt.hint)
					}
					return
				}
			}
			t.Errorf("Check() has no problem containing %q; got\n%v", tt.msg, ps)
		})
	}
}

func TestCheckAllowsSafeguardedTransfer(t *testing.T) {
	src := strings.Replace(fixture(t), "    locations: [eu]\n    retention: P30D\n    safeguards: [dpa]", "    locations: [asia]\n    retention: P30D\n    safeguards: [dpa, sccs]", 1)
	p, err := Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if ps := p.Check(); len(ps) > 0 {
		t.Errorf("processor outside the regions with SCCs: Check() =\n%v", ps)
	}
}

func TestCompileRefusesPolicyWithProblems(t *testing.T) {
	src := strings.Replace(fixture(t), "  - use: marketing.advertising\n", "  - use: marketing\n", 1)
	p, err := Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	d, err := Compile(p)
	if ps, ok := AsProblems(err); d != nil || !ok || len(ps) == 0 {
		t.Errorf("Compile(prohibited purpose) = %v, %v; want problems", d, err)
	}
	if _, err := Compile(nil); err == nil {
		t.Error("Compile(nil) = nil error")
	}
}
