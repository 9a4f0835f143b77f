package cache

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/redis/go-redis/v9"

	"github.com/keelhq/keel/adapters/redis/pubsub"
)

// Receiver is told what the Bus hears: keys another instance invalidated, and when the
// whole local cache must go because invalidations may have been missed (the subscription
// was lost or has just been re-established).
type Receiver interface {
	Forget(keys []string)
	ForgetAll()
}

// Bus carries cache invalidations between instances over one Redis pub/sub channel: it
// publishes them, and hears the other instances' through the process's one subscriber
// (adapters/redis/pubsub, see Listen).
type Bus struct {
	rdb     *redis.Client
	channel string
	cache   *Cache // its breaker guards Publish
	log     *slog.Logger

	subscribed atomic.Bool
}

// NewBus returns a Bus on channel of rdb; publishes are skipped while c's breaker is open.
func NewBus(rdb *redis.Client, channel string, c *Cache, log *slog.Logger) *Bus {
	if log == nil {
		log = slog.Default()
	}
	return &Bus{rdb: rdb, channel: channel, cache: c, log: log}
}

// Subscribed reports whether invalidations from other instances are being heard.
func (b *Bus) Subscribed() bool { return b.subscribed.Load() }

// Publish announces keys to every instance (this one included). It is skipped while the
// breaker is open: the caller has forgotten the keys locally already, and other instances
// that cannot hear it trust their entries only briefly.
func (b *Bus) Publish(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	if b.cache.Open() {
		return ErrUnavailable
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.cache.opts.Timeout)
	defer cancel()
	if err := b.rdb.Publish(ctx, b.channel, strings.Join(keys, "\n")).Err(); err != nil {
		b.cache.failed(ctx, "publish")
		return err
	}
	return nil
}

// Listen routes the invalidations sub receives on the Bus's channel to r, and tells r to
// forget everything whenever the subscription comes up or is lost (invalidations may have
// been missed). Call it before sub starts; without Redis it does nothing and the Bus never
// reports itself subscribed.
func (b *Bus) Listen(sub *pubsub.Subscriber, r Receiver) {
	if !sub.Enabled() {
		return
	}
	sub.Handle(b.channel, func(payload string) { r.Forget(strings.Split(payload, "\n")) })
	sub.OnState(func(up bool, err error) {
		r.ForgetAll()
		b.subscribed.Store(up)
		if !up && err != nil { // nil: the subscriber is stopping
			b.log.Warn("cache invalidations not heard; trusting local entries briefly", "channel", b.channel, "error", err)
		}
	})
}
