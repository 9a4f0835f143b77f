package schedule_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/keelhq/keel/application/schedule"
)

func noop(context.Context) error { return nil }

func action(name string) schedule.Action {
	return schedule.Action{Name: name, Spec: "*/5 * * * *", Timeout: time.Minute, Run: noop}
}

func TestNewRegistryValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		actions []schedule.Action
		want    string // "" means valid
	}{
		{"empty", nil, ""},
		{"valid names", []schedule.Action{action("auth.prune_expired"), action("a"), action("x1.y_2.z3")}, ""},
		{"duplicate", []schedule.Action{action("a.b"), action("c"), action("a.b")}, `"a.b" registered twice`},
		{"empty name", []schedule.Action{action("")}, "name must match"},
		{"upper case", []schedule.Action{action("Auth.prune")}, "name must match"},
		{"leading digit", []schedule.Action{action("1job")}, "name must match"},
		{"leading dot", []schedule.Action{action(".job")}, "name must match"},
		{"space", []schedule.Action{action("prune expired")}, "name must match"},
		{"dash", []schedule.Action{action("prune-expired")}, "name must match"},
		{"newline", []schedule.Action{action("prune\n")}, "name must match"},
		{"missing spec", []schedule.Action{{Name: "a", Timeout: time.Second, Run: noop}}, "spec, timeout and run are required"},
		{"missing timeout", []schedule.Action{{Name: "a", Spec: "* * * * *", Run: noop}}, "spec, timeout and run are required"},
		{"negative timeout", []schedule.Action{{Name: "a", Spec: "* * * * *", Timeout: -time.Second, Run: noop}}, "required"},
		{"missing run", []schedule.Action{{Name: "a", Spec: "* * * * *", Timeout: time.Second}}, "spec, timeout and run are required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg, err := schedule.NewRegistry(tt.actions...)
			if tt.want == "" {
				if err != nil || reg == nil {
					t.Fatalf("NewRegistry: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewRegistry error %v, want one containing %q", err, tt.want)
			}
			if reg != nil {
				t.Fatal("a registry came back with the error")
			}
		})
	}
}

func TestListAndGet(t *testing.T) {
	t.Parallel()
	reg, err := schedule.NewRegistry(action("c.x"), action("a.y"), action("b"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range reg.List() {
		names = append(names, a.Name)
	}
	if strings.Join(names, ",") != "a.y,b,c.x" {
		t.Fatalf("List = %v, want sorted", names)
	}
	if a, ok := reg.Get("b"); !ok || a.Name != "b" {
		t.Fatalf("Get(b) = %+v, %v", a, ok)
	}
	if _, ok := reg.Get("nope"); ok {
		t.Fatal("Get(nope) found something")
	}
}

func TestRunOnce(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	var gotDeadline time.Duration
	reg, err := schedule.NewRegistry(
		schedule.Action{Name: "ok", Spec: "* * * * *", Timeout: time.Hour, Run: func(ctx context.Context) error {
			dl, _ := ctx.Deadline()
			gotDeadline = time.Until(dl)
			return nil
		}},
		schedule.Action{Name: "fails", Spec: "* * * * *", Timeout: time.Minute, Run: func(context.Context) error { return boom }},
		schedule.Action{Name: "hangs", Spec: "* * * * *", Timeout: 50 * time.Millisecond, Run: func(ctx context.Context) error {
			<-ctx.Done()
			return ctx.Err()
		}},
	)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := reg.RunOnce(ctx, "ok"); err != nil || gotDeadline <= 59*time.Minute || gotDeadline > time.Hour {
		t.Fatalf("ok: %v, deadline in %s", err, gotDeadline)
	}
	if err := reg.RunOnce(ctx, "fails"); !errors.Is(err, boom) {
		t.Fatalf("fails: %v", err)
	}

	start := time.Now()
	if err := reg.RunOnce(ctx, "hangs"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hangs: %v, want the timeout", err)
	}
	if took := time.Since(start); took < 50*time.Millisecond || took > 5*time.Second {
		t.Fatalf("hangs returned after %s with a 50ms timeout", took)
	}

	// The caller's context bounds a run too.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := reg.RunOnce(cctx, "hangs"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: %v", err)
	}

	err = reg.RunOnce(ctx, "nope")
	if err == nil || !strings.Contains(err.Error(), `"nope"`) || !strings.Contains(err.Error(), "cron list") {
		t.Fatalf("unknown: %v", err)
	}
}
