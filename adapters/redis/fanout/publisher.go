package fanout

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/keelhq/keel/adapters/postgres/eventlog"
	"github.com/keelhq/keel/platform/tracing"
)

// DefaultTimeout bounds one Publish when the caller's context has no earlier deadline.
const DefaultTimeout = 2 * time.Second

// Publisher publishes durable-log entries on their shard channels, a batch per pipeline
// (one round trip).
type Publisher struct {
	rdb     redis.UniversalClient
	prefix  string
	timeout time.Duration
	tracer  trace.Tracer
}

// Traced makes the Publisher record a producer span per entry that carries a trace, in
// that trace (tracing on): the span's traceparent travels in the message, so the api's
// delivery follows the publication. It returns p.
func (p *Publisher) Traced(t trace.Tracer) *Publisher {
	p.tracer = t
	return p
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
	var spans []trace.Span
	for _, e := range entries {
		m := FromEntry(e)
		channel := Channel(p.prefix, e.Topic)
		if p.tracer != nil && e.Traceparent != "" {
			span := p.publishSpan(ctx, e, channel)
			spans = append(spans, span)
			m.Traceparent = tracing.Inject(trace.ContextWithSpan(ctx, span))
		}
		payload, err := Encode(m)
		if err != nil {
			endSpans(spans, err)
			return err
		}
		pipe.Publish(ctx, channel, payload)
	}
	_, err := pipe.Exec(ctx)
	endSpans(spans, err)
	if err != nil {
		return fmt.Errorf("publish %d events: %w", len(entries), err)
	}
	return nil
}

// publishSpan starts the producer span of e's publication, in e's trace.
func (p *Publisher) publishSpan(ctx context.Context, e eventlog.Entry, channel string) trace.Span {
	_, span := p.tracer.Start(tracing.Extract(ctx, e.Traceparent), "publish "+e.Name,
		trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(
			attribute.String("messaging.system", "redis"),
			attribute.String("messaging.operation.type", "send"),
			attribute.String("messaging.destination.name", channel),
			attribute.String("messaging.message.id", e.ID.String()),
			attribute.String("keel.event.topic", e.Topic),
			attribute.Int64("keel.event.offset", e.Offset),
		))
	return span
}

// endSpans ends the publication spans, failed when err is set.
func endSpans(spans []trace.Span, err error) {
	for _, s := range spans {
		if err != nil {
			s.SetStatus(codes.Error, "not published")
		}
		s.End()
	}
}
