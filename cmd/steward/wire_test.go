package main

import (
	"testing"

	"github.com/steward-privacy/steward/vault"
)

// TestSubjectCacheTTLBelowRetireGrace: a cached sealed row must expire
// before `steward keys rotate` destroys the key version that wraps it.
func TestSubjectCacheTTLBelowRetireGrace(t *testing.T) {
	if subjectCacheTTL >= vault.RetireGrace {
		t.Fatalf("subjectCacheTTL %v must be below vault.RetireGrace %v", subjectCacheTTL, vault.RetireGrace)
	}
}
