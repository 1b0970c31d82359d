package policies

import (
	"strings"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/policy/diff"
)

var _ steward.ConsentStaleness = (*Service)(nil)

// touched says what of one purpose changed materially: the purpose itself
// (all: every consent for it is stale) or some of its processors (a
// consent naming one of them, or naming none, is stale).
type touched struct {
	all        bool
	processors map[string]bool
}

// purposeChanges maps a purpose key to what of it changed materially.
type purposeChanges map[string]*touched

func (m purposeChanges) mark(purpose, processor string) {
	t := m[purpose]
	if t == nil {
		t = &touched{processors: map[string]bool{}}
		m[purpose] = t
	}
	if processor == "" {
		t.all = true
	} else {
		t.processors[processor] = true
	}
}

// stale reports whether a consent for purpose and processor ("" for any)
// is touched.
func (m purposeChanges) stale(purpose, processor string) bool {
	t := m[purpose]
	switch {
	case t == nil:
		return false
	case t.all:
		return true
	case processor == "":
		return len(t.processors) > 0
	}
	return t.processors[processor]
}

// materialChanges lists what changed materially from old to new, by
// purpose. A consent covers the text it was given under, so what counts is
// what a purpose does more of, or with less protection, in new:
//   - a material change of the purpose (new, wider categories, weaker
//     basis, no longer aggregated or redacted, ...): the whole purpose;
//   - a material change of a processor (new, serving the purpose anew,
//     receiving more data, new location, may train, ...): the purpose for
//     that processor, for each purpose it serves in new;
//   - a longer retention or a new way of collecting a category: every
//     purpose whose categories cover it.
//
// Other sections (rights, security, regions, ...) change no consent.
func materialChanges(old, new *policy.Policy) purposeChanges {
	out := purposeChanges{}
	for _, c := range diff.Material(diff.Compare(old, new)) {
		section, key, field := splitPath(c.Path)
		switch section {
		case "purposes":
			out.mark(key, "")
		case "processors":
			if field == ".purposes" && c.Kind == diff.Added {
				out.mark(c.New, key)
				continue
			}
			for _, pr := range new.Processors {
				if pr.Key == key {
					for _, purpose := range pr.Purposes {
						out.mark(purpose, key)
					}
				}
			}
		case "categories":
			for _, pu := range new.Purposes {
				for _, cat := range new.Expand(pu.Categories) {
					if cat == key {
						out.mark(pu.Key, "")
					}
				}
			}
		}
	}
	return out
}

// splitPath splits a change path "section[key].field" into its parts.
func splitPath(path string) (section, key, field string) {
	open := strings.IndexByte(path, '[')
	end := strings.IndexByte(path, ']')
	if open < 0 || end < open {
		return path, "", ""
	}
	return path[:open], path[open+1 : end], path[end+1:]
}

// staleIndex answers ConsentStale for one version in force: for every
// stored version, what changed materially from it to the one in force, and
// for unknown versions the union of all.
type staleIndex struct {
	current   string
	byVersion map[string]purposeChanges
	any       purposeChanges
}

// index computes the staleness index of version current (parsed as p)
// against every stored version. A stored version that no longer parses
// counts as unknown.
func (s *Service) index(current string, p *policy.Policy, versions []*steward.PolicyVersion) *staleIndex {
	x := &staleIndex{current: current, byVersion: map[string]purposeChanges{}, any: purposeChanges{}}
	for _, v := range versions {
		if v.Version == current {
			continue
		}
		old, err := s.parse(v)
		if err != nil {
			s.opts.Logger.Warn("a stored policy version no longer parses; consents under it count as given under an unknown version",
				"version", v.Version)
			continue
		}
		changes := materialChanges(old, p)
		x.byVersion[v.Version] = changes
		for purpose, t := range changes {
			if t.all {
				x.any.mark(purpose, "")
			}
			for processor := range t.processors {
				x.any.mark(purpose, processor)
			}
		}
	}
	return x
}

// ConsentStale reports whether a consent for purpose (and processor, ""
// for any) given under policy version givenUnder no longer holds under the
// version in force because the purpose, or a processor of it, changed
// materially from givenUnder's text to the text in force. A consent given
// under an unknown version is stale when the purpose changed materially
// since any stored version. Map lookups only: no lock, no query, no
// allocation.
func (s *Service) ConsentStale(givenUnder, purpose, processor string) bool {
	cur := s.cur.Load()
	if cur == nil || givenUnder == cur.stale.current {
		return false
	}
	changes, known := cur.stale.byVersion[givenUnder]
	if !known {
		changes = cur.stale.any
	}
	return changes.stale(purpose, processor)
}
