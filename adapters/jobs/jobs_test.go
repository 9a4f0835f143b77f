package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keelhq/keel/adapters/jobs"
	"github.com/keelhq/keel/adapters/postgres"
	"github.com/keelhq/keel/platform/database"
	"github.com/keelhq/keel/platform/testkit/pgtest"
)

// pingJob is a job kind known only to these tests.
type pingJob struct {
	N    int    `json:"n"`
	Note string `json:"note"`
}

func (pingJob) Kind() string { return "test.ping" }

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func testCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// jobRows counts river_job rows of kind test.ping, optionally with the given note.
func jobRows(t *testing.T, db *database.DB, note string) int {
	t.Helper()
	var n int
	q := "SELECT count(*) FROM river_job WHERE kind = 'test.ping' AND ($1 = '' OR args->>'note' = $1)"
	if err := db.Pool.QueryRow(testCtx(t, 10*time.Second), q, note).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func newQueue(t *testing.T, db *database.DB) *jobs.Queue {
	t.Helper()
	q, err := jobs.NewQueue(db.SQL, quietLog(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// startWorker starts a worker over db's pool for regs, stopped when the test ends.
func startWorker(t *testing.T, db *database.DB, o jobs.WorkerOptions, regs ...jobs.Registration) {
	t.Helper()
	client, err := jobs.NewWorker(db.Pool, regs, o, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := client.Stop(ctx); err != nil {
			t.Errorf("stop worker: %v", err)
		}
	})
}

func TestEnqueueJoinsTransaction(t *testing.T) {
	t.Parallel()
	db := pgtest.Open(t)
	q := newQueue(t, db)
	tx := postgres.NewTransactor(db.Bun)
	ctx := testCtx(t, 30*time.Second)

	// Committed with the transaction; invisible to others until then.
	err := tx.Do(ctx, func(ctx context.Context) error {
		if err := q.Enqueue(ctx, pingJob{N: 1, Note: "commit"}); err != nil {
			return err
		}
		if n := jobRows(t, db, "commit"); n != 0 {
			t.Errorf("job visible outside the transaction before commit (%d rows)", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := jobRows(t, db, "commit"); n != 1 {
		t.Fatalf("after commit: %d rows, want 1", n)
	}

	// Gone with a rollback.
	boom := errors.New("business rule broken")
	err = tx.Do(ctx, func(ctx context.Context) error {
		if err := q.Enqueue(ctx, pingJob{N: 2, Note: "rollback"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Do = %v, want the fn's error", err)
	}
	if n := jobRows(t, db, "rollback"); n != 0 {
		t.Fatalf("after rollback: %d rows, want 0", n)
	}

	// A panic rolls back too.
	func() {
		defer func() { _ = recover() }()
		_ = tx.Do(ctx, func(ctx context.Context) error {
			_ = q.Enqueue(ctx, pingJob{N: 3, Note: "panic"})
			panic("boom")
		})
	}()
	if n := jobRows(t, db, "panic"); n != 0 {
		t.Fatalf("after panic: %d rows, want 0", n)
	}

	// Nested Do joins the outer transaction: rolled back with it.
	err = tx.Do(ctx, func(ctx context.Context) error {
		if err := tx.Do(ctx, func(ctx context.Context) error {
			return q.Enqueue(ctx, pingJob{N: 4, Note: "nested"})
		}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || jobRows(t, db, "nested") != 0 {
		t.Fatalf("nested: %v, %d rows", err, jobRows(t, db, "nested"))
	}

	// Outside a transaction the insert stands alone.
	if err := q.Enqueue(ctx, pingJob{N: 5, Note: "alone"}); err != nil {
		t.Fatal(err)
	}
	if n := jobRows(t, db, "alone"); n != 1 {
		t.Fatalf("standalone: %d rows", n)
	}

	// The stored arguments are the job's own JSON, with the retry budget set.
	var args string
	var maxAttempts int
	err = db.Pool.QueryRow(ctx, "SELECT args::text, max_attempts FROM river_job WHERE args->>'note' = 'alone'").Scan(&args, &maxAttempts)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(args, `"n": 5`) && !strings.Contains(args, `"n":5`) {
		t.Errorf("args = %s", args)
	}
	if maxAttempts != 12 {
		t.Errorf("max_attempts = %d, want 12", maxAttempts)
	}
}

func TestEnqueueFailureNamesKind(t *testing.T) {
	t.Parallel()
	db := pgtest.Open(t)
	q := newQueue(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := q.Enqueue(ctx, pingJob{})
	if err == nil || !strings.Contains(err.Error(), "test.ping") {
		t.Fatalf("Enqueue with a cancelled context: %v", err)
	}
}

// attempts records each run of a job.
type attempts struct {
	mu          sync.Mutex
	runs        []pingJob
	hadDeadline []bool
	ch          chan pingJob
}

func TestWorkerWorksAndRetries(t *testing.T) {
	t.Parallel()
	db := pgtest.Open(t)
	rec := &attempts{ch: make(chan pingJob, 16)}
	failFirst := map[int]bool{2: true}
	var failedOnce sync.Map
	handler := func(ctx context.Context, job pingJob) error {
		_, hasDeadline := ctx.Deadline()
		rec.mu.Lock()
		rec.runs = append(rec.runs, job)
		rec.hadDeadline = append(rec.hadDeadline, hasDeadline)
		rec.mu.Unlock()
		defer func() { rec.ch <- job }()
		if failFirst[job.N] {
			if _, loaded := failedOnce.LoadOrStore(job.N, true); !loaded {
				return errors.New("transient failure")
			}
		}
		return nil
	}
	startWorker(t, db, jobs.WorkerOptions{Concurrency: 2, JobTimeout: 30 * time.Second}, jobs.Handle(handler))

	q := newQueue(t, db)
	tx := postgres.NewTransactor(db.Bun)
	ctx := testCtx(t, time.Minute)
	if err := tx.Do(ctx, func(ctx context.Context) error { return q.Enqueue(ctx, pingJob{N: 1, Note: "ok"}) }); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	waitRun(t, rec.ch, 1, 30*time.Second)
	t.Logf("first job worked %s after enqueue", time.Since(start))
	waitState(t, db, "ok", "completed", 15*time.Second)

	if err := q.Enqueue(ctx, pingJob{N: 2, Note: "flaky"}); err != nil {
		t.Fatal(err)
	}
	waitRun(t, rec.ch, 2, 30*time.Second) // the failing attempt
	failedAt := time.Now()
	waitRun(t, rec.ch, 2, 45*time.Second) // River's own backoff and scheduler bring it back
	t.Logf("failed job retried %s after its failure", time.Since(failedAt).Round(time.Millisecond))
	waitState(t, db, "flaky", "completed", 15*time.Second)
	var attempt, failures int
	var lastErr string
	err := db.Pool.QueryRow(ctx, `SELECT attempt, coalesce(array_length(errors, 1), 0), errors[1]->>'error'
		FROM river_job WHERE args->>'note' = 'flaky'`).Scan(&attempt, &failures, &lastErr)
	if err != nil {
		t.Fatal(err)
	}
	if attempt != 2 || failures != 1 || !strings.Contains(lastErr, "transient failure") {
		t.Fatalf("after the retry: attempt %d, %d recorded failures, first error %q", attempt, failures, lastErr)
	}

	rec.mu.Lock()
	defer rec.mu.Unlock()
	for i, ok := range rec.hadDeadline {
		if !ok {
			t.Errorf("run %d (%+v) had no deadline", i, rec.runs[i])
		}
	}
}

// waitRun waits for a run of job n (returning at its end).
func waitRun(t *testing.T, ch <-chan pingJob, n int, timeout time.Duration) {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case j := <-ch:
			if j.N == n {
				return
			}
		case <-timer.C:
			t.Fatalf("job %d not worked within %s", n, timeout)
		}
	}
}

// waitState polls the job's state until it is want.
func waitState(t *testing.T, db *database.DB, note, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var state string
	for {
		err := db.Pool.QueryRow(testCtx(t, 5*time.Second), "SELECT state::text FROM river_job WHERE args->>'note' = $1", note).Scan(&state)
		if err != nil {
			t.Fatal(err)
		}
		if state == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %q is %s, want %s after %s", note, state, want, timeout)
		}
		time.Sleep(20 * time.Millisecond) // the completer records states asynchronously
	}
}
