-- Identity: users, credentials, sessions with rotating refresh tokens, one-time tokens,
-- and the audit trail every context writes to.

CREATE TABLE users (
    id                uuid        PRIMARY KEY,
    email             text        NOT NULL,
    name              text        NOT NULL,
    role              text        NOT NULL CHECK (role IN ('user', 'admin')),
    status            text        NOT NULL CHECK (status IN ('active', 'disabled')),
    locale            text        NOT NULL,
    email_verified_at timestamptz,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email);
-- q prefix search: e-mails are stored lower-case; names are matched case-insensitively.
CREATE INDEX users_email_prefix_idx ON users (email text_pattern_ops);
CREATE INDEX users_name_prefix_idx ON users (lower(name) text_pattern_ops);
CREATE INDEX users_role_status_idx ON users (role, status, id);

CREATE TABLE credentials (
    user_id       uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    password_hash text        NOT NULL,
    updated_at    timestamptz NOT NULL
);

-- A session is one login: the family of every refresh token rotated from it.
CREATE TABLE sessions (
    id            uuid        PRIMARY KEY,
    user_id       uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_agent    text        NOT NULL DEFAULT '',
    ip            text        NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL,
    last_used_at  timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    revoke_reason text
);
CREATE INDEX sessions_user_idx ON sessions (user_id, created_at DESC);

CREATE TABLE refresh_tokens (
    id          uuid        PRIMARY KEY,
    session_id  uuid        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    token_hash  bytea       NOT NULL,
    created_at  timestamptz NOT NULL,
    spent_at    timestamptz
);
CREATE UNIQUE INDEX refresh_tokens_hash_key ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

-- Single-use tokens sent by e-mail (password reset, e-mail verification); hashes only.
CREATE TABLE one_time_tokens (
    id          uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     text        NOT NULL CHECK (purpose IN ('password_reset', 'email_verify')),
    token_hash  bytea       NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE UNIQUE INDEX one_time_tokens_hash_key ON one_time_tokens (token_hash);
CREATE INDEX one_time_tokens_user_idx ON one_time_tokens (user_id, purpose);

-- The audit trail outlives the users it names: no foreign keys.
CREATE TABLE audit_logs (
    id          uuid        PRIMARY KEY,
    actor_id    uuid,
    action      text        NOT NULL,
    entity      text        NOT NULL,
    entity_id   text        NOT NULL,
    ip          text        NOT NULL DEFAULT '',
    request_id  text        NOT NULL DEFAULT '',
    changes     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL
);
CREATE INDEX audit_logs_entity_idx ON audit_logs (entity, entity_id, id);
CREATE INDEX audit_logs_actor_idx ON audit_logs (actor_id, id);
CREATE INDEX audit_logs_action_idx ON audit_logs (action, id);
