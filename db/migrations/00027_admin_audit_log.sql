-- The admin audit log (issue 16): every admin mutation writes one row in the transaction of the change, so a
-- change without its row (or a row without its change) cannot be committed. Sign-ins are logged too. The
-- admin's email is copied so a row still says who after the admin account is gone.

-- +goose Up
CREATE TABLE admin_audit_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    admin_user_id bigint REFERENCES admin_users (id) ON DELETE SET NULL,
    admin_email   text        NOT NULL,
    action        text        NOT NULL CHECK (action <> ''),
    target_type   text        NOT NULL CHECK (target_type <> ''),
    target_id     text        NOT NULL DEFAULT '',
    before        jsonb,
    after         jsonb,
    request_id    text        NOT NULL DEFAULT '',
    ip            text        NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now()
);
-- The log is read newest first (id order is commit order closely enough and is the cursor), filtered by
-- admin, by target or by action.
CREATE INDEX admin_audit_log_admin_idx ON admin_audit_log (admin_user_id, id DESC);
CREATE INDEX admin_audit_log_target_idx ON admin_audit_log (target_type, target_id, id DESC);
CREATE INDEX admin_audit_log_action_idx ON admin_audit_log (action, id DESC);

-- +goose Down
DROP TABLE admin_audit_log;
