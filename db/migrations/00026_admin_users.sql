-- Admin accounts (issue 16), separate from app users: an admin signs in to /api/admin only, and an admin token
-- is looked up here, never in auth_tokens, so neither kind of token opens the other API. As for users, only
-- hashes of secrets are stored: argon2id of the password, SHA-256 of each token.

-- +goose Up
CREATE TABLE admin_users (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email           text        NOT NULL CHECK (email <> '' AND length(email) <= 254),
    password_hash   text        NOT NULL,
    role            text        NOT NULL CHECK (role IN ('owner', 'admin', 'viewer')),
    is_active       boolean     NOT NULL DEFAULT true,
    last_sign_in_at timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
-- Email is unique case-insensitively; lookups use lower(email) so they hit this index.
CREATE UNIQUE INDEX admin_users_email_lower_key ON admin_users (lower(email));

-- A token is revoked by deleting its row; an expired one is refused (and may be deleted at any time).
CREATE TABLE admin_tokens (
    token_hash    bytea       PRIMARY KEY CHECK (length(token_hash) = 32),
    admin_user_id bigint      NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
    expires_at    timestamptz NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX admin_tokens_admin_user_id_idx ON admin_tokens (admin_user_id);

-- +goose Down
DROP TABLE admin_tokens;
DROP TABLE admin_users;
