-- Idempotency keys (issue 19: retries that never duplicate). A POST that creates something or completes a task
-- may carry an Idempotency-Key header; the response to its first success is stored here, in the transaction
-- of the work itself, so that a retry with the same key (per user) and the same request gets that response
-- back instead of doing the work again, and a crash between the work and the stored response cannot happen
-- (both commit or neither does). Rows are answered for 24 hours and then deleted by the idempotency_purge job.

-- +goose Up
CREATE TABLE idempotency_keys (
    user_id          bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key              text        NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    -- The operation (ogen's operation name) the key was first used with, for the logs and the 422's message.
    operation        text        NOT NULL,
    -- sha256 over the operation, the method, the path with its query and the body (package idempotency).
    request_hash     bytea       NOT NULL,
    response_status  integer     NOT NULL,
    -- The headers the API set on the response (Content-Type, Location, ETag ...), as {"Name": ["value"]}.
    response_headers jsonb       NOT NULL,
    response_body    bytea       NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);

-- The purge deletes by age.
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
