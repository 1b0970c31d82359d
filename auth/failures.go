package auth

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/steward-privacy/steward"
)

// Audit actions of refused calls.
const (
	// ActionAuthFailed: a credential (API key, session, password) was
	// refused.
	ActionAuthFailed = "auth.failed"
	// ActionAuthzDenied: an authenticated caller was refused (403), or asked
	// for something its tenant does not have (404 on a route naming an id,
	// which is what probing another tenant looks like).
	ActionAuthzDenied = "authz.denied"
)

// failureWindow is how long refusals of one origin are counted into one
// audit event, so that an attacker cannot flood the chain.
const failureWindow = time.Minute

// failures aggregates refusals: the first of a window is recorded at once
// (with count:1), the others of the same window are counted and recorded as
// one event (count:N) when the window is flushed.
type failures struct {
	mu      sync.Mutex
	windows map[failureKey]*failureCount
}

type failureKey struct{ tenant, actor, ip, action, target, reason string }

type failureCount struct {
	start      time.Time
	suppressed int
}

// Denied records a refused call in the audit log, aggregated per origin
// (the caller, or the client address when the caller is unknown), action,
// target and reason per minute. target names what was asked (a route
// pattern or an id, never a value); reason is an error code. c is nil for
// an unknown caller, or a Caller with only TenantID set when the tenant is
// known but not the caller (a sign-in with an unknown email); a refusal
// without a known tenant is recorded in the operator tenant.
func (s *Service) Denied(ctx context.Context, c *steward.Caller, action, target, reason string) {
	if s.audit == nil {
		return
	}
	k := failureKey{action: action, target: target, reason: reason}
	switch {
	case c != nil && c.Kind != "":
		k.tenant, k.actor = c.TenantID, c.Actor()
	default:
		if c != nil {
			k.tenant = c.TenantID
		} else {
			k.tenant = s.operatorTenant(ctx)
		}
		// An unknown caller is told apart by its (truncated) address.
		k.actor = "system:anonymous"
		if info := steward.RequestFrom(ctx); info != nil {
			k.ip = info.ClientIP
		}
	}
	if k.tenant == "" {
		return
	}
	now := s.now()
	s.fails.mu.Lock()
	if s.fails.windows == nil {
		s.fails.windows = map[failureKey]*failureCount{}
	}
	w := s.fails.windows[k]
	var flush int
	first := w == nil || now.Sub(w.start) >= failureWindow
	if first {
		if w != nil {
			flush = w.suppressed
		}
		s.fails.windows[k] = &failureCount{start: now}
	} else {
		w.suppressed++
	}
	s.fails.mu.Unlock()
	ctx = context.WithoutCancel(ctx)
	if flush > 0 {
		s.appendRefusal(ctx, k, flush)
	}
	if first {
		s.appendRefusal(ctx, k, 1)
	}
}

// FlushDenied records the refusals counted in windows that have ended.
// The server calls it every minute.
func (s *Service) FlushDenied(ctx context.Context) {
	now := s.now()
	type due struct {
		k failureKey
		n int
	}
	var out []due
	s.fails.mu.Lock()
	for k, w := range s.fails.windows {
		if now.Sub(w.start) >= failureWindow {
			if w.suppressed > 0 {
				out = append(out, due{k, w.suppressed})
			}
			delete(s.fails.windows, k)
		}
	}
	s.fails.mu.Unlock()
	for _, d := range out {
		s.appendRefusal(ctx, d.k, d.n)
	}
}

func (s *Service) appendRefusal(ctx context.Context, k failureKey, n int) {
	e := steward.NewAuditEvent(ctx, nil, k.action, s.now())
	e.TenantID, e.Actor, e.Target, e.Decision = k.tenant, k.actor, k.target, steward.DecisionDeny
	if k.ip != "" {
		e.ClientIP = k.ip
	}
	e.Reasons = []string{k.reason, "count:" + strconv.Itoa(n)}
	// Best effort: a refusal must not fail because the audit log is busy;
	// the log itself reports its failures.
	_ = s.audit.Append(ctx, e)
}

// operatorTenant is the first tenant (the operator's), where refusals of
// unknown callers are recorded.
func (s *Service) operatorTenant(ctx context.Context) string {
	s.fails.mu.Lock()
	id := s.operator
	s.fails.mu.Unlock()
	if id != "" {
		return id
	}
	ts, err := s.store.Tenants(ctx)
	if err != nil || len(ts) == 0 {
		return ""
	}
	s.fails.mu.Lock()
	s.operator = ts[0].ID
	s.fails.mu.Unlock()
	return ts[0].ID
}
