package jobs_test

import (
	"context"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/keelhq/keel/adapters/jobs"
	"github.com/keelhq/keel/adapters/postgres"
	"github.com/keelhq/keel/platform/testkit/pgtest"
)

// TestJobContinuesTheTraceThatEnqueuedIt enqueues a job inside a request's span, in its
// transaction, and checks the worker's job span belongs to that trace, under the enqueue
// span, and that the job's handler runs inside it.
func TestJobContinuesTheTraceThatEnqueuedIt(t *testing.T) {
	t.Parallel()
	db := pgtest.Open(t)
	ended := endedSpans{ch: make(chan sdktrace.ReadOnlySpan, 16)}
	tracer := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(ended)).Tracer("test")

	inJob := make(chan trace.SpanContext, 1)
	startWorker(t, db, jobs.WorkerOptions{Concurrency: 1, JobTimeout: 30 * time.Second, Tracer: tracer},
		jobs.Handle(func(ctx context.Context, _ pingJob) error {
			inJob <- trace.SpanContextFromContext(ctx)
			return nil
		}))
	q, err := jobs.NewQueue(db.SQL, quietLog(), tracer)
	if err != nil {
		t.Fatal(err)
	}
	ctx, request := tracer.Start(testCtx(t, time.Minute), "request")
	err = postgres.NewTransactor(db.Bun).Do(ctx, func(ctx context.Context) error { return q.Enqueue(ctx, pingJob{N: 1}) })
	request.End()
	if err != nil {
		t.Fatal(err)
	}
	var worked trace.SpanContext
	select {
	case worked = <-inJob:
	case <-time.After(30 * time.Second):
		t.Fatal("the job was not worked")
	}
	if worked.TraceID() != request.SpanContext().TraceID() {
		t.Fatalf("the job ran in trace %s, the request was %s", worked.TraceID(), request.SpanContext().TraceID())
	}
	var enqueue, job sdktrace.ReadOnlySpan
	for job == nil {
		select {
		case s := <-ended.ch:
			switch s.Name() {
			case "enqueue test.ping":
				enqueue = s
			case "job test.ping":
				job = s
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the job span did not end")
		}
	}
	if enqueue == nil || job == nil {
		t.Fatalf("spans: enqueue %v, job %v", enqueue, job)
	}
	if enqueue.Parent().SpanID() != request.SpanContext().SpanID() || job.Parent().SpanID() != enqueue.SpanContext().SpanID() {
		t.Errorf("parents: enqueue under %s, job under %s", enqueue.Parent().SpanID(), job.Parent().SpanID())
	}
	if job.SpanKind() != trace.SpanKindConsumer || worked.SpanID() != job.SpanContext().SpanID() {
		t.Errorf("the handler ran in span %s, the job span is %s (%v)", worked.SpanID(), job.SpanContext().SpanID(), job.SpanKind())
	}
}

// TestUntracedQueueWritesNoTraceContext: with tracing off nothing reaches the job's
// metadata, even inside a span.
func TestUntracedQueueWritesNoTraceContext(t *testing.T) {
	t.Parallel()
	db := pgtest.Open(t)
	tracer := sdktrace.NewTracerProvider().Tracer("test")
	ctx, span := tracer.Start(testCtx(t, 30*time.Second), "request")
	defer span.End()
	if err := newQueue(t, db).Enqueue(ctx, pingJob{N: 1}); err != nil {
		t.Fatal(err)
	}
	var md string
	if err := db.Pool.QueryRow(ctx, "SELECT metadata::text FROM river_job WHERE kind = 'test.ping'").Scan(&md); err != nil {
		t.Fatal(err)
	}
	if md != "{}" {
		t.Errorf("metadata %s", md)
	}
}

// endedSpans is a span processor that hands every ended span to ch.
type endedSpans struct{ ch chan sdktrace.ReadOnlySpan }

func (e endedSpans) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (e endedSpans) OnEnd(s sdktrace.ReadOnlySpan)                   { e.ch <- s }
func (e endedSpans) Shutdown(context.Context) error                  { return nil }
func (e endedSpans) ForceFlush(context.Context) error                { return nil }
