package boot

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.uber.org/fx"

	"github.com/keelhq/keel/adapters/cached"
	cacheduser "github.com/keelhq/keel/adapters/cached/user"
	memcache "github.com/keelhq/keel/adapters/memory/cache"
	"github.com/keelhq/keel/adapters/postgres"
	pguser "github.com/keelhq/keel/adapters/postgres/user"
	rediscache "github.com/keelhq/keel/adapters/redis/cache"
	"github.com/keelhq/keel/adapters/redis/pubsub"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/database"
	"github.com/keelhq/keel/ports"
)

type userRepoDeps struct {
	fx.In
	Lifecycle fx.Lifecycle
	Config    *config.Config
	DB        *database.DB
	Redis     *redis.Client `optional:"true"`
	Registry  *prometheus.Registry
	Tx        ports.Tx
	Log       *slog.Logger
	// Subscriber is the api's one Redis subscription; worker and cron have none.
	Subscriber *pubsub.Subscriber `optional:"true"`
}

// newUserRepository is the users table, behind the read cache unless CACHE_ENABLED=false.
func newUserRepository(d userRepoDeps) user.Repository {
	inner := pguser.NewRepository(d.DB.Bun).WithPool(d.DB.Pool)
	if !d.Config.Cache.On {
		return inner
	}
	return cacheduser.New(inner, newCacheStore(d, "users"), d.Tx, postgres.InTx)
}

// newCacheStore builds the cache tiers: in-process, then Redis behind a circuit breaker
// when Redis is configured. Every process announces its invalidations; only the api, which
// serves reads from the cache for long, listens to the others' through its subscriber
// (worker and cron keep entries for the degraded TTL only).
func newCacheStore(d userRepoDeps, name string) *cached.Store {
	c := d.Config.Cache
	opts := cached.Options{
		Name: name, TTL: c.TTL, LocalTTL: c.LocalTTL, NegativeTTL: c.NegativeTTL, JitterPercent: c.Jitter,
	}
	local := memcache.New(c.LocalMaxEntries, nil)
	if d.Redis == nil {
		return cached.New(opts, local, nil, nil, cached.NewMetrics(d.Registry, nil))
	}
	var metrics *cached.Metrics
	remote := rediscache.New(d.Redis, rediscache.Options{
		Prefix: d.Config.Redis.KeyPrefix + "cache:", Timeout: c.RedisTimeout, Failures: c.BreakerFailures, Retry: c.BreakerRetry,
		OnError: func(op string) { metrics.RedisError(op) }, OnBreaker: func(open bool) { metrics.Breaker(open) },
	})
	bus := rediscache.NewBus(d.Redis, d.Config.Redis.KeyPrefix+"cache:invalidations", remote, d.Log)
	metrics = cached.NewMetrics(d.Registry, bus.Subscribed)
	store := cached.New(opts, local, remote, bus, metrics)
	if d.Subscriber != nil {
		bus.Listen(d.Subscriber, store)
	}
	d.Lifecycle.Append(fx.Hook{OnStop: func(context.Context) error { remote.Close(); return nil }})
	return store
}
