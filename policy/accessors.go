package policy

import "slices"

// The accessors below give the rest of steward (the vault, the retention
// job, the rights workflow) what it needs from a compiled policy. They return
// copies: a Decider never changes after Compile.

// Version returns the policy version (organisation.version) that consents
// are recorded against.
func (d *Decider) Version() string { return d.version }

// CategoryDeclared reports whether data may be stored under key: the key is
// a declared category or lies below one (user.contact.email is declared when
// user.contact is).
func (d *Decider) CategoryDeclared(key string) bool {
	id, _, ok := d.cats.lookup(key)
	return ok && d.catNodes[id].declared >= 0
}

// Retention returns the retention rule for data under key: the rule of the
// most specific declared category covering it. For example
// Retention("system.operations.request_log") gives PT24H when the policy says
// so. It returns false when the key is not declared.
func (d *Decider) Retention(key string) (Retention, bool) {
	id, _, ok := d.cats.lookup(key)
	if !ok || d.catNodes[id].declared < 0 {
		return Retention{}, false
	}
	return d.categories[d.catNodes[id].declared].Retention, true
}

// Categories returns the declared categories, in policy order.
func (d *Decider) Categories() []Category { return cloneCategories(d.categories) }

// Essential reports whether the declared purpose covering purpose is marked
// essential: allowed despite a restriction or an objection.
func (d *Decider) Essential(purpose string) bool {
	pur := d.purpose(purpose)
	return pur != nil && pur.essential
}

// EssentialPurposes returns the keys of the essential purposes.
func (d *Decider) EssentialPurposes() []string {
	var out []string
	for _, p := range d.purposes {
		if p.essential {
			out = append(out, p.key)
		}
	}
	return out
}

// Purposes returns the keys of the declared purposes, in policy order.
func (d *Decider) Purposes() []string {
	out := make([]string, len(d.purposes))
	for i, p := range d.purposes {
		out[i] = p.key
	}
	return out
}

// CategoriesFor returns the category keys purpose may read, for listing a
// subject's data by purpose: each declared category the purpose's grants
// cover, or the granted keys below a declared category. Keys a prohibition
// touches for this purpose are left out. A record stored under a key below a
// listed one is covered by it unless a prohibition carves that key out, so
// the caller still asks Decide with each record's own key.
func (d *Decider) CategoriesFor(purpose string) []string {
	uid, _, ok := d.uses.lookup(purpose)
	if !ok || d.useNodes[uid].purpose < 0 {
		return nil
	}
	var out []string
	for _, key := range d.purposes[d.useNodes[uid].purpose].readable {
		id, _, _ := d.cats.lookup(key)
		if !d.prohibitedFor(d.useNodes[uid].prohibited, id) {
			out = append(out, key)
		}
	}
	return out
}

// prohibitedFor reports whether one of the prohibitions applies to the exact
// category node.
func (d *Decider) prohibitedFor(prohibitions []int32, node int32) bool {
	for _, x := range prohibitions {
		if p := &d.prohibits[x]; !p.scoped || p.applies(node, true) {
			return true
		}
	}
	return false
}

// MinimumAge returns the minimum age and what happens below it.
func (d *Decider) MinimumAge() (int, AgeAction) { return d.minAge, d.below }

// Rights returns the declared data subject rights with their deadlines.
func (d *Decider) Rights() []Right { return slices.Clone(d.rights) }

// Right returns one declared right, and false when the policy does not
// declare it.
func (d *Decider) Right(kind RightKind) (Right, bool) {
	for _, r := range d.rights {
		if r.Kind == kind {
			return r, true
		}
	}
	return Right{}, false
}

// Justifications returns the staff justifications the policy accepts.
func (d *Decider) Justifications() []Justification { return slices.Clone(d.justifiers) }

// Processors returns the declared sub-processors, in policy order.
func (d *Decider) Processors() []Processor { return cloneProcessors(d.processors) }

// purpose returns the compiled purpose covering key, or nil.
func (d *Decider) purpose(key string) *cPurpose {
	id, _, ok := d.uses.lookup(key)
	if !ok || d.useNodes[id].purpose < 0 {
		return nil
	}
	return &d.purposes[d.useNodes[id].purpose]
}
