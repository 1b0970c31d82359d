package taxonomy

import (
	"slices"
	"testing"
)

func TestKeys(t *testing.T) {
	for kind, want := range map[Kind]int{Categories: 85, Uses: 56, Subjects: 15} {
		if got := len(Keys(kind)); got != want {
			t.Errorf("len(Keys(%v)) = %d; want %d", kind, got, want)
		}
	}
	if Keys(Kind(9)) != nil || Has(Kind(-1), "user") {
		t.Error("an unknown kind has keys")
	}
	keys := Keys(Categories)
	keys[0] = "changed"
	if Keys(Categories)[0] == "changed" {
		t.Error("Keys returns the package's own slice")
	}
}

func TestHasRootParent(t *testing.T) {
	tests := []struct {
		kind     Kind
		key      string
		has      bool
		root     string
		rootOK   bool
		parentOf string
	}{
		{Categories, "user.contact.email", true, "user.contact.email", true, "user.contact"},
		{Categories, "user.content.prompt", false, "user.content", true, "user.content"},
		{Categories, "system.operations.request_log", false, "system.operations", true, "system.operations"},
		{Categories, "customer.name", false, "", false, "customer"},
		{Uses, "train_ai_system", true, "train_ai_system", true, ""},
		{Uses, "essential.service.generation", false, "essential.service", true, "essential.service"},
		{Subjects, "customer", true, "customer", true, ""},
	}
	for _, tt := range tests {
		root, ok := Root(tt.kind, tt.key)
		if Has(tt.kind, tt.key) != tt.has || root != tt.root || ok != tt.rootOK || Parent(tt.key) != tt.parentOf {
			t.Errorf("%v %q: Has %v Root %q %v Parent %q", tt.kind, tt.key, Has(tt.kind, tt.key), root, ok, Parent(tt.key))
		}
	}
}

func TestChildren(t *testing.T) {
	got := Children(Categories, "user.contact.address")
	want := []string{"user.contact.address.city", "user.contact.address.country", "user.contact.address.postal_code", "user.contact.address.state", "user.contact.address.street"}
	if !slices.Equal(got, want) {
		t.Errorf("Children = %v; want %v", got, want)
	}
	if top := Children(Uses, ""); !slices.Contains(top, "train_ai_system") || slices.Contains(top, "essential.service") {
		t.Errorf("top-level uses = %v", top)
	}
}

func TestUseAlias(t *testing.T) {
	tests := []struct{ in, canonical, deprecated string }{
		{"personalize.profiling", "personalize.content.profiling", ""},
		{"personalize.profiling.x", "personalize.content.profiling.x", ""},
		{"personalize.content.profiling", "personalize.content.profiling", "personalize.profiling"},
		{"personalize.content.profiling.x", "personalize.content.profiling.x", "personalize.profiling.x"},
		{"personalize.profilingx", "personalize.profilingx", ""},
		{"marketing", "marketing", ""},
	}
	for _, tt := range tests {
		dep, _ := DeprecatedUse(tt.in)
		if got := CanonicalUse(tt.in); got != tt.canonical || dep != tt.deprecated {
			t.Errorf("%q: CanonicalUse %q DeprecatedUse %q; want %q %q", tt.in, got, dep, tt.canonical, tt.deprecated)
		}
	}
}
