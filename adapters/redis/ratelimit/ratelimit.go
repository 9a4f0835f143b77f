// Package ratelimit enforces GCRA rate limits shared by every instance through Redis
// (github.com/go-redis/redis_rate), and falls back to a per-instance in-memory limiter
// with the same semantics when Redis is unavailable or not configured. After a Redis
// failure it stays on memory for a short while (a circuit breaker, so a dead Redis adds
// no latency to every request), then probes Redis again and returns to it once it
// answers. Allow never fails because Redis is down.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Limit allows Rate requests per Period on average, and bursts of up to Burst requests.
type Limit struct {
	Rate   int
	Burst  int
	Period time.Duration
}

// Validate reports whether the limit is usable: Rate and Burst at least 1, Period at
// least Rate nanoseconds, and Burst periods of one request representable as a Duration.
func (l Limit) Validate() error {
	if l.Rate < 1 || l.Burst < 1 || l.Period < time.Duration(l.Rate) {
		return fmt.Errorf("ratelimit: invalid limit %+v: rate and burst must be >= 1 and period >= rate ns", l)
	}
	if emission := l.Period / time.Duration(l.Rate); time.Duration(l.Burst) > math.MaxInt64/emission/2 {
		return fmt.Errorf("ratelimit: invalid limit %+v: burst too large for the period", l)
	}
	return nil
}

// Result is the outcome of one Allow.
type Result struct {
	// Allowed reports whether the request may proceed.
	Allowed bool
	// Remaining is how many more requests would be allowed right now.
	Remaining int
	// RetryAfter is how long to wait before a refused request would be allowed (0 when allowed).
	RetryAfter time.Duration
	// Degraded reports that the answer came from this instance's memory, not from the budget
	// shared through Redis (Redis is down, recently failed, or not configured).
	Degraded bool
}

// Defaults of the fallback and the circuit breaker.
const (
	// memoryMaxEntries bounds the keys the in-memory limiter tracks.
	memoryMaxEntries = 100_000
	// breakerOpen is how long Redis is skipped after it failed.
	breakerOpen = time.Second
	// redisTimeout bounds one Redis round trip, whatever the caller's deadline.
	redisTimeout = 500 * time.Millisecond
)

// Limiter checks requests against limits. It is safe for concurrent use.
type Limiter struct {
	rdb    *redis.Client       // nil without Redis
	shared *redis_rate.Limiter // nil without Redis
	prefix string
	log    *slog.Logger
	mem    *memory

	now     func() time.Time
	breaker time.Duration
	timeout time.Duration
	// openUntil is zero while Redis is trusted. After a failure it holds the UnixNano until
	// which Redis is skipped; the caller that moves it forward starts a probe.
	openUntil atomic.Int64
}

// New returns a Limiter whose keys are prefix+"rl:"+key in rdb. rdb may be nil: every
// answer then comes from memory. log (nil: slog.Default) receives one line when the
// limiter degrades and one when it recovers.
func New(rdb *redis.Client, prefix string, log *slog.Logger) *Limiter {
	if log == nil {
		log = slog.Default()
	}
	l := &Limiter{
		rdb: rdb, prefix: prefix + "rl:", log: log, mem: newMemory(memoryMaxEntries),
		now: time.Now, breaker: breakerOpen, timeout: redisTimeout,
	}
	if rdb != nil {
		l.shared = redis_rate.NewLimiter(keyspace{rdb})
	}
	return l
}

// Allow spends one request of key's budget under lim. It returns an error only for an
// invalid limit or when ctx ends during the Redis call; a Redis failure degrades to the
// in-memory limiter instead.
//
// While Redis is trusted every call asks it (within 500 ms). After a failure, calls use
// memory for one second; then one call starts a background PING and, when Redis answers,
// calls go back to Redis. So a dead Redis delays only the calls in flight when it fails.
func (l *Limiter) Allow(ctx context.Context, key string, lim Limit) (Result, error) {
	if err := lim.Validate(); err != nil {
		return Result{}, err
	}
	if l.shared != nil && l.useRedis() {
		res, err := l.allowRedis(ctx, key, lim)
		if err == nil {
			return res, nil
		}
		if ctx.Err() != nil {
			return Result{}, ctx.Err()
		}
		l.openBreaker(err)
	}
	return l.mem.allow(key, lim, l.now()), nil
}

// useRedis reports whether the breaker is closed. When it is open and its time is up,
// the one caller that moves it forward starts a probe.
func (l *Limiter) useRedis() bool {
	until := l.openUntil.Load()
	if until == 0 {
		return true
	}
	now := l.now().UnixNano()
	if now >= until && l.openUntil.CompareAndSwap(until, now+int64(l.breaker)) {
		go l.probe()
	}
	return false
}

// probe PINGs Redis and closes the breaker when it answers, or keeps it open another
// breaker period.
func (l *Limiter) probe() {
	ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
	defer cancel()
	if err := l.rdb.Ping(ctx).Err(); err != nil {
		l.openUntil.Store(l.now().Add(l.breaker).UnixNano())
		return
	}
	if l.openUntil.Swap(0) != 0 {
		l.log.Info("rate limits shared through redis again")
	}
}

// openBreaker skips Redis for l.breaker, logging when this starts a degraded period.
func (l *Limiter) openBreaker(err error) {
	if l.openUntil.Swap(l.now().Add(l.breaker).UnixNano()) == 0 {
		l.log.Warn("rate limits degraded to the per-instance limiter: redis failed", "error", err)
	}
}

// allowRedis asks redis_rate, within l.timeout.
func (l *Limiter) allowRedis(ctx context.Context, key string, lim Limit) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	res, err := l.shared.Allow(ctx, l.prefix+key, redis_rate.Limit{Rate: lim.Rate, Burst: lim.Burst, Period: lim.Period})
	if err != nil {
		return Result{}, err
	}
	if res == nil {
		return Result{}, errors.New("redis_rate: no result")
	}
	return Result{Allowed: res.Allowed > 0, Remaining: res.Remaining, RetryAfter: max(res.RetryAfter, 0)}, nil
}

// rateKeyPrefix is what redis_rate prepends to every key.
const rateKeyPrefix = "rate:"

// keyspace adapts a client for redis_rate so that keys are exactly prefix+"rl:"+key:
// redis_rate prepends "rate:" to every key, which would put them outside the configured
// prefix (namespaces, ACL key patterns, test clean-up).
type keyspace struct{ *redis.Client }

func unprefix(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = strings.TrimPrefix(k, rateKeyPrefix)
	}
	return out
}

// Eval runs script with the keys stripped of redis_rate's prefix.
func (k keyspace) Eval(ctx context.Context, script string, keys []string, args ...any) *redis.Cmd {
	return k.Client.Eval(ctx, script, unprefix(keys), args...)
}

// EvalSha runs a cached script with the keys stripped of redis_rate's prefix.
func (k keyspace) EvalSha(ctx context.Context, sha1 string, keys []string, args ...any) *redis.Cmd {
	return k.Client.EvalSha(ctx, sha1, unprefix(keys), args...)
}

// EvalRO runs a read-only script with the keys stripped of redis_rate's prefix.
func (k keyspace) EvalRO(ctx context.Context, script string, keys []string, args ...any) *redis.Cmd {
	return k.Client.EvalRO(ctx, script, unprefix(keys), args...)
}

// EvalShaRO runs a cached read-only script with the keys stripped of redis_rate's prefix.
func (k keyspace) EvalShaRO(ctx context.Context, sha1 string, keys []string, args ...any) *redis.Cmd {
	return k.Client.EvalShaRO(ctx, sha1, unprefix(keys), args...)
}

// Del deletes the keys stripped of redis_rate's prefix.
func (k keyspace) Del(ctx context.Context, keys ...string) *redis.IntCmd {
	return k.Client.Del(ctx, unprefix(keys)...)
}
