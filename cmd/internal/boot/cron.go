package boot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/keelhq/keel/adapters/cronmetrics"
	httpcron "github.com/keelhq/keel/adapters/http/cron"
	"github.com/keelhq/keel/adapters/http/route"
	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/adapters/postgres/cronprobe"
	pgschedule "github.com/keelhq/keel/adapters/postgres/schedule"
	"github.com/keelhq/keel/application/schedule"
	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/database"
	"github.com/keelhq/keel/platform/tracing"
	"github.com/keelhq/keel/ports"
)

// Schedule is the module of scheduled runs: the registry of every action the contexts
// contribute (CRON_SCHEDULES applied), the ledger and the runner cron uses, and
// GET /v1/cron/runs, which the api serves from the same ledger. With APP_ENV=test it also
// registers the probe actions the end-to-end tests watch the scheduler with.
var Schedule = fx.Module("schedule",
	fx.Provide(
		fx.Annotate(newRegistry, fx.ParamTags(``, ``, groupActions)),
		func(db *database.DB) schedule.Ledger { return pgschedule.NewLedger(db.Bun) },
		func(l schedule.Ledger) *schedule.Runs { return &schedule.Runs{Ledger: l} },
		func(reg *prometheus.Registry) schedule.Observer { return cronmetrics.New(reg) },
		newScheduler,
		Routes(func(r *schedule.Runs, cursors *web.Cursors) []route.Route {
			return (&httpcron.Handler{Runs: r, Cursors: cursors}).Routes()
		}),
		fx.Annotate(probeActions, fx.ResultTags(`group:"actions,flatten"`)),
	),
)

func newRegistry(cfg *config.Config, tr *tracing.Tracing, actions []schedule.Action) (*schedule.Registry, error) {
	actions = tracedActions(tr, actions)
	overrides, err := schedule.ParseOverrides(cfg.Cron.Schedules)
	if err != nil {
		return nil, settingError(err)
	}
	reg, err := schedule.NewRegistry(actions, overrides)
	if err != nil {
		return nil, settingError(err)
	}
	return reg, nil
}

// settingError turns an error caused by the value of CRON_SCHEDULES into a configuration
// error, which the process reports on its own (not inside fx's account of the dependency
// graph) before it stops with status 2, as it does for every other bad setting.
func settingError(err error) error {
	if errors.Is(err, schedule.ErrBadOverride) {
		return &config.Error{Problems: []string{err.Error()}}
	}
	return err
}

// probeActions are the end-to-end tests' actions, in APP_ENV=test only.
func probeActions(cfg *config.Config, db *database.DB) []schedule.Action {
	if cfg.Env != "test" {
		return nil
	}
	return cronprobe.Actions(db.Bun)
}

func newScheduler(reg *schedule.Registry, ledger schedule.Ledger, obs schedule.Observer, clock ports.Clock, db *database.DB, log *slog.Logger) *schedule.Scheduler {
	host, _ := os.Hostname()
	return &schedule.Scheduler{
		Registry: reg,
		Runner:   &schedule.Runner{Ledger: ledger, Clock: clock, Observer: obs, Log: log, StepDown: pgschedule.StepDown},
		Elector:  pgschedule.NewElector(db.Pool.Config().ConnConfig, log),
		Clock:    clock,
		Instance: fmt.Sprintf("%s:%d", host, os.Getpid()),
		Log:      log,
	}
}

// Scheduler runs the registered actions on their schedules for the life of the process,
// while this instance is the leader. On stop it takes no new window, lets runs in progress
// finish until the shutdown deadline, then cancels them.
var Scheduler = fx.Module("scheduler",
	fx.Invoke(func(lc fx.Lifecycle, s *schedule.Scheduler, reg *schedule.Registry, log *slog.Logger) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		lc.Append(fx.Hook{
			OnStart: func(context.Context) error {
				go func() {
					defer close(done)
					_ = s.Run(ctx)
				}()
				log.Info("scheduler running", slog.Int("actions", len(reg.List())), slog.String("instance", s.Instance))
				return nil
			},
			OnStop: func(stop context.Context) error {
				err := s.Drain(stop)
				cancel()
				select {
				case <-done:
				case <-stop.Done():
					return fmt.Errorf("scheduler stop: %w", stop.Err())
				}
				return err
			},
		})
	}),
)
