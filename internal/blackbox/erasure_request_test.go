package blackbox

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward/internal/testdb"
)

// TestErasureRequestCascade: an erasure request erases the person and
// sends one deletion task to each processor that received their data; it
// waits in progress until each processor confirms, then completes, with
// the tasks in its result and a signed completion record.
func TestErasureRequestCascade(t *testing.T) {
	s := start(t, testdb.Backends()[0], append(cascadeServerArgs(t), "--job-interval", "1s")...)
	key := s.appKey(strings.Fields(cascadeScopes + " requests:write requests:verify")...)
	sub := s.subject(key, map[string]any{"external_id": "erase-me"})
	expect(t, s.do("PUT", "/v1/subjects/"+sub+"/data/user.content.prompt", key, map[string]any{"value": "a lighthouse"}), 204)
	discloseTo(t, s, key, sub, "quill-text")
	quill := newProcessorEndpoint(t, 0)
	quill.setEndpoint(s, key, "quill-text")

	r := s.do("POST", "/v1/requests", key, map[string]any{"type": "erasure", "subject": map[string]any{"id": sub}, "verified_by": "application"})
	expect(t, r, 201)
	id := r.JSON(t)["id"].(string)
	quill.await(1, 20*time.Second)
	if st := s.do("GET", "/v1/requests/"+id, key, nil).JSON(t)["status"]; st != "in_progress" {
		t.Fatalf("before the processor confirms: %v", st)
	}
	expect(t, s.do("GET", "/v1/subjects/"+sub, key, nil), 404) // erased already
	_, task := quill.task(0)
	expect(t, s.do("POST", "/v1/tasks/"+task.Task.ID+"/confirm", "", map[string]any{"token": task.Task.Token}), 200)
	done := s.waitStatus(t, key, id, "completed")
	if res, _ := done["result"].(map[string]any); res == nil || len(res["tasks"].([]any)) != 1 {
		t.Fatalf("completed erasure: %v", done)
	}
	expect(t, s.do("GET", "/v1/requests/"+id+"/evidence", key, nil), 200)
}

// TestRectificationRequest: a rectification request replaces the values
// it corrects.
func TestRectificationRequest(t *testing.T) {
	s, app, _, sub := requestsServer(t, testdb.Backends()[0])
	expect(t, s.do("PUT", "/v1/subjects/"+sub+"/data/user.content.prompt", app, map[string]any{"value": "old wrong text"}), 204)
	r := s.do("POST", "/v1/requests", app, map[string]any{"type": "rectification", "subject": map[string]any{"id": sub},
		"verified_by": "application", "details": map[string]any{"values": map[string]any{"user.content.prompt": "the right text"}}})
	expect(t, r, 201)
	s.waitStatus(t, app, r.JSON(t)["id"].(string), "completed")
	got := s.do("GET", "/v1/subjects/"+sub+"/data/user.content.prompt?purpose=essential.service", app, nil)
	expect(t, got, 200)
	if !strings.Contains(string(got.Body), "the right text") {
		t.Fatalf("after rectification: %s", got.Body)
	}
}

// TestRestrictionAndObjectionRequests: a restriction request restricts the
// subject's processing, an objection request records the objections.
func TestRestrictionAndObjectionRequests(t *testing.T) {
	s, app, _, sub := requestsServer(t, testdb.Backends()[0])
	r := s.do("POST", "/v1/requests", app, map[string]any{"type": "restriction", "subject": map[string]any{"id": sub}, "verified_by": "application"})
	expect(t, r, 201)
	s.waitStatus(t, app, r.JSON(t)["id"].(string), "completed")
	r = s.do("POST", "/v1/requests", app, map[string]any{"type": "objection", "subject": map[string]any{"id": sub}, "verified_by": "application"})
	expect(t, r, 201)
	s.waitStatus(t, app, r.JSON(t)["id"].(string), "completed")
	view := s.do("GET", "/v1/subjects/"+sub, app, nil).JSON(t)
	if view["restricted"] != true || view["objected"] != true {
		t.Fatalf("after the requests: %v", view)
	}
}

// TestErasureRequestUnderHold: a legal hold turns an erasure request
// partially_completed with the hold's reason, the data kept and no task
// sent; releasing the hold (DELETE /v1/holds/{id}) resumes it: the person
// is erased, the processor gets its task, and once it confirms the request
// completes, its history showing both, with a signed completion record.
// The audit log names the hold, never its reason.
func TestErasureRequestUnderHold(t *testing.T) {
	s := start(t, testdb.Backends()[0], append(cascadeServerArgs(t), "--job-interval", "1s")...)
	key := s.appKey(strings.Fields(cascadeScopes + " requests:write requests:verify holds:manage")...)
	sub := s.subject(key, map[string]any{"external_id": "held-eraser"})
	expect(t, s.do("PUT", "/v1/subjects/"+sub+"/data/user.content.prompt", key, map[string]any{"value": "a held lighthouse"}), 204)
	discloseTo(t, s, key, sub, "quill-text")
	quill := newProcessorEndpoint(t, 0)
	quill.setEndpoint(s, key, "quill-text")
	const reason = "Matter 2026-41 canary-held-erasure"
	hr := s.do("POST", "/v1/holds", key, map[string]any{"subject": sub, "reason": reason})
	expect(t, hr, 201)
	hold := hr.JSON(t)["id"].(string)

	r := s.do("POST", "/v1/requests", key, map[string]any{"type": "erasure", "subject": map[string]any{"id": sub}, "verified_by": "application"})
	expect(t, r, 201)
	id := r.JSON(t)["id"].(string)
	held := s.waitStatus(t, key, id, "partially_completed")
	if !strings.Contains(held["reason"].(string), reason) || held["evidence"] != true {
		t.Fatalf("under a hold: %v", held)
	}
	expect(t, s.do("GET", "/v1/subjects/"+sub, key, nil), 200) // kept
	time.Sleep(2 * time.Second)                                // two more ticks: still held, nothing sent
	if st := s.do("GET", "/v1/requests/"+id, key, nil).JSON(t)["status"]; st != "partially_completed" || len(quill.deliveries()) != 0 {
		t.Fatalf("while held: %v, %d deliveries", st, len(quill.deliveries()))
	}

	expect(t, s.do("DELETE", "/v1/holds/"+hold, key, nil), 200)
	quill.await(1, 20*time.Second)
	expect(t, s.do("GET", "/v1/subjects/"+sub, key, nil), 404) // erased once released
	if st := s.do("GET", "/v1/requests/"+id, key, nil).JSON(t)["status"]; st != "in_progress" {
		t.Fatalf("released, before the processor confirms: %v", st)
	}
	_, task := quill.task(0)
	expect(t, s.do("POST", "/v1/tasks/"+task.Task.ID+"/confirm", "", map[string]any{"token": task.Task.Token}), 200)
	done := s.waitStatus(t, key, id, "completed")
	var path []string
	for _, h := range done["history"].([]any) {
		hm := h.(map[string]any)
		path = append(path, hm["to"].(string)+"/"+fmt.Sprint(hm["reason"]))
	}
	if got := strings.Join(path, " "); !strings.Contains(got, "partially_completed/legal_hold in_progress/hold_released completed/executed") ||
		done["reason"] != nil && done["reason"] != "" {
		t.Fatalf("history: %s (%v)", got, done)
	}
	ev := s.do("GET", "/v1/requests/"+id+"/evidence", key, nil)
	expect(t, ev, 200)
	verifyEvidence(t, s, ev.JSON(t))
	rec, _ := base64.StdEncoding.DecodeString(ev.JSON(t)["record"].(string))
	if !strings.Contains(string(rec), `"status":"completed"`) || !strings.Contains(string(rec), `"hold_released"`) {
		t.Fatalf("completion record: %s", rec)
	}
	ar := s.do("GET", "/v1/audit?limit=500", s.Key, nil)
	expect(t, ar, 200)
	if strings.Contains(string(ar.Body), "canary-held-erasure") || !strings.Contains(string(ar.Body), "hold:"+hold) {
		t.Fatalf("audit of the held erasure: %s", ar.Body)
	}
	if strings.Contains(s.stderr.String(), "canary-held-erasure") {
		t.Fatal("the hold's reason reached the log")
	}
}
