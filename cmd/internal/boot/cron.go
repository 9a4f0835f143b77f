package boot

import (
	"context"
	"log/slog"

	"go.uber.org/fx"

	"github.com/keelhq/keel/adapters/scheduler"
	"github.com/keelhq/keel/application/schedule"
)

// Schedule provides the registry of every scheduled action the contexts contribute.
var Schedule = fx.Module("schedule",
	fx.Provide(fx.Annotate(
		func(actions []schedule.Action) (*schedule.Registry, error) { return schedule.NewRegistry(actions...) },
		fx.ParamTags(groupActions),
	)),
)

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
