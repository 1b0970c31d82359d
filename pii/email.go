package pii

import (
	"strings"

	"golang.org/x/net/publicsuffix"
)

// Email scores: a syntactically valid address whose domain ends in an ICANN
// public suffix is certain.
const scoreEmail = 1.0

// scanEmails finds addresses around every '@'.
func (st *state) scanEmails() {
	text := st.text
	from := 0
	for {
		k := strings.IndexByte(text[from:], '@')
		if k < 0 {
			return
		}
		at := from + k
		from = at + 1
		start := at
		for start > 0 && isLocalByte(text[start-1]) && at-start < 64 {
			start--
		}
		// A local part neither starts nor ends with a dot.
		for start < at && text[start] == '.' {
			start++
		}
		if start == at || text[at-1] == '.' || (start > 0 && isLocalByte(text[start-1])) {
			continue
		}
		end := at + 1
		for end < len(text) && isDomainByte(text[end]) && end-at <= 253 {
			end++
		}
		// Trailing dots and hyphens end the sentence, not the domain.
		for end > at+1 && (text[end-1] == '.' || text[end-1] == '-') {
			end--
		}
		if end < len(text) && isWordByte(text[end]) {
			continue
		}
		if !validDomain(text[at+1 : end]) {
			continue
		}
		st.add(Email, start, end, scoreEmail, "public_suffix")
		from = end
	}
}

// isLocalByte reports whether b may appear in the local part of an address
// (the common dot-atom subset of RFC 5322).
func isLocalByte(b byte) bool {
	return isAlnum(b) || strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", b) >= 0
}

// isDomainByte reports whether b may appear in an ASCII host name.
func isDomainByte(b byte) bool { return isAlnum(b) || b == '.' || b == '-' }

// validDomain reports whether d is a host name with at least two labels of
// 1-63 letters, digits and inner hyphens, ending in an ICANN public suffix
// with a registrable label before it.
func validDomain(d string) bool {
	if len(d) < 4 || len(d) > 253 {
		return false
	}
	host, labels := d, 0
	for len(d) > 0 {
		n := strings.IndexByte(d, '.')
		label := d
		if n >= 0 {
			label, d = d[:n], d[n+1:]
		} else {
			d = ""
		}
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		labels++
	}
	return labels >= 2 && hasPublicSuffix(host)
}

// hasPublicSuffix reports whether host ends in an ICANN-managed public suffix
// and has a label before it. Lower-casing allocates only for mixed case.
func hasPublicSuffix(host string) bool {
	for i := 0; i < len(host); i++ {
		if isUpper(host[i]) {
			host = strings.ToLower(host)
			break
		}
	}
	suffix, icann := publicsuffix.PublicSuffix(host)
	if !icann || len(suffix) >= len(host) {
		return false
	}
	// publicsuffix applies the default rule "*" to unknown TLDs and reports
	// them as non-ICANN; a digit-only TLD is never a real one either.
	last := suffix[strings.LastIndexByte(suffix, '.')+1:]
	for i := 0; i < len(last); i++ {
		if !isAlpha(last[i]) && last[i] != '-' {
			return false
		}
	}
	return true
}
