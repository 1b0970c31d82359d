package notice

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/steward-privacy/steward/policy"
)

// load parses testdata/decide.yaml of the policy package after applying
// replacements, and fails on any problem.
func load(t *testing.T, replace ...string) *policy.Policy {
	t.Helper()
	b, err := os.ReadFile("../testdata/decide.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := strings.NewReplacer(replace...).Replace(string(b))
	p, err := policy.Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if ps := p.Check(); len(ps) > 0 {
		t.Fatalf("fixture has problems:\n%v", ps)
	}
	return p
}

const hostile = `<script>alert(1)</script> [click](javascript:alert(1)) *bold* | pipe & &amp; ` + "`code`"

func TestMarkdownEscapesPolicyText(t *testing.T) {
	p := load(t, "description: Run the service.", "description: "+strings.ReplaceAll(hostile, "`", "'"),
		"name: Test Co", "name: '# Test | Co'")
	md := string(Markdown(p))
	for _, bad := range []string{"<script>", "[click](", "*bold*", "| pipe", "&amp;"} {
		if unescaped(md, bad) {
			t.Errorf("Markdown contains unescaped %q", bad)
		}
	}
	for _, good := range []string{`\<script\>`, `\[click\]`, `\*bold\*`, `\| pipe & \&amp;`, `# Privacy notice: # Test \| Co`} {
		if !strings.Contains(md, good) {
			t.Errorf("Markdown lacks %q", good)
		}
	}
}

// unescaped reports whether s contains sub without a backslash before it.
func unescaped(s, sub string) bool {
	for i := strings.Index(s, sub); i >= 0; {
		if i == 0 || s[i-1] != '\\' {
			return true
		}
		j := strings.Index(s[i+1:], sub)
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

func TestEscapeMD(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"user_id and _start_", `user_id and \_start\_`},
		{"a\n  b\tc", "a b c"},
		{" Email ", " Email "},
		{"R&D &copy; & x", `R&D \&copy; & x`},
		{`back\slash`, `back\\slash`},
	}
	for _, tt := range tests {
		if got := escapeMD(tt.in); got != tt.want {
			t.Errorf("escapeMD(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
	for in, want := range map[string]string{
		"# title": `\# title`, "- item": `\- item`, "1. first": `1\. first`, "12) x": `12\) x`, "2026 was": "2026 was", "": "",
	} {
		if got := escapeLineStart(in); got != want {
			t.Errorf("escapeLineStart(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestHTMLEscapesPolicyText(t *testing.T) {
	p := load(t, "description: Run the service.", "description: '"+strings.ReplaceAll(hostile, "'", "")+"'")
	page, err := HTML(p)
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	if strings.Contains(s, "<script") || strings.Contains(s, "href=\"javascript") {
		t.Error("HTML contains a script or a javascript link from policy text")
	}
	if !strings.Contains(s, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("HTML does not show the escaped text")
	}
}

func TestHTMLIsSelfContainedAndAccessible(t *testing.T) {
	page, err := HTML(load(t))
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	if !strings.HasPrefix(s, "<!DOCTYPE html>\n<html lang=\"en\">") {
		t.Error("page does not start with a doctype and a lang attribute")
	}
	for _, external := range []string{"<script", "<link", "<img", "<iframe", "src=", "@import", "url(", "http://", "https://"} {
		if strings.Contains(s, external) {
			t.Errorf("page refers to something outside itself: %q", external)
		}
	}
	if n := strings.Count(s, "<h1>"); n != 1 {
		t.Errorf("page has %d h1; want 1", n)
	}
	headings := regexp.MustCompile(`<h([1-6])`).FindAllStringSubmatch(s, -1)
	for i := 1; i < len(headings); i++ {
		if headings[i][1][0] > headings[i-1][1][0]+1 {
			t.Errorf("heading level jumps from h%s to h%s", headings[i-1][1], headings[i][1])
		}
	}
	if strings.Count(s, "<th>") > 0 || strings.Count(s, "<th ") != strings.Count(s, "<th scope=") {
		t.Error("a table header cell has no scope")
	}
	if strings.Count(s, "<table>") != strings.Count(s, "<caption>") || strings.Count(s, "<table>") != 3 {
		t.Errorf("tables %d, captions %d; want 3 tables, each with a caption", strings.Count(s, "<table>"), strings.Count(s, "<caption>"))
	}
	for _, id := range regexp.MustCompile(`href="#([a-z]+)"`).FindAllStringSubmatch(s, -1) {
		if !strings.Contains(s, `id="`+id[1]+`"`) {
			t.Errorf("contents link #%s has no target", id[1])
		}
	}
}

func TestBuildOmitsEmptySectionsAndStatesFacts(t *testing.T) {
	p := load(t)
	p.Prohibited = nil
	p.Processors = nil
	doc := Build(p)
	var ids []string
	for _, s := range doc.Sections {
		ids = append(ids, s.ID)
	}
	if strings.Contains(strings.Join(ids, " "), "never") {
		t.Errorf("sections %v include 'never' without prohibitions", ids)
	}
	md := string(RenderMarkdown(doc))
	for _, fact := range []string{
		"We do not share your personal data with other companies.",
		"Our service is not meant for children under 16. If we learn that someone under 16 uses it, we review the account",
		"We treat a Global Privacy Control signal as your request to opt out of marketing and personalised content.",
		"| Request log `system.operations.request_log` | 24 hours |",
		"| Usage `user.behavior` | Until the purpose is fulfilled, at most 90 days |",
		"From the European Union to the United States, under standard contractual clauses.",
		"Legal basis: your consent. You can withdraw it at any time: Unsubscribe link in every email.",
		"Only aggregated or de-identified data is used, not linked to your account.",
		"No one at Test Co looks at this data.",
		"- The person agreed that we look.",
	} {
		if !strings.Contains(md, fact) {
			t.Errorf("notice lacks %q", fact)
		}
	}
}

func TestHumanize(t *testing.T) {
	for key, want := range map[string]string{
		"user.device.ip_address": "IP address", "user.content.generated_image": "Generated image",
		"system.operations.request_log": "Request log", "user": "User", "user.unique_id": "Unique ID",
	} {
		if got := humanize(key); got != want {
			t.Errorf("humanize(%q) = %q; want %q", key, got, want)
		}
	}
	if got := joinWords([]string{"a", "b", "c"}, "and"); got != "a, b and c" {
		t.Errorf("joinWords = %q", got)
	}
}
