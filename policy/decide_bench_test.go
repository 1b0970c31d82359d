package policy

import (
	"os"
	"testing"
)

// benchRequests are typical requests against the ad-asset example: the
// service reading account data, and sending media to an AI processor under
// consent with a region check.
var benchRequests = map[string]Request{
	"service": {
		Purpose:    "essential.service",
		Categories: []string{"user.contact.email", "user.content.product_image"},
		Actor:      ActorService,
	},
	"processor_consent_region": {
		Purpose:    "essential.service.generation",
		Categories: []string{"user.content.product_image", "user.content.prompt"},
		Actor:      ActorService,
		Processor:  "kestrel-video",
		Region:     "us",
		Subject: SubjectState{Consents: []Consent{
			{Purpose: "essential.service", Granted: true},
			{Purpose: "essential.service.generation", Granted: true},
		}},
	},
	"staff_denied_prohibited": {
		Purpose:       "train_ai_system",
		Categories:    []string{"user.content.product_image"},
		Actor:         ActorStaff,
		Justification: "security-investigation",
	},
}

func BenchmarkDecide(b *testing.B) {
	d := mustCompileFile(b, "../examples/ad-asset-studio.yaml")
	for _, name := range []string{"service", "processor_consent_region", "staff_denied_prohibited"} {
		r := benchRequests[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = d.Decide(&r)
			}
		})
	}
}

func mustCompileFile(tb testing.TB, path string) *Decider {
	tb.Helper()
	p, err := Load(path)
	if err != nil {
		tb.Fatal(err)
	}
	d, err := Compile(p)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// BenchmarkParseCompile measures loading a policy: parse, check and compile
// the ad-asset example (what `steward serve` does at start).
func BenchmarkParseCompile(b *testing.B) {
	src, err := os.ReadFile("../examples/ad-asset-studio.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		p, err := Parse("ad-asset-studio.yaml", src)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Compile(p); err != nil {
			b.Fatal(err)
		}
	}
}
