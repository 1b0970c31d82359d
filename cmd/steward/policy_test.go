package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const example = "../../examples/ad-asset-studio.yaml"

func runPolicy(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runCLI(t, append([]string{"policy"}, args...)...)
}

// writePolicy writes src to a file in a temporary folder and returns its path.
func writePolicy(t *testing.T, name, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func exampleWith(t *testing.T, old, new string) string {
	t.Helper()
	b, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("example has no %q", old)
	}
	return strings.Replace(string(b), old, new, 1)
}

func TestPolicyCheck(t *testing.T) {
	typo := writePolicy(t, "typo.yaml", exampleWith(t, "    retention: PT24H\n", "    retension: PT24H\n"))
	ephemeral := writePolicy(t, "ephemeral.yaml", strings.Replace(exampleWith(t,
		"    description: The instructions you write for an image or a video.\n    collection: [subject]\n    retention: until-account-deletion",
		"    description: The instructions you write for an image or a video.\n    collection: [subject]\n    retention: ephemeral"),
		"    locations: [us]\n    retention: not-retained\n    train: false\n    safeguards: [dpa]\n  fathom",
		"    locations: [us]\n    retention: P30D\n    train: false\n    safeguards: [dpa]\n  fathom", 1))
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string // lines that must appear, in order
	}{
		{"clean file", []string{example}, 0, []string{example + ": ok"}},
		{"misspelled field", []string{typo}, 1, []string{typo + `:47:5: unknown field "retension" in categories[user.device.ip_address]`, "\thint: did you mean \"retention\"?"}},
		{"contradicted retention", []string{ephemeral}, 1, []string{
			ephemeral + ":98:18: processor kestrel-video keeps user.content.prompt (P30D) longer than category user.content.prompt allows (ephemeral)",
		}},
		{"several files, one bad", []string{example, typo}, 1, []string{example + ": ok", typo + ":47:5:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runPolicy(t, append([]string{"check"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d; want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errs)
			}
			rest := out
			for _, want := range tt.stdout {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Errorf("stdout lacks %q (in order)\n%s", want, out)
					break
				}
				rest = rest[i+len(want):]
			}
		})
	}
}

func TestPolicyCheckUsageAndErrors(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{nil, 2, "usage: steward policy check FILE..."},
		{[]string{"help"}, 0, "usage: steward policy check FILE..."},
		{[]string{"lint"}, 2, `unknown subcommand "lint"`},
		{[]string{"check"}, 2, "usage: steward policy check FILE..."},
		{[]string{"check", "--verbose", example}, 2, "flag provided but not defined: -verbose"},
		{[]string{"check", "/no/such/policy.yaml"}, 1, "steward policy: policy file /no/such/policy.yaml does not exist"},
		{[]string{"render"}, 2, "usage: steward policy render FILE"},
		{[]string{"render", example, "--format", "pdf"}, 2, `unknown format "pdf"`},
		{[]string{"diff", example}, 2, "usage: steward policy diff OLD NEW"},
	}
	for _, tt := range tests {
		code, _, errs := runPolicy(t, tt.args...)
		if code != tt.code || !strings.Contains(errs, tt.stderr) {
			t.Errorf("policy %v = exit %d, stderr %q; want %d, %q", tt.args, code, errs, tt.code, tt.stderr)
		}
	}
}

func TestPolicyRender(t *testing.T) {
	tests := []struct {
		format string
		prefix string
		has    string
	}{
		{"md", "# Privacy notice: Pictora Labs\n", "| Request log `system.operations.request_log` | 24 hours |"},
		{"html", "<!DOCTYPE html>\n<html lang=\"en\">", "<caption>Service providers</caption>"},
		{"ropa-json", "{\n", `"purpose": "essential.service.generation"`},
		{"ropa-csv", "controller,controller_contact,dpo,purpose,", "fathom-motion to asia under sccs"},
	}
	for _, tt := range tests {
		// The format flag may come before or after the file.
		for _, args := range [][]string{{"render", example, "--format", tt.format}, {"render", "--format=" + tt.format, example}} {
			code, out, errs := runPolicy(t, args...)
			if code != 0 || !strings.HasPrefix(out, tt.prefix) || !strings.Contains(out, tt.has) {
				t.Errorf("policy %v = exit %d (%s); output starts %q, want prefix %q and %q", args, code, errs, out[:min(len(out), 60)], tt.prefix, tt.has)
			}
		}
	}
	if code, out, _ := runPolicy(t, "render", example); code != 0 || !strings.HasPrefix(out, "# Privacy notice") {
		t.Errorf("render defaults to Markdown: exit %d, %q", code, out[:min(len(out), 40)])
	}
	var record struct{ Activities []json.RawMessage }
	_, out, _ := runPolicy(t, "render", example, "--format", "ropa-json")
	if err := json.Unmarshal([]byte(out), &record); err != nil || len(record.Activities) != 3 {
		t.Errorf("ropa-json = %v activities, %v", len(record.Activities), err)
	}
}

func TestPolicyRenderRefusesPolicyWithProblems(t *testing.T) {
	bad := writePolicy(t, "bad.yaml", exampleWith(t, "  - use: train_ai_system\n    categories: [user.content]\n", "  - use: essential.service\n"))
	code, out, errs := runPolicy(t, "render", bad)
	if code != 1 || out != "" || !strings.Contains(errs, "purpose essential.service is prohibited") {
		t.Errorf("render of a bad policy = exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestPolicyDiff(t *testing.T) {
	newer := writePolicy(t, "new.yaml", exampleWith(t, "    locations: [asia]\n    retention: not-retained\n    train: false\n    safeguards: [dpa, sccs]\n  orbit",
		"    locations: [asia, eu]\n    retention: not-retained\n    train: false\n    safeguards: [dpa, sccs]\n  orbit"))
	code, out, errs := runPolicy(t, "diff", example, newer)
	want := "+ processors[fathom-motion].locations: eu (material: new location)\n1 changes, 1 material\n"
	if code != 0 || out != want {
		t.Errorf("diff = exit %d\n%s%s\nwant\n%s", code, out, errs, want)
	}
	code, out, _ = runPolicy(t, "diff", "--json", example, newer)
	var got struct {
		Changes []struct {
			Kind, Path, New string
			Material        bool
		}
		Material int
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != 0 {
		t.Fatalf("diff --json = exit %d, %v\n%s", code, err, out)
	}
	if got.Material != 1 || len(got.Changes) != 1 || got.Changes[0].Path != "processors[fathom-motion].locations" || !got.Changes[0].Material {
		t.Errorf("diff --json = %+v", got)
	}
	if _, out, _ := runPolicy(t, "diff", "--json", example, example); !strings.Contains(out, `"changes": []`) {
		t.Errorf("diff of a file with itself = %s; want an empty list", out)
	}
	bad := writePolicy(t, "bad.yaml", "steward: v1\nnope: 1\n")
	if code, _, errs := runPolicy(t, "diff", example, bad); code != 1 || !strings.Contains(errs, bad+":2:1: unknown field") {
		t.Errorf("diff with a broken file = exit %d, %s", code, errs)
	}
}
