package policy

import "strings"

// index numbers the keys of one hierarchy (categories or uses) that a
// compiled policy mentions, together with all their ancestors. Because the
// set is closed under ancestors, the longest indexed prefix of any key
// stands for it: a key covers, or is covered by, an indexed key exactly when
// its node does. Lookups walk up the key without allocating.
type index struct {
	ids  map[string]int32
	keys []string // key of each node
}

func newIndex() *index { return &index{ids: map[string]int32{}} }

// add indexes key and its ancestors and returns the node of key.
func (ix *index) add(key string) int32 {
	if id, ok := ix.ids[key]; ok {
		return id
	}
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		ix.add(key[:i])
	}
	id := int32(len(ix.keys))
	ix.ids[key] = id
	ix.keys = append(ix.keys, key)
	return id
}

// alias makes key a second name for the node of target.
func (ix *index) alias(key string, target int32) { ix.ids[key] = target }

// lookup returns the node of the longest indexed prefix of key (key itself,
// or an ancestor), and whether that is key itself.
func (ix *index) lookup(key string) (node int32, exact, ok bool) {
	k := key
	for {
		if id, found := ix.ids[k]; found {
			return id, len(k) == len(key), true
		}
		i := strings.LastIndexByte(k, '.')
		if i < 0 {
			return -1, false, false
		}
		k = k[:i]
	}
}

// size is the number of nodes.
func (ix *index) size() int { return len(ix.keys) }

// bitset is a fixed-size set of small integers (nodes, regions).
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i int32) { b[i>>6] |= 1 << (uint(i) & 63) }

func (b bitset) has(i int32) bool {
	return i >= 0 && int(i>>6) < len(b) && b[i>>6]&(1<<(uint(i)&63)) != 0
}

// where returns the set of nodes of ix for which keep is true.
func (ix *index) where(keep func(key string) bool) bitset {
	b := newBitset(ix.size())
	for id, key := range ix.keys {
		if keep(key) {
			b.set(int32(id))
		}
	}
	return b
}
