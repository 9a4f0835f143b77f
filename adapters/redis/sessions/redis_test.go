package sessions

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keelhq/keel/adapters/redis/pubsub"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/platform/testkit/logtest"
	"github.com/keelhq/keel/platform/testkit/redistest"
)

// eventually polls cond every 5 ms until it holds or within passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// cached reports whether c holds an entry for id.
func cached(c *Cache, id uuid.UUID) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, ok := c.entries[id]
	return ok
}

// running makes c listen through a subscriber of its own (see listening).
func running(t *testing.T, c *Cache) *Cache {
	t.Helper()
	listening(t, c, pubsub.New(c.rdb, c.log))
	return c
}

// listening makes c listen through sub, started now and stopped when the test ends.
func listening(t *testing.T, c *Cache, sub *pubsub.Subscriber) {
	t.Helper()
	c.Listen(sub)
	sub.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		assert.NoError(t, sub.Stop(ctx))
	})
}

// TestInvalidationReachesOtherInstance: with a TTL of an hour, only the broadcast can make
// instance B forget what it cached.
func TestInvalidationReachesOtherInstance(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.Client(t)
	other := redis.NewClient(rdb.Options())
	t.Cleanup(func() { _ = other.Close() })
	channel := prefix + "sessions"
	f := newFake()
	opts := Options{TTL: time.Hour}
	a := running(t, New(f, rdb, channel, opts, discard()))
	b := running(t, New(f, other, channel, opts, discard()))
	eventually(t, 5*time.Second, "both subscribed", func() bool { return a.Subscribed() && b.Subscribed() })

	id, bystander := kernel.NewID(), kernel.NewID()
	f.set(id, true)
	f.set(bystander, true)
	require.True(t, state(t, b, id).Active)
	require.True(t, state(t, b, bystander).Active)
	f.set(id, false)
	require.True(t, state(t, b, id).Active, "B answers from its cache")

	a.Invalidate(context.Background(), id)
	assert.False(t, state(t, a, id).Active, "A forgets at once")
	eventually(t, 2*time.Second, "B answers inactive", func() bool { return !state(t, b, id).Active })
	calls := f.calls.Load()
	assert.True(t, state(t, b, bystander).Active)
	assert.Equal(t, calls, f.calls.Load(), "other sessions stay cached on B")

	// Many ids go out in several messages; garbage on the channel is ignored.
	require.NoError(t, rdb.Publish(context.Background(), channel, "not-a-uuid").Err())
	ids := make([]uuid.UUID, 2*idsPerMessage+50)
	for i := range ids {
		ids[i] = kernel.NewID()
		f.set(ids[i], true)
		state(t, b, ids[i])
	}
	require.Equal(t, len(ids)+2, b.Len())
	a.Invalidate(context.Background(), ids...)
	eventually(t, 2*time.Second, "B forgets every id", func() bool { return b.Len() == 2 })
	for _, id := range ids {
		require.False(t, cached(b, id))
	}
}

// TestRedisOutageAndRecovery stops a private Redis: both instances fall back to the
// degraded TTL and still converge; when Redis returns the subscription recovers and the
// cache is cleared.
func TestRedisOutageAndRecovery(t *testing.T) {
	t.Parallel()
	srv := redistest.StartServer(t)
	const degraded = 300 * time.Millisecond
	f := newFake()
	logs := &logtest.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	var caches [2]*Cache
	for i := range caches {
		rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
		t.Cleanup(func() { _ = rdb.Close() })
		caches[i] = running(t, New(f, rdb, "sessions", Options{TTL: time.Hour, DegradedTTL: degraded}, log))
	}
	a, b := caches[0], caches[1]
	eventually(t, 5*time.Second, "both subscribed", func() bool { return a.Subscribed() && b.Subscribed() })

	srv.Stop()
	eventually(t, 5*time.Second, "both see the outage", func() bool { return !a.Subscribed() && !b.Subscribed() })

	id := kernel.NewID()
	f.set(id, true)
	require.True(t, state(t, b, id).Active)
	cachedAt := time.Now()
	f.set(id, false)
	start := time.Now()
	a.Invalidate(context.Background(), id) // the publish fails: logged and swallowed
	t.Logf("Invalidate with redis down took %s", time.Since(start))
	assert.Less(t, time.Since(start), publishTimeout+time.Second)
	assert.False(t, state(t, a, id).Active)
	eventually(t, time.Until(cachedAt.Add(degraded+200*time.Millisecond)), "B converges within the degraded TTL",
		func() bool { return !state(t, b, id).Active })
	assert.Contains(t, logs.String(), "not broadcast")

	other := kernel.NewID()
	f.set(other, true)
	state(t, b, other)
	require.Positive(t, b.Len())

	srv.Start()
	eventually(t, 5*time.Second, "both subscribed again", func() bool { return a.Subscribed() && b.Subscribed() })
	assert.Zero(t, b.Len(), "the cache is cleared on resubscription")

	// The broadcast works again: with a TTL of an hour only it can explain convergence.
	require.True(t, state(t, b, other).Active)
	f.set(other, false)
	a.Invalidate(context.Background(), other)
	eventually(t, 2*time.Second, "B answers inactive", func() bool { return !state(t, b, other).Active })
	assert.Contains(t, logs.String(), "subscription lost")
}

// TestKilledSubscriptionRecovers: a subscription connection killed server-side is
// noticed and re-established, which clears the cache.
func TestKilledSubscriptionRecovers(t *testing.T) {
	t.Parallel()
	srv := redistest.StartServer(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	f := newFake()
	c := running(t, New(f, rdb, "sessions", Options{TTL: time.Hour}, discard()))
	eventually(t, 5*time.Second, "subscribed", c.Subscribed)
	id := kernel.NewID()
	f.set(id, true)
	state(t, c, id)
	require.Equal(t, 1, c.Len())

	require.NoError(t, rdb.Do(context.Background(), "CLIENT", "KILL", "TYPE", "pubsub").Err())
	eventually(t, 5*time.Second, "cache cleared by resubscription", func() bool { return c.Len() == 0 && c.Subscribed() })
	f.set(id, false)
	assert.False(t, state(t, c, id).Active)
}

// TestListenOnSharedSubscriber: a cache that listens through a subscriber shared with
// another consumer hears invalidations, and its watchers learn of every forget.
func TestListenOnSharedSubscriber(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.Client(t)
	other := redis.NewClient(rdb.Options())
	t.Cleanup(func() { _ = other.Close() })
	channel := prefix + "sessions"
	f := newFake()
	sub := pubsub.New(rdb, discard())
	otherMessages := make(chan string, 1)
	sub.Handle(prefix+"other", func(p string) { otherMessages <- p })
	b := New(f, rdb, channel, Options{TTL: time.Hour}, discard())
	b.Listen(sub)
	watched := make(chan []uuid.UUID, 4)
	b.Watch(func(ids []uuid.UUID) { watched <- ids })
	sub.Start()
	t.Cleanup(func() { assert.NoError(t, sub.Stop(context.Background())) })
	eventually(t, 5*time.Second, "subscribed", b.Subscribed)
	require.Nil(t, <-watched, "coming up drops the whole cache")

	a := New(f, other, channel, Options{TTL: time.Hour}, discard())
	id := kernel.NewID()
	a.Invalidate(context.Background(), id)
	select {
	case got := <-watched:
		require.Equal(t, []uuid.UUID{id}, got)
	case <-time.After(2 * time.Second):
		t.Fatal("the watcher was not told")
	}
	require.NoError(t, other.Publish(context.Background(), prefix+"other", "x").Err())
	select {
	case p := <-otherMessages:
		require.Equal(t, "x", p)
	case <-time.After(2 * time.Second):
		t.Fatal("the other consumer got nothing")
	}
}
