package disclose

import (
	"testing"

	"github.com/steward-privacy/steward/pii"
	"github.com/steward-privacy/steward/policy/taxonomy"
)

// TestEntityCategories: every entity type the scanner knows maps to a
// category of the published taxonomy, so no kind of personal data found in
// text escapes the processor's category check.
func TestEntityCategories(t *testing.T) {
	for _, e := range pii.AllEntities() {
		c, ok := EntityCategory(e)
		if !ok {
			t.Errorf("EntityCategory(%s) is missing: its findings would never be weighed against the policy", e)
			continue
		}
		if !taxonomy.Has(taxonomy.Categories, c) {
			t.Errorf("EntityCategory(%s) = %q, which the taxonomy does not publish", e, c)
		}
	}
	for e, want := range map[pii.Entity]string{pii.Email: "user.contact.email", pii.Phone: "user.contact.phone_number", pii.Person: "user.name"} {
		if got, _ := EntityCategory(e); got != want {
			t.Errorf("EntityCategory(%s) = %q; want %q", e, got, want)
		}
	}
	if _, ok := EntityCategory("NOT_AN_ENTITY"); ok {
		t.Error("an unknown entity type has a category")
	}
}
