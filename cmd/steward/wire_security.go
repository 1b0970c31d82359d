package main

import (
	"crypto/tls"

	"github.com/steward-privacy/steward/auth"
	"github.com/steward-privacy/steward/password"
	"github.com/steward-privacy/steward/policy"
)

// passwordParams are the staff password hashing parameters the policy's
// security section asks for: bcrypt when it promises bcrypt, else argon2id.
func passwordParams(sec policy.Security) password.Params {
	if sec.PasswordHashing == "bcrypt" {
		return password.Params{BcryptCost: password.DefaultBcryptCost}
	}
	return password.DefaultParams
}

// applySecurity makes the server keep the policy's security promises that
// are settings rather than facts of the build: the password hash of staff
// accounts and multi-factor sign-in for staff. Call it before serving.
func (a *app) applySecurity(sec policy.Security) error {
	// At most two hashes at once (64 MiB each for argon2id), so a burst of
	// sign-ins cannot exhaust memory.
	pw, err := password.NewHasher(passwordParams(sec), 2)
	if err != nil {
		return err
	}
	a.auth = auth.NewStaffAuth(a.auth.Service, pw)
	a.auth.RequireMFA = sec.StaffMFA
	return nil
}

// tlsMinimum is the lowest TLS version the policy promises to accept.
func tlsMinimum(sec policy.Security) uint16 {
	if sec.TLSMinimum == "1.3" {
		return tls.VersionTLS13
	}
	return tls.VersionTLS12
}
