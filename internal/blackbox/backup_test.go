package blackbox

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to drop the schema

	"github.com/steward-privacy/steward/internal/testdb"
)

// auditEvents returns the tenant's events matching query, with reasons.
func (s *server) auditEvents(key, query string) []map[string]any {
	s.t.Helper()
	r := s.do("GET", "/v1/audit"+query, key, nil)
	expect(s.t, r, 200)
	var p struct {
		Events []map[string]any `json:"events"`
	}
	if err := json.Unmarshal(r.Body, &p); err != nil {
		s.t.Fatal(err)
	}
	return p.Events
}

// filesUnder lists the regular files under dir, relative paths.
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

// TestBackupKeepsErasuresErased: subjects A and B with records and files;
// an online backup while the server runs (its audit events still in the
// journal); A erased; the backup restored into a new folder with the
// tombstone file: A is gone (404, key destroyed, file gone) and B intact,
// the audit log says why, and the events journaled at backup time are
// there. The backup holds no canary and no master key; restores into a
// non-empty folder or from a damaged backup are refused by name.
func TestBackupKeepsErasuresErased(t *testing.T) {
	work := t.TempDir()
	data := filepath.Join(work, "data")
	s := startArgs(t, data, "--data", data, "--audit-journal-delay", "1h")
	app := s.appKey(strings.Fields(allVault)...)
	auditor := s.appKey("audit:read")
	a := s.subject(app, map[string]any{"external_id": "backup-a-zq", "email": "backup.a.zq@example.org"})
	b := s.subject(app, map[string]any{"external_id": "backup-b-zq", "email": "backup.b.zq@example.org"})
	expect(t, s.do("PUT", "/v1/subjects/"+a+"/data/user.content.prompt", app, map[string]any{"value": "backup-value-a-zq"}), 204)
	expect(t, s.do("PUT", "/v1/subjects/"+b+"/data/user.content.prompt", app, map[string]any{"value": "backup-value-b-zq"}), 204)
	fileA := s.upload(app, a, "user.content.product_image", false, bytes.Repeat([]byte("backup-file-a-zq|"), 5000))["id"].(string)
	bBytes := bytes.Repeat([]byte("backup-file-b-zq|"), 5000)
	fileB := s.upload(app, b, "user.content.product_image", false, bBytes)["id"].(string)
	readB := "/v1/subjects/" + b + "/data/user.content.prompt?purpose=essential.service"
	expect(t, s.do("GET", readB, app, nil), 200)
	wrappedA := wrappedKey(t, filepath.Join(data, "steward.db"), a)
	canaries := map[string]string{"email a": "backup.a.zq", "email b": "backup.b.zq", "value a": "backup-value-a-zq",
		"value b": "backup-value-b-zq", "file a": "backup-file-a-zq", "file b": "backup-file-b-zq", "external id": "backup-a-zq"}

	// Online backup; the master key is refused inside the backup folder.
	bk := filepath.Join(work, "backup")
	out, code := runCLI(t, "backup", "--data", data, "--to", bk, "--with-master-key", filepath.Join(bk, "master.key"))
	if code == 0 || !strings.Contains(out, "inside the backup") {
		t.Fatalf("backup with the master key inside it: exit %d\n%s", code, out)
	}
	keyCopy := filepath.Join(work, "keys", "master.key")
	_ = os.MkdirAll(filepath.Dir(keyCopy), 0o700)
	out, code = runCLI(t, "backup", "--data", data, "--to", bk, "--with-master-key", keyCopy)
	if code != 0 || !strings.Contains(out, "manifest.json") {
		t.Fatalf("backup: exit %d\n%s", code, out)
	}
	if !slices.Contains(filesUnder(t, bk), filepath.Join("audit-journal", "id")) {
		t.Fatalf("the backup lacks the audit journal: %v", filesUnder(t, bk))
	}

	expect(t, s.do("DELETE", "/v1/subjects/"+a, app, nil), 200)
	tombstones := filepath.Join(data, "erasure-tombstones")
	s.stop()

	// G1: nothing personal and no master key in the backup.
	scanFolder(t, bk, canaries)
	master, _ := os.ReadFile(filepath.Join(data, "master.key"))
	for _, f := range filesUnder(t, bk) {
		raw, _ := os.ReadFile(filepath.Join(bk, f))
		if len(master) > 0 && bytes.Contains(raw, bytes.TrimSpace(master)) || strings.Contains(f, "master") || strings.Contains(f, "tombstone") {
			t.Errorf("the backup holds the master key or tombstones: %s", f)
		}
	}

	// A non-empty folder is refused.
	busy := filepath.Join(work, "busy")
	_ = os.MkdirAll(busy, 0o700)
	_ = os.WriteFile(filepath.Join(busy, "something"), []byte("x"), 0o600)
	out, code = runCLI(t, "restore", "--from", bk, "--data", busy, "--master-key", keyCopy, "--tombstones", tombstones)
	if code == 0 || !strings.Contains(out, "not empty") || !strings.Contains(out, "something") {
		t.Fatalf("restore into a non-empty folder: exit %d\n%s", code, out)
	}
	// A damaged file is refused by name and nothing stays restored.
	damaged := filepath.Join(work, "damaged")
	copyTree(t, bk, damaged)
	victim := ""
	for _, f := range filesUnder(t, damaged) {
		if strings.HasPrefix(f, "files"+string(filepath.Separator)) {
			victim = f
			raw, _ := os.ReadFile(filepath.Join(damaged, f))
			raw[len(raw)/2] ^= 1
			_ = os.WriteFile(filepath.Join(damaged, f), raw, 0o600)
			break
		}
	}
	bad := filepath.Join(work, "bad")
	out, code = runCLI(t, "restore", "--from", damaged, "--data", bad, "--master-key", keyCopy, "--tombstones", tombstones)
	if code == 0 || !strings.Contains(out, filepath.ToSlash(victim)) {
		t.Fatalf("restore of a damaged backup (%s): exit %d\n%s", victim, code, out)
	}
	if left := filesUnder(t, bad); len(left) != 0 {
		t.Errorf("a refused restore left %v", left)
	}
	// Without a tombstone file the restore is refused.
	out, code = runCLI(t, "restore", "--from", bk, "--data", filepath.Join(work, "none"), "--master-key", keyCopy)
	if code == 0 || !strings.Contains(out, "no tombstone file") {
		t.Fatalf("restore without tombstones: exit %d\n%s", code, out)
	}

	restored := filepath.Join(work, "restored")
	out, code = runCLI(t, "restore", "--from", bk, "--data", restored, "--master-key", keyCopy, "--tombstones", tombstones)
	if code != 0 || !strings.Contains(out, "replayed 1 erasure") {
		t.Fatalf("restore: exit %d\n%s", code, out)
	}
	r := startArgs(t, restored, "--data", restored, "--tombstones", tombstones)
	// The read journaled (not yet in the database) when the backup ran came along.
	if reads := r.auditEvents(auditor, "?subject="+b+"&action=record.read"); len(reads) != 1 {
		t.Errorf("%d record.read events of B after restore; want the 1 journaled before the backup", len(reads))
	}
	expect(t, r.do("GET", "/v1/subjects/"+a, app, nil), 404)
	expect(t, r.do("GET", "/v1/subjects/"+a+"/data/user.content.prompt?purpose=essential.service", app, nil), 404)
	expect(t, r.do("GET", "/v1/files/"+fileA+"?purpose=essential.service", app, nil), 404)
	got := r.do("GET", readB, app, nil)
	expect(t, got, 200)
	if !strings.Contains(string(got.Body), "backup-value-b-zq") {
		t.Errorf("B's record after restore: %s", got.Body)
	}
	dl := r.do("GET", "/v1/files/"+fileB+"?purpose=essential.service", app, nil)
	expect(t, dl, 200)
	if !bytes.Equal(dl.Body, bBytes) {
		t.Errorf("B's file after restore: %d bytes, want %d", len(dl.Body), len(bBytes))
	}
	replays := r.auditEvents(auditor, "?subject="+a+"&action=subject.erase")
	found := false
	for _, e := range replays {
		if e["actor"] == "system:tombstone_replay" && strings.Contains(stringOf(e["reasons"]), "tombstone_replay") {
			found = true
		}
	}
	if !found {
		t.Errorf("no audited replay of A's erasure: %v", replays)
	}
	vr := r.do("GET", "/v1/audit/verify", auditor, nil)
	expect(t, vr, 200)
	if vr.JSON(t)["ok"] != true {
		t.Errorf("audit verify after restore: %s", vr.Body)
	}
	r.stop()
	// A's data key is gone from every file of the restored folder.
	for _, f := range filesUnder(t, restored) {
		raw, _ := os.ReadFile(filepath.Join(restored, f))
		if bytes.Contains(raw, wrappedA) {
			t.Errorf("A's wrapped data key survives in %s", f)
		}
	}
}

func stringOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	for _, f := range filesUnder(t, from) {
		raw, err := os.ReadFile(filepath.Join(from, f))
		if err != nil {
			t.Fatal(err)
		}
		_ = os.MkdirAll(filepath.Dir(filepath.Join(to, f)), 0o700)
		if err := os.WriteFile(filepath.Join(to, f), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// slowBody yields n bytes in small pieces, then blocks until released: an
// upload the server is in the middle of when it is killed.
type slowBody struct {
	left    int
	release chan struct{}
}

func (b *slowBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		<-b.release
		return 0, io.ErrUnexpectedEOF
	}
	n := min(len(p), 64<<10, b.left)
	for i := range n {
		p[i] = 'x'
	}
	b.left -= n
	return n, nil
}

// TestCrashLeftoversRemoved: an upload in progress when the server is
// killed with SIGKILL leaves a temporary file, and a blob without a row
// stays from a crash between storing and recording; after a restart with
// a short grace period the reconciliation job removes both, keeps the real
// file, and audits the counts.
func TestCrashLeftoversRemoved(t *testing.T) {
	// Short job settings from the first start: a job's next run is stored,
	// and the killed server's leases must expire quickly.
	jobs := []string{"--job-interval", "1s", "--job-lease", "3s"}
	s := start(t, testdb.Backends()[0], jobs...)
	app := s.appKey(strings.Fields(allVault)...)
	auditor := s.appKey("audit:read")
	id := s.subject(app, map[string]any{"external_id": "leftovers"})
	real := []byte("a real file, kept")
	kept := s.upload(app, id, "user.content.product_image", false, real)["id"].(string)
	files := filepath.Join(s.Data, "files")
	blobs, _ := filepath.Glob(filepath.Join(files, "*", "files", "@*", kept))
	if len(blobs) != 1 {
		t.Fatalf("the kept file's blob: %v", blobs)
	}
	tenant, _, _ := strings.Cut(strings.TrimPrefix(blobs[0], files+string(filepath.Separator)), string(filepath.Separator))

	body := &slowBody{left: 4 << 20, release: make(chan struct{})}
	defer close(body.release)
	go func() {
		req, _ := http.NewRequest("POST", s.URL+"/v1/subjects/"+id+"/files?category=user.content.product_image", body)
		req.Header.Set("Authorization", "Bearer "+app)
		req.Header.Set("Content-Type", "application/octet-stream")
		if resp, err := http.DefaultClient.Do(req); err == nil { // the kill cuts it off
			resp.Body.Close()
		}
	}()
	var tmp []string
	for deadline := time.Now().Add(20 * time.Second); len(tmp) == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		tmp = tmpFiles(t, files)
	}
	if len(tmp) == 0 {
		t.Fatal("no temporary file appeared during the upload")
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
	if len(tmpFiles(t, files)) == 0 {
		t.Fatal("the kill left no temporary file: the test would prove nothing")
	}
	// A blob whose row never made it (the crash fell between the two).
	orphanKey := tenant + "/files/fil_orphan"
	sum := sha256.Sum256([]byte(orphanKey))
	orphan := filepath.Join(files, tenant, "files", "@"+hex.EncodeToString(sum[:1]), "fil_orphan")
	_ = os.MkdirAll(filepath.Dir(orphan), 0o700)
	if err := os.WriteFile(orphan, []byte("ciphertext without a row"), 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // older than the grace period below

	s2 := startArgs(t, s.Data, append([]string{"--data", s.Data, "--orphan-grace", "1s"}, jobs...)...)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && (len(tmpFiles(t, files)) > 0 || exists(orphan)) {
		time.Sleep(200 * time.Millisecond)
	}
	if left := tmpFiles(t, files); len(left) > 0 || exists(orphan) {
		t.Fatalf("leftovers still there after 30s: temporary %v, orphan %v\n%s", left, exists(orphan), s2.stderr)
	}
	dl := s2.do("GET", "/v1/files/"+kept+"?purpose=essential.service", app, nil)
	expect(t, dl, 200)
	if !bytes.Equal(dl.Body, real) {
		t.Error("the real file was damaged")
	}
	var ev []map[string]any
	for deadline := time.Now().Add(10 * time.Second); len(ev) == 0 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		ev = s2.auditEvents(auditor, "?action=files.reconcile")
	}
	if len(ev) != 1 || ev[0]["actor"] != "system:reconcile" || !strings.Contains(stringOf(ev[0]["reasons"]), "orphan_blobs:1") ||
		!strings.Contains(stringOf(ev[0]["reasons"]), "partial_uploads:1") {
		t.Errorf("reconcile audit events: %v\n%s", ev, s2.stderr)
	}
	if !strings.Contains(s2.stderr.String(), "crash leftovers removed") {
		t.Errorf("the removal was not logged:\n%s", s2.stderr)
	}
}

func tmpFiles(t *testing.T, dir string) []string {
	var out []string
	for _, f := range filesUnder(t, dir) {
		if strings.HasPrefix(filepath.Base(f), ".tmp-") {
			out = append(out, f)
		}
	}
	return out
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// TestErasuresReplayOnPostgres: on PostgreSQL the database is the
// operator's to back up (pg_dump); `steward backup` copies the files and
// says so. After the schema is restored from a dump older than an erasure,
// `steward erasures replay` erases the subject again: A is gone, B intact,
// the replay audited.
func TestErasuresReplayOnPostgres(t *testing.T) {
	base := os.Getenv("STEWARD_TEST_POSTGRES")
	if base == "" {
		t.Skip("STEWARD_TEST_POSTGRES not set")
	}
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed (apt-get install postgresql-client)", tool)
		}
	}
	dsn := testdb.PostgresDSN(t)
	u, _ := url.Parse(dsn)
	schema := u.Query().Get("search_path")
	work := t.TempDir()
	data := filepath.Join(work, "data")
	s := startArgs(t, data, "--data", data, "--database", dsn)
	app := s.appKey(strings.Fields(allVault)...)
	auditor := s.appKey("audit:read")
	a := s.subject(app, map[string]any{"external_id": "pg-a"})
	b := s.subject(app, map[string]any{"external_id": "pg-b"})
	expect(t, s.do("PUT", "/v1/subjects/"+b+"/data/user.content.prompt", app, map[string]any{"value": "kept"}), 204)
	fileA := s.upload(app, a, "user.content.product_image", false, []byte("file of a"))["id"].(string)

	bk := filepath.Join(work, "backup")
	out, code := runCLI(t, "backup", "--data", data, "--database", dsn, "--to", bk)
	if code != 0 || !strings.Contains(out, "database is NOT in this backup") {
		t.Fatalf("backup on PostgreSQL: exit %d\n%s", code, out)
	}
	manifest, _ := os.ReadFile(filepath.Join(bk, "manifest.json"))
	if !strings.Contains(string(manifest), `"database_included": false`) {
		t.Errorf("manifest: %s", manifest)
	}
	dump := filepath.Join(work, "db.dump")
	if out, err := exec.Command("pg_dump", "-Fc", "-n", schema, "-f", dump, base).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	expect(t, s.do("DELETE", "/v1/subjects/"+a, app, nil), 200)
	s.stop()

	// The database is lost and restored from the dump: A is back.
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pg_restore", "-d", base, dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	out, code = runCLI(t, "erasures", "replay", "--data", data, "--database", dsn)
	if code != 0 || !strings.Contains(out, "replayed 1 erasure") {
		t.Fatalf("erasures replay: exit %d\n%s", code, out)
	}
	r := startArgs(t, data, "--data", data, "--database", dsn)
	expect(t, r.do("GET", "/v1/subjects/"+a, app, nil), 404)
	expect(t, r.do("GET", "/v1/files/"+fileA+"?purpose=essential.service", app, nil), 404)
	expect(t, r.do("GET", "/v1/subjects/"+b+"/data/user.content.prompt?purpose=essential.service", app, nil), 200)
	found := false
	for _, e := range r.auditEvents(auditor, "?subject="+a+"&action=subject.erase") {
		found = found || e["actor"] == "system:tombstone_replay"
	}
	if !found {
		t.Error("the replayed erasure is not in the audit log")
	}
}
