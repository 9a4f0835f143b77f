package e2e_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/keelhq/keel/platform/testkit/pgtest"
	"github.com/keelhq/keel/platform/testkit/redistest"
)

// recoveryTimeout bounds how long a dependency's return may take to show.
const recoveryTimeout = 20 * time.Second

// Acceptance (b): Redis going away only degrades the api, which keeps serving, and
// recovers by itself when Redis returns.
func TestFoundationRedisOutage(t *testing.T) {
	t.Parallel()
	rds := redistest.StartServer(t)
	s := newStack(t, "REDIS_URL="+rds.URL())
	api := s.start("api")
	if r := getReady(t, api.URL); r.Status != 200 || r.Report != "ok" || r.Checks["redis"] != "ok" {
		t.Fatalf("before the outage: %s", r)
	}

	rds.Stop()
	r, took := waitReadiness(t, api.URL, http.StatusOK, "degraded", recoveryTimeout)
	t.Logf("redis down: /readyz degraded after %s", took.Round(time.Millisecond))
	if r.Checks["redis"] != "down" || r.Checks["postgres"] != "ok" {
		t.Fatalf("degraded report: %s", r)
	}
	// The api keeps answering, without 5xx because of Redis alone.
	wantProblem(t, do(t, http.MethodGet, api.URL+"/nope", nil), http.StatusNotFound, "not_found")
	start := time.Now()
	reg := register(t, api.URL, "redis-outage@example.com", "correct horse battery")
	t.Logf("register with redis down: %d in %s", reg.Status, time.Since(start).Round(time.Millisecond))
	if reg.Status != http.StatusCreated {
		t.Fatalf("register with redis down: %d\n%s", reg.Status, reg.Body)
	}
	if l := login(t, api.URL, "redis-outage@example.com", "correct horse battery"); l.Status != http.StatusOK {
		t.Fatalf("login with redis down: %d\n%s", l.Status, l.Body)
	}

	rds.Start()
	r, took = waitReadiness(t, api.URL, http.StatusOK, "ok", recoveryTimeout)
	t.Logf("redis back: /readyz ok after %s, without restarting the api", took.Round(time.Millisecond))
	if r.Checks["redis"] != "ok" {
		t.Fatalf("after recovery: %s", r)
	}
	if reg := register(t, api.URL, "redis-back@example.com", "correct horse battery"); reg.Status != http.StatusCreated {
		t.Fatalf("register after recovery: %d\n%s", reg.Status, reg.Body)
	}
}

// privatePostgres starts a private server with a migrated "keel" database (migrated by the
// stack's own migrate binary) and returns it with a stack using it.
func privatePostgres(t *testing.T) (*pgtest.Server, *stack) {
	t.Helper()
	pg := pgtest.StartServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, pg.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE keel"); err != nil {
		t.Fatal(err)
	}
	_ = conn.Close(ctx)
	s := newStack(t, "DATABASE_URL="+pg.URL("keel"))
	if code, out := s.run("migrate", "", "up"); code != 0 {
		t.Fatalf("migrate up on the private server: exit %d\n%s", code, out)
	}
	return pg, s
}

// Acceptance (c): PostgreSQL going away makes the api unready and its database calls 503
// without internals; it recovers by itself when PostgreSQL returns.
func TestFoundationPostgresOutage(t *testing.T) {
	t.Parallel()
	pg, s := privatePostgres(t)
	api := s.start("api")
	const email, password = "pg-outage@example.com", "correct horse battery"
	if r := register(t, api.URL, email, password); r.Status != http.StatusCreated {
		t.Fatalf("register: %d\n%s", r.Status, r.Body)
	}
	if r := getReady(t, api.URL); r.Status != 200 || r.Checks["postgres"] != "ok" {
		t.Fatalf("before the outage: %s", r)
	}

	pg.Stop()
	r, took := waitReadiness(t, api.URL, http.StatusServiceUnavailable, "", recoveryTimeout)
	t.Logf("postgres down: /readyz 503 after %s", took.Round(time.Millisecond))
	if r.resp.Header.Get("Retry-After") == "" {
		t.Error("503 /readyz without Retry-After")
	}
	if r.Checks["postgres"] != "down" {
		t.Errorf("checks %v, want postgres down", r.Checks)
	}
	port := strconv.Itoa(pg.Port())
	for _, attempt := range []string{"first", "second"} {
		start := time.Now()
		l := login(t, api.URL, email, password)
		t.Logf("%s login with postgres down: %d in %s", attempt, l.Status, time.Since(start).Round(time.Millisecond))
		wantProblem(t, l, http.StatusServiceUnavailable, "service_unavailable")
		if l.Header.Get("Retry-After") == "" {
			t.Errorf("%s login 503 without Retry-After", attempt)
		}
		if leaks := revealsInternals(l.Body, port, "keel_"); len(leaks) > 0 {
			t.Errorf("%s login 503 reveals %v:\n%s", attempt, leaks, l.Body)
		}
	}
	if leaks := revealsInternals(r.resp.Body, port); len(leaks) > 0 {
		t.Errorf("/readyz 503 reveals %v:\n%s", leaks, r.resp.Body)
	}
	// Requests that need no database still work.
	wantProblem(t, do(t, http.MethodGet, api.URL+"/nope", nil), http.StatusNotFound, "not_found")

	pg.Start()
	_, took = waitReadiness(t, api.URL, http.StatusOK, "ok", recoveryTimeout)
	t.Logf("postgres back: /readyz ok after %s, without restarting the api", took.Round(time.Millisecond))
	start := time.Now()
	l := login(t, api.URL, email, password)
	t.Logf("first login after recovery: %d in %s", l.Status, time.Since(start).Round(time.Millisecond))
	if l.Status != http.StatusOK {
		t.Fatalf("login after recovery: %d\n%s", l.Status, l.Body)
	}
	if got := l.JSON(t)["accessToken"]; got == nil || got == "" {
		t.Fatalf("login after recovery gave no token: %s", l.Body)
	}
}
