package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"golang.org/x/crypto/bcrypt"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/auth"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/password"
)

type staffFixture struct {
	a      *auth.StaffAuth
	now    time.Time
	tenant string
	admin  context.Context
}

func newStaffFixture(t *testing.T) *staffFixture {
	t.Helper()
	db := testdb.SQLite(t)
	f := &staffFixture{now: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)}
	h, _ := auth.NewHasher([]byte(strings.Repeat("s", 32)))
	pw, err := password.NewHasher(password.TestParams, 2)
	if err != nil {
		t.Fatal(err)
	}
	f.a = auth.NewStaffAuth(auth.NewService(db, h, fakeSealer{}, func() time.Time { return f.now }), pw)
	boot, err := f.a.Bootstrap(context.Background(), "op", "us")
	if err != nil {
		t.Fatal(err)
	}
	f.tenant = boot.Key.TenantID
	f.admin = steward.WithCaller(context.Background(), &steward.Caller{TenantID: f.tenant, Kind: steward.ActorAPIKey, ID: boot.Key.ID,
		Scopes: steward.Scopes{steward.ScopeAdmin}})
	return f
}

// signUp creates an auditor account with pass and signs it in, returning
// the session token and the account.
func (f *staffFixture) signUp(t *testing.T, email, pass string) (string, *steward.StaffAccount) {
	t.Helper()
	if _, err := f.a.CreateStaff(f.admin, email, pass, "", steward.RoleAuditor); err != nil {
		t.Fatal(err)
	}
	token, st, err := f.a.Login(context.Background(), f.tenant, email, pass, "")
	if err != nil {
		t.Fatal(err)
	}
	return token, st
}

// enrolTOTP enrols and confirms TOTP for the staff member calling in me,
// returning the secret.
func (f *staffFixture) enrolTOTP(t *testing.T, me context.Context) string {
	t.Helper()
	en, err := f.a.EnrollTOTP(me, "steward")
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(en.Secret, f.now)
	if err := f.a.ConfirmTOTP(me, code); err != nil {
		t.Fatal(err)
	}
	return en.Secret
}

// TestImportedBcryptHashIsUpgraded: an account imported with a bcrypt hash
// signs in with its password, and its hash becomes argon2id.
func TestImportedBcryptHashIsUpgraded(t *testing.T) {
	f := newStaffFixture(t)
	old, _ := bcrypt.GenerateFromPassword([]byte("imported passphrase"), bcrypt.MinCost)
	s, err := f.a.CreateStaff(f.admin, "imp@example.org", "", string(old), steward.RoleSupport)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.a.CreateStaff(f.admin, "bad@example.org", "", "$md5$nope", steward.RoleSupport); steward.ErrorCode(err) != steward.EINVALID {
		t.Fatalf("a bad imported hash was accepted: %v", err)
	}
	if _, err := f.a.CreateStaff(f.admin, "both@example.org", "a long passphrase", string(old), steward.RoleSupport); steward.ErrorCode(err) != steward.EINVALID {
		t.Fatalf("password and hash together were accepted: %v", err)
	}
	if _, _, err := f.a.Login(context.Background(), f.tenant, "imp@example.org", "imported passphrase", ""); err != nil {
		t.Fatalf("login with the imported hash: %v", err)
	}
	got, _ := f.a.ListStaff(f.admin)
	for _, st := range got {
		if st.ID == s.ID && !strings.HasPrefix(st.PasswordHash, "$argon2id$") {
			t.Fatalf("hash not upgraded: %.10s", st.PasswordHash)
		}
	}
	if _, _, err := f.a.Login(context.Background(), f.tenant, "imp@example.org", "imported passphrase", ""); err != nil {
		t.Fatalf("login after the upgrade: %v", err)
	}
}

// TestTOTPLockout: wrong one-time codes lock the account with back-off; a
// correct code during the lock is refused; after it, accepted.
func TestTOTPLockout(t *testing.T) {
	f := newStaffFixture(t)
	const email, pass = "otp@example.org", "a long passphrase"
	_, st := f.signUp(t, email, pass)
	secret := f.enrolTOTP(t, steward.WithCaller(context.Background(), &steward.Caller{TenantID: f.tenant, Kind: steward.ActorStaff, ID: st.ID}))
	for i := range auth.DefaultLockout.Free + 1 {
		_, _, err := f.a.Login(context.Background(), f.tenant, email, pass, "000000")
		if steward.ErrorCode(err) != steward.EUNAUTHORIZED {
			t.Fatalf("wrong code %d: %v", i+1, err)
		}
	}
	good, _ := totp.GenerateCode(secret, f.now)
	if _, _, err := f.a.Login(context.Background(), f.tenant, email, pass, good); steward.ErrorCode(err) != steward.ERATELIMIT {
		t.Fatalf("a correct code during the lockout: %v; want ERATELIMIT", err)
	}
	f.now = f.now.Add(auth.DefaultLockout.Base + time.Second)
	good, _ = totp.GenerateCode(secret, f.now)
	if _, _, err := f.a.Login(context.Background(), f.tenant, email, pass, good); err != nil {
		t.Fatalf("after the lockout: %v", err)
	}
}

// TestRequireMFA: when the policy promises staff MFA, a session of an
// account without TOTP carries no scopes until TOTP is confirmed; without
// the promise the same kind of session has its role's scopes.
func TestRequireMFA(t *testing.T) {
	f := newStaffFixture(t)
	f.a.RequireMFA = true
	const pass = "a long passphrase"
	token, _ := f.signUp(t, "mfa@example.org", pass)
	c, err := f.a.AuthenticateSession(context.Background(), token)
	if err != nil || !c.MFAPending || len(c.Scopes) != 0 {
		t.Fatalf("session without TOTP = %+v, %v; want pending MFA, no scopes", c, err)
	}
	f.enrolTOTP(t, steward.WithCaller(context.Background(), c))
	c, err = f.a.AuthenticateSession(context.Background(), token)
	if err != nil || c.MFAPending || !c.Scopes.Has(steward.ScopeAuditRead) {
		t.Fatalf("session after TOTP = %+v, %v; want the auditor's scopes", c, err)
	}
	f.a.RequireMFA = false
	token, _ = f.signUp(t, "plain@example.org", pass)
	if c, err := f.a.AuthenticateSession(context.Background(), token); err != nil || c.MFAPending || len(c.Scopes) == 0 {
		t.Fatalf("session when MFA is not required = %+v, %v", c, err)
	}
}
