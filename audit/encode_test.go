package audit_test

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/audit"
)

// katChain is the chain of testdata/canonical.py, an independent
// implementation of the encoding in docs/audit.md; wantKAT are its output.
func katChain() []*steward.AuditEvent {
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	return []*steward.AuditEvent{
		{TenantID: "ten_kat", Seq: 1, Time: t0, Actor: "api_key:key_kat", Action: steward.ActionRecordRead,
			SubjectID: "sub_kat", Categories: []string{"user.contact.email", "user.device.ip_address"},
			Purpose: "essential.service", Decision: steward.DecisionAllow, Reasons: []string{"policy.allow"},
			RequestID: "0011223344556677", ClientIP: "203.0.113.0"},
		{TenantID: "ten_kat", Seq: 2, Time: t0.Add(time.Microsecond), Actor: "system:retention",
			Action: steward.ActionRetention, Target: "file_kat"},
	}
}

var wantKAT = []string{
	"bcf9594519bbcfbd76eb2bf38217cc9754cca298719818913b5fa2e237ee9220",
	"7b708b91445f95d7ab1836ef80e611f1565961a6db9b56c1d0e1cf69f90c074e",
}

func TestHashKnownAnswers(t *testing.T) {
	prev := make([]byte, audit.HashSize)
	for i, e := range katChain() {
		h := audit.Hash(prev, e)
		if got := hex.EncodeToString(h); got != wantKAT[i] {
			t.Errorf("Hash(event %d) = %s; want %s", i+1, got, wantKAT[i])
		}
		prev = h
	}
}

// TestEncodingIsUnambiguous: moving bytes between neighbouring fields, or
// between a list and its neighbours, changes the encoding.
func TestEncodingIsUnambiguous(t *testing.T) {
	base := katChain()[0]
	variants := []func(e *steward.AuditEvent){
		func(e *steward.AuditEvent) { e.Actor, e.Action = "api_key:key_ka", "trecord.read" },
		func(e *steward.AuditEvent) { e.Categories = []string{"user.contact.emailuser.device.ip_address"} },
		func(e *steward.AuditEvent) { e.Categories = append(e.Categories, "") },
		func(e *steward.AuditEvent) { e.Purpose, e.Decision = "essential.serviceallow", "" },
		func(e *steward.AuditEvent) { e.Reasons, e.Justification = nil, "policy.allow" },
		func(e *steward.AuditEvent) { e.Time = e.Time.Add(time.Microsecond) },
		func(e *steward.AuditEvent) { e.Seq++ },
	}
	want := string(audit.AppendCanonical(nil, base))
	for i, edit := range variants {
		e := *base
		e.Categories = append([]string(nil), base.Categories...)
		edit(&e)
		if string(audit.AppendCanonical(nil, &e)) == want {
			t.Errorf("variant %d encodes like the original", i)
		}
	}
}

func TestParseHash(t *testing.T) {
	h := wantKAT[0]
	raw, _ := hex.DecodeString(h)
	for _, c := range []struct {
		in string
		ok bool
	}{
		{h, true},
		{"vPlZRRm7z7126yvzghfMl1TMophxmBiRO1+i4jfukiA=", true},
		{"vPlZRRm7z7126yvzghfMl1TMophxmBiRO1+i4jfuk", false},
		{"vPlZRRm7z712...", false},
		{h[:62], false},
		{"", false},
	} {
		got, err := audit.ParseHash(c.in)
		if (err == nil) != c.ok || (c.ok && string(got) != string(raw)) {
			t.Errorf("ParseHash(%q) = %x, %v; want ok=%v", c.in, got, err, c.ok)
		}
	}
}
