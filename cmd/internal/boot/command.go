package boot

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"go.uber.org/fx"

	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/logging"
)

// Command runs one-shot work in a process assembled from modules: it starts them (so
// PostgreSQL is reached and checked), calls run with its dependencies (T is an fx.In
// struct), stops them, and returns the exit status: 0 on success, 1 when run fails, 2 for
// bad configuration. Logs go to standard error; standard output is the command's own.
// SIGINT and SIGTERM cancel run's context.
func Command[T any](process string, run func(ctx context.Context, deps T) error, modules ...fx.Option) int {
	cfg, level, ok := commandConfig(process)
	if !ok {
		return 2
	}
	ts, logOpts, ok := tracingSettings(process)
	if !ok {
		return 2
	}
	log := logging.New(os.Stderr, level, process, logOpts...)
	var deps T
	app := fx.New(
		fx.Supply(cfg, log, ts),
		fx.NopLogger,
		fx.StopTimeout(cfg.ShutdownTimeout),
		fx.Options(modules...),
		fx.Invoke(func(d T) { deps = d }),
	)
	if err := app.Err(); err != nil {
		if code, ok := settingFailure(process, err); ok {
			return code
		}
		log.Error("cannot assemble the command", slog.String("error", err.Error()))
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	startCtx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	if err := app.Start(startCtx); err != nil {
		log.Error("start failed", slog.String("error", err.Error()))
		return 1
	}
	code := 0
	if err := run(ctx, deps); err != nil {
		fmt.Fprintf(os.Stderr, "keel %s: %v\n", process, err)
		code = 1
	}
	stopCtx, stopCancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer stopCancel()
	if err := app.Stop(stopCtx); err != nil {
		log.Error("stop failed", slog.String("error", err.Error()))
		return 1
	}
	return code
}

// commandConfig loads the configuration of a command whose standard output is its own,
// and the level of its log (on standard error): warn where info was asked, so that the
// log speaks of trouble only. ok is false once a bad setting has been reported.
func commandConfig(process string) (cfg *config.Config, level string, ok bool) {
	cfg, err := config.Load(process)
	if err != nil {
		fmt.Fprintf(os.Stderr, "keel %s: %v\n", process, err)
		return nil, "", false
	}
	if level = cfg.LogLevel; level == "info" {
		level = "warn"
	}
	return cfg, level, true
}
