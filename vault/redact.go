package vault

import (
	"bytes"
	"encoding/json"
	"sync"

	"github.com/steward-privacy/steward/pii"
	"github.com/steward-privacy/steward/policy"
)

// mustRedact reports whether values leave only with their personal data
// replaced (redact_pii_before_sending on the purpose or the processor).
func mustRedact(d policy.Decision) bool { return d.Obligations.Has(policy.ObligeRedactPII) }

// redactScanner finds the personal data redaction replaces: every entity
// type at the default threshold. A Scanner is safe for concurrent use.
var redactScanner = sync.OnceValues(func() (*pii.Scanner, error) { return pii.New() })

// RedactText returns s with every piece of personal data the PII scanner
// finds replaced by its entity type in angle brackets (<EMAIL_ADDRESS>):
// the PII replace operator.
func RedactText(s string) (string, error) {
	sc, err := redactScanner()
	if err != nil {
		return "", err
	}
	return pii.Apply(s, sc.Scan(s), pii.Replace{})
}

// RedactValue returns a JSON value with the same shape as v whose strings
// (and numbers, which may be a card or phone number) have their personal
// data replaced as RedactText does; a number that held some becomes a
// string. Object keys are kept: they are field names, not personal values.
func RedactValue(v json.RawMessage) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return json.RawMessage(`"<REDACTED>"`), nil
	}
	x, err := redactAny(x)
	if err != nil {
		return nil, err
	}
	return json.Marshal(x)
}

func redactAny(x any) (any, error) {
	var err error
	switch t := x.(type) {
	case string:
		return RedactText(t)
	case json.Number:
		s, err := RedactText(t.String())
		if err != nil || s == t.String() {
			return t, err
		}
		return s, nil
	case []any:
		for i := range t {
			if t[i], err = redactAny(t[i]); err != nil {
				return nil, err
			}
		}
	case map[string]any:
		for k := range t {
			if t[k], err = redactAny(t[k]); err != nil {
				return nil, err
			}
		}
	}
	return x, nil
}
