package boot

import (
	"context"
	"errors"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"go.uber.org/fx"

	"github.com/keelhq/keel/adapters/jobs"
	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/database"
	"github.com/keelhq/keel/platform/tracing"
)

// Worker runs River on the shared pgx pool with every job kind the modules contribute. On stop it lets in-flight jobs finish until the shutdown deadline, then cancels
// them (River retries cancelled jobs).
var Worker = fx.Module("worker",
	fx.Provide(
		fx.Annotate(newWorker, fx.ParamTags(``, ``, ``, groupJobs, ``, ``)),
	),
	fx.Invoke(func(*river.Client[pgx.Tx]) {}),
)

func newWorker(lc fx.Lifecycle, cfg *config.Config, db *database.DB, regs []jobs.Registration, log *slog.Logger, tr *tracing.Tracing) (*river.Client[pgx.Tx], error) {
	client, err := jobs.NewWorker(db.Pool, regs, jobs.WorkerOptions{
		Concurrency: cfg.Worker.Concurrency,
		JobTimeout:  cfg.Worker.JobTimeout,
		Tracer:      tr.Tracer(scopeJobs),
	}, log)
	if err != nil {
		return nil, err
	}
	lc.Append(fx.Hook{
		// The client outlives the start-up context; stopping goes through Stop.
		OnStart: func(ctx context.Context) error { return client.Start(context.WithoutCancel(ctx)) },
		OnStop: func(ctx context.Context) error {
			soft, cancel := context.WithTimeout(ctx, cfg.ShutdownTimeout*3/4)
			defer cancel()
			if err := client.Stop(soft); err == nil {
				return nil
			}
			log.Warn("jobs still running at the shutdown deadline; cancelling them")
			if err := client.StopAndCancel(ctx); err != nil {
				return err
			}
			// The jobs ended, but cancelled: the drain missed its deadline.
			return errors.New("jobs were cancelled at the shutdown deadline")
		},
	})
	return client, nil
}
