package cache_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/keelhq/keel/adapters/memory/cache"
	"github.com/keelhq/keel/ports"
	"github.com/keelhq/keel/ports/contract"
)

func TestCacheContract(t *testing.T) {
	t.Parallel()
	contract.CacheContract(t, func(*testing.T) ports.Cache { return cache.New(1000, nil) })
}

// The cache stays within its bound, dropping expired entries first.
func TestBounded(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	c := cache.New(64*10, func() time.Time { return now })
	ctx := context.Background()
	for i := range 10_000 {
		_ = c.Set(ctx, fmt.Sprint("k", i), []byte("v"), time.Minute)
	}
	if n := c.Len(); n > 64*10 {
		t.Fatalf("Len = %d, want at most 640", n)
	}
	c.Clear()
	if n := c.Len(); n != 0 {
		t.Fatalf("Len after Clear = %d", n)
	}
}

// BenchmarkGet is the in-process tier's hit: a read lock and no allocation.
func BenchmarkGet(b *testing.B) {
	c := cache.New(100_000, nil)
	ctx := context.Background()
	_ = c.Set(ctx, "user:01900000-0000-7000-8000-00000000000a", make([]byte, 120), time.Hour)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Get(ctx, "user:01900000-0000-7000-8000-00000000000a"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
