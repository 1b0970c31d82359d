package pii_test

import (
	"strings"
	"testing"

	"github.com/steward-privacy/steward/pii"
	"github.com/steward-privacy/steward/pii/corpus"
)

// evalSeed and the corpus sizes make the evaluation reproducible.
const (
	evalSeed      = 1
	evalSamples   = 3000
	evalNegatives = 1500
)

// TestEval scans the generated corpus and holds the pattern entities to
// precision >= 0.98 and recall >= 0.95, with no finding on hard negatives.
// Run with -v to print precision, recall and F1 per entity.
func TestEval(t *testing.T) {
	s, err := pii.New()
	if err != nil {
		t.Fatal(err)
	}
	rep := corpus.Evaluate(s.Scan, corpus.Generate(evalSeed, evalSamples), corpus.HardNegatives(evalSeed, evalNegatives))
	var b strings.Builder
	if err := rep.Write(&b); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + b.String())
	for _, f := range rep.Failures() {
		t.Error(f)
	}
}
