// Package blackbox proves steward's guarantees through the real binary: it
// builds cmd/steward once, starts it on a random loopback port against each
// storage backend and talks to it over HTTP like a client would.
package blackbox

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/steward-privacy/steward/client"
	"github.com/steward-privacy/steward/internal/testdb"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "steward-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "steward")
	// STEWARD_TEST_TAGS builds the binary with tags, e.g. "pprof" to
	// profile a benchmark through STEWARD_PPROF.
	build := exec.Command("go", "build", "-tags", os.Getenv("STEWARD_TEST_TAGS"), "-o", binary, "github.com/steward-privacy/steward/cmd/steward")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building steward:", err)
		os.Exit(1)
	}
	// Every response a test receives is checked against /openapi.json.
	http.DefaultTransport = contract
	code := m.Run()
	if contractViolations() > 0 && code == 0 {
		code = 1
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is one running steward process.
type server struct {
	t      testing.TB
	cmd    *exec.Cmd
	URL    string
	Key    string // the bootstrap admin key, when this start printed one
	Data   string
	stdout *bytes.Buffer
	stderr *bytes.Buffer
	done   chan error
}

// start runs `steward serve` on a fresh data folder for backend b and waits
// until it prints its URL.
func start(t testing.TB, b testdb.Backend, extra ...string) *server {
	t.Helper()
	data := filepath.Join(t.TempDir(), "data")
	args := []string{"--data", data}
	if b.Name == "postgres" {
		args = append(args, "--database", b.Database(t))
	}
	return startArgs(t, data, append(args, extra...)...)
}

// startArgs runs `steward serve --listen 127.0.0.1:0 ARGS...`.
func startArgs(t testing.TB, data string, args ...string) *server {
	t.Helper()
	s, err := tryStart(t, data, args...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func tryStart(t testing.TB, data string, args ...string) (*server, error) {
	t.Helper()
	return tryStartWith(t, binary, nil, data, args...)
}

// tryStartWith starts bin (the default binary or a build with other tags)
// with extra environment variables.
func tryStartWith(t testing.TB, bin string, env []string, data string, args ...string) (*server, error) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--log-level", "debug"}, args...)...)
	cmd.Env = append(append(os.Environ(), "STEWARD_LISTEN=", "STEWARD_DATA="), env...)
	s := &server{t: t, cmd: cmd, Data: data, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, done: make(chan error, 1)}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			s.stdout.WriteString(sc.Text() + "\n")
			lines <- sc.Text()
		}
		close(lines)
		s.done <- cmd.Wait()
	}()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				// Wait has returned once done is sent: only then is all of
				// stderr copied (read before, it was at times still empty).
				status := <-s.done
				return nil, fmt.Errorf("steward exited before listening (%v):\nstdout: %s\nstderr: %s", status, s.stdout, s.stderr)
			}
			if strings.HasPrefix(line, "stw_") {
				s.Key = line
			}
			if u, ok := strings.CutPrefix(line, "steward is listening on "); ok {
				s.URL = u
				t.Cleanup(s.stop)
				go func() {
					for range lines { // keep draining so the process never blocks on stdout
					}
				}()
				return s, nil
			}
		case <-deadline:
			cmd.Process.Kill()
			return nil, fmt.Errorf("steward did not start in 30s:\nstdout: %s\nstderr: %s", s.stdout, s.stderr)
		}
	}
}

// refusedStart runs `steward serve args...`, which must refuse to start,
// and returns what it printed. A server that starts anyway is killed after
// 30 s and fails the test instead of hanging it.
func refusedStart(t testing.TB, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary, append([]string{"serve"}, args...)...).CombinedOutput()
	if ctx.Err() != nil || err == nil {
		t.Fatalf("steward serve %v did not refuse to start:\n%s", args, out)
	}
	return string(out)
}

// stop sends SIGTERM and waits for a clean exit.
func (s *server) stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	defer s.logErrors()
	select {
	case err := <-s.done:
		if err != nil {
			s.t.Errorf("steward exited with %v\nstderr: %s", err, s.stderr)
		}
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		s.t.Errorf("steward did not stop within 20s of SIGTERM")
	}
}

// logErrors prints, when the test failed, the last errors the server
// logged (its logs hold ids and codes, never a personal value), so that a
// failure seen only in CI says what went wrong inside.
func (s *server) logErrors() {
	if !s.t.Failed() {
		return
	}
	var errs []string
	for line := range strings.Lines(s.stderr.String()) {
		if strings.Contains(line, `"level":"ERROR"`) || strings.Contains(line, `"level":"WARN"`) ||
			strings.Contains(line, "level=ERROR") || strings.Contains(line, "level=WARN") {
			errs = append(errs, strings.TrimSpace(line))
		}
	}
	s.t.Logf("the server's last errors and warnings (%d in all):\n%s", len(errs), strings.Join(errs[max(0, len(errs)-20):], "\n"))
}

// api returns a Go client of the server that authenticates with key ("" for
// none). Its responses pass the contract check like every other.
func (s *server) api(key string) *client.Client {
	s.t.Helper()
	opts := []client.Option{client.WithUserAgent("blackbox")}
	if key != "" {
		opts = append(opts, client.WithAPIKey(key))
	}
	c, err := client.New(s.URL, opts...)
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

// ctx is a request context that attributes contract violations to the
// server's test.
func (s *server) ctx() context.Context { return withTest(context.Background(), s.t) }

// response is a decoded HTTP response.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a map.
func (r *response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, r.Body)
	}
	return m
}

// do sends a request with an optional bearer key and body (a string is sent
// as is, anything else as JSON).
func (s *server) do(method, path, key string, body any) *response {
	s.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ct = strings.NewReader(b), "application/json"
	case []byte:
		rd, ct = bytes.NewReader(b), "application/octet-stream"
	default:
		j, _ := json.Marshal(b)
		rd, ct = bytes.NewReader(j), "application/json"
	}
	ctx, cancel := context.WithTimeout(withTest(context.Background(), s.t), 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// expect checks the status, and for errors that the body is problem+json
// with a code and a request id.
func expect(t testing.TB, r *response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d; want %d; body: %s", r.Status, status, r.Body)
	}
	if status >= 400 {
		if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("error Content-Type = %q; want application/problem+json", ct)
		}
		var p map[string]any
		if err := json.Unmarshal(r.Body, &p); err != nil || p["code"] == "" || p["request_id"] == "" || p["status"] != float64(status) {
			t.Fatalf("error body is not a complete problem: %s", r.Body)
		}
	}
}
