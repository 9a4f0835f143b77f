package logging_test

import (
	"bytes"
	"context"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"github.com/keelhq/keel/platform/logging"
)

func spanContext(t *testing.T) context.Context {
	t.Helper()
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled})
	return trace.ContextWithSpanContext(context.Background(), sc)
}

func TestTraceIDsTagLinesInsideASpan(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := logging.New(&buf, "info", "api", logging.TraceIDs()).With("k", "v")
	log.InfoContext(spanContext(t), "inside")
	log.InfoContext(context.Background(), "outside")
	got := lines(t, &buf)
	if got[0]["trace_id"] != "4bf92f3577b34da6a3ce929d0e0e4736" || got[0]["span_id"] != "00f067aa0ba902b7" || got[0]["k"] != "v" {
		t.Errorf("line inside a span: %v", got[0])
	}
	if _, ok := got[1]["trace_id"]; ok {
		t.Errorf("line outside a span has a trace_id: %v", got[1])
	}
}

func TestNoTraceIDsWithoutTheOption(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logging.New(&buf, "info", "api").InfoContext(spanContext(t), "inside")
	if line := lines(t, &buf)[0]; line["trace_id"] != nil || line["span_id"] != nil {
		t.Errorf("tracing off, yet the line has trace ids: %v", line)
	}
}
