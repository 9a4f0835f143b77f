-- The cron ledger: one row per (action, window), whoever ran it.
CREATE TABLE cron_runs (
    id          uuid        PRIMARY KEY,
    action      text        NOT NULL,
    window_at   timestamptz NOT NULL,
    manual      boolean     NOT NULL DEFAULT false,
    status      text        NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'timed_out', 'skipped')),
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    error       text,
    instance    text        NOT NULL
);
-- A window runs at most once.
CREATE UNIQUE INDEX cron_runs_window_key ON cron_runs (action, window_at);
CREATE INDEX cron_runs_action_idx ON cron_runs (action, id);
CREATE INDEX cron_runs_status_idx ON cron_runs (status, id);
-- Runs in progress, looked up before every run (few rows: at most one per action).
CREATE INDEX cron_runs_running_idx ON cron_runs (action) WHERE status = 'running';
