-- name: AdminAuditInsert :exec
-- One audit row, written in the transaction of the change it records. Before and after are JSON text: pgx's
-- exec mode would send bytes as bytea, which jsonb refuses.
INSERT INTO admin_audit_log (admin_user_id, admin_email, action, target_type, target_id, before, after, request_id, ip)
VALUES (sqlc.narg(admin_user_id), @admin_email, @action, @target_type, @target_id, sqlc.narg(before)::text::jsonb, sqlc.narg(after)::text::jsonb,
        @request_id, @ip);
