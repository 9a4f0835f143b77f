DROP TRIGGER IF EXISTS outbox_events_notify ON outbox_events;
DROP FUNCTION IF EXISTS outbox_events_notify();
COMMENT ON COLUMN outbox_events.published_at IS NULL;
DROP TABLE IF EXISTS event_log;
DROP TABLE IF EXISTS event_topics;
