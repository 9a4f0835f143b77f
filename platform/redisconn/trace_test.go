package redisconn_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/keelhq/keel/platform/redisconn"
	"github.com/keelhq/keel/platform/testkit/redistest"
)

// TestTracedCommands checks the README's promise: inside a traced request a Redis command
// records a client span named after the command (a pipeline after its first one), never
// its keys or values; a miss is no failure; a command outside any span records nothing.
func TestTracedCommands(t *testing.T) {
	t.Parallel()
	sr := tracetest.NewSpanRecorder()
	tracer := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr)).Tracer("test")
	c, err := redisconn.Open(redisconn.Options{URL: redistest.BaseURL(), Tracer: tracer})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	prefix := redistest.Prefix(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if err := c.Set(ctx, prefix+"outside", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if n := len(sr.Ended()); n != 0 {
		t.Fatalf("a command outside any span recorded %d spans", n)
	}

	reqCtx, request := tracer.Start(ctx, "request")
	const secret = "s3cret-value"
	if err := c.Set(reqCtx, prefix+"k", secret, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Get(reqCtx, prefix+"missing").Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("GET of a missing key: %v", err)
	}
	if _, err := c.Pipelined(reqCtx, func(p redis.Pipeliner) error {
		p.Incr(reqCtx, prefix+"n")
		p.Expire(reqCtx, prefix+"n", time.Minute)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	request.End()

	byName := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range sr.Ended() {
		byName[s.Name()] = s
		for _, a := range s.Attributes() {
			if v := a.Value.Emit(); strings.Contains(v, prefix) || strings.Contains(v, secret) {
				t.Errorf("span %s exports %s=%q", s.Name(), a.Key, v)
			}
		}
	}
	for _, name := range []string{"SET", "GET", "PIPELINE INCR"} {
		s, ok := byName[name]
		if !ok {
			t.Errorf("no span %q among %v", name, keys(byName))
			continue
		}
		if s.Parent().SpanID() != request.SpanContext().SpanID() || s.SpanKind() != trace.SpanKindClient {
			t.Errorf("span %s: parent %s, kind %s; want a client span under the request", name, s.Parent().SpanID(), s.SpanKind())
		}
		if s.Status().Code == codes.Error {
			t.Errorf("span %s failed: %v", name, s.Status())
		}
	}
}

func keys(m map[string]sdktrace.ReadOnlySpan) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
