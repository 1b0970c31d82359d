package blackbox

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/steward-privacy/steward/internal/testdb"
)

// TestHTTPEdgeCases: every error under /v1 is problem+json — a known path
// with a wrong method is 405 with Allow, an unclean path is 404 (never a
// redirect to its clean form), a body over the limit is 413.
func TestHTTPEdgeCases(t *testing.T) {
	s := start(t, testdb.Backends()[0])
	cases := []struct {
		method, path string
		status       int
		allow        string
	}{
		{"PATCH", "/v1/apikeys", 405, "GET, HEAD, POST"},
		{"PUT", "/v1/whoami", 405, "GET, HEAD"},
		{"POST", "/v1/subjects/sub_x/data/user.name", 405, "DELETE, GET, HEAD, PUT"},
		{"DELETE", "/healthz", 405, "GET, HEAD"},
		{"GET", "/v1/files/../../../etc/passwd", 404, ""},
		{"GET", "/v1//whoami", 404, ""},
		{"GET", "/v1/./whoami", 404, ""},
		{"GET", "/v1/whoami/", 404, ""},
		{"GET", "/v1/%2e%2e/healthz", 404, ""},
		{"GET", "/v1/nothing-here", 404, ""},
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tc := range cases {
		req, err := http.NewRequestWithContext(withTest(context.Background(), t), tc.method, s.URL+tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+s.Key)
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status || resp.Header.Get("Location") != "" {
			t.Errorf("%s %s: %d (Location %q); want %d and no redirect", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Location"), tc.status)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s %s: Content-Type %q; want application/problem+json", tc.method, tc.path, ct)
		}
		if got := resp.Header.Get("Allow"); got != tc.allow {
			t.Errorf("%s %s: Allow %q; want %q", tc.method, tc.path, got, tc.allow)
		}
	}
	big := `{"name": "` + strings.Repeat("x", 2<<20) + `", "scopes": ["records:read"]}`
	expect(t, s.do("POST", "/v1/apikeys", s.Key, big), http.StatusRequestEntityTooLarge)
}
