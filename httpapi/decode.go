package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/steward-privacy/steward"
)

// maxJSONBody bounds every JSON request body.
const maxJSONBody = 1 << 20

// decode reads a JSON request body into a new T: Content-Type must be JSON,
// the body at most maxJSONBody bytes, one value, no unknown fields. Errors
// name the offending field and never echo the submitted values.
func decode[T any](w http.ResponseWriter, r *http.Request) (*T, error) {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return nil, steward.Errorf(steward.EINVALID, "Content-Type must be application/json")
	}
	body := http.MaxBytesReader(w, r.Body, maxJSONBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	v := new(T)
	if err := dec.Decode(v); err != nil {
		return nil, jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, jsonError(err)
		}
		return nil, steward.Errorf(steward.EINVALID, "request body must hold a single JSON value")
	}
	return v, nil
}

// jsonError turns a decoding error into a coded error with a field path.
func jsonError(err error) error {
	var mbe *http.MaxBytesError
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return steward.Errorf(steward.ETOOLARGE, "request body exceeds %d bytes", mbe.Limit)
	case errors.Is(err, io.EOF):
		return steward.Errorf(steward.EINVALID, "request body is empty; a JSON object is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return steward.Errorf(steward.EINVALID, "request body is truncated JSON")
	case errors.As(err, &syn):
		return steward.Errorf(steward.EINVALID, "malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		path := safeFieldPath(typ.Field)
		if path == "" {
			path = "(body)"
		}
		return steward.Invalid(path, fmt.Sprintf("must be a JSON %s", jsonKind(typ.Type.Kind().String())))
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return steward.Invalid(safeFieldPath(strings.Trim(f, `"`)), "unknown field")
	}
	return steward.Errorf(steward.EINVALID, "malformed JSON request body")
}

// safeFieldPath returns a field path fit to show: each dot-separated part
// that is not an identifier of the API's shape (lower-case letters, digits
// and underscores, at most 40 characters) is replaced by "*", so a caller
// who sends an email address or a name as a field name (or a map key)
// never sees it echoed.
func safeFieldPath(p string) string {
	parts := strings.Split(p, ".")
	for i, part := range parts {
		if !apiIdentifier(part) {
			parts[i] = "*"
		}
	}
	return strings.Join(parts, ".")
}

func apiIdentifier(s string) bool {
	if s == "" || len(s) > 40 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map":
		return "object"
	}
	return "number"
}

// Shared header values (net/http never modifies them), set with their
// canonical keys: cheaper than Header().Set on every response.
var (
	headerJSON    = []string{"application/json"}
	headerNoStore = []string{"no-store"}
	headerNoSniff = []string{"nosniff"}
)

// respBuffers recycles response buffers; maxPooledResponse bounds what is kept.
var respBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledResponse = 64 << 10

// respond writes v as JSON with the given status.
func respond(w http.ResponseWriter, status int, v any) error {
	buf := respBuffers.Get().(*bytes.Buffer)
	defer func() {
		// Responses carry decrypted values: wipe before reuse, so none
		// lingers in a pooled buffer.
		clear(buf.Bytes()[:buf.Len()])
		buf.Reset()
		if buf.Cap() <= maxPooledResponse {
			respBuffers.Put(buf)
		}
	}()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	h := w.Header()
	h["Content-Type"] = headerJSON
	h["Cache-Control"] = headerNoStore
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}
