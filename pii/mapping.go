package pii

import (
	"encoding/binary"
	"encoding/json"
	"sort"
	"strings"

	"github.com/steward-privacy/steward"
)

// mapping is the plaintext of a conversation's placeholders; it exists only
// in memory and is sealed before it reaches a Store.
//
// Sealed, it holds each distinct value once and nothing else: per entity
// type the values in the order their placeholders were assigned, so that
// placeholder n of a type is its value n-1. Its size is thus the size of the
// distinct values (plus a few bytes each), whatever the length of the texts
// and however often a value recurs. The index that finds a value's
// placeholder is rebuilt in memory when a mapping is loaded.
type mapping struct {
	Values map[Entity][]string

	max   int            // most distinct values; 0: no bound
	count int            // distinct values held
	index map[mapKey]int // (type, normalized value) → placeholder number
	added int            // values added since loading
}

// mapKey identifies a value by its type and normalized form.
type mapKey struct {
	entity Entity
	norm   string
}

// mapEntry is one entry of the JSON format of before 2026-11.
type mapEntry struct {
	Entity Entity `json:"t"`
	N      int    `json:"i"`
	Value  string `json:"v"`
}

// newMapping returns an empty mapping holding at most max distinct values,
// with room in its index for grow more values.
func newMapping(max, grow int) *mapping {
	return &mapping{Values: map[Entity][]string{}, max: max, index: make(map[mapKey]int, grow)}
}

// mappingFormat is the first byte of an encoded mapping. The format before
// it (2026-11) was JSON, one object per entry with the value, its normalized
// form and its type; decode still reads it.
const mappingFormat = 2

// encode returns the mapping as bytes: mappingFormat, then per entity type
// with values its name (a length byte and the name), the number of values
// and each value (uvarint lengths), in the order of allEntities.
func (m *mapping) encode() []byte {
	size := 1
	for e, vs := range m.Values {
		size += 1 + len(e) + binary.MaxVarintLen32
		for _, v := range vs {
			size += binary.MaxVarintLen32 + len(v)
		}
	}
	out := make([]byte, 1, size)
	out[0] = mappingFormat
	for _, e := range allEntities {
		vs := m.Values[e]
		if len(vs) == 0 {
			continue
		}
		out = append(out, byte(len(e)))
		out = append(out, e...)
		out = binary.AppendUvarint(out, uint64(len(vs)))
		for _, v := range vs {
			out = binary.AppendUvarint(out, uint64(len(v)))
			out = append(out, v...)
		}
	}
	return out
}

// decode reads an encoded mapping (or one in the earlier JSON format) into
// the empty m and indexes its values, with room for grow more. It reports
// false for damaged input.
func (m *mapping) decode(b []byte, grow int) bool {
	if len(b) > 0 && b[0] == '{' {
		if !m.decodeLegacy(b) {
			return false
		}
	} else {
		if len(b) == 0 || b[0] != mappingFormat {
			return false
		}
		for b = b[1:]; len(b) > 0; {
			n := int(b[0])
			if len(b) < 1+n {
				return false
			}
			e := Entity(b[1 : 1+n])
			b = b[1+n:]
			count, k := binary.Uvarint(b)
			if k <= 0 || !e.Valid() || m.Values[e] != nil || count > uint64(len(b)) {
				return false
			}
			b = b[k:]
			vs := make([]string, count)
			for i := range vs {
				l, k := binary.Uvarint(b)
				if k <= 0 || l > uint64(len(b)-k) {
					return false
				}
				vs[i] = string(b[k : k+int(l)])
				b = b[k+int(l):]
			}
			m.Values[e] = vs
		}
	}
	for _, vs := range m.Values {
		m.count += len(vs)
	}
	m.index = make(map[mapKey]int, m.count+grow)
	for e, vs := range m.Values {
		for k, v := range vs {
			m.index[mapKey{e, normalize(e, v)}] = k + 1
		}
	}
	return true
}

// decodeLegacy reads the JSON format of before 2026-11.
func (m *mapping) decodeLegacy(b []byte) bool {
	var legacy struct {
		Entries []mapEntry `json:"e"`
	}
	if err := json.Unmarshal(b, &legacy); err != nil {
		return false
	}
	es := legacy.Entries
	sort.SliceStable(es, func(i, j int) bool { return es[i].N < es[j].N })
	for _, e := range es {
		if !e.Entity.Valid() || e.N != len(m.Values[e.Entity])+1 {
			return false
		}
		m.Values[e.Entity] = append(m.Values[e.Entity], e.Value)
	}
	return true
}

// Transform implements Operator: it returns the placeholder of value,
// assigning the next number of its entity type when value is new. It
// returns ETOOLARGE when a new value would exceed the mapping's bound.
func (m *mapping) Transform(f Finding, value string) (string, error) {
	k := mapKey{f.Entity, normalize(f.Entity, value)}
	if n, ok := m.index[k]; ok {
		return placeholder(f.Entity, n), nil
	}
	if m.max > 0 && m.count >= m.max {
		return "", steward.Errorf(steward.ETOOLARGE,
			"a conversation holds at most %d distinct values; start a new conversation", m.max)
	}
	m.Values[f.Entity] = append(m.Values[f.Entity], value)
	n := len(m.Values[f.Entity])
	m.index[k] = n
	m.count++
	return placeholder(f.Entity, n), nil
}

// lookup returns the original value of placeholder (e, n).
func (m *mapping) lookup(e Entity, n int) (string, bool) {
	vs := m.Values[e]
	if n < 1 || n > len(vs) {
		return "", false
	}
	return vs[n-1], true
}

// normalize returns the form under which two values count as the same. It
// returns v itself, without allocating, when v is already in that form (the
// common case: most values are written in lower case or digits only).
func normalize(e Entity, v string) string {
	switch e {
	case Phone, CreditCard, USSSN, IBAN:
		if strings.IndexFunc(v, func(r rune) bool { return r >= 0x80 || !(isUpper(byte(r)) || isDigit(byte(r))) }) < 0 {
			return v
		}
		var b strings.Builder
		b.Grow(len(v))
		for i := 0; i < len(v); i++ {
			c := v[i]
			if isLower(c) {
				c -= 'a' - 'A'
			}
			if isAlnum(c) {
				b.WriteByte(c)
			}
		}
		return b.String()
	case Email, Person, URL, MACAddress, IPAddress:
		if lowerSpaced(v) {
			return v
		}
		return strings.Join(strings.Fields(strings.ToLower(v)), " ")
	}
	return v
}

// lowerSpaced reports whether v is ASCII without upper-case letters and its
// words are separated by single spaces, with none at either end.
func lowerSpaced(v string) bool {
	for i := 0; i < len(v); i++ {
		b := v[i]
		if b >= 0x80 || isUpper(b) {
			return false
		}
		if isSpace(b) && (b != ' ' || i == 0 || i == len(v)-1 || v[i-1] == ' ') {
			return false
		}
	}
	return true
}
