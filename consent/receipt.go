package consent

import (
	"context"
	"encoding/json"
	"net/url"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/audit"
	"github.com/steward-privacy/steward/policy"
)

// ReceiptFormat names the receipt format.
const ReceiptFormat = "steward-consent-receipt/1"

// Receipt is a consent receipt shaped after ISO/IEC TS 27560 and the W3C
// Data Privacy Vocabulary (DPV) consent record: who the controller is, an
// opaque reference to the person (never a personal value), the purpose and
// its legal basis, the processing (categories of personal data), the
// recipients (processors), the notice and its version, and the decision
// with its time, method and status.
type Receipt struct {
	Format     string          `json:"format"`
	Profile    string          `json:"profile"`
	ID         string          `json:"receipt_id" doc:"the consent record's id"`
	Controller ReceiptParty    `json:"controller"`
	Subject    ReceiptSubject  `json:"data_subject"`
	Purpose    ReceiptPurpose  `json:"purpose"`
	LegalBasis string          `json:"legal_basis" doc:"dpv:Consent"`
	Processing ReceiptProcess  `json:"processing"`
	Recipients []ReceiptParty  `json:"recipients"`
	Notice     ReceiptNotice   `json:"notice"`
	Decision   ReceiptDecision `json:"consent"`
}

// ReceiptParty is a controller or a recipient.
type ReceiptParty struct {
	ID        string   `json:"id,omitempty"`
	Name      string   `json:"name"`
	Contact   string   `json:"contact,omitempty"`
	Kind      string   `json:"kind,omitempty"`
	Locations []string `json:"locations,omitempty"`
}

// ReceiptSubject references the person by an opaque id only.
type ReceiptSubject struct {
	ID   string `json:"id"`
	Type string `json:"id_type" doc:"opaque: a steward subject id, no personal value"`
}

// ReceiptPurpose is the purpose consented to.
type ReceiptPurpose struct {
	ID          string `json:"id"`
	Description string `json:"description,omitempty"`
}

// ReceiptProcess is the processing the consent covers.
type ReceiptProcess struct {
	PersonalData []string `json:"personal_data" doc:"category keys the purpose may use"`
}

// ReceiptNotice is the notice the consent was given under: the policy
// version and where its notice is published, and what the person was shown.
type ReceiptNotice struct {
	PolicyVersion string `json:"policy_version"`
	URL           string `json:"url" doc:"path of the notice of that version on the steward server"`
	ShownVersion  string `json:"shown_version,omitempty"`
	Form          string `json:"form,omitempty"`
	TextSHA256    string `json:"text_sha256,omitempty"`
}

// ReceiptDecision is the recorded decision.
type ReceiptDecision struct {
	Status string    `json:"status" doc:"dpv:ConsentGiven or dpv:ConsentWithdrawn"`
	Time   time.Time `json:"time"`
	Method string    `json:"method" doc:"the channel: web, app, api, email, paper or gpc"`
}

// SignedReceipt is how a receipt is served and kept: the exact receipt
// bytes (base64 in JSON) and a detached Ed25519 signature over them, by an
// audit signing key listed at GET /v1/audit/public-key.
type SignedReceipt struct {
	Receipt    []byte `json:"receipt" doc:"the receipt JSON, base64 of the exact bytes signed"`
	Algorithm  string `json:"algorithm" doc:"Ed25519"`
	KeyID      int    `json:"key_id" doc:"the id of the key in GET /v1/audit/public-key"`
	Signature  []byte `json:"signature" doc:"Ed25519 signature over the receipt bytes, base64"`
	PublicKeys string `json:"public_keys" doc:"where the verification keys are published"`
}

// PublicKeysPath is where the verification keys are published.
const PublicKeysPath = "/v1/audit/public-key"

// Receipt returns the signed receipt of one consent record (scope
// consents:read); ENOTFOUND if the tenant has no such record.
func (s *Service) Receipt(ctx context.Context, id string) (*SignedReceipt, error) {
	c, err := steward.Require(ctx, steward.ScopeConsentsRead)
	if err != nil {
		return nil, err
	}
	cr, err := s.store.Consent(ctx, c.TenantID, id)
	if err != nil {
		return nil, err
	}
	doc, err := json.Marshal(buildReceipt(s.pols.Policy(), cr))
	if err != nil {
		return nil, err
	}
	keyID, sig, err := s.signer.SignDetached(doc)
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, c, steward.AuditEvent{Action: steward.ActionConsentReceipt, SubjectID: cr.SubjectID,
		Purpose: cr.Purpose, Target: cr.ID, Decision: steward.DecisionAllow}); err != nil {
		return nil, err
	}
	return &SignedReceipt{Receipt: doc, Algorithm: "Ed25519", KeyID: keyID, Signature: sig, PublicKeys: PublicKeysPath}, nil
}

// buildReceipt describes cr under the policy pol.
func buildReceipt(pol *policy.Decider, cr *steward.ConsentRecord) *Receipt {
	org := pol.Controller()
	r := &Receipt{Format: ReceiptFormat, Profile: "ISO/IEC TS 27560:2023; W3C DPV", ID: cr.ID,
		Controller: ReceiptParty{Name: org.Name, Contact: org.Contact},
		Subject:    ReceiptSubject{ID: cr.SubjectID, Type: "opaque"},
		Purpose:    ReceiptPurpose{ID: cr.Purpose, Description: pol.PurposeDescription(cr.Purpose)},
		LegalBasis: "dpv:Consent",
		Processing: ReceiptProcess{PersonalData: pol.CategoriesFor(cr.Purpose)},
		Recipients: []ReceiptParty{},
		Notice: ReceiptNotice{PolicyVersion: cr.PolicyVersion, URL: "/privacy/versions/" + url.PathEscape(cr.PolicyVersion),
			ShownVersion: cr.Proof.NoticeVersion, Form: cr.Proof.Form, TextSHA256: cr.Proof.TextSHA256},
		Decision: ReceiptDecision{Status: "dpv:ConsentWithdrawn", Time: cr.At, Method: cr.Channel},
	}
	if cr.Granted {
		r.Decision.Status = "dpv:ConsentGiven"
	}
	if r.Processing.PersonalData == nil {
		r.Processing.PersonalData = []string{}
	}
	procs := pol.ProcessorsOf(cr.Purpose)
	if cr.Processor != "" {
		procs = []string{cr.Processor}
	}
	for _, key := range procs {
		if p, ok := pol.Processor(key); ok {
			r.Recipients = append(r.Recipients, ReceiptParty{ID: p.Key, Name: p.Name, Kind: string(p.Kind), Locations: p.Locations})
		}
	}
	return r
}

// VerifyReceipt checks a signed receipt (the JSON of GET
// /v1/consents/{id}/receipt) against the published keys (the JSON of GET
// /v1/audit/public-key) and returns the receipt. Any changed byte of the
// receipt or signature fails it with EINVALID naming what is wrong.
func VerifyReceipt(signed []byte, keys audit.PublicKeys) (*Receipt, error) {
	var env SignedReceipt
	if err := json.Unmarshal(signed, &env); err != nil || len(env.Receipt) == 0 || len(env.Signature) == 0 {
		return nil, steward.Errorf(steward.EINVALID, "not a signed consent receipt (want the JSON of GET /v1/consents/{id}/receipt)")
	}
	if env.Algorithm != "Ed25519" {
		return nil, steward.Errorf(steward.EINVALID, "unknown signature algorithm %q", env.Algorithm)
	}
	if problem := keys.VerifyDetached(env.KeyID, env.Receipt, env.Signature); problem != "" {
		return nil, steward.Errorf(steward.EINVALID, "receipt signature: %s", problem)
	}
	var r Receipt
	if err := json.Unmarshal(env.Receipt, &r); err != nil || r.Format != ReceiptFormat {
		return nil, steward.Errorf(steward.EINVALID, "the signed bytes are not a %s receipt", ReceiptFormat)
	}
	return &r, nil
}
