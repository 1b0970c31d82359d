package policy

import (
	"strings"
	"testing"

	"github.com/steward-privacy/steward/policy/taxonomy"
)

func TestCovers(t *testing.T) {
	tests := []struct {
		parent, key string
		want        bool
	}{
		{"user.contact", "user.contact", true},
		{"user.contact", "user.contact.email", true},
		{"user", "user.contact.email", true},
		{"user.contact", "user.contacts", false},
		{"user.contact.email", "user.contact", false},
		{"user.contact", "user", false},
		{"", "user", false},
		{"user", "", false},
	}
	for _, tt := range tests {
		if got := covers(tt.parent, tt.key); got != tt.want {
			t.Errorf("covers(%q, %q) = %v; want %v", tt.parent, tt.key, got, tt.want)
		}
	}
}

func TestValidKey(t *testing.T) {
	for key, want := range map[string]bool{
		"user": true, "user.content.prompt": true, "train_ai_system": true, "a1.b2": true,
		"": false, "User": false, "user..x": false, ".user": false, "user.": false, "user content": false, "user-content": false,
	} {
		if got := validKey(key); got != want {
			t.Errorf("validKey(%q) = %v; want %v", key, got, want)
		}
	}
}

func TestTaxonomyProblem(t *testing.T) {
	tests := []struct {
		kind      taxonomy.Kind
		key       string
		msg, hint string
	}{
		{taxonomy.Categories, "user.contact.email", "", ""},
		{taxonomy.Categories, "user.content.prompt", "", ""},
		{taxonomy.Categories, "user.content.generated_image", "", ""},
		{taxonomy.Categories, "user.contact.emial", `"user.contact.emial" is not a taxonomy key`, "did you mean user.contact.email?"},
		{taxonomy.Categories, "user.contct.email", `"user.contct.email" is not a taxonomy key`, "did you mean user.contact?"},
		{taxonomy.Categories, "usr.contact", `"usr.contact" does not extend the data category taxonomy`, `did you mean "user"?`},
		{taxonomy.Categories, "User", `"User" is not a valid key`, keyHint},
		{taxonomy.Uses, "personalize.profiling", "", ""},
		{taxonomy.Uses, "essential.service.generation", "", ""},
		{taxonomy.Uses, "marketting", `"marketting" does not extend the data use taxonomy`, `did you mean "marketing"?`},
	}
	for _, tt := range tests {
		msg, hint := taxonomyProblem(tt.kind, tt.key)
		if msg != tt.msg || !strings.HasPrefix(hint, tt.hint) || (tt.hint == "") != (hint == "") {
			t.Errorf("taxonomyProblem(%v, %q) = %q, %q; want %q, %q", tt.kind, tt.key, msg, hint, tt.msg, tt.hint)
		}
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"retention", "description", "collection"}
	for word, want := range map[string]string{
		"retension": "retention", "descripton": "description", "colection": "collection",
		"retention": "", "xyz": "", "r": "", "": "",
	} {
		if got := suggest(word, names); got != want {
			t.Errorf("suggest(%q) = %q; want %q", word, got, want)
		}
	}
}

func TestIndexLookup(t *testing.T) {
	ix := newIndex()
	ix.add("user.contact.email")
	ix.alias("user.mail", ix.ids["user.contact.email"])
	tests := []struct {
		key          string
		node         string
		exact, found bool
	}{
		{"user.contact.email", "user.contact.email", true, true},
		{"user.contact.email.work", "user.contact.email", false, true},
		{"user.contact", "user.contact", true, true},
		{"user.contact.phone", "user.contact", false, true},
		{"user.mail", "user.contact.email", true, true},
		{"user.mail.x", "user.contact.email", false, true},
		{"system", "", false, false},
		{"", "", false, false},
	}
	for _, tt := range tests {
		id, exact, found := ix.lookup(tt.key)
		node := ""
		if found {
			node = ix.keys[id]
		}
		if node != tt.node || exact != tt.exact || found != tt.found {
			t.Errorf("lookup(%q) = %q, %v, %v; want %q, %v, %v", tt.key, node, exact, found, tt.node, tt.exact, tt.found)
		}
	}
}
