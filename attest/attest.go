// Package attest proves, from the running system's own records, that the
// policy in force is kept: for each promise (encryption at rest, retention,
// ephemeral files, request logs, consent, processors, rights, staff access,
// the audit chain, staff MFA, TLS, incidents) a line that says kept,
// broken (with the ids that break it) or not applicable, with its evidence
// in numbers. The report is signed with the audit signing key (Ed25519,
// detached) and verifies offline against the published keys, as consent
// receipts do.
//
// Nothing in a report is a personal value: subjects, files, events and
// disclosures are named by id.
package attest

import (
	"context"
	"encoding/json"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/audit"
	"github.com/steward-privacy/steward/policy"
)

// Status of one promise.
type Status string

// Statuses.
const (
	Kept          Status = "kept"
	Broken        Status = "broken"
	NotApplicable Status = "not_applicable"
)

// Format names the report format.
const Format = "steward-attestation/1"

// maxBreaking bounds the ids listed per broken promise (the count is exact).
const maxBreaking = 50

// Line is the evidence for one promise.
type Line struct {
	Promise  string   `json:"promise" doc:"a code, e.g. retention"`
	Says     string   `json:"says" doc:"the promise in words, from the policy"`
	Status   Status   `json:"status"`
	Evidence string   `json:"evidence" doc:"what was checked, in numbers"`
	Broken   int      `json:"broken,omitempty" doc:"how many items break it"`
	Breaking []string `json:"breaking,omitempty" doc:"ids of the first items that break it"`
}

// Report is an attestation of one tenant.
type Report struct {
	Format        string    `json:"format"`
	TenantID      string    `json:"tenant_id"`
	PolicyVersion string    `json:"policy_version"`
	Since         time.Time `json:"since"`
	Until         time.Time `json:"until"`
	Lines         []Line    `json:"lines"`
	Kept          int       `json:"kept"`
	BrokenCount   int       `json:"broken"`
	NotApplicable int       `json:"not_applicable"`
}

// ActionAttest records an attestation made (Reasons: the promises and
// their status as codes, e.g. "retention:kept").
const ActionAttest = "attestation.create"

// Codes lists each promise with its status, for the audit event.
func (r *Report) Codes() []string {
	out := make([]string, len(r.Lines))
	for i, l := range r.Lines {
		out[i] = l.Promise + ":" + string(l.Status)
	}
	return out
}

// Clean reports whether no promise is broken.
func (r *Report) Clean() bool { return r.BrokenCount == 0 }

// Signed is a report with its detached Ed25519 signature over the exact
// report bytes.
type Signed struct {
	Report     []byte `json:"report" doc:"the report JSON, base64 of the exact bytes signed"`
	Algorithm  string `json:"algorithm" doc:"Ed25519"`
	KeyID      int    `json:"key_id" doc:"the id of the key in GET /v1/audit/public-key"`
	Signature  []byte `json:"signature" doc:"Ed25519 signature over the report bytes, base64"`
	PublicKeys string `json:"public_keys" doc:"where the verification keys are published"`
}

// Signer signs with the audit signing key; *audit.Log is one.
type Signer interface {
	SignDetached(doc []byte) (keyID int, sig []byte, err error)
}

// Sign signs a report.
func Sign(r *Report, s Signer) (*Signed, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	id, sig, err := s.SignDetached(b)
	if err != nil {
		return nil, err
	}
	return &Signed{Report: b, Algorithm: "Ed25519", KeyID: id, Signature: sig, PublicKeys: "/v1/audit/public-key"}, nil
}

// Verify checks a signed report against the published keys (the JSON of
// GET /v1/audit/public-key) and returns it; any changed byte fails it with
// EINVALID.
func Verify(signed []byte, keys audit.PublicKeys) (*Report, error) {
	var env Signed
	if err := json.Unmarshal(signed, &env); err != nil || len(env.Report) == 0 || len(env.Signature) == 0 {
		return nil, steward.Errorf(steward.EINVALID, "not a signed attestation (want the JSON of GET /v1/attestation or steward attest)")
	}
	if env.Algorithm != "Ed25519" {
		return nil, steward.Errorf(steward.EINVALID, "unknown signature algorithm %q", env.Algorithm)
	}
	if problem := keys.VerifyDetached(env.KeyID, env.Report, env.Signature); problem != "" {
		return nil, steward.Errorf(steward.EINVALID, "attestation signature: %s", problem)
	}
	var r Report
	if err := json.Unmarshal(env.Report, &r); err != nil || r.Format != Format {
		return nil, steward.Errorf(steward.EINVALID, "the signed bytes are not a %s report", Format)
	}
	return &r, nil
}

// Settings are the server's settings a promise depends on.
type Settings struct {
	// TLS is set when steward itself terminates TLS; InsecureHTTP when a
	// proxy does (not provable from here); neither: loopback only.
	TLS, InsecureHTTP bool
	// TLSMinimum is the lowest TLS version steward accepts ("1.2", "1.3").
	TLSMinimum string
	// EphemeralTTL is the lifetime of an ephemeral file.
	EphemeralTTL time.Duration
	// RequestLogRetention is how long request log entries are kept.
	RequestLogRetention time.Duration
	// Grace is how late a periodic job may run (a few job intervals): an
	// item past its limit by less is not yet a broken promise.
	Grace time.Duration
}

// Config holds what an attestation reads.
type Config struct {
	Store Store
	// Policy returns the policy in force (its Decider and parsed file).
	Policy func() (*policy.Decider, *policy.Policy)
	// VerifyChain verifies a tenant's audit chain: ok, and a sentence.
	VerifyChain func(ctx context.Context, tenantID string) (bool, string, error)
	Settings    Settings
	// Rights and Incidents attest the promises of the capabilities that
	// record requests and incidents; nil: not applicable.
	Rights, Incidents func(ctx context.Context, tenantID string, since, now time.Time) (Line, error)
	Now               func() time.Time
}

// Attester produces reports.
type Attester struct{ c Config }

// New returns an Attester.
func New(c Config) *Attester {
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Attester{c: c}
}

// run is one attestation in progress.
type run struct {
	*Attester
	tenant string
	since  time.Time
	now    time.Time
	dec    *policy.Decider
	pol    *policy.Policy
}

// check produces the line of one promise.
type check func(ctx context.Context, r *run) (Line, error)

// checks are the promises, in report order.
var checks = []check{
	checkEncryption, checkRetention, checkEphemeral, checkRequestLog, checkConsent, checkProcessors,
	checkRights, checkStaffAccess, checkAuditChain, checkStaffMFA, checkTLS, checkIncidents,
}

// Attest checks every promise of the policy in force for a tenant over the
// period since → now.
func (a *Attester) Attest(ctx context.Context, tenantID string, since time.Duration) (*Report, error) {
	dec, pol := a.c.Policy()
	now := a.c.Now().UTC()
	r := &run{Attester: a, tenant: tenantID, since: now.Add(-since), now: now, dec: dec, pol: pol}
	rep := &Report{Format: Format, TenantID: tenantID, PolicyVersion: dec.Version(), Since: r.since, Until: now}
	for _, c := range checks {
		l, err := c(ctx, r)
		if err != nil {
			return nil, err
		}
		if len(l.Breaking) > maxBreaking {
			l.Breaking = l.Breaking[:maxBreaking]
		}
		switch l.Status {
		case Kept:
			rep.Kept++
		case Broken:
			rep.BrokenCount++
		default:
			rep.NotApplicable++
		}
		rep.Lines = append(rep.Lines, l)
	}
	return rep, nil
}

// verdict is Kept when nothing breaks the promise, else Broken.
func verdict(broken int) Status {
	if broken > 0 {
		return Broken
	}
	return Kept
}
