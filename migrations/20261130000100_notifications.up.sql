-- Notifications: one row per notification, user_id NULL for a broadcast (one row listed
-- for every account); read state per reader in notification_reads. Plus the auth
-- context's sign-in history, kept 90 days whatever happens to sessions.

CREATE TABLE notifications (
    id         uuid        PRIMARY KEY,
    user_id    uuid        REFERENCES users (id) ON DELETE CASCADE,
    kind       text        NOT NULL,
    title      text        NOT NULL,
    body       text        NOT NULL,
    data       jsonb       NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL
);
-- A reader's list is two ordered index scans merged: their own, and the broadcasts.
CREATE INDEX notifications_user_idx ON notifications (user_id, id DESC) WHERE user_id IS NOT NULL;
CREATE INDEX notifications_broadcast_idx ON notifications (id DESC) WHERE user_id IS NULL;

-- One reader's read of one notification. A purged read of a broadcast stays, hidden, so
-- the broadcast does not come back unread to that reader.
CREATE TABLE notification_reads (
    user_id         uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    notification_id uuid        NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    read_at         timestamptz NOT NULL,
    hidden          boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (user_id, notification_id)
);
CREATE INDEX notification_reads_notification_idx ON notification_reads (notification_id);
CREATE INDEX notification_reads_purge_idx ON notification_reads (read_at) WHERE NOT hidden;

-- The devices (user agent and IP pairs) accounts signed in from, owned by the auth
-- context: a sign-in from a pair not seen in the last 90 days is announced to the account.
CREATE TABLE sign_in_history (
    user_id       uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_agent    text        NOT NULL,
    ip            text        NOT NULL,
    first_seen_at timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    PRIMARY KEY (user_id, user_agent, ip)
);
CREATE INDEX sign_in_history_last_seen_idx ON sign_in_history (last_seen_at);
