package pii

import "strings"

// scoreDOB is the score of a date found right after a birth context word.
const scoreDOB = 0.85

// dobWindow bounds how far after its context word a date of birth may start.
const dobWindow = 40

// months maps English month names and abbreviations to their number.
var months = map[string]int{
	"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
	"august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
	"sept": 9, "oct": 10, "nov": 11, "dec": 12,
}

// isDOBTrigger reports whether the word w announces a date of birth: born,
// birth, birthday, birthdate, dob, geboren, geburtsdatum, née, né, nacido,
// nacida, nato, nata, naissance, nascimento (ASCII letters in any case). It
// runs for every word, so it rejects by first letter before comparing.
func isDOBTrigger(w string) bool {
	if len(w) < 2 || len(w) > 12 {
		return false
	}
	switch w[0] | 0x20 {
	case 'b', 'd', 'g', 'n':
	default:
		return false
	}
	var buf [16]byte
	l := lowerASCII(buf[:], w)
	switch string(l) {
	case "born", "birth", "birthday", "birthdate", "dob",
		"geboren", "geburtsdatum", "née", "né", "nacido",
		"nacida", "nato", "nata", "naissance", "nascimento":
		return true
	}
	return false
}

// dobAfter looks for a date within dobWindow bytes after position i.
func (st *state) dobAfter(i int) {
	text := st.text
	limit := min(len(text), i+dobWindow)
	for k := i; k < limit; k++ {
		b := text[k]
		if isDigit(b) && !isDigit(before(text, k)) {
			if end, ok := dateAt(text, k); ok {
				st.add(DateTime, k, end, scoreDOB, "date_of_birth")
				return
			}
		}
		if isUpper(b) && !isAlpha(before(text, k)) {
			if end, ok := monthFirstDate(text, k); ok {
				st.add(DateTime, k, end, scoreDOB, "date_of_birth")
				return
			}
		}
		if b == '\n' {
			return
		}
	}
}

// dateAt parses a date starting with a digit at k: Y-M-D, D/M/Y, M/D/Y (with
// '-', '/' or '.') or "3 March 1985" / "3rd of March, 1985".
func dateAt(text string, k int) (int, bool) {
	var ends, lens [3]int
	if n := digitGroups(text, k, "-/.", ends[:], lens[:]); n == 3 && numEnd(text, ends[2]) {
		a := atoi(text[k:ends[0]])
		b := atoi(text[ends[0]+1 : ends[1]])
		c := atoi(text[ends[1]+1 : ends[2]])
		switch {
		case lens[0] == 4 && lens[1] <= 2 && lens[2] <= 2:
			return ends[2], validYMD(a, b, c)
		case lens[0] <= 2 && lens[1] <= 2 && (lens[2] == 4 || lens[2] == 2):
			y := c
			if lens[2] == 2 {
				y += 1900
			}
			return ends[2], validYMD(y, b, a) || validYMD(y, a, b)
		}
		return 0, false
	}
	// "3 March 1985", "3rd of March, 1985"
	j := k
	for j < len(text) && isDigit(text[j]) && j-k < 2 {
		j++
	}
	day := atoi(text[k:j])
	j = skipOrdinal(text, j)
	j = skipSpace(text, j)
	if strings.HasPrefix(text[j:], "of ") {
		j += 3
	}
	m, e := monthAt(text, j)
	if m == 0 {
		return 0, false
	}
	e = skipSpace(text, skipComma(text, e))
	y, e2 := yearAt(text, e)
	return e2, y > 0 && validYMD(y, m, day)
}

// monthFirstDate parses "March 3, 1985" or "Mar. 3rd 1985" at k.
func monthFirstDate(text string, k int) (int, bool) {
	m, j := monthAt(text, k)
	if m == 0 {
		return 0, false
	}
	j = skipSpace(text, j)
	d := j
	for j < len(text) && isDigit(text[j]) && j-d < 2 {
		j++
	}
	if j == d {
		return 0, false
	}
	day := atoi(text[d:j])
	j = skipSpace(text, skipComma(text, skipOrdinal(text, j)))
	y, e := yearAt(text, j)
	return e, y > 0 && validYMD(y, m, day)
}

// monthAt parses an English month name or abbreviation (with an optional
// dot) at j, returning its number (0 when none) and its end.
func monthAt(text string, j int) (int, int) {
	e := j
	for e < len(text) && isAlpha(text[e]) && e-j < 10 {
		e++
	}
	var buf [12]byte
	l := lowerASCII(buf[:], text[j:e])
	if l == nil {
		return 0, j
	}
	m := months[string(l)]
	if m != 0 && at(text, e) == '.' {
		e++
	}
	return m, e
}

// yearAt parses a four-digit year at j.
func yearAt(text string, j int) (int, int) {
	if j+4 > len(text) || !isDigit(text[j]) || !isDigit(text[j+1]) || !isDigit(text[j+2]) || !isDigit(text[j+3]) || !numEnd(text, j+4) {
		return 0, j
	}
	return atoi(text[j : j+4]), j + 4
}

func skipOrdinal(text string, j int) int {
	if j+2 <= len(text) {
		switch strings.ToLower(text[j : j+2]) {
		case "st", "nd", "rd", "th":
			if !isAlpha(at(text, j+2)) {
				return j + 2
			}
		}
	}
	return j
}

func skipSpace(text string, j int) int {
	for j < len(text) && text[j] == ' ' {
		j++
	}
	return j
}

func skipComma(text string, j int) int {
	if at(text, j) == ',' {
		return j + 1
	}
	return j
}

// validYMD reports whether y-m-d is a calendar date a living person may have
// been born on (1900 to 2030).
func validYMD(y, m, d int) bool {
	if y < 1900 || y > 2030 || m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	if m == 2 && d == 29 {
		return y%4 == 0 && (y%100 != 0 || y%400 == 0)
	}
	return d <= days[m]
}
