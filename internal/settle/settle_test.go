package settle_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/steward-privacy/steward/internal/settle"
)

func TestQueueStopsWhenStable(t *testing.T) {
	calls := 0
	settle.Queue(func() int { calls++; return 3 })
	if calls != 2 {
		t.Fatalf("size asked %d times for a stable queue, want 2", calls)
	}
	calls = 0
	settle.Queue(func() int { calls++; return calls }) // always growing
	if calls != 4 {
		t.Fatalf("size asked %d times for a growing queue, want at most 4", calls)
	}
}

// TestQueueLetsRunnableGoroutinesIn: a goroutine that is runnable when
// Queue starts gets to add its item.
func TestQueueLetsRunnableGoroutinesIn(t *testing.T) {
	var n atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); n.Add(1) }()
	settle.Queue(func() int { return int(n.Load()) })
	wg.Wait()
	if n.Load() != 1 {
		t.Fatal("the goroutine did not run")
	}
}
