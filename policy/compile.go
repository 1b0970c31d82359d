package policy

import (
	"slices"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/policy/taxonomy"
)

// Decider is a compiled policy: immutable, safe for concurrent use, and
// answering Decide without allocating. Build one with Compile.
type Decider struct {
	cats     *index
	catNodes []catNode
	uses     *index
	useNodes []useNode

	purposes   []cPurpose
	prohibits  []cProhibition
	procIDs    map[string]int32
	procs      []cProcessor
	storage    []string
	gpc        bool
	below      AgeAction
	justifiers []Justification

	// Copies of the policy for the accessors.
	version    string
	org        Organisation
	minAge     int
	categories []Category
	rights     []Right
	processors []Processor
}

// catNode is what the Decider knows about one category node.
type catNode struct {
	declared  int32 // most specific declared category covering the node, or -1
	ephemeral bool  // that category is ephemeral
}

// useNode is what the Decider knows about one use node.
type useNode struct {
	purpose    int32   // most specific declared purpose covering the node, or -1
	prohibited []int32 // use prohibitions covering the node
	gpc        bool    // a GPC use covers the node
}

type cPurpose struct {
	key        string
	desc       string
	basis      Basis
	essential  bool
	humanNever bool
	grants     bitset // category nodes the purpose may use
	oblige     Obligations
	readable   []string // CategoriesFor
}

type cProhibition struct {
	description string
	scoped      bool
	covered     bitset // category nodes within the scope
	overlap     bitset // category nodes within the scope or above part of it
}

type cProcessor struct {
	key        string
	kind       ProcessorKind
	serves     bitset  // use nodes the processor serves
	receives   bitset  // category nodes it may receive
	fromRegion bitset  // storage regions (by index) whose data may go to it
	prohibited []int32 // recipient prohibitions naming its kind
	oblige     Obligations
}

// Compile checks p and compiles it into a Decider. A policy with problems is
// refused with an EINVALID *steward.Error wrapping the Problems.
func Compile(p *Policy) (*Decider, error) {
	if p == nil {
		return nil, steward.Errorf(steward.EINVALID, "no policy to compile")
	}
	if ps := p.Check(); len(ps) > 0 {
		return nil, invalid(p.file, ps)
	}
	d := &Decider{
		cats: newIndex(), uses: newIndex(), procIDs: map[string]int32{},
		storage: slices.Clone(p.Regions.Storage), gpc: p.Signals.GPC == Honored,
		below: p.Children.Below, justifiers: slices.Clone(p.Staff.Justifications),
		version: p.Organisation.Version, org: p.Organisation, minAge: p.Children.MinimumAge,
		categories: cloneCategories(p.Categories), rights: p.Rights.List(),
		processors: cloneProcessors(p.Processors),
	}
	d.indexKeys(p)
	d.compileCategories(p)
	d.compileUses(p)
	d.compilePurposes(p)
	d.compileProhibitions(p)
	d.compileProcessors(p)
	return d, nil
}

// useKey is the canonical form of a use key.
func useKey(k string) string { return canonical(taxonomy.Uses, k) }

// indexKeys numbers every category and use key the policy mentions.
func (d *Decider) indexKeys(p *Policy) {
	for _, c := range p.Categories {
		d.cats.add(c.Key)
	}
	for _, pu := range p.Purposes {
		d.uses.add(useKey(pu.Key))
		for _, g := range pu.Categories {
			d.cats.add(g)
		}
	}
	for _, x := range p.Prohibited {
		if x.Use != "" {
			d.uses.add(useKey(x.Use))
		}
		for _, s := range x.Categories {
			d.cats.add(s)
		}
	}
	for _, pr := range p.Processors {
		for _, k := range pr.Purposes {
			d.uses.add(useKey(k))
		}
		for _, c := range pr.Categories {
			d.cats.add(c)
		}
	}
	for _, u := range gpcUses(p) {
		d.uses.add(useKey(u))
	}
	for id, key := range slices.Clone(d.uses.keys) {
		if alias, ok := taxonomy.DeprecatedUse(key); ok {
			d.uses.alias(alias, int32(id))
		}
	}
}

// gpcUses returns the uses a GPC signal opts out of.
func gpcUses(p *Policy) []string {
	if len(p.Signals.GPCUses) > 0 {
		return p.Signals.GPCUses
	}
	return DefaultGPCUses
}

func (d *Decider) compileCategories(p *Policy) {
	d.catNodes = make([]catNode, d.cats.size())
	for id, key := range d.cats.keys {
		n := catNode{declared: -1}
		for i, c := range p.Categories {
			if covers(c.Key, key) && (n.declared < 0 || len(c.Key) > len(p.Categories[n.declared].Key)) {
				n.declared = int32(i)
			}
		}
		if n.declared >= 0 {
			n.ephemeral = p.Categories[n.declared].Retention.Kind == RetainEphemeral
		}
		d.catNodes[id] = n
	}
}

func (d *Decider) compileUses(p *Policy) {
	d.useNodes = make([]useNode, d.uses.size())
	for id, key := range d.uses.keys {
		n := useNode{purpose: -1}
		for i, pu := range p.Purposes {
			k := useKey(pu.Key)
			if covers(k, key) && (n.purpose < 0 || len(k) > len(useKey(p.Purposes[n.purpose].Key))) {
				n.purpose = int32(i)
			}
		}
		for i, x := range p.Prohibited {
			if x.Use != "" && covers(useKey(x.Use), key) {
				n.prohibited = append(n.prohibited, int32(i))
			}
		}
		n.gpc = slices.ContainsFunc(gpcUses(p), func(u string) bool { return covers(useKey(u), key) })
		d.useNodes[id] = n
	}
}

func (d *Decider) compilePurposes(p *Policy) {
	for _, pu := range p.Purposes {
		c := cPurpose{
			key: pu.Key, desc: pu.Description, basis: pu.Basis, essential: pu.Essential,
			humanNever: pu.HumanAccess == HumanNever,
			grants: d.cats.where(func(k string) bool {
				return slices.ContainsFunc(pu.Categories, func(g string) bool { return covers(g, k) })
			}),
		}
		if pu.Aggregate {
			c.oblige |= ObligeAggregateOnly
		}
		if pu.UserVisible {
			c.oblige |= ObligeUserVisibleOnly
		}
		if pu.RedactPII {
			c.oblige |= ObligeRedactPII
		}
		d.purposes = append(d.purposes, c)
	}
	for i := range d.purposes {
		d.purposes[i].readable = p.Expand(p.Purposes[i].Categories)
	}
}

func (d *Decider) compileProhibitions(p *Policy) {
	for _, x := range p.Prohibited {
		c := cProhibition{description: x.Description, scoped: len(x.Categories) > 0}
		c.covered = d.cats.where(func(k string) bool { return anyWithin([]string{k}, x.Categories) })
		c.overlap = d.cats.where(func(k string) bool {
			return slices.ContainsFunc(x.Categories, func(s string) bool { return related(s, k) })
		})
		d.prohibits = append(d.prohibits, c)
	}
}

func (d *Decider) compileProcessors(p *Policy) {
	for i, pr := range p.Processors {
		c := cProcessor{
			key: pr.Key, kind: pr.Kind,
			serves: d.uses.where(func(k string) bool {
				return slices.ContainsFunc(pr.Purposes, func(s string) bool { return covers(useKey(s), k) })
			}),
			receives:   d.cats.where(func(k string) bool { return anyWithin([]string{k}, pr.Categories) }),
			fromRegion: newBitset(len(d.storage)),
		}
		for j, region := range d.storage {
			if transferAllowed(p, pr, region) {
				c.fromRegion.set(int32(j))
			}
		}
		for j, x := range p.Prohibited {
			if slices.Contains(x.Recipients, pr.Kind) {
				c.prohibited = append(c.prohibited, int32(j))
			}
		}
		if !pr.Train {
			c.oblige |= ObligeNoTraining
		}
		if pr.RedactPII {
			c.oblige |= ObligeRedactPII
		}
		d.procIDs[pr.Key] = int32(i)
		d.procs = append(d.procs, c)
	}
}

// transferAllowed reports whether data stored in region may go to the
// processor: it is located there, a declared transfer covers one of its
// locations, or it has a transfer safeguard of its own.
func transferAllowed(p *Policy, pr Processor, region string) bool {
	if slices.Contains(pr.Locations, region) || slices.ContainsFunc(pr.Safeguards, Safeguard.IsTransferMechanism) {
		return true
	}
	for _, t := range p.Regions.Transfers {
		if (len(t.From) == 0 || slices.Contains(t.From, region)) && slices.ContainsFunc(t.To, func(to string) bool { return slices.Contains(pr.Locations, to) }) {
			return true
		}
	}
	return false
}

// cloneCategories copies categories with their sources, so the Decider
// shares no memory with the Policy or with callers.
func cloneCategories(cs []Category) []Category {
	out := slices.Clone(cs)
	for i := range out {
		out[i].Collection = slices.Clone(out[i].Collection)
		for j := range out[i].Collection {
			out[i].Collection[j].Scopes = slices.Clone(out[i].Collection[j].Scopes)
		}
	}
	return out
}

// cloneProcessors copies processors with their lists.
func cloneProcessors(ps []Processor) []Processor {
	out := slices.Clone(ps)
	for i := range out {
		out[i].Purposes = slices.Clone(out[i].Purposes)
		out[i].Categories = slices.Clone(out[i].Categories)
		out[i].Locations = slices.Clone(out[i].Locations)
		out[i].Safeguards = slices.Clone(out[i].Safeguards)
	}
	return out
}
