package jsonfast

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// marshal is encoding/json's answer for v, with or without HTML escaping.
func marshal(t *testing.T, v any, escapeHTML bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

var stringSeeds = []string{"", "seed", `a"b\c`, "line\nbreak\ttab\r\b\f\x00\x1f", "<b>&amp;</b>", "é ü 漢 😀",
	"bad \xff utf8 \xc3", "\u2028 and \u2029", "dsc_224ystuk6evfqc6toegk3khhei", "\x7f del"}

func FuzzAppendString(f *testing.F) {
	for _, s := range stringSeeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, escapeHTML bool) {
		got := AppendString([]byte("x"), s, escapeHTML)
		if want := append([]byte("x"), marshal(t, s, escapeHTML)...); !bytes.Equal(got, want) {
			t.Fatalf("AppendString(%q, %v) = %s, encoding/json %s", s, escapeHTML, got, want)
		}
		if got, want := AppendStrings(nil, []string{s, s + "!"}, escapeHTML), marshal(t, []string{s, s + "!"}, escapeHTML); !bytes.Equal(got, want) {
			t.Fatalf("AppendStrings = %s, encoding/json %s", got, want)
		}
	})
}

func FuzzAppendRaw(f *testing.F) {
	for _, s := range []string{`"seed"`, ` { "a" : [1, 2.5e3, null, true] } `, `"<&>"`, `nul`, `{"a":}`, ``, `  "x"  `, `"\u00e9"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := AppendRaw(nil, raw)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		werr := enc.Encode(json.RawMessage(raw))
		if (err != nil) != (werr != nil) {
			t.Fatalf("AppendRaw(%q) error %v, encoding/json %v", raw, err, werr)
		}
		if err == nil && !bytes.Equal(got, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))) {
			t.Fatalf("AppendRaw(%q) = %s, encoding/json %s", raw, got, buf.Bytes())
		}
	})
}

func TestAppendStringsNil(t *testing.T) {
	if got := string(AppendStrings(nil, nil, false)); got != "null" {
		t.Fatalf("nil list = %s", got)
	}
	if got := string(AppendStrings(nil, []string{}, false)); got != "[]" {
		t.Fatalf("empty list = %s", got)
	}
}

func TestAppendTime(t *testing.T) {
	for _, tm := range []time.Time{time.Date(2026, 12, 5, 23, 37, 14, 461112127, time.UTC), time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 100, time.FixedZone("x", 3600)), {}} {
		got, err := AppendTime(nil, tm)
		if err != nil {
			t.Fatal(err)
		}
		if want := marshal(t, tm, false); !bytes.Equal(got, want) {
			t.Fatalf("AppendTime(%v) = %s, encoding/json %s", tm, got, want)
		}
	}
	if _, err := AppendTime(nil, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Fatal("year 10000 must fail as MarshalJSON does")
	}
}

// FuzzPlainString: whatever PlainString takes, encoding/json decodes to
// the same string.
func FuzzPlainString(f *testing.F) {
	for _, seed := range []string{`"seed"`, `"a\"b"`, `"line\nbreak"`, `"é ü 漢"`, `""`, `"`, `"x"y"`, `42`, `["a"]`,
		`{"a":"b"}`, `null`, "\"tab\tin\"", "\"\xff\"", ` "pad" `, `"\u00e9"`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		s, ok := PlainString(v)
		if !ok {
			return
		}
		var want any
		if err := json.Unmarshal(v, &want); err != nil {
			t.Fatalf("PlainString took %q, which json rejects: %v", v, err)
		}
		if want != s {
			t.Fatalf("PlainString(%q) = %q, json gives %#v", v, s, want)
		}
	})
}
