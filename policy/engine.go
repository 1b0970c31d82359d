package policy

import (
	"slices"
	"strings"
)

// Engine describes what the steward that will run a policy does where the
// policy's security section makes a promise that the public notice repeats
// (G8: the words may not say more than the engine does). The encryption of
// personal data at rest and the hashing of API keys are fixed by the build;
// password hashing is chosen from Passwords by the policy itself. The TLS
// minimum and staff multi-factor sign-in are settings the server takes from
// the policy, so they need no check here.
type Engine struct {
	EncryptionAtRest Encryption
	APIKeyHashing    KeyHash
	// Passwords lists the password hashes the engine can be set to use;
	// the first is its default when the policy names none.
	Passwords []PasswordHash
}

// CheckEngine returns the security promises of p that e would not keep,
// each at the position of the promise, with the value that e keeps as a
// hint. The server refuses to start with such a policy and `steward policy
// check` reports them, so a notice can never promise what is not done.
func (p *Policy) CheckEngine(e Engine) Problems {
	c := &checker{p: p}
	s := p.Security
	if s.EncryptionAtRest != "" && s.EncryptionAtRest != e.EncryptionAtRest {
		c.add("security.encryption_at_rest", "set it to "+string(e.EncryptionAtRest)+", which is what steward does",
			"the notice would promise %s encryption at rest, but steward encrypts with %s", s.EncryptionAtRest, e.EncryptionAtRest)
	}
	if s.APIKeyHashing != "" && s.APIKeyHashing != e.APIKeyHashing {
		c.add("security.api_key_hashing", "set it to "+string(e.APIKeyHashing)+", which is what steward does",
			"the notice would promise %s hashes of API keys, but steward stores them as %s", s.APIKeyHashing, e.APIKeyHashing)
	}
	if s.PasswordHashing != "" && !slices.Contains(e.Passwords, s.PasswordHashing) {
		c.add("security.password_hashing", "steward can hash passwords with "+strings.Join(enumStrings(e.Passwords), " or "),
			"the notice would promise %s password hashes, which steward cannot make", s.PasswordHashing)
	}
	c.problems.sort()
	return c.problems
}
