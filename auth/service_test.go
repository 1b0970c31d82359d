package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/auth"
	"github.com/steward-privacy/steward/internal/testdb"
)

type fakeSealer struct{}

func (fakeSealer) Seal(p, _ []byte) ([]byte, error) { return p, nil }
func (fakeSealer) Open(c, _ []byte) ([]byte, error) { return c, nil }
func (fakeSealer) BlindIndex(kind, v string) []byte { return []byte(kind + v) }

// TestRevocationAndKeyCache: a key revoked through the service stops at
// once; one revoked behind its back (another replica) within KeyCacheTTL.
func TestRevocationAndKeyCache(t *testing.T) {
	db := testdb.SQLite(t)
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	h, _ := auth.NewHasher([]byte(strings.Repeat("s", 32)))
	svc := auth.NewService(db, h, fakeSealer{}, func() time.Time { return now })
	ctx := context.Background()
	boot, err := svc.Bootstrap(ctx, "op", "us")
	if err != nil || boot == nil {
		t.Fatal(err)
	}
	admin := steward.WithCaller(ctx, &steward.Caller{TenantID: boot.Key.TenantID, Kind: steward.ActorAPIKey, ID: boot.Key.ID,
		Scopes: steward.Scopes{steward.ScopeAdmin}})
	k1, _ := svc.CreateAPIKey(admin, "one", steward.Scopes{steward.ScopeRecordsRead})
	k2, _ := svc.CreateAPIKey(admin, "two", steward.Scopes{steward.ScopeRecordsRead})
	for _, k := range []*auth.NewKey{k1, k2} {
		if _, err := svc.AuthenticateKey(ctx, k.Secret); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.RevokeAPIKey(admin, k1.Key.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AuthenticateKey(ctx, k1.Secret); steward.ErrorCode(err) != steward.EUNAUTHORIZED {
		t.Fatalf("revoked key still works: %v", err)
	}
	// Behind the service's back, as another replica would.
	if err := db.RevokeAPIKey(ctx, boot.Key.TenantID, k2.Key.ID, now); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AuthenticateKey(ctx, k2.Secret); err != nil {
		t.Fatalf("within the cache lifetime the key is still trusted: %v", err)
	}
	now = now.Add(auth.KeyCacheTTL)
	if _, err := svc.AuthenticateKey(ctx, k2.Secret); steward.ErrorCode(err) != steward.EUNAUTHORIZED {
		t.Fatalf("after the cache lifetime the revoked key still works: %v", err)
	}
	// A key of one tenant never authenticates into another.
	c, _ := svc.AuthenticateKey(ctx, boot.Secret)
	if c.TenantID != boot.Key.TenantID {
		t.Fatal("wrong tenant")
	}
}
