package pii

import (
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

func TestEntityIndexAndBits(t *testing.T) {
	for i, e := range allEntities {
		if got := e.index(); got != i {
			t.Errorf("%s.index() = %d; want %d", e, got, i)
		}
	}
	bits := []uint32{bitEmail, bitPhone, bitCreditCard, bitIBAN, bitIPAddress, bitUSSSN, bitURL,
		bitCrypto, bitMACAddress, bitDateTime, bitSecret, bitPerson}
	for i, b := range bits {
		if b != 1<<i {
			t.Errorf("bit of %s = %#x; want %#x", allEntities[i], b, 1<<i)
		}
	}
	for _, e := range []Entity{"", "P", "PHONE", "PERSONS", "person", "EMAIL_ADDRESZ", "URI", "XYZ", "IBAN", "DATE_TIMES"} {
		if got := e.index(); got != -1 {
			t.Errorf("%q.index() = %d; want -1", e, got)
		}
	}
}

func TestRuneCount(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"a", "hello world ", "é", "€", "𝄞", "\xff", "\x80", "\xe2\x82", "\xf0\x9f", "12345678"}
	for k := 0; k < 5000; k++ {
		var b []byte
		for n := r.IntN(30); n > 0; n-- {
			b = append(b, pieces[r.IntN(len(pieces))]...)
		}
		s := string(b)
		if got, want := runeCount(s), utf8.RuneCountInString(s); got != want {
			t.Fatalf("runeCount(%q) = %d; want %d", s, got, want)
		}
	}
}
