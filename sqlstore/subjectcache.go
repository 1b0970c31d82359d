package sqlstore

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/steward-privacy/steward"
)

// subjectCache keeps the sealed rows SubjectRecord reads (a subject's
// state and wrapped data key, and its sealed records by category) and its
// consent state (ConsentState: current consents and GPC signal), so that
// a purpose-checked read on a single server does not query SQLite. It holds
// ciphertext and wrapped keys only, in memory; decryption still needs the
// tenant key.
//
// It is correct only while this process is the database's only writer of
// subjects and records, which CacheSubjects's caller must ensure (steward
// serve on SQLite holds the data folder's lock). Within the process every
// write through the writer pool or a transaction empties the cache unless
// the method that makes it says why it cannot change a cached row (keep
// variants) or evicts exactly the subject it changed; so a new write path is
// safe by default. The TTL bounds what another process could still change
// without the cache knowing: `steward keys rotate` rewraps data keys in the
// database, and destroys the old key versions only after vault.RetireGrace,
// which is longer.
//
// A fill races with writes: it notes the eviction counter before it
// queries and stores its rows only if no eviction happened since, so rows
// read before a write can never be stored after the write's eviction.
type subjectCache struct {
	ttl     time.Duration
	max     int
	now     func() time.Time
	evicted atomic.Uint64 // counts evictions; see fill
	// With replicas (sharedcache.go): published tells the other replicas
	// about a local eviction (key "tenant/subject", "tenant/subject/
	// category" for one record, or "*" for everything);
	// shortTTL, when set, replaces ttl while invalidations may be missed.
	published func(key string)
	shortTTL  atomic.Int64 // nanoseconds; 0: ttl

	mu sync.RWMutex
	m  map[subjectKey]*cachedSubject
}

type subjectKey struct{ tenant, subject string }

type cachedSubject struct {
	subject  steward.Subject
	records  map[string]*steward.Record // by category; nil value: no record
	consents *steward.ConsentState      // nil: not cached; shared, never changed
	until    time.Time
}

// maxCachedSubjects bounds the cache; past it, it starts over.
const maxCachedSubjects = 50_000

// CacheSubjects turns on the cache of sealed subject rows for
// SubjectRecord, with entries trusted for ttl. Call it only when no other
// process writes subjects or records to this database (one steward serve
// on SQLite); never with PostgreSQL replicas.
func (db *DB) CacheSubjects(ttl time.Duration) {
	db.cache = &subjectCache{ttl: ttl, max: maxCachedSubjects, now: time.Now, m: map[subjectKey]*cachedSubject{}}
	db.w.written = db.cache.clear
}

// get returns copies of the cached subject and its record of category
// (nil: the subject has none); ok is false on a miss.
func (c *subjectCache) get(tenant, subject, category string) (s *steward.Subject, r *steward.Record, ok bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e := c.m[subjectKey{tenant, subject}]
	if e == nil || !c.now().Before(e.until) {
		return nil, nil, false // an expired entry is replaced by the next fill
	}
	rec, ok := e.records[category]
	if !ok {
		return nil, nil, false
	}
	sc := e.subject
	if rec != nil {
		rc := *rec
		rec = &rc
	}
	return &sc, rec, true
}

// getSubject returns a copy of the cached subject, whatever records are
// cached with it.
func (c *subjectCache) getSubject(tenant, subject string) (*steward.Subject, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e := c.m[subjectKey{tenant, subject}]
	if e == nil || !c.now().Before(e.until) {
		return nil, false
	}
	sc := e.subject
	return &sc, true
}

// fillSubject stores a subject row (no record) read after the eviction
// counter was at mark.
func (c *subjectCache) fillSubject(mark uint64, s *steward.Subject) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.evicted.Load() == mark {
		c.entry(s)
	}
}

// entry returns the valid entry of s's subject, making one from s if there
// is none; c.mu must be held.
func (c *subjectCache) entry(s *steward.Subject) *cachedSubject {
	k := subjectKey{s.TenantID, s.ID}
	e := c.m[k]
	if e == nil || !c.now().Before(e.until) {
		if len(c.m) >= c.max {
			clear(c.m)
		}
		e = &cachedSubject{subject: *s, records: map[string]*steward.Record{}, until: c.now().Add(c.lifetime())}
		c.m[k] = e
	}
	return e
}

// fill stores rows read after the eviction counter was at mark.
func (c *subjectCache) fill(mark uint64, s *steward.Subject, category string, r *steward.Record) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.evicted.Load() != mark {
		return
	}
	e := c.entry(s)
	if r != nil {
		rc := *r
		r = &rc
	}
	e.records[category] = r
}

// getConsents returns the cached consent state of a subject (shared: the
// caller must not change it).
func (c *subjectCache) getConsents(tenant, subject string) (*steward.ConsentState, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e := c.m[subjectKey{tenant, subject}]
	if e == nil || e.consents == nil || !c.now().Before(e.until) {
		return nil, false
	}
	return e.consents, true
}

// fillConsents stores a subject's consent state read after the eviction
// counter was at mark, with the subject's entry if it is cached (a state is
// only ever cached with its subject, and evicted with it).
func (c *subjectCache) fillConsents(mark uint64, tenant, subject string, st *steward.ConsentState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.m[subjectKey{tenant, subject}]; e != nil && c.evicted.Load() == mark && c.now().Before(e.until) {
		e.consents = st
	}
}

// lifetime is how long a new entry is trusted.
func (c *subjectCache) lifetime() time.Duration {
	if d := c.shortTTL.Load(); d > 0 {
		return time.Duration(d)
	}
	return c.ttl
}

// evictRecord forgets one cached record after a write to it, here and on
// the other replicas; the subject row, which the write does not change,
// stays.
func (c *subjectCache) evictRecord(tenant, subject, category string) {
	c.dropRecord(tenant, subject, category)
	c.publish(tenant + "/" + subject + "/" + category)
}

// dropRecord forgets one cached record here.
func (c *subjectCache) dropRecord(tenant, subject, category string) {
	c.mu.Lock()
	c.evicted.Add(1)
	if e := c.m[subjectKey{tenant, subject}]; e != nil {
		delete(e.records, category)
	}
	c.mu.Unlock()
}

// evict forgets one subject after a write to its rows, here and on the
// other replicas.
func (c *subjectCache) evict(tenant, subject string) {
	c.drop(tenant, subject)
	c.publish(tenant + "/" + subject)
}

// drop forgets one subject here.
func (c *subjectCache) drop(tenant, subject string) {
	c.mu.Lock()
	c.evicted.Add(1)
	delete(c.m, subjectKey{tenant, subject})
	c.mu.Unlock()
}

// clear forgets everything, after any other write, here and on the other
// replicas.
func (c *subjectCache) clear() {
	c.dropAll()
	c.publish("*")
}

// dropAll forgets everything here.
func (c *subjectCache) dropAll() {
	c.mu.Lock()
	c.evicted.Add(1)
	clear(c.m)
	c.mu.Unlock()
}

// publish tells the other replicas, if any, about a local eviction.
func (c *subjectCache) publish(key string) {
	if c.published != nil {
		c.published(key)
	}
}

// evictRecord forgets one record (after a write to it) when the cache is on.
func (db *DB) evictRecord(tenant, subject, category string) {
	if db.cache != nil {
		db.cache.evictRecord(tenant, subject, category)
	}
}

// evictSubject forgets one subject (after a write to its rows) when the
// cache is on.
func (db *DB) evictSubject(tenant, subject string) {
	if db.cache != nil {
		db.cache.evict(tenant, subject)
	}
}
