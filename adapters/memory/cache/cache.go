// Package cache is the in-process implementation of ports.Cache: a bounded map of values
// with expiry times, split into shards so that concurrent readers rarely meet on a lock.
// A hit costs a read lock and no allocation; values are shared, never copied, so callers
// must not modify what Get returns nor what they passed to Set.
package cache

import (
	"context"
	"hash/maphash"
	"sync"
	"time"

	"github.com/keelhq/keel/ports"
)

// shards is the number of independently locked parts.
const shards = 64

// Cache implements ports.Cache in memory. It is safe for concurrent use.
type Cache struct {
	seed     maphash.Seed
	perShard int
	now      func() time.Time
	shards   [shards]shard
}

type shard struct {
	mu      sync.RWMutex
	entries map[string]entry
}

type entry struct {
	value   []byte
	expires int64 // unix nanoseconds
}

var _ ports.Cache = (*Cache)(nil)

// New returns a cache holding at most about maxEntries values (at least one per shard).
// now (nil: time.Now) tells the time, for tests.
func New(maxEntries int, now func() time.Time) *Cache {
	if now == nil {
		now = time.Now
	}
	c := &Cache{seed: maphash.MakeSeed(), perShard: max(1, maxEntries/shards), now: now}
	for i := range c.shards {
		c.shards[i].entries = make(map[string]entry)
	}
	return c
}

func (c *Cache) shard(key string) *shard {
	return &c.shards[maphash.String(c.seed, key)%shards]
}

// Get implements ports.Cache.
func (c *Cache) Get(_ context.Context, key string) ([]byte, error) {
	s := c.shard(key)
	s.mu.RLock()
	e, ok := s.entries[key]
	s.mu.RUnlock()
	if !ok || c.now().UnixNano() >= e.expires {
		return nil, ports.ErrCacheMiss
	}
	return e.value, nil
}

// Set implements ports.Cache. A full shard drops its expired entries first, then
// arbitrary ones, down to seven eighths of its capacity.
func (c *Cache) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return nil
	}
	now := c.now().UnixNano()
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.entries[key]; !ok && len(s.entries) >= c.perShard {
		for k, e := range s.entries {
			if now >= e.expires {
				delete(s.entries, k)
			}
		}
		for k := range s.entries {
			if len(s.entries) < c.perShard-c.perShard/8 {
				break
			}
			delete(s.entries, k)
		}
	}
	s.entries[key] = entry{value: value, expires: now + int64(ttl)}
	return nil
}

// Delete implements ports.Cache.
func (c *Cache) Delete(_ context.Context, keys ...string) error {
	for _, k := range keys {
		s := c.shard(k)
		s.mu.Lock()
		delete(s.entries, k)
		s.mu.Unlock()
	}
	return nil
}

// Clear removes every entry.
func (c *Cache) Clear() {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		clear(s.entries)
		s.mu.Unlock()
	}
}

// Len returns the number of entries, expired ones included until they are dropped.
func (c *Cache) Len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.entries)
		s.mu.RUnlock()
	}
	return n
}
