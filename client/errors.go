package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
)

// The error codes steward answers with, as Error.Code holds them (the
// problem's "code" member).
const (
	EINVALID      = "invalid"      // 400: bad input; Fields names what is wrong
	EUNAUTHORIZED = "unauthorized" // 401: no, bad or revoked credential
	EFORBIDDEN    = "forbidden"    // 403: a missing scope or a policy denial (see Reasons)
	ENOTFOUND     = "not_found"    // 404: no such object in the caller's tenant
	ECONFLICT     = "conflict"     // 409: the object exists or changed
	ETOOLARGE     = "too_large"    // 413: a body over the server's limit
	ERATELIMIT    = "rate_limited" // 429: slow down; see RetryAfter
	EINTERNAL     = "internal"     // 500: the server failed; quote RequestID
	EUNAVAILABLE  = "unavailable"  // 503: not ready, e.g. the database is unreachable
)

// Error is a failed call: the server's problem details (RFC 9457) with
// steward's extensions, decoded from the problem+json body. A response that
// is not problem+json (a proxy's page, say) still becomes an *Error with its
// Status and an empty Code.
type Error struct {
	Status    int          `json:"status"`     // the HTTP status
	Code      string       `json:"code"`       // one of the E* constants; "" if the body was not problem+json
	Type      string       `json:"type"`       // a URI naming the problem type
	Title     string       `json:"title"`      // the status text
	Detail    string       `json:"detail"`     // a message safe to show; never personal data
	RequestID string       `json:"request_id"` // quote it when asking the operator
	Fields    []FieldError `json:"errors"`     // for EINVALID: the paths of the fields at fault
	Reasons   []string     `json:"reasons"`    // for policy denials: machine-readable reason codes
	// RetryAfter is the wait the server asked for (429, 503), or zero.
	RetryAfter time.Duration `json:"-"`
}

// FieldError names one invalid field of a request.
type FieldError struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// Error describes the failure in one line.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("steward: ")
	if e.Code != "" {
		b.WriteString(e.Code + " ")
	}
	fmt.Fprintf(&b, "(%d)", e.Status)
	sep := ": "
	if e.Detail != "" && !slices.ContainsFunc(e.Fields, func(f FieldError) bool { return f.Message == e.Detail }) {
		b.WriteString(sep + e.Detail)
		sep = "; "
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "%s%s: %s", sep, f.Path, f.Message)
		sep = "; "
	}
	if len(e.Reasons) > 0 {
		b.WriteString(" [" + strings.Join(e.Reasons, ", ") + "]")
	}
	if e.RequestID != "" {
		b.WriteString(" (request " + e.RequestID + ")")
	}
	return b.String()
}

// IsCode reports whether err is, or wraps, an *Error with the given code.
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// StatusOf returns the HTTP status of an *Error in err's chain, or 0.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// maxErrorBody bounds how much of an error body is read.
const maxErrorBody = 64 << 10

// responseError reads and closes an unsuccessful response and returns its
// *Error.
func responseError(resp *http.Response) *Error {
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	// The problem+json body decodes into the Error itself; anything else
	// is kept as a short printable detail.
	e := &Error{}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "application/problem+json" || json.Unmarshal(body, e) != nil {
		*e = Error{Detail: snippet(body)}
	}
	e.Status, e.RetryAfter = resp.StatusCode, retryAfter(resp.Header)
	if e.Title == "" {
		e.Title = http.StatusText(resp.StatusCode)
	}
	if e.RequestID == "" {
		e.RequestID = resp.Header.Get("X-Request-Id")
	}
	return e
}

// snippet is the start of a non-problem body, printable and short.
func snippet(body []byte) string {
	s := strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, string(body))
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "..."
	}
	return s
}
