package ratelimit

import (
	"testing"
	"time"
)

func TestBucket(t *testing.T) {
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	l := New(2, 3, func() time.Time { return now })
	for i := range 3 {
		if ok, _ := l.Allow("k"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := l.Allow("k")
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("over the burst: ok=%v wait=%v; want refused with a wait of at most 0.5s", ok, wait)
	}
	if ok, _ := l.Allow("other"); !ok {
		t.Fatal("another key shares the bucket")
	}
	now = now.Add(500 * time.Millisecond)
	if ok, _ := l.Allow("k"); !ok {
		t.Fatal("no token after the refill interval")
	}
	now = now.Add(idleAfter + time.Minute)
	l.Allow("k")
	if l.Len() != 1 {
		t.Fatalf("idle buckets kept: %d", l.Len())
	}
}

func TestNilAllowsAll(t *testing.T) {
	l := New(0, 0, nil)
	if ok, _ := l.Allow("x"); !ok || l != nil {
		t.Fatal("a zero rate must mean no limit")
	}
}
