package boot

import (
	"context"
	"log/slog"
	"time"

	"go.uber.org/fx"

	"github.com/keelhq/keel/adapters/scheduler"
	"github.com/keelhq/keel/application/schedule"
	"github.com/keelhq/keel/domain/auth"
)

// Action annotates a constructor of a scheduled action for the "actions" group.
func Action(ctor any) any {
	return fx.Annotate(ctor, fx.ResultTags(`group:"actions"`))
}

// Schedule provides the registry of every scheduled action in the "actions" group.
var Schedule = fx.Module("schedule",
	fx.Provide(Action(pruneExpired)),
	fx.Provide(fx.Annotate(
		func(actions []schedule.Action) (*schedule.Registry, error) { return schedule.NewRegistry(actions...) },
		fx.ParamTags(`group:"actions"`),
	)),
)

// pruneExpired deletes sessions and tokens that ended long ago.
func pruneExpired(a *auth.Service, log *slog.Logger) schedule.Action {
	return schedule.Action{
		Name: "auth.prune_expired", Spec: "17 * * * *", Timeout: 5 * time.Minute,
		Run: func(ctx context.Context) error {
			n, err := a.PruneExpired(ctx)
			if err == nil {
				log.InfoContext(ctx, "pruned expired sessions and tokens", slog.Int64("rows", n))
			}
			return err
		},
	}
}

// Scheduler runs the registered actions on their schedules for the life of the process.
var Scheduler = fx.Module("scheduler",
	fx.Invoke(func(lc fx.Lifecycle, reg *schedule.Registry, log *slog.Logger) error {
		s, err := scheduler.New(reg, log)
		if err != nil {
			return err
		}
		lc.Append(fx.Hook{
			OnStart: func(context.Context) error {
				s.Start()
				log.Info("scheduler running", slog.Int("actions", len(reg.List())))
				return nil
			},
			OnStop: s.Stop,
		})
		return nil
	}),
)
