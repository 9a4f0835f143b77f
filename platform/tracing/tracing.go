package tracing

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// flushMargin is the part of the shutdown deadline left to the process after flushing
// spans: a collector that does not answer costs the lost spans, never a failed stop.
const flushMargin = 250 * time.Millisecond

// Tracing is a process's tracer provider, or nothing when tracing is off (a nil *Tracing
// is off too).
type Tracing struct {
	tp  *sdktrace.TracerProvider
	log *slog.Logger
}

// New starts tracing as s says: when s.Enabled, an OTLP/HTTP exporter (configured by the
// OTEL_EXPORTER_OTLP_* variables it reads itself) behind a batching processor, with the
// resource service.name = s.ServiceName plus OTEL_RESOURCE_ATTRIBUTES. Nothing connects
// until the first batch is exported. Export failures are logged on log at warn level.
func New(ctx context.Context, s Settings, log *slog.Logger) (*Tracing, error) {
	if !s.Enabled {
		return &Tracing{log: log}, nil
	}
	// The endpoint is the one FromEnv read and checked. Without one, the exporter's own
	// default would be https://localhost:4318; the specification's (and a local
	// collector's) is plain http.
	opts := []otlptracehttp.Option{otlptracehttp.WithInsecure()}
	if s.exportURL != "" {
		opts = []otlptracehttp.Option{otlptracehttp.WithEndpointURL(s.exportURL)}
	}
	exp, err := otlptracehttp.New(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", s.ServiceName)),
		resource.WithFromEnv(),
	)
	if err != nil {
		return nil, fmt.Errorf("tracing: OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(validUTF8{exp}),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(s.sampler),
	)
	// The SDK reports export failures through the global handler; say them in the log
	// (the messages name the endpoint, never the headers), once a minute at most.
	otel.SetErrorHandler(&exportErrors{log: log, every: time.Minute})
	return &Tracing{tp: tp, log: log}, nil
}

// Enabled reports whether spans are recorded.
func (t *Tracing) Enabled() bool { return t != nil && t.tp != nil }

// Tracer returns the named tracer, or nil when tracing is off: instrumentation given a
// nil Tracer installs nothing.
func (t *Tracing) Tracer(name string) trace.Tracer {
	if !t.Enabled() {
		return nil
	}
	return t.tp.Tracer(name)
}

// Shutdown exports the spans still buffered and stops the exporter, giving up a little
// before ctx's deadline so that an unreachable collector costs spans, not the process's
// orderly stop. It reports nothing back: a failure is logged.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if !t.Enabled() {
		return nil
	}
	if deadline, ok := ctx.Deadline(); ok {
		margin := min(flushMargin, time.Until(deadline)/4)
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-margin))
		defer cancel()
	}
	if err := t.tp.Shutdown(ctx); err != nil && t.log != nil {
		t.log.Warn("tracing: spans lost at shutdown", slog.String("error", err.Error()))
	}
	return nil
}

// exportErrors logs the SDK's errors, at most one line per interval, counting the ones
// it did not log.
type exportErrors struct {
	log    *slog.Logger
	every  time.Duration
	mu     sync.Mutex
	last   time.Time
	unsaid int
}

// Handle implements otel.ErrorHandler.
func (e *exportErrors) Handle(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if now := time.Now(); e.last.IsZero() || now.Sub(e.last) >= e.every {
		e.log.Warn("tracing: spans not exported", slog.String("error", err.Error()), slog.Int("unlogged_errors", e.unsaid))
		e.last, e.unsaid = now, 0
		return
	}
	e.unsaid++
}

// propagator is the W3C trace context, the only format Keel reads and writes.
var propagator = propagation.TraceContext{}

// Inject returns the W3C traceparent of ctx's span, or "" when ctx has none.
func Inject(ctx context.Context) string {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return ""
	}
	c := propagation.MapCarrier{}
	propagator.Inject(ctx, c)
	return c["traceparent"]
}

// Extract returns ctx carrying the remote span context of a W3C traceparent (ctx
// unchanged when traceparent is empty or malformed).
func Extract(ctx context.Context, traceparent string) context.Context {
	if traceparent == "" {
		return ctx
	}
	return propagator.Extract(ctx, propagation.MapCarrier{"traceparent": traceparent})
}

// ExtractHeaders returns ctx carrying the span context of an incoming request's
// traceparent and tracestate headers, read through get.
func ExtractHeaders(ctx context.Context, get func(key string) string) context.Context {
	return propagator.Extract(ctx, headerCarrier(get))
}

// headerCarrier reads request headers for the propagator.
type headerCarrier func(key string) string

func (h headerCarrier) Get(key string) string { return h(key) }
func (h headerCarrier) Set(string, string)    {}
func (h headerCarrier) Keys() []string        { return []string{"traceparent", "tracestate"} }

// TraceID returns the trace id of ctx's span when that span is recording (tracing is on
// and the trace sampled), for a problem's traceId.
func TraceID(ctx context.Context) (string, bool) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return "", false
	}
	return span.SpanContext().TraceID().String(), true
}
