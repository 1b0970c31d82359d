package audit

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"time"

	"github.com/steward-privacy/steward"
)

// ExportFormat names the export format in its header line.
const ExportFormat = "steward-audit-export/1"

// Header is the first line of an export.
type Header struct {
	Type       string      `json:"type"` // "header"
	Format     string      `json:"format"`
	TenantID   string      `json:"tenant_id"`
	ExportedAt time.Time   `json:"exported_at"`
	Every      int64       `json:"every"`
	HeadSeq    int64       `json:"head_seq"`
	HeadHash   []byte      `json:"head_hash,omitempty"`
	PublicKeys []PublicKey `json:"public_keys"`
}

// PublicKey is one checkpoint verification key, as exported.
type PublicKey struct {
	ID  int    `json:"id"`
	Key []byte `json:"ed25519"`
}

type checkpointLine struct {
	Type string `json:"type"` // "checkpoint"
	*steward.AuditCheckpoint
}

type eventLine struct {
	Type string `json:"type"` // "event"
	*steward.AuditEvent
}

// Export writes a tenant's chain as JSON Lines: a header (with the public
// keys and the chain head), every checkpoint, then every event in order.
// VerifyExport checks such a file offline.
func Export(ctx context.Context, w io.Writer, store steward.AuditStore, tenantID string, every int64, now time.Time) error {
	head, err := store.AuditHead(ctx, tenantID)
	if err != nil {
		return err
	}
	keys, err := store.AuditSigningKeys(ctx)
	if err != nil {
		return err
	}
	cps, err := store.AuditCheckpoints(ctx, tenantID)
	if err != nil {
		return err
	}
	if every <= 0 {
		every = DefaultEvery
	}
	h := Header{Type: "header", Format: ExportFormat, TenantID: tenantID, ExportedAt: now.UTC(), Every: every,
		HeadSeq: head.Seq, HeadHash: head.Hash, PublicKeys: []PublicKey{}}
	for _, k := range keys {
		h.PublicKeys = append(h.PublicKeys, PublicKey{ID: k.ID, Key: k.PublicKey})
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(h); err != nil {
		return err
	}
	for _, cp := range cps {
		if err := enc.Encode(checkpointLine{Type: "checkpoint", AuditCheckpoint: cp}); err != nil {
			return err
		}
	}
	err = store.ScanAudit(ctx, tenantID, 0, func(e *steward.AuditEvent) error {
		return enc.Encode(eventLine{Type: "event", AuditEvent: e})
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

// ErrNotExport is returned for input that is not an audit export.
var ErrNotExport = steward.Errorf(steward.EINVALID, "not a steward audit export: the first line must be its header")

// VerifyExport checks an export offline. Checkpoint signatures are checked
// against trusted, the keys the auditor obtained from the operator (GET
// /v1/audit/public-key); with nil, the keys in the export's own header are
// used, which proves integrity only against someone without write access to
// the file. Faults are reported in the Report; errors mean unreadable input.
func VerifyExport(r io.Reader, trusted PublicKeys, o VerifyOptions) (*Report, *Header, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	if !sc.Scan() {
		return nil, nil, errors.Join(ErrNotExport, sc.Err())
	}
	var h Header
	if err := json.Unmarshal(sc.Bytes(), &h); err != nil || h.Type != "header" || h.Format != ExportFormat {
		return nil, nil, ErrNotExport
	}
	keys := trusted
	if keys == nil {
		keys = PublicKeys{}
		for _, k := range h.PublicKeys {
			keys[k.ID] = ed25519.PublicKey(k.Key)
		}
	}
	var cps []*steward.AuditCheckpoint
	var seg *segment
	var e steward.AuditEvent
	line := 1
	for sc.Scan() {
		line++
		var kind struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(sc.Bytes(), &kind); err != nil {
			return nil, nil, steward.Errorf(steward.EINVALID, "export line %d is not JSON", line)
		}
		switch {
		case kind.Type == "checkpoint" && seg == nil:
			cp := &steward.AuditCheckpoint{}
			if err := json.Unmarshal(sc.Bytes(), cp); err != nil {
				return nil, nil, steward.Errorf(steward.EINVALID, "export line %d: malformed checkpoint", line)
			}
			cps = append(cps, cp)
		case kind.Type == "event":
			if seg == nil {
				seg = newSegment(h.plan(keys, cps, o), 0, -1)
			}
			e = steward.AuditEvent{Categories: e.Categories[:0], Reasons: e.Reasons[:0]}
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				return nil, nil, steward.Errorf(steward.EINVALID, "export line %d: malformed event", line)
			}
			if err := seg.event(&e); err != nil {
				return finish(seg, o), &h, nil
			}
		default:
			return nil, nil, steward.Errorf(steward.EINVALID, "export line %d: unexpected line type (checkpoints come before events)", line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, steward.Errorf(steward.EINVALID, "reading export: line too long or unreadable")
	}
	if seg == nil {
		seg = newSegment(h.plan(keys, cps, o), 0, -1)
	}
	return finish(seg, o), &h, nil
}

func finish(seg *segment, o VerifyOptions) *Report {
	r := seg.p.join([]*segment{seg})
	checkAge(r, o)
	return r
}

// plan is what an export's events are checked against.
func (h *Header) plan(keys PublicKeys, cps []*steward.AuditCheckpoint, o VerifyOptions) *plan {
	every := h.Every
	if o.Every > 0 {
		every = o.Every
	}
	pins := append(pinHead(steward.AuditHead{Seq: h.HeadSeq, Hash: h.HeadHash}, "the export header"), o.anchor()...)
	return newPlan(h.TenantID, keys, cps, every, pins)
}

// PublicKeyList returns the keys in a stable order, for display.
func (pk PublicKeys) PublicKeyList() []PublicKey {
	out := make([]PublicKey, 0, len(pk))
	for id, k := range pk {
		out = append(out, PublicKey{ID: id, Key: k})
	}
	slices.SortFunc(out, func(a, b PublicKey) int { return a.ID - b.ID })
	return out
}

// Export writes the tenant's chain as JSON Lines (see Export).
func (l *Log) Export(ctx context.Context, w io.Writer, tenantID string) error {
	if err := l.Sync(ctx); err != nil {
		return err
	}
	return Export(ctx, w, l.store, tenantID, l.opts.Every, l.opts.Now())
}

// PublicKeys returns the trusted checkpoint verification keys, for
// auditors who verify exports offline.
func (l *Log) PublicKeys() []PublicKey { return l.signer.PublicKeys().PublicKeyList() }

// Events returns a page of a tenant's events, newest first (see
// steward.AuditFilter).
func (l *Log) Events(ctx context.Context, f steward.AuditFilter) ([]*steward.AuditEvent, error) {
	if err := l.Sync(ctx); err != nil {
		return nil, err
	}
	return l.store.AuditEvents(ctx, f)
}

// Status is a cheap summary of a tenant's chain for dashboards: its head
// and newest signed checkpoint, read without verifying anything (Verify
// does that, reading the whole chain).
type Status struct {
	Head       steward.AuditHead
	Checkpoint *steward.AuditCheckpoint
}

// Status returns the tenant's chain head and newest checkpoint.
func (l *Log) Status(ctx context.Context, tenantID string) (*Status, error) {
	h, err := l.store.AuditHead(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	st := &Status{Head: h}
	cps, err := l.store.AuditCheckpoints(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if len(cps) > 0 {
		st.Checkpoint = cps[len(cps)-1]
	}
	return st, nil
}

// Read returns events of a tenant for the caller c and records that read in
// the chain (reading the audit log is an access too), as GET /v1/audit and
// the console's audit pages do.
func (l *Log) Read(ctx context.Context, c *steward.Caller, f steward.AuditFilter) ([]*steward.AuditEvent, error) {
	events, err := l.Events(ctx, f)
	if err != nil {
		return nil, err
	}
	e := steward.NewAuditEvent(ctx, c, steward.ActionAuditRead, l.opts.Now())
	e.Decision = steward.DecisionAllow
	return events, l.Append(ctx, e)
}
