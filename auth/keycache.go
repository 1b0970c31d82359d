package auth

import (
	"sync"
	"time"

	"github.com/steward-privacy/steward"
)

// KeyCacheTTL is how long a verified API key is trusted without asking the
// database again. A revocation made through this server evicts the key at
// once; one made by another replica or by `steward apikey revoke` takes
// effect here within this time.
const KeyCacheTTL = time.Second

// maxCachedKeys bounds the cache; past it, the cache starts over.
const maxCachedKeys = 10000

// keyCache remembers recently verified keys by their keyed hash, saving a
// database query on most authenticated requests. Only active keys are kept.
type keyCache struct {
	mu sync.RWMutex
	m  map[string]cachedKey
}

type cachedKey struct {
	caller *steward.Caller
	until  time.Time
}

func newKeyCache() *keyCache { return &keyCache{m: map[string]cachedKey{}} }

func (c *keyCache) get(hash []byte, now time.Time) *steward.Caller {
	c.mu.RLock()
	e, ok := c.m[string(hash)]
	c.mu.RUnlock()
	if !ok || !now.Before(e.until) {
		return nil
	}
	return e.caller
}

func (c *keyCache) put(hash []byte, caller *steward.Caller, now time.Time) {
	c.mu.Lock()
	if len(c.m) >= maxCachedKeys {
		c.m = map[string]cachedKey{}
	}
	c.m[string(hash)] = cachedKey{caller: caller, until: now.Add(KeyCacheTTL)}
	c.mu.Unlock()
}

// evict forgets a key by id.
func (c *keyCache) evict(id string) {
	c.mu.Lock()
	for h, e := range c.m {
		if e.caller.ID == id {
			delete(c.m, h)
		}
	}
	c.mu.Unlock()
}
