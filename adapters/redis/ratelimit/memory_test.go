package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clock is a settable fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// memoryLimiter is a Limiter without Redis on a fake clock.
func memoryLimiter(t *testing.T) (*Limiter, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := New(nil, "test:", discard())
	l.now = c.Now
	return l, c
}

func allow(t *testing.T, l *Limiter, key string, lim Limit) Result {
	t.Helper()
	res, err := l.Allow(context.Background(), key, lim)
	require.NoError(t, err)
	return res
}

func TestMemoryBurstThenRefusal(t *testing.T) {
	t.Parallel()
	l, c := memoryLimiter(t)
	lim := Limit{Rate: 5, Burst: 10, Period: time.Minute} // one request per 12 s, bursts of 10
	for i := range 10 {
		res := allow(t, l, "login:1.2.3.4", lim)
		assert.Equal(t, Result{Allowed: true, Remaining: 9 - i, Degraded: true}, res, "request %d", i+1)
	}
	res := allow(t, l, "login:1.2.3.4", lim)
	assert.Equal(t, Result{Allowed: false, RetryAfter: 12 * time.Second, Degraded: true}, res)
	assert.True(t, allow(t, l, "login:5.6.7.8", lim).Allowed, "keys are independent")

	c.Add(5 * time.Second)
	assert.Equal(t, 7*time.Second, allow(t, l, "login:1.2.3.4", lim).RetryAfter, "refusals spend nothing")
	c.Add(7 * time.Second)
	assert.Equal(t, Result{Allowed: true, Remaining: 0, Degraded: true}, allow(t, l, "login:1.2.3.4", lim), "allowed after RetryAfter")
	assert.False(t, allow(t, l, "login:1.2.3.4", lim).Allowed)

	c.Add(2 * time.Minute)
	assert.Equal(t, 9, allow(t, l, "login:1.2.3.4", lim).Remaining, "full burst after a quiet period")
}

func TestMemorySustainedRate(t *testing.T) {
	t.Parallel()
	l, c := memoryLimiter(t)
	lim := Limit{Rate: 10, Burst: 1, Period: time.Second}
	allowed := 0
	for range 1000 { // 10 s in 10 ms steps
		if allow(t, l, "k", lim).Allowed {
			allowed++
		}
		c.Add(10 * time.Millisecond)
	}
	assert.Equal(t, 100, allowed)
}

func TestMemoryEvictsIdleKeysAndCapsEntries(t *testing.T) {
	t.Parallel()
	l, c := memoryLimiter(t)
	lim := Limit{Rate: 1, Burst: 5, Period: time.Second}
	for i := range 100 {
		allow(t, l, fmt.Sprint("idle", i), lim)
	}
	assert.Equal(t, 100, l.mem.len())
	c.Add(sweepEvery + time.Second)
	allow(t, l, "fresh", lim)
	assert.Equal(t, 1, l.mem.len(), "idle keys are swept")

	l.mem = newMemory(64)
	slow := Limit{Rate: 1, Burst: 5, Period: time.Hour}
	for i := range 1000 {
		allow(t, l, fmt.Sprint("flood", i), slow)
		require.LessOrEqual(t, l.mem.len(), 64)
	}
}

func TestMemoryConcurrent(t *testing.T) {
	t.Parallel()
	l, _ := memoryLimiter(t)
	lim := Limit{Rate: 1, Burst: 20, Period: time.Hour}
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 10 {
				if res, err := l.Allow(context.Background(), "k", lim); err == nil && res.Allowed {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(20), allowed.Load())
}

func TestInvalidLimits(t *testing.T) {
	t.Parallel()
	l, _ := memoryLimiter(t)
	for _, lim := range []Limit{
		{},
		{Rate: 0, Burst: 1, Period: time.Second},
		{Rate: 1, Burst: 0, Period: time.Second},
		{Rate: 1, Burst: 1, Period: 0},
		{Rate: 10, Burst: 1, Period: 5},
		{Rate: 1, Burst: 1 << 40, Period: time.Hour},
	} {
		_, err := l.Allow(context.Background(), "k", lim)
		assert.Error(t, err, "%+v", lim)
	}
}
