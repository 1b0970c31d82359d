package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/auth"
)

// CreateKeyRequest asks for a new API key.
type CreateKeyRequest struct {
	Name   string   `json:"name" doc:"a label for people, e.g. the service that uses the key"`
	Scopes []string `json:"scopes" doc:"e.g. records:read, records:write, policy:read, audit:read, admin"`
}

// KeyView describes an API key, never its secret.
type KeyView struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	CreatedBy  string     `json:"created_by"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// CreatedKey is a new key with its secret, shown this once.
type CreatedKey struct {
	KeyView
	Secret string `json:"secret" doc:"the API key; shown once, store it now"`
}

// KeyList is a list of keys.
type KeyList struct {
	Keys []KeyView `json:"keys"`
}

// CreateTenantRequest asks for a new tenant.
type CreateTenantRequest struct {
	Name       string `json:"name"`
	HomeRegion string `json:"home_region" doc:"where the tenant's data lives, e.g. eu, us"`
}

// CreatedTenant is a new tenant with the secret of its first admin key.
type CreatedTenant struct {
	Tenant   *steward.Tenant `json:"tenant"`
	AdminKey CreatedKey      `json:"admin_key"`
}

func keyView(k *steward.APIKey) KeyView {
	return KeyView{ID: k.ID, Name: k.Name, Scopes: scopeNames(k.Scopes), CreatedAt: k.CreatedAt, CreatedBy: k.CreatedBy,
		LastUsedAt: k.LastUsedAt, RevokedAt: k.RevokedAt}
}

func createdKey(nk *auth.NewKey) CreatedKey {
	return CreatedKey{KeyView: keyView(nk.Key), Secret: nk.Secret}
}

func (s *Server) routeKeys() {
	s.route(Route{Method: "POST", Path: "/v1/apikeys", Summary: "Create an API key in the caller's tenant", Tag: "auth",
		Scope: steward.ScopeAdmin, In: CreateKeyRequest{}, Out: CreatedKey{}, Status: http.StatusCreated, Errors: []string{steward.ECONFLICT}},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[CreateKeyRequest](w, r)
			if err != nil {
				return err
			}
			scopes, err := steward.ValidateScopes("scopes", in.Scopes)
			if err != nil {
				return err
			}
			nk, err := s.auth.CreateAPIKey(r.Context(), in.Name, scopes)
			if err != nil {
				return err
			}
			return respond(w, http.StatusCreated, createdKey(nk))
		})
	s.route(Route{Method: "GET", Path: "/v1/apikeys", Summary: "List the tenant's API keys (never their secrets)", Tag: "auth",
		Scope: steward.ScopeAdmin, Out: KeyList{}},
		func(w http.ResponseWriter, r *http.Request) error {
			keys, err := s.auth.ListAPIKeys(r.Context())
			if err != nil {
				return err
			}
			out := KeyList{Keys: make([]KeyView, len(keys))}
			for i, k := range keys {
				out.Keys[i] = keyView(k)
			}
			return respond(w, http.StatusOK, out)
		})
	s.route(Route{Method: "DELETE", Path: "/v1/apikeys/{id}", Summary: "Revoke an API key, effective at once (only by a caller holding every scope of the key; never the last key that can create tenants)", Tag: "auth",
		Scope: steward.ScopeAdmin, Status: http.StatusNoContent, Errors: []string{steward.ENOTFOUND, steward.ECONFLICT}},
		func(w http.ResponseWriter, r *http.Request) error {
			if err := s.auth.RevokeAPIKey(r.Context(), r.PathValue("id")); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})
	s.route(Route{Method: "POST", Path: "/v1/tenants", Summary: "Create a tenant and its first admin key (operator only)", Tag: "auth",
		Scope: steward.ScopeTenantsWrite, In: CreateTenantRequest{}, Out: CreatedTenant{}, Status: http.StatusCreated, Errors: []string{steward.ECONFLICT}},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[CreateTenantRequest](w, r)
			if err != nil {
				return err
			}
			if err := s.checkHomeRegion(in.HomeRegion); err != nil {
				return err
			}
			t, nk, err := s.auth.CreateTenant(r.Context(), in.Name, in.HomeRegion)
			if err != nil {
				return err
			}
			return respond(w, http.StatusCreated, CreatedTenant{Tenant: t, AdminKey: createdKey(nk)})
		})
	s.route(Route{Method: "PATCH", Path: "/v1/tenants/{id}", Summary: "Change a tenant's slug, the name of its privacy center in URLs (operator only)", Tag: "auth",
		Scope: steward.ScopeTenantsWrite, In: TenantPatch{}, Out: steward.Tenant{}, Errors: []string{steward.ECONFLICT, steward.ENOTFOUND}},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[TenantPatch](w, r)
			if err != nil {
				return err
			}
			t, err := s.auth.SetTenantSlug(r.Context(), r.PathValue("id"), in.Slug)
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, t)
		})
}

// TenantPatch changes a tenant.
type TenantPatch struct {
	Slug string `json:"slug" doc:"3 to 40 lowercase letters, digits and dashes: /privacy-center/{slug}/"`
}

// checkHomeRegion refuses a tenant home region the policy in force does not
// store data in.
func (s *Server) checkHomeRegion(region string) error {
	if err := steward.ValidateRegion("home_region", region); err != nil || s.opts.Vault == nil {
		return err
	}
	if d := s.opts.Vault.Policy(); !d.IsStorageRegion(region) {
		return steward.Invalid("home_region", "the policy in force stores data only in "+strings.Join(d.StorageRegions(), ", "))
	}
	return nil
}
