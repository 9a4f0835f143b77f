package schedule_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keelhq/keel/application/schedule"
	"github.com/keelhq/keel/application/schedule/scheduletest"
	"github.com/keelhq/keel/ports"
)

// observed records what the runner reports.
type observed struct {
	mu       sync.Mutex
	statuses []schedule.Status
	skipped  int
}

func (o *observed) Finished(_ string, s schedule.Status, _, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.statuses = append(o.statuses, s)
}

func (o *observed) Skipped(_ string, n int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.skipped += n
}

// rig is a scheduler over in-memory ports.
type rig struct {
	ledger *scheduletest.Ledger
	locks  *scheduletest.Locks
	obs    *observed
	sched  *schedule.Scheduler
}

func newRig(t *testing.T, actions ...schedule.Action) *rig {
	t.Helper()
	reg, err := schedule.NewRegistry(actions, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{ledger: scheduletest.NewLedger(), locks: scheduletest.NewLocks(), obs: &observed{}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	r.sched = &schedule.Scheduler{
		Registry: reg,
		Runner:   &schedule.Runner{Ledger: r.ledger, Clock: ports.SystemClock{}, Observer: r.obs, Log: log},
		Elector:  scheduletest.NewElector(r.locks),
		Clock:    ports.SystemClock{}, Instance: "test:1", Log: log,
	}
	return r
}

func TestRunNowOutcomes(t *testing.T) {
	t.Parallel()
	r := newRig(t,
		schedule.Action{Name: "ok", Schedule: "off", Timeout: time.Hour, Run: func(ctx context.Context, w time.Time) error {
			if dl, _ := ctx.Deadline(); time.Until(dl) < 59*time.Minute {
				return errors.New("no deadline of the timeout")
			}
			return nil
		}},
		schedule.Action{Name: "fails", Schedule: "off", Timeout: time.Minute, Run: func(context.Context, time.Time) error {
			return errors.New("dial postgres://keel:s3cret@db/keel: password=s3cret rejected")
		}},
		schedule.Action{Name: "hangs", Schedule: "off", Timeout: 50 * time.Millisecond, Run: func(ctx context.Context, _ time.Time) error {
			<-ctx.Done()
			return ctx.Err()
		}},
		schedule.Action{Name: "panics", Schedule: "off", Timeout: time.Minute, Run: func(context.Context, time.Time) error { panic("boom") }},
	)
	ctx := context.Background()
	for _, tt := range []struct {
		name   string
		status schedule.Status
		errHas string
	}{
		{"ok", schedule.StatusSucceeded, ""},
		{"fails", schedule.StatusFailed, "password=xxxxx rejected"},
		{"hangs", schedule.StatusTimedOut, "timed out after 50ms"},
		{"panics", schedule.StatusFailed, "panic: boom"},
	} {
		run, err := r.sched.RunNow(ctx, r.locks, tt.name)
		if run.Status != tt.status || (tt.status == schedule.StatusSucceeded) != (err == nil) {
			t.Errorf("%s: %+v, %v; want %s", tt.name, run, err, tt.status)
		}
		if !strings.Contains(run.Error, tt.errHas) || strings.Contains(run.Error, "s3cret") {
			t.Errorf("%s: error %q, want it to contain %q and no secret", tt.name, run.Error, tt.errHas)
		}
		if run.Instance != schedule.OneShot || !run.Manual || run.FinishedAt.IsZero() {
			t.Errorf("%s: %+v, want a finished one-shot run", tt.name, run)
		}
		if got, _, _ := r.ledger.Latest(ctx, tt.name); got.Status != tt.status || got.ID != run.ID {
			t.Errorf("%s: ledger has %+v", tt.name, got)
		}
	}
	if took := mustLatest(t, r.ledger, "hangs").Duration(); took < 50*time.Millisecond || took > 5*time.Second {
		t.Errorf("the timed-out run took %s with a 50ms timeout", took)
	}
	if _, err := r.sched.RunNow(ctx, r.locks, "nope"); !errors.Is(err, schedule.ErrUnknownAction) {
		t.Errorf("unknown: %v", err)
	}
	if len(r.obs.statuses) != 4 {
		t.Errorf("observed %v", r.obs.statuses)
	}
}

func mustLatest(t *testing.T, l *scheduletest.Ledger, action string) schedule.Run {
	t.Helper()
	r, ok, err := l.Latest(context.Background(), action)
	if !ok || err != nil {
		t.Fatalf("no run of %s: %v", action, err)
	}
	return r
}

// A run is refused while the action's lock is held elsewhere; a row left running by a
// stopped instance is recorded failed before the next run.
func TestRunNowBusyAndAbandoned(t *testing.T) {
	t.Parallel()
	r := newRig(t, schedule.Action{Name: "a", Schedule: "off", Timeout: time.Minute, Run: noop})
	ctx := context.Background()
	unlock, ok, _ := r.locks.TryLock(ctx, "a")
	if !ok {
		t.Fatal("lock")
	}
	if _, err := r.sched.RunNow(ctx, r.locks, "a"); !errors.Is(err, schedule.ErrBusy) {
		t.Fatalf("RunNow while locked: %v, want ErrBusy", err)
	}
	if len(r.ledger.Runs()) != 0 {
		t.Fatalf("a refused run left a row: %+v", r.ledger.Runs())
	}
	unlock()

	stale := scheduletest.NewRun("a", time.Now().Add(-time.Hour).Truncate(time.Second))
	if _, err := r.ledger.Begin(ctx, stale); err != nil {
		t.Fatal(err)
	}
	r.sched.Runner.StepDown = 200 * time.Millisecond
	start := time.Now()
	if _, err := r.sched.RunNow(ctx, r.locks, "a"); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 200*time.Millisecond {
		t.Errorf("ran %s after finding a run in progress, want after the %s step-down", took, r.sched.Runner.StepDown)
	}
	for _, run := range r.ledger.Runs() {
		if run.ID == stale.ID && (run.Status != schedule.StatusFailed || !strings.Contains(run.Error, "interrupted")) {
			t.Errorf("stale run: %+v, want failed (interrupted)", run)
		}
	}
}

// A run whose parent context ends (leadership lost, shutdown) is recorded failed, not
// timed out.
func TestRunInterrupted(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	r := newRig(t, schedule.Action{Name: "a", Schedule: "off", Timeout: time.Hour, Run: func(ctx context.Context, _ time.Time) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	}})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	run, err := r.sched.RunNow(ctx, r.locks, "a")
	if err == nil || run.Status != schedule.StatusFailed || !strings.Contains(run.Error, "interrupted") {
		t.Errorf("interrupted run: %+v, %v", run, err)
	}
	if got := mustLatest(t, r.ledger, "a"); got.Status != schedule.StatusFailed {
		t.Errorf("recorded %+v (the outcome is recorded after the cancellation)", got)
	}
}
