// Package diff lists the changes between two versions of a policy and marks
// the material ones: those that let the service do more with personal data,
// or do it with less protection, and so must be announced to the people
// concerned (a new category, purpose, processor or location; longer
// retention; a weaker legal basis; a removed right or prohibition; ...).
package diff

import (
	"fmt"
	"slices"
	"strings"
)

// Change is one difference between two policies.
type Change struct {
	// Kind is "added", "removed" or "changed".
	Kind string `json:"kind"`
	// Path names the element, as in policy problems ("processors[cdn].locations").
	Path string `json:"path"`
	// Old and New are the values before and after, for "changed".
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`
	// Material is set when the change must be announced.
	Material bool `json:"material"`
	// Why says what makes the change material.
	Why string `json:"why,omitempty"`
}

// Change kinds.
const (
	Added   = "added"
	Removed = "removed"
	Changed = "changed"
)

// String formats the change on one line: "+" added, "-" removed, "~"
// changed, with the reason when it is material.
func (c Change) String() string {
	mark := map[string]string{Added: "+", Removed: "-", Changed: "~"}[c.Kind]
	s := mark + " " + c.Path
	if c.Kind == Changed {
		s += ": " + orEmpty(c.Old) + " -> " + orEmpty(c.New)
	} else if c.New != "" {
		s += ": " + c.New
	} else if c.Old != "" {
		s += ": " + c.Old
	}
	if c.Material {
		s += " (material: " + c.Why + ")"
	}
	return s
}

func orEmpty(s string) string {
	if s == "" {
		return `""`
	}
	return s
}

// Material returns the material changes.
func Material(cs []Change) []Change {
	var out []Change
	for _, c := range cs {
		if c.Material {
			out = append(out, c)
		}
	}
	return out
}

// differ collects changes.
type differ struct{ changes []Change }

// rule says whether a change of some kind is material, and why.
type rule struct {
	material bool
	why      string
}

var minor = rule{}

func material(why string) rule { return rule{true, why} }

func (d *differ) add(kind, path, old, new string, r rule) {
	d.changes = append(d.changes, Change{Kind: kind, Path: path, Old: old, New: new, Material: r.material, Why: r.why})
}

// value records a change of a single value. r applies when changed says the
// change is material (nil: always r).
func (d *differ) value(path, old, new string, r rule, changed func() bool) {
	if old == new {
		return
	}
	if changed != nil && !changed() {
		r = minor
	}
	d.add(Changed, path, old, new, r)
}

// set records the elements added to and removed from a list of names.
func (d *differ) set(path string, old, new []string, added, removed rule) {
	for _, s := range new {
		if !slices.Contains(old, s) {
			d.add(Added, path, "", s, added)
		}
	}
	for _, s := range old {
		if !slices.Contains(new, s) {
			d.add(Removed, path, s, "", removed)
		}
	}
}

// keyed compares two keyed collections: added and removed entries by key,
// and the entries present in both with compare.
func keyed[T any](d *differ, section string, old, new []T, key func(T) string, label func(T) string, added, removed rule, compare func(path string, a, b T)) {
	find := func(list []T, k string) (T, bool) {
		for _, x := range list {
			if key(x) == k {
				return x, true
			}
		}
		var zero T
		return zero, false
	}
	for _, n := range new {
		path := section + "[" + key(n) + "]"
		if o, ok := find(old, key(n)); ok {
			compare(path, o, n)
		} else {
			d.add(Added, path, "", label(n), added)
		}
	}
	for _, o := range old {
		if _, ok := find(new, key(o)); !ok {
			d.add(Removed, section+"["+key(o)+"]", label(o), "", removed)
		}
	}
}

// flag records a boolean that changed; r applies when it changed to
// risky.
func (d *differ) flag(path string, old, new, risky bool, r rule) {
	if old == new {
		return
	}
	if new != risky {
		r = minor
	}
	d.add(Changed, path, fmt.Sprint(old), fmt.Sprint(new), r)
}

// sorted returns a sorted copy, for identities of unordered lists.
func sorted(items []string) string {
	s := slices.Clone(items)
	slices.Sort(s)
	return strings.Join(s, ",")
}
