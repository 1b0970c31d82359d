package client_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/steward-privacy/steward/client"
)

// fast retries quickly, so tests do not sleep.
var fast = client.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Second}

// mustClient starts h on a loopback test server and returns a client of it.
func mustClient(t *testing.T, h http.HandlerFunc, opts ...client.Option) *client.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL, append([]client.Option{client.WithRetry(fast)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func problem(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func ok(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, body)
}

func TestGETRetriedOn429AfterRetryAfter(t *testing.T) {
	var n atomic.Int32
	var first time.Time
	c := mustClient(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			first = time.Now()
			w.Header().Set("Retry-After", "1")
			problem(w, 429, `{"status":429,"code":"rate_limited","detail":"slow down"}`)
			return
		}
		if waited := time.Since(first); waited < 900*time.Millisecond {
			t.Errorf("retried after %v; Retry-After asked for 1s", waited)
		}
		ok(w, `{"status":"ok"}`)
	})
	st, err := c.Health(context.Background())
	if err != nil || st.Status != "ok" || n.Load() != 2 {
		t.Fatalf("Health = %+v, %v after %d requests; want ok after 2", st, err, n.Load())
	}
}

func TestRetryAfterBeyondMaxDelayFailsAtOnce(t *testing.T) {
	var n atomic.Int32
	c := mustClient(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Retry-After", "60")
		problem(w, 503, `{"status":503,"code":"unavailable","detail":"not ready"}`)
	})
	_, err := c.Ready(context.Background())
	var e *client.Error
	if !errors.As(err, &e) || e.RetryAfter != time.Minute || n.Load() != 1 {
		t.Fatalf("Ready = %v (RetryAfter %v) after %d requests; want EUNAVAILABLE, 1m, 1 request", err, e.RetryAfter, n.Load())
	}
}

func TestAttemptsAreBounded(t *testing.T) {
	var n atomic.Int32
	c := mustClient(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		problem(w, 503, `{"status":503,"code":"unavailable"}`)
	})
	if _, err := c.WhoAmI(context.Background()); !client.IsCode(err, client.EUNAVAILABLE) || n.Load() != int32(fast.MaxAttempts) {
		t.Fatalf("WhoAmI = %v after %d requests; want EUNAVAILABLE after %d", err, n.Load(), fast.MaxAttempts)
	}
}

func TestPOSTIsNeverRetried(t *testing.T) {
	for _, status := range []int{429, 503} {
		var n atomic.Int32
		c := mustClient(t, func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			w.Header().Set("Retry-After", "0")
			problem(w, status, `{"status":0,"code":"X"}`)
		})
		_, err := c.CreateSubject(context.Background(), client.NewSubject{ExternalID: "u-1"})
		if client.StatusOf(err) != status || n.Load() != 1 {
			t.Fatalf("CreateSubject on %d: %v after %d requests; want one request", status, err, n.Load())
		}
	}
}

func TestPUTRetryReplaysTheBody(t *testing.T) {
	var bodies []string
	c := mustClient(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		if len(bodies) == 1 {
			problem(w, 503, `{"status":503,"code":"unavailable"}`)
			return
		}
		w.WriteHeader(204)
	})
	if err := c.PutRecord(context.Background(), "sub_1", "user.content.prompt", "a red sneaker"); err != nil {
		t.Fatal(err)
	}
	want := `{"value":"a red sneaker"}`
	if len(bodies) != 2 || bodies[0] != want || bodies[1] != want {
		t.Fatalf("bodies = %q; want %q twice", bodies, want)
	}
}

func TestGETRetriedAfterNetworkError(t *testing.T) {
	var n atomic.Int32
	c := mustClient(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			conn, _, _ := http.NewResponseController(w).Hijack()
			conn.Close() // the connection drops without an answer
			return
		}
		ok(w, `{"tenant_id":"ten_1","kind":"api_key","id":"key_1","scopes":["admin"]}`)
	})
	who, err := c.WhoAmI(context.Background())
	if err != nil || who.TenantID != "ten_1" || n.Load() != 2 {
		t.Fatalf("WhoAmI = %+v, %v after %d requests", who, err, n.Load())
	}
}

func TestProblemBecomesError(t *testing.T) {
	c := mustClient(t, func(w http.ResponseWriter, r *http.Request) {
		problem(w, 403, `{"type":"https://steward.dev/problems/EFORBIDDEN","title":"Forbidden","status":403,
			"detail":"the policy does not allow this purpose","code":"forbidden","request_id":"abc123",
			"errors":[{"path":"purpose","message":"not declared"}],"reasons":["purpose.prohibited"]}`)
	})
	_, err := c.GetRecord(context.Background(), "sub_1", "user.content.prompt", client.Access{Purpose: "train_ai_system"})
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T %v is not a *client.Error", err, err)
	}
	want := client.Error{Status: 403, Code: client.EFORBIDDEN, Type: "https://steward.dev/problems/EFORBIDDEN", Title: "Forbidden",
		Detail: "the policy does not allow this purpose", RequestID: "abc123"}
	if e.Status != want.Status || e.Code != want.Code || e.Type != want.Type || e.Title != want.Title ||
		e.Detail != want.Detail || e.RequestID != want.RequestID ||
		len(e.Fields) != 1 || e.Fields[0] != (client.FieldError{Path: "purpose", Message: "not declared"}) ||
		len(e.Reasons) != 1 || e.Reasons[0] != "purpose.prohibited" {
		t.Fatalf("error = %+v", e)
	}
	if !client.IsCode(err, client.EFORBIDDEN) || client.IsCode(err, client.ENOTFOUND) {
		t.Fatal("IsCode disagrees with the code")
	}
	for _, part := range []string{"forbidden", "403", "purpose.prohibited", "abc123", "purpose: not declared"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("%q lacks %q", err.Error(), part)
		}
	}
}

func TestNonProblemBodyStillAnError(t *testing.T) {
	c := mustClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(502)
		io.WriteString(w, "<html>\n<b>Bad gateway</b>\x00</html>")
	})
	_, err := c.CreateTenant(context.Background(), client.NewTenant{Name: "A", HomeRegion: "eu"})
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 502 || e.Code != "" || e.Title != "Bad Gateway" || !strings.Contains(e.Detail, "Bad gateway") {
		t.Fatalf("error = %#v", err)
	}
}

// TestUploadStreams proves an upload is not buffered: the reader hands out
// its second half only after the server has received the first, which
// would deadlock a client that read the whole body before sending.
func TestUploadStreams(t *testing.T) {
	const half = 256 << 10
	gotFirst := make(chan struct{})
	var received int
	c := mustClient(t, func(w http.ResponseWriter, r *http.Request) {
		if ct := r.Header.Get("Content-Type"); ct != "application/octet-stream" || r.URL.Query().Get("category") != "user.content.self_image" ||
			r.URL.Query().Get("ephemeral") != "true" {
			t.Errorf("upload sent Content-Type %q, query %q", ct, r.URL.RawQuery)
		}
		n, _ := io.ReadFull(r.Body, make([]byte, half))
		close(gotFirst)
		m, _ := io.Copy(io.Discard, r.Body)
		received = n + int(m)
		w.WriteHeader(201)
		ok(w, `{"id":"fil_1","subject_id":"sub_1","category":"user.content.self_image","size":524288,"sha256":"00","ephemeral":true,"created_at":"2026-01-02T03:04:05Z"}`)
	})
	body := io.MultiReader(bytes.NewReader(make([]byte, half)), &waitReader{wait: gotFirst, r: bytes.NewReader(make([]byte, half))})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f, err := c.UploadFile(ctx, "sub_1", client.Upload{Category: "user.content.self_image", Ephemeral: true}, body)
	if err != nil || f.ID != "fil_1" || received != 2*half {
		t.Fatalf("UploadFile = %+v, %v; server received %d bytes", f, err, received)
	}
}

// waitReader blocks until wait is closed, then reads r.
type waitReader struct {
	wait <-chan struct{}
	r    io.Reader
}

func (w *waitReader) Read(p []byte) (int, error) {
	select {
	case <-w.wait:
		return w.r.Read(p)
	case <-time.After(5 * time.Second):
		return 0, errors.New("the server never received the first half: the upload was buffered")
	}
}

func TestDownloadStreamsAndChecks(t *testing.T) {
	content := []byte("the bytes of a photo")
	sum := sha256.Sum256(content)
	for _, c := range []struct {
		name, sha string
		want      error
	}{
		{"match", hex.EncodeToString(sum[:]), nil},
		{"mismatch", strings.Repeat("0", 64), client.ErrChecksum},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl := mustClient(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/v1/files/fil_1" || r.URL.Query().Get("purpose") != "essential.service" {
					t.Errorf("download requested %s", r.URL)
				}
				w.Header().Set("Content-Type", "application/octet-stream")
				w.Header().Set("X-Content-SHA256", c.sha)
				w.Write(content)
			})
			d, err := cl.DownloadFile(context.Background(), "fil_1", client.Access{Purpose: "essential.service"})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			got, err := io.ReadAll(d)
			if !errors.Is(err, c.want) || d.Size != int64(len(content)) || d.SHA256 != c.sha || !bytes.Equal(got, content) {
				t.Fatalf("download = %q, %v, size %d; want error %v", got, err, d.Size, c.want)
			}
		})
	}
}

func TestContextCancelStopsACall(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	c := mustClient(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.GetSubject(ctx, "sub_1")
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Fatalf("GetSubject = %v after %v; want the deadline at once", err, time.Since(start))
	}
}

func TestContextCancelStopsARetryWait(t *testing.T) {
	c := mustClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "2")
		problem(w, 429, `{"status":429,"code":"rate_limited"}`)
	}, client.WithRetry(client.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Minute}))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.ListSecrets(ctx); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Fatalf("ListSecrets = %v after %v; want the deadline during the wait", err, time.Since(start))
	}
}

func TestPathParametersAreEscapedAndChecked(t *testing.T) {
	var paths []string
	c := mustClient(t, func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.EscapedPath())
		w.WriteHeader(204)
	})
	ctx := context.Background()
	if err := c.DeleteSecret(ctx, "stripe/live key"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", ".", ".."} {
		if err := c.DeleteFile(ctx, bad); err == nil {
			t.Errorf("DeleteFile(%q) sent a request", bad)
		}
	}
	if len(paths) != 1 || paths[0] != "/v1/secrets/stripe%2Flive%20key" {
		t.Fatalf("paths = %q", paths)
	}
}

func TestCredentialsAndUserAgent(t *testing.T) {
	c := mustClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer stw_test" || r.Header.Get("User-Agent") != "app/2" {
			t.Errorf("headers = %v", r.Header)
		}
		ok(w, `{"status":"ok"}`)
	}, client.WithAPIKey("stw_test"), client.WithUserAgent("app/2"))
	if _, err := c.Health(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprintf("%v %+v %#v", c, c, c); strings.Contains(s, "stw_test") {
		t.Fatalf("the client prints its API key: %s", s)
	}
}

func TestLoginKeepsTheSession(t *testing.T) {
	c := mustClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/staff/login":
			http.SetCookie(w, &http.Cookie{Name: "steward_session", Value: "s3cret", Path: "/", Secure: true, HttpOnly: true})
			ok(w, `{"id":"stf_1","role":"admin","totp_enabled":false,"created_at":"2026-01-02T03:04:05Z"}`)
		case "/v1/staff/logout":
			http.SetCookie(w, &http.Cookie{Name: "steward_session", Value: "", Path: "/", MaxAge: -1})
			w.WriteHeader(204)
		default:
			if ck, err := r.Cookie("steward_session"); err != nil || ck.Value != "s3cret" {
				problem(w, 401, `{"status":401,"code":"unauthorized"}`)
				return
			}
			ok(w, `{"tenant_id":"ten_1","kind":"staff","id":"stf_1","scopes":[]}`)
		}
	})
	ctx := context.Background()
	if _, err := c.WhoAmI(ctx); !client.IsCode(err, client.EUNAUTHORIZED) {
		t.Fatalf("before login: %v", err)
	}
	st, err := c.Login(ctx, client.Login{TenantID: "ten_1", Email: "dpo@example.org", Password: "a long passphrase"})
	if err != nil || st.ID != "stf_1" {
		t.Fatalf("Login = %+v, %v", st, err)
	}
	if who, err := c.WhoAmI(ctx); err != nil || who.Kind != "staff" {
		t.Fatalf("after login: %+v, %v", who, err)
	}
	if err := c.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WhoAmI(ctx); !client.IsCode(err, client.EUNAUTHORIZED) {
		t.Fatalf("after logout: %v", err)
	}
}

func TestExportAuditStreamsLines(t *testing.T) {
	c := mustClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jsonl")
		io.WriteString(w, `{"type":"header","format":"steward-audit-export/1","tenant_id":"ten_1","head_seq":2}`+"\n"+
			`{"type":"event","tenant_id":"ten_1","seq":1,"action":"record.read"}`+"\n"+
			`{"type":"event","tenant_id":"ten_1","seq":2,"action":"audit.export"}`+"\n")
	})
	var types []string
	var last client.AuditEvent
	for line, err := range c.ExportAudit(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, line.Type)
		if line.Type == "event" {
			if err := line.Decode(&last); err != nil {
				t.Fatal(err)
			}
		}
	}
	if strings.Join(types, " ") != "header event event" || last.Seq != 2 || last.Action != "audit.export" {
		t.Fatalf("lines %v, last event %+v", types, last)
	}
}

func TestExportAuditReportsAFailure(t *testing.T) {
	c := mustClient(t, func(w http.ResponseWriter, r *http.Request) {
		problem(w, 403, `{"status":403,"code":"forbidden"}`)
	})
	n := 0
	for _, err := range c.ExportAudit(context.Background()) {
		n++
		if !client.IsCode(err, client.EFORBIDDEN) {
			t.Fatalf("error = %v", err)
		}
	}
	if n != 1 {
		t.Fatalf("%d values; want one error", n)
	}
}

func TestNewRefusesABadURL(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:8080", "ftp://host", "http://"} {
		if _, err := client.New(u); err == nil {
			t.Errorf("New(%q) succeeded", u)
		}
	}
}
