package steward

import (
	"context"
	"time"
)

// ActorKind says what kind of principal makes a call.
type ActorKind string

// The kinds of actor.
const (
	ActorAPIKey  ActorKind = "api_key"
	ActorStaff   ActorKind = "staff"
	ActorSubject ActorKind = "subject"
	ActorSystem  ActorKind = "system"
)

// Caller is the authenticated principal of a request: which tenant it acts
// in, who it is and what it may do. Services authorize from it.
type Caller struct {
	TenantID string
	Kind     ActorKind
	ID       string // API key id, staff account id, subject id or job name
	Scopes   Scopes
	// MFAPending marks a staff session that must enable two-factor sign-in
	// before anything else, because the policy promises staff use it
	// (security.staff_mfa). It carries no scopes.
	MFAPending bool
}

// Actor returns "kind:id", the form audit events record.
func (c *Caller) Actor() string { return string(c.Kind) + ":" + c.ID }

type callerKey struct{}

// WithCaller returns a context carrying c.
func WithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller carried by ctx, or nil.
func CallerFrom(ctx context.Context) *Caller {
	c, _ := ctx.Value(callerKey{}).(*Caller)
	return c
}

// Require returns the caller if it holds scope, EUNAUTHORIZED if there is no
// caller and EFORBIDDEN if the scope is missing.
func Require(ctx context.Context, scope Scope) (*Caller, error) {
	c := CallerFrom(ctx)
	if c == nil {
		return nil, Errorf(EUNAUTHORIZED, "authentication required")
	}
	if !c.Scopes.Has(scope) {
		return nil, Errorf(EFORBIDDEN, "this credential lacks the %q scope", scope)
	}
	return c, nil
}

// RequestInfo is what the transport knows about the request being served,
// for audit events: its id and the client IP, already truncated.
type RequestInfo struct {
	ID       string
	ClientIP string
}

type requestInfoKey struct{}

// WithRequest returns a context carrying the request info.
func WithRequest(ctx context.Context, r *RequestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, r)
}

// RequestFrom returns the request info carried by ctx, or nil.
func RequestFrom(ctx context.Context) *RequestInfo {
	r, _ := ctx.Value(requestInfoKey{}).(*RequestInfo)
	return r
}

// NewAuditEvent returns an audit event of action by the caller (nil: actor
// left empty for the caller to set, e.g. a system actor) at time at, with
// the request id and truncated client address the context carries.
func NewAuditEvent(ctx context.Context, c *Caller, action string, at time.Time) *AuditEvent {
	e := &AuditEvent{Action: action, Time: at.UTC()}
	if c != nil {
		e.TenantID, e.Actor = c.TenantID, c.Actor()
	}
	if info := RequestFrom(ctx); info != nil {
		e.RequestID, e.ClientIP = info.ID, info.ClientIP
	}
	return e
}
