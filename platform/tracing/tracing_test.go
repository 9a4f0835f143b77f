package tracing_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/keelhq/keel/platform/testkit/logtest"
	"github.com/keelhq/keel/platform/testkit/otlptest"
	"github.com/keelhq/keel/platform/tracing"
)

// start turns tracing on against a fresh receiver (t.Setenv: not parallel).
func start(t *testing.T, vars map[string]string) (*tracing.Tracing, *otlptest.Receiver) {
	t.Helper()
	rcv := otlptest.Start(t)
	for k, v := range vars {
		t.Setenv(k, v)
	}
	s, err := tracing.FromEnv("api", func(k string) (string, bool) {
		if k == "OTEL_EXPORTER_OTLP_ENDPOINT" {
			return rcv.URL, true
		}
		v, ok := vars[k]
		return v, ok
	})
	if err != nil || !s.Enabled {
		t.Fatalf("settings: %+v, %v", s, err)
	}
	tr, err := tracing.New(context.Background(), s, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return tr, rcv
}

func TestShutdownFlushesBufferedSpans(t *testing.T) {
	// A schedule delay far beyond the test: only the shutdown's flush can export the span.
	tr, rcv := start(t, map[string]string{"OTEL_BSP_SCHEDULE_DELAY": "600000"})
	ctx, span := tr.Tracer("test").Start(context.Background(), "work")
	tp := tracing.Inject(ctx)
	span.End()
	if rcv.Connections() != 0 {
		t.Fatal("exported before the shutdown")
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tr.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	spans := rcv.Spans()
	if len(spans) != 1 || spans[0].Name != "work" || spans[0].Service != "keel-api" {
		t.Fatalf("received %v", spans)
	}
	if want := "00-" + spans[0].TraceID + "-" + spans[0].SpanID + "-01"; tp != want {
		t.Errorf("traceparent %q, want %q", tp, want)
	}
}

func TestShutdownGivesUpBeforeTheDeadline(t *testing.T) {
	var logs logtest.Buffer
	hold := make(chan struct{})
	stuck := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-hold }))
	t.Cleanup(stuck.Close)
	t.Cleanup(func() { close(hold) })
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "600000")
	s, _ := tracing.FromEnv("api", func(k string) (string, bool) {
		if k == "OTEL_EXPORTER_OTLP_ENDPOINT" {
			return stuck.URL, true
		}
		return "", false
	})
	tr, err := tracing.New(context.Background(), s, slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	_, span := tr.Tracer("test").Start(context.Background(), "lost")
	span.End()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := tr.Shutdown(ctx); err != nil {
		t.Fatalf("an unreachable collector failed the shutdown: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the flush used the whole deadline")
	}
	if !strings.Contains(logs.String(), "spans lost at shutdown") {
		t.Errorf("the loss was not logged: %s", logs.String())
	}
}

func TestOffInstallsNothing(t *testing.T) {
	t.Parallel()
	tr, err := tracing.New(context.Background(), tracing.Settings{}, nil)
	if err != nil || tr.Enabled() || tr.Tracer("x") != nil {
		t.Fatalf("off: %v, %v", tr, err)
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	var none *tracing.Tracing
	if none.Enabled() || none.Tracer("x") != nil {
		t.Fatal("a nil Tracing is on")
	}
}

func TestPropagation(t *testing.T) {
	t.Parallel()
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	ctx := tracing.Extract(context.Background(), tp)
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsRemote() || sc.TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Fatalf("extracted %v", sc)
	}
	if got := tracing.Inject(ctx); got != tp {
		t.Errorf("inject %q", got)
	}
	if tracing.Inject(context.Background()) != "" || tracing.Extract(context.Background(), "junk") == nil {
		t.Error("no span should give no traceparent")
	}
	if _, ok := tracing.TraceID(ctx); ok {
		t.Error("a remote span context is not recording")
	}
	h := tracing.ExtractHeaders(context.Background(), func(k string) string {
		if k == "traceparent" {
			return tp
		}
		return ""
	})
	if trace.SpanContextFromContext(h).TraceID() != sc.TraceID() {
		t.Error("headers not extracted")
	}
}

func TestTracesEndpointIsUsedAsIs(t *testing.T) {
	t.Parallel()
	rcv := otlptest.Start(t)
	s, err := tracing.FromEnv("worker", env(map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": rcv.URL + "/v1/traces"}))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := tracing.New(context.Background(), s, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	_, span := tr.Tracer("test").Start(context.Background(), "direct")
	span.End()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = tr.Shutdown(ctx)
	if spans := rcv.Spans(); len(spans) != 1 || spans[0].Service != "keel-worker" {
		t.Fatalf("received %v", spans)
	}
}
