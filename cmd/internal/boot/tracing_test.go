package boot

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/keelhq/keel/application/schedule"
	"github.com/keelhq/keel/platform/testkit/otlptest"
	"github.com/keelhq/keel/platform/tracing"
)

func TestTracedActionsRunInASpanOfTheirOwn(t *testing.T) {
	t.Parallel()
	rcv := otlptest.Start(t)
	s, err := tracing.FromEnv("cron", func(k string) (string, bool) {
		if k == "OTEL_EXPORTER_OTLP_ENDPOINT" {
			return rcv.URL, true
		}
		return "", false
	})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := tracing.New(context.Background(), s, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var inSpan bool
	actions := tracedActions(tr, []schedule.Action{{Name: "x.fail", Run: func(ctx context.Context, _ time.Time) error {
		_, inSpan = tracing.TraceID(ctx)
		return errors.New("boom")
	}}})
	if err := actions[0].Run(context.Background(), time.Now()); err == nil || !inSpan {
		t.Fatalf("err %v, ran in a span: %v", err, inSpan)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = tr.Shutdown(ctx)
	spans := rcv.Spans()
	if len(spans) != 1 || spans[0].Name != "cron x.fail" || !spans[0].Failed || spans[0].Service != "keel-cron" {
		t.Fatalf("spans:\n%s", otlptest.Describe(spans))
	}
	off := []schedule.Action{{Name: "y"}}
	if got := tracedActions(&tracing.Tracing{}, off); &got[0] != &off[0] {
		t.Error("tracing off, yet the actions were wrapped")
	}
}
