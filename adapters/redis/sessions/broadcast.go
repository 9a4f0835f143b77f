package sessions

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/redis/pubsub"
)

const (
	// idsPerMessage bounds one PUBLISH (about 37 bytes per id).
	idsPerMessage = 200
	// publishTimeout bounds the broadcast of one Invalidate, whatever the caller's context.
	publishTimeout = 500 * time.Millisecond
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

// Listen hears invalidations through sub, which its owner starts and stops (in the api,
// the subscriber shared by every consumer of Redis pub/sub). Call it before sub starts.
// A nil or disabled sub changes nothing.
func (c *Cache) Listen(sub *pubsub.Subscriber) {
	if !sub.Enabled() {
		return
	}
	sub.Handle(c.channel, c.receive)
	sub.OnState(c.setSubscribed)
}

// Watch adds f to the functions told of every invalidation this instance hears or makes:
// the ids forgotten, or nil when the whole cache was dropped (the subscription came back,
// so invalidations may have been missed). f runs on the goroutine that forgot, and must be
// quick. Call it before the cache starts.
func (c *Cache) Watch(f func(ids []uuid.UUID)) { c.watchers = append(c.watchers, f) }

// receive handles one invalidation message.
func (c *Cache) receive(payload string) {
	ids, bad := decodeIDs(payload)
	if bad > 0 {
		c.log.Warn("session invalidation message with malformed ids", "bad", bad)
	}
	if len(ids) > 0 {
		c.forget(ids, false)
	}
}

// setSubscribed records the subscription state (the pubsub state callback): coming up
// drops the whole cache, since invalidations may have been missed while it was down.
func (c *Cache) setSubscribed(up bool, err error) {
	if up {
		c.forget(nil, true)
	}
	if c.subscribed.Swap(up) == up {
		return
	}
	if up {
		c.log.Info("session invalidations subscribed; cache cleared", "channel", c.channel)
		return
	}
	if err != nil {
		c.log.Warn("session invalidation subscription lost; trusting cached sessions for the degraded TTL",
			"channel", c.channel, "degradedTTL", c.opts.DegradedTTL, "error", err)
	}
}
