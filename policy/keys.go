package policy

import (
	"strings"

	"github.com/steward-privacy/steward/policy/taxonomy"
)

// Keys of categories and purposes are dotted paths: a key covers itself and
// every key below it, so a grant on "user.contact" covers
// "user.contact.email". These helpers never allocate: Decide uses them.

// covers reports whether key is parent itself or lies below it.
func covers(parent, key string) bool {
	if len(key) < len(parent) || key[:len(parent)] != parent {
		return false
	}
	return len(key) == len(parent) || key[len(parent)] == '.'
}

// related reports whether one of a and b covers the other.
func related(a, b string) bool { return covers(a, b) || covers(b, a) }

// validKey reports whether s is a well-formed taxonomy key: lowercase
// words of letters, digits and underscores, separated by single dots.
func validKey(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	for seg := range strings.SplitSeq(s, ".") {
		if seg == "" {
			return false
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
				return false
			}
		}
	}
	return true
}

// validName reports whether s is a well-formed name for a processor, region,
// justification or subject: lowercase letters, digits and dashes or
// underscores, starting with a letter.
func validName(s string) bool {
	if s == "" || len(s) > 100 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

const keyHint = "keys are lowercase words joined by dots, such as user.content.prompt"

// canonical returns the key in the form used for comparisons: use keys have
// their deprecated alias replaced.
func canonical(kind taxonomy.Kind, key string) string {
	if kind == taxonomy.Uses {
		return taxonomy.CanonicalUse(key)
	}
	return key
}

// taxonomyProblem returns a message and hint when key is not a taxonomy key
// of kind and not a custom key properly extending one, or "" when it is fine.
// A custom key whose first new segment is close to a taxonomy key is taken
// for a typo.
func taxonomyProblem(kind taxonomy.Kind, key string) (msg, hint string) {
	if !validKey(key) {
		return "\"" + key + "\" is not a valid key", keyHint
	}
	key = canonical(kind, key)
	root, ok := taxonomy.Root(kind, key)
	if !ok {
		top, _, _ := strings.Cut(key, ".")
		h := didYouMean(top, taxonomy.Children(kind, ""))
		return "\"" + key + "\" does not extend the " + kind.String() + " taxonomy", h
	}
	if root == key {
		return "", ""
	}
	next := key
	if i := strings.IndexByte(key[len(root)+1:], '.'); i >= 0 {
		next = key[:len(root)+1+i]
	}
	if s := suggest(next, taxonomy.Children(kind, root)); s != "" {
		return "\"" + key + "\" is not a taxonomy key", "did you mean " + s + "? A custom key must not look like a misspelled taxonomy key"
	}
	return "", ""
}
