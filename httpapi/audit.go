package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/audit"
)

// AuditPage is one page of audit events, newest first.
type AuditPage struct {
	Events []*steward.AuditEvent `json:"events"`
	// NextCursor, when set, fetches the next (older) page as ?cursor=.
	NextCursor string `json:"next_cursor,omitempty"`
}

// PublicKeyList holds the checkpoint verification keys.
type PublicKeyList struct {
	Algorithm string            `json:"algorithm" doc:"Ed25519"`
	Keys      []audit.PublicKey `json:"keys" doc:"by key id; ed25519 is the 32-byte public key, base64"`
}

var auditQuery = []Param{
	{Name: "subject", Description: "a subject id"},
	{Name: "actor", Description: "kind:id, e.g. api_key:key_... or staff:stf_..."},
	{Name: "action", Description: "e.g. record.read"},
	{Name: "purpose", Description: "e.g. essential.service"},
	{Name: "since", Description: "RFC 3339 time, inclusive"},
	{Name: "until", Description: "RFC 3339 time, exclusive"},
	{Name: "cursor", Description: "next_cursor of the previous page"},
	{Name: "limit", Description: "1 to 1000, default 100"},
}

var verifyQuery = []Param{
	{Name: "max_age", Description: "fail when the newest checkpoint is older, e.g. 10m"},
	{Name: "anchor_seq", Description: "with anchor_hash: an event recorded earlier that must still be in the chain"},
	{Name: "anchor_hash", Description: "its hash, hex or base64"},
}

func (s *Server) routeAudit(l *audit.Log) {
	s.route(Route{Method: "GET", Path: "/v1/audit", Summary: "Audit events of the caller's tenant, newest first", Tag: "audit",
		Scope: steward.ScopeAuditRead, Out: AuditPage{}, Query: auditQuery},
		func(w http.ResponseWriter, r *http.Request) error {
			c := steward.CallerFrom(r.Context())
			f, err := auditFilter(r, c.TenantID)
			if err != nil {
				return err
			}
			events, err := l.Read(r.Context(), c, f)
			if err != nil {
				return err
			}
			page := AuditPage{Events: events}
			if page.Events == nil {
				page.Events = []*steward.AuditEvent{}
			}
			if len(events) == f.Limit {
				page.NextCursor = strconv.FormatInt(events[len(events)-1].Seq, 10)
			}
			return respond(w, http.StatusOK, page)
		})
	s.route(Route{Method: "GET", Path: "/v1/audit/verify", Summary: "Verify the caller's tenant's audit chain and its signed checkpoints",
		Tag: "audit", Scope: steward.ScopeAuditRead, Out: audit.Report{}, Query: verifyQuery},
		func(w http.ResponseWriter, r *http.Request) error {
			c := steward.CallerFrom(r.Context())
			o, err := verifyOptions(r)
			if err != nil {
				return err
			}
			rep, err := l.Verify(r.Context(), c.TenantID, o)
			if err != nil {
				return err
			}
			if err := l.Append(r.Context(), auditEvent(r.Context(), c, steward.ActionAuditVerify)); err != nil {
				return err
			}
			return respond(w, http.StatusOK, rep)
		})
	s.route(Route{Method: "GET", Path: "/v1/audit/export", Summary: "The caller's tenant's audit chain as JSON Lines, verifiable offline",
		Tag: "audit", Scope: steward.ScopeAuditRead, RawOut: "application/jsonl"},
		func(w http.ResponseWriter, r *http.Request) error {
			c := steward.CallerFrom(r.Context())
			// The export is audited first, so that it contains its own event.
			if err := l.Append(r.Context(), auditEvent(r.Context(), c, steward.ActionAuditExport)); err != nil {
				return err
			}
			w.Header().Set("Content-Type", "application/jsonl")
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Content-Disposition", `attachment; filename="audit.jsonl"`)
			if err := l.Export(r.Context(), w, c.TenantID); err != nil {
				s.log.Error("audit export failed midway", "request_id", requestID(r.Context()), "error", err.Error())
			}
			return nil
		})
	s.route(Route{Method: "GET", Path: "/v1/audit/public-key", Summary: "The public keys that verify audit checkpoints", Tag: "audit",
		Public: true, Out: PublicKeyList{}},
		func(w http.ResponseWriter, r *http.Request) error {
			return respond(w, http.StatusOK, PublicKeyList{Algorithm: "Ed25519", Keys: l.PublicKeys()})
		})
}

// auditEvent describes an access to the audit log by c.
func auditEvent(ctx context.Context, c *steward.Caller, action string) *steward.AuditEvent {
	e := steward.NewAuditEvent(ctx, c, action, time.Now())
	e.Decision = steward.DecisionAllow
	return e
}

// auditFilter reads GET /v1/audit's query.
func auditFilter(r *http.Request, tenantID string) (steward.AuditFilter, error) {
	q := r.URL.Query()
	f := steward.AuditFilter{TenantID: tenantID, SubjectID: q.Get("subject"), Actor: q.Get("actor"),
		Action: q.Get("action"), Purpose: q.Get("purpose"), Limit: 100}
	for _, p := range []struct {
		name string
		v    string
	}{{"subject", f.SubjectID}, {"actor", f.Actor}, {"action", f.Action}, {"purpose", f.Purpose}} {
		if len(p.v) > 128 {
			return f, steward.Invalid(p.name, "at most 128 characters")
		}
	}
	var err error
	if f.Since, err = queryTime(q.Get("since"), "since"); err != nil {
		return f, err
	}
	if f.Until, err = queryTime(q.Get("until"), "until"); err != nil {
		return f, err
	}
	if v := q.Get("cursor"); v != "" {
		if f.Before, err = strconv.ParseInt(v, 10, 64); err != nil || f.Before <= 0 {
			return f, steward.Invalid("cursor", "must be the next_cursor of a previous page")
		}
	}
	if v := q.Get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 || f.Limit > 1000 {
			return f, steward.Invalid("limit", "must be a number from 1 to 1000")
		}
	}
	return f, nil
}

func queryTime(v, name string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return t, steward.Invalid(name, "must be an RFC 3339 time such as 2026-11-22T10:00:00Z")
	}
	return t, nil
}

// verifyOptions reads GET /v1/audit/verify's query.
func verifyOptions(r *http.Request) (audit.VerifyOptions, error) {
	q := r.URL.Query()
	var o audit.VerifyOptions
	if v := q.Get("max_age"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return o, steward.Invalid("max_age", "must be a positive duration such as 10m")
		}
		o.MaxAge = d
	}
	seq, hash := q.Get("anchor_seq"), q.Get("anchor_hash")
	if seq == "" && hash == "" {
		return o, nil
	}
	n, err := strconv.ParseInt(seq, 10, 64)
	if err != nil || n <= 0 {
		return o, steward.Invalid("anchor_seq", "must be a sequence number, given with anchor_hash")
	}
	h, err := audit.ParseHash(hash)
	if err != nil {
		return o, steward.Invalid("anchor_hash", "must be a SHA-256 hash (64 hex digits or base64), given with anchor_seq")
	}
	o.Anchor = &steward.AuditHead{Seq: n, Hash: h}
	return o, nil
}
