-- Accounts that can be disabled, sessions that expire when idle, sign-in failures counted per
-- username and address, and API tokens that expire, have a scope and can be revoked.

ALTER TABLE users ADD COLUMN disabled_at BIGINT;
-- Set by an administrator's reset: the temporary password must be replaced at sign-in.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;

-- Sessions from before idle expiry count as idle, so their users sign in again once.
ALTER TABLE web_sessions ADD COLUMN last_seen BIGINT NOT NULL DEFAULT 0;
CREATE INDEX web_sessions_by_user ON web_sessions (user_id);

DROP INDEX login_failures_by_username;
DELETE FROM login_failures;
ALTER TABLE login_failures ADD COLUMN address TEXT NOT NULL DEFAULT '';
CREATE INDEX login_failures_by_attempt ON login_failures (username, address, at);

CREATE TABLE api_tokens_scoped (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    -- read or read-write
    scope TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
-- Tokens issued before expiry existed run for 90 days from now.
INSERT INTO api_tokens_scoped (token_hash, user_id, name, scope, created_at, expires_at)
SELECT token_hash, user_id, name, 'read-write', created_at,
       CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) + 90 * 86400000000
FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_scoped RENAME TO api_tokens;
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);
