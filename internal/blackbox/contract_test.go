package blackbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi-validator/content"

	"github.com/steward-privacy/steward/internal/testdb"
)

// The API contract: every response any test of this package receives from
// a steward server over plain HTTP passes through contractTransport, which
// validates it against the server's own /openapi.json. A response that
// does not match its operation (status, media type, body schema), or an
// error that is not problem+json, fails the test that got it (found through
// the request's context) or, if none is known, the whole package in
// TestMain. So the document cannot drift from the bytes.

// contractTransport validates every response against the OpenAPI document.
type contractTransport struct {
	base http.RoundTripper

	once     sync.Once
	mu       sync.Mutex // the validator is not documented as safe for concurrent use
	validate validator.Validator
	ops      *http.ServeMux // the document's operations, matched as the server matches routes
	loadErr  error

	violations []string // those no test could be found for
}

// contract is installed as http.DefaultTransport by TestMain.
var contract = &contractTransport{base: http.DefaultTransport}

type testKey struct{}

// withTest returns a context that attributes contract violations to t.
func withTest(ctx context.Context, t testing.TB) context.Context {
	return context.WithValue(ctx, testKey{}, t)
}

// RoundTrip sends the request and validates the response.
func (c *contractTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(req)
	// The web console and the privacy center are HTML for people, not part
	// of the API document.
	if err != nil || req.URL.Path == "/openapi.json" || strings.HasPrefix(req.URL.Path, "/console/") ||
		strings.HasPrefix(req.URL.Path, "/privacy-center/") || strings.HasPrefix(req.URL.Path, "/privacy-center-assets/") {
		return resp, err
	}
	body, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		return resp, nil // a truncated stream is the test's to notice
	}
	if problems := c.check(req, resp, body); len(problems) > 0 {
		msg := fmt.Sprintf("contract: %s %s → %d does not match /openapi.json:\n  %s\n  body: %.300s",
			req.Method, req.URL.Path, resp.StatusCode, strings.Join(problems, "\n  "), body)
		if t, ok := req.Context().Value(testKey{}).(testing.TB); ok {
			t.Error(msg)
		} else {
			c.mu.Lock()
			c.violations = append(c.violations, msg)
			c.mu.Unlock()
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// check returns what is wrong with one response.
func (c *contractTransport) check(req *http.Request, resp *http.Response, body []byte) []string {
	c.once.Do(func() { c.load(req) })
	if c.loadErr != nil {
		return []string{"loading the document: " + c.loadErr.Error()}
	}
	var problems []string
	_, pattern := c.ops.Handler(req)
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	// Pages people read (/privacy) answer errors as HTML where their
	// operation declares it; the validator below checks the declaration.
	htmlPage := ct == "text/html" && pattern != ""
	if resp.StatusCode >= 400 && !htmlPage {
		var p struct {
			Type, Title, Detail, Code string
			Status                    int
		}
		if ct != "application/problem+json" || json.Unmarshal(body, &p) != nil || p.Code == "" || p.Status != resp.StatusCode {
			problems = append(problems, "an error that is not a complete problem+json body")
		}
	}
	if pattern == "" || req.Method == http.MethodHead || path.Clean(req.URL.Path) != req.URL.Path {
		// No operation: only a 404 (unknown path) or a 405 (known path,
		// other method, with Allow) may answer.
		switch {
		case req.Method == http.MethodHead:
		case resp.StatusCode == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != "":
		case resp.StatusCode == http.StatusNotFound:
		default:
			problems = append(problems, "a request the document has no operation for was not answered 404 or 405 with Allow")
		}
		return problems
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	c.mu.Lock()
	ok, errs := c.validate.ValidateHttpResponse(req, resp)
	c.mu.Unlock()
	if !ok {
		for _, e := range errs {
			problems = append(problems, e.Error())
			for _, se := range e.SchemaValidationErrors {
				problems = append(problems, fmt.Sprintf("    %s: %s", se.FieldPath, se.Reason))
			}
		}
	}
	return problems
}

// load fetches the document from the server req was sent to (every server
// of a run is the same binary) and checks the document itself.
func (c *contractTransport) load(req *http.Request) {
	u := *req.URL
	u.Path, u.RawQuery = "/openapi.json", ""
	r, err := http.NewRequest("GET", u.String(), nil)
	if err != nil {
		c.loadErr = err
		return
	}
	resp, err := c.base.RoundTrip(r)
	if err != nil {
		c.loadErr = err
		return
	}
	defer resp.Body.Close()
	spec, err := io.ReadAll(resp.Body)
	if err != nil {
		c.loadErr = err
		return
	}
	c.validate, c.ops, c.loadErr = newContract(spec)
}

// newContract builds a validator and an operation matcher from a document,
// which must itself be valid OpenAPI.
func newContract(spec []byte) (validator.Validator, *http.ServeMux, error) {
	doc, err := libopenapi.NewDocument(spec)
	if err != nil {
		return nil, nil, err
	}
	v, errs := validator.NewValidator(doc, config.WithBodyDecoder("application/jsonl", content.DecoderFunc(decodeJSONLines)))
	if len(errs) > 0 {
		return nil, nil, fmt.Errorf("validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		var msgs []string
		for _, e := range verrs {
			msgs = append(msgs, e.Error())
		}
		return nil, nil, fmt.Errorf("the document is not valid OpenAPI: %s", strings.Join(msgs, "; "))
	}
	var parsed struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(spec, &parsed); err != nil {
		return nil, nil, err
	}
	ops := http.NewServeMux()
	for path, methods := range parsed.Paths {
		for method := range methods {
			ops.HandleFunc(strings.ToUpper(method)+" "+path, func(http.ResponseWriter, *http.Request) {})
		}
	}
	return v, ops, nil
}

// decodeJSONLines checks that a JSON Lines body holds one JSON value per
// line and gives the text to its schema (a string).
func decodeJSONLines(in *content.DecodeInput) (any, error) {
	b, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	for i, line := range bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) {
		if !json.Valid(line) {
			return nil, fmt.Errorf("JSON Lines: line %d is not one JSON value", i+1)
		}
	}
	return string(b), nil
}

// contractViolations reports, after every test ran, violations no test
// could be found for; TestMain fails the package on any.
func contractViolations() int {
	contract.mu.Lock()
	defer contract.mu.Unlock()
	for _, v := range contract.violations {
		fmt.Fprintln(os.Stderr, v)
	}
	return len(contract.violations)
}

// TestContractCatchesDrift proves the contract check can fail: a response
// with a missing field, a wrong type, an extra property, or an error in
// plain text is reported; the real response is not.
func TestContractCatchesDrift(t *testing.T) {
	s := start(t, testdb.Backends()[0])
	real := s.do("GET", "/v1/whoami", s.Key, nil)
	expect(t, real, 200)
	c := &contractTransport{base: contract.base}
	req := httptestRequest(t, s.URL+"/v1/whoami")
	cases := map[string]struct {
		status int
		ct     string
		body   string
	}{
		"real":          {200, "application/json", string(real.Body)},
		"missing field": {200, "application/json", `{"tenant_id":"t","kind":"api_key","id":"k"}`},
		"wrong type":    {200, "application/json", `{"tenant_id":1,"kind":"api_key","id":"k","scopes":[]}`},
		"extra field":   {200, "application/json", `{"tenant_id":"t","kind":"api_key","id":"k","scopes":[],"x":1}`},
		"plain error":   {401, "text/plain", "unauthorized\n"},
		"undocumented":  {418, "application/problem+json", `{"type":"x","title":"x","status":418,"detail":"x","code":"teapot"}`},
	}
	for name, tc := range cases {
		resp := &http.Response{StatusCode: tc.status, Header: http.Header{"Content-Type": {tc.ct}},
			Body: io.NopCloser(strings.NewReader(tc.body)), Request: req}
		problems := c.check(req, resp, []byte(tc.body))
		if (name == "real") != (len(problems) == 0) {
			t.Errorf("%s: problems = %q", name, problems)
		}
	}
	for _, path := range []string{"/v1/nope", "/v1/whoami"} {
		req := httptestRequest(t, s.URL+path)
		req.Method = "PATCH"
		resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(`{}`)), Request: req}
		if problems := c.check(req, resp, []byte(`{}`)); len(problems) == 0 {
			t.Errorf("PATCH %s answered 200: not reported", path)
		}
	}
}

func httptestRequest(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
