// Package taxonomy holds the keys of the Fideslang privacy taxonomy (CC BY 4.0,
// Ethyca) that steward policies build on: data categories, data uses and data
// subjects. The keys are embedded, so the binary needs no file at run time.
//
// Keys are dotted paths: the parent of "user.contact.email" is "user.contact".
// Policies may declare their own keys under these (for example
// "user.content.prompt"); this package only knows the published ones.
package taxonomy

import (
	"embed"
	"slices"
	"strings"
	"sync"
)

//go:embed data_categories.txt data_uses.txt data_subjects.txt
var files embed.FS

// Kind names one of the three key lists.
type Kind int

// The three key lists of the taxonomy.
const (
	Categories Kind = iota // data categories: what kind of personal data
	Uses                   // data uses: purposes of processing
	Subjects               // data subjects: whose data
)

// String returns the name of the kind as used in messages.
func (k Kind) String() string {
	switch k {
	case Categories:
		return "data category"
	case Uses:
		return "data use"
	case Subjects:
		return "data subject"
	}
	return "unknown kind"
}

// The deprecated use key and the key that replaces it.
const (
	deprecatedProfiling = "personalize.profiling"
	canonicalProfiling  = "personalize.content.profiling"
)

type list struct {
	keys []string
	set  map[string]struct{}
}

var lists = sync.OnceValue(func() [3]list {
	var out [3]list
	for kind, name := range []string{"data_categories.txt", "data_uses.txt", "data_subjects.txt"} {
		b, err := files.ReadFile(name)
		if err != nil {
			panic("taxonomy: embedded file missing: " + name) // impossible: checked by go:embed
		}
		l := list{set: map[string]struct{}{}}
		for line := range strings.Lines(string(b)) {
			key := strings.TrimSpace(line)
			if key == "" || strings.HasPrefix(key, "#") {
				continue
			}
			l.keys = append(l.keys, key)
			l.set[key] = struct{}{}
		}
		out[kind] = l
	}
	return out
})

// Keys returns the published keys of kind k in file order. The caller may
// modify the returned slice.
func Keys(k Kind) []string {
	if k < Categories || k > Subjects {
		return nil
	}
	return slices.Clone(lists()[k].keys)
}

// Has reports whether key is a published key of kind k.
func Has(k Kind, key string) bool {
	if k < Categories || k > Subjects {
		return false
	}
	_, ok := lists()[k].set[key]
	return ok
}

// Root returns the longest published key of kind k that is key itself or one
// of its ancestors, and false when no ancestor is published (the key does not
// extend the taxonomy).
func Root(k Kind, key string) (string, bool) {
	for {
		if Has(k, key) {
			return key, true
		}
		i := strings.LastIndexByte(key, '.')
		if i < 0 {
			return "", false
		}
		key = key[:i]
	}
}

// Children returns the published keys of kind k whose parent is key, in file
// order ("" returns the top-level keys).
func Children(k Kind, key string) []string {
	var out []string
	for _, c := range Keys(k) {
		if Parent(c) == key {
			out = append(out, c)
		}
	}
	return out
}

// Parent returns key without its last dotted segment, or "" for a top-level key.
func Parent(key string) string {
	i := strings.LastIndexByte(key, '.')
	if i < 0 {
		return ""
	}
	return key[:i]
}

// CanonicalUse returns the use key with the deprecated prefix
// "personalize.profiling" replaced by "personalize.content.profiling"; other
// keys are returned unchanged.
func CanonicalUse(key string) string {
	if key == deprecatedProfiling {
		return canonicalProfiling
	}
	if rest, ok := strings.CutPrefix(key, deprecatedProfiling+"."); ok {
		return canonicalProfiling + "." + rest
	}
	return key
}

// DeprecatedUse returns the deprecated spelling of a canonical use key under
// "personalize.content.profiling", and false for any other key. It lets an
// index accept both spellings.
func DeprecatedUse(key string) (string, bool) {
	if key == canonicalProfiling {
		return deprecatedProfiling, true
	}
	if rest, ok := strings.CutPrefix(key, canonicalProfiling+"."); ok {
		return deprecatedProfiling + "." + rest, true
	}
	return "", false
}
