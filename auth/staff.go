package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/steward-privacy/steward"
)

// Passwords hashes and verifies staff passwords (argon2id in production).
// *password.Hasher implements it.
type Passwords interface {
	Hash(ctx context.Context, password []byte) (string, error)
	// Verify reports whether password matches the encoded hash; it compares
	// in constant time and accepts the formats the service imports (bcrypt).
	Verify(ctx context.Context, password []byte, encoded string) (bool, error)
	// NeedsRehash reports whether an encoded hash should be replaced by a
	// current one (an imported bcrypt hash, older parameters); it returns an
	// EINVALID error for a hash it cannot read.
	NeedsRehash(encoded string) (bool, error)
}

// Lockout is the back-off applied to staff sign-in and TOTP checks: after
// Free failed attempts, each further failure locks the account for Base,
// doubling up to Max. A correct password during the lock is still refused.
type Lockout struct {
	Free int
	Base time.Duration
	Max  time.Duration
}

// DefaultLockout allows 5 free attempts, then locks for 30 s, 1 min, 2 min,
// ... up to 1 hour.
var DefaultLockout = Lockout{Free: 5, Base: 30 * time.Second, Max: time.Hour}

// lockFor returns how long to lock after the given number of failures.
func (l Lockout) lockFor(failures int) time.Duration {
	if failures <= l.Free {
		return 0
	}
	d := l.Base
	for i := l.Free + 1; i < failures && d < l.Max; i++ {
		d *= 2
	}
	return min(d, l.Max)
}

// SessionTTL is how long a console session lasts.
const SessionTTL = 12 * time.Hour

// NormalizeEmail trims and lower-cases an email address and checks its
// rough shape; the error never repeats the address.
func NormalizeEmail(field, email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	at := strings.LastIndexByte(e, '@')
	if at < 1 || at == len(e)-1 || len(e) > 254 || strings.ContainsAny(e, " \t\r\n<>()[],;:\"") {
		return "", steward.Invalid(field, "must be an email address")
	}
	return e, nil
}

// StaffAuth manages staff accounts: creation, sign-in with lockout, TOTP and
// sessions.
type StaffAuth struct {
	*Service
	passwords Passwords
	// RequireMFA, set before serving when the policy promises that staff
	// sign in with multi-factor authentication, limits the session of an
	// account without TOTP to enrolling it (Caller.MFAPending).
	RequireMFA bool

	dummyOnce sync.Once
	dummy     string // a hash of a random password, verified for unknown emails
}

// NewStaffAuth returns the staff side of the service.
func NewStaffAuth(s *Service, p Passwords) *StaffAuth { return &StaffAuth{Service: s, passwords: p} }

func emailAAD(tenantID string) []byte { return []byte("staff-email\x00" + tenantID) }
func totpAAD(staffID string) []byte   { return []byte("staff-totp\x00" + staffID) }

// CreateStaff creates an account in the caller's tenant (admin only), with
// either a password or, when importing accounts from another system, an
// existing hash (argon2id PHC or bcrypt), which is upgraded to argon2id at
// the first sign-in.
func (a *StaffAuth) CreateStaff(ctx context.Context, email, password, importedHash string, role steward.Role) (*steward.StaffAccount, error) {
	c, err := steward.Require(ctx, steward.ScopeAdmin)
	if err != nil {
		return nil, err
	}
	if scopes, ok := steward.RoleScopes[role]; ok && !c.Scopes.Covers(scopes) {
		_ = a.record(ctx, c.TenantID, c.Actor(), ActionStaffCreate, "", steward.DecisionDeny, "scope_not_held")
		return nil, &steward.Error{Code: steward.EFORBIDDEN, Message: "a staff role cannot grant scopes its creator does not hold",
			Fields: []steward.FieldError{{Path: "role", Message: "exceeds the caller's scopes"}}}
	}
	s, err := a.createStaff(ctx, c.TenantID, email, password, importedHash, role)
	if err != nil {
		return nil, err
	}
	return s, a.record(ctx, c.TenantID, c.Actor(), ActionStaffCreate, s.ID, steward.DecisionAllow, "role:"+string(role))
}

func (a *StaffAuth) createStaff(ctx context.Context, tenantID, email, password, importedHash string, role steward.Role) (*steward.StaffAccount, error) {
	e, err := NormalizeEmail("email", email)
	if err != nil {
		return nil, err
	}
	if err := steward.ValidateRole("role", role); err != nil {
		return nil, err
	}
	hash, err := a.initialHash(ctx, password, importedHash)
	if err != nil {
		return nil, err
	}
	sealed, err := a.sealer.Seal([]byte(e), emailAAD(tenantID))
	if err != nil {
		return nil, err
	}
	s := &steward.StaffAccount{TenantID: tenantID, EmailIndex: a.sealer.BlindIndex("staff-email", e), EmailSealed: sealed,
		PasswordHash: hash, Role: role, CreatedAt: a.now().UTC()}
	if err := a.store.CreateStaff(ctx, s); err != nil {
		return nil, err
	}
	return s, nil
}

// Login checks a staff member's password (and TOTP code, once enrolled) and
// returns a new session token. Failures count towards the lockout; while
// locked, even correct credentials are refused with ERATELIMIT.
func (a *StaffAuth) Login(ctx context.Context, tenantID, email, password, code string) (token string, s *steward.StaffAccount, err error) {
	denied := steward.Errorf(steward.EUNAUTHORIZED, "wrong email, password or code")
	e, err := NormalizeEmail("email", email)
	if err != nil {
		a.Denied(ctx, &steward.Caller{TenantID: tenantID}, ActionStaffSignIn, "", "wrong_credentials")
		return "", nil, denied
	}
	s, err = a.store.StaffByEmail(ctx, tenantID, a.sealer.BlindIndex("staff-email", e))
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		a.Denied(ctx, &steward.Caller{TenantID: tenantID}, ActionStaffSignIn, "", "wrong_credentials")
		// Spend the same time as a real check, so timing does not reveal
		// which emails have accounts.
		_, _ = a.passwords.Verify(ctx, []byte(password), a.dummyHash(ctx))
		return "", nil, denied
	}
	if err != nil {
		return "", nil, err
	}
	now := a.now().UTC()
	if s.DisabledAt != nil {
		return "", nil, denied
	}
	if s.LockedUntil != nil && now.Before(*s.LockedUntil) {
		a.Denied(ctx, nil, ActionStaffSignIn, s.ID, "locked")
		return "", nil, lockedError(s.LockedUntil.Sub(now))
	}
	ok, err := a.passwords.Verify(ctx, []byte(password), s.PasswordHash)
	if err != nil {
		return "", nil, err
	}
	if ok && s.TOTPEnabled {
		ok, err = a.checkTOTP(s, code, now)
		if err != nil {
			return "", nil, err
		}
	}
	if !ok {
		return "", nil, a.recordFailure(ctx, s, now, denied)
	}
	if err := a.record(ctx, s.TenantID, "staff:"+s.ID, ActionStaffSignIn, s.ID, steward.DecisionAllow); err != nil {
		return "", nil, err
	}
	if s.FailedAttempts != 0 || s.LockedUntil != nil {
		s.FailedAttempts, s.LockedUntil = 0, nil
		if err := a.store.UpdateStaff(ctx, s); err != nil {
			return "", nil, err
		}
	}
	a.upgradeHash(ctx, s, password)
	token, err = a.newSession(ctx, s, now)
	return token, s, err
}

func lockedError(wait time.Duration) error {
	return steward.RateLimited("too many failed attempts; try again later", wait)
}

// recordFailure counts a failed attempt and locks the account when due.
func (a *StaffAuth) recordFailure(ctx context.Context, s *steward.StaffAccount, now time.Time, denied error) error {
	s.FailedAttempts++
	if d := a.Lockout.lockFor(s.FailedAttempts); d > 0 {
		until := now.Add(d)
		s.LockedUntil = &until
	}
	if err := a.store.UpdateStaff(ctx, s); err != nil {
		return err
	}
	// Failures are aggregated per account and minute; a lockout is always
	// its own event.
	a.Denied(ctx, &steward.Caller{TenantID: s.TenantID, Kind: steward.ActorStaff, ID: s.ID}, ActionStaffSignIn, s.ID, "wrong_credentials")
	if s.LockedUntil != nil {
		_ = a.record(ctx, s.TenantID, "staff:"+s.ID, ActionStaffLockout, s.ID, steward.DecisionDeny,
			"failures:"+strconv.Itoa(s.FailedAttempts))
	}
	return denied
}

func (a *StaffAuth) checkTOTP(s *steward.StaffAccount, code string, now time.Time) (bool, error) {
	secret, err := a.sealer.Open(s.TOTPSealed, totpAAD(s.ID))
	if err != nil {
		return false, err
	}
	// A malformed code (wrong length, not digits) is just a wrong code.
	ok, err := totp.ValidateCustom(code, string(secret), now, totpOpts)
	return ok && err == nil, nil
}

var totpOpts = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

func (a *StaffAuth) newSession(ctx context.Context, s *steward.StaffAccount, now time.Time) (string, error) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	token := base64.RawURLEncoding.EncodeToString(b[:])
	sess := &steward.StaffSession{Hash: a.hasher.Hash(domainSession, token), StaffID: s.ID, TenantID: s.TenantID,
		CreatedAt: now, ExpiresAt: now.Add(SessionTTL)}
	if err := a.store.CreateSession(ctx, sess); err != nil {
		return "", err
	}
	return token, nil
}

// AuthenticateSession returns the caller for a session token.
func (a *StaffAuth) AuthenticateSession(ctx context.Context, token string) (*steward.Caller, error) {
	denied := steward.Errorf(steward.EUNAUTHORIZED, "session expired or invalid; sign in again")
	if len(token) != 43 {
		return nil, denied
	}
	sess, err := a.store.SessionByHash(ctx, a.hasher.Hash(domainSession, token), a.now())
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, denied
	}
	if err != nil {
		return nil, err
	}
	s, err := a.store.Staff(ctx, sess.TenantID, sess.StaffID)
	if err != nil || s.DisabledAt != nil {
		return nil, denied
	}
	if a.RequireMFA && !s.TOTPEnabled {
		return &steward.Caller{TenantID: s.TenantID, Kind: steward.ActorStaff, ID: s.ID, MFAPending: true}, nil
	}
	return &steward.Caller{TenantID: s.TenantID, Kind: steward.ActorStaff, ID: s.ID, Scopes: steward.RoleScopes[s.Role]}, nil
}

// Logout ends a session.
func (a *StaffAuth) Logout(ctx context.Context, token string) error {
	c, _ := a.AuthenticateSession(ctx, token) // nil: nothing to audit
	if err := a.store.DeleteSession(ctx, a.hasher.Hash(domainSession, token)); err != nil {
		return err
	}
	if c != nil {
		return a.record(ctx, c.TenantID, c.Actor(), ActionStaffSignOut, c.ID, steward.DecisionAllow)
	}
	return nil
}

// Enrollment is a TOTP secret offered to a staff member, shown once.
type Enrollment struct {
	Secret string `json:"secret"`
	URL    string `json:"otpauth_url"`
}

// EnrollTOTP generates a TOTP secret for the signed-in staff member and
// stores it encrypted; it takes effect after ConfirmTOTP.
func (a *StaffAuth) EnrollTOTP(ctx context.Context, issuer string) (*Enrollment, error) {
	s, err := a.signedIn(ctx)
	if err != nil {
		return nil, err
	}
	if s.TOTPEnabled {
		return nil, steward.Errorf(steward.ECONFLICT, "two-factor authentication is already enabled")
	}
	k, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: s.ID, Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, err
	}
	if s.TOTPSealed, err = a.sealer.Seal([]byte(k.Secret()), totpAAD(s.ID)); err != nil {
		return nil, err
	}
	if err := a.store.UpdateStaff(ctx, s); err != nil {
		return nil, err
	}
	if err := a.record(ctx, s.TenantID, "staff:"+s.ID, ActionTOTPEnroll, s.ID, steward.DecisionAllow); err != nil {
		return nil, err
	}
	return &Enrollment{Secret: k.Secret(), URL: k.URL()}, nil
}

// ConfirmTOTP enables two-factor sign-in once the staff member proves they
// hold the secret. Wrong codes count towards the lockout.
func (a *StaffAuth) ConfirmTOTP(ctx context.Context, code string) error {
	s, err := a.signedIn(ctx)
	if err != nil {
		return err
	}
	if s.TOTPEnabled || len(s.TOTPSealed) == 0 {
		return steward.Errorf(steward.ECONFLICT, "no two-factor enrolment is pending")
	}
	now := a.now().UTC()
	if s.LockedUntil != nil && now.Before(*s.LockedUntil) {
		return lockedError(s.LockedUntil.Sub(now))
	}
	ok, err := a.checkTOTP(s, code, now)
	if err != nil {
		return err
	}
	if !ok {
		return a.recordFailure(ctx, s, now, steward.Invalid("code", "the code is wrong or expired"))
	}
	s.TOTPEnabled, s.FailedAttempts, s.LockedUntil = true, 0, nil
	if err := a.store.UpdateStaff(ctx, s); err != nil {
		return err
	}
	return a.record(ctx, s.TenantID, "staff:"+s.ID, ActionTOTPConfirm, s.ID, steward.DecisionAllow)
}

func (a *StaffAuth) signedIn(ctx context.Context) (*steward.StaffAccount, error) {
	c := steward.CallerFrom(ctx)
	if c == nil || c.Kind != steward.ActorStaff {
		return nil, steward.Errorf(steward.EFORBIDDEN, "only a signed-in staff member can do this")
	}
	return a.store.Staff(ctx, c.TenantID, c.ID)
}

func (a *StaffAuth) dummyHash(ctx context.Context) string {
	a.dummyOnce.Do(func() {
		var b [16]byte
		_, _ = rand.Read(b[:])
		a.dummy, _ = a.passwords.Hash(ctx, []byte(base64.RawURLEncoding.EncodeToString(b[:])))
	})
	return a.dummy
}

// ListStaff lists the staff accounts of the caller's tenant.
func (a *StaffAuth) ListStaff(ctx context.Context) ([]*steward.StaffAccount, error) {
	c, err := steward.Require(ctx, steward.ScopeStaffRead)
	if err != nil {
		return nil, err
	}
	return a.store.StaffList(ctx, c.TenantID)
}

// initialHash hashes a new password, or checks an imported hash.
func (a *StaffAuth) initialHash(ctx context.Context, password, imported string) (string, error) {
	switch {
	case password != "" && imported != "":
		return "", steward.Invalid("password_hash", "give either password or password_hash, not both")
	case imported != "":
		if _, err := a.passwords.NeedsRehash(imported); err != nil {
			return "", steward.Invalid("password_hash", "must be an argon2id PHC string or a bcrypt hash")
		}
		return imported, nil
	}
	if n := len([]rune(password)); n < 12 || n > 256 {
		return "", steward.Invalid("password", "must be 12 to 256 characters")
	}
	return a.passwords.Hash(ctx, []byte(password))
}

// upgradeHash replaces an imported or outdated hash after a successful
// sign-in, when the password is at hand. Failure is not fatal: the old hash
// still works.
func (a *StaffAuth) upgradeHash(ctx context.Context, s *steward.StaffAccount, password string) {
	if need, err := a.passwords.NeedsRehash(s.PasswordHash); err != nil || !need {
		return
	}
	if h, err := a.passwords.Hash(ctx, []byte(password)); err == nil {
		s.PasswordHash = h
		_ = a.store.UpdateStaff(ctx, s)
	}
}
