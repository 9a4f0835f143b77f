package health

import (
	"context"
	"errors"
	"maps"
	"sync/atomic"
	"testing"
	"time"
)

func up(context.Context) error   { return nil }
func down(context.Context) error { return errors.New("connection refused") }

func TestRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		checks []Check
		status string
		ready  bool
		want   map[string]string
	}{
		{
			"all up", []Check{{"postgres", true, up}, {"redis", false, up}},
			StatusOK, true, map[string]string{"postgres": StatusOK, "redis": StatusOK},
		},
		{
			"required down", []Check{{"postgres", true, down}, {"redis", false, up}},
			StatusDown, false, map[string]string{"postgres": StatusDown, "redis": StatusOK},
		},
		{
			"optional down degrades", []Check{{"postgres", true, up}, {"redis", false, down}},
			StatusDegraded, true, map[string]string{"postgres": StatusOK, "redis": StatusDown},
		},
		{
			"required and optional down", []Check{{"redis", false, down}, {"postgres", true, down}},
			StatusDown, false, map[string]string{"postgres": StatusDown, "redis": StatusDown},
		},
		{
			"optional down before required down", []Check{{"a", false, down}, {"b", true, down}, {"c", false, down}},
			StatusDown, false, map[string]string{"a": StatusDown, "b": StatusDown, "c": StatusDown},
		},
		{
			"disabled probe", []Check{{"postgres", true, up}, {"redis", false, nil}},
			StatusOK, true, map[string]string{"postgres": StatusOK, "redis": StatusDisabled},
		},
		{
			"disabled required probe is not a failure", []Check{{"postgres", true, nil}},
			StatusOK, true, map[string]string{"postgres": StatusDisabled},
		},
		{"no checks", nil, StatusOK, true, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rep := NewChecker(time.Second, tt.checks...).Run(context.Background())
			if rep.Status != tt.status || rep.Ready() != tt.ready {
				t.Errorf("status %q ready %v, want %q %v", rep.Status, rep.Ready(), tt.status, tt.ready)
			}
			if !maps.Equal(rep.Checks, tt.want) {
				t.Errorf("checks %v, want %v", rep.Checks, tt.want)
			}
		})
	}
}

// blockUntilDone is a probe that hangs until its context ends, as a dependency that
// accepts a connection and never answers.
func blockUntilDone(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

func TestTimeoutMarksHungProbeDown(t *testing.T) {
	t.Parallel()
	const timeout = 50 * time.Millisecond
	c := NewChecker(timeout,
		Check{Name: "postgres", Required: true, Probe: up},
		Check{Name: "redis", Probe: blockUntilDone},
	)
	start := time.Now()
	rep := c.Run(context.Background())
	elapsed := time.Since(start)
	if rep.Status != StatusDegraded || rep.Checks["redis"] != StatusDown {
		t.Fatalf("report %+v, want degraded with redis down", rep)
	}
	if elapsed < timeout || elapsed > timeout+2*time.Second {
		t.Fatalf("Run took %s with a %s probe timeout", elapsed, timeout)
	}
}

func TestProbesRunConcurrentlyEachWithItsOwnDeadline(t *testing.T) {
	t.Parallel()
	const timeout = 5 * time.Second
	const n = 3
	var started, sawDeadline atomic.Int32
	all := make(chan struct{})
	// Each probe succeeds only once every probe has started: probes run one after the
	// other would each wait for the others until their deadline, and fail.
	probe := func(ctx context.Context) error {
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= timeout {
			sawDeadline.Add(1)
		}
		if started.Add(1) == n {
			close(all)
		}
		select {
		case <-all:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	c := NewChecker(timeout,
		Check{Name: "a", Required: true, Probe: probe},
		Check{Name: "b", Probe: probe},
		Check{Name: "c", Probe: probe},
	)
	rep := c.Run(context.Background())
	if rep.Status != StatusOK {
		t.Fatalf("report %+v: probes did not run concurrently", rep)
	}
	if sawDeadline.Load() != n {
		t.Fatalf("%d of %d probes got a deadline within the timeout", sawDeadline.Load(), n)
	}
}

func TestCallerContextBoundsRun(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	rep := NewChecker(time.Minute, Check{Name: "postgres", Required: true, Probe: blockUntilDone}).Run(ctx)
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("Run ignored the caller's deadline: %s", elapsed)
	}
	if rep.Status != StatusDown {
		t.Fatalf("report %+v", rep)
	}
}

func TestCheckerIsReusableConcurrently(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	c := NewChecker(time.Second, Check{Name: "x", Required: true, Probe: func(context.Context) error {
		if n.Add(1)%2 == 0 {
			return errors.New("flaky")
		}
		return nil
	}})
	done := make(chan Report)
	for range 20 {
		go func() { done <- c.Run(context.Background()) }()
	}
	var ok, bad int
	for range 20 {
		if (<-done).Ready() {
			ok++
		} else {
			bad++
		}
	}
	if ok != 10 || bad != 10 {
		t.Fatalf("ok=%d down=%d, want 10 each", ok, bad)
	}
}
