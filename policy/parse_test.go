package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/steward-privacy/steward"
)

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // the first problem, as FILE:LINE:COL: message
		hint string // a substring of its hint, when checked
	}{
		{"empty file", "", "p.yaml:1:1: the policy file is empty", "steward: v1"},
		{"only a comment", "# nothing\n", "p.yaml:1:1: the policy file is empty", ""},
		{"not a mapping", "- a\n- b\n", "p.yaml:1:1: a policy file is a mapping of sections, not a list", ""},
		{"missing version line", "organisation:\n  name: X\n", "p.yaml:1:1: a policy file starts with its version line", "steward: v1"},
		{"unsupported version", "steward: v2\n", `p.yaml:1:1: unsupported policy version "v2"`, "v1"},
		{"unknown top-level field", "steward: v1\npurpose: {}\n", `p.yaml:2:1: unknown field "purpose" in the policy (top level)`, `"purposes"`},
		{"misspelled nested field", "steward: v1\norganisation:\n  nmae: X\n", `p.yaml:3:3: unknown field "nmae" in organisation`, `"name"`},
		{"misspelled field in a keyed entry", "steward: v1\ncategories:\n  user.name:\n    retension: P1D\n",
			`p.yaml:4:5: unknown field "retension" in categories[user.name]`, `"retention"`},
		{"duplicate key", "steward: v1\nsubjects:\n  customer: a\n  customer: b\n", `p.yaml:4:3: invalid YAML: duplicate key: mapping key "customer" already defined at [3:3]`, "once"},
		{"syntax error", "steward: v1\norganisation: [\n", "p.yaml:2:15: invalid YAML: ", ""},
		{"tab indentation", "steward: v1\norganisation:\n\tname: X\n", "p.yaml:3:1: invalid YAML: ", ""},
		{"null value", "steward: v1\norganisation:\n  name:\n", "p.yaml:3:3: organisation.name has no value", ""},
		{"list where a value belongs", "steward: v1\norganisation:\n  name: [a, b]\n", "p.yaml:3:9: organisation.name must be a single value, not a list", ""},
		{"value where a list belongs", "steward: v1\nregions:\n  storage: eu\n", "p.yaml:3:12: regions.storage must be a list, not a single value", "[a, b]"},
		{"value where a mapping belongs", "steward: v1\norganisation: Pictora\n", "p.yaml:2:15: organisation must be a mapping of fields, not a single value", ""},
		{"keyed section as a list", "steward: v1\ncategories: [user.name]\n", "p.yaml:2:13: categories must be a mapping keyed by name, not a list", ""},
		{"keyed section without entries", "steward: v1\npurposes:\n", "p.yaml:2:1: purposes has no entries", ""},
		{"text where a number belongs", "steward: v1\nchildren:\n  minimum_age: thirteen\n", "p.yaml:3:16: children.minimum_age must be a whole number between 0 and 1000000", ""},
		{"negative number", "steward: v1\nchildren:\n  minimum_age: -3\n", "p.yaml:3:16: children.minimum_age must be a whole number between 0 and 1000000", ""},
		{"text where a boolean belongs", "steward: v1\npurposes:\n  marketing:\n    essential: yes\n", "p.yaml:4:16: purposes[marketing].essential must be true or false", ""},
		{"unknown enum value", "steward: v1\npurposes:\n  marketing:\n    basis: consnet\n", `p.yaml:4:12: unknown legal basis "consnet"`, `"consent"`},
		{"unknown approval rule", "steward: v1\nstaff:\n  justifications:\n    legal:\n      description: X\n      approval: maybe\n", `p.yaml:6:17: unknown approval rule "maybe"`, "none, required"},
		{"bad date", "steward: v1\norganisation:\n  effective: 21/05/2026\n", `p.yaml:3:14: "21/05/2026" is not a date`, "YYYY-MM-DD"},
		{"bad retention", "steward: v1\ncategories:\n  user.name:\n    retention: forever\n", `p.yaml:4:16: unknown retention rule "forever"`, "ISO 8601"},
		{"retention mapping without rule", "steward: v1\ncategories:\n  user.name:\n    retention: {max: P1D}\n", "p.yaml:4:17: retention needs a rule", ""},
		{"retention max on a duration", "steward: v1\ncategories:\n  user.name:\n    retention: {rule: P1D, max: P2D}\n", "p.yaml:4:17: retention duration takes no max", ""},
		{"obsolete TLS", "steward: v1\nsecurity:\n  tls_minimum: 1.1\n", "p.yaml:3:16: TLS 1.1 is obsolete", "1.2 or 1.3"},
		{"anchor", "steward: v1\norganisation: &o\n  name: X\n", "p.yaml:2:15: anchors and aliases are not supported in policy files", ""},
		{"alias", "steward: v1\nregions:\n  storage: &r [eu]\n  transfers:\n    - to: *r\n", "p.yaml:3:12: anchors and aliases are not supported in policy files", ""},
		{"merge key", "steward: v1\norganisation:\n  <<: {name: X}\n", "p.yaml:3:3: merge keys (<<) are not supported in policy files", ""},
		{"custom tag", "steward: v1\norganisation:\n  name: !secret X\n", "p.yaml:3:9: YAML tags are not supported in policy files", ""},
		{"two documents", "steward: v1\n---\nsteward: v1\n", "p.yaml:3:1: a policy file holds one YAML document, this one has 2", ""},
		{"invalid UTF-8", "steward: v1\norganisation:\n  name: \xff\n", "p.yaml:3:9: the file is not valid UTF-8", ""},
		{"deep brackets", "steward: v1\nx: " + strings.Repeat("[", 100) + "\n", "p.yaml:2:68: the file nests more than 64 levels deep", ""},
		{"deep compact sequences", "steward: v1\nx:\n" + strings.Repeat("- ", 100) + "a\n", "p.yaml:3:129: the file nests more than 64 levels deep", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("p.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("Parse(%q) = %v, nil; want problem %q", tt.src, p, tt.want)
			}
			if code := steward.ErrorCode(err); code != steward.EINVALID {
				t.Errorf("error code = %q; want %q", code, steward.EINVALID)
			}
			ps, ok := AsProblems(err)
			if !ok || len(ps) == 0 {
				t.Fatalf("error %v carries no problems", err)
			}
			if got := ps[0].String(); !strings.HasPrefix(got, tt.want) {
				t.Errorf("first problem = %q; want %q", got, tt.want)
			}
			if !strings.Contains(ps[0].Hint, tt.hint) {
				t.Errorf("hint = %q; want it to contain %q", ps[0].Hint, tt.hint)
			}
		})
	}
}

func TestParseReportsEveryStructuralProblem(t *testing.T) {
	src := "steward: v1\norganisation:\n  nmae: X\n  effective: soon\nchildren:\n  minimum_age: old\n"
	_, err := Parse("p.yaml", []byte(src))
	ps, _ := AsProblems(err)
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	want := []string{
		`p.yaml:3:3: unknown field "nmae" in organisation`,
		`p.yaml:4:14: "soon" is not a date`,
		`p.yaml:6:16: children.minimum_age must be a whole number between 0 and 1000000`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestParseTooLarge(t *testing.T) {
	src := "steward: v1\n" + strings.Repeat("# filler\n", MaxFileSize/9+1)
	_, err := Parse("big.yaml", []byte(src))
	ps, _ := AsProblems(err)
	if len(ps) != 1 || !strings.Contains(ps[0].Message, "larger than") {
		t.Errorf("Parse(large) = %v; want one 'larger than' problem", err)
	}
}

func TestParseAcceptsScalarForms(t *testing.T) {
	src := "\uFEFFsteward: v1\n" + `organisation:
  name: !!str 12
  version: 3
  address: |
    1 Main Street
    Springfield
security:
  tls_minimum: 1.3
categories:
  user.name:
    collection: [subject, {from: connected, system: crm, scopes: [contacts.read]}]
    retention: {rule: until-purpose-fulfilled, max: P1Y}
`
	p, err := Parse("p.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	o := p.Organisation
	if o.Name != "12" || o.Version != "3" || o.Address != "1 Main Street\nSpringfield" {
		t.Errorf("organisation = %+v", o)
	}
	if p.Security.TLSMinimum != "1.3" {
		t.Errorf("tls_minimum = %q; want 1.3", p.Security.TLSMinimum)
	}
	c := p.Categories[0]
	if len(c.Collection) != 2 || c.Collection[0].From != FromSubject || c.Collection[1].System != SystemCRM || c.Collection[1].Scopes[0] != "contacts.read" {
		t.Errorf("collection = %+v", c.Collection)
	}
	if c.Retention.Kind != RetainUntilPurposeFulfilled || c.Retention.Max.String() != "P1Y" {
		t.Errorf("retention = %+v", c.Retention)
	}
	if got := p.Pos("categories[user.name].retention"); got != (Pos{13, 5}) {
		t.Errorf("Pos(retention) = %v; want 13:5", got)
	}
	if got := p.Pos("categories[user.name].retention.no.such"); got != (Pos{13, 5}) {
		t.Errorf("Pos falls back to the closest element: got %v; want 13:5", got)
	}
}

func TestLoad(t *testing.T) {
	if _, err := Load("testdata/decide.yaml"); err != nil {
		t.Errorf("Load(decide.yaml) = %v", err)
	}
	_, err := Load(filepath.Join(t.TempDir(), "missing.yaml"))
	if code := steward.ErrorCode(err); code != steward.ENOTFOUND {
		t.Errorf("Load(missing) code = %q; want %q (%v)", code, steward.ENOTFOUND, err)
	}
	dir := t.TempDir()
	if _, err := Load(dir); steward.ErrorCode(err) != steward.EINVALID {
		t.Errorf("Load(directory) = %v; want EINVALID", err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("steward: v1\nx: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(bad)
	if ps, ok := AsProblems(err); !ok || ps[0].File != bad {
		t.Errorf("Load(bad) problems = %v; want them named after the path", err)
	}
	var se *steward.Error
	if !errors.As(err, &se) || strings.Contains(se.Message, "\n") {
		t.Errorf("Load(bad) message should be one line: %v", err)
	}
}
