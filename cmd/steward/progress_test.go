package main

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/steward-privacy/steward/vault"
)

// rotationSteps is a tenant rotation of 1000 keys as the vault reports it.
var rotationSteps = []vault.Progress{
	{Kind: "tenant", TenantID: "ten_a", Version: 2, Total: 1000},
	{Kind: "tenant", TenantID: "ten_a", Version: 2, Total: 1000, Done: 500},
	{Kind: "tenant", TenantID: "ten_a", Version: 2, Total: 1000, Done: 1000},
	{Kind: "tenant", TenantID: "ten_a", Version: 2, Total: 1000, Done: 1000, Finished: true, Retired: []uint32{1}},
}

func showRotation(tty bool) string {
	var out bytes.Buffer
	c := &cli{tty: func(io.Writer) bool { return tty }}
	v := c.newRotationView(&out)
	for _, p := range rotationSteps {
		v.show(p)
	}
	return out.String()
}

// TestRotationPlainLines: off a terminal, every step is one plain line, the
// format scripts and the black-box tests read.
func TestRotationPlainLines(t *testing.T) {
	got := regexp.MustCompile(`\(\d+(\.\d+)?[µnm]?s\)`).ReplaceAllString(showRotation(false), "(T)")
	want := `tenant ten_a: version 2, rewrapping 0/1000 keys (T)
tenant ten_a: version 2, rewrapping 500/1000 keys (T)
tenant ten_a: version 2, rewrapping 1000/1000 keys (T)
tenant ten_a: version 2, done 1000/1000 keys (T)
tenant ten_a: destroyed old versions [1]
`
	if got != want {
		t.Errorf("plain progress:\n%s\nwant:\n%s", got, want)
	}
}

// TestRotationBar: on a terminal the steps draw a bar (no plain step
// lines), and the closing lines follow it.
func TestRotationBar(t *testing.T) {
	got := showRotation(true)
	if !strings.Contains(got, "tenant ten_a: version 2, rewrapping") || !strings.Contains(got, "100%") ||
		strings.Contains(got, "rewrapping 500/1000 keys") {
		t.Errorf("terminal progress is not a bar:\n%q", got)
	}
	if !strings.Contains(got, "tenant ten_a: version 2, done 1000/1000 keys") ||
		!strings.HasSuffix(got, "tenant ten_a: destroyed old versions [1]\n") {
		t.Errorf("terminal progress lacks the closing lines:\n%q", got)
	}
}
