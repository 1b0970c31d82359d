package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/steward-privacy/steward/pii"
	"github.com/steward-privacy/steward/pii/corpus"
)

// writeCounter counts the writes it receives.
type writeCounter struct {
	strings.Builder
	writes int
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.writes++
	return w.Builder.Write(p)
}

// failingReader yields text, then fails.
type failingReader struct{ r io.Reader }

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, errors.New("disk on fire")
	}
	return n, err
}

func scanCLI(stdin io.Reader, stdout io.Writer, args ...string) (int, string) {
	var errb strings.Builder
	c := &cli{ctx: context.Background(), stdin: stdin, stdout: stdout, stderr: &errb, getenv: func(string) string { return "" }}
	return c.pii(append([]string{"scan"}, args...)), errb.String()
}

// TestPIIScanBuffersOutput: findings are written through a buffer, not with
// a write (or two) each, and the output is complete JSON.
func TestPIIScanBuffersOutput(t *testing.T) {
	text := corpus.Dense(3, 64<<10)
	for _, args := range [][]string{{"--json", "-"}, {"-"}} {
		var out writeCounter
		if code, errs := scanCLI(strings.NewReader(text), &out, args...); code != 0 {
			t.Fatalf("scan %v: exit %d: %s", args, code, errs)
		}
		lines := strings.Count(out.String(), "\n")
		if args[0] == "--json" {
			var got struct{ Entities []pii.Finding }
			if err := json.Unmarshal([]byte(out.String()), &got); err != nil {
				t.Fatalf("output is not JSON: %v", err)
			}
			lines = len(got.Entities)
		}
		if lines < 1000 || out.writes > 20 {
			t.Errorf("scan %v: %d findings in %d writes; want >= 1000 findings in a few buffered writes", args, lines, out.writes)
		}
	}
}

// TestPIIScanFlushesOnError: when reading fails midway, the findings printed
// so far reach the output before the error.
func TestPIIScanFlushesOnError(t *testing.T) {
	text := corpus.Dense(3, 3<<20)
	var out writeCounter
	code, errs := scanCLI(&failingReader{strings.NewReader(text)}, &out, "--json", "-")
	if code == 0 || errs == "" {
		t.Fatalf("exit %d, stderr %q; want a failure", code, errs)
	}
	if !strings.HasPrefix(out.String(), `{"entities":[{`) {
		t.Errorf("findings before the error were not flushed: %.40q", out.String())
	}
}

// BenchmarkPIIScanCLI runs `steward pii scan --json FILE` on 4 MiB of text
// dense with findings, writing to /dev/null (a real file: every write is a
// system call, as to a pipe or terminal).
func BenchmarkPIIScanCLI(b *testing.B) {
	text := corpus.Dense(3, 4<<20)
	path := b.TempDir() + "/dense.txt"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		b.Fatal(err)
	}
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer null.Close()
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if code, errs := scanCLI(nil, null, "--json", path); code != 0 {
			b.Fatalf("exit %d: %s", code, errs)
		}
	}
}

// BenchmarkPIIScanInProcess is the same scan in process (ScanReader over the
// same text, findings counted), the reference for BenchmarkPIIScanCLI.
func BenchmarkPIIScanInProcess(b *testing.B) {
	text := corpus.Dense(3, 4<<20)
	s, err := pii.New()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		if err := s.ScanReader(strings.NewReader(text), func(pii.Finding) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
