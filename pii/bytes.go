package pii

// Byte classes, looked up in one table so that the scanners touch each byte
// with a single load.
const (
	cDigit = 1 << iota
	cUpper
	cLower
	cHex   // 0-9 a-f A-F
	cToken // characters of a machine token: alphanumerics and _-+/=.:~%
	cSpace // ASCII white space
	cHigh  // a byte of a multi-byte UTF-8 sequence
	cColon // ':'
)

var class [256]uint8

func init() {
	for b := 0; b < 256; b++ {
		var c uint8
		switch {
		case b >= '0' && b <= '9':
			c = cDigit | cHex | cToken
		case b >= 'A' && b <= 'Z':
			c = cUpper | cToken
			if b <= 'F' {
				c |= cHex
			}
		case b >= 'a' && b <= 'z':
			c = cLower | cToken
			if b <= 'f' {
				c |= cHex
			}
		case b >= 0x80:
			c = cHigh
		}
		switch b {
		case '_', '-', '+', '/', '=', '.', ':', '~', '%':
			c |= cToken
		case ' ', '\t', '\n', '\r', '\v', '\f':
			c |= cSpace
		}
		if b == ':' {
			c |= cColon
		}
		class[b] = c
	}
}

func isDigit(b byte) bool { return class[b]&cDigit != 0 }
func isUpper(b byte) bool { return class[b]&cUpper != 0 }
func isLower(b byte) bool { return class[b]&cLower != 0 }
func isAlpha(b byte) bool { return class[b]&(cUpper|cLower) != 0 }
func isAlnum(b byte) bool { return class[b]&(cUpper|cLower|cDigit) != 0 }
func isHex(b byte) bool   { return class[b]&cHex != 0 }
func isSpace(b byte) bool { return class[b]&cSpace != 0 }

// isWordByte reports whether b continues a word for boundary checks: ASCII
// alphanumerics, '_' and any byte of a non-ASCII character.
func isWordByte(b byte) bool { return class[b]&(cUpper|cLower|cDigit|cHigh) != 0 || b == '_' }

// before returns the byte before i, or ' ' at the start of the text.
func before(text string, i int) byte {
	if i <= 0 {
		return ' '
	}
	return text[i-1]
}

// at returns text[i], or ' ' past the end.
func at(text string, i int) byte {
	if i >= len(text) || i < 0 {
		return ' '
	}
	return text[i]
}

// digitsIn appends the ASCII digits of s to dst.
func digitsIn(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			dst = append(dst, s[i])
		}
	}
	return dst
}

// lowerASCII writes the ASCII lower case of s into buf and returns the used
// part, or nil when s does not fit.
func lowerASCII(buf []byte, s string) []byte {
	if len(s) > len(buf) {
		return nil
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if isUpper(b) {
			b += 'a' - 'A'
		}
		buf[i] = b
	}
	return buf[:len(s)]
}

// wordFilter is a set of keys of words (length, first, second and last byte,
// four bits each): a word whose key is missing is certainly not among the
// words the filter was built from, so most words of a text skip the map
// lookup.
type wordFilter [1 << 16 / 64]uint64

// wordKey returns the filter key of the non-empty word w.
func wordKey[T string | []byte](w T) uint32 {
	n := len(w)
	return (uint32(n)&15)<<12 | (uint32(w[0])&15)<<8 | (uint32(w[min(1, n-1)])&15)<<4 | uint32(w[n-1])&15
}

// add puts w into the filter.
func (f *wordFilter) add(w string) {
	if len(w) > 0 {
		k := wordKey(w)
		f[k/64] |= 1 << (k % 64)
	}
}

// mayHave reports whether w may be one of the words put into the filter.
func (f *wordFilter) mayHave(w []byte) bool {
	if len(w) == 0 {
		return true
	}
	k := wordKey(w)
	return f[k/64]&(1<<(k%64)) != 0
}
