package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/ports"
)

// maxCatchUp bounds the missed windows one pass looks at (the newest ones).
const maxCatchUp = 1000

// retryDelay is how long the scheduler waits before trying a window again when the action
// is busy (a one-shot run holds it) or the ledger failed.
const retryDelay = time.Second

// Scheduler runs every scheduled action's windows while this instance leads.
type Scheduler struct {
	Registry *Registry
	Runner   *Runner
	Elector  Elector
	Clock    ports.Clock
	// Instance names this process in the ledger.
	Instance string
	Log      *slog.Logger

	drainOnce sync.Once
	draining  chan struct{} // closed by Drain
	mu        sync.Mutex
	leading   chan struct{} // closed when the current leadership's loops have ended; nil when not leading
}

func (s *Scheduler) drainCh() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining == nil {
		s.draining = make(chan struct{})
	}
	return s.draining
}

// Drain stops taking new windows and waits until the runs in progress have finished or
// ctx is done; cancel Run's context afterwards. A drained scheduler does not lead again.
func (s *Scheduler) Drain(ctx context.Context) error {
	ch := s.drainCh()
	s.drainOnce.Do(func() { close(ch) })
	s.mu.Lock()
	leading := s.leading
	s.mu.Unlock()
	if leading == nil {
		return nil
	}
	select {
	case <-leading:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("scheduled runs still in progress: %w", ctx.Err())
	}
}

// Run schedules until ctx is done: it waits to be the leader, then runs each action's
// windows in its own loop (an action never overlaps itself) until leadership is lost.
func (s *Scheduler) Run(ctx context.Context) error {
	return s.Elector.Lead(ctx, s.lead)
}

// lead runs the actions' loops until leadership ends (ctx, which also cancels the runs) or
// the scheduler drains (no new window starts; runs in progress finish).
func (s *Scheduler) lead(ctx context.Context, locks Locks) {
	draining := s.drainCh()
	s.mu.Lock()
	select {
	case <-draining:
		s.mu.Unlock()
		return
	default:
	}
	done := make(chan struct{})
	s.leading = done
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.leading = nil
		s.mu.Unlock()
		close(done)
	}()

	s.Log.Info("leading the scheduler", slog.String("instance", s.Instance))
	sched, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		select {
		case <-draining:
			stop()
		case <-sched.Done():
		}
	}()
	var wg sync.WaitGroup
	for _, e := range s.Registry.List() {
		if !e.Spec.Off() {
			wg.Go(func() { s.loop(ctx, sched, locks, e) })
		}
	}
	wg.Wait()
	s.Log.Info("no longer leading the scheduler", slog.String("instance", s.Instance))
}

// loop runs e's windows in order, from the last one in the ledger (within the look-back),
// until sched ends; runs get ctx, which outlives sched while the scheduler drains.
func (s *Scheduler) loop(ctx, sched context.Context, locks Locks, e Entry) {
	cursor, ok := s.cursor(sched, e)
	for ok && sched.Err() == nil {
		now := s.Clock.Now()
		due := e.Spec.Windows(cursor, now, maxCatchUp)
		if len(due) == 0 {
			sleep(sched, e.Spec.Next(cursor).Sub(now))
			continue
		}
		run, skip := plan(e, due, now)
		if err := s.skip(sched, e, skip); err != nil {
			s.Log.Error("cannot record skipped windows", slog.String("action", e.Name), slog.String("error", err.Error()))
			sleep(sched, retryDelay)
			continue
		}
		for _, w := range run {
			if !s.runWindow(ctx, sched, locks, e, w) {
				return
			}
		}
		cursor = due[len(due)-1]
	}
}

// cursor is the window after which e's loop starts: the last window in the ledger, not
// older than the look-back; now when the action never ran.
func (s *Scheduler) cursor(ctx context.Context, e Entry) (time.Time, bool) {
	for ctx.Err() == nil {
		last, err := s.Runner.Ledger.LastWindow(ctx, e.Name)
		if err != nil {
			s.Log.Error("cannot read the ledger", slog.String("action", e.Name), slog.String("error", err.Error()))
			sleep(ctx, retryDelay)
			continue
		}
		now := s.Clock.Now()
		if last.IsZero() {
			return now, true
		}
		return maxTime(last, now.Add(-e.lookBack())), true
	}
	return time.Time{}, false
}

// plan splits due windows (oldest first, at least one) into those to run and those to
// record skipped, as e's policy says.
func plan(e Entry, due []time.Time, now time.Time) (run, skip []time.Time) {
	latest := due[len(due)-1]
	switch e.CatchUp {
	case CatchUpAll:
		return due, nil
	case CatchUpSkip:
		// The latest window still runs when it is on time: due within a period (at most a
		// minute), else it was missed too.
		grace := min(e.Spec.Next(latest).Sub(latest), time.Minute)
		if now.Sub(latest) <= grace {
			return due[len(due)-1:], due[:len(due)-1]
		}
		return nil, due
	}
	return due[len(due)-1:], due[:len(due)-1]
}

func (s *Scheduler) skip(ctx context.Context, e Entry, windows []time.Time) error {
	if len(windows) == 0 {
		return nil
	}
	now := kernel.Timestamp(s.Clock.Now())
	runs := make([]Run, len(windows))
	for i, w := range windows {
		runs[i] = Run{
			ID: kernel.NewID(), Action: e.Name, Window: w, Status: StatusSkipped, StartedAt: now, FinishedAt: now,
			Error: fmt.Sprintf("missed (catch-up policy %s)", e.CatchUp), Instance: s.Instance,
		}
	}
	if err := s.Runner.Ledger.Skip(ctx, runs); err != nil {
		return err
	}
	if s.Runner.Observer != nil {
		s.Runner.Observer.Skipped(e.Name, len(runs))
	}
	return nil
}

// runWindow runs one window, waiting while the action is busy and retrying while the
// ledger fails; false when sched ended first.
func (s *Scheduler) runWindow(ctx, sched context.Context, locks Locks, e Entry, w time.Time) bool {
	// Jitter never exceeds half the period, so an override such as "@every 1s" keeps up.
	if j := min(e.Jitter, e.Spec.Next(w).Sub(w)/2); j > 0 {
		sleep(sched, rand.N(j))
	}
	for sched.Err() == nil {
		_, err := s.Runner.Run(ctx, locks, e, w, s.Instance, false)
		switch {
		case err == nil, errors.Is(err, errWindowTaken):
			return true
		case errors.Is(err, ErrBusy):
			s.Log.Info("scheduled action busy; waiting", slog.String("action", e.Name), slog.Time("window", w))
		case ctx.Err() == nil:
			s.Log.Error("cannot run a scheduled window", slog.String("action", e.Name), slog.Time("window", w), slog.String("error", err.Error()))
		}
		sleep(sched, retryDelay)
	}
	return false
}

// RunNow runs the named action once, now, through the ledger, as `cron run NAME` does.
// The error is ErrUnknownAction, ErrBusy, a ledger failure, or the run's own failure.
func (s *Scheduler) RunNow(ctx context.Context, locks Locks, name string) (Run, error) {
	e, ok := s.Registry.Get(name)
	if !ok {
		return Run{}, ErrUnknownAction
	}
	run, err := s.Runner.Run(ctx, locks, e, s.Clock.Now(), OneShot, true)
	if errors.Is(err, errWindowTaken) { // two one-shots in the same microsecond
		err = ErrBusy
	}
	if err != nil {
		return Run{}, err
	}
	if run.Status != StatusSucceeded {
		return run, fmt.Errorf("%s %s: %s", name, run.Status, run.Error)
	}
	return run, nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
