package examples

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/policy/notice"
)

var update = flag.Bool("update", false, "rewrite the golden notices")

// decision is one request and what the example's seed policy implies.
type decision struct {
	name    string
	req     policy.Request
	allowed bool
	reasons policy.Reasons     // reasons that must be among the decision's
	oblige  policy.Obligations // obligations that must be among the decision's
}

// exampleTests holds one test per example policy.
var exampleTests = map[string]func(t *testing.T, p *policy.Policy, d *policy.Decider){}

func TestExamples(t *testing.T) {
	names, err := fs.Glob(FS, "*.yaml")
	if err != nil || len(names) < 5 {
		t.Fatalf("examples: %v, %v; want at least five", names, err)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			src, err := FS.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			p, err := policy.Parse(name, src)
			if err != nil {
				t.Fatal(err)
			}
			if ps := p.Check(); len(ps) > 0 {
				t.Fatalf("check:\n%v", ps)
			}
			d, err := policy.Compile(p)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, strings.TrimSuffix(name, ".yaml")+".md", notice.Markdown(p))
			test, ok := exampleTests[name]
			if !ok {
				t.Fatal("no test asserts the decisions of this example")
			}
			test(t, p, d)
		})
	}
	if _, err := FS.ReadFile(Starter); err != nil {
		t.Errorf("Starter %q is not embedded: %v", Starter, err)
	}
}

// golden compares got with the file, or rewrites the file with -update.
func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("golden notice: %v (run go test ./examples -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the rendered notice differs from %s (run go test ./examples -update and review the diff)", file)
	}
}

// checkDecisions runs a table of decisions against d.
func checkDecisions(t *testing.T, d *policy.Decider, tests []decision) {
	t.Helper()
	for _, tt := range tests {
		got := d.Decide(&tt.req)
		if got.Allowed != tt.allowed || !got.Reasons.Has(tt.reasons) || !got.Obligations.Has(tt.oblige) {
			t.Errorf("%s: %s\n  want allowed %v, reasons %v, obligations %v", tt.name, got.Sentence(), tt.allowed, tt.reasons.Codes(), tt.oblige.Names())
		}
	}
}

// checkRetention asserts the retention rules of categories.
func checkRetention(t *testing.T, d *policy.Decider, want map[string]string) {
	t.Helper()
	for key, rule := range want {
		r, ok := d.Retention(key)
		if !ok || r.String() != rule {
			t.Errorf("retention of %s = %q, %v; want %q", key, r, ok, rule)
		}
	}
}

// service returns a request by the service.
func service(purpose string, cats ...string) policy.Request {
	return policy.Request{Purpose: purpose, Categories: cats, Actor: policy.ActorService}
}

func consented(r policy.Request, purposes ...string) policy.Request {
	for _, p := range purposes {
		r.Subject.Consents = append(r.Subject.Consents, policy.Consent{Purpose: p, Granted: true})
	}
	return r
}

// aggregated marks r as a use of many subjects' aggregated data, which an
// aggregate-only purpose allows (one subject's values it refuses).
func aggregated(r policy.Request) policy.Request {
	r.Aggregate = true
	return r
}

func via(r policy.Request, processor, region string) policy.Request {
	r.Processor, r.Region = processor, region
	return r
}

func staff(r policy.Request, justification string) policy.Request {
	r.Actor, r.Justification = policy.ActorStaff, justification
	return r
}

// mustProblem edits the example's source and asserts that check finds a
// problem containing msg.
func mustProblem(t *testing.T, p *policy.Policy, old, new, msg string) {
	t.Helper()
	src, err := FS.ReadFile(p.File())
	if err != nil {
		t.Fatal(err)
	}
	if msg == "" || !bytes.Contains(src, []byte(old)) {
		t.Fatalf("%s has no %q", p.File(), old)
	}
	edited, err := policy.Parse(p.File(), bytes.Replace(src, []byte(old), []byte(new), 1))
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range edited.Check() {
		if strings.Contains(pr.Message, msg) {
			return
		}
	}
	t.Errorf("after replacing %q, check finds no problem containing %q", old, msg)
}
