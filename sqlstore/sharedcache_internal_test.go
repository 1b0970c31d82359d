package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
)

// fakeStream is an InvalidationStream whose test drives the listener.
type fakeStream struct {
	receive func(string)
	up      func(bool)
	ready   chan struct{}
}

func (*fakeStream) NotifySQL() string { return `SELECT $1` }

func (f *fakeStream) Listen(ctx context.Context, receive func(string), up func(bool)) {
	f.receive, f.up = receive, up
	close(f.ready)
	<-ctx.Done()
}

// TestSharedCacheInvalidations: another replica's invalidation of a subject
// evicts it here, "*" evicts everything, this replica's own are skipped;
// while the listener is down entries live only the short TTL, and the
// cache is emptied when it comes back.
func TestSharedCacheInvalidations(t *testing.T) {
	db := &DB{w: &pool{}, dialect: nil}
	f := &fakeStream{ready: make(chan struct{})}
	db.CacheSubjectsShared(f, SharedCacheOptions{TTL: time.Hour, ShortTTL: 50 * time.Millisecond})
	defer db.shared.cancel()
	<-f.ready
	c := db.cache
	now := time.Now()
	c.now = func() time.Time { return now }
	fill := func(subject string) {
		c.fill(c.evicted.Load(), &steward.Subject{TenantID: "ten_a", ID: subject}, "cat", nil)
	}
	cached := func(subject string) bool {
		_, ok := c.getSubject("ten_a", subject)
		return ok
	}
	// Down at first: the short TTL.
	fill("s1")
	now = now.Add(60 * time.Millisecond)
	if cached("s1") {
		t.Fatal("an entry outlived the short TTL while the listener was down")
	}
	f.up(true)
	fill("s1")
	fill("s2")
	now = now.Add(time.Minute)
	if !cached("s1") || !cached("s2") {
		t.Fatal("entries expired within the TTL while listening")
	}
	f.receive(db.shared.origin + " ten_a/s1") // this replica's own
	if !cached("s1") {
		t.Fatal("this replica's own invalidation evicted")
	}
	c.fill(c.evicted.Load(), &steward.Subject{TenantID: "ten_a", ID: "s1"}, "other", nil)
	f.receive("other ten_a/s1/cat")
	if _, _, ok := c.get("ten_a", "s1", "cat"); ok || !cached("s1") {
		t.Fatal("another replica's invalidation of one record did not evict exactly that record")
	}
	if _, _, ok := c.get("ten_a", "s1", "other"); !ok {
		t.Fatal("another replica's invalidation of one record evicted another")
	}
	f.receive("other ten_a/s1")
	if cached("s1") || !cached("s2") {
		t.Fatal("another replica's invalidation of s1 did not evict exactly s1")
	}
	f.receive("other *")
	if cached("s2") {
		t.Fatal("* did not evict everything")
	}
	fill("s3")
	f.up(false)
	if cached("s3") {
		t.Fatal("the cache was kept when the listener went down")
	}
	fill("s3")
	now = now.Add(60 * time.Millisecond)
	if cached("s3") {
		t.Fatal("an entry outlived the short TTL after the listener went down")
	}
	f.up(true)
	fill("s4")
	now = now.Add(time.Minute)
	if !cached("s4") {
		t.Fatal("the normal TTL did not come back with the listener")
	}
}

// TestPayloadsArePacked: keys are deduplicated and packed into payloads
// under the size limit, each led by the replica's id; "*" replaces all.
func TestPayloadsArePacked(t *testing.T) {
	sc := &sharedCache{origin: "me"}
	var keys []string
	for i := range 2000 {
		keys = append(keys, "ten_abcdefgh/sub_"+string(rune('a'+i%26))+time.Duration(i).String())
	}
	keys = append(keys, keys[:10]...)
	ps := sc.payloads(keys)
	total := 0
	for _, p := range ps {
		if len(p) > maxPayload || p[:3] != "me " {
			t.Fatalf("payload of %d bytes starting %q", len(p), p[:3])
		}
		total += len(strings.Fields(p)) - 1
	}
	if len(ps) < 2 || total != 2000 {
		t.Fatalf("%d payloads carrying %d keys; want several carrying 2000", len(ps), total)
	}
	if ps := sc.payloads(append(keys, "*")); len(ps) != 1 || ps[0] != "me *" {
		t.Fatalf("with *: %v", ps)
	}
}

// TestPublisherPacesNotifications: under a steady stream of evictions the
// publisher sends at most one notification per publishGather (not one per
// round trip, as it did when it sent whatever came during the last send
// at once), and every key reaches one.
func TestPublisherPacesNotifications(t *testing.T) {
	db := &DB{w: &pool{}, dialect: nil}
	f := &fakeStream{ready: make(chan struct{})}
	db.CacheSubjectsShared(f, SharedCacheOptions{TTL: time.Hour, ShortTTL: 50 * time.Millisecond})
	<-f.ready
	var mu sync.Mutex
	var sent []string
	db.shared.send = func(_ context.Context, payload string) error {
		time.Sleep(3 * time.Millisecond) // a round trip: keys keep coming meanwhile
		mu.Lock()
		sent = append(sent, payload)
		mu.Unlock()
		return nil
	}
	const writes, every = 400, time.Millisecond
	start := time.Now()
	for i := range writes {
		db.cache.evictRecord("ten_a", fmt.Sprintf("s%d", i), "cat")
		time.Sleep(every)
	}
	elapsed := time.Since(start)
	db.shared.close() // publishes what is still queued
	mu.Lock()
	defer mu.Unlock()
	if most := int(elapsed/publishGather) + 2; len(sent) > most {
		t.Fatalf("%d notifications in %v: more than one per %v (at most %d)", len(sent), elapsed, publishGather, most)
	}
	heard := map[string]bool{}
	for _, p := range sent {
		for _, k := range strings.Fields(p)[1:] {
			heard[k] = true
		}
	}
	for i := range writes {
		if k := fmt.Sprintf("ten_a/s%d/cat", i); !heard[k] {
			t.Fatalf("eviction %s was never published (%d notifications)", k, len(sent))
		}
	}
}
