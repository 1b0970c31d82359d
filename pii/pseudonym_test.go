package pii

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
)

// denseEmails returns n distinct e-mail addresses, each written repeat times,
// separated by spaces, and the total length of the distinct addresses.
func denseEmails(n, repeat int) (string, int) {
	var b strings.Builder
	size := 0
	for r := 0; r < repeat; r++ {
		for i := 0; i < n; i++ {
			before := b.Len()
			fmt.Fprintf(&b, "u%d@example.org", i)
			if r == 0 {
				size += b.Len() - before
			}
			b.WriteByte(' ')
		}
	}
	return b.String(), size
}

// pseudonymizeSealed pseudonymizes text in conversation c and returns the
// sealed size of the conversation's mapping.
func pseudonymizeSealed(t *testing.T, p *Pseudonymizer, store *MemoryStore, c, text string) int {
	t.Helper()
	if _, err := p.Pseudonymize(context.Background(), c, text, mustScanner(t).Scan(text)); err != nil {
		t.Fatal(err)
	}
	sealed, _, err := store.Get(context.Background(), p.storeKey(c))
	if err != nil {
		t.Fatal(err)
	}
	return len(sealed)
}

// TestMappingSizeFollowsDistinctValues: a sealed mapping holds each distinct
// value once, with a few bytes of framing; repeating values, or sending the
// same text again, does not grow it.
func TestMappingSizeFollowsDistinctValues(t *testing.T) {
	clock := &testClock{t: time.Now()}
	store := NewMemoryStore(clock.now)
	p := newTestPseudonymizer(t, testKey(8), "t", store, clock)
	const n = 2000
	text, size := denseEmails(n, 3)
	got := pseudonymizeSealed(t, p, store, "c", text)
	limit := size + 2*n + 64
	if got > limit {
		t.Errorf("sealed mapping of %d distinct values (%d bytes) is %d bytes; want at most %d", n, size, got, limit)
	}
	if again := pseudonymizeSealed(t, p, store, "c", text); again != got {
		t.Errorf("the same text again changed the sealed mapping from %d to %d bytes", got, again)
	}
}

// TestPseudonymizeBoundsDistinctValues: a conversation maps at most MaxValues
// distinct values; the call that would exceed it fails with ETOOLARGE and
// changes nothing, while known values still pseudonymize.
func TestPseudonymizeBoundsDistinctValues(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: time.Now()}
	store := NewMemoryStore(clock.now)
	p, err := NewPseudonymizer(PseudonymizerConfig{Key: testKey(9), Store: store, Now: clock.now, MaxValues: 3})
	if err != nil {
		t.Fatal(err)
	}
	s := mustScanner(t)
	first := "a@example.org b@example.org c@example.org"
	if _, err := p.Pseudonymize(ctx, "c", first, s.Scan(first)); err != nil {
		t.Fatal(err)
	}
	before, version, _ := store.Get(ctx, p.storeKey("c"))
	over := "c@example.org d@example.org"
	_, err = p.Pseudonymize(ctx, "c", over, s.Scan(over))
	if steward.ErrorCode(err) != steward.ETOOLARGE || strings.Contains(err.Error(), "d@example") {
		t.Fatalf("Pseudonymize over the bound: %v; want ETOOLARGE without the value", err)
	}
	after, version2, _ := store.Get(ctx, p.storeKey("c"))
	if string(after) != string(before) || version2 != version {
		t.Error("the refused call changed the mapping")
	}
	known := "write to b@example.org"
	if out, err := p.Pseudonymize(ctx, "c", known, s.Scan(known)); err != nil || out != "write to <EMAIL_ADDRESS_2>" {
		t.Errorf("known value after the bound: %q, %v", out, err)
	}
}

// TestReidentifyAnyNumber: placeholders numbered 10 and above are restored,
// and those no mapping holds are reported, however long their number.
func TestReidentifyAnyNumber(t *testing.T) {
	m := newMapping(0, 0)
	for i := 1; i <= 120; i++ {
		m.Values[Email] = append(m.Values[Email], fmt.Sprintf("u%d@example.org", i))
	}
	text := "<EMAIL_ADDRESS_10>, [EMAIL_ADDRESS_120], EMAIL_ADDRESS_99, <EMAIL_ADDRESS_121>, <PERSON_10>, <EMAIL_ADDRESS_123456789012345678901234567890>."
	res := restore(text, m)
	want := "u10@example.org, u120@example.org, u99@example.org, <EMAIL_ADDRESS_121>, <PERSON_10>, <EMAIL_ADDRESS_123456789012345678901234567890>."
	if res.Text != want || res.Restored != 3 {
		t.Errorf("restore = %q (%d restored); want %q (3)", res.Text, res.Restored, want)
	}
	var unresolved []string
	for _, u := range res.Unresolved {
		if text[u.Start:u.End] != u.Placeholder {
			t.Errorf("unresolved %+v: offsets do not match", u)
		}
		unresolved = append(unresolved, u.Placeholder)
	}
	if got := strings.Join(unresolved, " "); got != "<EMAIL_ADDRESS_121> <PERSON_10> <EMAIL_ADDRESS_123456789012345678901234567890>" {
		t.Errorf("unresolved = %q", got)
	}
}

// TestLegacyMappingLoads: mappings sealed in the earlier format (one object
// per entry) still restore after an upgrade.
func TestLegacyMappingLoads(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: time.Now()}
	store := NewMemoryStore(clock.now)
	p := newTestPseudonymizer(t, testKey(10), "t", store, clock)
	legacy := `{"n":{"PERSON":2,"EMAIL_ADDRESS":1},"e":[{"t":"PERSON","i":1,"v":"Maria","k":"maria"},` +
		`{"t":"EMAIL_ADDRESS","i":1,"v":"m@example.org","k":"m@example.org"},{"t":"PERSON","i":2,"v":"Kenji","k":"kenji"}]}`
	sealed, err := p.sealPlain([]byte(legacy), "c")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Put(ctx, p.storeKey("c"), sealed, 0, clock.t.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	res, err := p.Reidentify(ctx, "c", "<PERSON_2> and <PERSON_1> at <EMAIL_ADDRESS_1>")
	if err != nil || res.Text != "Kenji and Maria at m@example.org" {
		t.Fatalf("Reidentify = %+v, %v", res, err)
	}
	text := "Kenji and Lukas"
	out, err := p.Pseudonymize(ctx, "c", text, []Finding{{Entity: Person, Start: 0, End: 5}, {Entity: Person, Start: 10, End: 15}})
	if err != nil || out != "<PERSON_2> and <PERSON_3>" {
		t.Errorf("Pseudonymize on a legacy mapping = %q, %v", out, err)
	}
}

// FuzzReidentify checks that restoring placeholders never panics, that every
// unresolved placeholder is reported with the offsets of its text, and that
// text without placeholders of the mapping's values comes back unchanged
// apart from restored placeholders.
func FuzzReidentify(f *testing.F) {
	for _, s := range []string{
		"Sure: [PERSON_1] can email <email_address_1>, cc <PERSON 2>, <PERSN_3 and <PERSON_9>.",
		"<EMAIL_ADDRESS_10> <EMAIL_ADDRESS_123456789012345678901> PERSON__2 ((PHONE-1)) {{IBAN_1}}",
		"person 1 of 3, Person_1x, EMAIL ME, PERSONAL_1, <\xff_1>, <PERSON_0>",
	} {
		f.Add(s)
	}
	m := newMapping(0, 0)
	m.Values[Person] = []string{"Maria Garcia", "Kenji", "<PERSON_1>"}
	m.Values[Email] = []string{"maria@example.org"}
	f.Fuzz(func(t *testing.T, text string) {
		res := restore(text, m)
		prev := 0
		for _, u := range res.Unresolved {
			if u.Start < prev || u.End <= u.Start || u.End > len(text) || text[u.Start:u.End] != u.Placeholder {
				t.Fatalf("bad unresolved %+v in %q", u, text)
			}
			prev = u.End
		}
		if res.Restored == 0 && res.Text != text {
			t.Fatalf("nothing restored but the text changed: %q -> %q", text, res.Text)
		}
	})
}
