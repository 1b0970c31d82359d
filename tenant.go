package steward

import (
	"context"
	"strings"
	"time"
)

// Tenant is an isolated workspace: one customer organisation of the AI
// service, or the service itself. Nothing crosses tenants.
type Tenant struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	HomeRegion string `json:"home_region"`
	// Slug names the tenant in public URLs (its privacy center at
	// /privacy-center/{slug}/): unique, 3 to 40 lowercase letters, digits
	// and dashes; derived from the name at creation, editable by the
	// operator.
	Slug      string    `json:"slug"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks the fields a caller supplies.
func (t *Tenant) Validate() error {
	if err := ValidateName("name", t.Name); err != nil {
		return err
	}
	return ValidateRegion("home_region", t.HomeRegion)
}

// ValidateSlug checks a tenant slug.
func ValidateSlug(field, s string) error {
	ok := len(s) >= 3 && len(s) <= 40 && s[0] != '-' && s[len(s)-1] != '-'
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
	}
	if !ok {
		return Invalid(field, "a slug is 3 to 40 lowercase letters, digits and dashes, not starting or ending with a dash")
	}
	return nil
}

// SlugFor derives a slug from a tenant's name ("Acme Studio GmbH" →
// "acme-studio-gmbh"), or from its id when the name gives too little.
func SlugFor(name, id string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		default:
			dash = true
		}
		if b.Len() >= 40 {
			break
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > 40 {
		s = strings.Trim(s[:40], "-")
	}
	if ValidateSlug("slug", s) != nil {
		s = strings.ReplaceAll(strings.ToLower(id), "_", "-")
	}
	return s
}

// TenantStore keeps tenants.
//
// CreateTenant returns ECONFLICT if the name is taken; it derives the slug
// from the name when none is set, made unique with a suffix of the id.
// Tenant and TenantBySlug return ENOTFOUND for an unknown tenant.
// SetTenantSlug returns ECONFLICT when another tenant has the slug.
type TenantStore interface {
	CreateTenant(ctx context.Context, t *Tenant) error
	Tenant(ctx context.Context, id string) (*Tenant, error)
	Tenants(ctx context.Context) ([]*Tenant, error)
	TenantBySlug(ctx context.Context, slug string) (*Tenant, error)
	SetTenantSlug(ctx context.Context, id, slug string) error
}

// SignInChallenge is a privacy center sign-in in progress: a one-time
// code mailed to the subject's address on file, kept as a keyed hash.
type SignInChallenge struct {
	ID        string
	TenantID  string
	SubjectID string
	CodeHash  []byte
	ExpiresAt time.Time
	Attempts  int
	Used      bool
	CreatedAt time.Time
}

// SignInStore keeps privacy center sign-in challenges.
//
// AttemptChallenge counts one attempt at a challenge of the tenant and
// returns it as it was before the attempt; UseChallenge marks it used, once
// (ECONFLICT the second time). RecentChallenges counts a subject's
// challenges created since a time (a rate limit).
type SignInStore interface {
	CreateChallenge(ctx context.Context, c *SignInChallenge) error
	AttemptChallenge(ctx context.Context, tenantID, id string) (*SignInChallenge, error)
	UseChallenge(ctx context.Context, tenantID, id string) error
	RecentChallenges(ctx context.Context, tenantID, subjectID string, since time.Time) (int, error)
}
