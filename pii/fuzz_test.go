package pii

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzScan checks that scanning never panics, that every span lies within the
// input on UTF-8 boundaries with consistent rune offsets and no overlaps, and
// that applying an operator leaves no detected value in the output (beyond
// copies that were in the undetected part of the input).
func FuzzScan(f *testing.F) {
	for _, s := range []string{
		"Ask Maria Garcia (maria@gmail.com) +44 20 7946 0958 card 4111 1111 1111 1111",
		"IBAN DE89 3704 0044 0532 0130 00, ip 2001:db8::1, mac 00:1A:2B:3C:4D:5E, born 1985-03-12",
		"key AKIAIOSFODNN7EXAMPLE ghp_abcdefghijklmnopqrstuvwxyz0123456789 https://x.com/a?b",
		"-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\n-----END RSA PRIVATE KEY-----",
		"Zoë → jane@gmail.com \xff\xfe 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 password: x9!",
	} {
		f.Add(s)
	}
	s, err := New(WithThreshold(0))
	if err != nil {
		f.Fatal(err)
	}
	ops := []Operator{Replace{}, Redact{}, Mask{KeepLast: 4}}
	f.Fuzz(func(t *testing.T, text string) {
		fs := s.Scan(text)
		prev := 0
		for _, x := range fs {
			if x.Start < prev || x.End <= x.Start || x.End > len(text) {
				t.Fatalf("bad span %+v in %d bytes (prev end %d)", x, len(text), prev)
			}
			if !boundaryOK(text, x.Start) || !boundaryOK(text, x.End) {
				t.Fatalf("span %+v not on UTF-8 boundaries", x)
			}
			if x.RuneStart != utf8.RuneCountInString(text[:x.Start]) || x.RuneEnd != utf8.RuneCountInString(text[:x.End]) {
				t.Fatalf("rune offsets of %+v wrong", x)
			}
			prev = x.End
		}
		// What stays visible: the text outside findings, cut at each finding.
		var residue strings.Builder
		pos := 0
		for _, x := range fs {
			residue.WriteString(text[pos:x.Start])
			residue.WriteByte(0)
			pos = x.End
		}
		residue.WriteString(text[pos:])
		for _, op := range ops {
			out, err := Apply(text, fs, op)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range fs {
				v := x.Value(text)
				if len(v) >= 6 && strings.Count(out, v) > strings.Count(residue.String(), v) {
					t.Fatalf("%T left %q in %q", op, v, out)
				}
			}
		}
	})
}

// boundaryOK reports whether i starts a UTF-8 sequence (or is the end).
func boundaryOK(s string, i int) bool {
	return i == len(s) || utf8.RuneStart(s[i])
}
