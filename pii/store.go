package pii

import (
	"context"
	"sync"
	"time"

	"github.com/steward-privacy/steward"
)

// Store keeps the sealed (encrypted) placeholder mappings of conversations.
// It never sees plaintext: keys are opaque hashes and values ciphertext.
// Implementations must be safe for concurrent use.
type Store interface {
	// Get returns the sealed mapping under key and its version. It returns
	// ENOTFOUND when there is none or it has expired.
	Get(ctx context.Context, key string) (sealed []byte, version uint64, err error)
	// Put stores sealed under key until expires, if the stored version is
	// still prev (0: nothing stored), and returns the new version. It returns
	// ECONFLICT when another writer got there first.
	Put(ctx context.Context, key string, sealed []byte, prev uint64, expires time.Time) (uint64, error)
	// Delete removes the mapping under key; deleting nothing is no error.
	Delete(ctx context.Context, key string) error
}

// MemoryStore is a Store in process memory, for one replica and for tests.
type MemoryStore struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[string]memEntry
	seq uint64
}

type memEntry struct {
	sealed  []byte
	version uint64
	expires time.Time
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore reading time from now
// (time.Now when nil).
func NewMemoryStore(now func() time.Time) *MemoryStore {
	if now == nil {
		now = time.Now
	}
	return &MemoryStore{now: now, m: map[string]memEntry{}}
}

// Get implements Store.
func (s *MemoryStore) Get(_ context.Context, key string) ([]byte, uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[key]
	if !ok || !s.now().Before(e.expires) {
		return nil, 0, steward.Errorf(steward.ENOTFOUND, "conversation mapping not found or expired")
	}
	return append([]byte(nil), e.sealed...), e.version, nil
}

// Put implements Store.
func (s *MemoryStore) Put(_ context.Context, key string, sealed []byte, prev uint64, expires time.Time) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[key]
	cur := uint64(0)
	if ok && s.now().Before(e.expires) {
		cur = e.version
	}
	if cur != prev {
		return 0, steward.Errorf(steward.ECONFLICT, "conversation mapping changed concurrently")
	}
	s.seq++
	s.m[key] = memEntry{sealed: append([]byte(nil), sealed...), version: s.seq, expires: expires}
	return s.seq, nil
}

// Delete implements Store.
func (s *MemoryStore) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}

// Sweep removes expired mappings and returns how many it removed. Expired
// mappings are unreadable anyway; Sweep frees their memory.
func (s *MemoryStore) Sweep() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	n := 0
	for k, e := range s.m {
		if !now.Before(e.expires) {
			delete(s.m, k)
			n++
		}
	}
	return n
}

// Len returns the number of stored mappings, expired or not.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}
