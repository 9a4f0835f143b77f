package contract

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/keelhq/keel/ports"
)

// CacheContract runs the contract of ports.Cache against the implementation newCache
// returns, a fresh and empty one per subtest:
//   - a key never set is a miss (ports.ErrCacheMiss);
//   - a value set is read back unchanged, and replaced by a later Set;
//   - Delete removes the keys given, and no other; deleting an absent key is no error;
//   - a value is gone once its TTL has passed.
func CacheContract(t *testing.T, newCache func(t *testing.T) ports.Cache) {
	t.Helper()
	t.Run("miss", func(t *testing.T) {
		t.Parallel()
		c, ctx := newCache(t), testCtx(t)
		if _, err := c.Get(ctx, "absent"); !errors.Is(err, ports.ErrCacheMiss) {
			t.Fatalf("Get of an absent key = %v, want ErrCacheMiss", err)
		}
	})
	t.Run("set get replace", func(t *testing.T) {
		t.Parallel()
		c, ctx := newCache(t), testCtx(t)
		for _, v := range [][]byte{[]byte("one"), {0, 1, 2, 255}} {
			if err := c.Set(ctx, "k", v, time.Minute); err != nil {
				t.Fatal(err)
			}
			got, err := c.Get(ctx, "k")
			if err != nil || !bytes.Equal(got, v) {
				t.Fatalf("Get = %q, %v; want %q", got, err, v)
			}
		}
	})
	t.Run("delete", func(t *testing.T) {
		t.Parallel()
		c, ctx := newCache(t), testCtx(t)
		for _, k := range []string{"a", "b", "c"} {
			if err := c.Set(ctx, k, []byte(k), time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.Delete(ctx, "a", "b", "never-set"); err != nil {
			t.Fatal(err)
		}
		for k, want := range map[string]bool{"a": false, "b": false, "c": true} {
			_, err := c.Get(ctx, k)
			if got := err == nil; got != want {
				t.Errorf("after Delete(a, b), Get(%s) err = %v", k, err)
			}
		}
	})
	t.Run("expiry", func(t *testing.T) {
		t.Parallel()
		c, ctx := newCache(t), testCtx(t)
		if err := c.Set(ctx, "short", []byte("x"), 20*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			if _, err := c.Get(ctx, "short"); errors.Is(err, ports.ErrCacheMiss) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("a value set for 20 ms is still there after 5 s")
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}
