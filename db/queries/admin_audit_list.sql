-- Reading the admin audit log (GET /api/admin/audit-log): newest first, by id, which is the cursor.

-- name: AdminAuditCount :one
-- How many entries match the filters (over all pages); an empty filter matches everything.
SELECT count(*) FROM admin_audit_log l
WHERE (@admin::text = '' OR lower(l.admin_email) = lower(@admin::text))
  AND (@action::text = '' OR l.action = @action::text)
  AND (@target_type::text = '' OR l.target_type = @target_type::text)
  AND (@target_id::text = '' OR l.target_id = @target_id::text)
  AND (sqlc.narg(since)::timestamptz IS NULL OR l.created_at >= sqlc.narg(since)::timestamptz)
  AND (sqlc.narg(until)::timestamptz IS NULL OR l.created_at < sqlc.narg(until)::timestamptz);

-- name: AdminAuditList :many
-- One page of the entries matching the filters, with ids below @before_id (the cursor; 0 for the first page).
SELECT * FROM admin_audit_log l
WHERE (@admin::text = '' OR lower(l.admin_email) = lower(@admin::text))
  AND (@action::text = '' OR l.action = @action::text)
  AND (@target_type::text = '' OR l.target_type = @target_type::text)
  AND (@target_id::text = '' OR l.target_id = @target_id::text)
  AND (sqlc.narg(since)::timestamptz IS NULL OR l.created_at >= sqlc.narg(since)::timestamptz)
  AND (sqlc.narg(until)::timestamptz IS NULL OR l.created_at < sqlc.narg(until)::timestamptz)
  AND (@before_id::bigint = 0 OR l.id < @before_id::bigint)
ORDER BY l.id DESC
LIMIT @page_size;
