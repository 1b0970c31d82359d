package audit_test

import (
	"context"
	"flag"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/audit"
	"github.com/steward-privacy/steward/internal/testdb"
)

var verifyEvents = flag.Int("audit.verify-events", 1_000_000, "chain length for BenchmarkVerify")

// benchEvent is a realistic event: one of 100,000 subjects, one of 20 API
// keys, one of 5 actions.
func benchEvent(f *fixture, r *rand.Rand) *steward.AuditEvent {
	e := f.event(int(r.IntN(1000)))
	e.SubjectID = "sub_" + strconv.Itoa(r.IntN(100_000))
	e.Actor = "api_key:key_" + strconv.Itoa(r.IntN(20))
	e.Action = [...]string{steward.ActionRecordRead, steward.ActionRecordWrite, steward.ActionFileRead,
		steward.ActionSubjectRead, steward.ActionSecretRead}[r.IntN(5)]
	return e
}

// BenchmarkAppend measures group-committed appends on SQLite from 256
// concurrent callers (b.N events in all).
func BenchmarkAppend(b *testing.B) {
	f := newFixture(b, testdb.SQLite(b), audit.DefaultEvery)
	b.SetParallelism(128) // 128 callers per core
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(rand.Uint64(), 1))
		for pb.Next() {
			if err := f.log.Append(context.Background(), benchEvent(f, r)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkVerify measures verifying a chain of -audit.verify-events events
// on SQLite (built once, outside the timer).
func BenchmarkVerify(b *testing.B) {
	f := newFixture(b, testdb.SQLite(b), audit.DefaultEvery)
	fill(b, f, *verifyEvents)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		r := f.verify(b, audit.VerifyOptions{})
		if !r.OK || r.Events != int64(*verifyEvents) {
			b.Fatalf("report: %+v", r)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/verify")
	}
	b.ReportMetric(float64(*verifyEvents), "events")
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
				if err := f.log.Append(context.Background(), benchEvent(f, r)); err != nil {
					tb.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
