package vault

import (
	"context"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
)

// maxSecret bounds a stored third-party secret.
const maxSecret = 16 << 10

func secretAAD(tenant, name string) []byte {
	return crypt.AAD{Tenant: tenant, Kind: crypt.KindSecret, Name: name}.Bytes()
}

// ValidateSecretName accepts 1 to 100 characters of letters, digits, '.',
// '-' and '_'.
func ValidateSecretName(name string) error {
	if name == "" || len(name) > 100 {
		return steward.Invalid("name", "must be 1 to 100 characters")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return steward.Invalid("name", "may hold only letters, digits, '.', '-' and '_'")
		}
	}
	return nil
}

// PutSecret stores a third-party secret of the tenant, sealed under the
// current tenant key.
func (v *Vault) PutSecret(ctx context.Context, name string, value string) error {
	c, err := require(ctx, steward.ScopeSecretsWrite)
	if err != nil {
		return err
	}
	if err := ValidateSecretName(name); err != nil {
		return err
	}
	if value == "" || len(value) > maxSecret {
		return steward.Invalid("value", "must be 1 to 16384 bytes")
	}
	tk, err := v.ring.current(ctx, c.TenantID)
	if err != nil {
		return err
	}
	s := &steward.StoredSecret{TenantID: c.TenantID, Name: name, Sealed: crypt.Seal(tk, []byte(value), secretAAD(c.TenantID, name)),
		UpdatedAt: v.now().UTC()}
	if err := v.store.PutSecret(ctx, s); err != nil {
		return err
	}
	_, err = v.record(ctx, c, steward.AuditEvent{Action: steward.ActionSecretWrite, Target: name, Decision: steward.DecisionAllow})
	return err
}

// Secret reads a third-party secret (secrets:read only; admin is not enough).
func (v *Vault) Secret(ctx context.Context, name string) (string, error) {
	c := steward.CallerFrom(ctx)
	if c == nil {
		return "", steward.Errorf(steward.EUNAUTHORIZED, "authentication required")
	}
	if !c.Scopes.HasExactly(steward.ScopeSecretsRead) {
		return "", steward.Errorf(steward.EFORBIDDEN, "reading a secret needs the dedicated %q scope", steward.ScopeSecretsRead)
	}
	if err := ValidateSecretName(name); err != nil {
		return "", err
	}
	s, err := v.store.Secret(ctx, c.TenantID, name)
	if err != nil {
		return "", err
	}
	plain, err := crypt.OpenWith(v.ring.lookup(ctx, c.TenantID), s.Sealed, secretAAD(c.TenantID, name))
	if err != nil {
		return "", err
	}
	if _, err := v.record(ctx, c, steward.AuditEvent{Action: steward.ActionSecretRead, Target: name, Decision: steward.DecisionAllow}); err != nil {
		return "", err
	}
	return string(plain), nil
}

// SecretNames lists the tenant's secret names, never values.
func (v *Vault) SecretNames(ctx context.Context) ([]string, error) {
	c, err := require(ctx, steward.ScopeSecretsWrite)
	if err != nil {
		return nil, err
	}
	return v.store.SecretNames(ctx, c.TenantID)
}

// DeleteSecret deletes a secret.
func (v *Vault) DeleteSecret(ctx context.Context, name string) error {
	c, err := require(ctx, steward.ScopeSecretsWrite)
	if err != nil {
		return err
	}
	if err := ValidateSecretName(name); err != nil {
		return err
	}
	if err := v.store.DeleteSecret(ctx, c.TenantID, name); err != nil {
		return err
	}
	_, err = v.record(ctx, c, steward.AuditEvent{Action: steward.ActionSecretDelete, Target: name, Decision: steward.DecisionAllow})
	return err
}
