package policy

import (
	"fmt"
	"slices"

	"github.com/steward-privacy/steward/policy/taxonomy"
)

func (c *checker) purposes() {
	c.require(len(c.p.Purposes) > 0, "purposes", "declare why you use the data")
	seen := map[string]string{}
	for _, pu := range c.p.Purposes {
		path := "purposes[" + pu.Key + "]"
		if c.key(taxonomy.Uses, pu.Key, path) {
			if other, dup := seen[canonical(taxonomy.Uses, pu.Key)]; dup {
				c.add(path, "personalize.profiling is an alias of personalize.content.profiling", "purpose %s is declared twice (also as %s)", pu.Key, other)
			}
			seen[canonical(taxonomy.Uses, pu.Key)] = pu.Key
		}
		c.require(pu.Description != "", path+".description", "")
		c.require(pu.Basis != "", path+".basis", "one of: "+fmt.Sprint(enumStrings(Bases)))
		c.require(len(pu.Categories) > 0, path+".categories", "list the categories this purpose may use")
		for i, g := range pu.Categories {
			c.categoryRef(g, fmt.Sprintf("%s.categories[%d]", path, i), "purpose "+pu.Key)
		}
		if pu.Basis == BasisConsent && pu.Withdraw == "" && c.p.Rights.ConsentWithdrawal == nil {
			c.add(path, "say how to withdraw with withdraw: ..., or declare rights.consent_withdrawal", "purpose %s is based on consent but gives no way to withdraw it", pu.Key)
		}
		if i, ok := c.prohibitedUse(pu.Key, pu.Categories); ok {
			c.add(path, "a prohibition cannot be overridden: remove the purpose or narrow the prohibition", "purpose %s is prohibited by %s", pu.Key, c.describeProhibition(i))
		}
	}
}

func (c *checker) prohibitions() {
	for i, x := range c.p.Prohibited {
		path := fmt.Sprintf("prohibited[%d]", i)
		switch {
		case x.Use == "" && len(x.Recipients) == 0:
			c.add(path, "write use: <data use> or recipients: [<processor kind>]", "a prohibition needs a use or recipients")
		case x.Use != "" && len(x.Recipients) > 0:
			c.add(path, "split it into two prohibitions", "a prohibition names a use or recipients, not both")
		case x.Use != "":
			c.key(taxonomy.Uses, x.Use, path+".use")
		}
		for j, cat := range x.Categories {
			c.key(taxonomy.Categories, cat, fmt.Sprintf("%s.categories[%d]", path, j))
		}
		c.require(x.Description != "", path+".description", "say in words what you never do; the notice prints it")
	}
}

// prohibitedUse returns the index of a use prohibition that forbids use with
// the given categories: the prohibited use covers it, and the prohibition
// has no category scope or one of the categories lies within the scope.
// A use that only overlaps a scope (user.content when user.content.self_image
// is prohibited) is allowed: the decision carves the prohibited part out.
func (c *checker) prohibitedUse(use string, cats []string) (int, bool) {
	use = canonical(taxonomy.Uses, use)
	for i, x := range c.p.Prohibited {
		if x.Use != "" && covers(canonical(taxonomy.Uses, x.Use), use) && (len(x.Categories) == 0 || anyWithin(cats, x.Categories)) {
			return i, true
		}
	}
	return 0, false
}

// prohibitedRecipient returns the index of a prohibition that forbids
// sending the categories to a processor of the given kind.
func (c *checker) prohibitedRecipient(kind ProcessorKind, cats []string) (int, bool) {
	for i, x := range c.p.Prohibited {
		if slices.Contains(x.Recipients, kind) && (len(x.Categories) == 0 || anyWithin(cats, x.Categories)) {
			return i, true
		}
	}
	return 0, false
}

func (c *checker) describeProhibition(i int) string {
	x := c.p.Prohibited[i]
	if x.Use != "" {
		return fmt.Sprintf("prohibited[%d] (use %s)", i, x.Use)
	}
	return fmt.Sprintf("prohibited[%d] (recipients %v)", i, enumStrings(x.Recipients))
}

// anyWithin reports whether one of keys lies within (is covered by) one of
// scope.
func anyWithin(keys, scope []string) bool {
	for _, k := range keys {
		for _, s := range scope {
			if covers(s, k) {
				return true
			}
		}
	}
	return false
}
