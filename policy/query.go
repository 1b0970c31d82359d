package policy

import (
	"slices"

	"github.com/steward-privacy/steward/policy/taxonomy"
)

// CategoryFor returns the most specific declared category covering key, and
// false when no declared category does.
func (p *Policy) CategoryFor(key string) (Category, bool) {
	best := -1
	for i, c := range p.Categories {
		if covers(c.Key, key) && (best < 0 || len(c.Key) > len(p.Categories[best].Key)) {
			best = i
		}
	}
	if best < 0 {
		return Category{}, false
	}
	return p.Categories[best], true
}

// Expand lists what keys (a purpose's or a processor's categories) stand
// for: the declared categories they cover, in policy order, then the keys
// that lie below a declared category without covering one. A key related to
// no declared category is left out.
func (p *Policy) Expand(keys []string) []string {
	var out []string
	for _, c := range p.Categories {
		if slices.ContainsFunc(keys, func(k string) bool { return covers(k, c.Key) }) {
			out = append(out, c.Key)
		}
	}
	for _, k := range keys {
		if _, below := p.CategoryFor(k); below && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// PurposeFor returns the most specific declared purpose covering the use key
// (the deprecated spelling of a use key is accepted), and false when no
// declared purpose does.
func (p *Policy) PurposeFor(key string) (Purpose, bool) {
	key = canonical(taxonomy.Uses, key)
	best := -1
	for i, pu := range p.Purposes {
		k := canonical(taxonomy.Uses, pu.Key)
		if covers(k, key) && (best < 0 || len(k) > len(canonical(taxonomy.Uses, p.Purposes[best].Key))) {
			best = i
		}
	}
	if best < 0 {
		return Purpose{}, false
	}
	return p.Purposes[best], true
}
