package sqlstore

import (
	"testing"
	"time"

	"github.com/steward-privacy/steward"
)

// TestFillAfterEvictionIsDropped: rows read before an eviction are never
// stored after it.
func TestFillAfterEvictionIsDropped(t *testing.T) {
	c := &subjectCache{ttl: time.Hour, max: 10, now: time.Now, m: map[subjectKey]*cachedSubject{}}
	s := &steward.Subject{TenantID: "t", ID: "s"}
	mark := c.evicted.Load()
	c.evict("t", "other") // any eviction in between, even of another subject
	c.fill(mark, s, "cat", &steward.Record{Sealed: []byte("old")})
	if _, _, ok := c.get("t", "s", "cat"); ok {
		t.Fatal("a fill that raced with an eviction was stored")
	}
	c.fill(c.evicted.Load(), s, "cat", &steward.Record{Sealed: []byte("new")})
	if _, r, ok := c.get("t", "s", "cat"); !ok || string(r.Sealed) != "new" {
		t.Fatal("a fill without eviction was not stored")
	}
}

// TestCacheIsBounded: past max subjects the cache starts over.
func TestCacheIsBounded(t *testing.T) {
	c := &subjectCache{ttl: time.Hour, max: 3, now: time.Now, m: map[subjectKey]*cachedSubject{}}
	for i := range 10 {
		c.fill(c.evicted.Load(), &steward.Subject{TenantID: "t", ID: string(rune('a' + i))}, "cat", nil)
		if len(c.m) > 3 {
			t.Fatalf("%d entries, max 3", len(c.m))
		}
	}
}
