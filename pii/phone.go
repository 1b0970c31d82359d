package pii

import "strings"

// Phone scores: libphonenumber says the number is valid; international form
// (+CC or 00CC) is the strongest shape, a grouped national number less so, a
// bare run of digits needs a context word ("call", "phone", ...).
const (
	scorePhoneIntl    = 0.75
	scorePhoneGrouped = 0.6
	scorePhoneBare    = 0.4
)

// Phone candidate limits: E.164 allows 15 digits with the country code.
const (
	phoneMinDigits = 7
	phoneMaxDigits = 15
	phoneMaxGroups = 8
)

// phoneAt finds a phone number whose first digit run starts at i: digit
// groups joined by single separators (space, hyphen, dot, slash) and
// parentheses, optionally after '+' or '('. The run is reported when
// libphonenumber's metadata makes it a valid number for one of the scanner's
// regions (or for its own country code, in international form); phonemeta.go
// gives the library's answer without calling it. phonerules.go rejects
// identifiers named by the word before them, digits of IBAN-shaped strings
// and groupings no numbering plan uses, and accepts Ofcom's drama ranges.
func (st *state) phoneAt(i int) {
	text := st.text
	start := i
	open := 0
	if p := before(text, i); p == '+' || p == '(' {
		start = i - 1
		if p == '(' {
			open = 1
		}
		if p == '(' && before(text, start) == '+' {
			start-- // "+(44) ..."
		}
	}
	var ends [phoneMaxGroups]int
	var lens [phoneMaxGroups]int
	seps := 0
	n, digits := 0, 0
	j := i
	for n < phoneMaxGroups {
		k := j
		for k < len(text) && isDigit(text[k]) {
			k++
		}
		digits += k - j
		if digits > phoneMaxDigits {
			break
		}
		ends[n], lens[n] = k, k-j
		n++
		// Separator: optional ')', then one of " -./", then optional '('.
		s := k
		if at(text, s) == ')' && open > 0 {
			open--
			s++
		}
		if b := at(text, s); s < len(text) && strings.IndexByte(" -./", b) >= 0 {
			s++
		}
		if at(text, s) == '(' && open == 0 {
			open++
			s++
		}
		if s == k || s-k > 3 || s >= len(text) || !isDigit(text[s]) {
			break
		}
		seps++
		j = s
	}
	intl := text[start] == '+' || (text[i] == '0' && at(text, i+1) == '0')
	base := scorePhoneBare
	switch {
	case intl:
		base = scorePhoneIntl
	case seps > 0 || open > 0 || text[start] == '(':
		base = scorePhoneGrouped
	}
	// The whole run of groups must be the number: a valid prefix of a longer
	// run ("4729 4986 3950" of a 16-digit reference) is not a phone number.
	if n == 0 || digits > phoneMaxDigits || n == phoneMaxGroups {
		return
	}
	end := ends[n-1]
	total := sumInts(lens[:n])
	if open > 0 || total < phoneMinDigits || !numEnd(text, end) || notPhoneShape(text[i:end], lens[:n]) ||
		oddGrouping(text[i:end], lens[:n]) || inIBANShape(text, start) || (text[start] != '+' && namedIdentifier(text, start)) {
		return
	}
	if n == 1 && !intl {
		base = scorePhoneBare
	}
	// Only now look for context words (bare digits need one): most digit
	// runs are not shaped like a phone number at all.
	if !st.reachable(Phone, start, base) {
		return
	}
	if st.validPhone(text[start:end]) {
		st.add(Phone, start, end, base, "libphonenumber")
	}
}

// notPhoneShape rejects digit groups shaped like a date, a US SSN or an IPv4
// address, which libphonenumber may otherwise accept in some region.
func notPhoneShape(s string, lens []int) bool {
	if len(lens) == 3 {
		a, b, c := lens[0], lens[1], lens[2]
		if (a <= 2 && b <= 2 && (c == 2 || c == 4)) || (a == 4 && b <= 2 && c <= 2) || (a == 3 && b == 2 && c == 4) {
			return true
		}
	}
	if len(lens) == 4 && strings.Count(s, ".") == 3 && lens[0] <= 3 && lens[1] <= 3 && lens[2] <= 3 && lens[3] <= 3 {
		return true
	}
	return false
}

// validPhone reports whether raw is a valid number by libphonenumber's
// metadata: in international form for any country, otherwise for one of the
// scanner's regions. Its result depends only on the digits and a leading
// '+' (see phonemeta.go).
func (st *state) validPhone(raw string) bool {
	var buf [phoneMaxDigits]byte
	d := buf[:0]
	for k := 0; k < len(raw); k++ {
		if isDigit(raw[k]) {
			if len(d) == len(buf) {
				return false
			}
			d = append(d, raw[k])
		}
	}
	if raw[0] != '+' && st.phoneRegions == nil {
		st.phoneRegions = regionsByID(st.s.regions)
	}
	return validPhoneDigits(string(d), raw[0] == '+', st.phoneRegions) || ukDrama(string(d), raw[0] == '+', st.s.regions)
}
