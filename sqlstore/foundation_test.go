package sqlstore_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/sqlstore"
)

// The conformance suite: every test here runs on SQLite, and on PostgreSQL
// when STEWARD_TEST_POSTGRES is set.

var t0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func mustTenant(t *testing.T, db *sqlstore.DB, name string) *steward.Tenant {
	t.Helper()
	tn := &steward.Tenant{Name: name, HomeRegion: "eu", CreatedAt: t0}
	if err := db.CreateTenant(context.Background(), tn); err != nil {
		t.Fatalf("CreateTenant(%q): %v", name, err)
	}
	return tn
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := steward.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v); want %q", got, err, code)
	}
}

func TestTenants(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		a := mustTenant(t, db, "Acme")
		got, err := db.Tenant(ctx, a.ID)
		if err != nil || got.Name != "Acme" || got.HomeRegion != "eu" || !got.CreatedAt.Equal(t0) {
			t.Fatalf("Tenant = %+v, %v", got, err)
		}
		wantCode(t, db.CreateTenant(ctx, &steward.Tenant{Name: "Acme", HomeRegion: "us"}), steward.ECONFLICT)
		wantCode(t, db.CreateTenant(ctx, &steward.Tenant{Name: "", HomeRegion: "us"}), steward.EINVALID)
		wantCode(t, db.CreateTenant(ctx, &steward.Tenant{Name: "x", HomeRegion: "EU!"}), steward.EINVALID)
		_, err = db.Tenant(ctx, "ten_missing")
		wantCode(t, err, steward.ENOTFOUND)
		mustTenant(t, db, "Beta")
		all, err := db.Tenants(ctx)
		if err != nil || len(all) != 2 {
			t.Fatalf("Tenants = %d, %v; want 2", len(all), err)
		}
	})
}

func TestAPIKeys(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		a, other := mustTenant(t, db, "A"), mustTenant(t, db, "B")
		k := &steward.APIKey{TenantID: a.ID, Name: "ci", Scopes: steward.Scopes{steward.ScopeRecordsRead, steward.ScopeAdmin},
			Hash: bytes.Repeat([]byte{1}, 32), CreatedAt: t0, CreatedBy: "system:bootstrap"}
		if err := db.CreateAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		dup := *k
		dup.ID = ""
		wantCode(t, db.CreateAPIKey(ctx, &dup), steward.ECONFLICT)

		got, err := db.APIKeyByHash(ctx, k.Hash)
		if err != nil || got.ID != k.ID || got.TenantID != a.ID || !got.Scopes.Has(steward.ScopeRecordsRead) || !got.Active() {
			t.Fatalf("APIKeyByHash = %+v, %v", got, err)
		}
		_, err = db.APIKeyByHash(ctx, bytes.Repeat([]byte{2}, 32))
		wantCode(t, err, steward.ENOTFOUND)

		if err := db.TouchAPIKey(ctx, k.ID, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		// Tenant isolation: another tenant cannot list or revoke the key.
		if l, _ := db.APIKeys(ctx, other.ID); len(l) != 0 {
			t.Fatalf("other tenant lists %d keys", len(l))
		}
		wantCode(t, db.RevokeAPIKey(ctx, other.ID, k.ID, t0), steward.ENOTFOUND)

		if err := db.RevokeAPIKey(ctx, a.ID, k.ID, t0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		l, err := db.APIKeys(ctx, a.ID)
		if err != nil || len(l) != 1 || l[0].Active() || !l[0].LastUsedAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("APIKeys after revoke = %+v, %v", l, err)
		}
		if !l[0].RevokedAt.Equal(t0.Add(2 * time.Hour)) {
			t.Fatalf("revoked_at = %v", l[0].RevokedAt)
		}
	})
}

func TestStaff(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		a, other := mustTenant(t, db, "A"), mustTenant(t, db, "B")
		s := &steward.StaffAccount{TenantID: a.ID, EmailIndex: []byte("idx"), EmailSealed: []byte("sealed"),
			PasswordHash: "$argon2id$...", Role: steward.RoleSupport, CreatedAt: t0}
		if err := db.CreateStaff(ctx, s); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.CreateStaff(ctx, &steward.StaffAccount{TenantID: a.ID, EmailIndex: []byte("idx"), EmailSealed: []byte("x"),
			PasswordHash: "h", Role: steward.RoleAdmin, CreatedAt: t0}), steward.ECONFLICT)
		// The same email in another tenant is a different account.
		if err := db.CreateStaff(ctx, &steward.StaffAccount{TenantID: other.ID, EmailIndex: []byte("idx"), EmailSealed: []byte("x"),
			PasswordHash: "h", Role: steward.RoleAdmin, CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		got, err := db.StaffByEmail(ctx, a.ID, []byte("idx"))
		if err != nil || got.ID != s.ID || got.Role != steward.RoleSupport {
			t.Fatalf("StaffByEmail = %+v, %v", got, err)
		}
		_, err = db.Staff(ctx, other.ID, s.ID)
		wantCode(t, err, steward.ENOTFOUND)

		until := t0.Add(time.Minute)
		got.FailedAttempts, got.LockedUntil, got.TOTPSealed, got.TOTPEnabled = 3, &until, []byte("totp"), true
		if err := db.UpdateStaff(ctx, got); err != nil {
			t.Fatal(err)
		}
		again, _ := db.Staff(ctx, a.ID, s.ID)
		if again.FailedAttempts != 3 || !again.LockedUntil.Equal(until) || !again.TOTPEnabled || string(again.TOTPSealed) != "totp" {
			t.Fatalf("after update: %+v", again)
		}
		if l, _ := db.StaffList(ctx, a.ID); len(l) != 1 {
			t.Fatalf("StaffList = %d; want 1", len(l))
		}

		sess := &steward.StaffSession{Hash: []byte("h1"), StaffID: s.ID, TenantID: a.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		if err := db.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SessionByHash(ctx, []byte("h1"), t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		_, err = db.SessionByHash(ctx, []byte("h1"), t0.Add(2*time.Hour))
		wantCode(t, err, steward.ENOTFOUND)
		if err := db.DeleteSession(ctx, []byte("h1")); err != nil {
			t.Fatal(err)
		}
		_, err = db.SessionByHash(ctx, []byte("h1"), t0)
		wantCode(t, err, steward.ENOTFOUND)
	})
}

func TestMigrateTwiceIsNoop(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		applied, err := db.Migrate(context.Background())
		if err != nil || len(applied) != 0 {
			t.Fatalf("second Migrate applied %v, %v; want nothing", applied, err)
		}
		if err := db.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}
