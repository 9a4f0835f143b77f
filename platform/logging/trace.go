package logging

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// Option changes what New's logger writes.
type Option func(h slog.Handler) slog.Handler

// TraceIDs tags every line logged with a context inside a span with the span's trace_id
// and span_id (hex), so a log line leads to its trace. Only a process with tracing on
// asks for it: without it, no line pays for the lookup.
func TraceIDs() Option {
	return func(h slog.Handler) slog.Handler { return &traceHandler{Handler: h} }
}

// traceHandler adds trace_id and span_id to records whose context holds a valid span.
type traceHandler struct {
	slog.Handler
}

func (h *traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h *traceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &traceHandler{Handler: h.Handler.WithAttrs(attrs)}
}

func (h *traceHandler) WithGroup(name string) slog.Handler {
	return &traceHandler{Handler: h.Handler.WithGroup(name)}
}
