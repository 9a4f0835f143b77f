// Package sessions is the fast path of auth.SessionStatus: a per-instance cache of
// session states in front of the authoritative store, kept honest across instances by
// invalidations broadcast over Redis pub/sub (it also implements auth.SessionEvents).
//
// An answer is trusted for Options.TTL while this instance's subscription is up, so a
// revocation on any instance reaches every instance at once, and at worst after TTL if
// an invalidation message is lost. While the subscription is down (or Redis is not
// configured) answers are trusted only for Options.DegradedTTL, and when it comes back
// the whole cache is dropped, since invalidations may have been missed meanwhile.
//
// Lifecycle: Listen on a pubsub.Subscriber (in the api, the one shared with the other
// consumers of Redis pub/sub), which its owner runs. Without it the cache works, in
// degraded mode.
package sessions

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/keelhq/keel/domain/auth"
)

// Options tune the cache; zero values take the defaults.
type Options struct {
	// TTL is how long an answer is trusted while the invalidation subscription is up
	// (default 5 s).
	TTL time.Duration
	// DegradedTTL is how long an answer is trusted while Redis is down or not configured
	// (default 500 ms).
	DegradedTTL time.Duration
	// MaxEntries bounds the cached sessions (default 100,000).
	MaxEntries int
}

// Defaults of Options.
const (
	DefaultTTL         = 5 * time.Second
	DefaultDegradedTTL = 500 * time.Millisecond
	DefaultMaxEntries  = 100_000
)

func (o Options) withDefaults() Options {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.DegradedTTL <= 0 {
		o.DegradedTTL = DefaultDegradedTTL
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	return o
}

// Cache is a caching auth.SessionStatus and a broadcasting auth.SessionEvents. It is safe
// for concurrent use.
type Cache struct {
	inner   auth.SessionStatus
	rdb     *redis.Client
	channel string
	opts    Options
	log     *slog.Logger
	now     func() time.Time

	mu      sync.RWMutex
	entries map[uuid.UUID]entry
	flights map[uuid.UUID]*flight
	// epoch counts invalidations and clears: an answer fetched across one is not stored,
	// since it may predate the change that caused it.
	epoch uint64

	subscribed atomic.Bool
	// watchers are told of every forget (Watch).
	watchers []func(ids []uuid.UUID)
	// joined, when set, runs when a miss joins another caller's flight (tests only).
	joined func()
}

type entry struct {
	state auth.SessionState
	at    time.Time
}

// flight is one in-progress load from inner that concurrent misses of the same id share.
type flight struct {
	done  chan struct{}
	state auth.SessionState
	err   error
}

var (
	_ auth.SessionStatus = (*Cache)(nil)
	_ auth.SessionEvents = (*Cache)(nil)
)

// New returns a Cache in front of inner that broadcasts and receives invalidations on
// channel of rdb. rdb may be nil (single-instance mode: invalidations stay local and
// answers are trusted for DegradedTTL). log (nil: slog.Default) gets subscription state
// changes and failed broadcasts.
func New(inner auth.SessionStatus, rdb *redis.Client, channel string, opts Options, log *slog.Logger) *Cache {
	if log == nil {
		log = slog.Default()
	}
	c := &Cache{
		inner: inner, rdb: rdb, channel: channel, opts: opts.withDefaults(), log: log, now: time.Now,
		entries: make(map[uuid.UUID]entry), flights: make(map[uuid.UUID]*flight),
	}
	return c
}

// Subscribed reports whether the invalidation subscription is up, that is whether answers
// are trusted for TTL rather than DegradedTTL.
func (c *Cache) Subscribed() bool { return c.subscribed.Load() }

// Len returns the number of cached sessions.
func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}

// ttl is how long an answer is trusted now.
func (c *Cache) ttl() time.Duration {
	if c.subscribed.Load() {
		return c.opts.TTL
	}
	return c.opts.DegradedTTL
}

// SessionState answers from the cache when the answer is fresh, else asks inner and
// caches its answer. Concurrent misses for one id share a single call to inner.
func (c *Cache) SessionState(ctx context.Context, id uuid.UUID) (auth.SessionState, error) {
	c.mu.RLock()
	e, ok := c.entries[id]
	c.mu.RUnlock()
	if ok && c.now().Sub(e.at) < c.ttl() {
		return e.state, nil
	}
	return c.load(ctx, id)
}

// load fetches id from inner, joining a flight already under way.
func (c *Cache) load(ctx context.Context, id uuid.UUID) (auth.SessionState, error) {
	c.mu.Lock()
	if e, ok := c.entries[id]; ok && c.now().Sub(e.at) < c.ttl() {
		c.mu.Unlock()
		return e.state, nil
	}
	if f, ok := c.flights[id]; ok {
		c.mu.Unlock()
		if c.joined != nil {
			c.joined()
		}
		return c.await(ctx, id, f)
	}
	f := &flight{done: make(chan struct{})}
	c.flights[id] = f
	epoch := c.epoch
	c.mu.Unlock()

	defer close(f.done)
	at := c.now()
	f.state, f.err = c.inner.SessionState(ctx, id)
	c.mu.Lock()
	if c.flights[id] == f {
		delete(c.flights, id)
	}
	if f.err == nil && c.epoch == epoch {
		c.store(id, entry{state: f.state, at: at})
	}
	c.mu.Unlock()
	return f.state, f.err
}

// await waits for another caller's flight. When that caller gave up (its context ended)
// but this one has not, it asks inner itself.
func (c *Cache) await(ctx context.Context, id uuid.UUID, f *flight) (auth.SessionState, error) {
	select {
	case <-f.done:
	case <-ctx.Done():
		return auth.SessionState{}, ctx.Err()
	}
	if ctx.Err() == nil && (errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded)) {
		return c.inner.SessionState(ctx, id)
	}
	return f.state, f.err
}

// store caches e under id, making room first when the cache is full: stale entries go
// first, then arbitrary ones. Callers hold c.mu.
func (c *Cache) store(id uuid.UUID, e entry) {
	if _, ok := c.entries[id]; !ok && len(c.entries) >= c.opts.MaxEntries {
		ttl, now := c.ttl(), c.now()
		for k, old := range c.entries {
			if now.Sub(old.at) >= ttl {
				delete(c.entries, k)
			}
		}
		for k := range c.entries {
			if len(c.entries) < c.opts.MaxEntries-c.opts.MaxEntries/8 {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[id] = e
}

// forget drops ids (all entries when ids is nil) and detaches their flights, so no answer
// read before now is served or stored after it.
func (c *Cache) forget(ids []uuid.UUID, all bool) {
	c.mu.Lock()
	c.epoch++
	if all {
		clear(c.entries)
		clear(c.flights)
		ids = nil
	} else {
		for _, id := range ids {
			delete(c.entries, id)
			delete(c.flights, id)
		}
	}
	c.mu.Unlock()
	for _, f := range c.watchers {
		f(ids)
	}
}
