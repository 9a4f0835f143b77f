package cached

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	memcache "github.com/keelhq/keel/adapters/memory/cache"
)

// clock is a settable test clock.
type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time                         { return time.Unix(0, c.t.Load()) }
func (c *clock) add(d time.Duration)                    { c.t.Add(int64(d)) }
func newClock() *clock                                  { c := &clock{}; c.t.Store(time.Unix(1_000_000, 0).UnixNano()); return c }
func (b *bus) Subscribed() bool                         { return b.up.Load() }
func (b *bus) Publish(context.Context, ...string) error { b.published.Add(1); return nil }

// bus is a Broadcaster that records publishes.
type bus struct {
	up        atomic.Bool
	published atomic.Int32
}

// loader counts loads and answers value.
type loader struct {
	n     atomic.Int32
	value string
	found bool
}

func (l *loader) load(context.Context) ([]byte, bool, error) {
	l.n.Add(1)
	return []byte(l.value), l.found, nil
}

func newTestStore(c *clock, b *bus, opts Options) (*Store, *memcache.Cache) {
	remote := memcache.New(1000, c.now)
	s := New(opts, memcache.New(1000, c.now), remote, b, nil)
	s.now = c.now
	return s, remote
}

func fetch(t *testing.T, s *Store, l *loader) string {
	t.Helper()
	v, _, err := s.Fetch(context.Background(), "k", l.load)
	if err != nil {
		t.Fatal(err)
	}
	return string(v)
}

// No tier serves a value read from the source more than TTL ago, even when the shared
// tier still holds it.
func TestTTLBoundsEveryTier(t *testing.T) {
	t.Parallel()
	c, b := newClock(), &bus{}
	b.up.Store(true)
	s, remote := newTestStore(c, b, Options{TTL: 10 * time.Second, LocalTTL: 8 * time.Second})
	l := &loader{value: "v1", found: true}
	fetch(t, s, l)
	raw, _ := remote.Get(context.Background(), "k")
	c.add(9 * time.Second) // the local entry (8 s) is gone; the shared one is 9 s old
	_ = remote.Set(context.Background(), "k", raw, time.Hour)
	fetch(t, s, l)
	if l.n.Load() != 1 {
		t.Fatalf("loads = %d, want the shared tier's 9 s old value", l.n.Load())
	}
	c.add(1500 * time.Millisecond) // 10.5 s since the load: past TTL in both tiers
	l.value = "v2"
	if got := fetch(t, s, l); got != "v2" || l.n.Load() != 2 {
		t.Fatalf("after TTL got %q with %d loads, want a fresh load", got, l.n.Load())
	}
}

// While invalidations cannot be heard, the in-process tier keeps entries for the degraded
// TTL only.
func TestDegradedLocalTTL(t *testing.T) {
	t.Parallel()
	c, b := newClock(), &bus{}
	s, remote := newTestStore(c, b, Options{TTL: 30 * time.Second, LocalTTL: 10 * time.Second, DegradedTTL: time.Second})
	l := &loader{value: "v", found: true}
	fetch(t, s, l)
	_ = remote.Delete(context.Background(), "k")
	c.add(1100 * time.Millisecond)
	fetch(t, s, l)
	if l.n.Load() != 2 {
		t.Fatalf("loads = %d: a local entry outlived the degraded TTL", l.n.Load())
	}
}

// Invalidate forgets the key in both tiers and announces it; an answer loaded before
// Forget is not stored after it.
func TestInvalidate(t *testing.T) {
	t.Parallel()
	c, b := newClock(), &bus{}
	b.up.Store(true)
	s, remote := newTestStore(c, b, Options{})
	l := &loader{value: "v", found: true}
	fetch(t, s, l)
	s.Invalidate(context.Background(), "k")
	if _, err := remote.Get(context.Background(), "k"); err == nil {
		t.Fatal("the shared tier still holds an invalidated key")
	}
	if b.published.Load() != 1 {
		t.Fatalf("publishes = %d, want 1", b.published.Load())
	}
	slow := func(ctx context.Context) ([]byte, bool, error) {
		s.Forget([]string{"k"}) // a change commits while this load is under way
		return []byte("stale"), true, nil
	}
	if _, _, err := s.Fetch(context.Background(), "k", slow); err != nil {
		t.Fatal(err)
	}
	if got := fetch(t, s, l); got != "v" {
		t.Fatalf("got %q: an answer loaded across an invalidation was stored", got)
	}
}

// "Not found" is kept for NegativeTTL, and not at all when it is 0.
func TestNegative(t *testing.T) {
	t.Parallel()
	c, b := newClock(), &bus{}
	b.up.Store(true)
	s, _ := newTestStore(c, b, Options{NegativeTTL: 2 * time.Second})
	l := &loader{}
	for range 3 {
		if _, found, _ := s.Fetch(context.Background(), "k", l.load); found {
			t.Fatal("found")
		}
	}
	c.add(2 * time.Second)
	_, _, _ = s.Fetch(context.Background(), "k", l.load)
	if l.n.Load() != 2 {
		t.Fatalf("loads = %d, want 2 (one per NegativeTTL)", l.n.Load())
	}
	off, _ := newTestStore(c, b, Options{})
	l2 := &loader{}
	_, _, _ = off.Fetch(context.Background(), "k", l2.load)
	_, _, _ = off.Fetch(context.Background(), "k", l2.load)
	if l2.n.Load() != 2 {
		t.Fatalf("with NegativeTTL 0, loads = %d, want 2", l2.n.Load())
	}
}

// Jitter shortens a TTL by at most its percentage.
func TestJitter(t *testing.T) {
	t.Parallel()
	s := New(Options{JitterPercent: 10}, memcache.New(10, nil), nil, nil, nil)
	seen := map[time.Duration]bool{}
	for range 1000 {
		d := s.jitter(10 * time.Second)
		if d < 9*time.Second || d > 10*time.Second {
			t.Fatalf("jitter(10s) = %s, want within 9s..10s", d)
		}
		seen[d] = true
	}
	if len(seen) < 100 {
		t.Fatalf("jitter gave only %d distinct values", len(seen))
	}
}

// BenchmarkFetchHit is a read served by the in-process tier.
func BenchmarkFetchHit(b *testing.B) {
	s := New(Options{}, memcache.New(1000, nil), nil, nil, nil)
	l := &loader{value: string(make([]byte, 120)), found: true}
	ctx := context.Background()
	_, _, _ = s.Fetch(ctx, "user:01900000-0000-7000-8000-00000000000a", l.load)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := s.Fetch(ctx, "user:01900000-0000-7000-8000-00000000000a", l.load); err != nil {
			b.Fatal(err)
		}
	}
}

// An invalidation deletes the key from the shared tier again after RecheckDelay, so that a
// stale value written there by a load that raced the commit (on any instance) goes too.
func TestInvalidateDeletesSharedTierAgain(t *testing.T) {
	t.Parallel()
	c, b := newClock(), &bus{}
	s, remote := newTestStore(c, b, Options{RecheckDelay: 20 * time.Millisecond})
	s.Invalidate(context.Background(), "k")
	// Another instance's load, begun before the commit, stores what it read.
	if err := remote.Set(context.Background(), "k", []byte("stale"), time.Hour); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := remote.Get(context.Background(), "k"); err != nil {
			return // deleted again
		}
		if time.Now().After(deadline) {
			t.Fatal("the stale value written after the invalidation is still in the shared tier")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
