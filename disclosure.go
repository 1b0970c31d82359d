package steward

import (
	"context"
	"strings"
	"sync"
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

// A disclosure without one-time links is written to the ledger from its
// audit event: the event of an allowed disclosure carries the ledger row as
// codes (after the marker LedgerCode), and the store that chains audit
// events inserts the row in the same transaction. The disclosure is thus
// durable when its audit event is (on a single server, in the audit
// journal before the answer), costs no write of its own on the request
// path, and the ledger is a projection of the tamper-evident log.
const (
	// LedgerCode marks an audit event that carries a ledger row.
	LedgerCode = "ledger"
	// The prefixes of the row's codes among the event's reasons.
	ledgerProcessor   = "processor:"
	ledgerVersion     = "policy_version:"
	ledgerRetention   = "retention:"
	ledgerObligation  = "obligation:"
	ledgerFile        = "file:"
	ledgerText        = "text"
	maxLedgerAuditLen = 64 // AuditEvent.Validate's bound on reasons and categories
)

// LedgerReasons returns the codes that carry d in its audit event (the
// event's Target is d.ID, its Categories d.Categories), and false when d
// does not fit an audit event: then its row is written on its own.
func (d *Disclosure) LedgerReasons(decisionCodes []string) ([]string, bool) {
	out := make([]string, 0, len(decisionCodes)+5+len(d.Obligations)+len(d.Files))
	out = append(out, decisionCodes...)
	out = append(out, LedgerCode, ledgerCode(ledgerProcessor, d.Processor), ledgerCode(ledgerVersion, d.PolicyVersion),
		ledgerCode(ledgerRetention, d.Retention))
	for _, o := range d.Obligations {
		out = append(out, ledgerCode(ledgerObligation, o))
	}
	for _, f := range d.Files {
		out = append(out, ledgerFile+f)
	}
	if d.Text {
		out = append(out, ledgerText)
	}
	for _, r := range out {
		if !auditToken(r) {
			return nil, false
		}
	}
	return out, len(out) <= maxLedgerAuditLen && len(d.Categories) <= maxLedgerAuditLen
}

// ledgerCodes interns the codes naming a processor, a policy version, a
// retention or an obligation: the policy declares few of them and every
// disclosure's event carries several, so each is built once, not per
// disclosure. At most maxLedgerCodes are kept; past that they are built
// each time.
var ledgerCodes = struct {
	sync.RWMutex
	m map[[2]string]string
}{m: map[[2]string]string{}}

const maxLedgerCodes = 4096

// ledgerCode returns prefix+value, interned.
func ledgerCode(prefix, value string) string {
	k := [2]string{prefix, value}
	ledgerCodes.RLock()
	c, ok := ledgerCodes.m[k]
	ledgerCodes.RUnlock()
	if ok {
		return c
	}
	c = prefix + value
	ledgerCodes.Lock()
	if len(ledgerCodes.m) < maxLedgerCodes {
		ledgerCodes.m[k] = c
	}
	ledgerCodes.Unlock()
	return c
}

// DisclosureFromAudit returns the ledger row an audit event carries, if it
// carries one (an allowed disclosure with the LedgerCode marker).
func DisclosureFromAudit(e *AuditEvent) (*Disclosure, bool) {
	d := new(Disclosure)
	if !d.SetFromAudit(e) {
		return nil, false
	}
	return d, true
}

// SetFromAudit sets d to the ledger row e carries and reports whether it
// carries one, as DisclosureFromAudit, reusing d's lists: for the store,
// which projects many events in a row.
func (d *Disclosure) SetFromAudit(e *AuditEvent) bool {
	if e.Action != ActionDisclose || e.Decision != DecisionAllow || !strings.HasPrefix(e.Target, "dsc_") {
		return false
	}
	marked := false
	files, obligations := d.Files[:0], d.Obligations[:0]
	if files == nil {
		files = []string{}
	}
	if obligations == nil {
		obligations = []string{}
	}
	*d = Disclosure{ID: e.Target, TenantID: e.TenantID, SubjectID: e.SubjectID, Purpose: e.Purpose,
		Categories: e.Categories, Files: files, Obligations: obligations, At: e.Time}
	for _, r := range e.Reasons {
		switch {
		case r == LedgerCode:
			marked = true
		case r == ledgerText:
			d.Text = true
		case strings.HasPrefix(r, ledgerProcessor):
			d.Processor = r[len(ledgerProcessor):]
		case strings.HasPrefix(r, ledgerVersion):
			d.PolicyVersion = r[len(ledgerVersion):]
		case strings.HasPrefix(r, ledgerRetention):
			d.Retention = r[len(ledgerRetention):]
		case strings.HasPrefix(r, ledgerObligation):
			d.Obligations = append(d.Obligations, r[len(ledgerObligation):])
		case strings.HasPrefix(r, ledgerFile):
			d.Files = append(d.Files, r[len(ledgerFile):])
		}
	}
	if d.Categories == nil {
		d.Categories = []string{}
	}
	return marked && d.Processor != ""
}
