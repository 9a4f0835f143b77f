package e2e_test

import (
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/keelhq/keel/platform/testkit/faultproxy"
)

// Acceptance 2: the leader killed with SIGKILL, another instance takes over within 10 s
// and runs the windows missed in between, each exactly once. The first kill measures the
// takeover; for the second, the last follower is frozen (SIGSTOP) for a few windows, so
// that windows pass with nobody leading, and must be caught up when it resumes.
func TestCronLeaderKilledAnotherTakesOver(t *testing.T) {
	t.Parallel()
	s, db := cronStack(t, "test.tick=@every 1s")
	byPID := map[int]*node{}
	for range 3 {
		c := s.start("cron")
		byPID[c.PID()] = c
	}
	waitWindows(t, db, "test.tick", 3, time.Minute)

	// First kill: the takeover.
	a := leaderOf(t, db, byPID)
	killed := time.Now()
	kill(t, a, byPID)
	b := newLeaderRun(t, db, a.instance, 15*time.Second)
	takeover := b.Started.Sub(killed)
	if takeover > 10*time.Second {
		t.Errorf("the new leader ran its first window %s after the kill, want within 10s", takeover)
	}
	waitLeaderRuns(t, db, b.Instance, 2)

	// Second kill, with nobody able to take over for a while.
	bNode := byPID[pidOf(t, b.Instance)]
	var c *node
	for pid, n := range byPID {
		if pid != bNode.PID() {
			c = n
		}
	}
	if err := c.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	kill(t, leader{bNode, b.Instance}, byPID)
	time.Sleep(4 * time.Second) // windows pass while no instance can lead
	if err := c.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	first := newLeaderRun(t, db, b.Instance, 15*time.Second)
	if pidOf(t, first.Instance) != c.PID() {
		t.Fatalf("windows run by %s after the second kill, want %d", first.Instance, c.PID())
	}
	waitLeaderRuns(t, db, first.Instance, 5)
	c.Stop(15 * time.Second)

	rows := ledger(t, db, "test.tick")
	wantContiguous(t, "test.tick", rows)
	ticks := probes(t, db, "test.tick")
	missed, interrupted := 0, 0
	for _, r := range rows {
		switch {
		case r.Status == "succeeded" && ticks[r.Window] == 1:
		case r.Status == "failed" && r.Instance != first.Instance && strings.Contains(r.Error, "interrupted") && ticks[r.Window] <= 1:
			interrupted++ // a kill came in the middle of this run
		default:
			t.Errorf("window %s: %s by %s (%q), ran %d times; want succeeded, once",
				r.Window.Format(time.RFC3339), r.Status, r.Instance, r.Error, ticks[r.Window])
		}
		if r.Instance == first.Instance && r.Started.Sub(r.Window) > 500*time.Millisecond {
			missed++ // run well after its time: caught up
		}
	}
	if interrupted > 2 {
		t.Errorf("%d runs interrupted by two kills", interrupted)
	}
	if missed < 2 {
		t.Errorf("the last leader caught up %d windows missed while nobody led, want at least 2", missed)
	}
	t.Logf("takeover %s after SIGKILL; after the second kill %d missed windows caught up; %d windows in all",
		takeover.Round(time.Millisecond), missed, len(rows))
}

// The leader loses its database connection (every connection reset, new ones refused):
// it steps down, another instance leads within 10 s, and every window still runs once.
func TestCronLeaderLosesDatabase(t *testing.T) {
	t.Parallel()
	s, db := cronStack(t, "test.tick=@every 1s")
	u, err := url.Parse(idEnv(s, "DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	proxy := faultproxy.New(t, u.Host)
	u.Host = proxy.Addr()
	a := s.start("cron", "DATABASE_URL="+u.String())
	waitWindows(t, db, "test.tick", 2, time.Minute)
	b := s.start("cron")
	rows := ledger(t, db, "test.tick")
	if pidOf(t, rows[len(rows)-1].Instance) != a.PID() {
		t.Fatalf("the first instance is not leading: %+v", rows[len(rows)-1])
	}

	cut := time.Now()
	proxy.Cut()
	first := newLeaderRun(t, db, rows[len(rows)-1].Instance, 15*time.Second)
	if pidOf(t, first.Instance) != b.PID() {
		t.Fatalf("after the cut, windows run by %s", first.Instance)
	}
	if took := first.Started.Sub(cut); took > 10*time.Second {
		t.Errorf("the other instance led %s after the cut, want within 10s", took)
	}
	waitLeaderRuns(t, db, first.Instance, 3)
	proxy.Restore()
	for _, c := range []*node{a, b} {
		c.Stop(15 * time.Second)
	}
	rows = ledger(t, db, "test.tick")
	wantContiguous(t, "test.tick", rows)
	ticks := probes(t, db, "test.tick")
	for _, r := range rows {
		interrupted := r.Status == "failed" && strings.Contains(r.Error, "interrupted") && ticks[r.Window] <= 1
		if !interrupted && (r.Status != "succeeded" || ticks[r.Window] != 1) {
			t.Errorf("window %s: %s by %s (%q), ran %d times", r.Window.Format(time.RFC3339), r.Status, r.Instance, r.Error, ticks[r.Window])
		}
	}
	t.Logf("after the cut, the other instance led within %s", first.Started.Sub(cut).Round(time.Millisecond))
}

// leader is the node leading the scheduler and its instance name.
type leader struct {
	*node
	instance string
}

// leaderOf returns the instance that ran the latest window.
func leaderOf(t *testing.T, db *pgxpool.Pool, byPID map[int]*node) leader {
	t.Helper()
	rows := ledger(t, db, "test.tick")
	in := rows[len(rows)-1].Instance
	n := byPID[pidOf(t, in)]
	if n == nil {
		t.Fatalf("the leader %s is not a running instance", in)
	}
	return leader{n, in}
}

// kill SIGKILLs l and forgets it.
func kill(t *testing.T, l leader, byPID map[int]*node) {
	t.Helper()
	if err := l.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = l.Wait(5 * time.Second)
	delete(byPID, l.PID())
}

// newLeaderRun waits for the earliest-started run by an instance other than old, among
// the runs started after old's last one.
func newLeaderRun(t *testing.T, db *pgxpool.Pool, old string, timeout time.Duration) ledgerRow {
	t.Helper()
	var first ledgerRow
	waitFor(t, "another instance runs a window", timeout, func() (bool, string) {
		var oldLast time.Time
		rows := ledger(t, db, "test.tick")
		for _, r := range rows {
			if r.Instance == old && r.Started.After(oldLast) {
				oldLast = r.Started
			}
		}
		first = ledgerRow{}
		for _, r := range rows {
			if r.Instance != old && r.Started.After(oldLast) && (first.ID == "" || r.Started.Before(first.Started)) {
				first = r
			}
		}
		return first.ID != "", "none yet"
	})
	return first
}

// waitLeaderRuns waits until instance has run n windows.
func waitLeaderRuns(t *testing.T, db *pgxpool.Pool, instance string, n int) {
	t.Helper()
	waitFor(t, "the new leader runs windows", 20*time.Second, func() (bool, string) {
		got := 0
		for _, r := range ledger(t, db, "test.tick") {
			if r.Instance == instance && r.Status == "succeeded" {
				got++
			}
		}
		return got >= n, ""
	})
}
