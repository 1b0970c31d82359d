package pii

import (
	"net/netip"
	"strings"
)

// URL score: a scheme or "www." prefix and a host with a public suffix (or an
// IP literal). Presidio scores URLs at 0.5; ours are validated, hence higher.
const scoreURL = 0.6

// schemes are the URL schemes recognized before "://".
var schemes = []string{"https", "http", "ftp", "sftp", "ftps", "wss", "ws", "file"}

// scanURLs finds URLs starting with a known scheme or with "www.".
func (st *state) scanURLs() {
	text := st.text
	from := 0
	for from < len(text) {
		k := strings.Index(text[from:], "://")
		if k < 0 {
			break
		}
		sep := from + k
		from = sep + 3
		start := sep
		for start > 0 && isAlpha(text[start-1]) && sep-start <= 5 {
			start--
		}
		if !knownScheme(text[start:sep]) || (start > 0 && isWordByte(text[start-1])) {
			continue
		}
		if end, ok := urlEnd(text, sep+3); ok {
			st.add(URL, start, end, scoreURL, "url")
			from = end
		}
	}
	from = 0
	ws := newCaseFinder(text, 'w')
	for from < len(text) {
		start := ws.next(from)
		if start < 0 {
			break
		}
		from = start + 1
		if start+4 > len(text) || text[start+1]|0x20 != 'w' || text[start+2]|0x20 != 'w' || text[start+3] != '.' {
			continue // "www." in any case ('W' and 'w' are the only bytes that are 'w' with bit 0x20 set)
		}
		from = start + 4
		if start > 0 && (isWordByte(text[start-1]) || text[start-1] == '/' || text[start-1] == '.') {
			continue // part of a longer host, or of a URL with a scheme
		}
		if end, ok := urlEnd(text, start); ok {
			st.add(URL, start, end, scoreURL, "url")
			from = end
		}
	}
}

// knownScheme reports whether s is one of schemes, ignoring case.
func knownScheme(s string) bool {
	for _, x := range schemes {
		if strings.EqualFold(s, x) {
			return true
		}
	}
	return false
}

// caseFinder finds an ASCII letter in either case, with strings.IndexByte
// for each case and the next position of each remembered, so that every byte
// is searched at most twice.
type caseFinder struct {
	text           string
	lo, up         byte
	nextLo, nextUp int // -1: none left; below the search start: stale
}

// newCaseFinder returns a finder of the lower-case ASCII letter c in text.
func newCaseFinder(text string, c byte) caseFinder {
	return caseFinder{text: text, lo: c, up: c - 'a' + 'A', nextLo: -2, nextUp: -2}
}

// next returns the first index at or after from of the letter in either
// case, or -1.
func (f *caseFinder) next(from int) int {
	if f.nextLo != -1 && f.nextLo < from {
		f.nextLo = indexByteFrom(f.text, from, f.lo)
	}
	if f.nextUp != -1 && f.nextUp < from {
		f.nextUp = indexByteFrom(f.text, from, f.up)
	}
	switch {
	case f.nextLo < 0:
		return f.nextUp
	case f.nextUp < 0:
		return f.nextLo
	}
	return min(f.nextLo, f.nextUp)
}

// indexByteFrom is strings.IndexByte(s[from:], c) as an index of s.
func indexByteFrom(s string, from int, c byte) int {
	if from >= len(s) {
		return -1
	}
	k := strings.IndexByte(s[from:], c)
	if k < 0 {
		return -1
	}
	return from + k
}

// urlEnd returns the end of a URL whose authority starts at i, and whether its
// host is a plausible public host name or an IP literal.
func urlEnd(text string, i int) (int, bool) {
	// Authority: optional userinfo, host, optional port.
	hostStart := i
	j := i
	for j < len(text) && j-i < 2048 && isURLByte(text[j]) && text[j] != '/' && text[j] != '?' && text[j] != '#' {
		if text[j] == '@' {
			hostStart = j + 1
		}
		j++
	}
	host := text[hostStart:j]
	if c := strings.LastIndexByte(host, ':'); c >= 0 && !strings.HasPrefix(host, "[") {
		host = host[:c]
	} else if strings.HasPrefix(host, "[") {
		if e := strings.IndexByte(host, ']'); e > 0 {
			host = host[1:e]
		}
	}
	host = strings.TrimRight(host, ".")
	if !validHost(host) {
		return 0, false
	}
	end := j
	depth := 0
	for end < len(text) && end-i < 4096 && isURLByte(text[end]) {
		switch text[end] {
		case '(':
			depth++
		case ')':
			depth--
		}
		if depth < 0 {
			break
		}
		end++
	}
	// Sentence punctuation after a URL is not part of it.
	for end > j && strings.IndexByte(".,;:!?'\"*", text[end-1]) >= 0 {
		end--
	}
	if end <= hostStart {
		return 0, false
	}
	return end, true
}

// validHost reports whether host is an IP literal or a domain name with a
// public suffix.
func validHost(host string) bool {
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	return validDomain(host)
}

// isURLByte reports whether b may appear in a URL as people paste them
// (RFC 3986 characters plus non-ASCII for internationalized paths).
func isURLByte(b byte) bool {
	if isAlnum(b) || b >= 0x80 {
		return true
	}
	return strings.IndexByte("-._~:/?#[]@!$&'()*+,;=%", b) >= 0
}
