// Package jobs runs Keel's background jobs on River: an insert-only queue for the api that
// joins the caller's transaction, and the worker-side client that works the jobs.
package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"go.opentelemetry.io/otel/trace"

	"github.com/keelhq/keel/adapters/postgres"
	"github.com/keelhq/keel/ports"
)

// defaultMaxAttempts bounds retries (River backs off exponentially between attempts).
const defaultMaxAttempts = 12

// Queue implements ports.JobQueue with River over the database/sql handle bun uses, so
// that a job enqueued inside ports.Tx commits with the change that caused it.
type Queue struct {
	client *river.Client[*sql.Tx]
}

// NewQueue returns an insert-only queue over db. With a tracer (tracing on), a job
// enqueued inside a span carries its trace to the worker (traceMiddleware).
func NewQueue(db *sql.DB, log *slog.Logger, tracer trace.Tracer) (*Queue, error) {
	c, err := river.NewClient(riverdatabasesql.New(db), &river.Config{Logger: log, Middleware: middleware(tracer)})
	if err != nil {
		return nil, fmt.Errorf("river insert client: %w", err)
	}
	return &Queue{client: c}, nil
}

// Enqueue inserts job, inside the context's transaction when there is one.
func (q *Queue) Enqueue(ctx context.Context, job ports.Job) error {
	opts := &river.InsertOpts{MaxAttempts: defaultMaxAttempts}
	var err error
	if tx, ok := postgres.SQLTx(ctx); ok {
		_, err = q.client.InsertTx(ctx, tx, args{job}, opts)
	} else {
		_, err = q.client.Insert(ctx, args{job}, opts)
	}
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", job.Kind(), err)
	}
	return nil
}

// args adapts a ports.Job to River, keeping River out of the application layer. Its JSON is
// the job's own.
type args struct{ ports.Job }

// MarshalJSON encodes the wrapped job.
func (a args) MarshalJSON() ([]byte, error) { return json.Marshal(a.Job) }

// Registration adds one job kind's worker to the bundle.
type Registration func(w *river.Workers) error

// Handle registers fn as the worker of job kind T.
func Handle[T ports.Job](fn func(ctx context.Context, job T) error) Registration {
	return func(w *river.Workers) error {
		return river.AddWorkerSafely(w, river.WorkFunc(func(ctx context.Context, j *river.Job[T]) error {
			return fn(ctx, j.Args)
		}))
	}
}

// WorkerOptions configure the worker-side client.
type WorkerOptions struct {
	Concurrency int
	JobTimeout  time.Duration
	// Tracer, when set (tracing on), records a span per job worked, in the trace of the
	// code that enqueued it.
	Tracer trace.Tracer
}

// middleware is the River middleware for tracer: none when tracing is off.
func middleware(tracer trace.Tracer) []rivertype.Middleware {
	if tracer == nil {
		return nil
	}
	return []rivertype.Middleware{&traceMiddleware{tracer: tracer}}
}

// NewWorker returns a River client that works the registered job kinds on pool, woken by
// LISTEN/NOTIFY.
func NewWorker(pool *pgxpool.Pool, regs []Registration, o WorkerOptions, log *slog.Logger) (*river.Client[pgx.Tx], error) {
	workers := river.NewWorkers()
	for _, reg := range regs {
		if err := reg(workers); err != nil {
			return nil, fmt.Errorf("register worker: %w", err)
		}
	}
	c, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Logger:     log,
		Workers:    workers,
		Queues:     map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.Concurrency}},
		JobTimeout: o.JobTimeout,
		Middleware: middleware(o.Tracer),
	})
	if err != nil {
		return nil, fmt.Errorf("river worker client: %w", err)
	}
	return c, nil
}
