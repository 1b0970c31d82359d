package pii

// scoreIBAN is the score of an IBAN with the right length for its country and
// a valid ISO 7064 mod-97 check.
const scoreIBAN = 1.0

// ibanLengths is the IBAN length of each country of the SWIFT IBAN registry.
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
	"BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24,
	"DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
	"FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
	"GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
	"JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
	"LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27,
	"MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28,
	"PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
	"SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
	"TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

// ibanAt finds an IBAN starting at i, written compactly or in the print
// format (groups of four separated by single spaces). It reports whether one
// was found.
func (st *state) ibanAt(i int) bool {
	text := st.text
	want, ok := ibanLengths[text[i:i+2]]
	if !ok {
		return false
	}
	var buf [34]byte
	n, j := 0, i
	for j < len(text) && n < want {
		b := text[j]
		switch {
		case isUpper(b) || isDigit(b):
			buf[n] = b
			n++
			j++
		case b == ' ' && n%4 == 0 && j+1 < len(text) && (isUpper(text[j+1]) || isDigit(text[j+1])):
			j++ // a group separator in the print format
		default:
			return false
		}
	}
	if n != want || (j < len(text) && isWordByte(text[j])) {
		return false
	}
	if !mod97(buf[:n]) {
		return false
	}
	st.add(IBAN, i, j, scoreIBAN, "iban_mod97")
	return true
}

// mod97 reports whether the IBAN s (upper-case letters and digits) passes the
// ISO 7064 MOD 97-10 check: moved four characters to the end, letters as
// 10..35, the number is 1 modulo 97.
func mod97(s []byte) bool {
	r := 0
	for k := 0; k < len(s); k++ {
		b := s[(k+4)%len(s)]
		if isDigit(b) {
			r = (r*10 + int(b-'0')) % 97
		} else {
			r = (r*100 + int(b-'A'+10)) % 97
		}
	}
	return r == 1
}
