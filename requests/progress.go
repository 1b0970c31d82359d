package requests

import (
	"context"
	"sync"
	"time"

	"github.com/steward-privacy/steward"
)

// progressEvery is how often a running request's progress is written.
const progressEvery = time.Second

// Progress returns a callback for an executor to report how far r's work
// is (done of total units, bytes for an export package). It writes at most
// once per second, and always the first and the last report (done ==
// total), so GET /v1/requests/{id} and `steward requests show --wait` can
// follow a long build. A failed write is logged, never fatal: progress is
// a courtesy, the request's status is the truth.
func (s *Service) Progress(ctx context.Context, r *steward.RightsRequest) func(done, total int64) {
	var mu sync.Mutex
	var last time.Time
	return func(done, total int64) {
		mu.Lock()
		defer mu.Unlock()
		now := s.now()
		if !last.IsZero() && now.Sub(last) < progressEvery && done < total {
			return
		}
		last = now
		p := steward.RequestProgress{Done: done, Total: total, At: now.UTC()}
		if err := s.store.SetRequestProgress(context.WithoutCancel(ctx), r.TenantID, r.ID, p); err != nil {
			s.log.Warn("request progress", "request", r.ID, "error_code", steward.ErrorCode(err))
		}
	}
}
