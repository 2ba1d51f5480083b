-- Two purchases of one account applied at the same moment (StorePurchaseApply) each recompute the account's
-- subscriptions row from their own statement's snapshot, which holds the other's purchase only once it has
-- committed: the last writer could leave the older end. store_sync_subscription, run by every apply right
-- after it in the same transaction, takes a lock on the account (its user_usage row) and recomputes with a
-- fresh snapshot, so whichever apply syncs last sees the other's committed purchase.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION store_sync_subscription(p_user_id bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM user_usage WHERE user_id = p_user_id FOR UPDATE;
    -- A new query, so a new snapshot in READ COMMITTED: it sees purchases committed while this waited.
    INSERT INTO subscriptions AS s (user_id, tier, source, store, entitled_until, auto_renew, updated_at)
    SELECT p.user_id, 'pro', 'store', p.store, p.entitled_until, p.auto_renew, now()
    FROM store_purchases p
    WHERE p.user_id = p_user_id AND p.entitled_until IS NOT NULL
    ORDER BY p.entitled_until DESC
    LIMIT 1
    ON CONFLICT (user_id) DO UPDATE
    SET tier = 'pro', source = 'store', store = excluded.store, entitled_until = excluded.entitled_until,
        auto_renew = excluded.auto_renew, updated_at = now()
    WHERE s.source = 'store'
       OR (excluded.entitled_until > now() AND s.entitled_until IS NOT NULL AND s.entitled_until < excluded.entitled_until);
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION store_sync_subscription(bigint);
