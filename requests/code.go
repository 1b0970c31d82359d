package requests

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/steward-privacy/steward"
)

// The one-time codes: 6 digits, valid 10 minutes, 5 attempts; requests
// never verified expire after 30 days.
const (
	CodeTTL        = 10 * time.Minute
	CodeAttempts   = 5
	MaxCodes       = 5 // codes per request: then staff verify the person, or the request is filed again
	UnverifiedTTL  = 30 * 24 * time.Hour
	codeDigits     = 6
	codeHashDomain = "steward.request.code/1\x00"
)

// newCode returns a uniformly random 6-digit code from crypto/rand.
func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%0*d", codeDigits, n.Int64()), nil
}

// codeHash is the keyed hash stored for a code: HMAC-SHA-256 under the
// server's code key over the request id and the code, so that a code of
// one request never matches another.
func codeHash(key []byte, requestID, code string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(codeHashDomain))
	m.Write([]byte(requestID))
	m.Write([]byte{0})
	m.Write([]byte(code))
	return m.Sum(nil)
}

// validCode reports whether s has the shape of a code.
func validCode(s string) bool {
	if len(s) != codeDigits {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// newCodeFor gives r a new code (its hash, expiry, a fresh count of
// attempts) when a mailer and an address on file exist, and returns the
// code and the address; "" when there is nothing to send. r is not stored.
func (s *Service) newCodeFor(ctx context.Context, r *steward.RightsRequest) (code, to string, err error) {
	if s.mailer == nil {
		return "", "", nil
	}
	if to, err = s.subjects.SubjectEmail(ctx, r.TenantID, r.SubjectID, r.ID); err != nil || to == "" {
		return "", "", err
	}
	if r.CodesSent >= MaxCodes {
		return "", "", steward.Errorf(steward.ECONFLICT, "this request had %d codes already: staff verify the person, or the request is filed again", MaxCodes)
	}
	if code, err = newCode(); err != nil {
		return "", "", err
	}
	now := s.now().UTC()
	exp := now.Add(CodeTTL)
	r.CodeHash, r.CodeExpires, r.CodeAttempts, r.CodeSentAt, r.UpdatedAt = codeHash(s.codeKey, r.ID, code), &exp, 0, &now, now
	r.CodesSent++
	return code, to, nil
}

// mailCode sends a code stored for r and audits that it was sent (never
// the code or the address).
func (s *Service) mailCode(ctx context.Context, r *steward.RightsRequest, actor, code, to string) error {
	if err := s.mailer.Send(ctx, to, "Your verification code", codeText(code, r)); err != nil {
		return steward.Errorf(steward.EUNAVAILABLE, "the code could not be mailed; ask for a new one")
	}
	return s.auditEvent(ctx, r.TenantID, actor, steward.AuditEvent{Action: steward.ActionRequestCode, SubjectID: r.SubjectID,
		Target: r.ID, Reasons: []string{"type:" + r.Type, "channel:email"}})
}

// sendCode stores a new code for r and mails it to the subject's address
// on file. Without a mailer or an address it does nothing (the request's
// next step says how to proceed).
func (s *Service) sendCode(ctx context.Context, r *steward.RightsRequest, actor string) error {
	prev := *r
	code, to, err := s.newCodeFor(ctx, r)
	if err != nil || code == "" {
		return err
	}
	if err := s.store.UpdateRequest(ctx, r, nil); err != nil {
		r.CodeHash, r.CodeExpires, r.CodeAttempts, r.CodeSentAt, r.CodesSent = prev.CodeHash, prev.CodeExpires, prev.CodeAttempts,
			prev.CodeSentAt, prev.CodesSent
		return err
	}
	return s.mailCode(ctx, r, actor, code, to)
}

// codeText is the message carrying a code.
func codeText(code string, r *steward.RightsRequest) string {
	return "Someone asked to use a data protection right (" + r.Type + ") for your account, request " + r.ID + ".\n\n" +
		"If it was you, confirm with this code within 10 minutes:\n\n    " + code + "\n\n" +
		"If it was not you, ignore this message: nothing happens without the code.\n"
}

// RequestCodeSent is the answer of SendCode: always the same, so the route tells
// nobody whether the person has an address on file.
type RequestCodeSent struct {
	Status string `json:"status" doc:"accepted: a new code goes to the address on file, if there is one"`
}

// SendCode mails a new code for an unverified request (public: the
// person calls it; limited per request). The answer is the same whether
// or not an address is on file.
func (s *Service) SendCode(ctx context.Context, id string) (*RequestCodeSent, error) {
	if ok, wait := s.codeLimit.Allow("code/" + id); !ok {
		return nil, steward.RateLimited("too many codes asked for this request; wait", wait)
	}
	r, err := s.store.RequestByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Status != steward.RequestUnverified {
		return nil, steward.Errorf(steward.ECONFLICT, "this request needs no code: it is %s", r.Status)
	}
	if err := s.sendCode(ctx, r, string(steward.ActorSubject)+":"+r.SubjectID); err != nil {
		if steward.ErrorCode(err) == steward.ECONFLICT {
			return nil, err
		}
		s.log.Warn("request code not sent", "request", r.ID, "error_code", steward.ErrorCode(err))
	}
	return &RequestCodeSent{Status: "accepted"}, nil
}

// RequestCode is the body of POST /v1/requests/{id}/verify.
type RequestCode struct {
	Code string `json:"code" doc:"the 6-digit code mailed to the person"`
}

// Verify checks the code the person received (public; limited per
// request and per client address). A wrong code uses one of 5 attempts;
// after the fifth, or 10 minutes after it was sent, the request needs a
// new code. A code of another request never matches.
func (s *Service) Verify(ctx context.Context, id string, in *RequestCode) (*RequestStatus, error) {
	addr := "" // the client address, truncated
	if info := steward.RequestFrom(ctx); info != nil {
		addr = info.ClientIP
	}
	for _, key := range []string{"verify/" + id, "addr/" + addr} {
		if ok, wait := s.verifyLimit.Allow(key); !ok {
			return nil, steward.RateLimited("too many attempts; wait", wait)
		}
	}
	if !validCode(in.Code) {
		return nil, steward.Invalid("code", "must be the 6 digits received by email")
	}
	// Concurrent checks of one request race on its version: the loser reads
	// it again and is checked again, so that every wrong code counts.
	for try := 0; ; try++ {
		out, err := s.checkCode(ctx, id, in.Code)
		var race raced
		if errors.As(err, &race) && try < 10 {
			continue
		}
		if errors.As(err, &race) {
			return nil, race.err
		}
		return out, err
	}
}

// raced marks a store update that lost a race with a concurrent one.
type raced struct{ err error }

func (r raced) Error() string { return r.err.Error() }

// checkCode reads the request, checks code against it and stores the
// outcome: a wrong code uses an attempt, the right one verifies it.
func (s *Service) checkCode(ctx context.Context, id, code string) (*RequestStatus, error) {
	r, err := s.store.RequestByID(ctx, id)
	if err != nil {
		return nil, err
	}
	actor := string(steward.ActorSubject) + ":" + r.SubjectID
	if r.Status != steward.RequestUnverified {
		return nil, steward.Errorf(steward.ECONFLICT, "this request needs no code: it is %s", r.Status)
	}
	now := s.now().UTC()
	if r.CodeHash == nil || r.CodeExpires == nil || !now.Before(*r.CodeExpires) || r.CodeAttempts >= CodeAttempts {
		return nil, steward.Errorf(steward.ECONFLICT, "no valid code: ask for a new one (POST /v1/requests/%s/code)", r.ID)
	}
	if !hmac.Equal(codeHash(s.codeKey, r.ID, code), r.CodeHash) {
		r.CodeAttempts++
		if r.CodeAttempts >= CodeAttempts {
			r.CodeHash, r.CodeExpires = nil, nil // locked: a new code is needed
		}
		r.UpdatedAt = now
		if err := s.store.UpdateRequest(ctx, r, nil); err != nil {
			return nil, lost(err)
		}
		if err := s.auditEvent(ctx, r.TenantID, actor, steward.AuditEvent{Action: steward.ActionRequestVerify, SubjectID: r.SubjectID,
			Target: r.ID, Decision: steward.DecisionDeny, Reasons: []string{"wrong_code", fmt.Sprintf("attempt:%d", r.CodeAttempts)}}); err != nil {
			return nil, err
		}
		if r.CodeHash == nil {
			return nil, steward.Invalid("code", "is wrong; that was the last attempt: ask for a new code")
		}
		return nil, steward.Invalid("code", fmt.Sprintf("is wrong; %d attempts left", CodeAttempts-r.CodeAttempts))
	}
	changes := s.markVerified(r, now, actor, steward.VerifiedByEmailCode)
	r.UpdatedAt = now
	if err := s.save(ctx, r, changes); err != nil {
		return nil, lost(err)
	}
	if err := s.auditEvent(ctx, r.TenantID, actor, steward.AuditEvent{Action: steward.ActionRequestVerify, SubjectID: r.SubjectID,
		Target: r.ID, Decision: steward.DecisionAllow, Reasons: []string{"type:" + r.Type, "status:" + r.Status}}); err != nil {
		return nil, err
	}
	return &RequestStatus{ID: r.ID, Status: r.Status, Deadline: r.Due(), Next: s.next(r)}, nil
}

// lost marks a version conflict of the store as a lost race.
func lost(err error) error {
	if steward.ErrorCode(err) == steward.ECONFLICT {
		return raced{err}
	}
	return err
}
