-- The transactional outbox: domain events written in the same transaction as the change
-- they describe, published later by the worker's relay.
CREATE TABLE outbox_events (
    id           uuid        PRIMARY KEY,
    name         text        NOT NULL,
    topic        text        NOT NULL,
    payload      jsonb       NOT NULL,
    created_at   timestamptz NOT NULL,
    published_at timestamptz
);
-- The relay reads the unpublished events in id (creation) order.
CREATE INDEX outbox_events_unpublished_idx ON outbox_events (published_at, id) WHERE published_at IS NULL;
