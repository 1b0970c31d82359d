package pii

// Card scores: a Luhn-valid number with a known issuer prefix, written in the
// usual 4-digit groups (certain) or as one run of digits.
const (
	scoreCardGrouped = 1.0
	scoreCardRun     = 0.9
)

// cardAt finds a payment card number at i: 13-19 digits, as one run or in
// groups separated by spaces or hyphens (4-4-4-4[-3], Amex 4-6-5, Diners
// 4-6-4), with a known issuer prefix and a valid Luhn check digit.
func (st *state) cardAt(i int) {
	var ends, lens [6]int
	n := digitGroups(st.text, i, " -", ends[:], lens[:])
	var buf [24]byte
	for g := n; g >= 1; g-- {
		total := sumInts(lens[:g])
		if total < 13 || total > 19 || !cardGrouping(lens[:g]) || !numEnd(st.text, ends[g-1]) {
			continue
		}
		d := digitsIn(buf[:0], st.text[i:ends[g-1]])
		if !luhn(d) || !issuerPrefix(d) || sameDigits(d) || (g == 3 && lens[2] == 5 && !amex(d)) {
			continue // 4-6-5 is how American Express prints its numbers, and only it
		}
		score := scoreCardGrouped
		if g == 1 {
			score = scoreCardRun
		}
		st.add(CreditCard, i, ends[g-1], score, "luhn")
		return
	}
}

// cardGrouping reports whether group lengths look like a printed card number.
func cardGrouping(lens []int) bool {
	switch {
	case len(lens) == 1:
		return true
	case len(lens) == 3 && lens[0] == 4 && lens[1] == 6 && (lens[2] == 5 || lens[2] == 4):
		return true
	}
	for k, l := range lens {
		if k < len(lens)-1 && l != 4 {
			return false
		}
		if k == len(lens)-1 && (l < 1 || l > 4) {
			return false
		}
	}
	return len(lens) >= 4
}

// amex reports whether d has an American Express prefix (34, 37).
func amex(d []byte) bool { return d[0] == '3' && (d[1] == '4' || d[1] == '7') }

// luhn reports whether the digits d carry a valid Luhn check digit.
func luhn(d []byte) bool {
	sum := 0
	double := false
	for k := len(d) - 1; k >= 0; k-- {
		x := int(d[k] - '0')
		if double {
			x *= 2
			if x > 9 {
				x -= 9
			}
		}
		sum += x
		double = !double
	}
	return sum%10 == 0
}

// issuerPrefix reports whether d starts with the issuer identification
// number of a major card network and has a length that network issues.
func issuerPrefix(d []byte) bool {
	n := len(d)
	p2 := int(d[0]-'0')*10 + int(d[1]-'0')
	p4 := p2*100 + int(d[2]-'0')*10 + int(d[3]-'0')
	switch {
	case d[0] == '4': // Visa
		return n == 13 || n == 16 || n == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720: // Mastercard
		return n == 16
	case p2 == 34 || p2 == 37: // American Express
		return n == 15
	case p2 == 36 || p2 == 38 || p2 == 39 || (p4 >= 3000 && p4 <= 3059): // Diners Club
		return n >= 14 && n <= 19
	case p4 >= 3528 && p4 <= 3589: // JCB
		return n >= 16 && n <= 19
	case p4 == 6011 || p2 == 65 || (p4 >= 6440 && p4 <= 6499) || p2 == 62: // Discover, UnionPay
		return n >= 16 && n <= 19
	case p2 == 50 || (p2 >= 56 && p2 <= 69): // Maestro
		return n >= 13 && n <= 19
	}
	return false
}

// sameDigits reports whether every digit of d is the same (test patterns).
func sameDigits(d []byte) bool {
	for _, c := range d {
		if c != d[0] {
			return false
		}
	}
	return true
}

// SSN scores: with hyphens the shape is distinctive; with spaces less so;
// nine bare digits need a context word.
const (
	scoreSSNDashed = 0.85
	scoreSSNSpaced = 0.6
	scoreSSNBare   = 0.3
)

// ssnAt finds a US Social Security number at i (AAA-GG-SSSS, with hyphens,
// spaces or nothing between the parts), rejecting numbers never issued.
func (st *state) ssnAt(i int) {
	var ends, lens [4]int
	n := digitGroups(st.text, i, "- ", ends[:], lens[:])
	var end int
	var score float64
	switch {
	case n >= 3 && lens[0] == 3 && lens[1] == 2 && lens[2] == 4:
		end = ends[2]
		score = scoreSSNDashed
		if st.text[ends[0]] == ' ' {
			score = scoreSSNSpaced
		}
	case lens[0] == 9:
		end, score = ends[0], scoreSSNBare
	default:
		return
	}
	if !numEnd(st.text, end) || !st.reachable(USSSN, i, score) {
		return
	}
	var buf [9]byte
	if !validSSN(digitsIn(buf[:0], st.text[i:end])) {
		return
	}
	st.add(USSSN, i, end, score, "ssn")
}

// validSSN rejects area numbers 000, 666 and 900-999, group 00, serial 0000,
// repeated digits and well-known sample numbers.
func validSSN(d []byte) bool {
	if len(d) != 9 || sameDigits(d) {
		return false
	}
	s := string(d)
	area, group, serial := s[:3], s[3:5], s[5:]
	if area == "000" || area == "666" || area[0] == '9' || group == "00" || serial == "0000" {
		return false
	}
	switch s {
	case "123456789", "078051120", "219099999":
		return false
	}
	return true
}
