-- Store purchases (issue 15, Apple part): each App Store (later Google Play) subscription an account bought,
-- under the store's own key for it (Apple's originalTransactionId), and each store notification received,
-- kept by its id (Apple's notificationUUID) so a notification delivered twice is applied once.
--
-- A purchase's entitled_until is the end of the access it grants (NULL grants nothing); state_at is the
-- store's signedDate of the state stored, so a notification signed earlier than what is stored, arriving
-- late, never overwrites it. The user's subscriptions row is recomputed from the purchases by the statement
-- that writes one (db/queries/store.sql).

-- +goose Up
CREATE TABLE store_purchases (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    store          text        NOT NULL CHECK (store IN ('apple', 'google')),
    purchase_key   text        NOT NULL CHECK (purchase_key <> ''),
    user_id        bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    product_id     text        NOT NULL,
    environment    text        NOT NULL,
    entitled_until timestamptz,
    auto_renew     boolean     NOT NULL DEFAULT false,
    state_at       timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT store_purchases_store_key UNIQUE (store, purchase_key)
);
CREATE INDEX store_purchases_user_id_idx ON store_purchases (user_id);

-- A notification as it arrived (payload: the signed token, verified again when applied), and what applying
-- it did (outcome: applied, stale, unknown_account or ignored); applied_at NULL means not applied yet.
CREATE TABLE store_events (
    store       text        NOT NULL CHECK (store IN ('apple', 'google')),
    event_id    text        NOT NULL CHECK (event_id <> ''),
    received_at timestamptz NOT NULL DEFAULT now(),
    payload     text        NOT NULL,
    applied_at  timestamptz,
    outcome     text,
    PRIMARY KEY (store, event_id)
);

-- +goose Down
DROP TABLE store_events;
DROP TABLE store_purchases;
