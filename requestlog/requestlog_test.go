package requestlog_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/requestlog"
)

func TestWriteAndPurge(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
		w := requestlog.New(db, requestlog.Options{Flush: time.Hour})
		for i := range 5 {
			w.Log(steward.RequestLogEntry{At: now.Add(time.Duration(i) * time.Hour), Method: "GET", Route: "GET /v1/whoami",
				Status: 200, Latency: time.Millisecond, ClientIP: steward.TruncateIP(netip.MustParseAddr("203.0.113.77")).String(),
				UAFamily: requestlog.UAFamily("curl/8.5"), APIKeyID: "key_x"})
		}
		w.Close() // flushes
		got, err := db.RequestLog(context.Background(), 10)
		if err != nil || len(got) != 5 {
			t.Fatalf("RequestLog = %d, %v", len(got), err)
		}
		if got[0].ClientIP != "203.0.113.0" || got[0].UAFamily != "curl" || got[0].Route != "GET /v1/whoami" {
			t.Fatalf("entry = %+v", got[0])
		}
		// The purge with an injected clock: 24h retention, 26h later, the
		// first three entries (hours 0-2) are older than 24h.
		later := now.Add(26*time.Hour + time.Minute)
		if err := requestlog.Purge(db, 24*time.Hour, func() time.Time { return later })(context.Background()); err != nil {
			t.Fatal(err)
		}
		got, _ = db.RequestLog(context.Background(), 10)
		if len(got) != 2 {
			t.Fatalf("%d entries after the purge; want 2", len(got))
		}
		for _, e := range got {
			if later.Sub(e.At) > 24*time.Hour {
				t.Fatalf("an entry older than the retention survived: %v", e.At)
			}
		}
	})
}

func TestUAFamily(t *testing.T) {
	for ua, want := range map[string]string{
		"":                     "none",
		"curl/8.5.0":           "curl",
		"Go-http-client/1.1":   "go",
		"python-requests/2.31": "python",
		"Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/121.0": "browser",
		"Googlebot/2.1":                "bot",
		"MyApp/1.0 (jane@example.org)": "other",
	} {
		if got := requestlog.UAFamily(ua); got != want {
			t.Errorf("UAFamily(%q) = %q; want %q", ua, got, want)
		}
		if strings.Contains(requestlog.UAFamily(ua), "@") {
			t.Errorf("UAFamily keeps personal data")
		}
	}
}

func entry(i int) steward.RequestLogEntry {
	return steward.RequestLogEntry{At: time.Date(2026, 11, 22, 12, 0, i, 0, time.UTC), Method: "GET", Route: "GET /v1/whoami",
		Status: 200, ClientIP: "203.0.113.0", UAFamily: "curl", APIKeyID: "key_x"}
}

// TestFullBatchIsWrittenBeforeTheTimer: 1,000 waiting entries wake the
// writer although its timer is an hour away.
func TestFullBatchIsWrittenBeforeTheTimer(t *testing.T) {
	db := testdb.SQLite(t)
	w := requestlog.New(db, requestlog.Options{Flush: time.Hour})
	defer w.Close()
	for i := range 1000 {
		w.Log(entry(i))
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := db.RequestLog(context.Background(), 2000)
		if err == nil && len(got) == 1000 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d entries written 5 s after a full batch, %v", len(got), err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestOverflowIsDroppedAndCounted: past the buffer, entries are dropped
// (and counted) rather than blocking the request; after Close too.
func TestOverflowIsDroppedAndCounted(t *testing.T) {
	db := testdb.SQLite(t)
	reg := prometheus.NewRegistry()
	w := requestlog.New(db, requestlog.Options{Flush: time.Hour, Buffer: 10, Registry: reg})
	for i := range 15 {
		w.Log(entry(i))
	}
	w.Close()
	w.Log(entry(99))
	got, _ := db.RequestLog(context.Background(), 100)
	if len(got) != 10 {
		t.Fatalf("%d entries stored, want the buffer's 10", len(got))
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "steward_request_log_dropped_total" {
			if v := mf.GetMetric()[0].GetCounter().GetValue(); v != 6 {
				t.Fatalf("dropped counter = %v, want 6", v)
			}
			return
		}
	}
	t.Fatal("no dropped counter")
}
