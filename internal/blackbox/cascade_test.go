package blackbox

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/steward-privacy/steward/client"
	"github.com/steward-privacy/steward/internal/testdb"
)

// processorEndpoint is a processor's deletion endpoint on loopback: it
// verifies each delivery's Standard Webhooks signature with its secret
// (client.VerifyWebhook), fails the first `fail` deliveries with 503, can
// hold a delivery open (to kill the server during it), and keeps what came.
type processorEndpoint struct {
	t       *testing.T
	srv     *httptest.Server
	mu      sync.Mutex
	secret  string
	fail    int
	hold    chan struct{} // when set, a delivery waits until it is closed
	got     []hookDelivery
	arrived chan struct{}
}

func newProcessorEndpoint(t *testing.T, fail int) *processorEndpoint {
	p := &processorEndpoint{t: t, fail: fail, arrived: make(chan struct{}, 100)}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		if err := client.VerifyWebhook(p.secret, r.Header, body); err != nil {
			p.t.Errorf("deletion webhook %s does not verify: %v", r.Header.Get("webhook-id"), err)
		}
		status := http.StatusNoContent
		if len(p.got) < p.fail {
			status = http.StatusServiceUnavailable
		}
		p.got = append(p.got, hookDelivery{id: r.Header.Get("webhook-id"), body: body, status: status})
		hold := p.hold
		p.mu.Unlock()
		p.arrived <- struct{}{}
		if hold != nil {
			select {
			case <-hold:
			case <-r.Context().Done():
				return
			}
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *processorEndpoint) deliveries() []hookDelivery {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]hookDelivery(nil), p.got...)
}

// await waits until n deliveries came.
func (p *processorEndpoint) await(n int, within time.Duration) {
	p.t.Helper()
	deadline := time.After(within)
	for len(p.deliveries()) < n {
		select {
		case <-p.arrived:
		case <-deadline:
			p.t.Fatalf("%d deletion webhooks after %v; want %d", len(p.deliveries()), within, n)
		}
	}
}

// task decodes a delivery's body: the outbox envelope of deletion.requested.
func (p *processorEndpoint) task(i int) (client.Event, client.DeletionRequested) {
	p.t.Helper()
	var e client.Event
	var d client.DeletionRequested
	if err := json.Unmarshal(p.deliveries()[i].body, &e); err != nil || json.Unmarshal(e.Data, &d) != nil {
		p.t.Fatalf("deletion webhook body: %s", p.deliveries()[i].body)
	}
	return e, d
}

// setEndpoint points a processor at p and keeps the secret shown once.
func (p *processorEndpoint) setEndpoint(s *server, key, processor string) {
	p.t.Helper()
	r := s.do("PUT", "/v1/processors/"+processor+"/endpoint", key, map[string]any{"url": p.srv.URL + "/deletions"})
	expect(p.t, r, 200)
	secret, _ := r.JSON(p.t)["secret"].(string)
	if !strings.HasPrefix(secret, "whsec_") {
		p.t.Fatalf("set endpoint: %s", r.Body)
	}
	p.mu.Lock()
	p.secret = secret
	p.mu.Unlock()
}

const cascadeScopes = shareScopes + " processors:manage requests:manage events:read"

// cascadeServerArgs: the content studio policy, deletion webhooks to
// loopback, delivery passes every 100 ms and retries after 10 ms, 600 ms,
// 3.6 s, ...
func cascadeServerArgs(t *testing.T) []string {
	return []string{"--policy", examplePolicy(t, "content-studio.yaml"), "--webhook-allow-private", "--webhook-interval", "100ms",
		"--webhook-retry-scale", "0.002", "--webhook-timeout", "1s", "--job-lease", "3s"}
}

// discloseTo discloses a subject's prompt to processors.
func discloseTo(t *testing.T, s *server, key, subject string, processors ...string) []string {
	t.Helper()
	var ids []string
	for _, p := range processors {
		r := s.disclose(key, subject, map[string]any{"processor": p, "purpose": "essential.service.generation",
			"categories": []string{"user.content.prompt"}})
		expect(t, r, 200)
		ids = append(ids, r.JSON(t)["id"].(string))
	}
	return ids
}

// TestErasureCascade: an erasure (DELETE /v1/subjects/{id}?cascade=true)
// creates one deletion task per processor that received the subject's
// data and none for the others; each is delivered signed to the
// processor's endpoint, a receiver failing twice gets it three times under
// one webhook-id, the token confirms it (no key; a wrong token is 404),
// and the task list shows it confirmed; no token is in the outbox, in an
// application's webhook of the same events, or in the processors' list
// (nor a secret).
func TestErasureCascade(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		s := start(t, b, cascadeServerArgs(t)...)
		key := s.appKey(strings.Fields(cascadeScopes)...)
		erased := s.subject(key, map[string]any{"external_id": "cascade-1"})
		kept := s.subject(key, map[string]any{"external_id": "cascade-2"})
		for _, id := range []string{erased, kept} {
			expect(t, s.do("PUT", "/v1/subjects/"+id+"/data/user.content.prompt", key, map[string]any{"value": "a lighthouse"}), 204)
		}
		sent := discloseTo(t, s, key, erased, "quill-text", "prism-image", "quill-text")
		discloseTo(t, s, key, kept, "reel-forge")

		quill, prism, reel := newProcessorEndpoint(t, 2), newProcessorEndpoint(t, 0), newProcessorEndpoint(t, 0)
		quill.setEndpoint(s, key, "quill-text")
		prism.setEndpoint(s, key, "prism-image")
		reel.setEndpoint(s, key, "reel-forge")
		expect(t, s.do("PUT", "/v1/processors/nobody/endpoint", key, map[string]any{"url": quill.srv.URL}), 404)
		expect(t, s.do("PUT", "/v1/processors/quill-text/endpoint", key, map[string]any{"url": "http://example.com/x"}), 400)
		expect(t, s.do("PUT", "/v1/processors/quill-text/endpoint", s.appKey("records:write"), map[string]any{"url": quill.srv.URL}), 403)
		r := s.do("GET", "/v1/processors", key, nil)
		expect(t, r, 200)
		if bytes.Contains(r.Body, []byte("whsec_")) || !bytes.Contains(r.Body, []byte(`"key":"quill-text"`)) {
			t.Fatalf("processors: %s", r.Body)
		}

		// An application may subscribe to the tasks' events: it gets them
		// without the token.
		app := newHookReceiver(t)
		r = s.do("PUT", "/v1/webhooks", s.Key, map[string]any{"url": app.srv.URL, "types": []string{"deletion.requested"}})
		expect(t, r, 200)
		app.mu.Lock()
		app.secret = r.JSON(t)["secret"].(string)
		app.mu.Unlock()

		r = s.do("DELETE", "/v1/subjects/"+erased+"?cascade=true", key, nil)
		expect(t, r, 200)
		var ev client.Evidence
		if err := json.Unmarshal(r.Body, &ev); err != nil || !ev.DataKeyDestroyed || !strings.HasPrefix(ev.ErasureID, "era_") ||
			len(ev.Tasks) != 2 || ev.Tasks[0].Processor != "prism-image" || ev.Tasks[1].Processor != "quill-text" ||
			len(ev.Tasks[1].Disclosures) != 2 {
			t.Fatalf("erasure with its cascade: %s", r.Body)
		}
		quill.await(3, 20*time.Second)
		prism.await(1, 10*time.Second)
		qd := quill.deliveries()
		for _, d := range qd {
			if d.id != ev.Tasks[1].EventID {
				t.Fatalf("quill-text got webhook-id %s; want %s on every attempt", d.id, ev.Tasks[1].EventID)
			}
		}
		e, task := quill.task(2)
		if e.Type != "deletion.requested" || task.Task.ID != ev.Tasks[1].ID || task.Processor != "quill-text" ||
			len(task.Disclosures) != 2 || (task.Disclosures[0].ID != sent[0] && task.Disclosures[0].ID != sent[2]) ||
			len(task.Categories) != 1 || !strings.HasSuffix(task.Task.ConfirmURL, "/v1/tasks/"+task.Task.ID+"/confirm") ||
			!strings.HasPrefix(task.Task.Token, "dtk_") {
			t.Fatalf("deletion webhook: %s", qd[2].body)
		}
		_, ptask := prism.task(0)
		// An endpoint has the request before the server records the
		// attempt's outcome: wait for both records, or a confirmation
		// could end the delivery before its third attempt is counted.
		within(t, 5*time.Second, "the three attempts to quill-text and the one to prism-image are recorded", func() bool {
			r := s.do("GET", "/v1/tasks?request="+ev.ErasureID, key, nil)
			var l struct {
				Tasks []client.DeletionTask `json:"tasks"`
			}
			return r.Status == 200 && json.Unmarshal(r.Body, &l) == nil && len(l.Tasks) == 2 &&
				l.Tasks[1].Attempts == 3 && l.Tasks[0].Delivery == "delivered"
		})

		// Confirmation: the token is the credential.
		expect(t, s.do("POST", "/v1/tasks/"+task.Task.ID+"/confirm", "", map[string]any{"token": ptask.Task.Token}), 404)
		expect(t, s.do("POST", "/v1/tasks/tsk_unknown/confirm", "", map[string]any{"token": task.Task.Token}), 404)
		for range 2 {
			r = s.do("POST", "/v1/tasks/"+task.Task.ID+"/confirm", "", map[string]any{"token": task.Task.Token})
			expect(t, r, 200)
			if r.JSON(t)["state"] != "confirmed" {
				t.Fatalf("confirmed: %s", r.Body)
			}
		}
		r = s.do("GET", "/v1/tasks?request="+ev.ErasureID, key, nil)
		expect(t, r, 200)
		var list struct {
			Tasks []client.DeletionTask `json:"tasks"`
		}
		if err := json.Unmarshal(r.Body, &list); err != nil || len(list.Tasks) != 2 || list.Tasks[1].State != "confirmed" ||
			list.Tasks[1].Attempts != 3 || list.Tasks[0].State != "pending" || list.Tasks[0].Delivery != "delivered" {
			t.Fatalf("tasks: %s", r.Body)
		}
		expect(t, s.do("GET", "/v1/tasks?request="+ev.ErasureID, s.appKey("records:read"), nil), 403)
		time.Sleep(300 * time.Millisecond) // more passes: nothing else is sent, nothing to reel-forge
		if n, m, o := len(quill.deliveries()), len(prism.deliveries()), len(reel.deliveries()); n != 3 || m != 1 || o != 0 {
			t.Fatalf("deliveries: quill-text %d, prism-image %d, reel-forge %d; want 3, 1, 0", n, m, o)
		}
		app.await(2, 20*time.Second)
		for _, d := range app.deliveries() {
			if bytes.Contains(d.body, []byte(`"token"`)) || !bytes.Contains(d.body, []byte("deletion.requested")) {
				t.Fatalf("an application webhook got %s", d.body)
			}
		}
		r = s.do("GET", "/v1/events", key, nil)
		expect(t, r, 200)
		if !bytes.Contains(r.Body, []byte("deletion.requested")) || bytes.Contains(r.Body, []byte(task.Task.Token)) ||
			bytes.Contains(r.Body, []byte(`"token"`)) {
			t.Fatalf("the outbox: %s", r.Body)
		}
		expect(t, s.do("DELETE", "/v1/processors/reel-forge/endpoint", key, nil), 204)
		expect(t, s.do("DELETE", "/v1/processors/reel-forge/endpoint", key, nil), 404)
	})
}

// TestErasureCascadeSurvivesKill: the server is killed (SIGKILL) while a
// deletion webhook is being delivered; after the restart the task is
// delivered again under the same webhook-id and confirmed: none is lost.
func TestErasureCascadeSurvivesKill(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		data := filepath.Join(t.TempDir(), "data")
		args := append([]string{"--data", data}, cascadeServerArgs(t)...)
		if b.Name == "postgres" {
			args = append(args, "--database", b.Database(t))
		}
		s := startArgs(t, data, args...)
		key := s.appKey(strings.Fields(cascadeScopes)...)
		id := s.subject(key, map[string]any{"external_id": "cascade-kill"})
		expect(t, s.do("PUT", "/v1/subjects/"+id+"/data/user.content.prompt", key, map[string]any{"value": "a lighthouse"}), 204)
		discloseTo(t, s, key, id, "quill-text")
		p := newProcessorEndpoint(t, 0)
		p.hold = make(chan struct{})
		p.setEndpoint(s, key, "quill-text")
		r := s.do("DELETE", "/v1/subjects/"+id+"?cascade=true", key, nil)
		expect(t, r, 200)
		var ev client.Evidence
		if err := json.Unmarshal(r.Body, &ev); err != nil || len(ev.Tasks) != 1 {
			t.Fatalf("erasure: %s", r.Body)
		}
		p.await(1, 10*time.Second) // the delivery is in flight
		_ = s.cmd.Process.Signal(syscall.SIGKILL)
		<-s.done
		p.mu.Lock()
		close(p.hold)
		p.hold = nil
		p.mu.Unlock()

		s = startArgs(t, data, args...)
		p.await(2, 30*time.Second) // the claim of the killed attempt expires, and the task comes again
		got := p.deliveries()
		if got[1].id != ev.Tasks[0].EventID || got[0].id != got[1].id {
			t.Fatalf("after the kill: webhook-ids %s, %s; want %s", got[0].id, got[1].id, ev.Tasks[0].EventID)
		}
		_, task := p.task(1)
		c := s.api("")
		done, err := c.ConfirmTask(context.Background(), task.Task.ID, task.Task.Token)
		if err != nil || done.State != "confirmed" {
			t.Fatalf("confirm after the restart: %+v, %v", done, err)
		}
		ts, err := s.api(key).ListTasks(context.Background(), ev.ErasureID)
		if err != nil || len(ts) != 1 || ts[0].State != "confirmed" {
			t.Fatalf("tasks after the restart: %+v, %v", ts, err)
		}
	})
}

// clientCascade drives the cascade's routes through the Go client.
func clientCascade(ctx context.Context, t *testing.T, b testdb.Backend, log *routeLog) {
	s := start(t, b, cascadeServerArgs(t)...)
	c := newClient(t, s, log, s.appKey(strings.Fields(cascadeScopes)...))
	sub := got(c.CreateSubject(ctx, client.NewSubject{ExternalID: "client-cascade"})).must(t)
	if err := c.PutRecord(ctx, sub.ID, "user.content.prompt", "a lighthouse at dusk"); err != nil {
		t.Fatal(err)
	}
	got(c.Disclose(ctx, sub.ID, client.NewDisclosure{Processor: "quill-text", Purpose: "essential.service.generation",
		Categories: []string{"user.content.prompt"}})).must(t)
	p := newProcessorEndpoint(t, 0)
	set := got(c.SetProcessorEndpoint(ctx, "quill-text", client.ProcessorEndpoint{URL: p.srv.URL})).must(t)
	p.mu.Lock()
	p.secret = set.Secret
	p.mu.Unlock()
	got(c.SetProcessorEndpoint(ctx, "prism-image", client.ProcessorEndpoint{URL: p.srv.URL})).must(t)
	if err := c.DeleteProcessorEndpoint(ctx, "prism-image"); err != nil {
		t.Fatal(err)
	}
	ps := got(c.ListProcessors(ctx)).must(t)
	if len(ps) == 0 || ps[0].Key == "" {
		t.Fatalf("processors: %+v", ps)
	}
	ev := got(c.EraseSubject(ctx, sub.ID, client.Cascade)).must(t)
	if len(ev.Tasks) != 1 || ev.ErasureID == "" {
		t.Fatalf("erasure with its cascade: %+v", ev)
	}
	p.await(1, 20*time.Second)
	_, task := p.task(0)
	if done := got(c.ConfirmTask(ctx, task.Task.ID, task.Task.Token)).must(t); done.State != "confirmed" {
		t.Fatalf("confirmed: %+v", done)
	}
	if ts := got(c.ListTasks(ctx, ev.ErasureID)).must(t); len(ts) != 1 || ts[0].State != "confirmed" {
		t.Fatalf("tasks: %+v", ts)
	}
}
