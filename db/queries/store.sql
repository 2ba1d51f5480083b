-- Store purchases and store notifications (db/migrations/00023_store_purchases.sql).

-- name: StoreEventGet :one
-- A recorded notification's signed payload (verified again before it is applied) and when it was applied
-- (NULL: not yet).
SELECT payload, applied_at FROM store_events WHERE store = @store AND event_id = @event_id;

-- name: StoreEventMark :exec
-- Records that a notification was handled without touching a purchase (outcome ignored: it means nothing to
-- apply), once.
UPDATE store_events SET applied_at = now(), outcome = @outcome
WHERE store = @store AND event_id = @event_id AND applied_at IS NULL;

-- name: StoreEventRecord :exec
-- Records a notification under its id and, only when the id is new, inserts the store_event job that applies
-- it (its kind, queue and attempts come from package jobs) and wakes the queue's workers once the statement
-- commits. A notification delivered again finds its id taken and changes nothing. job_metadata is the job's
-- metadata (telemetry.JobMetadata: the webhook request's traceparent, which the job's span links to).
WITH ev AS (
    INSERT INTO store_events (store, event_id, payload) VALUES (@store, @event_id, @payload)
    ON CONFLICT DO NOTHING
    RETURNING store, event_id
)
INSERT INTO river_job (kind, queue, max_attempts, args, metadata)
SELECT @job_kind, @job_queue, @job_max_attempts, jsonb_build_object('store', ev.store, 'event_id', ev.event_id),
       sqlc.arg(job_metadata)::text::jsonb
FROM ev
RETURNING pg_notify(concat(current_schema(), '.river_insert'), json_build_object('queue', queue)::text);

-- name: StorePurchaseApply :one
-- Applies a store's state of a purchase, in one statement; StoreSyncSubscription then recomputes its owner's
-- subscriptions row.
--
-- The purchase's owner is the account it is stored under, else the account whose app_account_id is
-- @app_account_token (the id the app handed the store). With @caller_id (a purchase the app posts), it is
-- applied only when both are the caller. With @event_id (a notification), it is applied only while that
-- event is not applied yet, and the event is marked applied with its outcome: applied, stale (a newer state
-- is stored) or unknown_account.
--
-- The purchase moves only forward: a state signed (@state_at) no later than the stored one changes nothing.
-- @set_until says whether @entitled_until is the purchase's new end (NULL grants nothing); @auto_renew NULL
-- keeps the stored value (@new_auto_renew for a new purchase). The caller then runs StoreSyncSubscription
-- in the same transaction, which makes the subscription pro from the store until the latest end of the
-- owner's purchases, unless an operator's grant or trial has no end or a later one; when no purchase grants
-- any more, a store-sourced row ends at the latest purchase's end (a refund's revocation date, say). Only
-- that function writes subscriptions, after locking the account, so concurrent applies cannot deadlock on
-- the subscriptions row and the account's lock.
--
-- An empty @product_id or @environment keeps the stored one (a voided purchase's notification names neither).
-- @transaction_id is the store transaction the state comes from (Apple; '' keeps the stored one); with
-- @refund, it is the refunded or revoked transaction, which ends the purchase only when it is the stored one.
-- With @superseded_key, the purchase it names (the one the written purchase replaces) ends at @state_at, if
-- it is the owner's. With @ack_args, a written purchase gets a job (@ack_job_kind) that acknowledges it.
--
-- owner_id and token_user_id are 0 when there is none; applied says whether the purchase was written.
WITH owner AS (
    SELECT coalesce(
        (SELECT p.user_id FROM store_purchases p WHERE p.store = @store AND p.purchase_key = @purchase_key),
        (SELECT u.id FROM users u WHERE u.app_account_id = sqlc.narg(app_account_token)::text::uuid)) AS user_id
), token_user AS (
    SELECT u.id FROM users u WHERE u.app_account_id = sqlc.narg(app_account_token)::text::uuid
), ok AS (
    SELECT o.user_id FROM owner o
    WHERE o.user_id IS NOT NULL
      AND (sqlc.narg(caller_id)::bigint IS NULL
           OR (o.user_id = sqlc.narg(caller_id)::bigint
               AND EXISTS (SELECT 1 FROM token_user t WHERE t.id = sqlc.narg(caller_id)::bigint)))
      AND NOT EXISTS (SELECT 1 FROM store_events e
                      WHERE e.store = @store AND e.event_id = @event_id::text AND e.applied_at IS NOT NULL)
), up AS (
    INSERT INTO store_purchases AS p (store, purchase_key, user_id, product_id, environment, entitled_until,
                                      auto_renew, state_at, transaction_id)
    SELECT @store, @purchase_key, ok.user_id, @product_id, @environment, sqlc.narg(entitled_until)::timestamptz,
           coalesce(sqlc.narg(auto_renew)::boolean, @new_auto_renew::boolean), @state_at,
           CASE WHEN @refund::boolean THEN '' ELSE @transaction_id::text END
    FROM ok
    ON CONFLICT (store, purchase_key) DO UPDATE
    SET transaction_id = CASE WHEN @refund::boolean OR excluded.transaction_id = '' THEN p.transaction_id
                              ELSE excluded.transaction_id END,
        product_id     = coalesce(nullif(excluded.product_id, ''), p.product_id),
        environment    = coalesce(nullif(excluded.environment, ''), p.environment),
        entitled_until = CASE WHEN @set_until::boolean THEN excluded.entitled_until ELSE p.entitled_until END,
        auto_renew     = coalesce(sqlc.narg(auto_renew)::boolean, p.auto_renew),
        state_at       = excluded.state_at,
        updated_at     = now()
    WHERE p.state_at < excluded.state_at
      -- A refund or revocation (@refund) of another transaction than the one the stored state came from
      -- concerns an earlier period: the access a later period paid for stays.
      AND NOT (@refund::boolean AND p.transaction_id <> '' AND p.transaction_id <> @transaction_id::text)
    RETURNING p.user_id, p.store, p.entitled_until, p.auto_renew
), superseded AS (
    -- The purchase the written one replaces (Google's linkedPurchaseToken: an upgrade, a downgrade, a
    -- resubscription) stops granting when the new one starts, if it is the same owner's.
    UPDATE store_purchases p
    SET entitled_until = least(p.entitled_until, @state_at::timestamptz),
        auto_renew     = false,
        state_at       = greatest(p.state_at, @state_at::timestamptz),
        updated_at     = now()
    FROM up
    WHERE p.store = @store AND p.purchase_key = sqlc.narg(superseded_key)::text AND p.user_id = up.user_id
    RETURNING p.user_id, p.store, p.entitled_until, p.auto_renew
), ack AS (
    -- The job that acknowledges a written purchase the store still wants acknowledged (Google Play refunds
    -- one not acknowledged within three days); its kind, queue and attempts come from package jobs.
    INSERT INTO river_job (kind, queue, max_attempts, args)
    SELECT @ack_job_kind::text, @ack_job_queue::text, @ack_job_max_attempts::smallint, sqlc.narg(ack_args)::text::jsonb
    FROM up
    WHERE sqlc.narg(ack_args)::text::jsonb IS NOT NULL
    RETURNING pg_notify(concat(current_schema(), '.river_insert'), json_build_object('queue', queue)::text)
), ev AS (
    UPDATE store_events e
    SET applied_at = now(),
        outcome    = CASE WHEN EXISTS (SELECT 1 FROM up) THEN 'applied'
                          WHEN EXISTS (SELECT 1 FROM ok) THEN 'stale'
                          ELSE 'unknown_account' END
    WHERE e.store = @store AND e.event_id = @event_id::text AND e.applied_at IS NULL
    RETURNING e.outcome
)
SELECT coalesce((SELECT user_id FROM owner), 0)::bigint AS owner_id,
       coalesce((SELECT id FROM token_user), 0)::bigint AS token_user_id,
       EXISTS (SELECT 1 FROM up)::boolean AS applied,
       (SELECT count(*) FROM ev)::bigint AS events_marked,
       (SELECT count(*) FROM ack)::bigint AS acknowledgements_queued;

-- name: StoreSyncSubscription :exec
-- Recomputes the account's subscriptions row from its purchases under a lock on the account, with a fresh
-- snapshot (db/migrations/00024): run right after StorePurchaseApply, in its transaction, so two purchases
-- of one account applied at once end with the later end.
SELECT store_sync_subscription(@user_id::bigint);
