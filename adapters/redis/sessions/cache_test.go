package sessions

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keelhq/keel/adapters/redis/pubsub"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
)

// fakeStatus is the authoritative store: a map of sessions to flip, counting calls. When
// gate is set, calls block until it is closed or their context ends.
type fakeStatus struct {
	mu     sync.Mutex
	states map[uuid.UUID]auth.SessionState
	calls  atomic.Int64
	gate   chan struct{}
	// entered receives one value per call that reaches a gate.
	entered chan struct{}
	err     error
}

func newFake() *fakeStatus {
	return &fakeStatus{states: make(map[uuid.UUID]auth.SessionState), entered: make(chan struct{}, 64)}
}

func (f *fakeStatus) SessionState(ctx context.Context, id uuid.UUID) (auth.SessionState, error) {
	f.calls.Add(1)
	f.mu.Lock()
	gate, err, st := f.gate, f.err, f.states[id]
	f.mu.Unlock()
	if gate != nil {
		f.entered <- struct{}{}
		select {
		case <-gate:
		case <-ctx.Done():
			return auth.SessionState{}, ctx.Err()
		}
		f.mu.Lock()
		st = f.states[id]
		f.mu.Unlock()
	}
	return st, err
}

func (f *fakeStatus) set(id uuid.UUID, active bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.states[id] = auth.SessionState{Active: active, Role: kernel.RoleUser}
}

func (f *fakeStatus) block() chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gate = make(chan struct{})
	return f.gate
}

// clock is a settable fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// localCache is a Cache without Redis on a fake clock.
func localCache(opts Options) (*Cache, *fakeStatus, *clock) {
	f := newFake()
	c := New(f, nil, "unused", opts, discard())
	clk := &clock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	c.now = clk.Now
	return c, f, clk
}

func state(t *testing.T, c *Cache, id uuid.UUID) auth.SessionState {
	t.Helper()
	st, err := c.SessionState(context.Background(), id)
	require.NoError(t, err)
	return st
}

func TestServesFreshAnswersFromCache(t *testing.T) {
	t.Parallel()
	c, f, clk := localCache(Options{TTL: 5 * time.Second, DegradedTTL: 500 * time.Millisecond})
	id := kernel.NewID()
	f.set(id, true)

	assert.Equal(t, auth.SessionState{Active: true, Role: kernel.RoleUser}, state(t, c, id))
	f.set(id, false)
	clk.Add(499 * time.Millisecond)
	assert.True(t, state(t, c, id).Active, "cached for DegradedTTL without a subscription")
	assert.EqualValues(t, 1, f.calls.Load())
	clk.Add(time.Millisecond)
	assert.False(t, state(t, c, id).Active, "stale after DegradedTTL")
	assert.EqualValues(t, 2, f.calls.Load())

	c.subscribed.Store(true)
	f.set(id, true)
	clk.Add(time.Second)
	assert.False(t, state(t, c, id).Active, "cached for TTL while subscribed")
	clk.Add(4 * time.Second)
	assert.True(t, state(t, c, id).Active, "stale after TTL")

	clk.Add(time.Second)
	c.subscribed.Store(false)
	f.set(id, false)
	assert.False(t, state(t, c, id).Active, "losing the subscription shortens the trust at once")
}

func TestInvalidateLocal(t *testing.T) {
	t.Parallel()
	c, f, _ := localCache(Options{})
	a, b := kernel.NewID(), kernel.NewID()
	f.set(a, true)
	f.set(b, true)
	state(t, c, a)
	state(t, c, b)
	f.set(a, false)
	f.set(b, false)
	c.Invalidate(context.Background(), a)
	assert.False(t, state(t, c, a).Active)
	assert.True(t, state(t, c, b).Active, "other sessions stay cached")
	c.Invalidate(context.Background()) // no ids: nothing to do
}

func TestErrorsAreNotCached(t *testing.T) {
	t.Parallel()
	c, f, _ := localCache(Options{})
	id := kernel.NewID()
	f.set(id, true)
	f.err = errors.New("postgres down")
	_, err := c.SessionState(context.Background(), id)
	assert.Error(t, err)
	f.mu.Lock()
	f.err = nil
	f.mu.Unlock()
	assert.True(t, state(t, c, id).Active)
	assert.EqualValues(t, 2, f.calls.Load())
}

func TestConcurrentMissesShareOneLoad(t *testing.T) {
	t.Parallel()
	c, f, _ := localCache(Options{})
	id := kernel.NewID()
	f.set(id, true)
	gate := f.block()
	const n = 10
	joined := make(chan struct{}, n)
	c.joined = func() { joined <- struct{}{} }

	var wg sync.WaitGroup
	results := make(chan auth.SessionState, n)
	for range n {
		wg.Go(func() {
			st, err := c.SessionState(context.Background(), id)
			assert.NoError(t, err)
			results <- st
		})
	}
	for range n - 1 {
		<-joined
	}
	close(gate)
	wg.Wait()
	close(results)
	for st := range results {
		assert.True(t, st.Active)
	}
	assert.EqualValues(t, 1, f.calls.Load())
}

// TestLoadAcrossInvalidationIsNotStored: an answer read before a revocation committed
// must not be cached after the invalidation, nor handed to callers arriving after it.
func TestLoadAcrossInvalidationIsNotStored(t *testing.T) {
	t.Parallel()
	c, f, _ := localCache(Options{})
	id := kernel.NewID()
	f.set(id, true)
	gate := f.block()
	first := make(chan auth.SessionState)
	go func() {
		st, _ := c.SessionState(context.Background(), id)
		first <- st
	}()
	<-f.entered // the load is under way
	c.Invalidate(context.Background(), id)
	f.mu.Lock()
	f.gate = nil // later calls answer at once
	f.states[id] = auth.SessionState{Active: false}
	f.mu.Unlock()
	assert.False(t, state(t, c, id).Active, "a caller after the invalidation does not join the old load")
	close(gate)
	<-first
	assert.False(t, state(t, c, id).Active)
	assert.EqualValues(t, 2, f.calls.Load(), "the post-invalidation answer is cached, the old one was not")
}

func TestLoadAcrossClearIsNotStored(t *testing.T) {
	t.Parallel()
	c, f, _ := localCache(Options{})
	id := kernel.NewID()
	f.set(id, true)
	gate := f.block()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = c.SessionState(context.Background(), id)
	}()
	<-f.entered
	c.forget(nil, true) // what a (re)subscription does
	close(gate)
	<-done
	assert.Zero(t, c.Len())
}

func TestFollowerOutlivesCancelledLeader(t *testing.T) {
	t.Parallel()
	c, f, _ := localCache(Options{})
	id := kernel.NewID()
	f.set(id, true)
	gate := f.block()
	joined := make(chan struct{}, 1)
	c.joined = func() { joined <- struct{}{} }
	leaderCtx, cancel := context.WithCancel(context.Background())
	leader := make(chan error)
	go func() {
		_, err := c.SessionState(leaderCtx, id)
		leader <- err
	}()
	<-f.entered
	follower := make(chan auth.SessionState)
	go func() { follower <- state(t, c, id) }()
	<-joined
	cancel()
	assert.ErrorIs(t, <-leader, context.Canceled)
	close(gate)
	assert.True(t, (<-follower).Active, "the follower asked inner itself")
}

func TestMaxEntries(t *testing.T) {
	t.Parallel()
	c, f, _ := localCache(Options{MaxEntries: 64})
	for range 1000 {
		id := kernel.NewID()
		f.set(id, true)
		state(t, c, id)
		require.LessOrEqual(t, c.Len(), 64)
	}
}

func TestStartStopWithoutRedis(t *testing.T) {
	t.Parallel()
	c, _, _ := localCache(Options{})
	sub := pubsub.New(nil, nil)
	c.Listen(sub) // no Redis: nothing to hear
	sub.Start()
	sub.Start() // idempotent
	assert.False(t, c.Subscribed())
	require.NoError(t, sub.Stop(context.Background()))
	require.NoError(t, sub.Stop(context.Background()), "stopping twice is harmless")
}

func TestOptionsDefaults(t *testing.T) {
	t.Parallel()
	o := Options{}.withDefaults()
	assert.Equal(t, Options{TTL: DefaultTTL, DegradedTTL: DefaultDegradedTTL, MaxEntries: DefaultMaxEntries}, o)
}

func TestCodec(t *testing.T) {
	t.Parallel()
	ids := []uuid.UUID{kernel.NewID(), kernel.NewID()}
	got, bad := decodeIDs(encodeIDs(ids) + " nonsense  ")
	assert.Equal(t, ids, got)
	assert.Equal(t, 1, bad)
}

func BenchmarkCacheHit(b *testing.B) {
	f := newFake()
	c := New(f, nil, "unused", Options{DegradedTTL: time.Hour}, discard())
	id := kernel.NewID()
	f.set(id, true)
	ctx := context.Background()
	if _, err := c.SessionState(ctx, id); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if _, err := c.SessionState(ctx, id); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.SessionState(ctx, id); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	if f.calls.Load() != 1 {
		b.Fatalf("inner called %d times", f.calls.Load())
	}
}
