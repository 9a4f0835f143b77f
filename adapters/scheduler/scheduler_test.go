package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/keelhq/keel/application/schedule"
	"github.com/keelhq/keel/platform/testkit/logtest"
)

func newLog() (*slog.Logger, *logtest.Buffer) {
	buf := &logtest.Buffer{}
	return slog.New(slog.NewJSONHandler(buf, nil)), buf
}

func registry(t *testing.T, actions ...schedule.Action) *schedule.Registry {
	t.Helper()
	reg, err := schedule.NewRegistry(actions...)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func noop(context.Context) error { return nil }

func TestNewRefusesBadSpecs(t *testing.T) {
	t.Parallel()
	log, _ := newLog()
	for _, spec := range []string{"not a cron", "* * * *", "* * * * * *", "61 * * * *", "@every banana"} {
		reg := registry(t, schedule.Action{Name: "a.b", Spec: spec, Timeout: time.Second, Run: noop})
		_, err := New(reg, log)
		if err == nil || !strings.Contains(err.Error(), "a.b") || !strings.Contains(err.Error(), spec) {
			t.Errorf("New with spec %q: %v, want an error naming the action and spec", spec, err)
		}
	}
	for _, spec := range []string{"17 * * * *", "*/15 * * * *", "0 3 * * MON-FRI", "@hourly"} {
		reg := registry(t, schedule.Action{Name: "a.b", Spec: spec, Timeout: time.Second, Run: noop})
		sc, err := New(reg, log)
		if err != nil {
			t.Errorf("New with spec %q: %v", spec, err)
			continue
		}
		if err := sc.Stop(context.Background()); err != nil {
			t.Errorf("Stop of an unstarted scheduler: %v", err)
		}
	}
}

func TestStartStopClean(t *testing.T) {
	t.Parallel()
	log, _ := newLog()
	sc, err := New(registry(t,
		schedule.Action{Name: "every.minute", Spec: "* * * * *", Timeout: time.Second, Run: noop},
		schedule.Action{Name: "hourly", Spec: "17 * * * *", Timeout: time.Second, Run: noop},
	), log)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(sc.s.Jobs()); n != 2 {
		t.Fatalf("%d jobs scheduled, want 2", n)
	}
	sc.Start()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := sc.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("idle Stop took %s", took)
	}
}

// runNow starts the named action through gocron, as its schedule would.
func runNow(t *testing.T, sc *Scheduler, name string) {
	t.Helper()
	for _, j := range sc.s.Jobs() {
		if j.Name() == name {
			if err := j.RunNow(); err != nil {
				t.Fatalf("RunNow(%s): %v", name, err)
			}
			return
		}
	}
	t.Fatalf("no job %s", name)
}

// blocking is an action that signals its start and waits for release or cancellation.
type blocking struct {
	started  chan struct{}
	release  chan struct{}
	finished chan error // the context's error when the run ended
}

func newBlocking() *blocking {
	return &blocking{started: make(chan struct{}), release: make(chan struct{}), finished: make(chan error, 1)}
}

func (b *blocking) run(ctx context.Context) error {
	close(b.started)
	select {
	case <-b.release:
	case <-ctx.Done():
	}
	b.finished <- ctx.Err()
	return ctx.Err()
}

func await[T any](t *testing.T, ch <-chan T, what string, timeout time.Duration) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(timeout):
		t.Fatalf("%s did not happen within %s", what, timeout)
	}
	var zero T
	return zero
}

func TestStopWaitsForRunningAction(t *testing.T) {
	t.Parallel()
	log, logs := newLog()
	b := newBlocking()
	sc, err := New(registry(t, schedule.Action{Name: "slow", Spec: "17 * * * *", Timeout: time.Minute, Run: b.run}), log)
	if err != nil {
		t.Fatal(err)
	}
	sc.Start()
	runNow(t, sc, "slow")
	await(t, b.started, "start of the action", 10*time.Second)

	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		stopped <- sc.Stop(ctx)
	}()
	// Nothing may happen until the action is released: give Stop a moment to misbehave.
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) while the action was still running", err)
	case <-b.finished:
		t.Fatal("the action was cancelled although the deadline had not passed")
	case <-time.After(100 * time.Millisecond):
	}
	close(b.release)
	if err := await(t, b.finished, "end of the action", 10*time.Second); err != nil {
		t.Fatalf("the action saw %v, want it to finish uncancelled", err)
	}
	if err := await(t, stopped, "Stop", 10*time.Second); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if !strings.Contains(logs.String(), "scheduled action done") || !strings.Contains(logs.String(), `"action":"slow"`) {
		t.Errorf("no log of the run:\n%s", logs)
	}
}

func TestStopCancelsActionAtDeadline(t *testing.T) {
	t.Parallel()
	log, logs := newLog()
	b := newBlocking()
	sc, err := New(registry(t, schedule.Action{Name: "stuck", Spec: "17 * * * *", Timeout: time.Hour, Run: b.run}), log)
	if err != nil {
		t.Fatal(err)
	}
	sc.Start()
	runNow(t, sc, "stuck")
	await(t, b.started, "start of the action", 10*time.Second)

	const deadline = 200 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	err = sc.Stop(ctx)
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Stop = %v, want the deadline error", err)
	}
	if took < deadline || took > deadline+5*time.Second {
		t.Fatalf("Stop returned after %s with a %s deadline", took, deadline)
	}
	if got := await(t, b.finished, "cancellation of the action", 5*time.Second); !errors.Is(got, context.Canceled) {
		t.Fatalf("the action saw %v, want context.Canceled", got)
	}
	// The cancelled run is logged as a failure.
	deadlineLog := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "scheduled action failed") {
		if time.Now().After(deadlineLog) {
			t.Fatalf("no failure logged:\n%s", logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRunLogsOutcome(t *testing.T) {
	t.Parallel()
	log, logs := newLog()
	reg := registry(t,
		schedule.Action{Name: "good", Spec: "* * * * *", Timeout: time.Second, Run: noop},
		schedule.Action{Name: "bad", Spec: "* * * * *", Timeout: time.Second, Run: func(context.Context) error { return errors.New("disk full") }},
	)
	sc, err := New(reg, log)
	if err != nil {
		t.Fatal(err)
	}
	sc.run(reg, "good")
	sc.run(reg, "bad")
	sc.run(reg, "missing")
	out := logs.String()
	for _, want := range []string{
		`"msg":"scheduled action done","action":"good"`,
		`"msg":"scheduled action failed","action":"bad"`,
		`"error":"disk full"`,
		`"action":"missing"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	if err := sc.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Stop waits as long as its context allows, beyond gocron's default 10-second stop timeout.
func TestStopWaitsBeyondTenSeconds(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 11 seconds")
	}
	t.Parallel()
	log, _ := newLog()
	b := newBlocking()
	sc, err := New(registry(t, schedule.Action{Name: "long", Spec: "17 * * * *", Timeout: time.Hour, Run: b.run}), log)
	if err != nil {
		t.Fatal(err)
	}
	sc.Start()
	runNow(t, sc, "long")
	await(t, b.started, "start of the action", 10*time.Second)
	go func() {
		time.Sleep(11 * time.Second) // the action's own work
		close(b.release)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := sc.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := await(t, b.finished, "end of the action", time.Second); err != nil {
		t.Fatalf("the action was cancelled (%v) although Stop's deadline had not passed", err)
	}
}
