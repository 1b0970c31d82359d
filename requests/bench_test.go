package requests_test

import (
	"path/filepath"
	"testing"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/requests"
	"github.com/steward-privacy/steward/sqlite"
	"github.com/steward-privacy/steward/vault"
)

// BenchmarkCreate files requests concurrently on SQLite (group commit, as
// steward serve runs it): application-verified ones, and unverified ones
// that mail a code (a fake mailer; the code's hash is stored too).
func BenchmarkCreate(b *testing.B) {
	for _, verified := range []bool{true, false} {
		name := "unverified_with_code"
		if verified {
			name = "application_verified"
		}
		b.Run(name, func(b *testing.B) {
			db, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "steward.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			f := newFixture(b, db)
			sub, err := f.v.CreateSubject(f.app(), &vaultSubject)
			if err != nil {
				b.Fatal(err)
			}
			n := requests.NewRequest{Type: steward.RequestAccess, Subject: requests.RequestSubject{ID: sub.ID}}
			if verified {
				n.VerifiedBy = steward.VerifiedByApplication
			}
			ctx := f.app()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					in := n
					if _, err := f.svc.Create(ctx, &in); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
		})
	}
}

var vaultSubject = vault.NewSubject{ExternalID: "bench", Email: "bench@example.com"}
