// Package settle helps group commit: before a committer takes its queue, it
// lets the goroutines that are runnable (typically the callers its last
// commit released) add their next items, which makes batches far larger
// at no cost when idle.
package settle

import "runtime"

// Queue yields to runnable goroutines until size (the queue's length)
// stops growing, a few rounds at most.
func Queue(size func() int) {
	n := -1
	for range 4 {
		m := size()
		if m == n {
			return
		}
		n = m
		runtime.Gosched()
	}
}
