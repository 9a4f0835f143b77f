package database

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// queryTracer is a pgx.QueryTracer that records one client span per statement run inside
// a recording span: bun's queries (which reach pgx through database/sql) and the hot reads
// that use the pool directly alike. Background work with no span (River's polling, the
// relay's idle passes) records nothing. A span carries the statement's shape (Statement:
// no value), its SQLSTATE when it fails, and never an error's text (which may quote a
// value).
type queryTracer struct {
	tracer trace.Tracer
	attrs  []attribute.KeyValue
}

// querySpanKey marks the span a queryTracer started, so that its end finds it.
type querySpanKey struct{}

func newQueryTracer(t trace.Tracer, database string) *queryTracer {
	return &queryTracer{tracer: t, attrs: []attribute.KeyValue{
		attribute.String("db.system.name", "postgresql"),
		attribute.String("db.namespace", database),
	}}
}

// TraceQueryStart implements pgx.QueryTracer.
func (q *queryTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if !trace.SpanFromContext(ctx).IsRecording() {
		return ctx
	}
	text := Statement(data.SQL)
	ctx, span := q.tracer.Start(ctx, Operation(text),
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(q.attrs...),
		trace.WithAttributes(attribute.String("db.query.text", text)),
	)
	return context.WithValue(ctx, querySpanKey{}, span)
}

// TraceQueryEnd implements pgx.QueryTracer.
func (q *queryTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	span, ok := ctx.Value(querySpanKey{}).(trace.Span)
	if !ok {
		return
	}
	if data.Err != nil {
		var pgErr *pgconn.PgError
		switch {
		case errors.As(data.Err, &pgErr):
			span.SetAttributes(attribute.String("db.response.status_code", pgErr.Code))
			span.SetStatus(codes.Error, "SQLSTATE "+pgErr.Code)
		case errors.Is(data.Err, context.DeadlineExceeded), errors.Is(data.Err, context.Canceled):
			span.SetStatus(codes.Error, "cancelled")
		default:
			span.SetStatus(codes.Error, "failed")
		}
	} else {
		span.SetAttributes(attribute.Int64("db.response.returned_rows", data.CommandTag.RowsAffected()))
	}
	span.End()
}
