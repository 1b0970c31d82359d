package pii

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func TestOperators(t *testing.T) {
	text := "mail jane@gmail.com, card 4111 1111 1111 1111"
	fs := mustScanner(t).Scan(text)
	tests := []struct {
		op   Operator
		want string
	}{
		{Replace{}, "mail <EMAIL_ADDRESS>, card <CREDIT_CARD>"},
		{Replace{With: "[x]"}, "mail [x], card [x]"},
		{Redact{}, "mail , card "},
		{Mask{KeepLast: 4}, "mail **********.com, card ***************1111"},
		{Mask{Char: '#', KeepLast: 0}, "mail ##############, card ###################"},
	}
	for _, tt := range tests {
		got, err := Apply(text, fs, tt.op)
		if err != nil || got != tt.want {
			t.Errorf("Apply(%T) = %q, %v; want %q", tt.op, got, err, tt.want)
		}
	}
}

func TestApplyRejectsBadFindings(t *testing.T) {
	for _, fs := range [][]Finding{
		{{Start: 0, End: 99}},
		{{Start: 0, End: 4}, {Start: 2, End: 6}},
		{{Start: 5, End: 2}},
	} {
		if _, err := Apply("short text", fs, Redact{}); err == nil {
			t.Errorf("Apply(%v) succeeded", fs)
		}
	}
}

func TestHashIsPerKey(t *testing.T) {
	f := Finding{Entity: Email}
	a, _ := NewHash(testKey(1))
	b, _ := NewHash(testKey(2))
	x1, _ := a.Transform(f, "jane@gmail.com")
	x2, _ := a.Transform(f, "jane@gmail.com")
	y, _ := b.Transform(f, "jane@gmail.com")
	if x1 != x2 || x1 == y || len(x1) != 32 {
		t.Errorf("hash: same key %q %q, other key %q", x1, x2, y)
	}
	if _, err := NewHash([]byte("short")); err == nil {
		t.Error("NewHash accepted a short key")
	}
	if s := a.String(); strings.Contains(s, "\x01") {
		t.Errorf("Hash prints its key: %q", s)
	}
}

func TestEncryptRoundTrip(t *testing.T) {
	text := "ssn 536-22-8841 and jane@gmail.com"
	fs := mustScanner(t).Scan(text)
	enc, err := NewEncrypt(testKey(3))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Apply(text, fs, enc)
	if err != nil || strings.Contains(out, "536-22-8841") || strings.Contains(out, "jane@") {
		t.Fatalf("Apply(encrypt) = %q, %v", out, err)
	}
	back, failed := enc.Decrypt(out)
	if back != text || failed != 0 {
		t.Errorf("Decrypt = %q, %d failed; want the original", back, failed)
	}
	other, _ := NewEncrypt(testKey(4))
	if back, failed := other.Decrypt(out); back != out || failed != 2 {
		t.Errorf("Decrypt under another key = %q, %d failed; want unchanged, 2", back, failed)
	}
}

func TestParseOperator(t *testing.T) {
	for _, spec := range []string{"replace", "redact", "mask", "mask:2", "hash", "encrypt"} {
		if _, err := ParseOperator(spec, testKey(1)); err != nil {
			t.Errorf("ParseOperator(%q): %v", spec, err)
		}
	}
	for _, spec := range []string{"nope", "mask:x", "mask:-1", "replace:1", "hash"} {
		key := testKey(1)
		if spec == "hash" {
			key = nil
		}
		if _, err := ParseOperator(spec, key); err == nil {
			t.Errorf("ParseOperator(%q) succeeded", spec)
		}
	}
}

// testClock is a settable clock.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { return c.t }

func newTestPseudonymizer(t *testing.T, key []byte, ns string, store Store, clock *testClock) *Pseudonymizer {
	t.Helper()
	p, err := NewPseudonymizer(PseudonymizerConfig{Key: key, Namespace: ns, TTL: time.Hour, Store: store, Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPseudonymizeConsistentAndReversible(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)}
	store := NewMemoryStore(clock.now)
	p := newTestPseudonymizer(t, testKey(5), "tenant-a", store, clock)
	s := mustScanner(t)
	t1 := "Ask Maria Garcia (maria@gmail.com) and Kenji Tanaka."
	out1, err := p.Pseudonymize(ctx, "c1", t1, s.Scan(t1))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Ask <PERSON_1> (<EMAIL_ADDRESS_1>) and <PERSON_2>."; out1 != want {
		t.Errorf("first turn = %q; want %q", out1, want)
	}
	t2 := "Remind MARIA@gmail.com that Maria Garcia owes Lukas Schmidt."
	out2, _ := p.Pseudonymize(ctx, "c1", t2, s.Scan(t2))
	if want := "Remind <EMAIL_ADDRESS_1> that <PERSON_1> owes <PERSON_3>."; out2 != want {
		t.Errorf("second turn = %q; want %q", out2, want)
	}
	// The store holds no plaintext.
	for k, e := range store.m {
		if strings.Contains(k, "c1") || bytes.Contains(e.sealed, []byte("Maria")) {
			t.Error("store holds plaintext")
		}
	}
	answer := "Sure: [PERSON_1] can email <email_address_1>, cc <PERSON 2>, <PERSN_3 and <PERSON_9>. PERSON_2 agrees."
	res, err := p.Reidentify(ctx, "c1", answer)
	if err != nil {
		t.Fatal(err)
	}
	want := "Sure: Maria Garcia can email maria@gmail.com, cc Kenji Tanaka, Lukas Schmidt and <PERSON_9>. Kenji Tanaka agrees."
	if res.Text != want || res.Restored != 5 || len(res.Unresolved) != 1 || res.Unresolved[0].Placeholder != "<PERSON_9>" {
		t.Errorf("Reidentify = %+v; want %q with <PERSON_9> unresolved", res, want)
	}
	// Another tenant's pseudonymizer cannot read the mapping.
	q := newTestPseudonymizer(t, testKey(6), "tenant-b", store, clock)
	if _, err := q.Reidentify(ctx, "c1", answer); err == nil {
		t.Error("another tenant reidentified the conversation")
	}
	// The mapping expires.
	clock.t = clock.t.Add(2 * time.Hour)
	if _, err := p.Reidentify(ctx, "c1", answer); err == nil {
		t.Error("reidentified after expiry")
	}
	if n := store.Sweep(); n != 1 {
		t.Errorf("Sweep removed %d; want 1", n)
	}
}

func TestReidentifyLeavesProse(t *testing.T) {
	m := newMapping(0, 0)
	m.Values[Person] = []string{"Maria"}
	for _, text := range []string{"person 1 of 3", "Person_1x", "EMAIL ME", "see PERSONAL_1"} {
		if res := restore(text, m); res.Text != text || res.Restored != 0 {
			t.Errorf("restore(%q) = %+v; want unchanged", text, res)
		}
	}
}

func TestForget(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: time.Now()}
	p := newTestPseudonymizer(t, testKey(7), "", NewMemoryStore(clock.now), clock)
	if _, err := p.Pseudonymize(ctx, "c", "jane@gmail.com", mustScanner(t).Scan("jane@gmail.com")); err != nil {
		t.Fatal(err)
	}
	if err := p.Forget(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Reidentify(ctx, "c", "<EMAIL_ADDRESS_1>"); err == nil {
		t.Error("reidentified after Forget")
	}
	if _, err := p.Pseudonymize(ctx, "", "x", nil); err == nil {
		t.Error("empty conversation id accepted")
	}
}

func TestScanReaderMatchesScan(t *testing.T) {
	s := mustScanner(t)
	var b strings.Builder
	for b.Len() < 3*streamWindow {
		b.WriteString("Hello Zoë, write to maria.garcia@gmail.com or call +44 20 7946 0958; card 4111 1111 1111 1111. ")
		b.WriteString(strings.Repeat("lorem ipsum dolor sit amet ", 17))
	}
	text := b.String()
	want := s.Scan(text)
	var got []Finding
	if err := s.ScanReader(strings.NewReader(text), func(f Finding) error { got = append(got, f); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("ScanReader found %d; Scan found %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("finding %d: stream %+v, whole %+v", i, got[i], want[i])
		}
	}
}
