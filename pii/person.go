package pii

import (
	"unicode"
	"unicode/utf8"
)

// PERSON scores. A name list cannot be certain: "Grace" may be a virtue and
// "Ford" a car, so scores stay below 1 and context words matter.
const (
	scorePersonTitle      = 0.85 // "Dr. Okafor", "Mrs Jane Doe"
	scorePersonFull       = 0.85 // two or more listed names: "Maria Garcia"
	scorePersonAmbFull    = 0.7  // an ambiguous name with a listed one: "Grace Hopper"
	scorePersonGivenPlus  = 0.65 // listed given name and an unknown capitalized word
	scorePersonPlusFamily = 0.6  // unknown capitalized word and a listed surname
	scorePersonGiven      = 0.55 // a listed given name alone
	scorePersonSurname    = 0.35 // a listed surname alone
	scorePersonAmbPair    = 0.45 // two ambiguous words: "Paris Hilton", "Apple Park"
	scorePersonAmbiguous  = 0.2  // an ambiguous name alone
)

// maxNameWords bounds the words of one person's name.
const maxNameWords = 5

// scanWords visits every word: capitalized ones may start a person's name,
// lower-case birth words may announce a date of birth.
func (st *state) scanWords() {
	text := st.text
	for i := 0; i < len(text); {
		b := text[i]
		if !isAlpha(b) && b < 0x80 {
			i++
			continue
		}
		if i > 0 && (isAlnum(text[i-1]) || text[i-1] == '_') {
			i++ // inside a token such as "abc2Def"
			continue
		}
		j := wordEnd(text, i)
		if j == i {
			i += max(1, utf8RuneLen(text, i))
			continue
		}
		if st.s.on(bitDateTime) && isDOBTrigger(text[i:j]) {
			st.dobAfter(j)
		}
		if st.s.on(bitPerson) && startsUpper(text, i) {
			if e := st.personAt(i, j); e > j {
				j = e
			}
		}
		i = j
	}
}

// wordEnd returns the end of the word starting at i: letters (ASCII or not),
// with inner apostrophes and hyphens ("O'Brien", "Jean-Luc").
func wordEnd(text string, i int) int {
	j := i
	for j < len(text) {
		b := text[j]
		switch {
		case isAlpha(b):
			j++
		case b >= 0x80:
			r, n := utf8.DecodeRuneInString(text[j:])
			if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) {
				if r == '’' && j+n < len(text) && isAlpha(text[j+n]) {
					j += n
					continue
				}
				return j
			}
			j += n
		case (b == '\'' || b == '-') && j > i && j+1 < len(text) && (isAlpha(text[j+1]) || text[j+1] >= 0x80):
			j++
		default:
			return j
		}
	}
	return j
}

func utf8RuneLen(text string, i int) int {
	_, n := utf8.DecodeRuneInString(text[i:])
	return n
}

// startsUpper reports whether the word at i starts with an upper-case letter.
func startsUpper(text string, i int) bool {
	if isUpper(text[i]) {
		return true
	}
	if text[i] < 0x80 {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return unicode.IsUpper(r)
}

// nameWord is one word of a candidate name.
type nameWord struct {
	start, end int
	flags      uint8
}

// personAt reads the run of capitalized words starting with the word
// text[i:j], decides whether it holds a person's name and returns the end of
// what it consumed.
func (st *state) personAt(i, j int) int {
	text := st.text
	var ws [maxNameWords + 1]nameWord
	n := 0
	for {
		end := stripPossessive(text, i, j)
		ws[n] = nameWord{i, end, lookupName(text[i:end])}
		n++
		if end < j || n == len(ws) {
			break
		}
		// The next word follows one space, or ". " after an initial or a
		// title, possibly after particles ("van", "de la").
		k := j
		if at(text, k) == '.' && (j-i == 1 || ws[n-1].flags&nameTitle != 0) {
			k++
		}
		if at(text, k) != ' ' {
			break
		}
		k++
		nk := k
		for p := 0; p < 2; p++ {
			e := wordEnd(text, nk)
			if e > nk && isParticle(text[nk:e]) && !startsUpper(text, nk) && at(text, e) == ' ' {
				nk = e + 1
				continue
			}
			break
		}
		if nk >= len(text) || !startsUpper(text, nk) {
			break
		}
		i, j = nk, wordEnd(text, nk)
		if j == i {
			break
		}
	}
	return st.decidePerson(ws[:n])
}

// stripPossessive removes a trailing "'s" or "’s" from the word text[i:j].
func stripPossessive(text string, i, j int) int {
	switch {
	case j-i > 3 && text[j-2] == '\'' && text[j-1] == 's':
		return j - 2
	case j-i > 5 && text[j-1] == 's' && text[j-4:j-1] == "’":
		return j - 4
	}
	return j
}

// decidePerson scores a run of capitalized words and records the name in it,
// returning the end of the run.
func (st *state) decidePerson(ws []nameWord) int {
	runEnd := ws[len(ws)-1].end
	// An honorific makes the following capitalized words a name.
	for k := 0; k+1 < len(ws); k++ {
		if ws[k].flags&nameTitle != 0 && ws[k+1].flags&(nameStop|nameTitle) == 0 {
			e := k + 1
			for e+1 < len(ws) && ws[e+1].flags&(nameStop|nameTitle) == 0 && e-k < 3 {
				e++
			}
			st.add(Person, ws[k+1].start, ws[e].end, scorePersonTitle, "name_title")
			return runEnd
		}
	}
	// The name starts at the first listed word that is not a stop word.
	s := -1
	for k, w := range ws {
		if w.flags&(nameGiven|nameSurname|nameAmbiguous) != 0 && w.flags&nameStop == 0 {
			s = k
			break
		}
	}
	if s < 0 {
		return runEnd
	}
	listed, amb, unknown := 0, 0, 0
	first := ws[s].flags
	e := s
	for k := s; k < len(ws); k++ {
		f := ws[k].flags
		switch {
		case f&nameStop != 0 || f&nameTitle != 0:
		case f&nameAmbiguous != 0:
			amb++
			e = k
			continue
		case f&(nameGiven|nameSurname) != 0:
			listed++
			e = k
			continue
		case unknown == 0 && k > s:
			unknown++
			e = k
			continue
		}
		break
	}
	start := s
	// An unknown capitalized word right before a lone surname: "Thanh Nguyen".
	if e == s && first&nameGiven == 0 && first&nameAmbiguous == 0 && s > 0 && ws[s-1].flags == 0 && !st.sentenceStart(ws[s-1].start) {
		start, unknown = s-1, 1
	}
	var score float64
	switch {
	case listed >= 2:
		score = scorePersonFull
	case listed == 1 && amb >= 1:
		score = scorePersonAmbFull
	case listed == 1 && unknown == 1 && first&nameGiven != 0:
		score = scorePersonGivenPlus
	case listed == 1 && unknown == 1:
		score = scorePersonPlusFamily
	case listed == 1 && first&nameGiven != 0:
		score = scorePersonGiven
	case listed == 1:
		score = scorePersonSurname
	case amb >= 2:
		score = scorePersonAmbPair
	default:
		score = scorePersonAmbiguous
	}
	// An unknown trailing word only counts when it is not the whole gain.
	if unknown == 1 && e > s && ws[e].flags == 0 && listed+amb == 1 && first&nameAmbiguous != 0 {
		e--
	}
	st.add(Person, ws[start].start, ws[e].end, score, "name_list")
	return runEnd
}

// sentenceStart reports whether the word at i begins a sentence (after ". ",
// "! ", "? ", a line break or at the start of the text).
func (st *state) sentenceStart(i int) bool {
	k := i
	for k > 0 && (st.text[k-1] == ' ' || st.text[k-1] == '"' || st.text[k-1] == '\'') {
		k--
	}
	return k == 0 || st.text[k-1] == '.' || st.text[k-1] == '!' || st.text[k-1] == '?' || st.text[k-1] == '\n' || st.text[k-1] == ':'
}
