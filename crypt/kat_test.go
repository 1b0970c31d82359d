package crypt_test

import (
	"bytes"
	"encoding/hex"
	"io"
	"os"
	"testing"

	"github.com/steward-privacy/steward/crypt"
)

// The vectors below were produced by testdata/kat.py, an independent Python
// implementation of the formats in docs/crypto.md. Key: bytes 0..31.

func katKey(tb testing.TB, id uint32) *crypt.Key {
	tb.Helper()
	m := make([]byte, 32)
	for i := range m {
		m[i] = byte(i)
	}
	return crypt.MustKey(id, m)
}

func mustHex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestKnownAnswerAAD(t *testing.T) {
	want := "01000000027431000000027331000000067265636f726400000012757365722e636f6e746163742e656d61696c000000027231"
	if got := hex.EncodeToString(recordAAD.Bytes()); got != want {
		t.Errorf("AAD%+v.Bytes() = %s; want %s", recordAAD, got, want)
	}
}

func TestKnownAnswerEnvelope(t *testing.T) {
	env := mustHex(t, "01000000076465666768696a6b6c6d6e6f2977b7051ca933e65f0f2f84bf4b09922f93bac55b85aa8733a5f010cfab220916")
	got, err := crypt.Open(katKey(t, 7), env, recordAAD.Bytes())
	if err != nil || string(got) != "alice@example.com" {
		t.Errorf("Open(python envelope) = %q, %v; want alice@example.com", got, err)
	}
}

func TestKnownAnswerBlindIndex(t *testing.T) {
	m := make([]byte, 32)
	for i := range m {
		m[i] = byte(i)
	}
	tests := []struct{ kind, value, want string }{
		{"email", "alice@example.com", "ae625775037b5f23260a1b80b5114bcbd3711826181489ac052f0066e3bb8615"},
		{"phone", "+15551234567", "093e45bece1e763af3f47c1cf7f2055daaa904eea9b23622e355bc330300f8e8"},
	}
	for _, tt := range tests {
		if got := hex.EncodeToString(crypt.BlindIndex(m, tt.kind, tt.value)); got != tt.want {
			t.Errorf("BlindIndex(%q, %q) = %s; want %s", tt.kind, tt.value, got, tt.want)
		}
	}
}

func TestKnownAnswerStream(t *testing.T) {
	data, err := os.ReadFile("testdata/stream_v1.bin")
	if err != nil {
		t.Fatal(err)
	}
	aad := crypt.AAD{Tenant: "t1", Subject: "s1", Kind: crypt.KindFile, Name: "f1"}.Bytes()
	r, err := crypt.NewDecryptReader(bytes.NewReader(data), lookupOf(katKey(t, 9)), aad)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decrypting the python stream: %v", err)
	}
	want := make([]byte, crypt.SegmentSize+5)
	for i := range want {
		want[i] = byte(i % 251)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("python stream decrypts to %d bytes, not the expected %d", len(got), len(want))
	}
	if n := crypt.CiphertextSize(int64(len(want))); n != int64(len(data)) {
		t.Errorf("CiphertextSize(%d) = %d; the python stream has %d", len(want), n, len(data))
	}
}
