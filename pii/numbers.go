package pii

import (
	"strings"
)

// scanNumbers visits every digit run that can start an entity and tries the
// numeric recognizers there: credit card, US SSN, phone number and IPv4.
func (st *state) scanNumbers() {
	text := st.text
	covered := 0 // end of the last numeric candidate; runs inside it are skipped
	for i := 0; i < len(text); i++ {
		if !isDigit(text[i]) {
			continue
		}
		if i >= covered && numStartOK(text, i) {
			n := len(st.cands)
			if st.s.on(bitIPAddress) {
				st.ipv4At(i)
			}
			if st.s.on(bitCreditCard) {
				st.cardAt(i)
			}
			if st.s.on(bitUSSSN) {
				st.ssnAt(i)
			}
			if st.s.on(bitPhone) {
				st.phoneAt(i)
			}
			for _, c := range st.cands[n:] {
				covered = max(covered, c.End)
			}
		}
		for i+1 < len(text) && isDigit(text[i+1]) {
			i++
		}
	}
}

// numStartOK reports whether a digit run at i may start an entity: it must not
// continue a word, a code ("ORD-2024"), a price ("$129") or a dotted version.
func numStartOK(text string, i int) bool {
	p := before(text, i)
	if isWordByte(p) && p < 0x80 {
		return false
	}
	if p == ' ' && isDigit(before(text, i-1)) {
		return false // the middle of a group run ("4729 4986 3950 2321")
	}
	return strings.IndexByte("-/.#$%&@\\*_", p) < 0
}

// numEnd reports whether a number may end at e: the next byte neither
// continues a word nor glues another number on ("12-34", "1.5").
func numEnd(text string, e int) bool {
	b := at(text, e)
	if isWordByte(b) && b < 0x80 {
		return false
	}
	if strings.IndexByte("-./,:", b) >= 0 && isDigit(at(text, e+1)) {
		return false
	}
	return true
}

// digitGroups reads up to len(ends) digit runs from i, separated by exactly
// one byte from seps, the same one throughout. It returns the number of
// groups, the end offset of each and the digit count of each.
func digitGroups(text string, i int, seps string, ends, lens []int) int {
	var sep byte
	n := 0
	for n < len(ends) {
		k := i
		for k < len(text) && isDigit(text[k]) {
			k++
		}
		ends[n], lens[n] = k, k-i
		n++
		if k+1 < len(text) && strings.IndexByte(seps, text[k]) >= 0 && isDigit(text[k+1]) &&
			(sep == 0 || sep == text[k]) {
			sep = text[k]
			i = k + 1
			continue
		}
		break
	}
	return n
}

// sumInts returns the sum of xs.
func sumInts(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

// scoreIPv4 is the score of a dotted quad with every octet in range.
const scoreIPv4 = 0.8

// ipv4At finds a dotted-quad address (optionally with a /prefix) at i.
func (st *state) ipv4At(i int) {
	var ends, lens [5]int
	n := digitGroups(st.text, i, ".", ends[:], lens[:])
	if n != 4 {
		return // fewer parts, or a longer dotted number such as a version
	}
	p := i
	for g := 0; g < 4; g++ {
		part := st.text[p:ends[g]]
		if !octet(part) {
			return
		}
		p = ends[g] + 1
	}
	end := ends[3]
	if at(st.text, end) == '/' {
		k := end + 1
		for k < len(st.text) && k-end <= 2 && isDigit(st.text[k]) {
			k++
		}
		if k > end+1 && numEnd(st.text, k) && atoi(st.text[end+1:k]) <= 32 {
			end = k
		}
	}
	if !numEnd(st.text, end) && !(at(st.text, end) == ':' && isDigit(at(st.text, end+1))) {
		return // glued to more digits, unless it is a port ("8.8.8.8:53")
	}
	st.add(IPAddress, i, end, scoreIPv4, "ipv4")
}

// octet reports whether s is a decimal 0-255 without leading zeros.
func octet(s string) bool {
	if len(s) == 0 || len(s) > 3 || (len(s) > 1 && s[0] == '0') {
		return false
	}
	return atoi(s) <= 255
}

// atoi converts a short run of ASCII digits.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
