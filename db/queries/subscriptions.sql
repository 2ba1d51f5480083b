-- Subscriptions and tiers (db/migrations/00020_subscriptions.sql).

-- name: SubscriptionSetByOperator :one
-- Sets the tier of the account with this email (case-insensitively), as an operator's grant: source admin,
-- no store, entitled until @entitled_until (NULL: no end). No row: no account has this email.
WITH u AS (SELECT id FROM users WHERE lower(email) = lower(@email))
INSERT INTO subscriptions (user_id, tier, source, store, entitled_until, auto_renew, updated_at)
SELECT u.id, @tier, 'admin', NULL, sqlc.narg(entitled_until)::timestamptz, false, now() FROM u
ON CONFLICT (user_id) DO UPDATE
SET tier = excluded.tier, source = 'admin', store = NULL, entitled_until = excluded.entitled_until,
    auto_renew = false, updated_at = now()
RETURNING user_id, tier, entitled_until;
