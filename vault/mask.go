package vault

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/steward-privacy/steward/policy"
)

// mustMask reports whether a decision lets the caller see masked values only
// (staff without an accepted justification).
func mustMask(d policy.Decision) bool { return d.Obligations.Has(policy.ObligeMask) }

// Mask returns a JSON value with the same shape as v, every string replaced
// by asterisks but for its last two characters (at most a quarter of it),
// every number and boolean by "***". Object keys are kept: they are field
// names, not personal values.
func Mask(v json.RawMessage) json.RawMessage {
	var x any
	if err := json.Unmarshal(v, &x); err != nil {
		return json.RawMessage(`"***"`)
	}
	out, _ := json.Marshal(maskValue(x))
	return out
}

func maskValue(x any) any {
	switch t := x.(type) {
	case string:
		return maskString(t)
	case float64, bool:
		return "***"
	case []any:
		for i := range t {
			t[i] = maskValue(t[i])
		}
		return t
	case map[string]any:
		for k := range t {
			t[k] = maskValue(t[k])
		}
		return t
	}
	return x // null
}

func maskString(s string) string {
	n := utf8.RuneCountInString(s)
	keep := min(2, n/4)
	if keep == 0 {
		return strings.Repeat("*", max(n, 3))
	}
	r := []rune(s)
	return strings.Repeat("*", n-keep) + string(r[n-keep:])
}
