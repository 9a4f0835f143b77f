package jobs

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/keelhq/keel/platform/tracing"
)

// metadataTraceparent is the member of a job's metadata that holds the W3C traceparent of
// the span that enqueued it.
const metadataTraceparent = "traceparent"

// traceMiddleware carries a trace from the code that enqueues a job to the worker that
// works it, as River middleware so that every insert and every job kind is covered:
// inserting inside a recording span records a producer span and writes its traceparent
// into the job's metadata; working a job records a consumer span that continues that
// trace (a job enqueued outside any trace starts its own). Installed only when tracing is
// on.
type traceMiddleware struct {
	river.MiddlewareDefaults
	tracer trace.Tracer
}

// InsertMany implements rivertype.JobInsertMiddleware.
func (m *traceMiddleware) InsertMany(ctx context.Context, many []*rivertype.JobInsertParams,
	doInner func(context.Context) ([]*rivertype.JobInsertResult, error)) ([]*rivertype.JobInsertResult, error) {
	if len(many) == 0 || !trace.SpanFromContext(ctx).IsRecording() {
		return doInner(ctx)
	}
	ctx, span := m.tracer.Start(ctx, "enqueue "+many[0].Kind, trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(
			attribute.String("messaging.system", "river"),
			attribute.String("messaging.operation.type", "send"),
			attribute.String("messaging.destination.name", many[0].Queue),
			attribute.Int("messaging.batch.message_count", len(many)),
		))
	defer span.End()
	tp := tracing.Inject(ctx)
	for _, p := range many {
		md, err := withMember(p.Metadata, metadataTraceparent, tp)
		if err != nil {
			span.SetStatus(codes.Error, "metadata")
			return nil, err
		}
		p.Metadata = md
	}
	res, err := doInner(ctx)
	if err != nil {
		span.SetStatus(codes.Error, "failed")
	}
	return res, err
}

// Work implements rivertype.WorkerMiddleware.
func (m *traceMiddleware) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	ctx = tracing.Extract(ctx, member(job.Metadata, metadataTraceparent))
	ctx, span := m.tracer.Start(ctx, "job "+job.Kind, trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			attribute.String("messaging.system", "river"),
			attribute.String("messaging.operation.type", "process"),
			attribute.String("messaging.destination.name", job.Queue),
			attribute.String("messaging.message.id", strconv.FormatInt(job.ID, 10)),
			attribute.Int("keel.job.attempt", job.Attempt),
		))
	defer span.End()
	err := doInner(ctx)
	if err != nil {
		span.SetStatus(codes.Error, "failed") // a job's error text may quote what it worked on
	}
	return err
}

// withMember returns the JSON object md (empty when nil) with member key set to value.
func withMember(md []byte, key, value string) ([]byte, error) {
	members := map[string]json.RawMessage{}
	if len(md) > 0 {
		if err := json.Unmarshal(md, &members); err != nil {
			return nil, err
		}
	}
	v, err := json.Marshal(value)
	if err != nil {
		return nil, err
	}
	members[key] = v
	return json.Marshal(members)
}

// member returns the string member key of the JSON object md ("" when absent).
func member(md []byte, key string) string {
	var members map[string]json.RawMessage
	if json.Unmarshal(md, &members) != nil {
		return ""
	}
	var s string
	_ = json.Unmarshal(members[key], &s)
	return s
}
