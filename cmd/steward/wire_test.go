package main

import (
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward/audit"
	"github.com/steward-privacy/steward/vault"
)

// TestSubjectCacheTTLBelowRetireGrace: a cached sealed row must expire
// before `steward keys rotate` destroys the key version that wraps it.
func TestSubjectCacheTTLBelowRetireGrace(t *testing.T) {
	if subjectCacheTTL >= vault.RetireGrace {
		t.Fatalf("subjectCacheTTL %v must be below vault.RetireGrace %v", subjectCacheTTL, vault.RetireGrace)
	}
}

// TestAuditJournalDelaySetting: the default is the audit package's, and a
// delay outside 1ms..1h is refused naming the setting.
func TestAuditJournalDelaySetting(t *testing.T) {
	c := DefaultConfig()
	if c.AuditJournalDelay != audit.DefaultJournalDelay || c.Validate() != nil {
		t.Fatalf("default %v: %v", c.AuditJournalDelay, c.Validate())
	}
	for _, d := range []time.Duration{0, time.Microsecond, 2 * time.Hour} {
		c.AuditJournalDelay = d
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "audit_journal_delay") {
			t.Fatalf("delay %v: %v", d, err)
		}
	}
}
