package outbox

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
)

func TestCheckURL(t *testing.T) {
	for _, c := range []struct {
		url          string
		allowPrivate bool
		ok           bool
	}{
		{"https://hooks.example.com/steward?token=x", false, true},
		{"https://hooks.example.com:8443/a", false, true},
		{"http://127.0.0.1:9000/hooks", true, true},
		{"http://[::1]:9000/hooks", true, true},
		{"http://localhost:9000/hooks", true, true},
		{"https://10.0.0.7/hooks", true, true},
		{"http://127.0.0.1:9000/hooks", false, false},    // loopback refused on a strict server
		{"https://10.0.0.7/hooks", false, false},         // private
		{"https://169.254.169.254/latest", false, false}, // link-local (cloud metadata)
		{"https://100.64.0.1/", false, false},            // shared address space
		{"https://localhost/hooks", false, false},
		{"http://hooks.example.com/steward", true, false}, // plain http off the machine
		{"https://user:pass@hooks.example.com/", true, false},
		{"https://hooks.example.com/#frag", true, false},
		{"ftp://hooks.example.com/", true, false},
		{"hooks.example.com/steward", true, false},
		{"https:///nohost", true, false},
		{"", true, false},
		{"https://hooks.example.com/" + strings.Repeat("a", maxURL), true, false},
	} {
		err := checkURL(c.url, c.allowPrivate)
		if (err == nil) != c.ok {
			t.Errorf("checkURL(%q, %v) = %v; want ok %v", c.url, c.allowPrivate, err, c.ok)
		}
		if err != nil {
			se, _ := err.(*steward.Error)
			if se == nil || se.Code != steward.EINVALID || se.Fields[0].Path != "url" || strings.Contains(se.Message, "example.com") {
				t.Errorf("checkURL(%q): %v; want EINVALID naming url, not echoing it", c.url, err)
			}
		}
	}
}

// TestGuardRefusesAtDial: a strict server never connects to a loopback
// address, whatever name led there; unspecified and multicast addresses
// are refused even when private ones are allowed.
func TestGuardRefusesAtDial(t *testing.T) {
	hit := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit = true }))
	defer srv.Close()
	s := &Service{client: newClient(time.Second, false)}
	for _, u := range []string{srv.URL, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)} {
		req, _ := http.NewRequest(http.MethodPost, u, nil)
		if status, code := s.send(req); code != ErrDestination || status != 0 {
			t.Errorf("send(%s) = %d, %q; want %s", u, status, code, ErrDestination)
		}
	}
	if hit {
		t.Fatal("the strict client reached a loopback server")
	}
	open := guard(true)
	for addr, ok := range map[string]bool{"127.0.0.1:80": true, "10.1.2.3:443": true, "0.0.0.0:80": false, "[::]:80": false,
		"224.0.0.1:80": false, "[::ffff:127.0.0.1]:80": true} {
		if err := open(context.Background(), "tcp", addr, nil); (err == nil) != ok {
			t.Errorf("guard(allowPrivate)(%s) = %v; want ok %v", addr, err, ok)
		}
	}
	strict := guard(false)
	for _, addr := range []string{"127.0.0.1:80", "[::1]:80", "192.168.1.1:80", "169.254.169.254:80", "[fe80::1]:80", "[::ffff:10.0.0.1]:80"} {
		if err := strict(context.Background(), "tcp", addr, nil); err == nil {
			t.Errorf("guard(strict)(%s) allowed", addr)
		}
	}
	if err := strict(context.Background(), "tcp", "93.184.215.14:443", nil); err != nil {
		t.Errorf("guard(strict) refused a public address: %v", err)
	}
}
