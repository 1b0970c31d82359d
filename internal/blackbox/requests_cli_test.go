package blackbox

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/steward-privacy/steward/internal/testdb"
)

// runCLIEnv runs the steward binary with extra environment variables.
func runCLIEnv(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(out), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

// TestRequestsCLI: `steward requests` lists, shows, approves, extends and
// denies through the server with the same rules (a missing reason fails
// with the server's message and exit 1; an application key cannot
// approve).
func TestRequestsCLI(t *testing.T) {
	s, app, staff, sub := requestsServer(t, testdb.Backends()[0])
	r := s.do("POST", "/v1/requests", app, map[string]any{"type": "erasure", "subject": map[string]any{"id": sub}, "verified_by": "application"})
	expect(t, r, 201)
	id := r.JSON(t)["id"].(string)
	env := []string{"STEWARD_SERVER_URL=" + s.URL, "STEWARD_API_KEY=" + staff}
	cli := func(want int, args ...string) string {
		t.Helper()
		out, code := runCLIEnv(t, env, append([]string{"requests"}, args...)...)
		if code != want {
			t.Fatalf("steward requests %v: exit %d, want %d:\n%s", args, code, want, out)
		}
		return out
	}
	if out := cli(0, "list", "--status", "awaiting_approval"); !strings.Contains(out, id) || !strings.Contains(out, "erasure") {
		t.Fatalf("list:\n%s", out)
	}
	if out := cli(0, "show", id); !strings.Contains(out, "awaiting_approval") || !strings.Contains(out, "approval_required") {
		t.Fatalf("show:\n%s", out)
	}
	if out, code := runCLIEnv(t, []string{"STEWARD_SERVER_URL=" + s.URL, "STEWARD_API_KEY=" + app}, "requests", "approve", id); code != 1 ||
		!strings.Contains(out, "forbidden") {
		t.Fatalf("approve with an application key: %d\n%s", code, out)
	}
	if out := cli(0, "approve", id); !strings.Contains(out, "in_progress") {
		t.Fatalf("approve:\n%s", out)
	}
	// The approved erasure may complete at any moment (the runner checks
	// every 250 ms): extensions and denials go to a second request, which
	// waits for approval.
	r = s.do("POST", "/v1/requests", app, map[string]any{"type": "erasure", "subject": map[string]any{"id": sub}, "verified_by": "application"})
	expect(t, r, 201)
	waiting := r.JSON(t)["id"].(string)
	if out := cli(1, "deny", waiting); !strings.Contains(out, "reason") {
		t.Fatalf("deny without a reason:\n%s", out)
	}
	if out := cli(0, "extend", waiting, "--reason", "many processors"); !strings.Contains(out, "extended: many processors") {
		t.Fatalf("extend:\n%s", out)
	}
	cli(1, "extend", waiting, "--reason", "again")
	if out := cli(0, "deny", waiting, "--reason", "a court order", "--json"); !strings.Contains(out, `"status": "denied"`) {
		t.Fatalf("deny:\n%s", out)
	}
	cli(2, "show")
	if out, code := runCLIEnv(t, []string{"STEWARD_SERVER_URL=" + s.URL, "STEWARD_API_KEY="}, "requests", "list"); code != 1 ||
		!strings.Contains(out, "STEWARD_API_KEY") {
		t.Fatalf("no key: %d\n%s", code, out)
	}
}

// BenchmarkRequestCreate files application-verified requests through the
// real binary over loopback HTTP from 16 concurrent clients: HTTP, the
// subject lookup, the request and its event in one transaction, the audit
// log.
//
//	go test ./internal/blackbox -run '^$' -bench RequestCreate -benchtime 5000x
func BenchmarkRequestCreate(b *testing.B) {
	s := start(b, testdb.Backends()[0])
	app := s.appKey("records:write", "requests:write", "requests:verify")
	sub := s.subject(app, map[string]any{"external_id": "bench", "email": "bench@example.com"})
	body := []byte(`{"type": "access", "subject": {"id": "` + sub + `"}, "verified_by": "application"}`)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.SetParallelism(8) // 16 clients on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("POST", s.URL+"/v1/requests", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+app)
			req.Header.Set("Content-Type", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 201 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
}

// TestRequestsCLIFollowsAnExport: `steward requests show ID --wait`
// follows an access request while its package is built and prints it
// completed; the request records the build's progress in bytes (done of
// total, the files' size), shown by GET /v1/requests/{id}.
func TestRequestsCLIFollowsAnExport(t *testing.T) {
	s := start(t, testdb.Backends()[0], "--job-interval", "1s")
	key := s.appKey(append(strings.Fields(allVault), "requests:write", "requests:verify")...)
	sub := s.subject(key, map[string]any{"external_id": "follow"})
	const size = 8 << 20
	s.upload(key, sub, "user.content.product_image", false, bytes.Repeat([]byte("z"), size))
	r := s.do("POST", "/v1/requests", key, map[string]any{"type": "access", "subject": map[string]any{"id": sub}, "verified_by": "application"})
	expect(t, r, 201)
	id := r.JSON(t)["id"].(string)
	out, code := runCLIEnv(t, []string{"STEWARD_SERVER_URL=" + s.URL, "STEWARD_API_KEY=" + key}, "requests", "show", id, "--wait", "1m", "--json")
	if code != 0 || !strings.Contains(out, `"status": "completed"`) {
		t.Fatalf("show --wait: exit %d\n%s", code, out)
	}
	v := s.do("GET", "/v1/requests/"+id, key, nil).JSON(t)
	p, _ := v["progress"].(map[string]any)
	if p == nil || p["done"] != p["total"] || p["total"].(float64) < size {
		t.Fatalf("progress of a completed export: %v; want done = total >= %d", v["progress"], size)
	}
}
