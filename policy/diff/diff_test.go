package diff

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/steward-privacy/steward/policy"
)

func parse(t *testing.T, src string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func fixture(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../testdata/decide.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCompareIdentical(t *testing.T) {
	p := parse(t, fixture(t))
	if got := Compare(p, p); len(got) != 0 {
		t.Errorf("Compare(p, p) = %v; want no changes", got)
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		name     string
		old, new string // edit of the fixture
		want     []string
	}{
		{"new category", "categories:\n", "categories:\n  user.name:\n    description: Names.\n    collection: [subject]\n    retention: P1D\n",
			[]string{"+ categories[user.name]: Names. (material: new category)"}},
		{"removed category", "  user.device.ip_address:\n    description: IP addresses.\n    collection: [automatic]\n    retention: PT24H\n", "",
			[]string{"- categories[user.device.ip_address]: IP addresses.", "- purposes[essential.service.security].categories: user.device.ip_address"}},
		{"longer retention", "    retention: P30D\n", "    retention: P90D\n",
			[]string{"~ categories[user.content.prompt].retention: P30D -> P90D (material: longer retention)"}},
		{"shorter retention", "    retention: P30D\n", "    retention: P7D\n",
			[]string{"~ categories[user.content.prompt].retention: P30D -> P7D"}},
		{"ephemeral kept", "    retention: ephemeral\n", "    retention: PT1H\n",
			[]string{"~ categories[user.content.upload].retention: ephemeral -> PT1H (material: longer retention)"}},
		{"new connected source", "    description: Prompts.\n    collection: [subject]", "    description: Prompts.\n    collection: [subject, {from: connected, system: email, scopes: [mail.read]}]",
			[]string{"+ categories[user.content.prompt].collection: connected email  mail.read (material: collected in a new way)"}},
		{"new purpose", "purposes:\n", "purposes:\n  analytics:\n    description: Count things.\n    basis: legitimate-interest\n    categories: [user.behavior]\n",
			[]string{"+ purposes[analytics]: Count things. (material: new purpose)"}},
		{"weaker legal basis", "    basis: consent\n    categories: [user.contact.email]", "    basis: legitimate-interest\n    categories: [user.contact.email]",
			[]string{"~ purposes[marketing].basis: consent -> legitimate-interest (material: weaker legal basis)"}},
		{"stronger legal basis", "    basis: legitimate-interest\n    aggregate_only", "    basis: consent\n    aggregate_only",
			[]string{"~ purposes[train_ai_system].basis: legitimate-interest -> consent"}},
		{"purpose uses more", "    categories: [user.contact.email]\n    withdraw", "    categories: [user.contact]\n    withdraw",
			[]string{"+ purposes[marketing].categories: user.contact (material: purpose uses more data)", "- purposes[marketing].categories: user.contact.email"}},
		{"aggregation dropped", "    aggregate_only: true\n", "",
			[]string{"~ purposes[train_ai_system].aggregate_only: true -> false (material: no longer aggregated only)"}},
		{"human access opened", "    human_access: never\n", "",
			[]string{"~ purposes[essential.service.security].human_access: true -> false (material: staff may now see the data)"}},
		{"prohibition lifted", "  - use: marketing.advertising\n    description: We never advertise with your data.\n", "",
			[]string{"- prohibited[use marketing.advertising ]: We never advertise with your data. (material: prohibition lifted)"}},
		{"new processor", "processors:\n", "processors:\n  cdn:\n    name: CDN Co\n    kind: hosting\n    purposes: [essential.service]\n    categories: [user.content.prompt]\n    locations: [eu]\n    retention: same-as-category\n",
			[]string{"+ processors[cdn]: CDN Co (material: new processor)"}},
		{"processor location and training", "    locations: [eu]\n    retention: P30D\n", "    locations: [eu, asia]\n    retention: P60D\n    train: true\n",
			[]string{
				"+ processors[mailer].locations: asia (material: new location)",
				"~ processors[mailer].retention: P30D -> P60D (material: longer retention)",
				"~ processors[mailer].train: false -> true (material: processor may train on the data)",
			}},
		{"new storage region", "  storage: [eu, us]\n", "  storage: [eu, us, au]\n", []string{"+ regions.storage: au (material: new location)"}},
		{"right removed and deadline longer", "  access: {deadline: P30D}\n  erasure: {deadline: P30D}\n", "  access: {deadline: P45D}\n",
			[]string{"~ rights[access].deadline: P30D -> P45D (material: longer deadline)", "- rights[erasure]: P30D (material: right removed)"}},
		{"new staff justification", "    security-investigation: Investigating abuse.\n", "    security-investigation: Investigating abuse.\n    support: Answering a ticket.\n",
			[]string{"+ staff.justifications[support]: Answering a ticket. (material: new reason for staff to read personal data)"}},
		{"approval no longer required", "      approval: required\n", "      approval: none\n",
			[]string{"~ staff.justifications[legal-request].approval: true -> false (material: staff no longer need a second person's approval)"}},
		{"approval now required", "    security-investigation: Investigating abuse.\n", "    security-investigation: {description: Investigating abuse., approval: required}\n",
			[]string{"~ staff.justifications[security-investigation].approval: false -> true"}},
		{"older TLS", `  tls_minimum: "1.3"`, `  tls_minimum: "1.2"`, []string{"~ security.tls_minimum: 1.3 -> 1.2 (material: older TLS accepted)"}},
		{"lower minimum age", "  minimum_age: 16\n", "  minimum_age: 13\n", []string{"~ children.minimum_age: 16 -> 13 (material: lower minimum age)"}},
		{"GPC ignored", "  gpc: honored\n", "  gpc: ignored\n", []string{"~ signals.gpc: honored -> ignored (material: Global Privacy Control no longer honored)"}},
		{"version bump", `  version: "7"`, `  version: "8"`, []string{"~ organisation.version: 7 -> 8"}},
	}
	base := fixture(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(base, tt.old) {
				t.Fatalf("fixture has no %q", tt.old)
			}
			changes := Compare(parse(t, base), parse(t, strings.Replace(base, tt.old, tt.new, 1)))
			var got []string
			for _, c := range changes {
				got = append(got, c.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("changes =\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

func TestMaterial(t *testing.T) {
	cs := []Change{{Kind: Added, Material: true}, {Kind: Removed}, {Kind: Changed, Material: true}}
	if got := Material(cs); len(got) != 2 || got[1].Kind != Changed {
		t.Errorf("Material = %v", got)
	}
}
