package ports

import (
	"context"
	"errors"
	"time"
)

// ErrCacheMiss is what Cache.Get returns when the key holds nothing.
var ErrCacheMiss = errors.New("cache miss")

// Cache stores opaque values by key for a limited time. It is a performance aid, never a
// source of truth: callers treat any error like a miss, and the data behind a key is
// always reloadable from its repository. Caches are used as decorators around
// repositories, never from domain code.
type Cache interface {
	// Get returns the value under key, or ErrCacheMiss.
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores value under key for ttl.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Delete removes the keys.
	Delete(ctx context.Context, keys ...string) error
}
