package blackbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/steward-privacy/steward/client"
	"github.com/steward-privacy/steward/internal/testdb"
)

// Canaries: personal values that must never reach a processor that may not
// receive their category (G10), nor the ledger or the audit log (G11).
const (
	canaryName  = "Maria Garcia"
	canaryEmail = "canary.share.zq@example.org"
	canaryPhone = "+44 20 7946 0958"
)

// canaryText is free text for a model carrying a name, an email and a phone.
var canaryText = "Write a birthday poem for " + canaryName + "; send it to " + canaryEmail + " or call " + canaryPhone + "."

// leaks returns the canaries found in b: the phone as written and as digits
// (eight of them: four, "7946", also turned up by chance in the digits of
// timestamps and ids of a thousand audit events).
func leaks(b []byte) []string {
	var out []string
	for _, c := range []string{"Garcia", canaryEmail, "canary.share", "7946 0958", "79460958"} {
		if bytes.Contains(b, []byte(c)) {
			out = append(out, c)
		}
	}
	return out
}

// disclose posts a disclosure for a subject.
func (s *server) disclose(key, subject string, body map[string]any) *response {
	s.t.Helper()
	return s.do("POST", "/v1/subjects/"+subject+"/disclosures", key, body)
}

// deniedNoLeak checks a 403 with the reason among its reason codes, and that no
// canary is in the answer.
func deniedNoLeak(t *testing.T, r *response, reason string) {
	t.Helper()
	expect(t, r, 403)
	reasons, _ := r.JSON(t)["reasons"].([]any)
	if !slices.Contains(reasons, any(reason)) {
		t.Fatalf("reasons %v lack %s: %s", reasons, reason, r.Body)
	}
	if l := leaks(r.Body); len(l) > 0 {
		t.Fatalf("a denial carries %v: %s", l, r.Body)
	}
}

// ledger lists a subject's disclosures.
func (s *server) ledger(key, subject string) []any {
	s.t.Helper()
	r := s.do("GET", "/v1/subjects/"+subject+"/disclosures", key, nil)
	expect(s.t, r, 200)
	return r.JSON(s.t)["disclosures"].([]any)
}

const shareScopes = "records:read records:write files:read files:write disclosures:read disclosures:write pii:use audit:read"

// TestDisclosureGate drives the sharing gate on the content studio example
// (AI text, image and video providers under a contract purpose): what the
// processor may receive leaves, everything else is refused with the right
// reason or replaced by placeholders; files leave as one-time links; every
// disclosure is in the ledger and the audit log, which keep ids and codes
// only, also after the subject's erasure.
func TestDisclosureGate(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		s := start(t, b, "--policy", examplePolicy(t, "content-studio.yaml"))
		key := s.appKey(strings.Fields(shareScopes)...)
		id := s.subject(key, map[string]any{"external_id": "share-1"})
		other := s.subject(key, map[string]any{"external_id": "share-2"})
		prompt := "A watercolour of a lighthouse for " + canaryName + " (" + canaryEmail + ")"
		expect(t, s.do("PUT", "/v1/subjects/"+id+"/data/user.content.prompt", key, map[string]any{"value": prompt}), 204)
		expect(t, s.do("PUT", "/v1/subjects/"+id+"/data/user.contact.email", key, map[string]any{"value": canaryEmail}), 204)
		gen := "quill-text"
		purpose := "essential.service.generation"

		// Allowed: the prompt leaves, with the name and email it carries
		// replaced (the processor receives prompts, not names or emails).
		r := s.disclose(key, id, map[string]any{"processor": gen, "purpose": purpose, "categories": []string{"user.content.prompt"}})
		expect(t, r, 200)
		d := r.JSON(t)
		if !strings.HasPrefix(d["id"].(string), "dsc_") || d["processor"] != gen || d["processor_retention"] != "not-retained" {
			t.Fatalf("disclosure: %s", r.Body)
		}
		obl := d["obligations"].([]any)
		if !slices.Contains(obl, any("no_training")) || !slices.Contains(obl, any("user_visible_only")) {
			t.Fatalf("obligations %v lack no_training and user_visible_only", obl)
		}
		vals := d["values"].([]any)
		sent, _ := vals[0].(map[string]any)["value"].(string)
		if len(vals) != 1 || !strings.Contains(sent, "lighthouse") || len(leaks([]byte(sent))) > 0 || d["conversation_id"] == nil {
			t.Fatalf("the prompt left as %q (conversation %v); want it without name or email", sent, d["conversation_id"])
		}

		// Denied with the right reason, nothing leaves.
		deniedNoLeak(t, s.disclose(key, id, map[string]any{"processor": gen, "purpose": purpose, "categories": []string{"user.contact.email"}}),
			"processor_category_not_allowed")
		deniedNoLeak(t, s.disclose(key, id, map[string]any{"processor": "beacon", "purpose": purpose, "categories": []string{"user.content.prompt"}}),
			"processor_purpose_not_allowed")
		deniedNoLeak(t, s.disclose(key, id, map[string]any{"processor": "nobody", "purpose": purpose, "categories": []string{"user.content.prompt"}}),
			"processor_not_allowed")
		// aggregate_only: analytics on one person's behaviour is refused.
		expect(t, s.do("PUT", "/v1/subjects/"+id+"/data/user.behavior", key, map[string]any{"value": "templates: poster"}), 204)
		deniedNoLeak(t, s.disclose(key, id, map[string]any{"processor": "beacon", "purpose": "functional.service.improve", "categories": []string{"user.behavior"}}),
			"aggregate_only")
		deniedNoLeak(t, s.do("GET", "/v1/subjects/"+id+"/data/user.behavior?purpose=functional.service.improve", key, nil), "aggregate_only")

		// Free text for a model: nothing of a category the processor may
		// not receive leaves; the conversation id restores the answer.
		r = s.disclose(key, id, map[string]any{"processor": gen, "purpose": purpose, "text": canaryText})
		expect(t, r, 200)
		d = r.JSON(t)
		text, conv := d["text"].(string), d["conversation_id"].(string)
		if l := leaks([]byte(text)); len(l) > 0 || !strings.Contains(text, "birthday poem") {
			t.Fatalf("free text to %s carries %v: %q", gen, l, text)
		}
		back := s.do("POST", "/v1/pii/reidentify", key, map[string]any{"conversation_id": conv, "text": text})
		expect(t, back, 200)
		if back.JSON(t)["text"] != canaryText {
			t.Fatalf("reidentify gave %s; want the original text", back.Body)
		}

		// Files leave as one-time links: once, then 404.
		file := s.upload(key, id, "user.content.prompt", false, []byte("prompt file bytes"))
		r = s.disclose(key, id, map[string]any{"processor": gen, "purpose": purpose, "files": []string{file["id"].(string)}})
		expect(t, r, 200)
		link := r.JSON(t)["downloads"].([]any)[0].(map[string]any)["url"].(string)
		if !strings.HasPrefix(link, s.URL+"/v1/downloads/dl_") {
			t.Fatalf("link %q is not under the server's public URL", link)
		}
		got := s.do("GET", strings.TrimPrefix(link, s.URL), "", nil)
		expect(t, got, 200)
		if string(got.Body) != "prompt file bytes" {
			t.Fatalf("download gave %q", got.Body)
		}
		expect(t, s.do("GET", strings.TrimPrefix(link, s.URL), "", nil), 404)
		expect(t, s.do("GET", "/v1/downloads/dl_guess", "", nil), 404)
		if strings.Contains(s.stderr.String(), strings.TrimPrefix(link, s.URL+"/v1/downloads/")) {
			t.Fatal("a one-time token reached the logs")
		}
		// A file of the subject's category the processor may not receive.
		img := s.upload(key, id, "user.content.generated_video", false, []byte("video"))
		deniedNoLeak(t, s.disclose(key, id, map[string]any{"processor": gen, "purpose": purpose, "files": []string{img["id"].(string)}}),
			"processor_category_not_allowed")

		// Bad input: 4xx problem+json, nothing written.
		before := len(s.ledger(key, id))
		otherFile := s.upload(key, other, "user.content.prompt", false, []byte("not yours"))
		expect(t, s.disclose(key, id, map[string]any{"processor": gen, "purpose": purpose, "files": []string{otherFile["id"].(string)}}), 400)
		tenant := s.do("POST", "/v1/tenants", s.Key, map[string]any{"name": "other", "home_region": "us"})
		expect(t, tenant, 201)
		otherKey := tenant.JSON(t)["admin_key"].(map[string]any)["secret"].(string)
		foreign := s.subject(otherKey, map[string]any{"external_id": "x"})
		theirs := s.upload(otherKey, foreign, "user.content.prompt", false, []byte("other tenant"))
		expect(t, s.disclose(key, id, map[string]any{"processor": gen, "purpose": purpose, "files": []string{theirs["id"].(string)}}), 404)
		expect(t, s.disclose(otherKey, id, map[string]any{"processor": gen, "purpose": purpose, "categories": []string{"user.content.prompt"}}), 404)
		many := make([]string, 10_000)
		for i := range many {
			many[i] = "user.content.prompt"
		}
		expect(t, s.disclose(key, id, map[string]any{"processor": gen, "purpose": purpose, "categories": many}), 400)
		expect(t, s.disclose(key, id, map[string]any{"processor": gen, "purpose": purpose, "categories": []string{"user.biometric"}}), 400)
		expect(t, s.disclose(key, id, map[string]any{"processor": gen, "purpose": purpose}), 400)
		expect(t, s.do("POST", "/v1/subjects/"+id+"/disclosures", key, `{"processor": 1}`), 400)
		expect(t, s.disclose(s.appKey("records:read"), id, map[string]any{"processor": gen, "purpose": purpose, "categories": []string{"user.content.prompt"}}), 403)
		if after := len(s.ledger(key, id)); after != before {
			t.Fatalf("bad requests wrote %d ledger entries", after-before)
		}

		// The ledger: who has the data, ids and codes only; each disclosure
		// is audited, allowed or denied.
		entries := s.ledger(key, id)
		if len(entries) != 3 {
			t.Fatalf("ledger has %d entries; want 3 (values, text, file)", len(entries))
		}
		last := entries[0].(map[string]any)
		if last["processor"] != gen || last["files"].([]any)[0] != file["id"] || last["policy_version"] != "3" {
			t.Fatalf("newest ledger entry: %v", last)
		}
		allow := s.auditPage(key, "?action=disclosure.create&subject="+id)
		if len(allow.Events) < 8 {
			t.Fatalf("%d disclosure events audited; want every allowed and denied one", len(allow.Events))
		}
		if downloads := s.auditPage(key, "?action=disclosure.download&subject="+id); len(downloads.Events) != 1 {
			t.Fatalf("%d downloads audited; want 1", len(downloads.Events))
		}
		all := s.do("GET", "/v1/audit?limit=1000", key, nil)
		if l := leaks(all.Body); len(l) > 0 {
			t.Fatalf("the audit log holds %v", l)
		}

		// Erasure keeps the ledger (the processors to reach), without a
		// personal value.
		expect(t, s.do("DELETE", "/v1/subjects/"+id, key, nil), 200)
		r = s.do("GET", "/v1/subjects/"+id+"/disclosures", key, nil)
		expect(t, r, 200)
		if n := len(r.JSON(t)["disclosures"].([]any)); n != 3 || len(leaks(r.Body)) > 0 {
			t.Fatalf("after erasure the ledger has %d entries: %s", n, r.Body)
		}
		expect(t, s.do("GET", "/v1/subjects/"+id+"/disclosures", s.appKey("records:read"), nil), 403)
	})
}

// TestDisclosureLinkExpires: a one-time link unused within download_ttl is
// refused.
func TestDisclosureLinkExpires(t *testing.T) {
	s := start(t, testdb.Backends()[0], "--policy", examplePolicy(t, "content-studio.yaml"), "--download-ttl", "1s")
	key := s.appKey(strings.Fields(shareScopes)...)
	id := s.subject(key, map[string]any{"external_id": "late"})
	file := s.upload(key, id, "user.content.prompt", false, []byte("too late"))
	r := s.disclose(key, id, map[string]any{"processor": "quill-text", "purpose": "essential.service.generation", "files": []string{file["id"].(string)}})
	expect(t, r, 200)
	link := r.JSON(t)["downloads"].([]any)[0].(map[string]any)["url"].(string)
	time.Sleep(1500 * time.Millisecond)
	expect(t, s.do("GET", strings.TrimPrefix(link, s.URL), "", nil), 404)
}

// TestDisclosureResidency: a subject's region must be a storage region, and
// data never goes to a processor whose locations the policy does not allow
// for it. In the enterprise example the payment provider is in the US and
// the EU; without its SCCs (a test edit) it may receive data stored in the
// EU (it is there) but not data stored in Australia.
func TestDisclosureResidency(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		s := start(t, b, "--policy", examplePolicy(t, "enterprise-workspace.yaml", "safeguards: [dpa, sccs]", "safeguards: [dpa]"))
		key := s.appKey(strings.Fields(shareScopes)...)
		r := s.do("POST", "/v1/subjects", key, map[string]any{"external_id": "mars", "region": "mars"})
		expect(t, r, 400)
		if !strings.Contains(string(r.Body), `"path":"region"`) {
			t.Fatalf("unknown region refused without naming it: %s", r.Body)
		}
		req := map[string]any{"processor": "tollgate", "purpose": "essential.service.payment_processing", "categories": []string{"user.name"}}
		for region, ok := range map[string]bool{"eu": true, "au": false} {
			id := s.subject(key, map[string]any{"external_id": "payer-" + region, "region": region})
			expect(t, s.do("PUT", "/v1/subjects/"+id+"/data/user.name", key, map[string]any{"value": canaryName}), 204)
			r := s.disclose(key, id, req)
			if ok {
				expect(t, r, 200)
				continue
			}
			deniedNoLeak(t, r, "region_not_allowed")
		}
		if n := len(s.auditPage(key, "?action=subject.create").Events); n != 2 {
			t.Fatalf("%d subjects created; the one in an unknown region must not be", n)
		}
	})
}

// TestDisclosureConsentAndRedaction: on the starter policy every AI
// partner serves a consent-based purpose, so without consent nothing goes
// (consent_required); a processor that must get personal data redacted
// (redact_pii on it, a test edit of the content studio) receives values
// and text with every finding replaced, and vault reads under a purpose
// that redacts are redacted too.
func TestDisclosureConsentAndRedaction(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		s := start(t, b)
		key := s.appKey(strings.Fields(shareScopes)...)
		id := s.subject(key, map[string]any{"external_id": "no-consent"})
		expect(t, s.do("PUT", "/v1/subjects/"+id+"/data/user.content.prompt", key, map[string]any{"value": "a red shoe"}), 204)
		deniedNoLeak(t, s.disclose(key, id, map[string]any{"processor": "kestrel-video", "purpose": "essential.service.generation",
			"categories": []string{"user.content.prompt"}}), "consent_required")
		if n := len(s.ledger(key, id)); n != 0 {
			t.Fatalf("a denied disclosure is in the ledger (%d entries)", n)
		}
	})
	s := start(t, testdb.Backends()[0], "--policy", examplePolicy(t, "content-studio.yaml",
		"    safeguards: [dpa]\n  prism-image:", "    safeguards: [dpa]\n    redact_pii: true\n  prism-image:"))
	key := s.appKey(strings.Fields(shareScopes)...)
	id := s.subject(key, map[string]any{"external_id": "redact"})
	expect(t, s.do("PUT", "/v1/subjects/"+id+"/data/user.content.prompt", key, map[string]any{"value": canaryText}), 204)
	r := s.disclose(key, id, map[string]any{"processor": "quill-text", "purpose": "essential.service.generation",
		"categories": []string{"user.content.prompt"}, "text": canaryText})
	expect(t, r, 200)
	d := r.JSON(t)
	if l := leaks(r.Body); len(l) > 0 || !slices.Contains(d["obligations"].([]any), any("redact_pii_before_sending")) {
		t.Fatalf("redacted disclosure carries %v: %s", l, r.Body)
	}
	if v := d["values"].([]any)[0].(map[string]any); v["redacted"] != true || !strings.Contains(fmt.Sprint(v["value"]), "<EMAIL_ADDRESS>") {
		t.Fatalf("value not redacted with the replace operator: %v", v)
	}

	// A vault read under a purpose that redacts (video search trains on
	// queries with personal data redacted).
	s = start(t, testdb.Backends()[0], "--policy", examplePolicy(t, "video-search-api.yaml"))
	key = s.appKey(strings.Fields(shareScopes)...)
	id = s.subject(key, map[string]any{"external_id": "searcher"})
	expect(t, s.do("PUT", "/v1/subjects/"+id+"/data/user.content.search_query", key, map[string]any{"value": "talks by " + canaryName + " " + canaryEmail}), 204)
	r = s.do("GET", "/v1/subjects/"+id+"/data/user.content.search_query?purpose=train_ai_system", key, nil)
	expect(t, r, 200)
	if l := leaks(r.Body); len(l) > 0 || r.JSON(t)["redacted"] != true || !strings.Contains(string(r.Body), "talks by") {
		t.Fatalf("a read for train_ai_system is not redacted (%v): %s", l, r.Body)
	}
	r = s.do("GET", "/v1/subjects/"+id+"/data?purpose=train_ai_system", key, nil)
	expect(t, r, 200)
	if l := leaks(r.Body); len(l) > 0 {
		t.Fatalf("a list read for train_ai_system carries %v: %s", l, r.Body)
	}
	r = s.do("GET", "/v1/subjects/"+id+"/data/user.content.search_query?purpose=essential.service", key, nil)
	if expect(t, r, 200); !strings.Contains(string(r.Body), canaryEmail) {
		t.Fatalf("a read for the service itself is redacted: %s", r.Body)
	}
}

// clientDisclosures drives the sharing gate through the Go client, on a
// server of its own with the content studio example (the starter policy's
// AI partners all need a consent): a disclosure of a value, text and a
// file, the file streamed once through its one-time link, the ledger.
func clientDisclosures(ctx context.Context, t *testing.T, b testdb.Backend, log *routeLog) (auditor *client.Client) {
	s := start(t, b, "--policy", examplePolicy(t, "content-studio.yaml"))
	c := newClient(t, s, log, s.appKey(strings.Fields(shareScopes)...))
	sub := got(c.CreateSubject(ctx, client.NewSubject{ExternalID: "client-share"})).must(t)
	if err := c.PutRecord(ctx, sub.ID, "user.content.prompt", "a lighthouse at dusk"); err != nil {
		t.Fatal(err)
	}
	f := got(c.UploadFile(ctx, sub.ID, client.Upload{Category: "user.content.prompt"}, strings.NewReader("file for the model"))).must(t)
	text := canaryText
	d := got(c.Disclose(ctx, sub.ID, client.NewDisclosure{Processor: "quill-text", Purpose: "essential.service.generation",
		Categories: []string{"user.content.prompt"}, Files: []string{f.ID}, Text: &text})).must(t)
	if len(d.Values) != 1 || len(d.Downloads) != 1 || d.Text == nil || len(leaks([]byte(*d.Text))) > 0 || d.ConversationID == "" ||
		!slices.Contains(d.Obligations, "no_training") {
		t.Fatalf("disclosed: %+v", d)
	}
	dl := got(c.DownloadLink(ctx, d.Downloads[0].URL)).must(t)
	body, err := io.ReadAll(dl)
	dl.Close()
	if err != nil || string(body) != "file for the model" {
		t.Fatalf("download through the link: %q, %v", body, err)
	}
	_, err = c.DownloadLink(ctx, d.Downloads[0].URL)
	wantCode(t, err, client.ENOTFOUND)
	_, err = c.Disclose(ctx, sub.ID, client.NewDisclosure{Processor: "quill-text", Purpose: "essential.service.generation",
		Categories: []string{"user.contact.email"}})
	var e *client.Error
	if !errors.As(err, &e) || e.Code != client.EFORBIDDEN || !slices.Contains(e.Reasons, "processor_category_not_allowed") {
		t.Fatalf("a category the processor may not receive: %v", err)
	}
	if l := got(c.ListDisclosures(ctx, sub.ID, 10)).must(t); len(l) != 1 || l[0].ID != d.ID || !l[0].Text {
		t.Fatalf("ledger: %+v", l)
	}
	return newClient(t, s, &routeLog{done: map[string]bool{}}, s.appKey("audit:read"))
}

// TestLedgerSurvivesKill: on SQLite the server holds the ledger's recent
// rows in memory (each is durable in its audit event); after kill -9 and
// a restart, every disclosure answered before the kill is listed once,
// also those whose events were still only in the audit journal.
func TestLedgerSurvivesKill(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	policy := examplePolicy(t, "content-studio.yaml")
	s := startArgs(t, data, "--data", data, "--policy", policy)
	key := s.appKey(strings.Fields(shareScopes)...)
	a := s.subject(key, map[string]any{"external_id": "ledger-a"})
	b := s.subject(key, map[string]any{"external_id": "ledger-b"})
	for _, id := range []string{a, b} {
		expect(t, s.do("PUT", "/v1/subjects/"+id+"/data/user.content.prompt", key, map[string]any{"value": "a lighthouse"}), 204)
	}
	var want []string
	disclose := func(s *server, n int) {
		for i := range n {
			id := a
			if i%3 == 0 {
				id = b
			}
			r := s.disclose(key, id, map[string]any{"processor": "quill-text", "purpose": "essential.service.generation",
				"categories": []string{"user.content.prompt"}})
			expect(t, r, 200)
			if id == a {
				want = append(want, r.JSON(t)["id"].(string))
			}
		}
	}
	disclose(s, 30)
	listed := func(s *server) []string {
		var ids []string
		for _, d := range s.ledger(key, a) {
			ids = append([]string{d.(map[string]any)["id"].(string)}, ids...) // oldest first
		}
		return ids
	}
	if got := listed(s); !slices.Equal(got, want) {
		t.Fatalf("ledger before the kill: %d rows, want %d", len(got), len(want))
	}
	disclose(s, 12) // answered, perhaps not yet chained: in the journal
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done

	s2 := startArgs(t, data, "--data", data, "--policy", policy)
	if got := listed(s2); !slices.Equal(got, want) {
		t.Fatalf("ledger after kill -9 and restart: %v\nwant %v", got, want)
	}
	disclose(s2, 6)
	if got := listed(s2); !slices.Equal(got, want) {
		t.Fatalf("ledger after more disclosures: %d rows, want %d", len(got), len(want))
	}
}
