package password

import (
	"bytes"
	"testing"
)

func FuzzParsePHC(f *testing.F) {
	f.Add("$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQtMTZieXRlcw$rJ+bte3bkaGmJYx1cPybJXxv5rKzTHzRkKVIAOhprek")
	f.Add("$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG")
	f.Add("$2b$05$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2")
	f.Add("$$$$$")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = NeedsRehash(s, TestParams) // never panics, whatever s is
		h, err := parsePHC(s)
		if err != nil {
			return
		}
		again, err := parsePHC(h.String())
		if err != nil || again.params != h.params || again.variant != h.variant ||
			!bytes.Equal(again.salt, h.salt) || !bytes.Equal(again.hash, h.hash) {
			t.Fatalf("re-encoding %q gives %q, which parses differently (%v)", s, h.String(), err)
		}
	})
}

func BenchmarkDefaultParams(b *testing.B) {
	hash, err := Hash([]byte("correct horse battery staple"), DefaultParams)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Hash", func(b *testing.B) {
		for b.Loop() {
			_, _ = Hash([]byte("correct horse battery staple"), DefaultParams)
		}
	})
	b.Run("Verify", func(b *testing.B) {
		for b.Loop() {
			if ok, _ := Verify([]byte("correct horse battery staple"), hash); !ok {
				b.Fatal("mismatch")
			}
		}
	})
}
