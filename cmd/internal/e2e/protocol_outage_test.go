package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// outageLoad is a load of sign-ins and profile reads that records every answer that is
// neither a success nor a 503 problem with Retry-After.
type outageLoad struct {
	ok, unavailable atomic.Int64
	mu              sync.Mutex
	bad             []string
}

func (l *outageLoad) record(r response, what string) {
	switch {
	case r.Status == http.StatusOK:
		l.ok.Add(1)
	case r.Status == http.StatusServiceUnavailable && r.Header.Get("Retry-After") != "" &&
		r.Header.Get("Content-Type") == "application/problem+json" && len(revealsInternals(r.Body)) == 0:
		l.unavailable.Add(1)
	default:
		l.mu.Lock()
		l.bad = append(l.bad, fmt.Sprintf("%s: %d Retry-After %q %s", what, r.Status, r.Header.Get("Retry-After"), r.Body))
		l.mu.Unlock()
	}
}

// waitCount waits until c reaches n (the load goroutines raise it).
func waitCount(t *testing.T, what string, c *atomic.Int64, n int64) {
	t.Helper()
	waitFor(t, what, recoveryTimeout, func() (bool, string) { return c.Load() >= n, fmt.Sprint(c.Load()) })
}

// Acceptance 3: PostgreSQL killed under load (a private server, every process of it at
// once): no client gets a 500; every failure is a 503 problem with Retry-After; service
// comes back without restarting the api.
func TestPostgresCrashUnderLoad(t *testing.T) {
	t.Parallel()
	pg, s := privatePostgres(t)
	api := s.start("api", idGenerousLimits...)
	const email, password = "pg-crash@example.com", "correct horse battery"
	if r := register(t, api.URL, email, password); r.Status != http.StatusCreated {
		t.Fatalf("register: %d\n%s", r.Status, r.Body)
	}
	token, _ := login(t, api.URL, email, password).JSON(t)["accessToken"].(string)

	load := &outageLoad{}
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for ctx.Err() == nil {
				if w%2 == 0 {
					load.record(login(t, api.URL, email, password), "login")
				} else {
					load.record(do(t, http.MethodGet, api.URL+"/v1/users/me", nil, "Authorization", "Bearer "+token), "GET /v1/users/me")
				}
			}
		})
	}
	waitCount(t, "answers before the crash", &load.ok, 40)
	// Make sure statements are in flight when the server dies: sign-ins blocked on a lock.
	blocked := holdUsersLock(t, pg.URL("keel"), func() {
		load.record(login(t, api.URL, email, password), "login in flight")
	})
	pg.Crash()
	blocked.Wait()
	waitCount(t, "503s while PostgreSQL is down", &load.unavailable, 20)
	pg.Start()
	after := load.ok.Load()
	start := time.Now()
	waitCount(t, "successes after PostgreSQL is back", &load.ok, after+40)
	t.Logf("recovered %s after PostgreSQL restarted", time.Since(start).Round(time.Millisecond))
	stop()
	wg.Wait()
	t.Logf("%d successes, %d 503s with Retry-After, %d other answers", load.ok.Load(), load.unavailable.Load(), len(load.bad))
	for i, b := range load.bad {
		if i == 10 {
			break
		}
		t.Errorf("not a success nor a 503 problem with Retry-After: %s", b)
	}
}

// holdUsersLock locks the users table from a connection of its own, starts four calls
// of f that will wait on it, and returns once PostgreSQL shows them waiting.
func holdUsersLock(t *testing.T, url string, f func()) *sync.WaitGroup {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(ctx) })
	if _, err := conn.Exec(ctx, "BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(f)
	}
	waitFor(t, "sign-ins waiting on the lock", recoveryTimeout, func() (bool, string) {
		var n int
		// Inside a transaction pg_stat_activity is a snapshot taken once: clear it first.
		err := conn.QueryRow(ctx, "SELECT pg_stat_clear_snapshot(), count(*) FROM pg_stat_activity "+
			"WHERE wait_event_type = 'Lock' AND datname = current_database()").Scan(nil, &n)
		return err == nil && n >= 4, fmt.Sprint(n, err)
	})
	return &wg
}

// A statement cut off by DATABASE_STATEMENT_TIMEOUT is a 503 with Retry-After, not a 500.
func TestStatementTimeoutIsUnavailable(t *testing.T) {
	t.Parallel()
	s := newStack(t, append(idGenerousLimits, "DATABASE_STATEMENT_TIMEOUT=300ms")...)
	api := s.start("api")
	const email, password = "stmt-timeout@example.com", "correct horse battery"
	if r := register(t, api.URL, email, password); r.Status != http.StatusCreated {
		t.Fatalf("register: %d\n%s", r.Status, r.Body)
	}
	db := idDB(t, s)
	ctx := context.Background()
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE users IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := login(t, api.URL, email, password)
	took := time.Since(start)
	_ = tx.Rollback(ctx)
	wantProblem(t, r, http.StatusServiceUnavailable, "service_unavailable")
	if r.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	t.Logf("login against a locked table: %d after %s", r.Status, took.Round(time.Millisecond))
	if l := login(t, api.URL, email, password); l.Status != http.StatusOK {
		t.Fatalf("login once the lock is gone: %d\n%s", l.Status, l.Body)
	}
}
