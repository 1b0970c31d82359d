package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/steward-privacy/steward"
)

// maxJSONBody bounds every JSON request body.
const maxJSONBody = 1 << 20

// decode reads a JSON request body into a new T: Content-Type must be JSON,
// the body at most maxJSONBody bytes, one value, no unknown fields. Errors
// name the offending field and never echo the submitted values.
//
// The body is read whole into a pooled buffer first, so a body over the
// limit is ETOOLARGE even when what precedes the limit is already
// malformed. When T is a flat struct (only string, *string and []string
// fields, see flatStructOf) and the body a plain object of such values,
// parseFlat decodes it directly; anything else goes to encoding/json,
// whose values and errors are the same as if it had read the body itself.
func decode[T any](w http.ResponseWriter, r *http.Request) (*T, error) {
	if ct := r.Header.Get("Content-Type"); ct != "application/json" { // the usual value needs no parsing
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, steward.Errorf(steward.EINVALID, "Content-Type must be application/json")
		}
	}
	bp := bodyBuffers.Get().(*[]byte)
	defer putBodyBuffer(bp)
	body, err := readBody(http.MaxBytesReader(w, r.Body, maxJSONBody), (*bp)[:0], r.ContentLength)
	*bp = body
	if err != nil {
		return nil, jsonError(err)
	}
	v := new(T)
	if fs := flatStructFor(reflect.TypeFor[T]()); fs != nil {
		if parseFlat(body, reflect.ValueOf(v).Elem(), fs) {
			return v, nil
		}
		v = new(T) // parseFlat may have written part of v
	}
	if err := decodeJSON(body, v); err != nil {
		return nil, err
	}
	return v, nil
}

// decodeJSON decodes body, one JSON value with no unknown fields, into v
// with encoding/json.
func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return steward.Errorf(steward.EINVALID, "request body must hold a single JSON value")
	}
	return nil
}

// bodyBuffers recycles request body buffers (*[]byte); maxPooledBody
// bounds what is kept.
var bodyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

const maxPooledBody = 64 << 10

// putBodyBuffer wipes a body buffer, which may hold personal data, and
// returns it to the pool unless it grew too large.
func putBodyBuffer(bp *[]byte) {
	clear(*bp)
	*bp = (*bp)[:0]
	if cap(*bp) <= maxPooledBody {
		bodyBuffers.Put(bp)
	}
}

// readBody appends everything r holds to buf and returns it. size, the
// declared length (-1 if unknown), only sizes the buffer; r bounds what is
// read.
func readBody(r io.Reader, buf []byte, size int64) ([]byte, error) {
	if size > 0 && size < maxJSONBody {
		// One byte more, so the read that finds the end needs no growth.
		buf = slices.Grow(buf, int(size)+1)
	}
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, max(512, cap(buf)))
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
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

// jsonAppender is an answer that writes itself, the bytes an Encoder with
// SetEscapeHTML(false) would write (newline included), without reflection:
// the answers of the busiest routes (disclose.Result).
type jsonAppender interface {
	AppendJSON(b []byte) ([]byte, error)
}

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
	if a, ok := v.(jsonAppender); ok {
		avail := buf.AvailableBuffer()
		b, err := a.AppendJSON(avail)
		if len(b) > cap(avail) {
			defer clear(b) // it outgrew the pooled buffer: wipe its own copy too
		}
		if err != nil {
			return err
		}
		buf.Write(b)
	} else {
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	h := w.Header()
	h["Content-Type"] = headerJSON
	h["Cache-Control"] = headerNoStore
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}
