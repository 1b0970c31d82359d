package blackbox

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
)

// login posts to /v1/staff/login and returns the response and the session
// cookie it set.
func (s *server) login(body map[string]any) (*response, *http.Cookie) {
	s.t.Helper()
	j, _ := json.Marshal(body)
	resp, err := http.Post(s.URL+"/v1/staff/login", "application/json", bytes.NewReader(j))
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var c *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "steward_session" {
			c = ck
			if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
				s.t.Errorf("session cookie lacks HttpOnly/SameSite=Strict: %+v", ck)
			}
		}
	}
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: b}, c
}

// doCookie sends a JSON request authenticated by a session cookie.
func (s *server) doCookie(method, path string, c *http.Cookie, body any) *response {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequestWithContext(withTest(context.Background(), s.t), method, s.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c != nil {
		req.AddCookie(c)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}
