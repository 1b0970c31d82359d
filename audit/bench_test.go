package audit_test

import (
	"context"
	"flag"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/audit"
	"github.com/steward-privacy/steward/internal/testdb"
)

var verifyEvents = flag.Int("audit.verify-events", 1_000_000, "chain length for BenchmarkVerify")

// Identifiers for benchEvent, made once so that the benchmark measures the
// log rather than string formatting.
var (
	benchSubjects = func() []string {
		out := make([]string, 100_000)
		for i := range out {
			out[i] = "sub_" + strconv.Itoa(i)
		}
		return out
	}()
	benchActors = func() []string {
		out := make([]string, 20)
		for i := range out {
			out[i] = "api_key:key_" + strconv.Itoa(i)
		}
		return out
	}()
	benchActions = []string{steward.ActionRecordRead, steward.ActionRecordWrite, steward.ActionFileRead,
		steward.ActionSubjectRead, steward.ActionSecretRead}
	benchCategories = []string{"user.contact.email", "user.device.ip_address"}
	benchReasons    = []string{"policy.allow"}
)

// benchEvent is a realistic event: one of 100,000 subjects, one of 20 API
// keys, one of 5 actions, all fields set.
func benchEvent(tenant string, r *rand.Rand) *steward.AuditEvent {
	return &steward.AuditEvent{TenantID: tenant, Actor: benchActors[r.IntN(len(benchActors))],
		Action: benchActions[r.IntN(len(benchActions))], SubjectID: benchSubjects[r.IntN(len(benchSubjects))],
		Categories: benchCategories, Purpose: "essential.service", Decision: steward.DecisionAllow,
		Reasons: benchReasons, RequestID: "0123456789abcdef", ClientIP: "203.0.113.0"}
}

var appendCallers = flag.Int("audit.callers", 256, "concurrent callers in BenchmarkAppend")

// BenchmarkAppend measures group-committed appends on SQLite from
// -audit.callers concurrent callers (b.N events in all).
func BenchmarkAppend(b *testing.B) {
	f := newFixture(b, testdb.SQLite(b), audit.DefaultEvery)
	start := appendInParallel(b, f, f.log)
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// appendInParallel appends b.N events to l from -audit.callers concurrent
// callers and returns when the timing started.
func appendInParallel(b *testing.B, f *fixture, l *audit.Log) time.Time {
	b.SetParallelism(max(1, *appendCallers/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(rand.Uint64(), 1))
		for pb.Next() {
			if err := l.Append(context.Background(), benchEvent(f.tenant, r)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	return start
}

// BenchmarkAppendJournaled is BenchmarkAppend with a journal (as steward
// serve on SQLite runs it): each Append returns once its event is in the
// journal; the time includes storing every event in the database (Close).
func BenchmarkAppendJournaled(b *testing.B) {
	f := newFixture(b, testdb.SQLite(b), audit.DefaultEvery)
	l := f.openJournaled(b, b.TempDir(), 0)
	start := appendInParallel(b, f, l)
	appended := time.Since(start)
	l.Close()
	b.ReportMetric(float64(b.N)/appended.Seconds(), "appends/s")
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "stored/s")
}

// BenchmarkChain builds a chain of -audit.verify-events events on SQLite
// once (100,000 subjects, 20 API keys), then measures verifying it and
// reading pages of it by filter (SQLite has no subject index: filters scan).
func BenchmarkChain(b *testing.B) {
	f := newFixture(b, testdb.SQLite(b), audit.DefaultEvery)
	fill(b, f, *verifyEvents)
	b.Run("verify", func(b *testing.B) {
		for range b.N {
			r := f.verify(b, audit.VerifyOptions{})
			if !r.OK || r.Events != int64(*verifyEvents) {
				b.Fatalf("report: %+v", r)
			}
		}
		b.ReportMetric(float64(*verifyEvents)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	for _, c := range []struct {
		name string
		f    steward.AuditFilter
	}{
		{"page", steward.AuditFilter{Limit: 100}},
		{"subject", steward.AuditFilter{SubjectID: "sub_4242", Limit: 100}},
		{"actor", steward.AuditFilter{Actor: "api_key:key_7", Limit: 100}},
		{"subject-in-last-hour", steward.AuditFilter{SubjectID: "sub_4242", Since: f.clock.Now().Add(-time.Hour), Limit: 100}},
	} {
		c.f.TenantID = f.tenant
		b.Run("filter-"+c.name, func(b *testing.B) {
			for range b.N {
				if _, err := f.log.Events(context.Background(), c.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// fill appends n events from 256 concurrent callers.
func fill(tb testing.TB, f *fixture, n int) {
	const workers = 256
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 2))
			for i := w; i < n; i += workers {
				if err := f.log.Append(context.Background(), benchEvent(f.tenant, r)); err != nil {
					tb.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// BenchmarkAppendJournaledSync is BenchmarkAppendJournaled with
// Options.JournalSync (audit_journal_sync): each Append returns once its
// event's journal write is on disk, one fdatasync shared by the appends
// waiting then. With -audit.callers 1 an append costs one fdatasync.
func BenchmarkAppendJournaledSync(b *testing.B) {
	f := newFixture(b, testdb.SQLite(b), audit.DefaultEvery)
	f.log.Close()
	l := f.openReplicaLog(b, b.TempDir())
	start := appendInParallel(b, f, l)
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "appends/s")
}
