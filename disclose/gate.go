package disclose

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"

	"github.com/steward-privacy/steward/internal/jsonfast"
	"github.com/steward-privacy/steward/pii"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/vault"
)

// gate weighs the personal data found in what is about to leave (free text
// and the strings of values) against the policy, one finding at a time:
// a finding whose category the processor may receive stays, every other
// one is replaced by the conversation's placeholder (<EMAIL_ADDRESS_1>),
// which /v1/pii/reidentify restores in the model's answer. Under
// redact_pii_before_sending every finding in the text is replaced.
type gate struct {
	s            *Service
	ctx          context.Context
	t            *vault.Transfer
	conversation string

	verdict  map[string]bool // category → the processor may receive it
	carried  []string        // categories of personal data left in
	replaced bool            // a placeholder was used
	p        *pii.Pseudonymizer
}

// apply passes the values and the text of an allowed disclosure through
// the gate and fills res.
func (g *gate) apply(res *Result, text *string) error {
	res.Values = make([]vault.Value, 0, len(g.t.Values))
	for _, v := range g.t.Values {
		if !v.Redacted { // redacted already holds no finding
			out, err := g.value(v.Value)
			if err != nil {
				return err
			}
			v.Value = out
		}
		res.Values = append(res.Values, v)
	}
	if text != nil {
		out, err := g.text(*text, g.t.Decision.Obligations.Has(policy.ObligeRedactPII))
		if err != nil {
			return err
		}
		res.Text = &out
	}
	for _, c := range g.carried {
		if !slices.Contains(res.Categories, c) {
			res.Categories = append(res.Categories, c)
		}
	}
	if g.replaced {
		res.ConversationID = g.conversation
	}
	return nil
}

// text returns s with every finding the processor may not receive (or
// every finding, with all) replaced by a placeholder.
func (g *gate) text(s string, all bool) (string, error) {
	found := g.s.scanner.Scan(s)
	hide := found[:0:0]
	for _, f := range found {
		keep := false
		if !all {
			var err error
			if keep, err = g.receives(f.Entity); err != nil {
				return "", err
			}
		}
		if !keep {
			hide = append(hide, f)
		}
	}
	if len(hide) == 0 {
		return s, nil
	}
	if g.p == nil {
		p, err := g.s.pseudo(g.ctx, g.t.Subject.TenantID)
		if err != nil {
			return "", err
		}
		g.p = p
	}
	g.replaced = true
	return g.p.Pseudonymize(g.ctx, g.conversation, s, hide)
}

// receives reports whether the processor may receive the category of an
// entity, asking the policy once per category.
func (g *gate) receives(e pii.Entity) (bool, error) {
	cat, ok := EntityCategory(e)
	if !ok {
		return false, nil
	}
	allowed, seen := g.verdict[cat]
	if !seen {
		var err error
		if allowed, err = g.s.vault.MayReceive(g.ctx, g.t, cat); err != nil {
			return false, err
		}
		if g.verdict == nil {
			g.verdict = map[string]bool{}
		}
		g.verdict[cat] = allowed
		if allowed {
			g.carried = append(g.carried, cat)
		}
	}
	return allowed, nil
}

// value passes every string of a JSON value through the gate. A value
// without a finding comes back unchanged, byte for byte.
func (g *gate) value(v json.RawMessage) (json.RawMessage, error) {
	if s, ok := jsonfast.PlainString(v); ok {
		// Most values are one string: scan it without building a tree.
		out, err := g.text(s, false)
		if err != nil || out == s {
			return v, err
		}
		return json.Marshal(out)
	}
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return v, nil // stored values are valid JSON
	}
	changed := false
	x, err := g.walk(x, &changed)
	if err != nil || !changed {
		return v, err
	}
	return json.Marshal(x)
}

func (g *gate) walk(x any, changed *bool) (any, error) {
	var err error
	switch t := x.(type) {
	case string:
		out, err := g.text(t, false)
		*changed = *changed || out != t
		return out, err
	case json.Number: // a card or phone number may be stored as a number
		out, err := g.text(t.String(), false)
		if err != nil || out == t.String() {
			return t, err
		}
		*changed = true
		return out, nil
	case []any:
		for i := range t {
			if t[i], err = g.walk(t[i], changed); err != nil {
				return nil, err
			}
		}
	case map[string]any:
		for k := range t {
			if t[k], err = g.walk(t[k], changed); err != nil {
				return nil, err
			}
		}
	}
	return x, nil
}
