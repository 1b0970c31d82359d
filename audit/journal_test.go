package audit_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/audit"
	"github.com/steward-privacy/steward/crypt"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/sqlite"
)

// openJournaled replaces the fixture's log by one with a journal in dir.
func (f *fixture) openJournaled(tb testing.TB, dir string, delay time.Duration) *audit.Log {
	tb.Helper()
	f.log.Close()
	signer, err := audit.OpenSigner(context.Background(), f.db, f.wrapper, f.clock.Now)
	if err != nil {
		tb.Fatal(err)
	}
	l, err := audit.Open(context.Background(), f.db, signer, audit.Options{Every: 10, Now: f.clock.Now,
		Journal: dir, JournalDelay: delay})
	if err != nil {
		tb.Fatal(err)
	}
	f.log = l
	tb.Cleanup(func() { l.Close() })
	return l
}

// storedEvents returns how many events of the fixture's tenant the store holds.
func (f *fixture) storedEvents(tb testing.TB) int64 {
	tb.Helper()
	h, err := f.db.AuditHead(context.Background(), f.tenant)
	if err != nil {
		tb.Fatal(err)
	}
	return h.Seq
}

// journalFiles lists the journal's generation files.
func journalFiles(tb testing.TB, dir string) []string {
	tb.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.journal"))
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// TestJournalAppends: journaled appends return before they are chained,
// reach the store within the delay, in order, with checkpoints, and Close
// leaves no journal file behind.
func TestJournalAppends(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		f := newFixture(t, b.Open(t), 10)
		dir := filepath.Join(t.TempDir(), "journal")
		l := f.openJournaled(t, dir, 20*time.Millisecond)
		ctx := context.Background()

		const callers, each = 32, 25
		appendConcurrently(t, l, callers, each, func(c, i int) *steward.AuditEvent { return f.event(c*each + i) })
		// Every event is durable in the journal now; the store gets them
		// within the delay without any further append.
		deadline := time.Now().Add(5 * time.Second)
		for f.storedEvents(t) != callers*each {
			if time.Now().After(deadline) {
				t.Fatalf("store holds %d of %d events after 5 s", f.storedEvents(t), callers*each)
			}
			time.Sleep(5 * time.Millisecond)
		}

		// A chained append comes after every journaled one and reports its
		// sequence number.
		for i := range 5 {
			if err := l.Append(ctx, f.event(i)); err != nil {
				t.Fatal(err)
			}
		}
		e := f.event(99)
		e.Action = steward.ActionSubjectErase
		if err := l.AppendChained(ctx, e); err != nil {
			t.Fatal(err)
		}
		if want := int64(callers*each + 6); e.Seq != want || len(e.Hash) != audit.HashSize {
			t.Fatalf("chained event seq %d, want %d", e.Seq, want)
		}

		r := f.verify(t, audit.VerifyOptions{})
		if !r.OK || r.Events != callers*each+6 {
			t.Fatalf("verify: %+v", r)
		}
		l.Close()
		if files := journalFiles(t, dir); len(files) != 0 {
			t.Fatalf("journal files left after Close: %v", files)
		}
	})
}

// TestJournalSync: Events, Verify and Export see journaled events at once.
func TestJournalSync(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t), 10)
	l := f.openJournaled(t, filepath.Join(t.TempDir(), "journal"), time.Hour)
	ctx := context.Background()
	for i := range 3 {
		if err := l.Append(ctx, f.event(i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.storedEvents(t); n != 0 {
		t.Fatalf("store holds %d events before the delay; the test needs them journaled only", n)
	}
	got, err := l.Events(ctx, steward.AuditFilter{TenantID: f.tenant})
	if err != nil || len(got) != 3 {
		t.Fatalf("Events = %d events, %v; want 3", len(got), err)
	}
}

// TestJournalIsExclusive: a second log cannot open a journal in use.
func TestJournalIsExclusive(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t), 10)
	dir := filepath.Join(t.TempDir(), "journal")
	f.openJournaled(t, dir, time.Hour)
	signer, err := audit.OpenSigner(context.Background(), f.db, f.wrapper, f.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	_, err = audit.Open(context.Background(), f.db, signer, audit.Options{Journal: dir})
	if err == nil || !strings.Contains(err.Error(), "in use by another steward process") {
		t.Fatalf("second Open = %v", err)
	}
}

// The crash tests run a child process (this test binary) that journals
// events and is killed with SIGKILL before it stores them; the parent then
// opens the log on the same database and journal.
const crashChildEnv = "STEWARD_AUDIT_CRASH_CHILD"

type crashSetup struct {
	f       *fixture
	dbPath  string
	journal string
	key     crypt.Secret
}

func newCrashSetup(t *testing.T) *crashSetup {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "steward.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	key, err := crypt.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	// The fixture's wrapper is made from key, which the child gets too, so
	// that both open the same checkpoint signing key.
	c := newClock()
	tn := &steward.Tenant{Name: "acme", HomeRegion: "eu", CreatedAt: c.Now()}
	if err := db.CreateTenant(context.Background(), tn); err != nil {
		t.Fatal(err)
	}
	w := &wrapper{k: crypt.MustKey(1, key)}
	signer, err := audit.OpenSigner(context.Background(), db, w, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	l := audit.New(db, signer, audit.Options{Every: 10, Now: c.Now})
	t.Cleanup(func() { l.Close() })
	f := &fixture{db: db, log: l, tenant: tn.ID, clock: c, wrapper: w}
	return &crashSetup{f: f, dbPath: path, journal: filepath.Join(dir, "journal"), key: key}
}

// runChild runs the child in mode, which journals n events and then dies.
func (c *crashSetup) runChild(t *testing.T, mode string, n int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestJournalCrashChild$", "-test.v")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+strings.Join([]string{mode, strconv.Itoa(n), c.dbPath, c.journal,
		c.f.tenant, hex.EncodeToString(c.key)}, ","))
	out, err := cmd.CombinedOutput()
	if !strings.Contains(string(out), "child: journaled") {
		t.Fatalf("child did not journal its events (%v):\n%s", err, out)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child was not killed: %v\n%s", cmd.ProcessState, out)
	}
}

// TestJournalCrashChild is the child process of the crash tests.
func TestJournalCrashChild(t *testing.T) {
	arg := os.Getenv(crashChildEnv)
	if arg == "" {
		t.Skip("run by the crash tests")
	}
	p := strings.Split(arg, ",")
	mode, path, dir, tenant := p[0], p[2], p[3], p[4]
	n, _ := strconv.Atoi(p[1])
	raw, _ := hex.DecodeString(p[5])
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	w := &wrapper{k: crypt.MustKey(1, crypt.Secret(raw))}
	signer, err := audit.OpenSigner(ctx, db, w, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	l, err := audit.Open(ctx, db, signer, audit.Options{Every: 10, Journal: dir, JournalDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{tenant: tenant}
	for i := range n {
		if err := l.Append(ctx, f.event(i)); err != nil {
			t.Fatal(err)
		}
	}
	switch mode {
	case "journaled": // die with every event in the journal only
	case "stored": // store them, then put the stored journal file back, as if
		// the process died between the commit and the file's removal
		files, _ := filepath.Glob(filepath.Join(dir, "*.journal"))
		saved := map[string][]byte{}
		for _, name := range files {
			saved[name], _ = os.ReadFile(name)
		}
		if err := l.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		for name, b := range saved {
			if err := os.WriteFile(name, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	fmt.Println("child: journaled")
	os.Stdout.Sync()
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

// reopen opens the parent's log on the crashed journal (replaying it).
func (c *crashSetup) reopen(t *testing.T) (*audit.Log, error) {
	t.Helper()
	signer, err := audit.OpenSigner(context.Background(), c.f.db, c.f.wrapper, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	l, err := audit.Open(context.Background(), c.f.db, signer, audit.Options{Every: 10, Journal: c.journal})
	if err == nil {
		c.f.log.Close()
		c.f.log = l
		t.Cleanup(func() { l.Close() })
	}
	return l, err
}

// crash runs a child in mode with n events and checks what it left: stored
// events in the database and journal files.
func crash(t *testing.T, mode string, n int, stored int64) *crashSetup {
	t.Helper()
	c := newCrashSetup(t)
	c.f.log.Close()
	c.runChild(t, mode, n)
	if got := c.f.storedEvents(t); got != stored {
		t.Fatalf("store holds %d events after the child, want %d", got, stored)
	}
	if len(journalFiles(t, c.journal)) == 0 {
		t.Fatal("the child left no journal file")
	}
	return c
}

func TestJournalReplaysAfterCrash(t *testing.T) {
	c := crash(t, "journaled", 57, 0)
	if _, err := c.reopen(t); err != nil {
		t.Fatal(err)
	}
	r := c.f.verify(t, audit.VerifyOptions{})
	if !r.OK || r.Events != 57 {
		t.Fatalf("after replay: %+v, want 57 events", r)
	}
	// The replayed events are the child's, in order.
	var ids []string
	err := c.f.db.ScanAudit(context.Background(), c.f.tenant, 0, func(e *steward.AuditEvent) error {
		ids = append(ids, e.RequestID)
		return nil
	})
	if err != nil || len(ids) != 57 || ids[0] != "req0000" || ids[56] != "req0056" || !slices.IsSorted(ids) {
		t.Fatalf("replayed request ids %v, %v", ids, err)
	}
	if files := journalFiles(t, c.journal); len(files) != 1 {
		t.Fatalf("after replay the journal holds %v, want only the new generation", files)
	}
}

func TestJournalReplaySkipsStoredFiles(t *testing.T) {
	c := crash(t, "stored", 23, 23)
	if _, err := c.reopen(t); err != nil {
		t.Fatal(err)
	}
	if r := c.f.verify(t, audit.VerifyOptions{}); !r.OK || r.Events != 23 {
		t.Fatalf("after replay: %+v, want the 23 events once", r)
	}
}

func TestJournalTornAndDamagedFiles(t *testing.T) {
	c := crash(t, "journaled", 12, 0)
	files := journalFiles(t, c.journal)
	if len(files) != 1 {
		t.Fatalf("journal files %v", files)
	}
	good, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}

	// A byte flipped inside an event that is not the last: refuse to
	// start, store nothing, keep the file.
	bad := slices.Clone(good)
	bad[20] ^= 0x40
	if err := os.WriteFile(files[0], bad, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := c.reopen(t); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Fatalf("reopen with a damaged journal = %v", err)
	}
	if n := c.f.storedEvents(t); n != 0 {
		t.Fatalf("a damaged journal stored %d events", n)
	}

	// A last write cut short (the machine crashed mid-write): the whole
	// events before it are stored.
	torn := append(slices.Clone(good), good[:30]...)
	if err := os.WriteFile(files[0], torn, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := c.reopen(t); err != nil {
		t.Fatal(err)
	}
	if r := c.f.verify(t, audit.VerifyOptions{}); !r.OK || r.Events != 12 {
		t.Fatalf("after replaying a torn journal: %+v, want 12 events", r)
	}
}

// TestJournalWriteFailureStoresDirectly: when the journal cannot be
// written, an append is stored in the chain directly instead of failing
// or being lost, after the events journaled before it.
func TestJournalWriteFailureStoresDirectly(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t), 10)
	l := f.openJournaled(t, filepath.Join(t.TempDir(), "journal"), time.Hour)
	ctx := context.Background()
	first := f.event(1)
	if err := l.Append(ctx, first); err != nil || first.Seq != 0 {
		t.Fatalf("journaled append: seq %d, %v", first.Seq, err)
	}
	audit.BreakJournal(l)
	second := f.event(2)
	if err := l.Append(ctx, second); err != nil {
		t.Fatalf("append with a failing journal: %v", err)
	}
	if second.Seq != 2 {
		t.Fatalf("the fallback stored the event at seq %d, want 2 (after the journaled one)", second.Seq)
	}
	if !audit.JournalFailing(l) {
		t.Fatal("the failure was not noted")
	}
	if r := f.verify(t, audit.VerifyOptions{}); !r.OK || r.Events != 2 {
		t.Fatalf("verify: %+v", r)
	}
}

// TestSyncedJournalRecoversFromAFailedFile: with Options.JournalSync, a
// journal file that fails is left like any other (rotation does not give
// up when its sync fails, which had failed every append after it, the
// fallback's too), and once the next file takes writes appends go back to
// the journal and the failure is no longer noted.
func TestSyncedJournalRecoversFromAFailedFile(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t), 10)
	f.log.Close()
	l := f.openReplicaLog(t, filepath.Join(t.TempDir(), "journal"))
	ctx := context.Background()
	if err := l.Append(ctx, f.event(0)); err != nil {
		t.Fatal(err)
	}
	audit.BreakJournal(l)
	if err := l.Append(ctx, f.event(1)); err != nil || !audit.JournalFailing(l) {
		t.Fatalf("append with a failing journal: %v, failure noted %v", err, audit.JournalFailing(l))
	}
	// The storer moves to a new file within the journal delay (10 ms).
	deadline := time.Now().Add(5 * time.Second)
	for i := 2; audit.JournalFailing(l); i++ {
		if time.Now().After(deadline) {
			t.Fatal("appends never went back to the journal")
		}
		time.Sleep(20 * time.Millisecond)
		if err := l.Append(ctx, f.event(i)); err != nil {
			t.Fatal(err)
		}
	}
	if written, synced := audit.JournalWrites(l); synced != written {
		t.Fatalf("journal writes %d, synced %d", written, synced)
	}
}
