package pii

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/steward-privacy/steward"
)

// Operator turns the value of one finding into its replacement.
type Operator interface {
	// Transform returns the text that replaces value, the text of finding f.
	Transform(f Finding, value string) (string, error)
}

// Apply returns text with every finding's span replaced by op's transform of
// it. Findings may come in any order but must lie within text and not
// overlap (as Scan returns them); otherwise Apply returns an EINVALID error.
func Apply(text string, findings []Finding, op Operator) (string, error) {
	if op == nil {
		return "", steward.Errorf(steward.EINVALID, "no operator given")
	}
	fs := findings
	if !sort.SliceIsSorted(fs, func(i, j int) bool { return fs[i].Start < fs[j].Start }) {
		fs = append([]Finding(nil), findings...)
		sort.Slice(fs, func(i, j int) bool { return fs[i].Start < fs[j].Start })
	}
	var b strings.Builder
	b.Grow(len(text))
	pos := 0
	for _, f := range fs {
		if f.Start < pos || f.End < f.Start || f.End > len(text) {
			return "", steward.Errorf(steward.EINVALID, "finding span %d-%d is out of range or overlaps another", f.Start, f.End)
		}
		out, err := op.Transform(f, text[f.Start:f.End])
		if err != nil {
			return "", err
		}
		b.WriteString(text[pos:f.Start])
		b.WriteString(out)
		pos = f.End
	}
	b.WriteString(text[pos:])
	return b.String(), nil
}

// Replace replaces a value with a fixed text, by default the entity type in
// angle brackets ("<EMAIL_ADDRESS>").
type Replace struct {
	// With is the replacement; empty means "<" + entity type + ">".
	With string
}

// Transform implements Operator.
func (r Replace) Transform(f Finding, _ string) (string, error) {
	if r.With != "" {
		return r.With, nil
	}
	return "<" + string(f.Entity) + ">", nil
}

// Redact removes a value entirely.
type Redact struct{}

// Transform implements Operator.
func (Redact) Transform(Finding, string) (string, error) { return "", nil }

// Mask replaces every character of a value but the last KeepLast with Char.
type Mask struct {
	// Char masks a character; zero means '*'.
	Char rune
	// KeepLast is how many trailing characters stay visible. It is capped so
	// that at least half of the value (rounded up) is always masked.
	KeepLast int
}

// Transform implements Operator.
func (m Mask) Transform(_ Finding, value string) (string, error) {
	c := m.Char
	if c == 0 {
		c = '*'
	}
	n := utf8.RuneCountInString(value)
	keep := min(max(m.KeepLast, 0), n/2)
	var b strings.Builder
	i := 0
	for k := range value {
		if i >= n-keep {
			b.WriteString(value[k:])
			break
		}
		b.WriteRune(c)
		i++
	}
	return b.String(), nil
}

// PerEntity applies a different operator per entity type, and Default (which
// must be set) to the others.
type PerEntity struct {
	Default  Operator
	ByEntity map[Entity]Operator
}

// Transform implements Operator.
func (p PerEntity) Transform(f Finding, value string) (string, error) {
	if op, ok := p.ByEntity[f.Entity]; ok && op != nil {
		return op.Transform(f, value)
	}
	if p.Default == nil {
		return "", steward.Errorf(steward.EINVALID, "no operator for entity type %s", f.Entity)
	}
	return p.Default.Transform(f, value)
}

// ParseOperator returns the stateless operator named by spec: "replace",
// "redact", "mask" or "mask:N" (keep the last N characters, default 4),
// "hash" and "encrypt" (both need key, 32 bytes). Pseudonymization keeps
// state per conversation and is built with NewPseudonymizer instead. It
// returns an EINVALID error for an unknown spec or a missing key.
func ParseOperator(spec string, key []byte) (Operator, error) {
	name, arg, hasArg := strings.Cut(strings.ToLower(strings.TrimSpace(spec)), ":")
	if hasArg && name != "mask" {
		return nil, steward.Invalid("operator", fmt.Sprintf("operator %q takes no argument", name))
	}
	switch name {
	case "replace":
		return Replace{}, nil
	case "redact":
		return Redact{}, nil
	case "mask":
		keep := 4
		if hasArg {
			n, err := strconv.Atoi(arg)
			if err != nil || n < 0 || n > 64 {
				return nil, steward.Invalid("operator", "mask:N needs N between 0 and 64")
			}
			keep = n
		}
		return Mask{KeepLast: keep}, nil
	case "hash":
		return NewHash(key)
	case "encrypt":
		return NewEncrypt(key)
	}
	return nil, steward.Invalid("operator", fmt.Sprintf("unknown operator %q; known: replace, redact, mask[:N], hash, encrypt, pseudonymize", truncate(spec, 20)))
}
