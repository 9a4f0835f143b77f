package sessions

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
)

const (
	// idsPerMessage bounds one PUBLISH (about 37 bytes per id).
	idsPerMessage = 200
	// publishTimeout bounds the broadcast of one Invalidate, whatever the caller's context.
	publishTimeout = 500 * time.Millisecond
	// Reconnection backoff of the subscription.
	minBackoff = 50 * time.Millisecond
	maxBackoff = time.Second
)

// Invalidate forgets ids on this instance at once, then publishes them so that every
// instance forgets them. The change behind it is already committed, so a failed publish
// is logged and swallowed: other instances serve their cached answer at most TTL longer
// (DegradedTTL if their subscription is down too). The publish runs even when ctx is
// cancelled, within its own short deadline.
func (c *Cache) Invalidate(ctx context.Context, ids ...uuid.UUID) {
	if len(ids) == 0 {
		return
	}
	c.forget(ids, false)
	if c.rdb == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	for chunk := range slices.Chunk(ids, idsPerMessage) {
		if err := c.rdb.Publish(ctx, c.channel, encodeIDs(chunk)).Err(); err != nil {
			c.log.Warn("session invalidation not broadcast; other instances may serve the cached state until it expires",
				"sessions", len(ids), "error", err)
			return
		}
	}
}

// encodeIDs formats ids as one message: space-separated UUID strings.
func encodeIDs(ids []uuid.UUID) string {
	var b strings.Builder
	b.Grow(len(ids) * 37)
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(id.String())
	}
	return b.String()
}

// decodeIDs parses a message, skipping anything that is not a UUID.
func decodeIDs(payload string) (ids []uuid.UUID, bad int) {
	for f := range strings.FieldsSeq(payload) {
		id, err := uuid.Parse(f)
		if err != nil {
			bad++
			continue
		}
		ids = append(ids, id)
	}
	return ids, bad
}

// Run keeps the invalidation subscription up until ctx ends, reconnecting with backoff.
// Each time the subscription is (re)established it drops the whole cache and answers are
// trusted for TTL; while it is down, for DegradedTTL. Without Redis it just waits for ctx.
func (c *Cache) Run(ctx context.Context) {
	if c.rdb == nil {
		<-ctx.Done()
		return
	}
	backoff := minBackoff
	for {
		up, err := c.subscribe(ctx)
		if ctx.Err() != nil {
			c.subscribed.Store(false)
			return
		}
		c.setSubscribed(false, err)
		if up {
			backoff = minBackoff
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// subscribe runs one subscription until it fails or ctx ends, and reports whether it was
// ever established. Messages are handled as they are read (deleting ids is cheap), so
// none is dropped here; a reader too slow for Redis gets disconnected by Redis, which ends
// the subscription and so clears the cache on the next one.
func (c *Cache) subscribe(ctx context.Context) (up bool, err error) {
	ps := c.rdb.Subscribe(ctx, c.channel)
	defer ps.Close()
	stop := context.AfterFunc(ctx, func() { _ = ps.Close() })
	defer stop()
	pinged := false
	for {
		msg, err := ps.ReceiveTimeout(ctx, c.pingEvery)
		if ctx.Err() != nil {
			return up, nil
		}
		if err != nil {
			if !isTimeout(err) || pinged {
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
			if m.Kind == "subscribe" && m.Channel == c.channel {
				c.forget(nil, true)
				c.setSubscribed(true, nil)
				up = true
			}
		case *redis.Message:
			ids, bad := decodeIDs(m.Payload)
			if bad > 0 {
				c.log.Warn("session invalidation message with malformed ids", "bad", bad)
			}
			if len(ids) > 0 {
				c.forget(ids, false)
			}
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// setSubscribed records the subscription state, logging changes.
func (c *Cache) setSubscribed(up bool, err error) {
	if c.subscribed.Swap(up) == up {
		return
	}
	if up {
		c.log.Info("session invalidations subscribed; cache cleared", "channel", c.channel)
		return
	}
	c.log.Warn("session invalidation subscription lost; trusting cached sessions for the degraded TTL",
		"channel", c.channel, "degradedTTL", c.opts.DegradedTTL, "error", err)
}

// runner is the goroutine Start launches.
type runner struct {
	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// Start runs Run in a goroutine until Stop (fx: OnStart). It does nothing if already
// started.
func (c *Cache) Start() {
	c.runner.mu.Lock()
	defer c.runner.mu.Unlock()
	if c.runner.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	c.runner.cancel, c.runner.done = cancel, done
	go func() {
		defer close(done)
		c.Run(ctx)
	}()
}

// Stop ends the goroutine Start launched and waits for it, or for ctx (fx: OnStop).
func (c *Cache) Stop(ctx context.Context) error {
	c.runner.mu.Lock()
	cancel, done := c.runner.cancel, c.runner.done
	c.runner.cancel, c.runner.done = nil, nil
	c.runner.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
