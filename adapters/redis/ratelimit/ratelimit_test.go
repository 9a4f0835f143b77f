package ratelimit

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keelhq/keel/platform/testkit/logtest"
	"github.com/keelhq/keel/platform/testkit/redistest"
)

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestRedisBurstRefusalAndKeys(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.Client(t)
	l := New(rdb, prefix, discard())
	lim := Limit{Rate: 5, Burst: 10, Period: time.Minute}
	for i := range 10 {
		res := allow(t, l, "login:a", lim)
		assert.Equal(t, Result{Allowed: true, Remaining: 9 - i}, res, "request %d", i+1)
	}
	res := allow(t, l, "login:a", lim)
	assert.False(t, res.Allowed)
	assert.False(t, res.Degraded)
	assert.InDelta(t, 12*time.Second, res.RetryAfter, float64(time.Second), "RetryAfter %s", res.RetryAfter)

	ctx := context.Background()
	assert.EqualValues(t, 1, rdb.Exists(ctx, prefix+"rl:login:a").Val(), "the key lives under the prefix")
	assert.EqualValues(t, 0, rdb.Exists(ctx, "rate:"+prefix+"rl:login:a").Val())
	ttl := rdb.TTL(ctx, prefix+"rl:login:a").Val()
	assert.True(t, ttl > 0 && ttl <= 2*time.Minute+time.Second, "the key expires: TTL %s", ttl)
}

func TestRedisRecoveryAfterRetryAfter(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.Client(t)
	l := New(rdb, prefix, discard())
	lim := Limit{Rate: 20, Burst: 2, Period: time.Second} // one request per 50 ms
	require.True(t, allow(t, l, "k", lim).Allowed)
	require.True(t, allow(t, l, "k", lim).Allowed)
	res := allow(t, l, "k", lim)
	require.False(t, res.Allowed)
	require.True(t, res.RetryAfter > 0 && res.RetryAfter <= 50*time.Millisecond, "RetryAfter %s", res.RetryAfter)
	time.Sleep(res.RetryAfter) // waiting out the limit is what is under test
	assert.True(t, allow(t, l, "k", lim).Allowed, "allowed once RetryAfter has passed")
}

func TestInstancesShareTheBudget(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.Client(t)
	other := redis.NewClient(rdb.Options())
	t.Cleanup(func() { _ = other.Close() })
	a, b := New(rdb, prefix, discard()), New(other, prefix, discard())
	lim := Limit{Rate: 1, Burst: 4, Period: time.Hour}
	for i := range 4 {
		l := map[bool]*Limiter{true: a, false: b}[i%2 == 0]
		require.True(t, allow(t, l, "shared", lim).Allowed, "request %d", i+1)
	}
	for _, l := range []*Limiter{a, b} {
		res := allow(t, l, "shared", lim)
		assert.False(t, res.Allowed)
		assert.False(t, res.Degraded)
		assert.InDelta(t, time.Hour, res.RetryAfter, float64(time.Second))
	}
}

// TestSameSemanticsAsRedis runs one sequence against Redis and the memory limiter. The
// period is long enough that the milliseconds between calls cannot change an answer.
func TestSameSemanticsAsRedis(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.Client(t)
	shared := New(rdb, prefix, discard())
	mem, _ := memoryLimiter(t)
	limits := []Limit{
		{Rate: 3, Burst: 5, Period: time.Hour},
		{Rate: 7, Burst: 1, Period: time.Hour},
		{Rate: 1, Burst: 3, Period: 24 * time.Hour},
		{Rate: 100, Burst: 7, Period: 10 * time.Hour},
	}
	for i, lim := range limits {
		key := strings.Repeat("x", i+1)
		for n := range lim.Burst + 3 {
			r, m := allow(t, shared, key, lim), allow(t, mem, key, lim)
			assert.Equal(t, r.Allowed, m.Allowed, "%+v request %d", lim, n+1)
			assert.Equal(t, r.Remaining, m.Remaining, "%+v request %d", lim, n+1)
			assert.InDelta(t, r.RetryAfter, m.RetryAfter, float64(time.Second), "%+v request %d", lim, n+1)
		}
	}
}

// TestDegradesAndRecovers stops a private Redis mid-test: the limiter keeps limiting from
// memory, then returns to Redis once it is back.
func TestDegradesAndRecovers(t *testing.T) {
	t.Parallel()
	srv := redistest.StartServer(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	evals := &evalCounter{}
	rdb.AddHook(evals)
	logs := &logtest.Buffer{}
	l := New(rdb, "app:", slog.New(slog.NewTextHandler(logs, nil)))
	l.breaker = 100 * time.Millisecond
	lim := Limit{Rate: 1, Burst: 3, Period: time.Hour}

	for i := range 3 {
		require.Equal(t, Result{Allowed: true, Remaining: 2 - i}, allow(t, l, "k", lim))
	}
	res := allow(t, l, "k", lim)
	require.False(t, res.Allowed)
	require.False(t, res.Degraded)

	srv.Stop()
	start := time.Now()
	res = allow(t, l, "k", lim)
	t.Logf("first Allow with redis down: %s", time.Since(start))
	assert.True(t, res.Degraded)
	assert.True(t, res.Allowed, "the per-instance budget starts fresh")
	scripts := evals.n.Load()
	assert.True(t, allow(t, l, "k", lim).Allowed)
	assert.True(t, allow(t, l, "k", lim).Allowed)
	res = allow(t, l, "k", lim)
	assert.False(t, res.Allowed, "still limits while degraded")
	assert.True(t, res.Degraded)
	assert.Contains(t, logs.String(), "degraded")
	assert.Equal(t, scripts, evals.n.Load(), "no script reaches redis while the breaker is open")

	srv.Start()
	deadline := time.Now().Add(5 * time.Second)
	for allow(t, l, "probe", lim).Degraded {
		require.True(t, time.Now().Before(deadline), "still degraded 5 s after redis came back")
		time.Sleep(10 * time.Millisecond)
	}
	assert.EqualValues(t, 1, rdb.Exists(context.Background(), "app:rl:probe").Val(), "answers come from redis again")
	res = allow(t, l, "k", lim)
	assert.False(t, res.Degraded)
	assert.True(t, res.Allowed, "redis lost its data in the restart: a fresh budget")
	assert.Equal(t, 1, strings.Count(logs.String(), "degraded"), "one line per degraded period:\n%s", logs)
	assert.Contains(t, logs.String(), "shared through redis again")
}

func TestNilRedisUsesMemory(t *testing.T) {
	t.Parallel()
	l := New(nil, "", nil)
	res := allow(t, l, "k", Limit{Rate: 1, Burst: 1, Period: time.Hour})
	assert.Equal(t, Result{Allowed: true, Degraded: true}, res)
	assert.False(t, allow(t, l, "k", Limit{Rate: 1, Burst: 1, Period: time.Hour}).Allowed)
}

// evalCounter counts the scripts a client sends.
type evalCounter struct{ n atomic.Int64 }

func (c *evalCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *evalCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if strings.HasPrefix(cmd.Name(), "eval") {
			c.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (c *evalCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
