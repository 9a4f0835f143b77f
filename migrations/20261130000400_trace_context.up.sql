-- Tracing (issue 11): an event carries the W3C traceparent of the span that wrote it, from
-- the outbox through the relay's event log to the Redis message, so its publication on the
-- worker and its delivery on every api join the trace of the request that caused it.
-- NULL when the event was written outside a trace, or with tracing off.
ALTER TABLE outbox_events ADD COLUMN traceparent text;
ALTER TABLE event_log ADD COLUMN traceparent text;
