// Package boot wires Keel's long-running processes with fx: configuration and logging
// first (a bad setting stops the process before anything starts), then the platform
// module, the process's own modules, and an orderly start and stop.
package boot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"

	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/logging"
)

// startTimeout bounds start-up: connecting to PostgreSQL, binding the listener, starting
// job and scheduler loops.
const startTimeout = 30 * time.Second

// settingFailure reports an fx assembly failure caused by a bad setting (a constructor
// returned a *config.Error, e.g. for CRON_SCHEDULES) the way config.Load's are reported:
// one line on standard error naming the variable, exit status 2.
func settingFailure(process string, err error) (int, bool) {
	var bad *config.Error
	if !errors.As(err, &bad) {
		return 0, false
	}
	fmt.Fprintf(os.Stderr, "keel %s: %v\n", process, bad)
	return 2, true
}

// Run is the whole main of a long-running process: it returns the exit status.
func Run(process string, modules ...fx.Option) int {
	cfg, err := config.Load(process)
	if err != nil {
		fmt.Fprintf(os.Stderr, "keel %s: %v\n", process, err)
		return 2
	}
	ts, logOpts, ok := tracingSettings(process)
	if !ok {
		return 2
	}
	log := logging.New(os.Stdout, cfg.LogLevel, process, logOpts...)
	log.Info("starting", slog.Any("config", cfg))

	app := fx.New(
		fx.Supply(cfg, log, ts),
		fx.WithLogger(func() fxevent.Logger {
			l := &fxevent.SlogLogger{Logger: log}
			l.UseLogLevel(slog.LevelDebug)
			return l
		}),
		fx.StopTimeout(cfg.ShutdownTimeout),
		fx.Options(modules...),
	)
	if err := app.Err(); err != nil {
		if code, ok := settingFailure(process, err); ok {
			return code
		}
		log.Error("cannot assemble the process", slog.String("error", err.Error()))
		return 1
	}

	startCtx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := app.Start(startCtx); err != nil {
		return 1 // fx has logged the failure and rolled back what had started
	}
	log.Info("started", slog.String("http_addr", cfg.HTTPAddr))

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	sig := <-sigs
	signal.Stop(sigs)
	log.Info("stopping", slog.String("signal", sig.String()), slog.Duration("deadline", cfg.ShutdownTimeout))

	stopCtx, stopCancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer stopCancel()
	err = app.Stop(stopCtx)
	if err == nil && stopCtx.Err() != nil {
		// Every hook returned, but not within the deadline: the drain was cut short.
		err = stopCtx.Err()
	}
	if err != nil {
		log.Error("stop failed: the drain did not finish within SHUTDOWN_TIMEOUT", slog.String("error", err.Error()))
		return 1
	}
	log.Info("stopped")
	return 0
}
