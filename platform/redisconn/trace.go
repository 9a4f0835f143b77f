package redisconn

import (
	"context"
	"errors"
	"strings"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// traceHook records one client span per command, or per pipeline, run inside a recording
// span: the command's name only (GET, PUBLISH, ...), never its keys or values, which may
// name a session or carry a token's digest. Commands outside a span (subscriptions,
// background probes) record nothing.
type traceHook struct {
	tracer trace.Tracer
	attrs  []attribute.KeyValue
}

func newTraceHook(t trace.Tracer, o *redis.Options) *traceHook {
	return &traceHook{tracer: t, attrs: []attribute.KeyValue{
		attribute.String("db.system.name", "redis"),
		attribute.String("server.address", o.Addr),
	}}
}

// DialHook implements redis.Hook: dials are not traced.
func (h *traceHook) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook.
func (h *traceHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !trace.SpanFromContext(ctx).IsRecording() {
			return next(ctx, cmd)
		}
		op := strings.ToUpper(cmd.Name())
		ctx, span := h.tracer.Start(ctx, op, trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(h.attrs...), trace.WithAttributes(attribute.String("db.operation.name", op)))
		err := next(ctx, cmd)
		end(span, err)
		return err
	}
}

// ProcessPipelineHook implements redis.Hook.
func (h *traceHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if !trace.SpanFromContext(ctx).IsRecording() {
			return next(ctx, cmds)
		}
		op := "PIPELINE"
		if len(cmds) > 0 {
			op += " " + strings.ToUpper(cmds[0].Name())
		}
		ctx, span := h.tracer.Start(ctx, op, trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(h.attrs...), trace.WithAttributes(attribute.Int("db.operation.batch.size", len(cmds))))
		err := next(ctx, cmds)
		end(span, err)
		return err
	}
}

// end ends span, failed unless err is nil or the miss redis.Nil.
func end(span trace.Span, err error) {
	switch {
	case err == nil, errors.Is(err, redis.Nil):
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		span.SetStatus(codes.Error, "cancelled")
	default:
		span.SetStatus(codes.Error, "failed")
	}
	span.End()
}
