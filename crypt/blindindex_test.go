package crypt_test

import (
	"bytes"
	"testing"

	"github.com/steward-privacy/steward/crypt"
)

func TestBlindIndexSeparation(t *testing.T) {
	k1, k2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	base := crypt.BlindIndex(k1, "email", "a@example.com")
	if len(base) != crypt.BlindIndexSize {
		t.Fatalf("index has %d bytes; want %d", len(base), crypt.BlindIndexSize)
	}
	tests := []struct {
		name              string
		key               []byte
		kind, value       string
		wantSameAsBaseIdx bool
	}{
		{"same inputs", k1, "email", "a@example.com", true},
		{"other key (tenant)", k2, "email", "a@example.com", false},
		{"other kind", k1, "phone", "a@example.com", false},
		{"other value", k1, "email", "b@example.com", false},
		{"kind/value boundary moved", k1, "emaila", "@example.com", false},
	}
	for _, tt := range tests {
		got := crypt.BlindIndex(tt.key, tt.kind, tt.value)
		if crypt.Equal(got, base) != tt.wantSameAsBaseIdx {
			t.Errorf("%s: equal to base = %v; want %v", tt.name, !tt.wantSameAsBaseIdx, tt.wantSameAsBaseIdx)
		}
	}
	if got := crypt.AppendBlindIndex([]byte("p"), k1, "email", "a@example.com"); !bytes.Equal(got[1:], base) || got[0] != 'p' {
		t.Error("AppendBlindIndex does not append the same index")
	}
}
