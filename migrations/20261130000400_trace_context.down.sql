ALTER TABLE event_log DROP COLUMN IF EXISTS traceparent;
ALTER TABLE outbox_events DROP COLUMN IF EXISTS traceparent;
