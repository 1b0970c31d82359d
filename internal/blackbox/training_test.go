package blackbox

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward/client"
	"github.com/steward-privacy/steward/internal/testdb"
)

// TestTrainingExports is AI training governance through the binary, on
// the video search example (training on queries, legitimate interest,
// personal data redacted): an export holds exactly the people the policy
// allows (an objection and a restriction leave two out; another tenant's
// people are never in), no identifier and no email address leaves,
// aggregate groups below k are suppressed, a tenant's model is invisible
// to another tenant, bad requests export nothing, the lineage is
// OpenLineage, and erasing a person names the model and shard they were in
// and leaves no lineage of them.
func TestTrainingExports(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		s := start(t, b, "--policy", "../../examples/video-search-api.yaml")
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		key := s.appKey("records:write", "records:read", "files:write", "models:manage", "training:export", "events:read")
		api := s.api(key)
		people := map[string]string{}
		for _, name := range []string{"alpha", "bravo", "charlie", "delta"} {
			id := s.subject(key, map[string]any{"external_id": "tr-" + name, "email": name + "@example.org"})
			people[name] = id
			expect(t, s.do("PUT", "/v1/subjects/"+id+"/data/user.content.search_query", key,
				map[string]any{"value": "canary-" + name + " cats videos, reply to " + name + ".person@example.org"}), 204)
		}
		// Alpha's and bravo's photos, with EXIF (GPS, camera serial): only
		// alpha's leaves, without them.
		photo, err := os.ReadFile("../../media/testdata/sample.jpg")
		if err != nil {
			t.Fatal(err)
		}
		s.upload(key, people["alpha"], "user.content.video_reference", false, photo)
		s.upload(key, people["bravo"], "user.content.video_reference", false, photo)
		expect(t, s.do("PUT", "/v1/subjects/"+people["bravo"]+"/objections", key, map[string]any{"purposes": []string{"train_ai_system"}}), 200)
		expect(t, s.do("PUT", "/v1/subjects/"+people["charlie"]+"/restriction", key, map[string]any{"restricted": true}), 200)
		other := s.do("POST", "/v1/tenants", s.Key, map[string]any{"name": "Other Search", "home_region": "us"})
		expect(t, other, 201)
		otherKey := other.JSON(t)["admin_key"].(map[string]any)["secret"].(string)
		xid := s.subject(otherKey, map[string]any{"external_id": "tr-x"})
		expect(t, s.do("PUT", "/v1/subjects/"+xid+"/data/user.content.search_query", otherKey, map[string]any{"value": "canary-xray other tenant"}), 204)

		m := got(api.CreateModel(ctx, client.NewModel{Name: "search ranker", Purpose: "train_ai_system", Owner: "tenant"})).must(t)
		otherAPI := s.api(otherKey)
		_, err = otherAPI.Model(ctx, m.ID)
		wantCode(t, err, client.ENOTFOUND)
		if ms := got(otherAPI.Models(ctx)).must(t); len(ms) != 0 {
			t.Fatalf("another tenant sees models: %+v", ms)
		}
		_, err = api.CreateModel(ctx, client.NewModel{Name: "x", Purpose: "train_ai_system", Owner: "service"})
		if err != nil {
			t.Fatalf("the operator tenant registers a service model: %v", err)
		}
		_, err = otherAPI.CreateModel(ctx, client.NewModel{Name: "x", Purpose: "train_ai_system", Owner: "service"})
		wantCode(t, err, client.EFORBIDDEN)

		for _, bad := range []client.NewTrainingExport{
			{Model: m.ID, Categories: []string{"user.content.search_query"}, Deidentify: "pseudonymize"}, // redact_pii
			{Model: "mdl_aaaaaaaaaaaaaaaaaaaaaaaaaa", Categories: []string{"user.content.search_query"}, Deidentify: "redact"},
			{Model: m.ID, Categories: []string{"user.name"}, Deidentify: "redact"},
			{Purpose: "train_ai_system", Categories: []string{"user.content.search_query"}, Deidentify: "aggregate", K: 1},
		} {
			_, err := api.CreateTrainingExport(ctx, bad)
			wantCode(t, err, client.EINVALID)
		}
		_, err = otherAPI.CreateTrainingExport(ctx, client.NewTrainingExport{Model: m.ID, Categories: []string{"user.content.search_query"},
			Deidentify: "redact"})
		wantCode(t, err, client.EINVALID) // another tenant's model: no such model

		x := got(api.CreateTrainingExport(ctx, client.NewTrainingExport{Model: m.ID, Categories: []string{"user.content.search_query",
			"user.content.video_reference"}, Deidentify: "redact", Shards: 4})).must(t)
		x = got(client.WaitTrainingExport(ctx, api, x.ID)).must(t)
		if x.Status != "completed" || x.Subjects != 2 || x.Skipped != 2 || x.Rows != 2 || x.Files != 1 {
			t.Fatalf("export: %+v; want alpha and delta in, bravo (objected) and charlie (restricted) out", x)
		}
		d := got(api.TrainingData(ctx, x.ID)).must(t)
		var data bytes.Buffer
		if _, err := data.ReadFrom(d); err != nil {
			t.Fatal(err)
		}
		d.Close()
		text := data.String()
		for _, want := range []string{"canary-alpha", "canary-delta"} {
			if !strings.Contains(text, want) {
				t.Fatalf("export without %s:\n%s", want, text)
			}
		}
		for _, never := range []string{"canary-bravo", "canary-charlie", "canary-xray", "@example.org", "sub_", "tr-"} {
			if strings.Contains(text, never) {
				t.Fatalf("export holds %q:\n%s", never, text)
			}
		}
		sc := bufio.NewScanner(strings.NewReader(text))
		for sc.Scan() {
			var r map[string]any
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil || r["category"] != "user.content.search_query" {
				t.Fatalf("row %q: %v", sc.Text(), err)
			}
		}
		fz := got(api.TrainingFiles(ctx, x.ID)).must(t)
		var zbuf bytes.Buffer
		if _, err := zbuf.ReadFrom(fz); err != nil {
			t.Fatal(err)
		}
		fz.Close()
		zr, err := zip.NewReader(bytes.NewReader(zbuf.Bytes()), int64(zbuf.Len()))
		if err != nil || len(zr.File) != 1 || !strings.HasSuffix(zr.File[0].Name, ".jpg") || strings.Contains(zr.File[0].Name, "fil_") {
			t.Fatalf("files zip: %v %v", err, zr)
		}
		for _, canary := range []string{"CANARY", "Canary", "canary", "2024:01:02"} { // owner, serial, GPS, timestamps of the sample
			if bytes.Contains(zbuf.Bytes(), []byte(canary)) {
				t.Fatalf("the exported image keeps metadata %q", canary)
			}
		}
		ev := got(api.TrainingLineage(ctx, x.ID)).must(t)
		if len(ev) != 2 || ev[0].EventType != "START" || ev[1].EventType != "COMPLETE" || len(ev[0].Run.RunID) != 36 {
			t.Fatalf("lineage: %+v", ev)
		}
		total := 0
		for _, n := range ev[1].Shards {
			total += n
		}
		if total != 2 {
			t.Fatalf("lineage shards: %v", ev[1].Shards)
		}

		// Aggregates: a group of two is kept at k=2 and suppressed at k=3.
		agg := got(api.CreateTrainingExport(ctx, client.NewTrainingExport{Purpose: "train_ai_system",
			Categories: []string{"user.content.search_query"}, Deidentify: "aggregate", K: 2})).must(t)
		agg = got(client.WaitTrainingExport(ctx, api, agg.ID)).must(t)
		if agg.Rows != 1 || agg.Suppressed != 0 {
			t.Fatalf("aggregate k=2: %+v", agg)
		}
		agg = got(api.CreateTrainingExport(ctx, client.NewTrainingExport{Purpose: "train_ai_system",
			Categories: []string{"user.content.search_query"}, Deidentify: "aggregate", K: 3})).must(t)
		agg = got(client.WaitTrainingExport(ctx, api, agg.ID)).must(t)
		if agg.Rows != 0 || agg.Suppressed != 1 {
			t.Fatalf("aggregate k=3: %+v", agg)
		}

		// An objection to training makes delta's shard a retrain obligation.
		expect(t, s.do("PUT", "/v1/subjects/"+people["delta"]+"/objections", key, map[string]any{"purposes": []string{"train_ai_system"}}), 200)
		if aff := got(api.AffectedModels(ctx, m.ID, false)).must(t); len(aff) != 1 || aff[0].Cause != "objection" {
			t.Fatalf("after the objection: %+v", aff)
		}
		// Erasure names the model and the shard, and unlinks the person.
		ev2 := got(api.EraseSubject(ctx, people["alpha"])).must(t)
		if len(ev2.ModelsAffected) != 1 || ev2.ModelsAffected[0].Model != m.ID || ev2.ModelsAffected[0].Export != x.ID {
			t.Fatalf("erasure evidence: %+v", ev2.ModelsAffected)
		}
		aff := got(api.AffectedModels(ctx, m.ID, false)).must(t)
		if len(aff) != 2 {
			t.Fatalf("retrain obligations: %+v", aff)
		}
		after := got(api.TrainingLineage(ctx, x.ID)).must(t)
		total = 0
		for _, n := range after[1].Shards {
			total += n
		}
		if total != 0 {
			t.Fatalf("lineage after the objection and the erasure: %v; want none", after[1].Shards)
		}
		events := s.do("GET", "/v1/events", key, nil)
		if !strings.Contains(string(events.Body), `"model.affected"`) || strings.Contains(string(events.Body), people["alpha"]) {
			t.Fatalf("outbox: %s", events.Body)
		}
		if r := got(api.ResolveAffected(ctx, m.ID, aff[0].ID, "retrained")).must(t); r.ResolvedAt == nil {
			t.Fatalf("resolve: %+v", r)
		}
		_, err = api.ResolveAffected(ctx, m.ID, aff[0].ID, "retrained")
		wantCode(t, err, client.ECONFLICT)
		if all := got(api.AffectedModels(ctx, m.ID, true)).must(t); len(all) != 2 {
			t.Fatalf("all obligations: %+v", all)
		}
	})
}

// clientTraining drives the training routes through the Go client on a
// server of its own (the video search example declares a training
// purpose; the starter policy prohibits training) and returns an auditor
// of that server for the audit check.
func clientTraining(ctx context.Context, t *testing.T, b testdb.Backend, log *routeLog) (auditor *client.Client) {
	s := start(t, b, "--policy", "../../examples/video-search-api.yaml")
	c := newClient(t, s, log, s.appKey("records:write", "records:read", "files:write", "models:manage", "training:export"))
	sub := got(c.CreateSubject(ctx, client.NewSubject{ExternalID: "client-train"})).must(t)
	if err := c.PutRecord(ctx, sub.ID, "user.content.search_query", "whales at sea"); err != nil {
		t.Fatal(err)
	}
	got(c.UploadFile(ctx, sub.ID, client.Upload{Category: "user.content.video_reference"}, strings.NewReader("a frame"))).must(t)
	m := got(c.CreateModel(ctx, client.NewModel{Name: "ranker", Purpose: "train_ai_system", Owner: "tenant"})).must(t)
	if ms := got(c.Models(ctx)).must(t); len(ms) != 1 || got(c.Model(ctx, m.ID)).must(t).Name != "ranker" {
		t.Fatalf("models: %+v", ms)
	}
	x := got(c.CreateTrainingExport(ctx, client.NewTrainingExport{Model: m.ID, Categories: []string{"user.content.search_query",
		"user.content.video_reference"}, Deidentify: "redact"})).must(t)
	x = got(client.WaitTrainingExport(ctx, c, x.ID)).must(t)
	fz := got(c.TrainingFiles(ctx, x.ID)).must(t)
	fz.Close()
	if got(c.TrainingExport(ctx, x.ID)).must(t).Rows != 1 {
		t.Fatalf("export: %+v", x)
	}
	d := got(c.TrainingData(ctx, x.ID)).must(t)
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(d)
	d.Close()
	if !strings.Contains(buf.String(), "whales at sea") {
		t.Fatalf("data: %s", buf.String())
	}
	if ev := got(c.TrainingLineage(ctx, x.ID)).must(t); len(ev) != 2 {
		t.Fatalf("lineage: %+v", ev)
	}
	if e := got(c.EraseSubject(ctx, sub.ID)).must(t); len(e.ModelsAffected) != 1 {
		t.Fatalf("erasure: %+v", e)
	}
	aff := got(c.AffectedModels(ctx, m.ID, false)).must(t)
	got(c.ResolveAffected(ctx, m.ID, aff[0].ID, "retrained")).must(t)
	return newClient(t, s, log, s.appKey("audit:read"))
}

// TestTrainingProhibited: the starter policy prohibits training on user
// content ("never used to train, adjust or refine AI models"): a model or
// an export for training is refused with the prohibition as the reason,
// and nothing is exported.
func TestTrainingProhibited(t *testing.T) {
	s := start(t, testdb.Backends()[0])
	key := s.appKey("models:manage", "training:export")
	for _, r := range []*response{
		s.do("POST", "/v1/models", key, map[string]any{"name": "x", "purpose": "train_ai_system", "owner": "tenant"}),
		s.do("POST", "/v1/training-exports", key, map[string]any{"purpose": "train_ai_system", "categories": []string{"user.content"},
			"deidentify": "aggregate"}),
	} {
		if r.Status != 403 || !strings.Contains(string(r.Body), "prohibited") {
			t.Fatalf("training under the starter policy: %d %s", r.Status, r.Body)
		}
	}
}

// TestTrainingExportConsent: with training based on consent (the video
// search example changed so), an export holds the person who consented,
// and neither the one who withdrew, nor the one who never consented, nor
// the one below the minimum age; the withdrawal makes no obligation yet
// (nothing was exported of them).
func TestTrainingExportConsent(t *testing.T) {
	src, err := os.ReadFile("../../examples/video-search-api.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(src), "  train_ai_system:\n    description: Improve our video search models with the queries and video references you send.\n    basis: legitimate-interest\n",
		"  train_ai_system:\n    description: Improve our video search models with the queries and video references you send.\n    basis: consent\n    withdraw: Turn training off in your account settings.\n", 1)
	text = strings.Replace(text, "  below: refuse\n", "  below: flag\n", 1)
	if !strings.Contains(text, "basis: consent\n    withdraw: Turn training off") || !strings.Contains(text, "below: flag") {
		t.Fatal("the example changed: adapt this test")
	}
	path := t.TempDir() + "/consent-training.yaml"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	s := start(t, testdb.Backends()[0], "--policy", path)
	key := s.appKey("records:write", "records:read", "consents:write", "models:manage", "training:export")
	grant := func(id string, granted bool) {
		t.Helper()
		body := map[string]any{"purpose": "train_ai_system", "granted": granted, "channel": "web"}
		if granted {
			body["proof"] = map[string]any{"notice_version": "1", "form": "settings", "text_sha256": textHash}
		}
		expect(t, s.do("POST", "/v1/subjects/"+id+"/consents", key, body), 201)
	}
	ids := map[string]string{}
	for _, name := range []string{"yes", "withdrew", "never", "child"} {
		body := map[string]any{"external_id": "c-" + name}
		if name == "child" {
			body["birthdate"] = time.Now().AddDate(-12, 0, 0).Format(time.DateOnly)
		}
		ids[name] = s.subject(key, body)
		expect(t, s.do("PUT", "/v1/subjects/"+ids[name]+"/data/user.content.search_query", key, map[string]any{"value": "canary-" + name}), 204)
	}
	grant(ids["yes"], true)
	grant(ids["withdrew"], true)
	grant(ids["withdrew"], false)
	grant(ids["child"], true)
	m := s.do("POST", "/v1/models", key, map[string]any{"name": "ranker", "purpose": "train_ai_system", "owner": "tenant"})
	expect(t, m, 201)
	r := s.do("POST", "/v1/training-exports", key, map[string]any{"model": m.JSON(t)["id"], "categories": []string{"user.content.search_query"},
		"deidentify": "redact"})
	expect(t, r, 201)
	wait, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := got(client.WaitTrainingExport(wait, s.api(key), r.JSON(t)["id"].(string))).must(t)
	r = s.do("GET", "/v1/training-exports/"+done.ID, key, nil)
	x := r.JSON(t)
	if x["subjects"] != float64(1) || x["skipped"] != float64(3) {
		t.Fatalf("export: %s", r.Body)
	}
	data := s.do("GET", "/v1/training-exports/"+x["id"].(string)+"/data", key, nil)
	if !strings.Contains(string(data.Body), "canary-yes") || strings.Contains(string(data.Body), "canary-withdrew") ||
		strings.Contains(string(data.Body), "canary-never") || strings.Contains(string(data.Body), "canary-child") {
		t.Fatalf("export rows: %s", data.Body)
	}
}
