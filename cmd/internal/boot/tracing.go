package boot

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/fx"

	"github.com/keelhq/keel/application/schedule"
	"github.com/keelhq/keel/platform/logging"
	"github.com/keelhq/keel/platform/tracing"
)

// Instrumentation scopes: the component that records a span.
const (
	scopeHTTP     = "github.com/keelhq/keel/adapters/http"
	scopeDatabase = "github.com/keelhq/keel/platform/database"
	scopeRedis    = "github.com/keelhq/keel/platform/redisconn"
	scopeJobs     = "github.com/keelhq/keel/adapters/jobs"
	scopeEvents   = "github.com/keelhq/keel/adapters/redis/fanout"
	scopeHub      = "github.com/keelhq/keel/adapters/ws"
	scopeCron     = "github.com/keelhq/keel/application/schedule"
)

// tracingSettings reads the OTEL_ variables, reporting a bad one the way a bad setting
// is reported (one line on standard error, status 2), and the logger options they imply
// (trace ids in log lines when tracing is on).
func tracingSettings(process string) (tracing.Settings, []logging.Option, bool) {
	s, err := tracing.FromEnv(process, os.LookupEnv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "keel %s: %v\n", process, err)
		return s, nil, false
	}
	if !s.Enabled {
		return s, nil, true
	}
	return s, []logging.Option{logging.TraceIDs()}, true
}

// newTracing starts the process's tracer provider (nothing when tracing is off). Every
// instrumented component takes it, so it is built before them and its stop hook runs
// after theirs: spans of the drain are exported too, within the shutdown deadline.
func newTracing(lc fx.Lifecycle, s tracing.Settings, log *slog.Logger) (*tracing.Tracing, error) {
	t, err := tracing.New(context.Background(), s, log)
	if err != nil {
		return nil, err
	}
	if t.Enabled() {
		log.Info("tracing on", slog.String("service", s.ServiceName), slog.String("endpoint", s.Endpoint),
			slog.String("sampler", s.Sampler))
	}
	lc.Append(fx.Hook{OnStop: t.Shutdown})
	return t, nil
}

// tracedActions wraps each scheduled action's run in a span named "cron <action>" (with
// tracing on), so its statements and the jobs it enqueues form one trace.
func tracedActions(t *tracing.Tracing, actions []schedule.Action) []schedule.Action {
	tracer := t.Tracer(scopeCron)
	if tracer == nil {
		return actions
	}
	out := make([]schedule.Action, len(actions))
	for i, a := range actions {
		run, name := a.Run, a.Name
		a.Run = func(ctx context.Context, window time.Time) error {
			ctx, span := tracer.Start(ctx, "cron "+name, trace.WithAttributes(
				attribute.String("keel.cron.action", name), attribute.String("keel.cron.window", window.UTC().Format(time.RFC3339))))
			defer span.End()
			err := run(ctx, window)
			if err != nil {
				span.SetStatus(codes.Error, "failed")
			}
			return err
		}
		out[i] = a
	}
	return out
}
