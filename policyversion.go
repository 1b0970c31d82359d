package steward

import (
	"context"
	"time"
)

// PolicyVersion is one policy the server has enforced, or has staged to
// enforce on its effective date: the file as it was, named by the version it
// declares (organisation.version). A version names one text: the store
// never holds two files under one version.
type PolicyVersion struct {
	// Seq orders versions by import; it is assigned by the store.
	Seq     int64
	Version string
	// Effective is the date the file declares (midnight UTC), or the time
	// it was first enforced when it declares none.
	Effective time.Time
	// SHA256 is the hash of Source.
	SHA256 []byte
	// Source is the policy file, byte for byte.
	Source     []byte
	ImportedAt time.Time
	// EnforcedAt is when the version first came into force; nil while it
	// is staged (and for a staged version a later one overtook).
	EnforcedAt *time.Time
}

// PolicyHead is what a replica polls to follow the policy in force: the
// version in force, a generation that grows with every change, and the
// staged version whose effective date has come, if any ("" when none).
type PolicyHead struct {
	Version string
	Gen     int64
	Due     string
}

// ActionPolicyChange is the audit action of a new policy version coming into
// force; Target names the new version and Reasons carry codes (from:V,
// to:V, changes:N, material:N, purposes:N).
const ActionPolicyChange = "policy.change"

// PolicyStore keeps the policy versions and which one is in force.
//
// ImportPolicyVersion stores a new version (Seq set) and returns ECONFLICT
// when the version exists. PolicyVersion returns ENOTFOUND for an unknown
// version; PolicyVersions lists every version, oldest import first.
// PolicyHead returns ENOTFOUND while no version was ever in force.
// EnforcePolicyVersion makes version to the one in force if the head is
// still at generation gen (0: no version in force yet), marks it enforced,
// and in the same transaction stores event, once for every tenant (a copy
// with its own id and tenant); it returns the tenants' ids, or ECONFLICT
// when the head moved (another replica changed it first).
type PolicyStore interface {
	ImportPolicyVersion(ctx context.Context, v *PolicyVersion) error
	PolicyVersion(ctx context.Context, version string) (*PolicyVersion, error)
	PolicyVersions(ctx context.Context) ([]*PolicyVersion, error)
	PolicyHead(ctx context.Context, now time.Time) (PolicyHead, error)
	EnforcePolicyVersion(ctx context.Context, to string, gen int64, at time.Time, event *Event) ([]string, error)
}

// ConsentStaleness tells whether a consent given under an earlier policy
// version is no longer effective because its purpose (or the processor it
// names) changed materially since.
type ConsentStaleness interface {
	// ConsentStale reports whether a consent for purpose (and processor, "" for
	// any) given under policy version givenUnder is stale under the version in
	// force. Unknown versions count as stale only if any material change of the
	// purpose happened after them; it must be fast (called on reads that need
	// consent): precompute per version, no database query on the call.
	ConsentStale(givenUnder, purpose, processor string) bool
}

// NeverStale is the ConsentStaleness of a server without policy history:
// no consent is ever stale.
type NeverStale struct{}

// ConsentStale returns false.
func (NeverStale) ConsentStale(givenUnder, purpose, processor string) bool { return false }

// ValidatePolicyVersion checks a policy version name: it appears in URLs
// and audit events, so it must be 1 to 64 letters, digits and . _ : -.
func ValidatePolicyVersion(field, v string) error {
	if len(v) > 64 || !auditToken(v) {
		return Invalid(field, "a policy version is 1 to 64 letters, digits and . _ : - (e.g. \"2026-05\")")
	}
	return nil
}
