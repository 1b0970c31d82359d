package steward

import (
	"context"
	"time"
)

// Disclosure is one transfer of a subject's data to a sub-processor, as
// the ledger keeps it: the answer to "who has my data" and the list an
// erasure must reach. It holds ids and codes only, never a personal value,
// so it is kept after the subject is erased (the processors named here must
// still be asked to delete).
type Disclosure struct {
	ID        string `json:"id"`
	TenantID  string `json:"-"`
	SubjectID string `json:"subject_id"`
	Processor string `json:"processor"`
	Purpose   string `json:"purpose"`
	// Categories are the categories that left: the values', the files' and
	// the free text's, and the categories of the personal data the text
	// still carried because the processor may receive them.
	Categories []string `json:"categories"`
	Files      []string `json:"files"`
	// Text says whether free text was sent.
	Text          bool   `json:"text"`
	PolicyVersion string `json:"policy_version"`
	// Retention is the processor's declared retention (a policy code such
	// as not-retained, same-as-category or P30D).
	Retention string `json:"processor_retention"`
	// Obligations are the conditions the processor is bound by
	// (no_training, user_visible_only, ...).
	Obligations []string  `json:"obligations"`
	At          time.Time `json:"at"`
}

// DownloadLink is a one-time link to a disclosed file. The token itself is
// never stored: only its keyed hash, under which the link is claimed once.
type DownloadLink struct {
	Hash         []byte
	TenantID     string
	DisclosureID string
	SubjectID    string
	FileID       string
	Purpose      string
	Processor    string
	// ActorKind and ActorID name who made the disclosure; the download is
	// audited in their name.
	ActorKind ActorKind
	ActorID   string
	ExpiresAt time.Time
}

// DisclosureStore keeps the disclosure ledger and the one-time links.
//
// AddDisclosure stores a disclosure with its links in one transaction.
// Disclosures returns a subject's disclosures, newest first, at most limit
// (also for an erased subject: the ledger outlives it). ClaimDownload
// removes and returns the link stored under hash, once: ENOTFOUND when
// there is none (never issued, already used, or erased with its subject);
// the caller checks ExpiresAt.
type DisclosureStore interface {
	AddDisclosure(ctx context.Context, d *Disclosure, links []*DownloadLink) error
	Disclosures(ctx context.Context, tenantID, subjectID string, limit int) ([]*Disclosure, error)
	ClaimDownload(ctx context.Context, hash []byte) (*DownloadLink, error)
}

// Audit actions of the sharing gate.
const (
	ActionDisclose          = "disclosure.create"   // a disclosure decided (allowed or denied)
	ActionDisclosuresRead   = "disclosure.list"     // the ledger of a subject read
	ActionDisclosedDownload = "disclosure.download" // a one-time link used
)
