package filelock_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/steward-privacy/steward/internal/filelock"
)

func TestExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	a, err := filelock.Acquire(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := filelock.Acquire(path); !errors.Is(err, filelock.ErrLocked) {
		t.Fatalf("second Acquire = %v, want ErrLocked", err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("lock file mode = %v, %v", fi.Mode(), err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := filelock.Acquire(path)
	if err != nil {
		t.Fatalf("Acquire after Close = %v", err)
	}
	b.Close()
}

// TestOtherProcess locks the file in a child process (flock(1)) and checks
// that Acquire is refused while the child holds it.
func TestOtherProcess(t *testing.T) {
	flock, err := exec.LookPath("flock")
	if err != nil {
		t.Skip("flock(1) not installed")
	}
	path := filepath.Join(t.TempDir(), "lock")
	cmd := exec.Command(flock, "-x", path, "sh", "-c", "echo held; sleep 30")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	buf := make([]byte, 5)
	if _, err := out.Read(buf); err != nil {
		t.Fatal(err)
	}
	if _, err := filelock.Acquire(path); !errors.Is(err, filelock.ErrLocked) {
		t.Fatalf("Acquire while another process holds it = %v, want ErrLocked", err)
	}
}
