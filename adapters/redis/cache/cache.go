// Package cache implements ports.Cache over Redis, behind a circuit breaker: a Redis that
// is down or slow costs a request one short deadline at most a few times, then nothing
// (calls fail at once, and callers fall back to PostgreSQL) until a background probe finds
// it answering again. Deletions that could not be sent meanwhile are replayed before the
// breaker closes, so a value changed during an outage is not served from Redis after it.
//
// It also carries cache invalidations between api instances over pub/sub (Bus).
package cache

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keelhq/keel/ports"
)

// ErrUnavailable is what every call returns while the breaker is open.
var ErrUnavailable = errors.New("redis cache unavailable (circuit open)")

// maxPending bounds the deletions remembered while the breaker is open.
const maxPending = 10_000

// Options tune the cache; zero values take the defaults.
type Options struct {
	// Prefix starts every key.
	Prefix string
	// Timeout is the deadline of one call (default 50 ms).
	Timeout time.Duration
	// Failures is how many consecutive failures open the breaker (default 3).
	Failures int
	// Retry is the longest wait between probes of an open breaker (default 1 s).
	Retry time.Duration
	// OnError, when set, is told of each failed call: op is get, set or delete.
	OnError func(op string)
	// OnBreaker, when set, is told when the breaker opens (true) or closes (false).
	OnBreaker func(open bool)
}

// Cache implements ports.Cache over Redis. It is safe for concurrent use.
type Cache struct {
	rdb  *redis.Client
	opts Options
	br   *breaker

	mu       sync.Mutex
	pending  map[string]struct{}
	overflow bool
}

var _ ports.Cache = (*Cache)(nil)

// New returns a Cache over rdb.
func New(rdb *redis.Client, opts Options) *Cache {
	if opts.Timeout <= 0 {
		opts.Timeout = 50 * time.Millisecond
	}
	if opts.Failures <= 0 {
		opts.Failures = 3
	}
	if opts.Retry <= 0 {
		opts.Retry = time.Second
	}
	c := &Cache{rdb: rdb, opts: opts, pending: make(map[string]struct{})}
	c.br = newBreaker(opts.Failures, opts.Retry, c.recover)
	c.br.onChange = opts.OnBreaker
	return c
}

// Open reports whether the breaker is open (Redis is being skipped).
func (c *Cache) Open() bool { return !c.br.allow() }

// Close stops the background probe, if any.
func (c *Cache) Close() { c.br.stop() }

// Get implements ports.Cache.
func (c *Cache) Get(ctx context.Context, key string) ([]byte, error) {
	if !c.br.allow() {
		return nil, ErrUnavailable
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	v, err := c.rdb.Get(ctx, c.opts.Prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		c.br.success()
		return nil, ports.ErrCacheMiss
	}
	if err != nil {
		c.failed(ctx, "get")
		return nil, err
	}
	c.br.success()
	return v, nil
}

// Set implements ports.Cache.
func (c *Cache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if !c.br.allow() {
		return ErrUnavailable
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	if err := c.rdb.Set(ctx, c.opts.Prefix+key, value, ttl).Err(); err != nil {
		c.failed(ctx, "set")
		return err
	}
	c.br.success()
	return nil
}

// Delete implements ports.Cache. While the breaker is open, or when the call fails, the
// keys are remembered and deleted before the breaker closes again.
func (c *Cache) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	if !c.br.allow() {
		c.remember(keys)
		return ErrUnavailable
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opts.Timeout)
	defer cancel()
	if err := c.rdb.Del(ctx, c.prefixed(keys)...).Err(); err != nil {
		c.remember(keys)
		c.failed(ctx, "delete")
		return err
	}
	c.br.success()
	return nil
}

// failed counts a failure against the breaker, unless the caller's own context ended
// (a client that went away says nothing about Redis).
func (c *Cache) failed(ctx context.Context, op string) {
	if c.opts.OnError != nil {
		c.opts.OnError(op)
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return
	}
	c.br.failure()
}

func (c *Cache) prefixed(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = c.opts.Prefix + k
	}
	return out
}

// remember keeps keys to delete once Redis answers again.
func (c *Cache) remember(keys []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		if len(c.pending) >= maxPending {
			c.overflow = true
			return
		}
		c.pending[k] = struct{}{}
	}
}

// recover is the breaker's probe: Redis must answer, and every deletion missed while it
// was away is replayed, before the breaker closes. When too many were missed to remember,
// the cache's own keys are all dropped.
func (c *Cache) recover(ctx context.Context) error {
	if err := c.rdb.Ping(ctx).Err(); err != nil {
		return err
	}
	c.mu.Lock()
	keys := make([]string, 0, len(c.pending))
	for k := range c.pending {
		keys = append(keys, k)
	}
	overflow := c.overflow
	c.mu.Unlock()
	if overflow {
		if err := c.dropAll(ctx); err != nil {
			return err
		}
	}
	for start := 0; start < len(keys); start += 500 {
		chunk := keys[start:min(start+500, len(keys))]
		if err := c.rdb.Del(ctx, c.prefixed(chunk)...).Err(); err != nil {
			return err
		}
	}
	c.mu.Lock()
	for _, k := range keys {
		delete(c.pending, k)
	}
	if overflow {
		c.overflow = false
	}
	c.mu.Unlock()
	return nil
}

// dropAll deletes every key under the prefix.
func (c *Cache) dropAll(ctx context.Context) error {
	iter := c.rdb.Scan(ctx, 0, c.opts.Prefix+"*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 1000 {
			if err := c.rdb.Unlink(ctx, batch...).Err(); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := iter.Err(); err != nil {
		return err
	}
	if len(batch) > 0 {
		return c.rdb.Unlink(ctx, batch...).Err()
	}
	return nil
}
