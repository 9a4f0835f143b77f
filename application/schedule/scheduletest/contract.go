package scheduletest

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/application/schedule"
	"github.com/keelhq/keel/domain/kernel"
)

// t0 is a whole second, as scheduled windows are.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// NewRun returns a running run of action for window, started at window.
func NewRun(action string, window time.Time) schedule.Run {
	return schedule.Run{
		ID: kernel.NewID(), Action: action, Window: window, Status: schedule.StatusRunning,
		StartedAt: window.Add(1234 * time.Microsecond), Instance: "host:1",
	}
}

// LedgerContract is the behaviour every schedule.Ledger shares; newLedger returns an empty
// one.
func LedgerContract(t *testing.T, newLedger func(t *testing.T) schedule.Ledger) {
	t.Run("a window begins once", func(t *testing.T) { t.Parallel(); testBegin(t, newLedger(t)) })
	t.Run("finish and abandon", func(t *testing.T) { t.Parallel(); testFinish(t, newLedger(t)) })
	t.Run("skip keeps what ran", func(t *testing.T) { t.Parallel(); testSkip(t, newLedger(t)) })
	t.Run("last window and latest run", func(t *testing.T) { t.Parallel(); testLast(t, newLedger(t)) })
	t.Run("list", func(t *testing.T) { t.Parallel(); testList(t, newLedger(t)) })
}

func ctxOf(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func begin(t *testing.T, l schedule.Ledger, r schedule.Run, want bool) {
	t.Helper()
	ok, err := l.Begin(ctxOf(t), r)
	if err != nil || ok != want {
		t.Fatalf("Begin(%s %s) = %v, %v; want %v", r.Action, r.Window, ok, err, want)
	}
}

func latest(t *testing.T, l schedule.Ledger, action string) schedule.Run {
	t.Helper()
	r, ok, err := l.Latest(ctxOf(t), action)
	if err != nil || !ok {
		t.Fatalf("Latest(%s) = %v, %v", action, ok, err)
	}
	return r
}

func testBegin(t *testing.T, l schedule.Ledger) {
	r := NewRun("a.x", t0)
	begin(t, l, r, true)
	begin(t, l, NewRun("a.x", t0), false)
	begin(t, l, NewRun("b.x", t0), true)
	begin(t, l, NewRun("a.x", t0.Add(time.Second)), true)
	got := latest(t, l, "a.x")
	if got.Window.Equal(t0) {
		t.Fatalf("Latest = the first window, want the newest run")
	}
	runs, err := l.List(ctxOf(t), schedule.Filter{Action: "a.x"}, kernel.Page{Limit: 10})
	if err != nil || len(runs) != 2 {
		t.Fatalf("List = %d runs, %v", len(runs), err)
	}
	if old := runs[1]; old.ID != r.ID || !old.Window.Equal(r.Window) || !old.StartedAt.Equal(r.StartedAt) ||
		old.Status != schedule.StatusRunning || !old.FinishedAt.IsZero() || old.Error != "" || old.Instance != r.Instance || old.Manual {
		t.Errorf("stored %+v, want %+v", old, r)
	}
}

func testFinish(t *testing.T, l schedule.Ledger) {
	ctx := ctxOf(t)
	r := NewRun("a.x", t0)
	begin(t, l, r, true)
	r.Status, r.FinishedAt, r.Error = schedule.StatusTimedOut, r.StartedAt.Add(time.Second), "timed out after 1s"
	if err := l.Finish(ctx, r); err != nil {
		t.Fatal(err)
	}
	if got := latest(t, l, "a.x"); got.Status != r.Status || !got.FinishedAt.Equal(r.FinishedAt) || got.Error != r.Error || got.Duration() != time.Second {
		t.Errorf("finished %+v, want %+v", got, r)
	}

	stale, other := NewRun("a.x", t0.Add(time.Second)), NewRun("b.x", t0)
	begin(t, l, stale, true)
	begin(t, l, other, true)
	n, err := l.Abandon(ctx, "a.x", "interrupted", t0.Add(time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("Abandon = %d, %v; want 1", n, err)
	}
	if got := latest(t, l, "a.x"); got.Status != schedule.StatusFailed || got.Error != "interrupted" || !got.FinishedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("abandoned %+v", got)
	}
	if got := latest(t, l, "b.x"); got.Status != schedule.StatusRunning {
		t.Errorf("another action's run was abandoned: %+v", got)
	}
	// The abandoned run's instance finishing late does not overwrite what was recorded.
	stale.Status, stale.FinishedAt = schedule.StatusSucceeded, t0.Add(2*time.Minute)
	if err := l.Finish(ctx, stale); err != nil {
		t.Fatal(err)
	}
	if got := latest(t, l, "a.x"); got.Status != schedule.StatusFailed {
		t.Errorf("a late Finish changed an abandoned run: %+v", got)
	}
}

func testSkip(t *testing.T, l schedule.Ledger) {
	ran := NewRun("a.x", t0.Add(time.Second))
	begin(t, l, ran, true)
	var skipped []schedule.Run
	for i := range 3 {
		r := NewRun("a.x", t0.Add(time.Duration(i)*time.Second))
		r.Status, r.FinishedAt, r.Error = schedule.StatusSkipped, r.StartedAt, "missed"
		skipped = append(skipped, r)
	}
	if err := l.Skip(ctxOf(t), skipped); err != nil {
		t.Fatal(err)
	}
	runs, err := l.List(ctxOf(t), schedule.Filter{Action: "a.x"}, kernel.Page{Limit: 10})
	if err != nil || len(runs) != 3 {
		t.Fatalf("List = %d runs, %v; want 3 (one per window)", len(runs), err)
	}
	for _, r := range runs {
		want := schedule.StatusSkipped
		if r.Window.Equal(ran.Window) {
			want = schedule.StatusRunning
		}
		if r.Status != want {
			t.Errorf("window %s: %s, want %s", r.Window, r.Status, want)
		}
	}
	if err := l.Skip(ctxOf(t), nil); err != nil {
		t.Errorf("Skip(nil) = %v", err)
	}
}

func testLast(t *testing.T, l schedule.Ledger) {
	ctx := ctxOf(t)
	if last, err := l.LastWindow(ctx, "a.x"); err != nil || !last.IsZero() {
		t.Fatalf("LastWindow of nothing = %v, %v", last, err)
	}
	if _, ok, err := l.Latest(ctx, "a.x"); ok || err != nil {
		t.Fatalf("Latest of nothing = %v, %v", ok, err)
	}
	begin(t, l, NewRun("a.x", t0), true)
	manual := NewRun("a.x", t0.Add(time.Hour+time.Microsecond))
	manual.Manual, manual.Instance = true, schedule.OneShot
	begin(t, l, manual, true)
	begin(t, l, NewRun("b.x", t0.Add(2*time.Hour)), true)
	if last, err := l.LastWindow(ctx, "a.x"); err != nil || !last.Equal(t0) {
		t.Errorf("LastWindow = %v, %v; want %v (one-shot runs are off the schedule)", last, err, t0)
	}
	if got := latest(t, l, "a.x"); got.ID != manual.ID || !got.Manual || got.Instance != schedule.OneShot {
		t.Errorf("Latest = %+v, want the one-shot run", got)
	}
}

func testList(t *testing.T, l schedule.Ledger) {
	ctx := ctxOf(t)
	var all []schedule.Run
	for i := range 5 {
		action := "a.x"
		if i%2 == 1 {
			action = "b.x"
		}
		r := NewRun(action, t0.Add(time.Duration(i)*time.Second))
		begin(t, l, r, true)
		if i < 2 {
			r.Status, r.FinishedAt = schedule.StatusSucceeded, r.StartedAt
			if err := l.Finish(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		all = append(all, r)
	}
	ids := func(runs []schedule.Run) []uuid.UUID {
		out := make([]uuid.UUID, len(runs))
		for i, r := range runs {
			out[i] = r.ID
		}
		return out
	}
	tests := []struct {
		name string
		f    schedule.Filter
		page kernel.Page
		want []int
	}{
		{"all, newest first", schedule.Filter{}, kernel.Page{Limit: 10}, []int{4, 3, 2, 1, 0}},
		{"limit+1", schedule.Filter{}, kernel.Page{Limit: 2}, []int{4, 3, 2}},
		{"after", schedule.Filter{}, kernel.Page{Limit: 10, After: all[2].ID}, []int{1, 0}},
		{"action", schedule.Filter{Action: "b.x"}, kernel.Page{Limit: 10}, []int{3, 1}},
		{"status", schedule.Filter{Status: schedule.StatusSucceeded}, kernel.Page{Limit: 10}, []int{1, 0}},
		{"both", schedule.Filter{Action: "a.x", Status: schedule.StatusRunning}, kernel.Page{Limit: 10}, []int{4, 2}},
		{"none", schedule.Filter{Action: "c.x"}, kernel.Page{Limit: 10}, nil},
	}
	for _, tt := range tests {
		got, err := l.List(ctx, tt.f, tt.page)
		if err != nil {
			t.Fatal(err)
		}
		var want []schedule.Run
		for _, i := range tt.want {
			want = append(want, all[i])
		}
		if g, w := ids(got), ids(want); len(g) != len(w) || (len(g) > 0 && !equalIDs(g, w)) {
			t.Errorf("%s: %v, want %v", tt.name, g, w)
		}
	}
}

func equalIDs(a, b []uuid.UUID) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
