-- Accounts and token authentication. Only hashes of secrets are stored: SHA-256 of API tokens, reset tokens
-- and emailed codes (codes are short, but they expire in 15 minutes and die after 5 wrong attempts), and an
-- argon2id hash of the password.

-- +goose Up
CREATE TABLE users (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email             text        NOT NULL CHECK (email <> '' AND length(email) <= 254),
    password_hash     text        NOT NULL,
    first_name        text        NOT NULL DEFAULT '',
    last_name         text        NOT NULL DEFAULT '',
    timezone          text        NOT NULL DEFAULT 'UTC',
    is_active         boolean     NOT NULL DEFAULT true,
    email_verified_at timestamptz,
    last_login_at     timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
-- Email is unique case-insensitively; lookups use lower(email) so they hit this index.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

CREATE TABLE auth_tokens (
    token_hash   bytea       PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_label text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_tokens_user_id_idx ON auth_tokens (user_id);

CREATE TABLE email_codes (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id          bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose          text        NOT NULL CHECK (purpose IN ('verify', 'reset')),
    code_hash        bytea       NOT NULL,
    expires_at       timestamptz NOT NULL,
    attempts         integer     NOT NULL DEFAULT 0,
    -- Set when a reset code is exchanged for a reset token; the token is single use (used_at).
    reset_token_hash bytea UNIQUE,
    used_at          timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now()
);
-- At most one live code per user and purpose: issuing a new code replaces the old one.
CREATE UNIQUE INDEX email_codes_user_purpose_key ON email_codes (user_id, purpose);

-- +goose Down
DROP TABLE email_codes;
DROP TABLE auth_tokens;
DROP TABLE users;
