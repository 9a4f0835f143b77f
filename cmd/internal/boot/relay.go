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
	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/database"
)

// relayPoll is the relay's safety-net pass interval; commits wake it at once (LISTEN).
const relayPoll = time.Second

// Relay runs the outbox relay in a worker: committed outbox events go into the durable
// event log with their per-topic offsets, then out on the Redis fan-out channels. Without
// Redis (REDIS_URL empty) events are only recorded. Any number of workers may run it.
var Relay = fx.Module("relay",
	fx.Invoke(func(lc fx.Lifecycle, cfg *config.Config, db *database.DB, rdb *redis.Client, log *slog.Logger, reg *prometheus.Registry) error {
		var pub eventlog.Publisher
		if rdb != nil {
			pub = fanout.NewPublisher(rdb, cfg.Redis.KeyPrefix, 0)
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
