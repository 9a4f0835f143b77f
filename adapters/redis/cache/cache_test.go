package cache_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keelhq/keel/adapters/redis/cache"
	"github.com/keelhq/keel/platform/testkit/faultproxy"
	"github.com/keelhq/keel/platform/testkit/redistest"
	"github.com/keelhq/keel/ports"
	"github.com/keelhq/keel/ports/contract"
)

func TestCacheContract(t *testing.T) {
	t.Parallel()
	contract.CacheContract(t, func(t *testing.T) ports.Cache {
		rdb, prefix := redistest.Client(t)
		c := cache.New(rdb, cache.Options{Prefix: prefix, Timeout: time.Second})
		t.Cleanup(c.Close)
		return c
	})
}

// Acceptance 5, at the adapter: with Redis unreachable the breaker opens after a few
// failed calls and every later call fails at once, without a network round trip; a
// background probe closes it when Redis is back, after replaying the deletions missed
// meanwhile (the proxy cuts the network, so Redis keeps the value that must be deleted).
func TestBreaker(t *testing.T) {
	t.Parallel()
	srv := redistest.StartServer(t)
	proxy := faultproxy.New(t, srv.Addr())
	rdb := redis.NewClient(&redis.Options{Addr: proxy.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	var opened, closed atomic.Int32
	c := cache.New(rdb, cache.Options{Prefix: "t:", Timeout: 200 * time.Millisecond, Failures: 3, Retry: 100 * time.Millisecond,
		OnBreaker: func(open bool) {
			if open {
				opened.Add(1)
			} else {
				closed.Add(1)
			}
		}})
	t.Cleanup(c.Close)
	ctx := context.Background()
	if err := c.Set(ctx, "k", []byte("old"), time.Minute); err != nil {
		t.Fatal(err)
	}

	proxy.Cut()
	for i := 0; !c.Open(); i++ {
		if i > 10 {
			t.Fatal("the breaker did not open after 10 failed calls")
		}
		_, _ = c.Get(ctx, "k")
	}
	start := time.Now()
	const calls = 10_000
	for range calls {
		if _, err := c.Get(ctx, "k"); !errors.Is(err, cache.ErrUnavailable) {
			t.Fatalf("Get with the breaker open = %v, want ErrUnavailable", err)
		}
	}
	per := time.Since(start) / calls
	t.Logf("a call with the breaker open costs %s", per)
	if per > 50*time.Microsecond {
		t.Errorf("a call with the breaker open costs %s, want microseconds", per)
	}
	// A deletion during the outage is replayed before the breaker closes.
	if err := c.Delete(ctx, "k"); !errors.Is(err, cache.ErrUnavailable) {
		t.Fatalf("Delete with the breaker open = %v", err)
	}

	direct := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = direct.Close() })
	if v, err := direct.Get(ctx, "t:k").Result(); err != nil || v != "old" {
		t.Fatalf("behind the cut, Redis holds %q, %v; want the old value", v, err)
	}
	proxy.Restore()
	deadline := time.Now().Add(10 * time.Second)
	for c.Open() {
		if time.Now().After(deadline) {
			t.Fatal("the breaker did not close within 10 s of Redis returning")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := c.Get(ctx, "k"); !errors.Is(err, ports.ErrCacheMiss) {
		t.Fatalf("Get of a key deleted during the outage = %v, want a miss", err)
	}
	if opened.Load() != 1 || closed.Load() != 1 {
		t.Fatalf("breaker transitions: opened %d, closed %d; want 1 and 1", opened.Load(), closed.Load())
	}
}

// BenchmarkGetBreakerOpen is what a cache read costs while Redis is away (the README says
// about 0.1 µs): the breaker answers without a network round trip.
func BenchmarkGetBreakerOpen(b *testing.B) {
	srv := redistest.StartServer(b)
	proxy := faultproxy.New(b, srv.Addr())
	rdb := redis.NewClient(&redis.Options{Addr: proxy.Addr(), MaxRetries: -1})
	b.Cleanup(func() { _ = rdb.Close() })
	c := cache.New(rdb, cache.Options{Prefix: "b:", Timeout: 200 * time.Millisecond, Failures: 3, Retry: time.Minute})
	b.Cleanup(c.Close)
	ctx := context.Background()
	proxy.Cut()
	for i := 0; !c.Open(); i++ {
		if i > 10 {
			b.Fatal("the breaker did not open after 10 failed calls")
		}
		_, _ = c.Get(ctx, "k")
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Get(ctx, "k"); !errors.Is(err, cache.ErrUnavailable) {
			b.Fatalf("Get with the breaker open = %v, want ErrUnavailable", err)
		}
	}
}
