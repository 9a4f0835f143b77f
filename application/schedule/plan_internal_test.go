package schedule

import (
	"testing"
	"time"
)

func TestPlan(t *testing.T) {
	t.Parallel()
	every, err := ParseSchedule("@every 10s", "")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	due := []time.Time{t0, t0.Add(10 * time.Second), t0.Add(20 * time.Second)}
	onTime, late := due[2].Add(time.Second), due[2].Add(11*time.Second)
	for _, tt := range []struct {
		name      string
		policy    Policy
		now       time.Time
		run, skip int
	}{
		{"all", CatchUpAll, late, 3, 0},
		{"latest", CatchUpLatest, late, 1, 2},
		{"latest on time", CatchUpLatest, onTime, 1, 2},
		{"skip, latest on time", CatchUpSkip, onTime, 1, 2},
		{"skip, latest late", CatchUpSkip, late, 0, 3},
	} {
		run, skip := plan(Entry{Action: Action{CatchUp: tt.policy}, Spec: every}, due, tt.now)
		if len(run) != tt.run || len(skip) != tt.skip {
			t.Errorf("%s: run %v, skip %v", tt.name, run, skip)
		}
		if tt.run == 1 && !run[0].Equal(due[2]) {
			t.Errorf("%s: ran %v, want the latest window", tt.name, run)
		}
	}
	if got := (Policy(0)).String() + CatchUpSkip.String() + CatchUpAll.String(); got != "latestskipall" {
		t.Errorf("policy names %q", got)
	}
}
