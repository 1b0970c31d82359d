package policy

import (
	"fmt"

	"github.com/steward-privacy/steward/policy/taxonomy"
)

// Check returns what is wrong with the meaning of a parsed policy (nil when
// nothing is): undeclared categories, missing retention rules, prohibited
// uses granted anyway, processors receiving what none of their purposes may
// use, retention a processor contradicts, transfers without safeguards, and
// so on. Each problem has the position of the element at fault.
func (p *Policy) Check() Problems {
	c := &checker{p: p}
	c.header()
	c.subjects()
	c.categories()
	c.purposes()
	c.prohibitions()
	c.processors()
	c.regions()
	c.rights()
	c.staff()
	c.security()
	c.children()
	c.signals()
	c.changes()
	c.problems.sort()
	return c.problems
}

// checker accumulates the problems of one policy.
type checker struct {
	p        *Policy
	problems Problems
}

// add records a problem at the position of path.
func (c *checker) add(path, hint, format string, args ...any) {
	pos := c.p.Pos(path)
	c.problems = append(c.problems, Problem{
		File: c.p.file, Line: pos.Line, Col: pos.Col, Path: path,
		Message: fmt.Sprintf(format, args...), Hint: hint,
	})
}

// require records "path is missing" unless present.
func (c *checker) require(present bool, path, hint string) {
	if !present {
		c.add(path, hint, "%s is missing", path)
	}
}

// key records a problem when key is not a taxonomy key of kind or a proper
// extension of one.
func (c *checker) key(kind taxonomy.Kind, key, path string) bool {
	if msg, hint := taxonomyProblem(kind, key); msg != "" {
		c.add(path, hint, "%s", msg)
		return false
	}
	return true
}

func (c *checker) header() {
	o := c.p.Organisation
	c.require(c.p.Steward != "", "steward", "start the file with: steward: "+Version)
	c.require(o.Name != "", "organisation.name", "")
	c.require(o.Contact != "", "organisation.contact", "an email address or web page for privacy questions")
	c.require(o.Effective != "", "organisation.effective", "the date the policy takes effect, as YYYY-MM-DD")
	c.require(o.Version != "", "organisation.version", "consents are recorded against this version, e.g. \"2026-05\"")
	if o.DPO != nil {
		c.require(o.DPO.Contact != "", "organisation.dpo.contact", "")
	}
}

func (c *checker) subjects() {
	c.require(len(c.p.Subjects) > 0, "subjects", "list whose data you process, e.g. customer: People with an account")
	known := taxonomy.Keys(taxonomy.Subjects)
	for _, s := range c.p.Subjects {
		path := "subjects[" + s.Key + "]"
		switch {
		case !validName(s.Key):
			c.add(path, "use a lowercase word such as customer or visitor", "%q is not a valid data subject key", s.Key)
		case !taxonomy.Has(taxonomy.Subjects, s.Key) && suggest(s.Key, known) != "":
			c.add(path, didYouMean(s.Key, known), "%q is not a data subject of the taxonomy", s.Key)
		}
		c.require(s.Description != "", path, "")
	}
}

func (c *checker) categories() {
	c.require(len(c.p.Categories) > 0, "categories", "declare the data categories you collect")
	for _, cat := range c.p.Categories {
		path := "categories[" + cat.Key + "]"
		c.key(taxonomy.Categories, cat.Key, path)
		c.require(cat.Description != "", path+".description", "")
		c.require(len(cat.Collection) > 0, path+".collection", "say how it is collected: subject, automatic, connected, third-party or public")
		c.retention(cat.Retention, path+".retention")
		if cat.Retention.Kind == RetainAsCategory {
			c.add(path+".retention", "write the category's own rule, e.g. P30D", "same-as-category is for processors; a category needs its own rule")
		}
		for i, s := range cat.Collection {
			c.source(s, fmt.Sprintf("%s.collection[%d]", path, i))
		}
		if !c.used(cat.Key) {
			c.add(path, "add it to the categories of a purpose, or stop collecting it", "category %s is collected but no purpose uses it", cat.Key)
		}
	}
}

// retention checks that a rule is present and complete.
func (c *checker) retention(r Retention, path string) {
	c.require(!r.IsZero(), path, retentionHint)
	if r.Kind == RetainUntilPurposeFulfilled && r.Max.IsZero() {
		c.add(path, "write {rule: until-purpose-fulfilled, max: P90D}", "until-purpose-fulfilled needs a maximum")
	}
}

func (c *checker) source(s Source, path string) {
	c.require(s.From != "", path+".from", "")
	if s.From == FromConnected {
		c.require(s.System != "", path+".system", "name the kind of system: "+fmt.Sprint(enumStrings(systemKinds)))
		return
	}
	if s.System != "" || s.Name != "" || len(s.Scopes) > 0 {
		c.add(path, "system, name and scopes describe connected systems: write from: connected", "a %s source has no system, name or scopes", s.From)
	}
}

// used reports whether a purpose's grant covers the category or lies under it.
func (c *checker) used(key string) bool {
	for _, pu := range c.p.Purposes {
		for _, g := range pu.Categories {
			if related(g, key) {
				return true
			}
		}
	}
	return false
}

// declared reports whether a category key is related to a declared category:
// the key lies under one, or covers one.
func (c *checker) declared(key string) bool {
	for _, cat := range c.p.Categories {
		if related(cat.Key, key) {
			return true
		}
	}
	return false
}

// categoryKeys lists the declared category keys, for hints.
func (c *checker) categoryKeys() []string {
	out := make([]string, len(c.p.Categories))
	for i, cat := range c.p.Categories {
		out[i] = cat.Key
	}
	return out
}

// categoryRef checks a category key used by a purpose, processor or
// prohibition: it must be well formed and related to a declared category.
func (c *checker) categoryRef(key, path, owner string) {
	switch {
	case !validKey(key):
		c.add(path, keyHint, "%q is not a valid key", key)
	case !c.declared(key):
		hint := "declare it under categories"
		if s := suggest(key, c.categoryKeys()); s != "" {
			hint = fmt.Sprintf("did you mean %q?", s)
		}
		c.add(path, hint, "%s uses undeclared category %s", owner, key)
	}
}
