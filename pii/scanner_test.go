package pii

import (
	"testing"
)

// found returns the entity and value of each finding.
func found(t *testing.T, s *Scanner, text string) map[string]Entity {
	t.Helper()
	out := map[string]Entity{}
	for _, f := range s.Scan(text) {
		out[f.Value(text)] = f.Entity
	}
	return out
}

func mustScanner(tb testing.TB, opts ...Option) *Scanner {
	tb.Helper()
	s, err := New(opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestScanFinds(t *testing.T) {
	s := mustScanner(t)
	tests := []struct {
		text, value string
		want        Entity
	}{
		{"mail me at jane.doe@example.co.uk today", "jane.doe@example.co.uk", Email},
		{"(a+b@gmail.com)", "a+b@gmail.com", Email},
		{"call +1 415-555-0132 now", "+1 415-555-0132", Phone},
		{"Tel: 030 1234567", "030 1234567", Phone},
		{"phone 0044 20 7946 0958", "0044 20 7946 0958", Phone},
		{"card 4111-1111-1111-1111.", "4111-1111-1111-1111", CreditCard},
		{"amex 3782 822463 10005", "3782 822463 10005", CreditCard},
		{"IBAN GB82WEST12345698765432", "GB82WEST12345698765432", IBAN},
		{"IBAN: FR14 2004 1010 0505 0001 3M02 606", "FR14 2004 1010 0505 0001 3M02 606", IBAN},
		{"from 8.8.8.8:53", "8.8.8.8", IPAddress},
		{"net 10.0.0.0/8 is private", "10.0.0.0/8", IPAddress},
		{"v6 fe80::1ff:fe23:4567:890a here", "fe80::1ff:fe23:4567:890a", IPAddress},
		{"SSN 536-22-8841", "536-22-8841", USSSN},
		{"see https://example.com/a?b=c).", "https://example.com/a?b=c", URL},
		{"www.example.org/path is up", "www.example.org/path", URL},
		{"pay 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 now", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", Crypto},
		{"pay 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy now", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", Crypto},
		{"to bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", Crypto},
		{"mac 00-1A-2B-3C-4D-5E", "00-1A-2B-3C-4D-5E", MACAddress},
		{"cisco 0123.4567.89ab", "0123.4567.89ab", MACAddress},
		{"she was born on 3 March 1985.", "3 March 1985", DateTime},
		{"DOB: 1985-03-12", "1985-03-12", DateTime},
		{"key AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE", Secret},
		{"token=ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdefghijklmnopqrstuvwxyz0123456789", Secret},
		{"my password is Hunter2!", "Hunter2!", Secret},
		{"api_key: 9fQ2xLm7Tz4Kp1Wv8Rb3Yn6Hs0Dg5Jc", "9fQ2xLm7Tz4Kp1Wv8Rb3Yn6Hs0Dg5Jc", Secret},
		{"Ask Maria Garcia about it", "Maria Garcia", Person},
		{"Dear Mr. Okonkwo-Bello,", "Okonkwo-Bello", Person},
		{"Photo of Ludwig van Beethoven", "Ludwig van Beethoven", Person},
		{"Grace Kelly wrote it", "Grace Kelly", Person},
		{"Je connais Émile Dubois", "Émile Dubois", Person},
		{"call +44 7700 900123 tonight", "+44 7700 900123", Phone},
		{"ring 07700 900461 now", "07700 900461", Phone},
		{"the office: 01632 960001.", "01632 960001", Phone},
		{"seed 42, call 020 7946 0018", "020 7946 0018", Phone},
		{"order 1234; phone +1 415 555 0132", "+1 415 555 0132", Phone},
	}
	for _, tt := range tests {
		got := found(t, s, tt.text)
		if got[tt.value] != tt.want {
			t.Errorf("Scan(%q): %q is %q; want %s (all: %v)", tt.text, tt.value, got[tt.value], tt.want, got)
		}
	}
}

func TestScanRejects(t *testing.T) {
	s := mustScanner(t)
	for _, text := range []string{
		"user@example.invalid", "user@host.notarealtld", "a@b", "@gmail.com",
		"card 4111 1111 1111 1112", "0000 0000 0000 0000", "order 1234567890123456",
		"IBAN DE89 3704 0044 0532 0130 01", "XX89 3704 0044 0532 0130 00",
		"version 1.2.3", "v1.2.3.4", "Chrome/120.0.6099.109", "999.1.1.1", "01.02.03.04",
		"SSN 000-12-3456", "SSN 666-12-3456", "SSN 912-12-3456", "SSN 123-00-4567", "SSN 123-45-0000", "SSN 123-45-6789",
		"commit 3f2b1c4e9a7d4c1e8f3a2b9c0d1e7f6a3f2b1c4e", "id 3f2b1c4e-9a7d-4c1e-8f3a-2b9c0d1e7f6a",
		"at 2024-11-22T10:00:00Z", "time 14:30:00", "std::vector<int>", "ratio 16:9",
		"$1,299.99", "SKU-88213-XL", "ORD-2024-558812", "1920x1080", "#FF5733",
		"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",
		"00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff",
		"the password is required", "released March 3, 1985",
		"Generate a poster of Paris at night", "Write copy for the May sale", "Will it rain?",
		"call the API with seed 4155550132", "build 20240611.3", "my order number is 2025550143",
		"prompt id: 4155550132", "tracking no. 2025550143", "ticket 3412-119770-42201",
		"IBAN NL77 ABNA 3187 2653 55 was refused", "version 1.2.98267.5955",
	} {
		if fs := s.Scan(text); len(fs) > 0 {
			t.Errorf("Scan(%q) = %v; want nothing", text, fs)
		}
	}
}

func TestScanOffsets(t *testing.T) {
	s := mustScanner(t)
	text := "Zoë → jane@gmail.com"
	fs := s.Scan(text)
	if len(fs) != 1 {
		t.Fatalf("Scan(%q) = %v; want one finding", text, fs)
	}
	f := fs[0]
	if f.Value(text) != "jane@gmail.com" || f.RuneStart != 6 || f.RuneEnd != 20 {
		t.Errorf("finding %+v; want rune offsets 6-20", f)
	}
}

func TestScanContextAndThreshold(t *testing.T) {
	bare := "ref 4155550132"
	if fs := mustScanner(t).Scan(bare); len(fs) != 0 {
		t.Errorf("bare digits without context: %v; want nothing", fs)
	}
	withCtx := "call me on 4155550132"
	fs := mustScanner(t).Scan(withCtx)
	if len(fs) != 1 || fs[0].Entity != Phone || fs[0].Score != scorePhoneBare+contextBoost {
		t.Errorf("Scan(%q) = %v; want a boosted phone", withCtx, fs)
	}
	if fs := mustScanner(t, WithThreshold(0.9)).Scan(withCtx); len(fs) != 0 {
		t.Errorf("threshold 0.9: %v; want nothing", fs)
	}
	if fs := mustScanner(t, WithEntities(Email)).Scan("x@gmail.com 4111 1111 1111 1111"); len(fs) != 1 || fs[0].Entity != Email {
		t.Errorf("WithEntities(Email): %v", fs)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	for name, opt := range map[string]Option{
		"threshold": WithThreshold(1.5),
		"entity":    WithEntities("NOPE"),
		"region":    WithPhoneRegions("XX"),
	} {
		if _, err := New(opt); err == nil {
			t.Errorf("New(bad %s) succeeded", name)
		}
	}
	if _, err := ParseEntities("EMAIL_ADDRESS,person"); err != nil {
		t.Errorf("ParseEntities: %v", err)
	}
}

func TestResolveOverlaps(t *testing.T) {
	in := []Finding{
		{Entity: URL, Start: 0, End: 30, Score: 0.6},
		{Entity: IPAddress, Start: 8, End: 15, Score: 0.8}, // inside the URL
		{Entity: Person, Start: 29, End: 40, Score: 0.55},  // overlaps the URL's end, lower score
		{Entity: Secret, Start: 50, End: 60, Score: 0.4},   // below threshold
	}
	got := resolve(in, 0.5)
	if len(got) != 1 || got[0].Entity != URL {
		t.Errorf("resolve = %v; want only the URL", got)
	}
}
