package cache

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Receiver is told what the Bus hears: keys another instance invalidated, and when the
// whole local cache must go because invalidations may have been missed (the subscription
// was lost or has just been re-established).
type Receiver interface {
	Forget(keys []string)
	ForgetAll()
}

// Bus carries cache invalidations between instances over one Redis pub/sub channel. It
// is a minimal subscriber of its own: the session cache's subscription
// (adapters/redis/sessions) is due to move onto a shared subscriber package, and this one
// should follow it there.
type Bus struct {
	rdb     *redis.Client
	channel string
	cache   *Cache // its breaker guards Publish
	log     *slog.Logger
	// PingEvery is how often a quiet subscription is checked (default 1 s).
	PingEvery time.Duration

	subscribed atomic.Bool
}

// NewBus returns a Bus on channel of rdb; publishes are skipped while c's breaker is open.
func NewBus(rdb *redis.Client, channel string, c *Cache, log *slog.Logger) *Bus {
	if log == nil {
		log = slog.Default()
	}
	return &Bus{rdb: rdb, channel: channel, cache: c, log: log, PingEvery: time.Second}
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

// Run keeps the subscription up until ctx ends, reconnecting with a backoff of at most
// one second, and tells r to forget everything whenever the subscription is established
// or lost.
func (b *Bus) Run(ctx context.Context, r Receiver) {
	backoff := minProbe
	for {
		up, err := b.subscribe(ctx, r)
		wasUp := b.subscribed.Swap(false)
		if ctx.Err() != nil {
			return
		}
		if wasUp {
			r.ForgetAll()
			b.log.Warn("cache invalidation subscription lost; trusting local entries briefly", "channel", b.channel, "error", err)
		}
		if up {
			backoff = minProbe
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, time.Second)
	}
}

// subscribe runs one subscription until it fails or ctx ends.
func (b *Bus) subscribe(ctx context.Context, r Receiver) (up bool, err error) {
	ps := b.rdb.Subscribe(ctx, b.channel)
	defer ps.Close()
	stop := context.AfterFunc(ctx, func() { _ = ps.Close() })
	defer stop()
	pinged := false
	for {
		msg, err := ps.ReceiveTimeout(ctx, b.PingEvery)
		if ctx.Err() != nil {
			return up, nil
		}
		if err != nil {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() || pinged {
				return up, err
			}
			if err := ps.Ping(ctx); err != nil {
				return up, err
			}
			pinged = true
			continue
		}
		pinged = false
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" && m.Channel == b.channel {
				r.ForgetAll()
				b.subscribed.Store(true)
				up = true
				b.log.Info("cache invalidations subscribed; local cache cleared", "channel", b.channel)
			}
		case *redis.Message:
			r.Forget(strings.Split(m.Payload, "\n"))
		}
	}
}
