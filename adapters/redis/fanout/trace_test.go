package fanout

import (
	"context"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/keelhq/keel/adapters/postgres"
	"github.com/keelhq/keel/adapters/postgres/eventlog"
	"github.com/keelhq/keel/adapters/postgres/outbox"
	"github.com/keelhq/keel/platform/testkit/pgtest"
	"github.com/keelhq/keel/platform/testkit/redistest"
	"github.com/keelhq/keel/ports"
)

type tracedEvent struct{}

func (tracedEvent) EventName() string  { return "thing.changed" }
func (tracedEvent) EventTopic() string { return "user:t" }

// TestEventCarriesItsTrace follows one event written inside a request's span: the outbox
// row, the relay's log entry, the publication span (a child of the request's) and the
// Redis message, whose traceparent names the publication.
func TestEventCarriesItsTrace(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db := pgtest.Open(t).Bun
	rdb, prefix := redistest.Client(t)
	got := subscribe(t, ctx, rdb, prefix)
	sr := tracetest.NewSpanRecorder()
	tracer := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr)).Tracer("test")

	events := outbox.NewEvents(db, ports.SystemClock{}, func(ports.Event) (any, bool) { return map[string]any{"id": "t"}, true }).Traced()
	untraced := outbox.NewEvents(db, ports.SystemClock{}, func(ports.Event) (any, bool) { return map[string]any{"id": "u"}, true })
	rctx, request := tracer.Start(ctx, "request")
	err := postgres.NewTransactor(db).Do(rctx, func(ctx context.Context) error {
		if err := events.Publish(ctx, tracedEvent{}); err != nil {
			return err
		}
		return untraced.Publish(ctx, tracedEvent{}) // tracing off: no trace recorded
	})
	request.End()
	if err != nil {
		t.Fatal(err)
	}
	relay := eventlog.NewRelay(db, time.Now)
	if _, err := relay.Assign(ctx, 10); err != nil {
		t.Fatal(err)
	}
	entries, err := relay.Publish(ctx, 10, NewPublisher(rdb, prefix, 0).Traced(tracer))
	if err != nil || len(entries) != 2 {
		t.Fatalf("published %d entries: %v", len(entries), err)
	}
	if entries[0].Traceparent == "" || entries[1].Traceparent != "" {
		t.Fatalf("log entries' traceparents: %q, %q", entries[0].Traceparent, entries[1].Traceparent)
	}
	var publish sdktrace.ReadOnlySpan
	for _, s := range sr.Ended() {
		if s.Name() == "publish thing.changed" {
			publish = s
		}
	}
	if publish == nil || publish.Parent().SpanID() != request.SpanContext().SpanID() {
		t.Fatalf("publication span %v is not the request's child", publish)
	}
	want := "00-" + publish.SpanContext().TraceID().String() + "-" + publish.SpanContext().SpanID().String() + "-01"
	for i := range 2 {
		select {
		case m := <-got:
			if i == 0 && m.Traceparent != want || i == 1 && m.Traceparent != "" {
				t.Errorf("message %d traceparent %q, want %q", i, m.Traceparent, want)
			}
		case <-ctx.Done():
			t.Fatal("no message")
		}
	}
}

func TestUntracedPublisherForwardsTheEventsTrace(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rdb, prefix := redistest.Client(t)
	got := subscribe(t, ctx, rdb, prefix)
	batch := entries("user:a")
	batch[0].Traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	if err := NewPublisher(rdb, prefix, 0).Publish(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if m := <-got; m.Traceparent != batch[0].Traceparent {
		t.Errorf("traceparent %q", m.Traceparent)
	}
}
