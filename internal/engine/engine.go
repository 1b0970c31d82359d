// Package engine states what this build of steward does where a policy's
// security section makes promises that the public notice repeats: the
// cipher of personal data at rest, the hash of API keys and the password
// hashes it can make. The facts come from the packages that do the work, so
// they cannot drift from them; the server refuses a policy that promises
// anything else, and the examples are checked against them (G8).
package engine

import (
	"github.com/steward-privacy/steward/auth"
	"github.com/steward-privacy/steward/crypt"
	"github.com/steward-privacy/steward/password"
	"github.com/steward-privacy/steward/policy"
)

// Facts returns what this build does.
func Facts() policy.Engine {
	e := policy.Engine{EncryptionAtRest: crypt.Algorithm, APIKeyHashing: auth.KeyHashAlgorithm}
	for _, a := range password.Algorithms() {
		e.Passwords = append(e.Passwords, policy.PasswordHash(a))
	}
	return e
}
