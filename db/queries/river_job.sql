-- River's job queue (db/river/river_job.sql), as the operator reads it: `homekeep jobs`. River itself reads
-- and writes the table through its own driver; the statements that insert jobs in the statement of their
-- change are with that change (email_codes.sql, users.sql).

-- name: RiverJobCountByKindAndState :many
-- How many jobs of each kind are in each state, with the oldest one's creation time: a queue that is stuck
-- shows as available or retryable jobs that keep getting older.
SELECT kind, state::text AS state, count(*)::bigint AS jobs, min(created_at)::timestamptz AS oldest
FROM river_job
GROUP BY kind, state
ORDER BY kind, state;

-- name: RiverJobLastErrors :many
-- The jobs that failed most recently, with the last error each recorded, newest first, at most max_rows.
SELECT id, kind, state::text AS state, attempt, max_attempts,
       coalesce((errors[array_upper(errors, 1)] ->> 'at')::timestamptz, created_at)::timestamptz AS failed_at,
       coalesce(errors[array_upper(errors, 1)] ->> 'error', '')::text AS error
FROM river_job
WHERE errors IS NOT NULL
ORDER BY failed_at DESC, id DESC
LIMIT @max_rows;
