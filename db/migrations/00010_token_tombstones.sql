-- Revocations that still have to reach Valkey. Every statement that deletes tokens (logout, password change
-- and reset, account deletion, deactivation) records their hashes here in the same statement. Valkey may map
-- a revoked token to its user for up to TOKEN_CACHE_TTL, and a Valkey that keeps its data (AOF or RDB) still
-- does after a restart; the process that revoked writes a tombstone over that entry at once, but when Valkey
-- is unreachable then, only this table remembers that it must. Any process delivers the rows when Valkey
-- answers (internal/authcache/tombstones.go) and then deletes them; rows older than the token TTL need no
-- delivery, since every entry they could contradict has expired.

-- +goose Up
CREATE TABLE token_tombstones (
    token_hash bytea       PRIMARY KEY CHECK (length(token_hash) = 32),
    revoked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX token_tombstones_revoked_at_idx ON token_tombstones (revoked_at);

-- +goose Down
DROP TABLE token_tombstones;
