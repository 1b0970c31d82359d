package blackbox

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/steward-privacy/steward/internal/testdb"
)

// TestAccessRequestExport: an access request builds the person's package:
// a zip with exactly their data (another person's canaries absent), their
// file as uploaded, consents, audit events and the notice, and a manifest
// whose hashes match every entry and whose signature verifies against the
// published key; the link works, a wrong one does not.
func TestAccessRequestExport(t *testing.T) {
	s, app, _, sub := requestsServer(t, testdb.Backends()[0])
	expect(t, s.do("PUT", "/v1/subjects/"+sub+"/data/user.contact.email", app, map[string]any{"value": "canary.person@example.com"}), 204)
	expect(t, s.do("PUT", "/v1/subjects/"+sub+"/data/user.content.prompt", app, map[string]any{"value": "export-canary-mine"}), 204)
	up := s.do("POST", "/v1/subjects/"+sub+"/files?category=user.content.prompt", s.Key, []byte("the file I uploaded"))
	expect(t, up, 201)
	other := s.subject(app, map[string]any{"external_id": "someone-else", "email": "someone.else@example.com"})
	expect(t, s.do("PUT", "/v1/subjects/"+other+"/data/user.content.prompt", app, map[string]any{"value": "export-canary-theirs"}), 204)

	r := s.do("POST", "/v1/requests", app, map[string]any{"type": "access", "subject": map[string]any{"id": sub}, "verified_by": "application"})
	expect(t, r, 201)
	done := s.waitStatus(t, app, r.JSON(t)["id"].(string), "completed")
	url, _ := done["result"].(map[string]any)["download_url"].(string)
	if !strings.HasPrefix(url, "/v1/exports/stx_") {
		t.Fatalf("completed request: %v", done)
	}
	dl := s.do("GET", url, "", nil)
	expect(t, dl, 200)
	z, err := zip.NewReader(bytes.NewReader(dl.Body), int64(len(dl.Body)))
	if err != nil {
		t.Fatal(err)
	}
	entries := map[string][]byte{}
	for _, f := range z.File {
		rc, _ := f.Open()
		entries[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	all := bytes.Join(func() [][]byte {
		var out [][]byte
		for _, b := range entries {
			out = append(out, b)
		}
		return out
	}(), nil)
	if !bytes.Contains(entries["records.json"], []byte("export-canary-mine")) || bytes.Contains(all, []byte("export-canary-theirs")) ||
		bytes.Contains(all, []byte("someone.else@example.com")) {
		t.Fatalf("records.json: %s", entries["records.json"])
	}
	for _, want := range []string{"consents.json", "disclosures.json", "audit.json", "notice.html", "records/user.content.prompt.csv", "manifest.sig"} {
		if _, ok := entries[want]; !ok {
			t.Errorf("the package lacks %s", want)
		}
	}
	if !bytes.Contains(all, []byte("the file I uploaded")) {
		t.Error("the file is not in the package in its original form")
	}
	var m struct {
		Entries []struct {
			Name   string `json:"name"`
			SHA256 string `json:"sha256"`
		} `json:"entries"`
	}
	if err := json.Unmarshal(entries["manifest.json"], &m); err != nil || len(m.Entries) < 6 {
		t.Fatalf("manifest: %v %s", err, entries["manifest.json"])
	}
	for _, e := range m.Entries {
		sum := sha256.Sum256(entries[e.Name])
		if hex.EncodeToString(sum[:]) != e.SHA256 {
			t.Errorf("manifest hash of %s does not match", e.Name)
		}
	}
	var sig struct {
		KeyID     int    `json:"key_id"`
		Signature []byte `json:"signature"`
	}
	if err := json.Unmarshal(entries["manifest.sig"], &sig); err != nil {
		t.Fatal(err)
	}
	var keys struct {
		Keys []struct {
			ID      int    `json:"id"`
			Ed25519 []byte `json:"ed25519"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(s.do("GET", "/v1/audit/public-key", "", nil).Body, &keys); err != nil {
		t.Fatal(err)
	}
	verified := false
	for _, k := range keys.Keys {
		if k.ID == sig.KeyID && ed25519.Verify(k.Ed25519, entries["manifest.json"], sig.Signature) {
			verified = true
		}
	}
	if !verified {
		t.Fatal("the manifest signature does not verify against the published keys")
	}
	expect(t, s.do("GET", "/v1/exports/stx_"+strings.Repeat("A", 43), "", nil), 404)

	// G3: once the person is erased, their package no longer opens (its
	// key is destroyed with theirs).
	expect(t, s.do("DELETE", "/v1/subjects/"+sub, app, nil), 200)
	expect(t, s.do("GET", url, "", nil), 404)
	// G1: the package was never on disk in plaintext.
	s.stop()
	scanFolder(t, s.Data, map[string]string{"a record in the package": "export-canary-mine", "a file in the package": "the file I uploaded"})
}
