// Package steward holds the domain of the steward privacy engine: the nouns of the
// product (tenants, subjects, records, consents, audit events, ...), the service
// interfaces that storage adapters implement, and the error codes every layer speaks.
//
// It depends on the standard library only. Adapters live in sub-packages named after
// what they adapt (sqlite, postgres, blob, crypt, httpapi).
package steward

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Error codes. Every error that reaches a user carries one of these; anything
// uncoded is treated as EINTERNAL and shown only as "internal error".
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	ETOOLARGE     = "too_large"
	EMETHOD       = "method_not_allowed"
	ERATELIMIT    = "rate_limited"
	EUNAVAILABLE  = "unavailable"
	EINTERNAL     = "internal"
)

// FieldError names one offending field of a request by its JSON path and says
// what is wrong with it. The message never contains the submitted value.
type FieldError struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// Error is an application error: a code, a message that is safe to show to the
// caller (it never contains personal data or secrets), optional field errors for
// validation failures, optional machine-readable reasons (for policy denials),
// and an optional wrapped cause that is only ever logged.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	Reasons []string
	Cause   error
}

// Error returns the code and the safe message.
func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Cause)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// Errorf returns an *Error with the given code and a formatted, safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error for one field.
func Invalid(path, message string) *Error {
	return &Error{Code: EINVALID, Message: message, Fields: []FieldError{{Path: path, Message: message}}}
}

// ErrStaleKeyVersion is returned by a store when a subject's data key is
// wrapped by a tenant key version that no longer exists (a rotation retired
// it after this server last loaded the tenant's keys): wrap again under the
// current version.
var ErrStaleKeyVersion = &Error{Code: ECONFLICT, Message: "the tenant key version was retired; wrap under the current one"}

// ErrKeyVersionInUse is returned by a store asked to destroy a tenant key
// version that a subject's data key still needs.
var ErrKeyVersionInUse = &Error{Code: ECONFLICT, Message: "the tenant key version is still in use"}

// ErrorCode returns the code of the first *Error in err's chain, "" for nil, and
// EINTERNAL for any other error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the safe message of the first *Error in err's chain, and
// "internal error" for any other error.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// retryAfterPrefix marks the reason that carries a Retry-After in seconds;
// the HTTP layer turns it into the header and keeps it out of the body.
const retryAfterPrefix = "retry_after:"

// RateLimited returns an ERATELIMIT error telling the caller to wait.
func RateLimited(message string, wait time.Duration) *Error {
	secs := int64((wait + time.Second - 1) / time.Second)
	return &Error{Code: ERATELIMIT, Message: message, Reasons: []string{retryAfterPrefix + strconv.FormatInt(max(secs, 1), 10)}}
}

// RetryAfter returns the seconds to wait carried by a reason made by
// RateLimited, and whether reason is one.
func RetryAfter(reason string) (string, bool) { return strings.CutPrefix(reason, retryAfterPrefix) }
