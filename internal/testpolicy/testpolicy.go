// Package testpolicy gives the tests of the policy services what they all
// need: the starter policy with edits, an audit log in memory, a settable
// clock, and a master key file and file store in a test's folder.
package testpolicy

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/blob/local"
	"github.com/steward-privacy/steward/crypt/keyfile"
	"github.com/steward-privacy/steward/examples"
)

// KeysAndFiles opens a master key file and a local file store in a new
// temporary folder of tb.
func KeysAndFiles(tb testing.TB) (*keyfile.Provider, *local.Store) {
	tb.Helper()
	dir := tb.TempDir()
	keys, err := keyfile.Open(filepath.Join(dir, "master.key"))
	if err != nil {
		tb.Fatal(err)
	}
	files, err := local.Open(filepath.Join(dir, "files"))
	if err != nil {
		tb.Fatal(err)
	}
	return keys, files
}

// Starter returns the starter policy with edits (old → new pairs, each
// old text replaced once); it fails the test when an old text is missing.
func Starter(tb testing.TB, edits ...string) []byte {
	tb.Helper()
	b, err := examples.FS.ReadFile(examples.Starter)
	if err != nil {
		tb.Fatal(err)
	}
	s := string(b)
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(s, edits[i]) {
			tb.Fatalf("starter policy lacks %q", edits[i])
		}
		s = strings.Replace(s, edits[i], edits[i+1], 1)
	}
	return []byte(s)
}

// AuditLog records appended events in memory (a steward.AuditLog).
type AuditLog struct {
	mu     sync.Mutex
	events []*steward.AuditEvent
}

// Append validates and records a copy of e.
func (a *AuditLog) Append(_ context.Context, e *steward.AuditEvent) error {
	if err := e.Validate(); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	c := *e
	a.events = append(a.events, &c)
	return nil
}

// AppendChained is Append.
func (a *AuditLog) AppendChained(ctx context.Context, e *steward.AuditEvent) error {
	return a.Append(ctx, e)
}

// Actions returns the recorded events of an action, oldest first.
func (a *AuditLog) Actions(action string) []*steward.AuditEvent {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []*steward.AuditEvent
	for _, e := range a.events {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// Clock is a settable clock; its zero value reads the zero time.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }
