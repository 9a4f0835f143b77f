// Package scheduler runs the registered scheduled actions on their cron schedules with
// gocron, one run of an action at a time, logging each outcome.
package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/go-co-op/gocron/v2"

	"github.com/keelhq/keel/application/schedule"
)

// Scheduler is the cron loop.
type Scheduler struct {
	s   gocron.Scheduler
	log *slog.Logger
	// ctx is the parent of every run; cancelled when Stop's deadline passes.
	ctx    context.Context
	cancel context.CancelFunc
}

// New builds a scheduler with one job per action; nothing runs before Start.
func New(reg *schedule.Registry, log *slog.Logger) (*Scheduler, error) {
	// Stop's context bounds the wait for running actions; gocron's own stop timeout
	// (10 s by default) would otherwise end it early, whatever SHUTDOWN_TIMEOUT says.
	s, err := gocron.NewScheduler(gocron.WithLocation(time.UTC), gocron.WithStopTimeout(24*time.Hour))
	if err != nil {
		return nil, fmt.Errorf("new scheduler: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sc := &Scheduler{s: s, log: log, ctx: ctx, cancel: cancel}
	for _, a := range reg.List() {
		_, err := s.NewJob(
			gocron.CronJob(a.Spec, false),
			gocron.NewTask(sc.run, reg, a.Name),
			gocron.WithName(a.Name),
			gocron.WithSingletonMode(gocron.LimitModeReschedule),
		)
		if err != nil {
			return nil, fmt.Errorf("schedule %s (%q): %w", a.Name, a.Spec, err)
		}
	}
	return sc, nil
}

// run executes one action and logs its outcome.
func (sc *Scheduler) run(reg *schedule.Registry, name string) {
	start := time.Now()
	err := reg.RunOnce(sc.ctx, name)
	attrs := []any{slog.String("action", name), slog.Duration("took", time.Since(start))}
	if err != nil {
		sc.log.Error("scheduled action failed", append(attrs, slog.String("error", err.Error()))...)
		return
	}
	sc.log.Info("scheduled action done", attrs...)
}

// Start begins the loop.
func (sc *Scheduler) Start() { sc.s.Start() }

// Stop ends the loop, waiting for running actions until ctx is done, then cancelling them.
func (sc *Scheduler) Stop(ctx context.Context) error {
	defer sc.cancel()
	done := make(chan error, 1)
	go func() { done <- sc.s.Shutdown() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		sc.cancel()
		return fmt.Errorf("scheduler stop: %w", ctx.Err())
	}
}
