package blackbox

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-privacy/steward/client"
	"github.com/steward-privacy/steward/internal/testdb"
)

// appKey creates a key with the given scopes and returns its secret.
// The setup helpers below go through the Go client, as an application
// would; tests that send malformed requests on purpose use s.do.

// appKey creates an API key with the scopes, as the bootstrap admin.
func (s *server) appKey(scopes ...string) string {
	s.t.Helper()
	k, err := s.api(s.Key).CreateAPIKey(s.ctx(), client.NewAPIKey{Name: "app", Scopes: scopes})
	if err != nil {
		s.t.Fatalf("creating a key: %v", err)
	}
	return k.Secret
}

// subject creates a subject from a JSON-shaped body and returns its id.
func (s *server) subject(key string, body map[string]any) string {
	s.t.Helper()
	var in client.NewSubject
	if b, err := json.Marshal(body); err != nil || json.Unmarshal(b, &in) != nil {
		s.t.Fatalf("subject body %v does not fit client.NewSubject", body)
	}
	sub, err := s.api(key).CreateSubject(s.ctx(), in)
	if err != nil {
		s.t.Fatalf("creating a subject: %v", err)
	}
	return sub.ID
}

// upload stores raw bytes as a file and returns the answer as JSON.
func (s *server) upload(key, subject, category string, ephemeral bool, data []byte) map[string]any {
	s.t.Helper()
	f, err := s.api(key).UploadFile(s.ctx(), subject, client.Upload{Category: category, Ephemeral: ephemeral}, bytes.NewReader(data))
	if err != nil {
		s.t.Fatalf("uploading: %v", err)
	}
	var out map[string]any
	b, _ := json.Marshal(f)
	_ = json.Unmarshal(b, &out)
	return out
}

// postFile posts body as a file and returns the answer, whatever it is. A
// body of unknown length (not a bytes or strings reader) is sent chunked.
func (s *server) postFile(key, subject, category string, ephemeral bool, body io.Reader) *response {
	s.t.Helper()
	u := fmt.Sprintf("%s/v1/subjects/%s/files?category=%s&ephemeral=%v", s.URL, subject, category, ephemeral)
	req, _ := http.NewRequest("POST", u, body)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

const allVault = "records:read records:write files:read files:write secrets:read secrets:write"

// TestCanariesNeverReachDisk is G1 through the real binary: subjects with
// canary emails and phones, records with canary values, files with canary
// bytes and a secret; then every byte of the data folder (and the S3 bucket,
// when configured) is searched: zero hits.
func TestCanariesNeverReachDisk(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		var extra []string
		if dsn := os.Getenv("STEWARD_TEST_S3"); dsn != "" && b.Name == "sqlite" {
			extra = append(extra, "--files", dsn)
		}
		s := start(t, b, extra...)
		key := s.appKey(strings.Fields(allVault)...)
		canaries := map[string]string{}
		for i := range 3 {
			email := fmt.Sprintf("canary.mail.%d.zq@example.org", i)
			phone := fmt.Sprintf("+4420794609%02d", 50+i)
			ext := fmt.Sprintf("canary-ext-%d-zq", i)
			canaries["email"+fmt.Sprint(i)], canaries["phone"+fmt.Sprint(i)], canaries["ext"+fmt.Sprint(i)] = email, phone, ext
			id := s.subject(key, map[string]any{"external_id": ext, "email": email, "phone": phone, "birthdate": "1990-01-02"})
			val := fmt.Sprintf("canary-record-%d-zq", i)
			canaries["record"+fmt.Sprint(i)] = val
			expect(t, s.do("PUT", "/v1/subjects/"+id+"/data/user.content.prompt", key, map[string]any{"value": val}), 204)
			file := bytes.Repeat([]byte(fmt.Sprintf("canary-file-%d-zq|", i)), 20000)
			canaries["file"+fmt.Sprint(i)] = fmt.Sprintf("canary-file-%d-zq|", i)
			s.upload(key, id, "user.content.product_image", false, file)
			// Reads happen too: they must not leave values behind (logs, temp files).
			expect(t, s.do("GET", "/v1/subjects/"+id+"/data/user.content.prompt?purpose=essential.service", key, nil), 200)
		}
		canaries["secret"] = "canary-secret-token-zq"
		expect(t, s.do("PUT", "/v1/secrets/shop-token", key, map[string]any{"value": canaries["secret"]}), 204)
		s.stop()
		scanFolder(t, s.Data, canaries)
		if strings.Contains(s.stderr.String(), "zq") {
			t.Fatal("a canary reached the logs")
		}
		if len(extra) > 0 {
			scanS3(t, extra[1], canaries)
		}
	})
}

// TestErasureLeavesNothing is G3 through the binary: after DELETE and the
// checkpoint it triggers, the canaries and the subject's wrapped key are
// gone from every file of the data folder.
func TestErasureLeavesNothing(t *testing.T) {
	s := start(t, testdb.Backends()[0])
	key := s.appKey(strings.Fields(allVault)...)
	id := s.subject(key, map[string]any{"external_id": "erase-ext-zq", "email": "erase.me.zq@example.org"})
	keep := s.subject(key, map[string]any{"external_id": "keep-ext"})
	expect(t, s.do("PUT", "/v1/subjects/"+id+"/data/user.content.prompt", key, map[string]any{"value": "erase-value-zq"}), 204)
	expect(t, s.do("PUT", "/v1/subjects/"+keep+"/data/user.content.prompt", key, map[string]any{"value": "keep"}), 204)
	f := s.upload(key, id, "user.content.product_image", false, []byte("erase file bytes"))
	// The wrapped data key, read from the database before erasure.
	wrapped := wrappedKey(t, filepath.Join(s.Data, "steward.db"), id)
	// A read puts the subject's sealed rows in the server's cache.
	recordURL := "/v1/subjects/" + id + "/data/user.content.prompt?purpose=essential.service"
	expect(t, s.do("GET", recordURL, key, nil), 200)

	r := s.do("DELETE", "/v1/subjects/"+id, key, nil)
	expect(t, r, 200)
	ev := r.JSON(t)
	if ev["data_key_destroyed"] != true || ev["records_deleted"] != float64(1) || ev["files_deleted"] != float64(1) || ev["audit_seq"] == nil {
		t.Fatalf("evidence = %s", r.Body)
	}
	expect(t, s.do("GET", "/v1/subjects/"+id, key, nil), 404)
	expect(t, s.do("GET", recordURL, key, nil), 404) // not served from the cache
	expect(t, s.do("GET", "/v1/files/"+f["id"].(string)+"?purpose=essential.service", key, nil), 404)
	expect(t, s.do("GET", "/v1/subjects/"+keep+"/data/user.content.prompt?purpose=essential.service", key, nil), 200)
	// Search the folder while the server still runs (after its checkpoint),
	// and again after it stopped.
	check := func() {
		err := filepath.WalkDir(s.Data, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, _ := os.ReadFile(p)
			if bytes.Contains(b, wrapped) {
				t.Errorf("the erased subject's wrapped data key survives in %s", p)
			}
			for _, c := range []string{"erase-value-zq", "erase.me.zq", "erase file bytes"} {
				if bytes.Contains(b, []byte(c)) {
					t.Errorf("%q survives in %s", c, p)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	check()
	s.stop()
	check()
}

// TestPurposesOverHTTP: a consent-based purpose is denied without consent, a
// prohibited purpose always; denials are 403 problem+json with reasons.
func TestPurposesOverHTTP(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		s := start(t, b)
		key := s.appKey(strings.Fields(allVault)...)
		id := s.subject(key, map[string]any{"external_id": "u1"})
		expect(t, s.do("PUT", "/v1/subjects/"+id+"/data/user.content.prompt", key, map[string]any{"value": "p"}), 204)
		base := "/v1/subjects/" + id + "/data/user.content.prompt"
		expect(t, s.do("GET", base, key, nil), 400) // no purpose
		r := s.do("GET", base+"?purpose=essential.service.generation", key, nil)
		expect(t, r, 403)
		if !slices.Contains(reasons(t, r), "consent_required") {
			t.Fatalf("denial lacks consent_required: %s", r.Body)
		}
		r = s.do("GET", base+"?purpose=train_ai_system", key, nil)
		expect(t, r, 403)
		if !slices.Contains(reasons(t, r), "prohibited") {
			t.Fatalf("denial lacks prohibited: %s", r.Body)
		}
		expect(t, s.do("GET", base+"?purpose=essential.service", key, nil), 200)
		expect(t, s.do("PUT", "/v1/subjects/"+id+"/data/user.unknown.category", key, map[string]any{"value": 1}), 400)
		// Duplicates are 409; a read-only key cannot write.
		expect(t, s.do("POST", "/v1/subjects", key, map[string]any{"external_id": "u1"}), 409)
		ro := s.appKey("records:read")
		expect(t, s.do("PUT", base, ro, map[string]any{"value": "x"}), 403)
		// Another tenant cannot see the subject.
		other := s.do("POST", "/v1/tenants", s.Key, map[string]any{"name": "Other", "home_region": "us"})
		expect(t, other, 201)
		otherKey := other.JSON(t)["admin_key"].(map[string]any)["secret"].(string)
		expect(t, s.do("GET", "/v1/subjects/"+id, otherKey, nil), 404)
		expect(t, s.do("GET", base+"?purpose=essential.service", otherKey, nil), 404)
	})
}

func reasons(t *testing.T, r *response) []string {
	var out []string
	for _, x := range r.JSON(t)["reasons"].([]any) {
		out = append(out, x.(string))
	}
	return out
}

// TestConcurrentWritersOnSQLite: 32 parallel writers see no "database is
// locked" (or any) error.
func TestConcurrentWritersOnSQLite(t *testing.T) {
	s := start(t, testdb.Backends()[0])
	key := s.appKey(strings.Fields(allVault)...)
	var wg sync.WaitGroup
	errs := make(chan string, 32*20)
	for w := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				body := fmt.Sprintf(`{"external_id": "w%d-%d"}`, w, i)
				req, _ := http.NewRequest("POST", s.URL+"/v1/subjects", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					errs <- err.Error()
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 201 {
					errs <- fmt.Sprintf("%d %s", resp.StatusCode, b)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if strings.Contains(s.stderr.String(), "locked") {
		t.Fatal("the server logged a locked database")
	}
}

func TestFilesOverHTTP(t *testing.T) {
	s := start(t, testdb.Backends()[0])
	key := s.appKey(strings.Fields(allVault)...)
	id := s.subject(key, map[string]any{"external_id": "u1"})
	data := make([]byte, 1<<20+3)
	rand.Read(data)
	f := s.upload(key, id, "user.content.product_image", true, data)
	r := s.do("GET", "/v1/files/"+f["id"].(string)+"?purpose=essential.service", key, nil)
	expect(t, r, 200)
	if !bytes.Equal(r.Body, data) || r.Header.Get("X-Content-SHA256") != f["sha256"] {
		t.Fatal("downloaded file differs")
	}
	// Ephemeral: the second download finds nothing.
	expect(t, s.do("GET", "/v1/files/"+f["id"].(string)+"?purpose=essential.service", key, nil), 404)
	expect(t, s.do("POST", "/v1/subjects/"+id+"/files?category=nope", key, []byte("x")), 400)
}

// TestStaffSeeMaskedValues: a support agent signed in to the console sees
// masked values unless they invoke a justification the policy accepts; the
// justification is audited.
func TestStaffSeeMaskedValues(t *testing.T) {
	s := start(t, testdb.Backends()[0])
	key := s.appKey(strings.Fields(allVault)...)
	id := s.subject(key, map[string]any{"external_id": "u1"})
	expect(t, s.do("PUT", "/v1/subjects/"+id+"/data/user.contact.email", key, map[string]any{"value": "ada.lovelace@example.org"}), 204)
	const email, pass = "agent@example.org", "a long support passphrase"
	expect(t, s.do("POST", "/v1/staff", s.Key, map[string]any{"email": email, "password": pass, "role": "support"}), 201)
	tenant := s.do("GET", "/v1/whoami", s.Key, nil).JSON(t)["tenant_id"].(string)
	resp, cookie := s.login(map[string]any{"tenant_id": tenant, "email": email, "password": pass})
	expect(t, resp, 200)
	base := "/v1/subjects/" + id + "/data/user.contact.email?purpose=essential.service"
	r := s.doCookie("GET", base, cookie, nil)
	expect(t, r, 200)
	if v := r.JSON(t); v["masked"] != true || strings.Contains(string(r.Body), "lovelace") {
		t.Fatalf("staff without justification: %s", r.Body)
	}
	r = s.doCookie("GET", base+"&justification=security-investigation", cookie, nil)
	expect(t, r, 200)
	if v := r.JSON(t); v["masked"] == true || v["value"] != "ada.lovelace@example.org" {
		t.Fatalf("staff with justification: %s", r.Body)
	}
	// Support staff cannot write.
	expect(t, s.doCookie("PUT", "/v1/subjects/"+id+"/data/user.contact.email", cookie, map[string]any{"value": "x"}), 403)
}

// TestRetentionJobDeletesEphemeralFiles is G4 through the binary: an
// ephemeral file never downloaded is gone from the data folder once its TTL
// passed, deleted by the background job without any request.
func TestRetentionJobDeletesEphemeralFiles(t *testing.T) {
	s := start(t, testdb.Backends()[0], "--ephemeral-ttl", "2s", "--job-interval", "1s", "--job-lease", "3s")
	key := s.appKey(strings.Fields(allVault)...)
	id := s.subject(key, map[string]any{"external_id": "u"})
	eph := s.upload(key, id, "user.content.product_image", true, bytes.Repeat([]byte("x"), 1000))
	keep := s.upload(key, id, "user.content.product_image", false, []byte("kept"))
	countFiles := func() int {
		n := 0
		filepath.WalkDir(filepath.Join(s.Data, "files"), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !strings.HasPrefix(d.Name(), ".") {
				n++
			}
			return nil
		})
		return n
	}
	if countFiles() != 2 {
		t.Fatalf("%d files stored; want 2", countFiles())
	}
	deadline := time.Now().Add(8 * time.Second)
	for countFiles() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the expired ephemeral file was not deleted by the retention job")
		}
		time.Sleep(200 * time.Millisecond)
	}
	expect(t, s.do("GET", "/v1/files/"+eph["id"].(string)+"?purpose=essential.service", key, nil), 404)
	expect(t, s.do("GET", "/v1/files/"+keep["id"].(string)+"?purpose=essential.service", key, nil), 200)
}

// TestEmptyUploadRefused: a 0-byte upload is a client mistake (G7), whether
// its length is declared or it arrives chunked: 400 problem+json naming the
// body, and nothing is stored.
func TestEmptyUploadRefused(t *testing.T) {
	s := start(t, testdb.Backends()[0])
	key := s.appKey(strings.Fields(allVault)...)
	id := s.subject(key, map[string]any{"external_id": "u-empty"})
	blobs := func() int {
		n := 0
		filepath.WalkDir(filepath.Join(s.Data, "files"), func(_ string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				n++
			}
			return nil
		})
		return n
	}
	before := blobs()
	for name, body := range map[string]io.Reader{"declared": bytes.NewReader(nil), "chunked": io.MultiReader()} {
		r := s.postFile(key, id, "user.content.product_image", false, body)
		expect(t, r, 400)
		if p := r.JSON(t); p["code"] != "invalid" || !strings.Contains(string(r.Body), `"path":"body"`) {
			t.Errorf("%s empty upload: problem %s; want code invalid naming the body", name, r.Body)
		}
	}
	if after := blobs(); after != before {
		t.Errorf("an empty upload left %d files in the store", after-before)
	}
	// One byte is a file.
	s.upload(key, id, "user.content.product_image", false, []byte("x"))
}
