package schedule_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/keelhq/keel/application/schedule"
)

func noop(context.Context, time.Time) error { return nil }

func action(name string) schedule.Action {
	return schedule.Action{Name: name, Schedule: "*/5 * * * *", Timeout: time.Minute, Run: noop}
}

func TestNewRegistryValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		actions   []schedule.Action
		overrides map[string]string
		want      string // "" means valid
	}{
		{"empty", nil, nil, ""},
		{"valid names", []schedule.Action{action("auth.purge_sessions"), action("a"), action("x1.y_2.z3")}, nil, ""},
		{"duplicate", []schedule.Action{action("a.b"), action("c"), action("a.b")}, nil, `"a.b" registered twice`},
		{"empty name", []schedule.Action{action("")}, nil, "name must match"},
		{"upper case", []schedule.Action{action("Auth.prune")}, nil, "name must match"},
		{"leading digit", []schedule.Action{action("1job")}, nil, "name must match"},
		{"dash", []schedule.Action{action("prune-expired")}, nil, "name must match"},
		{"newline", []schedule.Action{action("prune\n")}, nil, "name must match"},
		{"missing schedule", []schedule.Action{{Name: "a", Timeout: time.Second, Run: noop}}, nil, "schedule, timeout and run are required"},
		{"missing timeout", []schedule.Action{{Name: "a", Schedule: "* * * * *", Run: noop}}, nil, "schedule, timeout and run are required"},
		{"missing run", []schedule.Action{{Name: "a", Schedule: "* * * * *", Timeout: time.Second}}, nil, "required"},
		{"negative jitter", []schedule.Action{{Name: "a", Schedule: "* * * * *", Timeout: time.Second, Jitter: -1, Run: noop}}, nil, "negative"},
		{"bad schedule", []schedule.Action{{Name: "a.b", Schedule: "every hour", Timeout: time.Second, Run: noop}}, nil, `a.b: schedule "every hour"`},
		{"bad zone", []schedule.Action{{Name: "a.b", Schedule: "0 3 * * *", TimeZone: "Nowhere", Timeout: time.Second, Run: noop}}, nil, "time zone"},
		{"override", []schedule.Action{action("a.b")}, map[string]string{"a.b": "@every 1s"}, ""},
		{"bad override", []schedule.Action{action("a.b")}, map[string]string{"a.b": "@every banana"}, `a.b: schedule "@every banana"`},
		{"unknown override", []schedule.Action{action("a.b"), action("c")}, map[string]string{"nope": "off"}, `"nope", which is no scheduled action (known: a.b, c)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg, err := schedule.NewRegistry(tt.actions, tt.overrides)
			if tt.want == "" {
				if err != nil || reg == nil {
					t.Fatalf("NewRegistry: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewRegistry error %v, want one containing %q", err, tt.want)
			}
			// An error caused by CRON_SCHEDULES says so and is reported as a bad setting;
			// a fault of an action's own code is not.
			fromSetting := tt.overrides != nil
			if errors.Is(err, schedule.ErrBadOverride) != fromSetting {
				t.Errorf("errors.Is(%v, ErrBadOverride) = %v, want %v", err, !fromSetting, fromSetting)
			}
			if fromSetting && !strings.HasPrefix(err.Error(), "CRON_SCHEDULES") {
				t.Errorf("error %q does not start by naming CRON_SCHEDULES", err)
			}
		})
	}
}

func TestParseOverridesErrorsAreBadSettings(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"a.b", "a.b=@every 1s,a.b=off", "a.b= "} {
		_, err := schedule.ParseOverrides(bad)
		if !errors.Is(err, schedule.ErrBadOverride) || !strings.HasPrefix(err.Error(), "CRON_SCHEDULES") {
			t.Errorf("ParseOverrides(%q) = %v, want an ErrBadOverride naming CRON_SCHEDULES", bad, err)
		}
	}
}

func TestRegistryListGetOverride(t *testing.T) {
	t.Parallel()
	reg, err := schedule.NewRegistry([]schedule.Action{action("c.x"), action("a.y"), action("b")},
		map[string]string{"b": "off", "c.x": "@every 2s"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(reg.Names(), ","); got != "a.y,b,c.x" {
		t.Fatalf("Names = %s, want sorted", got)
	}
	if e, ok := reg.Get("b"); !ok || !e.Spec.Off() || e.Schedule != "*/5 * * * *" {
		t.Errorf("b = %+v, want switched off (its own schedule kept as declared)", e)
	}
	if e, _ := reg.Get("c.x"); e.Spec.String() != "@every 2s" {
		t.Errorf("c.x runs %q, want the override", e.Spec)
	}
	if e, _ := reg.Get("a.y"); e.Spec.String() != "*/5 * * * *" {
		t.Errorf("a.y runs %q", e.Spec)
	}
	if _, ok := reg.Get("nope"); ok {
		t.Error("Get(nope) found something")
	}
}
