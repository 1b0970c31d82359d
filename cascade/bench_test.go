package cascade_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/steward-privacy/steward/internal/testdb"
)

// BenchmarkDeliver measures deletion webhooks delivered per second to a
// local receiver through the whole delivery path: claim, token, body,
// signature, POST, record. The tasks are created before the timer starts
// (each erasure its own task, as Start makes them).
func BenchmarkDeliver(b *testing.B) {
	for _, be := range testdb.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			f := newFixture(b, be)
			ctx := context.Background()
			r := newReceiver(b, 0)
			f.setEndpoint(b, "quill-text", r)
			f.disclose(b, "sub_b", "quill-text", "user.content.prompt")
			plan, err := f.svc.Plan(ctx, f.tenant, "sub_b")
			if err != nil {
				b.Fatal(err)
			}
			for i := range b.N {
				if _, err := f.svc.Start(ctx, f.tenant, "req_"+strconv.Itoa(i), "sub_b", plan); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			f.drain(b)
			b.StopTimer()
			if ids, _ := r.got(); len(ids) != b.N {
				b.Fatalf("%d deliveries, want %d", len(ids), b.N)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "webhooks/s")
		})
	}
}
