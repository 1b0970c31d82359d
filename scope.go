package steward

import (
	"slices"
	"strings"
)

// Scope is one permission an API key or staff role grants.
type Scope string

// The scopes. Admin implies every scope but the dedicated ones (see
// DedicatedScopes), which must be held themselves.
const (
	ScopeRecordsRead  Scope = "records:read"
	ScopeRecordsWrite Scope = "records:write"
	ScopeFilesRead    Scope = "files:read"
	ScopeFilesWrite   Scope = "files:write"
	ScopeSecretsRead  Scope = "secrets:read"
	ScopeSecretsWrite Scope = "secrets:write"
	ScopePolicyRead   Scope = "policy:read"
	ScopeAuditRead    Scope = "audit:read"
	ScopePII          Scope = "pii:use"
	ScopeStaffRead    Scope = "staff:read"
	// Consents, disclosures and the event outbox.
	ScopeConsentsRead     Scope = "consents:read"
	ScopeConsentsWrite    Scope = "consents:write"
	ScopeDisclosuresRead  Scope = "disclosures:read"
	ScopeDisclosuresWrite Scope = "disclosures:write"
	ScopeEventsRead       Scope = "events:read"
	// Processor endpoints of the erasure cascade.
	ScopeProcessorsManage Scope = "processors:manage"
	// ScopeHoldsManage places and releases legal holds.
	ScopeHoldsManage  Scope = "holds:manage"
	ScopeAdmin        Scope = "admin"
	ScopeTenantsWrite Scope = "tenants:write"
)

// ScopeIncidentsManage is the breach register: declare incidents, read
// them and their notices, notify, close. Implied by admin; staff roles
// privacy_officer and admin get it.
const ScopeIncidentsManage Scope = "incidents:manage"

// Scopes of rights requests: file them, file them as already verified by
// the application (a signed-in person), and list, approve, deny and extend
// them (staff).
const (
	ScopeRequestsWrite  Scope = "requests:write"
	ScopeRequestsVerify Scope = "requests:verify"
	ScopeRequestsManage Scope = "requests:manage"
)

// AllScopes lists every scope a key may be given.
var AllScopes = []Scope{
	ScopeRecordsRead, ScopeRecordsWrite, ScopeFilesRead, ScopeFilesWrite,
	ScopeSecretsRead, ScopeSecretsWrite, ScopePolicyRead, ScopeAuditRead,
	ScopePII, ScopeStaffRead, ScopeConsentsRead, ScopeConsentsWrite,
	ScopeDisclosuresRead, ScopeDisclosuresWrite, ScopeEventsRead, ScopeAdmin, ScopeTenantsWrite,
	ScopeIncidentsManage,
	ScopeRequestsWrite, ScopeRequestsVerify, ScopeRequestsManage,
	ScopeProcessorsManage,
	ScopeHoldsManage,
	ScopeModelsManage, ScopeTrainingExport,
}

// The scopes of AI training governance: registering models, and exporting
// de-identified training data with its lineage.
const (
	ScopeModelsManage   Scope = "models:manage"
	ScopeTrainingExport Scope = "training:export"
)

// DedicatedScopes are never implied by admin: reading third-party secrets
// (secrets:read) and creating tenants (tenants:write). A caller can grant
// them only if it holds them itself, so an admin key cannot mint its way to
// them.
var DedicatedScopes = []Scope{ScopeSecretsRead, ScopeTenantsWrite}

// Dedicated reports whether sc is a dedicated scope, never implied by admin.
func Dedicated(sc Scope) bool { return slices.Contains(DedicatedScopes, sc) }

// Scopes is a set of scopes.
type Scopes []Scope

// Has reports whether s grants want. Admin grants every scope but the
// dedicated ones.
func (s Scopes) Has(want Scope) bool {
	for _, g := range s {
		if g == want || (g == ScopeAdmin && !Dedicated(want)) {
			return true
		}
	}
	return false
}

// HasExactly reports whether s holds want itself; admin does not count.
// Reading third-party secrets needs its own
// scope, never implied.
func (s Scopes) HasExactly(want Scope) bool { return slices.Contains(s, want) }

// Covers reports whether s grants every scope of other: a key or session
// may only grant (and revoke) scopes it holds or implies itself.
func (s Scopes) Covers(other Scopes) bool {
	for _, o := range other {
		if !s.Has(o) {
			return false
		}
	}
	return true
}

// String joins the scopes with spaces.
func (s Scopes) String() string {
	parts := make([]string, len(s))
	for i, x := range s {
		parts[i] = string(x)
	}
	return strings.Join(parts, " ")
}

// ParseScopes parses a space- or comma-separated list, rejecting unknown
// scopes and removing duplicates.
func ParseScopes(field, list string) (Scopes, error) {
	f := strings.FieldsFunc(list, func(r rune) bool { return r == ' ' || r == ',' })
	return ValidateScopes(field, f)
}

// ValidateScopes checks that each name is a known scope and returns the set,
// sorted and without duplicates. An empty list is an error.
func ValidateScopes(field string, names []string) (Scopes, error) {
	if len(names) == 0 {
		return nil, Invalid(field, "at least one scope is required")
	}
	var out Scopes
	for _, n := range names {
		sc := Scope(n)
		if !slices.Contains(AllScopes, sc) {
			return nil, Invalid(field, "unknown scope "+quoteSafe(n))
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	slices.Sort(out)
	return out, nil
}

// quoteSafe quotes a short identifier-like string for an error message and
// replaces anything longer or odd, so errors never echo arbitrary input.
func quoteSafe(s string) string {
	if len(s) > 40 {
		return "(a value too long to show)"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			return "(a value with unprintable characters)"
		}
	}
	return `"` + s + `"`
}
