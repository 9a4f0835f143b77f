package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/ports"
)

// errWindowTaken: the window already has a row in the ledger (another instance ran it).
var errWindowTaken = errors.New("the window already ran")

// finishTimeout bounds recording a run's outcome, which happens after the run's own
// context may have ended.
const finishTimeout = 5 * time.Second

// maxErrorLen bounds the error text kept in the ledger.
const maxErrorLen = 1000

// Runner runs one window of an action through the ledger: it takes the action's lock (one
// run of an action at a time, across every process), claims the window's row, runs the
// action within its timeout and records the outcome.
type Runner struct {
	Ledger   Ledger
	Clock    ports.Clock
	Observer Observer
	Log      *slog.Logger
	// StepDown is how long a process that lost the action's lock (its database session
	// ended) may go on running the action before it notices and cancels the run: the
	// elector's step-down time. A run found in progress is recorded interrupted, and the
	// action run again, only after it, so that the two never overlap.
	StepDown time.Duration
}

// Run runs e for window as instance; manual marks a one-shot run. It returns ErrBusy when
// a run of e is in progress and errWindowTaken when the window already has a row; the
// run's own failure is in the returned Run, not in the error.
func (r *Runner) Run(ctx context.Context, locks Locks, e Entry, window time.Time, instance string, manual bool) (Run, error) {
	unlock, ok, err := locks.TryLock(ctx, e.Name)
	if err != nil {
		return Run{}, fmt.Errorf("lock %s: %w", e.Name, err)
	}
	if !ok {
		return Run{}, ErrBusy
	}
	defer unlock()
	if err := r.abandon(ctx, e); err != nil {
		return Run{}, err
	}
	now := r.Clock.Now()
	run := Run{
		ID: kernel.NewID(), Action: e.Name, Window: kernel.Timestamp(window), Manual: manual,
		Status: StatusRunning, StartedAt: kernel.Timestamp(now), Instance: instance,
	}
	began, err := r.Ledger.Begin(ctx, run)
	if err != nil {
		return Run{}, err
	}
	if !began {
		return Run{}, errWindowTaken
	}
	run.Status, run.Error = r.execute(ctx, e, window)
	run.FinishedAt = kernel.Timestamp(r.Clock.Now())
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	if err := r.Ledger.Finish(fctx, run); err != nil {
		// The next leader's Abandon records it failed.
		r.Log.Error("cannot record a scheduled run's outcome", slog.String("action", e.Name), slog.String("error", err.Error()))
	}
	r.report(run)
	return run, nil
}

// abandon records failed the runs of e left running by a process that lost the action's
// lock (it died, or its session ended): holding the lock, no run of e can be in progress
// once that process has had StepDown to notice.
func (r *Runner) abandon(ctx context.Context, e Entry) error {
	stale, err := r.Ledger.List(ctx, Filter{Action: e.Name, Status: StatusRunning}, kernel.Page{Limit: 1})
	if err != nil || len(stale) == 0 {
		return err
	}
	r.Log.Warn("a run of the action was left running; waiting for its process to step down",
		slog.String("action", e.Name), slog.String("instance", stale[0].Instance), slog.Duration("wait", r.StepDown))
	sleep(ctx, r.StepDown)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	n, err := r.Ledger.Abandon(ctx, e.Name, "interrupted: the instance running it stopped", kernel.Timestamp(r.Clock.Now()))
	if n > 0 {
		r.Log.Warn("runs interrupted by a stop recorded failed", slog.String("action", e.Name), slog.Int64("runs", n))
	}
	return err
}

// execute runs the action within its timeout and classifies the outcome.
func (r *Runner) execute(ctx context.Context, e Entry, window time.Time) (Status, string) {
	runCtx, cancel := context.WithTimeout(ctx, e.Timeout)
	defer cancel()
	err := safely(runCtx, e.Run, window)
	switch {
	case err == nil:
		return StatusSucceeded, ""
	case ctx.Err() != nil:
		return StatusFailed, "interrupted: the instance stopped or lost leadership"
	case errors.Is(runCtx.Err(), context.DeadlineExceeded):
		return StatusTimedOut, fmt.Sprintf("timed out after %s", e.Timeout)
	}
	return StatusFailed, Redact(err.Error())
}

// safely calls run, turning a panic into an error.
func safely(ctx context.Context, run func(context.Context, time.Time) error, window time.Time) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return run(ctx, window)
}

func (r *Runner) report(run Run) {
	attrs := []any{
		slog.String("action", run.Action), slog.Time("window", run.Window), slog.String("status", string(run.Status)),
		slog.Duration("took", run.Duration()),
	}
	if run.Error != "" {
		r.Log.Error("scheduled run finished", append(attrs, slog.String("error", run.Error))...)
	} else {
		r.Log.Info("scheduled run finished", attrs...)
	}
	if r.Observer != nil {
		lag := time.Duration(0)
		if !run.Manual {
			lag = max(run.StartedAt.Sub(run.Window), 0)
		}
		r.Observer.Finished(run.Action, run.Status, run.Duration(), lag)
	}
}

// secretPatterns match what must not reach the ledger (group 1 stays, the secret goes,
// group 2 stays): the password of a URL, and key=value, key: value or JSON "key": "value"
// pairs whose key names a secret.
var secretPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(://[^:/@\s]*:)[^@\s]*(@)`),
	regexp.MustCompile(`(?i)((?:password|passwd|secret|token|key)"?\s*[=:]\s*"?)[^\s,;&"]+()`),
}

// Redact masks secrets in an error text and bounds its length.
func Redact(s string) string {
	for _, p := range secretPatterns {
		s = p.ReplaceAllString(s, "${1}xxxxx${2}")
	}
	if r := []rune(s); len(r) > maxErrorLen {
		s = string(r[:maxErrorLen]) + "…"
	}
	return s
}
