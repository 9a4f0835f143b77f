package ws

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/keelhq/keel/adapters/redis/fanout"
)

const testTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

func TestEventFrameLeavesTheTraceOut(t *testing.T) {
	t.Parallel()
	f := eventFrame(fanout.Message{Topic: "broadcast", Epoch: "e", Offset: 1, Event: "x.y", ID: "1", TS: time.Now(), Traceparent: testTraceparent})
	require.True(t, strings.HasPrefix(string(f), `{"type":"event",`), string(f))
	require.NotContains(t, string(f), "traceparent")
	require.NotContains(t, string(f), "4bf92f35")
}

func TestDeliveryJoinsTheEventsTrace(t *testing.T) {
	t.Parallel()
	sr := tracetest.NewSpanRecorder()
	h, _ := testHub(t, Options{})
	h.tracer = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr)).Tracer("test")
	h.dispatch(fanout.Message{Topic: "broadcast", Epoch: "e", Offset: 1, Event: "x.y", ID: "1", TS: time.Now(), Traceparent: testTraceparent})
	h.dispatch(fanout.Message{Topic: "broadcast", Epoch: "e", Offset: 2, Event: "x.y", ID: "2", TS: time.Now()})
	spans := sr.Ended()
	require.Len(t, spans, 1, "only the event that carries a trace is traced")
	require.Equal(t, "deliver x.y", spans[0].Name())
	require.Equal(t, trace.SpanKindConsumer, spans[0].SpanKind())
	require.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", spans[0].SpanContext().TraceID().String())
	require.Equal(t, "00f067aa0ba902b7", spans[0].Parent().SpanID().String())
}
