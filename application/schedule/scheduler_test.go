package schedule_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keelhq/keel/application/schedule"
	"github.com/keelhq/keel/application/schedule/scheduletest"
)

// eventually polls cond until it holds or the timeout passes.
func eventually(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// start runs the scheduler until the test ends and grants it leadership until the
// returned function is called.
func (r *rig) start(t *testing.T) (revoke func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.sched.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	term, end := context.WithCancel(context.Background())
	r.sched.Elector.(*scheduletest.Elector).Grant <- term
	return end
}

// byWindow indexes the action's rows by window, failing on a window with two rows.
func byWindow(t *testing.T, l *scheduletest.Ledger, action string) map[time.Time]schedule.Run {
	t.Helper()
	out := map[time.Time]schedule.Run{}
	for _, r := range l.Runs() {
		if r.Action != action {
			continue
		}
		if _, dup := out[r.Window]; dup {
			t.Fatalf("window %s of %s has two rows", r.Window, action)
		}
		out[r.Window] = r
	}
	return out
}

// On becoming leader, the scheduler runs the windows missed since the ledger's last one, as
// each action's policy says: every one, or the latest with the rest recorded skipped.
func TestSchedulerCatchesUp(t *testing.T) {
	t.Parallel()
	var all, latest atomic.Int64
	r := newRig(t,
		schedule.Action{Name: "all", Schedule: "@every 1s", Timeout: time.Second, CatchUp: schedule.CatchUpAll,
			Run: func(context.Context, time.Time) error { all.Add(1); return nil }},
		schedule.Action{Name: "latest", Schedule: "@every 1s", Timeout: time.Second,
			Run: func(context.Context, time.Time) error { latest.Add(1); return nil }},
		schedule.Action{Name: "old", Schedule: "@every 1s", Timeout: time.Second, LookBack: 3 * time.Second, CatchUp: schedule.CatchUpAll,
			Run: func(context.Context, time.Time) error { return nil }},
	)
	last := time.Now().UTC().Truncate(time.Second).Add(-5 * time.Second)
	ctx := context.Background()
	for _, a := range []string{"all", "latest"} {
		done := scheduletest.NewRun(a, last)
		done.Status = schedule.StatusSucceeded
		_, _ = r.ledger.Begin(ctx, done)
	}
	_, _ = r.ledger.Begin(ctx, scheduletest.NewRun("old", last.Add(-time.Hour)))
	r.start(t)
	eventually(t, "catch-up", 10*time.Second, func() bool { return all.Load() >= 5 && latest.Load() >= 1 })

	rows := byWindow(t, r.ledger, "all")
	for w := last.Add(time.Second); w.Before(last.Add(6 * time.Second)); w = w.Add(time.Second) {
		if rows[w].Status != schedule.StatusSucceeded || rows[w].Instance != "test:1" {
			t.Errorf("all, window %s: %+v, want run", w, rows[w])
		}
	}
	rows = byWindow(t, r.ledger, "latest")
	skipped := 0
	for _, run := range rows {
		if run.Status == schedule.StatusSkipped {
			skipped++
		}
	}
	if skipped < 3 {
		t.Errorf("latest: %d windows skipped, want the missed ones but the latest (%v)", skipped, rows)
	}
	// The look-back bounds what is caught up: an hour-old last window does not bring an
	// hour of windows.
	if n := len(byWindow(t, r.ledger, "old")); n > 6 {
		t.Errorf("old: %d windows, want at most the 3 s look-back's", n)
	}
}

// A window whose action is busy (a one-shot run holds it) waits and then runs; it is not lost.
func TestSchedulerWaitsForBusyAction(t *testing.T) {
	t.Parallel()
	var runs atomic.Int64
	r := newRig(t, schedule.Action{Name: "a", Schedule: "@every 1s", Timeout: time.Second, CatchUp: schedule.CatchUpAll,
		Run: func(context.Context, time.Time) error { runs.Add(1); return nil }})
	unlock, _, _ := r.locks.TryLock(context.Background(), "a")
	r.start(t)
	time.Sleep(1500 * time.Millisecond) // a window passes while the action is busy
	if runs.Load() != 0 {
		t.Fatal("ran while the lock was held elsewhere")
	}
	unlock()
	eventually(t, "the waiting window runs", 5*time.Second, func() bool { return runs.Load() >= 1 })
	if runs.Load() != int64(len(byWindow(t, r.ledger, "a"))) {
		t.Errorf("%d runs for %d windows", runs.Load(), len(byWindow(t, r.ledger, "a")))
	}
}

// Losing leadership cancels the run in progress (recorded failed) and a new leader does not
// run that window again.
func TestSchedulerLeadershipLost(t *testing.T) {
	t.Parallel()
	started := make(chan time.Time, 10)
	var runs atomic.Int64
	act := schedule.Action{Name: "a", Schedule: "@every 1s", Timeout: time.Minute, CatchUp: schedule.CatchUpAll,
		Run: func(ctx context.Context, w time.Time) error {
			runs.Add(1)
			started <- w
			<-ctx.Done()
			return ctx.Err()
		}}
	r := newRig(t, act)
	revoke := r.start(t)
	w := <-started
	revoke()
	eventually(t, "the run recorded failed", 5*time.Second, func() bool {
		return byWindow(t, r.ledger, "a")[w].Status == schedule.StatusFailed
	})
	if run := byWindow(t, r.ledger, "a")[w]; run.Error == "" || run.FinishedAt.IsZero() {
		t.Errorf("interrupted run %+v", run)
	}

	// Another instance, same ledger and locks, takes over.
	other := newRig(t, act)
	other.ledger, other.locks = r.ledger, r.locks
	other.sched.Runner.Ledger = r.ledger
	other.sched.Elector = scheduletest.NewElector(r.locks)
	other.sched.Instance = "test:2"
	other.start(t)
	w2 := <-started
	if !w2.After(w) {
		t.Errorf("the new leader ran window %s again (first ran %s)", w2, w)
	}
	if got := fmt.Sprint(byWindow(t, r.ledger, "a")[w2].Instance); got != "test:2" {
		t.Errorf("window %s run by %s", w2, got)
	}
}

// Draining lets the run in progress finish, uncancelled, and starts no new window.
func TestSchedulerDrain(t *testing.T) {
	t.Parallel()
	started, release := make(chan struct{}, 10), make(chan struct{})
	var cancelled atomic.Bool
	r := newRig(t, schedule.Action{Name: "a", Schedule: "@every 1s", Timeout: time.Minute,
		Run: func(ctx context.Context, _ time.Time) error {
			started <- struct{}{}
			select {
			case <-release:
			case <-ctx.Done():
				cancelled.Store(true)
			}
			return ctx.Err()
		}})
	r.start(t)
	<-started
	drained := make(chan error, 1)
	go func() { drained <- r.sched.Drain(context.Background()) }()
	select {
	case err := <-drained:
		t.Fatalf("Drain returned (%v) while a run was in progress", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if err := <-drained; err != nil {
		t.Fatal(err)
	}
	if cancelled.Load() {
		t.Error("the run was cancelled by the drain")
	}
	runs := r.ledger.Runs()
	if len(runs) != 1 || runs[0].Status != schedule.StatusSucceeded {
		t.Errorf("after the drain: %+v, want the one run, succeeded", runs)
	}
	// Drain with a deadline that passes first reports it.
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if err := r.sched.Drain(ctx); err != nil {
		t.Errorf("a second Drain of an idle scheduler: %v", err)
	}
}
