package schedule_test

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	pgschedule "github.com/keelhq/keel/adapters/postgres/schedule"
	"github.com/keelhq/keel/application/schedule"
	"github.com/keelhq/keel/platform/testkit/faultproxy"
	"github.com/keelhq/keel/platform/testkit/pgtest"
)

// term is one leadership as a test sees it.
type term struct {
	name  string
	locks schedule.Locks
	ended chan struct{}
}

// elect runs an elector named name on config until the test ends, reporting each term.
func elect(t *testing.T, name string, config *pgx.ConnConfig) (<-chan term, context.CancelFunc) {
	t.Helper()
	terms := make(chan term, 10)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	e := pgschedule.NewElector(config, slog.New(slog.NewTextHandler(io.Discard, nil)))
	go func() {
		defer close(done)
		_ = e.Lead(ctx, func(ctx context.Context, locks schedule.Locks) {
			tm := term{name: name, locks: locks, ended: make(chan struct{})}
			terms <- tm
			<-ctx.Done()
			close(tm.ended)
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	return terms, cancel
}

func parse(t *testing.T, u string) *pgx.ConnConfig {
	t.Helper()
	c, err := pgx.ParseConfig(u)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func within[T any](t *testing.T, ch <-chan T, d time.Duration, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(d):
		t.Fatalf("%s: not within %s", what, d)
	}
	var zero T
	return zero
}

func quiet[T any](t *testing.T, ch <-chan T, d time.Duration, what string) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("%s: %v", what, v)
	case <-time.After(d):
	}
}

// One of two electors leads; when it stops, the other takes over within about a second.
func TestElectorOneLeaderAndHandOver(t *testing.T) {
	t.Parallel()
	config := parse(t, pgtest.URL(t))
	aTerms, stopA := elect(t, "a", config)
	first := within(t, aTerms, 10*time.Second, "a leads")
	bTerms, _ := elect(t, "b", config)
	quiet(t, bTerms, 2500*time.Millisecond, "b leads while a does")

	// The leader's session holds the action locks: a one-shot run is refused.
	ctx := context.Background()
	unlock, ok, err := first.locks.TryLock(ctx, "auth.purge_sessions")
	if err != nil || !ok {
		t.Fatalf("leader TryLock = %v, %v", ok, err)
	}
	oneShot, err := pgschedule.OpenLocks(ctx, config)
	if err != nil {
		t.Fatal(err)
	}
	defer oneShot.Close()
	if _, ok, err := oneShot.TryLock(ctx, "auth.purge_sessions"); ok || err != nil {
		t.Fatalf("one-shot TryLock while the leader holds it = %v, %v", ok, err)
	}
	if u, ok, err := oneShot.TryLock(ctx, "auth.purge_tokens"); !ok || err != nil {
		t.Fatalf("another action's lock = %v, %v", ok, err)
	} else {
		u()
	}
	unlock()
	if u, ok, err := oneShot.TryLock(ctx, "auth.purge_sessions"); !ok || err != nil {
		t.Fatalf("TryLock after unlock = %v, %v", ok, err)
	} else {
		u()
	}

	start := time.Now()
	stopA()
	within(t, first.ended, 5*time.Second, "a's term ends")
	within(t, bTerms, 5*time.Second, "b takes over")
	t.Logf("hand-over after a graceful stop: %s", time.Since(start).Round(time.Millisecond))
}

// A leader that loses its connection steps down, and the server releases its lock, so the
// other elector takes over within 10 s.
func TestElectorLeaderLosesConnection(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := faultproxy.New(t, u.Host)
	u.Host = proxy.Addr()
	viaProxy := parse(t, u.String())

	aTerms, _ := elect(t, "a", viaProxy)
	first := within(t, aTerms, 10*time.Second, "a leads")
	bTerms, _ := elect(t, "b", parse(t, dbURL))
	quiet(t, bTerms, 1500*time.Millisecond, "b leads while a does")

	start := time.Now()
	proxy.Cut()
	within(t, first.ended, 5*time.Second, "a steps down")
	stepDown := time.Since(start)
	within(t, bTerms, 10*time.Second, "b takes over")
	t.Logf("a stepped down %s after the cut; b led %s after it", stepDown.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	proxy.Restore()
	quiet(t, aTerms, 2500*time.Millisecond, "a leads again while b does")
}
