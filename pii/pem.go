package pii

import "strings"

// pemMax bounds a private key block (an RSA-8192 key is about 6.5 KB).
const pemMax = 16 << 10

// scanPEM finds PEM private key blocks ("-----BEGIN ... PRIVATE KEY-----"
// through the matching END line, or through the base64 body when the END line
// was cut off) and passwords written after "password:" and its variants.
func (st *state) scanPEM() {
	text := st.text
	nextEnd := -2 // the first "-----END " at or after the last block's header; -1: none
	for from := 0; from < len(text); {
		k := strings.Index(text[from:], "-----BEGIN ")
		if k < 0 {
			break
		}
		start := from + k
		from = start + 11
		head := text[from:min(len(text), from+40)]
		e := strings.Index(head, "-----")
		if e < 0 || !strings.HasSuffix(head[:e], "PRIVATE KEY") {
			continue
		}
		end := from + e + 5
		// The first END line after the header, if it lies within pemMax of
		// the start. It is remembered: headers without END lines would
		// otherwise each search pemMax bytes.
		if nextEnd != -1 && nextEnd < end {
			if nextEnd = strings.Index(text[end:], "-----END "); nextEnd >= 0 {
				nextEnd += end
			}
		}
		if nextEnd >= 0 && nextEnd+9 <= min(len(text), start+pemMax) {
			g := nextEnd + 9
			if h := strings.Index(text[g:min(len(text), g+40)], "-----"); h >= 0 {
				end = g + h + 5
			}
		} else {
			for end < len(text) && end-start < pemMax && (base64Byte(text[end]) || text[end] == '=' || isSpace(text[end])) {
				end++
			}
			for end > start && isSpace(text[end-1]) {
				end--
			}
		}
		st.add(Secret, start, end, scoreSecretKnown, "private_key")
		from = end
	}
	st.scanPasswords()
}

// passwordWords introduce a password.
var passwordWords = []string{"password", "passwd", "passcode", "passphrase", "passwort", "pwd"}

// scanPasswords finds the value after "password:", "password=" or
// "password is" when it looks like a password (4-128 bytes with a digit, a
// symbol or mixed case).
func (st *state) scanPasswords() {
	text := st.text
	ps := newCaseFinder(text, 'p')
	for from := 0; from < len(text); {
		w := ps.next(from)
		if w < 0 {
			return
		}
		from = w + 1
		if w > 0 && isAlpha(text[w-1]) {
			continue
		}
		if w+1 >= len(text) || (text[w+1]|0x20 != 'a' && text[w+1]|0x20 != 'w') {
			continue // every password word starts with "pa" or "pw"
		}
		var word string
		for _, pw := range passwordWords {
			if len(text)-w >= len(pw) && equalFoldASCII(text[w:w+len(pw)], pw) {
				word = pw
				break
			}
		}
		if word == "" {
			continue
		}
		v := passwordValueStart(text, w+len(word))
		if v < 0 {
			continue
		}
		end := v
		for end < len(text) && end-v < 128 && !isSpace(text[end]) && text[end] != '"' && text[end] != '\'' && text[end] != '`' {
			end++
		}
		for end > v+4 && strings.IndexByte(".,;)", text[end-1]) >= 0 {
			end--
		}
		if end-v < 4 || !passwordLike(text[v:end]) {
			continue
		}
		st.add(Secret, v, end, scoreSecretPassword, "password_context")
		from = end
	}
}

// equalFoldASCII reports whether s equals the lower-case ASCII word w,
// ignoring the case of ASCII letters. (strings.EqualFold would also fold
// non-ASCII runes, but those are longer than the one ASCII byte they fold
// to, so for equal byte lengths the answers agree.)
func equalFoldASCII(s, w string) bool {
	if len(s) != len(w) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUpper(c) {
			c += 'a' - 'A'
		}
		if c != w[i] {
			return false
		}
	}
	return true
}

// passwordValueStart returns where the value after a password word at i
// starts (after ':', '=', or "is", spaces and an opening quote), or -1.
func passwordValueStart(text string, i int) int {
	if i < len(text) && isAlpha(text[i]) {
		return -1 // "passwords", "passwordless"
	}
	j := i
	for j < len(text) && j-i < 4 && (text[j] == ' ' || text[j] == '\t') {
		j++
	}
	switch {
	case j < len(text) && (text[j] == ':' || text[j] == '='):
		j++
	case j+2 <= len(text) && strings.EqualFold(text[j:j+2], "is") && j+2 < len(text) && (text[j+2] == ' ' || text[j+2] == ':'):
		j += 2
		if at(text, j) == ':' {
			j++
		}
	default:
		return -1
	}
	for j < len(text) && j-i < 12 && (text[j] == ' ' || text[j] == '\t') {
		j++
	}
	if j < len(text) && (text[j] == '"' || text[j] == '\'' || text[j] == '`') {
		j++
	}
	if j >= len(text) || isSpace(text[j]) {
		return -1
	}
	return j
}

// passwordLike reports whether s has a digit, a symbol or mixed case, unlike
// the plain words that follow "password" in prose ("password is required").
func passwordLike(s string) bool {
	var d, u, l, o bool
	for k := 0; k < len(s); k++ {
		switch c := s[k]; {
		case isDigit(c):
			d = true
		case isUpper(c):
			u = true
		case isLower(c):
			l = true
		default:
			o = true
		}
	}
	return d || o || (u && l && !isUpper(s[0])) || (u && l && strings.ToLower(s[1:]) != s[1:])
}
