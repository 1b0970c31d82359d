package policy

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics, that every error carries
// problems with a position, and that a parsed policy can be checked and, if
// clean, compiled and asked a question without panicking.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../examples/*.yaml")
	files = append(files, "testdata/decide.yaml")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"", "steward: v1\n", "steward: v1\ncategories:\n  user.name: {retention: P1D}\n",
		"steward: v1\nx: &a [*a]\n", "- - - a\n", "steward: [\n", "? a\n: b\n", "steward: v1\n---\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := Parse("fuzz.yaml", src)
		if err != nil {
			ps, ok := AsProblems(err)
			if !ok || len(ps) == 0 {
				t.Fatalf("Parse error without problems: %v", err)
			}
			checkPositions(t, ps)
			return
		}
		ps := p.Check()
		checkPositions(t, ps)
		if len(ps) > 0 {
			return
		}
		d, err := Compile(p)
		if err != nil {
			t.Fatalf("Compile of a clean policy: %v", err)
		}
		for _, pu := range p.Purposes {
			r := Request{Purpose: pu.Key, Categories: pu.Categories, Actor: ActorStaff}
			_ = d.Decide(&r).Sentence()
			_ = d.CategoriesFor(pu.Key)
		}
	})
}

func checkPositions(t *testing.T, ps Problems) {
	t.Helper()
	for _, p := range ps {
		if p.Line < 1 || p.Col < 1 || p.File != "fuzz.yaml" || p.Message == "" {
			t.Fatalf("problem without a position or message: %#v", p)
		}
	}
}
