// Package jsonfast writes and reads the commonest JSON shapes of the hot
// paths (strings, lists of strings, raw values, times) without reflection,
// byte for byte as encoding/json does; its fuzz tests hold it to that.
// Anything unusual is left to encoding/json.
package jsonfast

import (
	"bytes"
	"encoding/json"
	"time"
	"unicode/utf8"
)

const hex = "0123456789abcdef"

// AppendString appends s as a JSON string, as encoding/json writes it
// (escapeHTML: also <, > and & escaped, as json.Marshal does; without it,
// as an Encoder with SetEscapeHTML(false) does).
func AppendString(b []byte, s string, escapeHTML bool) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && (!escapeHTML || (c != '<' && c != '>' && c != '&')) {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendStrings appends a list of strings as encoding/json does (null for
// a nil slice).
func AppendStrings(b []byte, ss []string, escapeHTML bool) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, s, escapeHTML)
	}
	return append(b, ']')
}

// AppendRaw appends a json.RawMessage as encoding/json does: compacted,
// null when nil, an error when it is not valid JSON.
func AppendRaw(b []byte, raw json.RawMessage) ([]byte, error) {
	if raw == nil {
		return append(b, "null"...), nil
	}
	if _, next, ok := ScanPlainString(raw, 0); ok && next == len(raw) {
		return append(b, raw...), nil // already compact: the usual value
	}
	buf := bytes.NewBuffer(b)
	if err := json.Compact(buf, raw); err != nil {
		return b, err
	}
	return buf.Bytes(), nil
}

// AppendTime appends t as its MarshalJSON does (RFC 3339 with nanoseconds,
// quoted).
func AppendTime(b []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); t.Location() != time.UTC || y < 0 || y > 9999 {
		j, err := t.MarshalJSON()
		return append(b, j...), err
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

// PlainString returns the text of a JSON string literal that needs no
// decoding (see ScanPlainString), with nothing around it. For any other
// value it returns false: decode it with encoding/json.
func PlainString(v []byte) (string, bool) {
	s, next, ok := ScanPlainString(v, 0)
	if !ok || next != len(v) {
		return "", false
	}
	return string(s), true
}

// ScanPlainString reads a plain JSON string at data[i:]: one with no
// escape (no backslash at all), no control character and only valid UTF-8,
// whose bytes are therefore its value. It returns those bytes, which alias
// data, and the index just past the closing quote; false for anything
// else.
func ScanPlainString(data []byte, i int) (s []byte, next int, ok bool) {
	if i >= len(data) || data[i] != '"' {
		return nil, 0, false
	}
	start := i + 1
	ascii := true
	for j := start; j < len(data); j++ {
		switch c := data[j]; {
		case c == '"':
			s = data[start:j]
			if !ascii && !utf8.Valid(s) {
				return nil, 0, false
			}
			return s, j + 1, true
		case c == '\\' || c < 0x20:
			return nil, 0, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, 0, false
}
