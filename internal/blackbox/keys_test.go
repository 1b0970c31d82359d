package blackbox

import (
	"fmt"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/steward-privacy/steward/internal/testdb"
)

// TestKeyRotationWhileServing rotates the tenant keys and then the master
// key with `steward keys rotate` while the server answers reads: no read
// fails, progress is shown, old versions are destroyed, and a restarted
// server still opens its audit signing key and verifies its chain.
func TestKeyRotationWhileServing(t *testing.T) {
	s := start(t, testdb.Backends()[0])
	rotationWhileServing(t, s, func(args ...string) *exec.Cmd {
		return exec.Command(binary, append([]string{"keys", "rotate", "--data", s.Data}, args...)...)
	}, func() *server { return startArgs(t, s.Data, "--data", s.Data) })
}

// rotationWhileServing rotates a tenant key and the master key with the
// CLI (cli builds the command) while s serves reads, then checks that
// nothing failed and that a restarted server (restart) reads everything.
func rotationWhileServing(t *testing.T, s *server, cli func(args ...string) *exec.Cmd, restart func() *server) {
	key := s.appKey(strings.Fields(allVault)...)
	var ids []string
	for i := range 20 {
		id := s.subject(key, map[string]any{"external_id": fmt.Sprint("r", i)})
		expect(t, s.do("PUT", "/v1/subjects/"+id+"/data/user.contact.email", key, map[string]any{"value": fmt.Sprintf("r%d@example.org", i)}), 204)
		ids = append(ids, id)
	}
	stop := make(chan struct{})
	var reads, failures atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			r := s.do("GET", "/v1/subjects/"+ids[i%len(ids)]+"/data/user.contact.email?purpose=essential.service", key, nil)
			reads.Add(1)
			if r.Status != 200 {
				failures.Add(1)
				t.Errorf("read during rotation: %d %s", r.Status, r.Body)
			}
		}
	}()
	run := func(args ...string) string {
		out, err := cli(args...).CombinedOutput()
		if err != nil {
			t.Fatalf("keys rotate %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	out := run("--grace", "0s")
	if !strings.Contains(out, "version 2, done") || !strings.Contains(out, "destroyed old versions [1]") {
		t.Fatalf("tenant rotation output:\n%s", out)
	}
	out = run("--master")
	// The audit signing key is rewrapped too, so nothing keeps version 1.
	if !strings.Contains(out, "master key: version 2, done") || !strings.Contains(out, "master key: destroyed old versions [1]") {
		t.Fatalf("master rotation output:\n%s", out)
	}
	close(stop)
	<-done
	if reads.Load() == 0 || failures.Load() != 0 {
		t.Fatalf("%d reads, %d failures", reads.Load(), failures.Load())
	}
	// New writes and reads after both rotations.
	id := s.subject(key, map[string]any{"external_id": "after"})
	expect(t, s.do("PUT", "/v1/subjects/"+id+"/data/user.contact.email", key, map[string]any{"value": "after@example.org"}), 204)
	expect(t, s.do("GET", "/v1/subjects/"+id+"/data/user.contact.email?purpose=essential.service", key, nil), 200)
	// A restarted server (no cached keys) reads everything.
	s.stop()
	s2 := restart()
	for _, id := range append(ids, id) {
		expect(t, s2.do("GET", "/v1/subjects/"+id+"/data/user.contact.email?purpose=essential.service", key, nil), 200)
	}
	if v := s2.do("GET", "/v1/audit/verify", s.Key, nil); v.Status != 200 || v.JSON(t)["ok"] != true {
		t.Fatalf("audit verify after master rotation: %d %s", v.Status, v.Body)
	}
	// The API starts a rotation and reports its progress.
	r := s2.do("POST", "/v1/keys/rotate", s.Key, map[string]any{"key": "tenant"})
	expect(t, r, 202)
	expect(t, s2.do("POST", "/v1/keys/rotate", s.Key, map[string]any{"key": "bogus"}), 400)
	st := s2.do("GET", "/v1/keys/rotation", s.Key, nil)
	expect(t, st, 200)
	if st.JSON(t)["kind"] != "tenant" {
		t.Fatalf("rotation status: %s", st.Body)
	}
}
