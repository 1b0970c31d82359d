package steward

import (
	"context"
	"net/netip"
	"strings"
	"time"
)

// AuditEvent records who did what to whose data, for which purpose, with
// which decision. It never holds a personal value: the subject is named by
// its internal id only, and values, emails and names are never copied in.
// Events form one hash chain per tenant (G5).
type AuditEvent struct {
	TenantID      string    `json:"tenant_id"`
	Seq           int64     `json:"seq"`
	Time          time.Time `json:"time"`
	Actor         string    `json:"actor"`  // "api_key:key_…", "staff:stf_…", "subject:sub_…", "system:retention"
	Action        string    `json:"action"` // one of the Action* constants
	SubjectID     string    `json:"subject_id,omitempty"`
	Categories    []string  `json:"categories,omitempty"`
	Purpose       string    `json:"purpose,omitempty"`
	Decision      string    `json:"decision,omitempty"` // "allow", "deny" or "" when no decision was taken
	Reasons       []string  `json:"reasons,omitempty"`
	Justification string    `json:"justification,omitempty"` // a staff access justification code, never free text
	RequestID     string    `json:"request_id,omitempty"`
	ClientIP      string    `json:"client_ip,omitempty"` // truncated: IPv4 /24, IPv6 /48
	Target        string    `json:"target,omitempty"`    // the id of a file, key or secret acted on
	PrevHash      []byte    `json:"prev_hash"`
	Hash          []byte    `json:"hash"`
}

// Audit actions.
const (
	ActionSubjectCreate = "subject.create"
	ActionSubjectRead   = "subject.read"
	// ActionSubjectFind: a lookup by external id, email or phone (Reasons
	// "by:email" and "not_found" when no one matched; never the value).
	ActionSubjectFind  = "subject.find"
	ActionSubjectErase = "subject.erase"
	ActionRecordWrite  = "record.write"
	ActionRecordRead   = "record.read"
	ActionRecordDelete = "record.delete"
	ActionFileWrite    = "file.write"
	ActionFileRead     = "file.read"
	ActionFileDelete   = "file.delete"
	ActionFileExpire   = "file.expire"
	ActionSecretWrite  = "secret.write"
	ActionSecretRead   = "secret.read"
	ActionSecretDelete = "secret.delete"
	ActionKeyRotate    = "key.rotate"
	ActionAPIKeyCreate = "apikey.create"
	ActionAPIKeyRevoke = "apikey.revoke"
	ActionRetention    = "retention.purge"
	// ActionFilesReconcile: crash leftovers (blobs without a row, partial
	// uploads) removed from the file store; Reasons carry the counts.
	ActionFilesReconcile = "files.reconcile"
)

// Decisions recorded in audit events.
const (
	DecisionAllow = "allow"
	DecisionDeny  = "deny"
)

// AuditLog appends events to the tenant's hash chain.
//
// Append fills in Time (if zero) and returns once the event is durable:
// stored in the chain (Seq, PrevHash and Hash filled in), or, on a server
// with an audit journal, written to the journal from which it is chained
// into the store within milliseconds (Seq stays 0). AppendChained returns
// only once the event is in the chain, with Seq and Hash filled in, for
// callers that report the sequence number (erasure evidence). Concurrent
// appends share one write. Both return EINVALID for an event without
// tenant, actor or action.
type AuditLog interface {
	Append(ctx context.Context, e *AuditEvent) error
	AppendChained(ctx context.Context, e *AuditEvent) error
}

// Actions on the audit log itself: reading it is an access and is audited too.
const (
	ActionAuditRead   = "audit.read"
	ActionAuditVerify = "audit.verify"
	ActionAuditExport = "audit.export"
)

// AuditCheckpoint is a signed statement that a tenant's chain ended with
// Hash at Seq at Time. Checkpoints are made every Every events (in the same
// transaction as the event that completes the run) and periodically, so
// that cutting off the tail or rewriting the whole chain without the signing
// key is detected: no run of more than Every events goes without one.
type AuditCheckpoint struct {
	TenantID  string    `json:"tenant_id"`
	Seq       int64     `json:"seq"`
	Hash      []byte    `json:"hash"`
	Time      time.Time `json:"time"`
	Every     int64     `json:"every"`
	KeyID     int       `json:"key_id"`
	Signature []byte    `json:"signature"`
}

// AuditSigningKey is a version of the Ed25519 key that signs checkpoints.
// The private half is stored only wrapped by the master key provider.
type AuditSigningKey struct {
	ID        int       `json:"id"`
	PublicKey []byte    `json:"public_key"`
	Wrapped   []byte    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// AuditHead is the end of a tenant's chain: the last sequence number and
// hash, and the sequence number of the latest checkpoint (0 when none).
type AuditHead struct {
	Seq           int64
	Hash          []byte
	CheckpointSeq int64
}

// AuditFilter selects events of one tenant for GET /v1/audit. Empty fields
// match everything; Since is inclusive, Until exclusive; Before is a cursor
// (only events with a smaller sequence number). Results come newest first.
type AuditFilter struct {
	TenantID  string
	SubjectID string
	Actor     string
	Action    string
	Purpose   string
	Since     time.Time
	Until     time.Time
	Before    int64
	// After bounds the events to those with a greater seq (a window of
	// the newest events, for pages that must answer fast).
	After int64
	Limit int
}

// AuditSealFunc chains one tenant's events onto its head, which the store
// holds locked: it fills in Seq, PrevHash and Hash of each event and returns
// the checkpoints to store with them.
type AuditSealFunc func(head AuditHead, events []*AuditEvent) ([]*AuditCheckpoint, error)

// AuditJournalMark records, in the transaction that chains a journal's
// events into the store, that every event of the journal's files up to
// generation Done is stored, so that a replay after a crash skips them.
type AuditJournalMark struct {
	Journal string // the journal's id
	Done    int64
}

// AuditStore keeps the audit chains, their checkpoints and the signing keys.
//
// AppendAudit stores events of any tenants in one transaction: for each
// tenant (in tenant id order, so concurrent writers cannot deadlock) it locks
// the chain head, calls seal, stores the events and checkpoints and advances
// the head; with a mark it also stores the mark. AuditJournalDone returns
// the last stored mark of a journal (0: none). CheckpointAudit locks a tenant's head and stores the checkpoint
// fn returns (nil: none), replacing one at the same sequence number; it
// returns ENOTFOUND for a tenant without events. ScanAudit calls fn for each
// event of the tenant with Seq > after, in order; fn receives the same
// *AuditEvent each time and must not keep it. CreateAuditSigningKey returns
// ECONFLICT when the id exists (another replica created it first);
// RewrapAuditSigningKey ENOTFOUND when it does not. AuditHead
// returns a zero head for a tenant without events.
type AuditStore interface {
	AppendAudit(ctx context.Context, events []*AuditEvent, seal AuditSealFunc, mark *AuditJournalMark) error
	AuditJournalDone(ctx context.Context, journal string) (int64, error)
	CheckpointAudit(ctx context.Context, tenantID string, fn func(AuditHead) (*AuditCheckpoint, error)) error
	AuditEvents(ctx context.Context, f AuditFilter) ([]*AuditEvent, error)
	ScanAudit(ctx context.Context, tenantID string, after int64, fn func(*AuditEvent) error) error
	AuditCheckpoints(ctx context.Context, tenantID string) ([]*AuditCheckpoint, error)
	AuditTenants(ctx context.Context) ([]string, error)
	AuditHead(ctx context.Context, tenantID string) (AuditHead, error)
	AuditSigningKeys(ctx context.Context) ([]*AuditSigningKey, error)
	CreateAuditSigningKey(ctx context.Context, k *AuditSigningKey) error
	RewrapAuditSigningKey(ctx context.Context, id int, wrapped []byte) error
}

// TruncateIP keeps the network part of an address: the /24 of an IPv4
// address, the /48 of an IPv6 one (IPv4-mapped IPv6 counts as IPv4). Audit
// events and request logs store only truncated addresses.
func TruncateIP(ip netip.Addr) netip.Addr {
	ip = ip.Unmap()
	bits := 48
	if ip.Is4() {
		bits = 24
	}
	p, err := ip.Prefix(bits)
	if err != nil {
		return netip.Addr{}
	}
	return p.Addr()
}

// maxAuditToken bounds every identifier-like field of an audit event.
const maxAuditToken = 128

// Validate checks an event before it is appended and normalises it: the
// client IP is truncated, the time is cut to microseconds in UTC. Every text
// field must be an identifier or code (letters, digits and . _ : -), which
// keeps personal values such as emails and names out of the log. Errors name
// the field and never repeat its value.
func (e *AuditEvent) Validate() error {
	if e.TenantID == "" {
		return Invalid("tenant_id", "is required")
	}
	kind, id, ok := strings.Cut(e.Actor, ":")
	switch ActorKind(kind) {
	case ActorAPIKey, ActorStaff, ActorSubject, ActorSystem:
	default:
		ok = false
	}
	if !ok || !auditToken(id) {
		return Invalid("actor", "must be kind:id with kind api_key, staff, subject or system")
	}
	if e.Action == "" {
		return Invalid("action", "is required")
	}
	for _, f := range []struct{ name, v string }{{"tenant_id", e.TenantID}, {"action", e.Action},
		{"subject_id", e.SubjectID}, {"purpose", e.Purpose}, {"justification", e.Justification},
		{"request_id", e.RequestID}, {"target", e.Target}} {
		if f.v != "" && !auditToken(f.v) {
			return Invalid(f.name, "must be an identifier or code (letters, digits and . _ : -)")
		}
	}
	switch e.Decision {
	case "", DecisionAllow, DecisionDeny:
	default:
		return Invalid("decision", "must be allow, deny or empty")
	}
	for _, l := range []struct {
		name string
		v    []string
	}{{"categories", e.Categories}, {"reasons", e.Reasons}} {
		if len(l.v) > 64 {
			return Invalid(l.name, "at most 64 entries")
		}
		for _, v := range l.v {
			if !auditToken(v) {
				return Invalid(l.name, "entries must be codes (letters, digits and . _ : -)")
			}
		}
	}
	if e.ClientIP != "" {
		ip, err := netip.ParseAddr(e.ClientIP)
		if err != nil || ip.Zone() != "" {
			return Invalid("client_ip", "must be an IP address")
		}
		e.ClientIP = TruncateIP(ip).String()
	}
	e.Time = e.Time.Truncate(time.Microsecond).UTC()
	return nil
}

// auditToken reports whether s is a non-empty identifier or code.
func auditToken(s string) bool {
	if s == "" || len(s) > maxAuditToken {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !auditTokenByte[s[i]] {
			return false
		}
	}
	return true
}

// auditTokenByte marks the bytes of an identifier or code: letters,
// digits and . _ : - (a table: every audit event checks each of its codes).
var auditTokenByte = func() (t [256]bool) {
	for c := range 256 {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-'
	}
	return t
}()
