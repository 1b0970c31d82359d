package httpapi

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/disclose"
)

// DisclosureList is a subject's disclosures, newest first: who has
// received their data.
type DisclosureList struct {
	Disclosures []*steward.Disclosure `json:"disclosures"`
}

func (s *Server) routeDisclosures(g *disclose.Service) {
	s.route(Route{Method: "POST", Path: "/v1/subjects/{id}/disclosures", Summary: "Disclose a subject's data to a sub-processor, as the policy allows",
		Tag: "disclosures", Scope: steward.ScopeDisclosuresWrite, In: disclose.Request{}, Out: disclose.Result{}},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[disclose.Request](w, r)
			if err != nil {
				return err
			}
			out, err := g.Disclose(r.Context(), r.PathValue("id"), in)
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, out)
		})
	s.route(Route{Method: "GET", Path: "/v1/subjects/{id}/disclosures", Summary: "List who received a subject's data (the disclosure ledger)",
		Tag: "disclosures", Scope: steward.ScopeDisclosuresRead, Out: DisclosureList{},
		Query: []Param{{Name: "limit", Type: "integer", Description: "at most this many, newest first (default 100, at most 1000)"}}},
		func(w http.ResponseWriter, r *http.Request) error {
			limit := 0
			if q := r.URL.Query().Get("limit"); q != "" {
				n, err := strconv.Atoi(q)
				if err != nil {
					return steward.Invalid("limit", "must be a whole number from 1 to 1000")
				}
				limit = n
			}
			out, err := g.List(r.Context(), r.PathValue("id"), limit)
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, DisclosureList{Disclosures: out})
		})
	s.route(Route{Method: "GET", Path: "/v1/downloads/{token}", Summary: "Download a disclosed file once through its one-time link (no key: the link is the credential)",
		Tag: "disclosures", Public: true, RawOut: "application/octet-stream"},
		func(w http.ResponseWriter, r *http.Request) error {
			f, body, done, err := g.Download(r.Context(), r.PathValue("token"))
			if err != nil {
				return err
			}
			defer body.Close()
			s.streamFile(w, r, f.ID, f.Size, f.SHA256, body, done)
			return nil
		})
}

// streamFile sends a decrypted file. A tampered or truncated ciphertext
// stops the stream with an error: the client sees a short body against
// Content-Length (or an aborted chunked body when size is -1), never wrong
// bytes presented as complete.
func (s *Server) streamFile(w http.ResponseWriter, r *http.Request, id string, size int64, sha string, body io.Reader, done func(bool)) {
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Now().Add(time.Hour))
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	if size >= 0 { // -1: the bytes were transformed on the way (metadata removed)
		h.Set("Content-Length", strconv.FormatInt(size, 10))
		h.Set("X-Content-SHA256", sha)
	}
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	n, err := io.Copy(w, body)
	done(err == nil && (size < 0 || n == size))
	if err != nil {
		s.log.Warn("file download stopped", "request_id", requestID(r.Context()), "file", id, "error", err.Error())
		panic(http.ErrAbortHandler)
	}
}
