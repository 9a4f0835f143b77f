-- The durable event log (issue 8): the worker's relay moves committed outbox events here,
-- assigning each an offset that grows by exactly 1 per topic within an epoch, then
-- publishes them on Redis. Clients replay from here after a disconnect; the api polls it
-- while Redis is away.

-- A topic's current epoch (opaque) and the last offset assigned in it. A topic's first
-- event in an epoch gets offset 1. The row outlives pruning, so offsets keep counting.
CREATE TABLE event_topics (
    topic       text   PRIMARY KEY,
    epoch       text   NOT NULL,
    last_offset bigint NOT NULL CHECK (last_offset >= 0)
);

-- One row per relayed event. seq order is commit order: the relay serializes assignment.
-- created_at is the outbox event's time; published_at is set once Redis has the message.
CREATE TABLE event_log (
    seq          bigserial   PRIMARY KEY,
    topic        text        NOT NULL,
    epoch        text        NOT NULL,
    "offset"     bigint      NOT NULL CHECK ("offset" > 0),
    event_id     uuid        NOT NULL UNIQUE,
    name         text        NOT NULL,
    data         jsonb       NOT NULL,
    created_at   timestamptz NOT NULL,
    published_at timestamptz,
    UNIQUE (topic, epoch, "offset")
);
-- The publisher reads the unpublished entries in seq order.
CREATE INDEX event_log_unpublished_idx ON event_log (seq) WHERE published_at IS NULL;
-- Pruning finds a topic's N-th newest entry, and the entries older than the retention age.
CREATE INDEX event_log_topic_seq_idx ON event_log (topic, seq);
CREATE INDEX event_log_created_at_idx ON event_log (created_at);

COMMENT ON COLUMN outbox_events.published_at IS
    'when the relay recorded the event in event_log (event_log.published_at says when Redis got it)';

-- Wake the relay as soon as outbox rows commit: NOTIFY is delivered at commit, and one
-- per statement (identical notifications of one transaction are folded into one).
CREATE FUNCTION outbox_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox_events', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_events_notify AFTER INSERT ON outbox_events
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_events_notify();
