package fanout

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keelhq/keel/adapters/postgres/eventlog"
)

// DefaultTimeout bounds one Publish when the caller's context has no earlier deadline.
const DefaultTimeout = 2 * time.Second

// Publisher publishes durable-log entries on their shard channels, a batch per pipeline
// (one round trip).
type Publisher struct {
	rdb     redis.UniversalClient
	prefix  string
	timeout time.Duration
}

// NewPublisher returns a Publisher on rdb with the key prefix (REDIS_KEY_PREFIX); a call
// takes at most timeout (DefaultTimeout when 0).
func NewPublisher(rdb redis.UniversalClient, prefix string, timeout time.Duration) *Publisher {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Publisher{rdb: rdb, prefix: prefix, timeout: timeout}
}

// Publish sends entries, in the order given, in one pipeline. It succeeds only when Redis
// accepted every PUBLISH; after a failure some may have gone out, and the caller publishes
// the same entries again (subscribers de-duplicate by topic, epoch and offset).
func (p *Publisher) Publish(ctx context.Context, entries []eventlog.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	pipe := p.rdb.Pipeline()
	for _, e := range entries {
		payload, err := Encode(FromEntry(e))
		if err != nil {
			return err
		}
		pipe.Publish(ctx, Channel(p.prefix, e.Topic), payload)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("publish %d events: %w", len(entries), err)
	}
	return nil
}
