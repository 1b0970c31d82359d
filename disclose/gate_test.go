package disclose

import (
	"encoding/json"
	"testing"
)

// FuzzPlainString checks the gate's shortcut for string values against
// encoding/json: whatever the shortcut takes, json decodes to the same
// string.
func FuzzPlainString(f *testing.F) {
	for _, seed := range []string{`"seed"`, `"a\"b"`, `"line\nbreak"`, `"é ü 漢"`, `""`, `"`, `"x"y"`, `42`, `["a"]`,
		`{"a":"b"}`, `null`, `"tab	in"`, "\"\xff\"", ` "pad" `, `"\u00e9"`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		s, ok := plainString(v)
		if !ok {
			return
		}
		var want any
		if err := json.Unmarshal(v, &want); err != nil {
			t.Fatalf("plainString took %q, which json rejects: %v", v, err)
		}
		if want != s {
			t.Fatalf("plainString(%q) = %q, json gives %#v", v, s, want)
		}
	})
}
