package tracing_test

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// TestInvalidUTF8CostsNoOtherSpan: a request path is the client's bytes, and a byte such
// as 0xff is not UTF-8, which protobuf refuses to marshal; the exporter then lost the whole
// batch, so one such request in every batch blinded tracing. Every span of the batch must
// arrive, the bad strings repaired.
func TestInvalidUTF8CostsNoOtherSpan(t *testing.T) {
	// One batch: only the shutdown's flush exports.
	tr, rcv := start(t, map[string]string{"OTEL_BSP_SCHEDULE_DELAY": "600000"})
	tracer := tr.Tracer("test")
	_, good := tracer.Start(context.Background(), "GET /v1/users/:id",
		trace.WithAttributes(attribute.String("url.path", "/v1/users/me")))
	good.End()
	_, bad := tracer.Start(context.Background(), "GET \xff",
		trace.WithAttributes(attribute.String("url.path", "/v1/\xff\xfe"), attribute.StringSlice("list", []string{"ok", "\xc3"})))
	bad.AddEvent("event \xff", trace.WithAttributes(attribute.String("detail", "\xff")))
	bad.SetStatus(codes.Error, "status \xff")
	bad.End()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tr.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	spans := rcv.Spans()
	if len(spans) != 2 {
		t.Fatalf("received %d spans, want both: %v", len(spans), spans)
	}
	byName := map[string]map[string]string{}
	for _, s := range spans {
		byName[s.Name] = s.Attrs
		if s.Name == "GET \uFFFD" && s.Status != "status \uFFFD" {
			t.Errorf("status %q", s.Status)
		}
	}
	if byName["GET /v1/users/:id"]["url.path"] != "/v1/users/me" {
		t.Errorf("good span: %v", spans)
	}
	if got := byName["GET \uFFFD"]["url.path"]; got != "/v1/\uFFFD" {
		t.Errorf("bad span's path %q, want the bytes replaced: %v", got, spans)
	}
}
