package boot

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.uber.org/fx"

	"github.com/keelhq/keel/adapters/postgres/eventlog"
	"github.com/keelhq/keel/adapters/redis/fanout"
	"github.com/keelhq/keel/application/schedule"
	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/database"
	"github.com/keelhq/keel/platform/tracing"
)

// relayPoll is the relay's safety-net pass interval; commits wake it at once (LISTEN).
const relayPoll = time.Second

// Relay runs the outbox relay in a worker: committed outbox events go into the durable
// event log with their per-topic offsets, then out on the Redis fan-out channels. Without
// Redis (REDIS_URL empty) events are only recorded. Any number of workers may run it.
var Relay = fx.Module("relay",
	fx.Invoke(func(lc fx.Lifecycle, cfg *config.Config, db *database.DB, rdb *redis.Client, log *slog.Logger, reg *prometheus.Registry, tr *tracing.Tracing) error {
		var pub eventlog.Publisher
		if rdb != nil {
			pub = fanout.NewPublisher(rdb, cfg.Redis.KeyPrefix, 0).Traced(tr.Tracer(scopeEvents))
		}
		r, err := eventlog.NewRunner(eventlog.NewRelay(db.Bun, time.Now), pub, db.Pool,
			eventlog.RunnerOptions{Poll: relayPoll, StepTimeout: min(5*time.Second, cfg.ShutdownTimeout/2)}, log, reg)
		if err != nil {
			return err
		}
		lc.Append(fx.Hook{
			OnStart: func(context.Context) error {
				r.Start()
				log.Info("outbox relay running", slog.Bool("fanout", pub != nil))
				return nil
			},
			OnStop: r.Stop,
		})
		return nil
	}),
)

// EventLog contributes the durable event log's housekeeping to cron: events.prune removes
// the published entries past their replay retention (EVENTS_RETENTION and
// EVENTS_RETENTION_COUNT), in bounded batches.
var EventLog = fx.Module("eventlog",
	fx.Provide(Action(pruneEvents)),
)

func pruneEvents(cfg *config.Config, db *database.DB, log *slog.Logger) schedule.Action {
	p := eventlog.NewPruner(db.Bun, eventlog.Retention{Age: cfg.Events.Retention, Count: cfg.Events.RetentionCount})
	return schedule.Action{
		Name: "events.prune", Schedule: "*/10 * * * *", Timeout: 5 * time.Minute, Jitter: 30 * time.Second,
		Run: func(ctx context.Context, window time.Time) error {
			n, err := p.Prune(ctx, window)
			log.InfoContext(ctx, "pruned relayed events past their retention", slog.Int("events", n))
			return err
		},
	}
}
