-- name: EmailCodeAttemptReset :one
-- Counts one attempt at the live reset code of the account with this email. When the code matches, the
-- same statement turns it into a reset token (valid until reset_expires_at, single use), so a code can be
-- exchanged only once. A code that has expired, was exchanged, or has had 5 attempts never matches.
UPDATE email_codes c
SET attempts         = c.attempts + 1,
    reset_token_hash = CASE WHEN c.code_hash = @code_hash THEN @reset_token_hash::bytea END,
    expires_at       = CASE WHEN c.code_hash = @code_hash THEN @reset_expires_at::timestamptz ELSE c.expires_at END
FROM users u
WHERE u.id = c.user_id AND lower(u.email) = lower(@email) AND u.is_active
  AND c.purpose = 'reset' AND c.used_at IS NULL AND c.reset_token_hash IS NULL
  AND c.expires_at > now() AND c.attempts < 5
RETURNING (c.code_hash = @code_hash)::boolean AS matched, c.attempts;

-- name: EmailCodeAttemptVerify :one
-- Counts one attempt at the user's live verification code and marks it used when it matches. Counting in
-- the same statement means concurrent guesses cannot exceed the limit of 5.
UPDATE email_codes
SET attempts = attempts + 1,
    used_at  = CASE WHEN code_hash = @code_hash THEN now() END
WHERE user_id = @user_id AND purpose = 'verify' AND used_at IS NULL
  AND expires_at > now() AND attempts < 5
RETURNING (code_hash = @code_hash)::boolean AS matched, attempts;

-- name: EmailCodeIssueForUser :one
-- Issues a new code for the email_code job that sends it, replacing any earlier one for the same purpose:
-- for an active user, and a verification code only while the email is unverified. Returns the address to
-- send it to; no row when there is nothing to send (the account is gone or deactivated, or verified since).
INSERT INTO email_codes (user_id, purpose, code_hash, expires_at)
SELECT u.id, @purpose, @code_hash, @expires_at FROM users u
WHERE u.id = @user_id AND u.is_active AND (@purpose::text <> 'verify' OR u.email_verified_at IS NULL)
ON CONFLICT (user_id, purpose) DO UPDATE
SET code_hash = EXCLUDED.code_hash, expires_at = EXCLUDED.expires_at, attempts = 0,
    reset_token_hash = NULL, used_at = NULL, created_at = now()
RETURNING (SELECT email FROM users WHERE users.id = email_codes.user_id) AS email;

-- name: EmailCodeRequest :exec
-- Asks for a code to be emailed to the user: inserts the email_code job (its kind, queue and attempts come
-- from package jobs) that issues the code and sends it, and wakes the queue's workers once the statement
-- commits, as river's own insert does. job_metadata is the job's metadata (telemetry.JobMetadata: the
-- request's traceparent, which the job's span links to).
INSERT INTO river_job (kind, queue, max_attempts, args, metadata)
VALUES (@job_kind, @job_queue, @job_max_attempts,
        jsonb_build_object('user_id', @user_id::bigint, 'purpose', @purpose::text), sqlc.arg(job_metadata)::text::jsonb)
RETURNING pg_notify(concat(current_schema(), '.river_insert'), json_build_object('queue', queue)::text);

-- name: EmailCodeRequestForEmail :exec
-- Asks for a reset code for the active account with this email, if there is one (see EmailCodeRequest).
-- The job is queued whether or not there is such an account, with a null user_id when there is none (its
-- worker then sends nothing), so the request does the same work either way: the same lookup, the same insert,
-- the same commit flush and notification. Queuing only for an existing account made forgot-password about
-- 4 ms slower for one (issue 19's timing test), which told a caller who has an account. The job holds the
-- user's id, never the address that was asked about.
INSERT INTO river_job (kind, queue, max_attempts, args, metadata)
VALUES (@job_kind, @job_queue, @job_max_attempts,
        jsonb_build_object('user_id', (SELECT u.id FROM users u WHERE lower(u.email) = lower(@email) AND u.is_active),
                           'purpose', 'reset'),
        sqlc.arg(job_metadata)::text::jsonb)
RETURNING pg_notify(concat(current_schema(), '.river_insert'), json_build_object('queue', queue)::text);

-- name: EmailCodeUseResetToken :one
-- Spends a reset token (single use) and returns its user.
UPDATE email_codes
SET used_at = now()
WHERE reset_token_hash = @reset_token_hash AND purpose = 'reset' AND used_at IS NULL AND expires_at > now()
RETURNING user_id;
