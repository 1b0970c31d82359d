package policy

import (
	"fmt"
	"slices"

	"github.com/steward-privacy/steward/policy/taxonomy"
)

func (c *checker) processors() {
	for _, pr := range c.p.Processors {
		path := "processors[" + pr.Key + "]"
		if !validName(pr.Key) {
			c.add(path, "use a lowercase name such as cloud-host", "%q is not a valid processor key", pr.Key)
		}
		c.require(pr.Name != "", path+".name", "")
		c.require(pr.Kind != "", path+".kind", "one of: "+fmt.Sprint(enumStrings(ProcessorKinds)))
		c.require(len(pr.Purposes) > 0, path+".purposes", "list the purposes it serves")
		c.require(len(pr.Categories) > 0, path+".categories", "list the categories it receives")
		c.require(len(pr.Locations) > 0, path+".locations", "list the regions where it processes data, e.g. [us, eu]")
		c.retention(pr.Retention, path+".retention")
		for i, k := range pr.Purposes {
			c.processorPurpose(pr, k, fmt.Sprintf("%s.purposes[%d]", path, i))
		}
		for i, cat := range pr.Categories {
			c.processorCategory(pr, cat, fmt.Sprintf("%s.categories[%d]", path, i))
		}
		if i, ok := c.prohibitedRecipient(pr.Kind, pr.Categories); ok {
			c.add(path+".kind", "a prohibition cannot be overridden: remove the processor or narrow the prohibition", "processor %s (%s) is prohibited by %s", pr.Key, pr.Kind, c.describeProhibition(i))
		}
		if pr.Train && !slices.ContainsFunc(pr.Purposes, func(k string) bool { return covers("train_ai_system", k) }) {
			c.add(path+".train", "add train_ai_system to its purposes (and declare that purpose), or set train: false", "processor %s may train on the data, but none of its purposes is train_ai_system", pr.Key)
		}
		if i := slices.IndexFunc(pr.Purposes, func(k string) bool { return covers("train_ai_system", k) }); !pr.Train && i >= 0 {
			c.add(fmt.Sprintf("%s.purposes[%d]", path, i), "set train: true, or remove the training purpose", "processor %s serves a training purpose but may not train (train: false)", pr.Key)
		}
		transfer := slices.ContainsFunc(pr.Safeguards, Safeguard.IsTransferMechanism)
		for i, loc := range pr.Locations {
			lpath := fmt.Sprintf("%s.locations[%d]", path, i)
			if !validName(loc) {
				c.add(lpath, regionHint, "%q is not a valid region", loc)
				continue
			}
			if !transfer && !c.allowedRegion(loc) {
				c.add(lpath, "add sccs (or bcr, adequacy, dpf) to its safeguards, or declare a transfer to "+loc+" under regions.transfers",
					"processor %s is located in %s, outside the allowed regions, without a transfer safeguard", pr.Key, loc)
			}
		}
	}
}

const regionHint = "regions are lowercase names such as us, eu, au, af, asia or on-prem"

// processorPurpose checks one purpose a processor serves: it must be a
// declared purpose (or lie under one) and not be prohibited.
func (c *checker) processorPurpose(pr Processor, k, path string) {
	if msg, hint := taxonomyProblem(taxonomy.Uses, k); msg != "" {
		c.add(path, hint, "%s", msg)
		return
	}
	if _, ok := c.p.PurposeFor(k); !ok {
		c.add(path, "declare the purpose under purposes", "processor %s serves undeclared purpose %s", pr.Key, k)
	}
	if i, ok := c.prohibitedUse(k, pr.Categories); ok {
		c.add(path, "a prohibition cannot be overridden", "processor %s serves %s, which is prohibited by %s", pr.Key, k, c.describeProhibition(i))
	}
}

// processorCategory checks one category a processor receives: it must be
// declared, one of the processor's purposes must be allowed to use it, and
// the processor may not keep it longer than the category's retention.
func (c *checker) processorCategory(pr Processor, cat, path string) {
	before := len(c.problems)
	c.categoryRef(cat, path, "processor "+pr.Key)
	if len(c.problems) > before {
		return
	}
	usable := false
	for _, k := range pr.Purposes {
		if pu, ok := c.p.PurposeFor(k); ok && slices.ContainsFunc(pu.Categories, func(g string) bool { return covers(g, cat) }) {
			usable = true
		}
	}
	if !usable {
		c.add(path, "add the category to one of its purposes, or stop sending it", "processor %s receives %s, which none of its purposes may use", pr.Key, cat)
	}
	for _, rule := range c.rulesFor(cat) {
		if pr.Retention.Outlives(rule.Retention) {
			c.add(path, "shorten the processor's retention or lengthen the category's",
				"processor %s keeps %s (%s) longer than category %s allows (%s)", pr.Key, cat, pr.Retention, rule.Key, rule.Retention)
		}
	}
}

// rulesFor returns the declared categories whose retention applies to data
// sent under key: the most specific one covering key, and every one below it.
func (c *checker) rulesFor(key string) []Category {
	var out []Category
	for _, cat := range c.p.Categories {
		if covers(key, cat.Key) && cat.Key != key {
			out = append(out, cat)
		}
	}
	if cat, ok := c.p.CategoryFor(key); ok {
		out = append(out, cat)
	}
	return out
}

// allowedRegion reports whether data may be in region: a storage region or
// the destination of a declared transfer.
func (c *checker) allowedRegion(region string) bool {
	r := c.p.Regions
	if slices.Contains(r.Storage, region) {
		return true
	}
	return slices.ContainsFunc(r.Transfers, func(t Transfer) bool { return slices.Contains(t.To, region) })
}

func (c *checker) regions() {
	r := c.p.Regions
	c.require(len(r.Storage) > 0, "regions.storage", "list where data is stored, e.g. [eu]")
	for i, s := range r.Storage {
		if !validName(s) {
			c.add(fmt.Sprintf("regions.storage[%d]", i), regionHint, "%q is not a valid region", s)
		}
	}
	for i, t := range r.Transfers {
		path := fmt.Sprintf("regions.transfers[%d]", i)
		c.require(len(t.To) > 0, path+".to", "")
		c.require(t.Safeguard != "", path+".safeguard", "sccs, bcr, adequacy or dpf")
		if t.Safeguard == SafeguardDPA {
			c.add(path+".safeguard", "use sccs, bcr, adequacy or dpf", "a data processing agreement alone does not allow a transfer")
		}
		for j, from := range t.From {
			if !slices.Contains(r.Storage, from) {
				c.add(fmt.Sprintf("%s.from[%d]", path, j), "transfers start from a storage region", "%s is not a storage region", from)
			}
		}
		for j, to := range t.To {
			if !validName(to) {
				c.add(fmt.Sprintf("%s.to[%d]", path, j), regionHint, "%q is not a valid region", to)
			}
		}
	}
}
