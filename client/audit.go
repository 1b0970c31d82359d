package client

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"iter"
	"strconv"
	"time"
)

// AuditEvent is one entry of the tamper-evident audit log: who did what to
// whose data, for which purpose, with which decision. It holds ids and
// codes, never personal text.
type AuditEvent struct {
	TenantID      string    `json:"tenant_id"`
	Seq           int64     `json:"seq"`
	Time          time.Time `json:"time"`
	Actor         string    `json:"actor"`  // e.g. api_key:key_..., staff:stf_..., system:retention
	Action        string    `json:"action"` // e.g. record.read
	SubjectID     string    `json:"subject_id,omitempty"`
	Categories    []string  `json:"categories,omitempty"`
	Purpose       string    `json:"purpose,omitempty"`
	Decision      string    `json:"decision,omitempty"` // allow, deny or none
	Reasons       []string  `json:"reasons,omitempty"`
	Justification string    `json:"justification,omitempty"`
	RequestID     string    `json:"request_id,omitempty"`
	ClientIP      string    `json:"client_ip,omitempty"` // truncated
	Target        string    `json:"target,omitempty"`    // the file, key or secret acted on
	PrevHash      []byte    `json:"prev_hash"`
	Hash          []byte    `json:"hash"`
}

// AuditFilter selects audit events; zero fields select all.
type AuditFilter struct {
	Subject string    // a subject id
	Actor   string    // kind:id, e.g. api_key:key_...
	Action  string    // e.g. record.read
	Purpose string    // e.g. essential.service
	Since   time.Time // inclusive
	Until   time.Time // exclusive
	Cursor  string    // NextCursor of the previous page
	Limit   int       // 1 to 1000; default 100
}

// AuditPage is one page of events, newest first.
type AuditPage struct {
	Events     []AuditEvent `json:"events"`
	NextCursor string       `json:"next_cursor,omitempty"` // for AuditFilter.Cursor; "" on the last page
}

// AuditCheckpoint is a signed statement of the chain's head.
type AuditCheckpoint struct {
	TenantID  string    `json:"tenant_id"`
	Seq       int64     `json:"seq"`
	Hash      []byte    `json:"hash"`
	Time      time.Time `json:"time"`
	Every     int64     `json:"every"`
	KeyID     int       `json:"key_id"`
	Signature []byte    `json:"signature"`
}

// AuditVerify tunes VerifyAudit; zero fields are left out.
type AuditVerify struct {
	MaxAge     time.Duration // fail when the newest checkpoint is older
	AnchorSeq  int64         // with AnchorHash: an event recorded earlier that
	AnchorHash []byte        // must still be in the chain (e.g. a previous LastCheckpoint)
}

// AuditReport is the result of verifying a tenant's chain.
type AuditReport struct {
	TenantID       string           `json:"tenant_id"`
	OK             bool             `json:"ok"`
	Events         int64            `json:"events"`
	LastSeq        int64            `json:"last_seq"`
	LastHash       []byte           `json:"last_hash,omitempty"`
	LastCheckpoint *AuditCheckpoint `json:"last_checkpoint,omitempty"`
	Unsigned       int64            `json:"unsigned"` // events not yet covered by a signature
	Pending        int64            `json:"pending"`  // events accepted, not yet in the chain (PostgreSQL replicas)
	BadSeq         int64            `json:"bad_seq,omitempty"`
	Problem        string           `json:"problem,omitempty"`
}

// AuditPublicKey is one checkpoint verification key.
type AuditPublicKey struct {
	ID      int    `json:"id"`
	Ed25519 []byte `json:"ed25519"` // the 32-byte public key
}

// AuditPublicKeys holds the keys that verify audit checkpoints.
type AuditPublicKeys struct {
	Algorithm string           `json:"algorithm"` // Ed25519
	Keys      []AuditPublicKey `json:"keys"`
}

// AuditLine is one line of an audit export: its Type ("header",
// "checkpoint" or "event") and the line itself, to Decode into an
// AuditExportHeader, AuditCheckpoint or AuditEvent, or to save verbatim
// (followed by a newline) for offline verification.
type AuditLine struct {
	Type string
	Raw  json.RawMessage
}

// Decode unmarshals the line into dst.
func (l AuditLine) Decode(dst any) error { return json.Unmarshal(l.Raw, dst) }

// AuditExportHeader is the first line of an export.
type AuditExportHeader struct {
	Format     string           `json:"format"`
	TenantID   string           `json:"tenant_id"`
	ExportedAt time.Time        `json:"exported_at"`
	Every      int64            `json:"every"`
	HeadSeq    int64            `json:"head_seq"`
	HeadHash   []byte           `json:"head_hash,omitempty"`
	PublicKeys []AuditPublicKey `json:"public_keys"`
}

var (
	routeListAudit       = jsonRoute[none, AuditPage]("ListAudit", "GET", "/v1/audit")
	routeVerifyAudit     = jsonRoute[none, AuditReport]("VerifyAudit", "GET", "/v1/audit/verify")
	routeExportAudit     = rawRoute("ExportAudit", "GET", "/v1/audit/export")
	routeAuditPublicKeys = jsonRoute[none, AuditPublicKeys]("AuditPublicKeys", "GET", "/v1/audit/public-key")
)

// ListAudit returns a page of the tenant's audit events, newest first
// (needs audit:read). The listing is itself audited.
func (c *Client) ListAudit(ctx context.Context, f AuditFilter) (*AuditPage, error) {
	q := values("subject", f.Subject, "actor", f.Actor, "action", f.Action, "purpose", f.Purpose,
		"since", timeParam(f.Since), "until", timeParam(f.Until), "cursor", f.Cursor, "limit", intParam(int64(f.Limit)))
	return routeListAudit.call(ctx, c, none{}, q)
}

// VerifyAudit verifies the tenant's hash chain and signed checkpoints
// (needs audit:read). A broken chain is a report with OK false, not an
// error.
func (c *Client) VerifyAudit(ctx context.Context, o AuditVerify) (*AuditReport, error) {
	q := values("anchor_seq", intParam(o.AnchorSeq), "anchor_hash", hex.EncodeToString(o.AnchorHash))
	if o.MaxAge > 0 {
		q.Set("max_age", o.MaxAge.String())
	}
	return routeVerifyAudit.call(ctx, c, none{}, q)
}

// AuditPublicKeys returns the public keys that verify audit checkpoints (no
// credential needed).
func (c *Client) AuditPublicKeys(ctx context.Context) (*AuditPublicKeys, error) {
	return routeAuditPublicKeys.call(ctx, c, none{}, nil)
}

// maxAuditLine bounds one line of an export.
const maxAuditLine = 4 << 20

// ExportAudit streams the tenant's audit chain as JSON Lines, one AuditLine
// at a time, as the server sends it (needs audit:read): a header, the
// checkpoints, then every event. A failure (at the start or midway) is the
// last value, with its error. Stopping the loop early closes the stream.
func (c *Client) ExportAudit(ctx context.Context) iter.Seq2[AuditLine, error] {
	return func(yield func(AuditLine, error) bool) {
		resp, err := c.send(ctx, request{route: routeExportAudit})
		if err != nil {
			yield(AuditLine{}, err)
			return
		}
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 0, 64<<10), maxAuditLine)
		for sc.Scan() {
			raw := json.RawMessage(append([]byte(nil), sc.Bytes()...))
			var head struct {
				Type string `json:"type"`
			}
			if err := json.Unmarshal(raw, &head); err != nil {
				yield(AuditLine{}, fmt.Errorf("client: ExportAudit: a line is not JSON: %w", err))
				return
			}
			if !yield(AuditLine{Type: head.Type, Raw: raw}, nil) {
				return
			}
		}
		if err := sc.Err(); err != nil {
			yield(AuditLine{}, fmt.Errorf("client: ExportAudit: %w", err))
		}
	}
}

func timeParam(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

func intParam(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}
