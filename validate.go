package steward

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ValidateName checks a short human-readable name (a tenant or key name): 1 to
// 100 characters, printable, no leading or trailing space.
func ValidateName(field, s string) error {
	switch {
	case s == "":
		return Invalid(field, "is required")
	case !utf8.ValidString(s):
		return Invalid(field, "must be valid UTF-8")
	case utf8.RuneCountInString(s) > 100:
		return Invalid(field, "must be at most 100 characters")
	case strings.TrimSpace(s) != s:
		return Invalid(field, "must not start or end with white space")
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return Invalid(field, "must contain printable characters only")
		}
	}
	return nil
}

// ValidateRegion checks a region code: lower-case letters, digits and dashes,
// 2 to 32 characters (us, eu, au, af, on-prem, eu-west).
func ValidateRegion(field, s string) error {
	if len(s) < 2 || len(s) > 32 {
		return Invalid(field, "must be a region code of 2 to 32 characters such as \"us\" or \"eu\"")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return Invalid(field, "must contain only lower-case letters, digits and dashes")
		}
	}
	return nil
}
