package client

import (
	"context"
	"encoding/json"
	"time"
)

// SignedAttestation is a report that the policy in force is kept, with its
// detached Ed25519 signature over the exact report bytes (verify it with
// `steward attest verify` or against AuditPublicKeys).
type SignedAttestation struct {
	Report     []byte `json:"report"`
	Algorithm  string `json:"algorithm"`
	KeyID      int    `json:"key_id"`
	Signature  []byte `json:"signature"`
	PublicKeys string `json:"public_keys"`
}

// Attestation is the signed report, decoded.
type Attestation struct {
	Format        string            `json:"format"`
	TenantID      string            `json:"tenant_id"`
	PolicyVersion string            `json:"policy_version"`
	Since         time.Time         `json:"since"`
	Until         time.Time         `json:"until"`
	Lines         []AttestationLine `json:"lines"`
	Kept          int               `json:"kept"`
	Broken        int               `json:"broken"`
	NotApplicable int               `json:"not_applicable"`
}

// AttestationLine is the evidence for one promise: Status is kept, broken
// or not_applicable; Breaking lists the first ids that break it.
type AttestationLine struct {
	Promise  string   `json:"promise"`
	Says     string   `json:"says"`
	Status   string   `json:"status"`
	Evidence string   `json:"evidence"`
	Broken   int      `json:"broken,omitempty"`
	Breaking []string `json:"breaking,omitempty"`
}

// Decode returns the report of a signed attestation (it does not check the
// signature).
func (s *SignedAttestation) Decode() (*Attestation, error) {
	var a Attestation
	return &a, json.Unmarshal(s.Report, &a)
}

var routeAttestation = jsonRoute[none, SignedAttestation]("Attestation", "GET", "/v1/attestation")

// Attestation asks for a signed report over the period since (0: the
// server's default, 30 days) that the policy in force is kept (needs
// audit:read).
func (c *Client) Attestation(ctx context.Context, since time.Duration) (*SignedAttestation, error) {
	q := values()
	if since > 0 {
		q.Set("since", since.String())
	}
	return routeAttestation.call(ctx, c, none{}, q)
}
