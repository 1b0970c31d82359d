// Package requests is the lifecycle of data subject rights requests:
// receipt, identity verification by a one-time code mailed to the address
// on file (or an application that authenticated the person), the legal
// deadlines and their extension, staff approval where the server requires
// it, denial with reasons, the runner that hands verified requests to an
// Executor per type, and a signed completion record as evidence.
//
// Every state change is an audit event and an outbox event with ids and
// codes only; a request's details, its code and the person's address never
// reach a log, an audit event or an event.
package requests

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/ratelimit"
)

// Subjects finds the subject a request is about and the address on file
// to mail a code to; the vault is one (vault.RequestSubjects). Neither
// checks a scope: the service has authorized the caller.
type Subjects interface {
	// LookupSubject returns the id of the tenant's subject with the
	// identifier (kind "id", "external_id" or "email"); ENOTFOUND when none.
	LookupSubject(ctx context.Context, tenantID, kind, value string) (string, error)
	// SubjectEmail returns the email address on file, "" when none, to
	// mail a code for the request named (audited as a contact read).
	SubjectEmail(ctx context.Context, tenantID, subjectID, requestID string) (string, error)
}

// Policies gives the policy in force; *vault.Vault is one.
type Policies interface {
	Policy() *policy.Decider
}

// Signer signs completion records with a detached Ed25519 signature and
// names the key; *audit.Log is one.
type Signer interface {
	SignDetached(doc []byte) (keyID int, sig []byte, err error)
}

// Sealer seals a request's details under a server key bound to aad;
// *auth.KeySealer is one.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(ciphertext, aad []byte) ([]byte, error)
}

// Mailer sends one plain-text message. Adapt a mail.Sender with
//
//	requests.MailerFunc(func(ctx context.Context, to, subject, text string) error {
//		return sender.Send(ctx, &mail.Message{To: to, Subject: subject, Text: text})
//	})
type Mailer interface {
	Send(ctx context.Context, to, subject, text string) error
}

// MailerFunc is a function that is a Mailer.
type MailerFunc func(ctx context.Context, to, subject, text string) error

// Send calls f.
func (f MailerFunc) Send(ctx context.Context, to, subject, text string) error {
	return f(ctx, to, subject, text)
}

// Store is what the service needs of storage.
type Store interface {
	steward.RequestStore
}

// Config holds the service's dependencies. Mailer may be nil: requests
// that need a code then stay unverified until an application or staff
// verify the person. CodeKey keys the codes' hashes (32 bytes derived from
// the master key provider, as the API key hashes are). Approval lists the
// types that need a staff approval before they run (none by default).
type Config struct {
	Store    Store
	Subjects Subjects
	Policies Policies
	Audit    steward.AuditLog
	Signer   Signer
	Sealer   Sealer
	Mailer   Mailer
	CodeKey  []byte
	Approval []string
	Logger   *slog.Logger
	Now      func() time.Time
	// VerifyLimit limits code checks per request and per client address;
	// CodeLimit new codes per request. Nil means the defaults.
	VerifyLimit, CodeLimit *ratelimit.Limiter
}

// Service is the rights request lifecycle.
type Service struct {
	store                  Store
	subjects               Subjects
	pols                   Policies
	audit                  steward.AuditLog
	signer                 Signer
	sealer                 Sealer
	mailer                 Mailer
	codeKey                []byte
	approval               []string
	log                    *slog.Logger
	now                    func() time.Time
	verifyLimit, codeLimit *ratelimit.Limiter

	mu        sync.RWMutex
	executors map[string]Executor
}

// New returns a Service; EINVALID when Approval names an unknown type.
func New(c Config) (*Service, error) {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	for _, t := range c.Approval {
		if !slices.Contains(steward.RequestTypes, t) {
			return nil, steward.Invalid("requests_approval", "names an unknown request type")
		}
	}
	if c.VerifyLimit == nil {
		c.VerifyLimit = ratelimit.New(0.5, 10, c.Now) // 10 at once, then one per 2 seconds
	}
	if c.CodeLimit == nil {
		c.CodeLimit = ratelimit.New(1.0/120, 3, c.Now) // 3 at once, then one per 2 minutes
	}
	s := &Service{store: c.Store, subjects: c.Subjects, pols: c.Policies, audit: c.Audit, signer: c.Signer, sealer: c.Sealer,
		mailer: c.Mailer, codeKey: c.CodeKey, approval: c.Approval, log: c.Logger, now: c.Now, verifyLimit: c.VerifyLimit,
		codeLimit: c.CodeLimit, executors: map[string]Executor{}}
	return s, nil
}

// needsApproval reports whether requests of a type wait for staff.
func (s *Service) needsApproval(typ string) bool { return slices.Contains(s.approval, typ) }

// RequestStatus is what the person's public routes show of a request.
type RequestStatus struct {
	ID       string    `json:"id"`
	Status   string    `json:"status"`
	Deadline time.Time `json:"deadline"`
	Next     string    `json:"next"`
}

// RequestView is a request as the API shows it.
type RequestView struct {
	ID               string          `json:"id" doc:"req_..."`
	SubjectID        string          `json:"subject_id"`
	Type             string          `json:"type"`
	Jurisdiction     string          `json:"jurisdiction"`
	Status           string          `json:"status"`
	ReceivedAt       time.Time       `json:"received_at"`
	Deadline         time.Time       `json:"deadline" doc:"the deadline in force: the extended one once extended"`
	OriginalDeadline time.Time       `json:"original_deadline" doc:"the deadline from receipt (the law's, or the policy's when stricter)"`
	Extended         bool            `json:"extended"`
	ExtensionReason  string          `json:"extension_reason,omitempty"`
	Overdue          bool            `json:"overdue"`
	VerifiedBy       string          `json:"verified_by,omitempty" doc:"application, email_code or staff"`
	VerifiedAt       *time.Time      `json:"verified_at,omitempty"`
	Reason           string          `json:"reason,omitempty" doc:"why it was denied or only partially completed, as told to the person"`
	Result           json.RawMessage `json:"result,omitempty" doc:"what the answer gives the person: links, counts, tasks"`
	Evidence         bool            `json:"evidence" doc:"a signed completion record is available (GET /v1/requests/{id}/evidence)"`
	Next             string          `json:"next" doc:"what happens next, in words"`
	// Progress is how far the work of a request is (bytes of an export
	// package), updated about once a second while it runs.
	Progress *steward.RequestProgress `json:"progress,omitempty" doc:"how far the work is: done of total (bytes of an export package), updated about once a second while it runs"`
	History  []RequestChange          `json:"history,omitempty" doc:"every status change, oldest first"`
}

// RequestChange is one status change of a request.
type RequestChange struct {
	From   string    `json:"from,omitempty"`
	To     string    `json:"to"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Reason string    `json:"reason,omitempty" doc:"a code: received, code_verified, approved, denied, extended, expired..."`
}

// view describes r at now; with history its changes too.
func (s *Service) view(r *steward.RightsRequest, history bool) *RequestView {
	now := s.now()
	v := &RequestView{ID: r.ID, SubjectID: r.SubjectID, Type: r.Type, Jurisdiction: r.Jurisdiction, Status: r.Status,
		ReceivedAt: r.ReceivedAt, Deadline: r.Due(), OriginalDeadline: r.Deadline, Extended: r.ExtendedDeadline != nil,
		ExtensionReason: r.ExtensionReason, Overdue: r.Open() && now.After(r.Due()), VerifiedBy: r.VerifiedBy,
		VerifiedAt: r.VerifiedAt, Reason: r.Reason, Result: r.Result, Evidence: len(r.Evidence) > 0, Next: s.next(r)}
	if history {
		v.History = make([]RequestChange, len(r.History))
		for i, c := range r.History {
			v.History[i] = RequestChange(c)
		}
	}
	return v
}

// next says what happens next to r, in words.
func (s *Service) next(r *steward.RightsRequest) string {
	switch r.Status {
	case steward.RequestUnverified:
		switch {
		case r.CodeSentAt != nil:
			return "a 6-digit code was sent to the email address on file: confirm it with POST /v1/requests/" + r.ID +
				"/verify within 10 minutes (POST /v1/requests/" + r.ID + "/code sends a new one)"
		case s.mailer == nil:
			return "the person's identity must be verified: no mail is configured on this server, so the application files the " +
				"request with verified_by application, or staff verify the person another way and approve it"
		}
		return "no email address is on file for this person: the application files the request with verified_by " +
			"application once the person is signed in, or staff verify the person another way and approve it"
	case steward.RequestVerified:
		return "verified: the request runs within a minute"
	case steward.RequestAwaitingApproval:
		return "awaiting a staff approval (POST /v1/requests/" + r.ID + "/approve or /deny)"
	case steward.RequestInProgress:
		return "in progress: the result appears here when done"
	case steward.RequestDenied:
		return "denied: the reason is told to the person"
	case steward.RequestExpired:
		return "expired: the person's identity was never verified within 30 days"
	case steward.RequestPartiallyCompleted:
		if r.Held {
			return "partially done: a legal hold keeps the rest of the data (the reason is below); the erasure finishes by " +
				"itself when the hold is released or ends"
		}
	}
	return "done: the result is below"
}

// audit appends an event for actor in tenant; reasons are codes.
func (s *Service) auditEvent(ctx context.Context, tenant, actor string, e steward.AuditEvent) error {
	e.TenantID, e.Actor, e.Time = tenant, actor, s.now().UTC()
	if info := steward.RequestFrom(ctx); info != nil {
		e.RequestID, e.ClientIP = info.ID, info.ClientIP
	}
	return s.audit.Append(ctx, &e)
}

// changed is the data of request events: ids and codes only.
type changed struct {
	RequestID string `json:"request_id"`
	SubjectID string `json:"subject_id"`
	Type      string `json:"type"`
	Status    string `json:"status"`
	From      string `json:"from,omitempty"`
	Deadline  string `json:"deadline"`
}

// save stores r with changes (each an outbox event) from the version
// read; ECONFLICT when r changed since.
func (s *Service) save(ctx context.Context, r *steward.RightsRequest, changes []steward.RequestStatusChange) error {
	events := make([]*steward.Event, 0, len(changes))
	for _, c := range changes {
		ev, err := steward.NewEvent(r.TenantID, steward.EventRequestChanged, c.At, changed{RequestID: r.ID, SubjectID: r.SubjectID,
			Type: r.Type, Status: c.To, From: c.From, Deadline: r.Due().Format(time.RFC3339)})
		if err != nil {
			return err
		}
		events = append(events, ev)
	}
	return s.store.UpdateRequest(ctx, r, changes, events...)
}

// transition moves r to each status in turn for actor (reason a code),
// stores it and audits action. ECONFLICT when r changed since it was read.
func (s *Service) transition(ctx context.Context, r *steward.RightsRequest, actor, action, reason string, to ...string) error {
	now := s.now().UTC()
	var changes []steward.RequestStatusChange
	for _, st := range to {
		changes = append(changes, steward.RequestStatusChange{From: r.Status, To: st, At: now, Actor: actor, Reason: reason})
		r.Status = st
	}
	r.UpdatedAt = now
	if err := s.save(ctx, r, changes); err != nil {
		return err
	}
	reasons := []string{"type:" + r.Type, "status:" + r.Status}
	if reason != "" {
		reasons = append(reasons, "reason:"+reason)
	}
	return s.auditEvent(ctx, r.TenantID, actor, steward.AuditEvent{Action: action, SubjectID: r.SubjectID, Target: r.ID,
		Reasons: reasons})
}
