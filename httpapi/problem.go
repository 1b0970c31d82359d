package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/steward-privacy/steward"
)

// Problem is an RFC 9457 problem details body, with steward's extensions:
// a stable code, the request id, the field paths at fault and, for policy
// denials, machine-readable reason codes.
type Problem struct {
	Type      string               `json:"type"`
	Title     string               `json:"title"`
	Status    int                  `json:"status"`
	Detail    string               `json:"detail"`
	Code      string               `json:"code"`
	RequestID string               `json:"request_id,omitempty"`
	Errors    []steward.FieldError `json:"errors,omitempty"`
	Reasons   []string             `json:"reasons,omitempty"`
}

// statusOf maps an error code to its HTTP status. It is the one table that
// does so.
var statusOf = map[string]int{
	steward.EINVALID:      http.StatusBadRequest,
	steward.EUNAUTHORIZED: http.StatusUnauthorized,
	steward.EFORBIDDEN:    http.StatusForbidden,
	steward.ENOTFOUND:     http.StatusNotFound,
	steward.ECONFLICT:     http.StatusConflict,
	steward.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	steward.EMETHOD:       http.StatusMethodNotAllowed,
	steward.ERATELIMIT:    http.StatusTooManyRequests,
	steward.EUNAVAILABLE:  http.StatusServiceUnavailable,
	steward.EINTERNAL:     http.StatusInternalServerError,
}

// problemTypeBase prefixes the type URI of every problem; the page under it
// documents the code (docs/errors.md).
const problemTypeBase = "https://steward.dev/problems/"

// writeError renders err as problem+json. Uncoded errors are logged with the
// request id and shown only as "internal error".
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	writeProblem(w, problemOf(w, r, log, err))
}

// problemOf turns err into the problem to answer with, setting the headers
// it implies (Retry-After, WWW-Authenticate) and logging server errors.
func problemOf(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) Problem {
	code := steward.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		code, status = steward.EINTERNAL, http.StatusInternalServerError
	}
	p := Problem{Type: problemTypeBase + code, Title: http.StatusText(status), Status: status,
		Detail: steward.ErrorMessage(err), Code: code, RequestID: requestID(r.Context())}
	var se *steward.Error
	if errors.As(err, &se) {
		p.Errors = se.Fields
		for _, reason := range se.Reasons {
			if secs, ok := steward.RetryAfter(reason); ok {
				w.Header().Set("Retry-After", secs)
				continue
			}
			p.Reasons = append(p.Reasons, reason)
		}
	}
	if status >= 500 {
		p.Detail = "internal error"
		if code == steward.EUNAVAILABLE {
			p.Detail = steward.ErrorMessage(err)
		}
		log.LogAttrs(r.Context(), slog.LevelError, "request failed", slog.String("request_id", p.RequestID),
			slog.String("route", r.Pattern), slog.String("error", err.Error()))
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="steward"`)
	}
	return p
}

func writeProblem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// notFoundHandler answers unknown paths with problem+json.
func (s *Server) notFoundHandler(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, s.log, steward.Errorf(steward.ENOTFOUND, "no such endpoint: %s %s", r.Method, safePath(r.URL.Path)))
}

// safePath keeps a path short and printable for an error message.
func safePath(p string) string {
	if len(p) > 80 {
		p = p[:80] + "..."
	}
	return strconv.QuoteToASCII(p)
}
